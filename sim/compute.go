package sim

import (
	"github.com/barri-city/barri/sim/detmath"
	"math"
)

// model holds the stage results of one state. Every stage is a pure function
// of its inputs, so a stage whose inputs did not change can be kept as it
// is: newModel fills every stage, the Evaluator refreshes only the stages an
// edit reaches, and both give the same bits.
type model struct {
	s         *State
	minutes   [][]float64      // amenity kind -> building -> walking minutes
	energy    []buildingEnergy // per building
	residents []float64        // per building
	zh        []zoneHousing    // quantities; rents are set by report
	ptAcc     []float64        // per cell: weighted minutes to board public transport
	ehed      []float64        // per building: exp of the hedonic log-rent terms
	demand    *mobilityDemand
	ff        *freeFlow
	mob       *mobilityResult
	tree      *spt
	trees     [2]*spt // for the two halves of the car assignment
}

// newModel runs every stage but the rents, which need the baseline.
func newModel(s *State) *model {
	c := s.City
	pr := c.prep()
	m := &model{s: s, tree: newSPT(len(c.Nodes)), trees: [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}}
	m.minutes = make([][]float64, len(AmenityKinds))
	for k := range AmenityKinds {
		m.minutes[k] = m.accessKind(k)
	}
	m.energy = make([]buildingEnergy, len(c.Buildings))
	for i := range m.energy {
		m.energy[i] = energyOf(c, s, i)
	}
	m.ptAcc = make([]float64, len(pr.cells))
	for ci := range pr.cells {
		m.ptAcc[ci] = s.transitAccessMin(pr.cells[ci].centroid)
	}
	m.housingQuantities()
	m.hedonicAll()
	m.demand = cellDemand(c, s, m.residents, m.ptAcc)
	m.ff = newFreeFlow(c, s, &m.trees)
	m.mob = mobilityModel(c, s, m.demand, m.ff, &m.trees)
	return m
}

// accessKind runs one multi-source shortest-path pass over the walking graph
// from every amenity of kind k (and, for parks, every park added) at once.
func (m *model) accessKind(k int) []float64 {
	s := m.s
	c := s.City
	pr := c.prep()
	kind := AmenityKinds[k]
	var src []int32
	var init []float64
	for i := range c.Amenities {
		if c.Amenities[i].Kind == kind {
			src = append(src, pr.amenNode[i])
			init = append(init, pr.amenSnap[i])
		}
	}
	if kind == KindPark {
		for _, pk := range s.Parks {
			n, d := c.snapNode(pk.Centroid)
			src = append(src, n)
			init = append(init, d)
		}
	}
	mins := make([]float64, len(c.Buildings))
	if len(src) == 0 {
		for i := range mins {
			mins[i] = 120 // no amenity of this kind: counted as two hours away
		}
		return mins
	}
	mPerMin := s.Params[PWalkKmh] * 1000 / 60
	m.tree.run(pr.walk, src, init, pr.walkCost)
	for i := range mins {
		mins[i] = min(120, (m.tree.dist[pr.bNode[i]]+pr.bSnap[i])/mPerMin)
	}
	return mins
}

// within reports whether building i has every amenity kind within the access time.
func (m *model) within(i int) bool {
	lim := m.s.Params[PAccessMinutes]
	for k := range m.minutes {
		if m.minutes[k][i] > lim {
			return false
		}
	}
	return true
}

// housingQuantities counts dwellings, households and residents per zone and
// spreads residents over buildings by dwellings.
func (m *model) housingQuantities() {
	s := m.s
	c := s.City
	p := &s.Params
	pr := c.prep()
	zs := make([]zoneHousing, len(c.Zones))
	for i := range s.Buildings {
		if z := c.Buildings[i].Zone; z >= 0 {
			zs[z].dwellings += float64(s.Buildings[i].Dwellings)
			zs[z].affordable += float64(s.Buildings[i].Affordable)
		}
	}
	for z := range zs {
		zn := &c.Zones[z]
		h := &zs[z]
		growth := h.dwellings / max(pr.zoneDw0[z], 1)
		h.households = zn.Households * growth
		h.residents = zn.Population * growth
		hhIncome := float64(zn.IncomePerCapita * zn.Population / max(zn.Households, 1))
		h.income = newLognormal(hhIncome, p[PIncomeSigma])
		h.renterIncome = newLognormal(float64(hhIncome*p[PRenterIncomeFactor]), p[PIncomeSigma])
	}
	m.zh = zs
	m.residents = make([]float64, len(c.Buildings))
	for i := range s.Buildings {
		if z := c.Buildings[i].Zone; z >= 0 && zs[z].dwellings > 0 {
			m.residents[i] = float64(s.Buildings[i].Dwellings) / zs[z].dwellings * zs[z].residents
		}
	}
}

// hedonic returns the log-rent terms of building i beyond its zone's constant.
func (m *model) hedonic(i int) float64 {
	p := &m.s.Params
	c := m.s.City
	n := 0.0
	for k := range m.minutes {
		if m.minutes[k][i] <= p[PAccessMinutes] {
			n++
		}
	}
	f := float64(p[PRentAccessCoef]*n) / float64(len(m.minutes))
	f += float64(p[PRentParkCoef] * m.minutes[parkKind][i])
	f += float64(p[PRentTransitCoef] * m.ptAcc[c.prep().bCell[i]])
	if c.Buildings[i].Year >= 2007 {
		f += p[PRentNewPremium]
	}
	return f
}

// hedonicAll computes exp(hedonic terms) of every building in a zone.
func (m *model) hedonicAll() {
	c := m.s.City
	m.ehed = make([]float64, len(c.Buildings))
	for i := range c.Buildings {
		if c.Buildings[i].Zone >= 0 {
			m.ehed[i] = detmath.Exp(m.hedonic(i))
		}
	}
}

var parkKind = func() int {
	for k, kind := range AmenityKinds {
		if kind == KindPark {
			return k
		}
	}
	panic("sim: no park kind")
}()

// report sets rents and sums every indicator. base, when given, supplies the
// zone rent constants fitted on the baseline; without it they are fitted here
// so that each zone's mean market rent equals its published rent.
func (m *model) report(base *Report) *Report {
	s := m.s
	c := s.City
	p := &s.Params
	pr := c.prep()
	nz := len(c.Zones)
	zh := m.zh

	// Rents: log-rent = zone constant + hedonic terms, times the supply
	// response of the zone's stock.
	num := make([]float64, nz)
	den := make([]float64, nz)
	for i := range c.Buildings {
		z := c.Buildings[i].Zone
		if z < 0 {
			continue
		}
		w := float64(s.Buildings[i].Dwellings - s.Buildings[i].Affordable)
		num[z] += float64(w * m.ehed[i])
		den[z] += w
	}
	kappa := make([]float64, nz)
	for z := range kappa {
		if base != nil {
			kappa[z] = base.kappa[z]
		} else {
			mean := 1.0
			if den[z] > 0 {
				mean = num[z] / den[z]
			}
			kappa[z] = detmath.Log(max(c.Zones[z].RentEurMonth, 1)) - detmath.Log(mean)
		}
	}
	ekappa := make([]float64, nz)
	for z := range zh {
		ekappa[z] = detmath.Exp(kappa[z])
		h := &zh[z]
		h.supply = detmath.Pow(max(h.dwellings/max(pr.zoneDw0[z], 1), 1e-6), p[PRentStockElasticity])
		if den[z] > 0 {
			h.marketRent = num[z] / den[z] * detmath.Exp(kappa[z]) * h.supply
		} else {
			h.marketRent = detmath.Exp(kappa[z]) * h.supply
		}
		size := c.Zones[z].RentEurMonth / max(c.Zones[z].RentEurM2, 1) // m² of a typical dwelling on the market
		h.affordableRent = min(h.marketRent, float64(p[PAffordableRentM2]*size))
	}

	out := &Report{City: Indicators{}, Zones: make([]ZoneReport, nz), kappa: kappa,
		Buildings: make([]BuildingResult, len(c.Buildings)), Streets: make([]StreetResult, len(c.Segments))}
	type zsum struct{ energy, pv, co2, resCost, pop, pop15 float64 }
	zs := make([]zsum, nz)
	nk := len(AmenityKinds)
	walkSum := make([]float64, nz*nk)
	var energy, pv, co2 float64
	for i := range c.Buildings {
		e := &m.energy[i]
		b := &s.Buildings[i]
		z := c.Buildings[i].Zone
		rent := 0.0
		if z >= 0 {
			h := &zh[z]
			market := float64(m.ehed[i]*ekappa[z]) * h.supply
			aff := float64(b.Affordable) / max(float64(b.Dwellings), 1)
			rent = float64((1-aff)*market) + float64(aff*h.affordableRent)
			cost := float64(e.resKWh*p[PResElecShare]*p[PElecPrice]) + float64(e.resKWh*(1-p[PResElecShare])*p[PGasPrice])
			zs[z].energy += e.energyKWh
			zs[z].pv += e.pvKWh
			zs[z].co2 += e.co2Kg
			zs[z].resCost += cost
			r := m.residents[i]
			zs[z].pop += r
			if m.within(i) {
				zs[z].pop15 += r
			}
			for k := 0; k < nk; k++ {
				walkSum[z*nk+k] += float64(r * m.minutes[k][i])
			}
		}
		energy += e.energyKWh
		pv += e.pvKWh
		co2 += e.co2Kg
		out.Buildings[i] = BuildingResult{ID: i, EnergyKWh: e.energyKWh, PVKWh: e.pvKWh, Dwellings: b.Dwellings, Affordable: b.Affordable, Rent: rent}
	}
	mob := m.mob
	for i := range c.Segments {
		g := &s.Segments[i]
		sp := 0.0
		if !math.IsInf(mob.segTimeMin[i], 1) && mob.segTimeMin[i] > 0 {
			sp = c.Segments[i].Length / 1000 / (mob.segTimeMin[i] / 60)
			if g.CarAccess == CarLocal {
				sp *= 4 // the routing penalty is not a slower speed
			}
		}
		vc := 0.0
		if g.Capacity > 0 {
			vc = float64(mob.segFlow[i]*p[PPeakShare]) / g.Capacity
		}
		out.Streets[i] = StreetResult{ID: i, CarFlow: mob.segFlow[i], SpeedKmh: sp, VC: vc}
	}

	// Green space: parks among the amenities, added parks, and green streets.
	zGreen := make([]float64, nz)
	var green float64
	for i := range c.Amenities {
		if c.Amenities[i].Kind == KindPark {
			green += c.Amenities[i].Area
			if z := pr.amenZone[i]; z >= 0 {
				zGreen[z] += c.Amenities[i].Area
			}
		}
	}
	for _, pk := range s.Parks {
		green += pk.Area
		if z := c.zoneNear(pk.Centroid); z >= 0 {
			zGreen[z] += pk.Area
		}
	}
	for i := range s.Segments {
		green += s.Segments[i].GreenM2
		if z := pr.segZone[i]; z >= 0 {
			zGreen[z] += s.Segments[i].GreenM2
		}
	}

	var dw, aff, rentSum, renters, burden, risk, hh, poverty, pop, pop15 float64
	cityWalk := make([]float64, nk)
	for z := 0; z < nz; z++ {
		h := &zh[z]
		v := Indicators{}
		v["housing.dwellings"] = h.dwellings
		v["housing.affordable_dwellings"] = h.affordable
		v["housing.rent_eur_month"] = h.meanRent()
		v["housing.rent_burden_share"] = h.rentBurden()
		v["housing.displacement_risk"] = h.displacementRisk()
		cost := zs[z].resCost / max(h.households, 1)
		v["energy.poverty_share"] = h.income.below(cost / 0.1)
		v["energy.demand_gwh_year"] = zs[z].energy / 1e6
		v["energy.pv_gwh_year"] = zs[z].pv / 1e6
		v["energy.co2_t_year"] = zs[z].co2 / 1000
		trips := mob.zoneTrips[z]
		v["mobility.trips_day"] = trips
		for md := 0; md < nModes; md++ {
			v["mobility.share."+modeNames[md]] = mob.zoneModes[z][md] / max(trips, 1e-9)
		}
		v["mobility.mean_trip_min"] = mob.zoneMin[z] / max(trips, 1e-9)
		v["mobility.car_vkm_day"] = mob.zoneVkm[z]
		v["mobility.co2_t_year"] = float64(mob.zoneVkm[z]*p[PCarCO2]) * 365 / 1e6
		v["mobility.nox_kg_day"] = float64(mob.zoneVkm[z]*p[PCarNOx]) / 1000
		v["access.15min_share"] = zs[z].pop15 / max(zs[z].pop, 1e-9)
		for k, kind := range AmenityKinds {
			v["access.walk_min."+kind] = walkSum[z*nk+k] / max(zs[z].pop, 1e-9)
			cityWalk[k] += walkSum[z*nk+k]
		}
		v["green.m2_per_resident"] = zGreen[z] / max(h.residents, 1)
		out.Zones[z] = ZoneReport{Code: c.Zones[z].Code, Name: c.Zones[z].Name, Values: v}
		dw += h.dwellings
		aff += h.affordable
		rentSum += float64(h.meanRent() * h.dwellings)
		r := float64(h.households * p[PRenterShare])
		renters += r
		burden += float64(r * v["housing.rent_burden_share"])
		risk += float64(r * v["housing.displacement_risk"])
		hh += h.households
		poverty += float64(h.households * v["energy.poverty_share"])
		pop += zs[z].pop
		pop15 += zs[z].pop15
	}
	v := out.City
	v["housing.dwellings"] = dw
	v["housing.affordable_dwellings"] = aff
	v["housing.rent_eur_month"] = rentSum / max(dw, 1)
	v["housing.rent_burden_share"] = burden / max(renters, 1e-9)
	v["housing.displacement_risk"] = risk / max(renters, 1e-9)
	v["energy.demand_gwh_year"] = energy / 1e6
	v["energy.pv_gwh_year"] = pv / 1e6
	v["energy.co2_t_year"] = co2 / 1000
	v["energy.poverty_share"] = poverty / max(hh, 1e-9)
	v["mobility.trips_day"] = mob.tripsDay
	for md := 0; md < nModes; md++ {
		v["mobility.share."+modeNames[md]] = mob.modes[md] / max(mob.resTrips, 1e-9)
	}
	v["mobility.car_vkm_day"] = mob.carVkm
	v["mobility.mean_trip_min"] = mob.tripMin / max(mob.resTrips, 1e-9)
	v["mobility.co2_t_year"] = float64(mob.carVkm*p[PCarCO2]) * 365 / 1e6
	v["mobility.nox_kg_day"] = float64(mob.carVkm*p[PCarNOx]) / 1000
	v["access.15min_share"] = pop15 / max(pop, 1e-9)
	for k, kind := range AmenityKinds {
		v["access.walk_min."+kind] = cityWalk[k] / max(pop, 1e-9)
	}
	v["green.m2_per_resident"] = green / max(pop, 1)
	out.diag = diagnostics{resTrips: mob.resTrips, tripKm: mob.tripKm, shortTrips: mob.shortTrips, residents: pop, households: hh,
		renters: renters}
	for i := range c.Buildings {
		out.diag.resKWh += m.energy[i].resKWh
		out.diag.roofUsable += float64(c.Buildings[i].RoofArea*p[PRoofUsable]) * s.Buildings[i].PVCoverage
	}
	out.diag.pvKWh = pv
	return out
}

// diagnostics are the quantities calibration compares with published figures.
type diagnostics struct {
	resTrips, tripKm, shortTrips float64
	residents, households        float64
	renters                      float64
	resKWh, pvKWh, roofUsable    float64
}
