package sim

import (
	"github.com/barri-city/barri/sim/detmath"
	"math"
)

// model holds the stage results of one state. Every stage is a pure function
// of its inputs, so a stage whose inputs did not change can be kept as it
// is: newModel fills every stage, the Evaluator refreshes only the stages an
// edit reaches, and both give the same bits. Sums over buildings are taken
// zone by zone and cell by cell, each in building id order, so that one
// zone or cell can be summed again alone.
type model struct {
	s         *State
	minutes   [][]float64      // amenity kind -> building -> walking minutes
	energy    []buildingEnergy // per building
	residents []float64        // per building
	dwell     [][2]int         // per building: the dwellings and affordable dwellings residents were spread by
	zh        []zoneHousing    // quantities; rents are set by report
	split     []incomeSplit    // per zone: its households' shares below the city's income quintile bounds
	pagg      []zoneAgg        // per part of a zone's buildings
	zagg      []zoneAgg        // per zone, and last the buildings of no zone: the sum of its parts
	ptAcc     []float64        // per cell: weighted minutes to board public transport
	ehed      []float64        // per building: exp of the hedonic log-rent terms
	demand    *mobilityDemand
	ff        *freeFlow
	tc        *tripChoices
	scratch   mobScratch
	mob       *mobilityResult
	tree      *spt
	trees     [2]*spt // for the two halves of the car assignment

	// What changed since prev, the last report, for an incremental report.
	// With prev nil the report is computed whole.
	prev        *Report
	same        *Report // a report of this very state, when there is one: its streets and building chunks are shared
	dirtyPart   []bool  // parts whose buildings changed: sums and results again
	housingPart []bool  // dirty parts whose rent and access sums changed too, not only energy
	touched     []int   // buildings the edit touched
	allResults  bool    // every building's result may have changed (parks or stops)
	mobChanged  bool    // the mobility result was recomputed
	green       bool    // parks or street greenery changed

	zout []zoneOut // per zone: housing indicators

	// Scratch space of report.
	zoneDirty  []bool // zones (and last: no zone) with a dirty part
	rentsDirty []bool // zones whose rent sums changed
	ekappa     []float64
	owned      []bool
	ids        []int32
	zrent      [][3]float64 // per zone: the rent factors its buildings' results used
	zGreen     []float64    // per zone: m² of green space
	greenTotal float64

	// Scratch space of the Evaluator's refresh.
	changed     []int  // buildings whose residents or jobs changed
	zoneHousing []bool // zones whose dwellings changed
	cellDirty   []bool // cells whose trip ends may have changed
}

// zoneAgg holds the sums over the buildings of one zone that the report needs.
type zoneAgg struct {
	rentNum, rentDen         float64             // market dwellings, weighted and not by exp(hedonic terms)
	energy, pv, co2, resCost float64             // kWh, kWh, kg, €
	povNum, povDen           float64             // dwellings, weighted and not by their share of households in energy poverty
	povQ                     [nQuintiles]float64 // dwellings weighted by their share of households in energy poverty and in each income quintile
	resKWh, roofUsable       float64
	pop, pop15               float64 // residents, and those with every kind within the access time
	walk                     [nKinds]float64
}

// nKinds is the number of amenity kinds.
const nKinds = 6

func init() {
	if len(AmenityKinds) != nKinds {
		panic("sim: nKinds must equal len(AmenityKinds)")
	}
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
	m.zh = make([]zoneHousing, len(c.Zones))
	m.residents = make([]float64, len(c.Buildings))
	m.dwell = make([][2]int, len(c.Buildings))
	for i := range m.dwell {
		m.dwell[i] = [2]int{s.Buildings[i].Dwellings, s.Buildings[i].Affordable}
	}
	for z := range m.zh {
		m.housingZone(z, nil, false) // every building: nothing to track
	}
	_, m.split = incomeQuintiles(c, m.zh)
	m.hedonicAll()
	m.pagg = make([]zoneAgg, len(pr.parts))
	m.zagg = make([]zoneAgg, len(c.Zones)+1)
	m.zout = make([]zoneOut, len(c.Zones))
	m.zrent = make([][3]float64, len(c.Zones))
	m.demand = newDemand(c, s, m.residents, m.ptAcc)
	m.ff = newFreeFlow(c, s, &m.trees, nil)
	m.tc = newTripChoices(c, s, m.demand, m.ff, nil, nil)
	m.mob = mobilityModel(c, s, m.demand, m.ff, m.tc, &m.trees, &m.scratch, nil)
	return m
}

// stages returns the model's mobility stages.
func (m *model) stages() mobilityStages { return mobilityStages{ff: m.ff, tc: m.tc, mob: m.mob} }

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
		for i := range s.Parks {
			src, init = parkEntrances(c, &s.Parks[i], src, init)
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

// parkEntranceM is how far from a park's edge a street node still counts
// as one of its entrances: the half width of the Eixample's widest streets,
// whose centre lines run round its blocks.
const parkEntranceM = 40

// parkEntrances appends to src and init where one walks into a park a
// scenario adds: every street node within parkEntranceM of its area (inside
// it, or at the distance to its edge), and the node nearest its centroid
// (with the distance to it), which is all a park too small to reach a
// street has. A park was reached at its centre's node alone, so that homes
// across the street from a park of nine blocks walked to its middle.
func parkEntrances(c *City, pk *Park, src []int32, init []float64) ([]int32, []float64) {
	n, d := c.snapNode(pk.Centroid)
	src = append(src, n)
	init = append(init, d)
	b := pk.Shape.Bound().Pad(parkEntranceM)
	for i := range c.Nodes {
		p := c.Nodes[i].P
		if !b.Contains(p) {
			continue
		}
		e := 0.0
		if !pk.Shape.Contains(p) {
			e = math.Inf(1)
			for _, poly := range pk.Shape {
				for _, r := range poly {
					for k := 0; k+1 < len(r); k++ {
						dk, _ := pointSegDist(p, r[k], r[k+1])
						e = min(e, dk)
					}
				}
			}
		}
		if e <= parkEntranceM {
			src = append(src, int32(i))
			init = append(init, e)
		}
	}
	return src, init
}

// housingZone counts the dwellings, households and residents of zone z and
// spreads its residents over its buildings by dwellings. With track, it
// appends to changed the buildings whose residents changed; it returns
// changed.
func (m *model) housingZone(z int, changed []int, track bool) []int {
	s := m.s
	c := s.City
	p := &s.Params
	pr := c.prep()
	h := &m.zh[z]
	var dw, aff float64
	for _, i := range pr.zoneBld[z] {
		dw += float64(s.Buildings[i].Dwellings)
		aff += float64(s.Buildings[i].Affordable)
	}
	zn := &c.Zones[z]
	growth := dw / max(pr.zoneDw0[z], 1)
	h.dwellings, h.affordable = dw, aff
	h.households = zn.Households * growth
	h.residents = zn.Population * growth
	hhIncome := float64(zn.IncomePerCapita * zn.Population / max(zn.Households, 1))
	h.income = newLognormal(hhIncome, p[PIncomeSigma], p[PIncomeSigmaLow])
	h.renterIncome = newLognormal(float64(hhIncome*p[PRenterIncomeFactor]), p[PIncomeSigma], p[PIncomeSigmaLow])
	for _, i := range pr.zoneBld[z] {
		r := 0.0
		if dw > 0 {
			r = float64(s.Buildings[i].Dwellings) / dw * h.residents
		}
		if r != m.residents[i] {
			m.residents[i] = r
			if track {
				changed = append(changed, int(i))
			}
		}
	}
	return changed
}

// sumPart sums the buildings of part pi of zone z (z = len(Zones): of no
// zone) into m.pagg[pi]: the energy sums, and with housing the rent and
// access sums too (else they are kept).
func (m *model) sumPart(z, pi int, housing bool) {
	s := m.s
	c := s.City
	p := &s.Params
	pr := c.prep()
	a := m.pagg[pi]
	a.energy, a.pv, a.co2, a.resKWh, a.roofUsable, a.resCost, a.povNum, a.povDen = 0, 0, 0, 0, 0, 0, 0, 0
	a.povQ = [nQuintiles]float64{}
	elecCost := float64(p[PResElecShare] * p[PElecPrice])
	gasCost := float64((1 - p[PResElecShare]) * p[PGasPrice])
	roofUsable := p[PRoofUsable]
	inZone := z < len(c.Zones)
	var income *lognormal
	var sp *incomeSplit
	if inZone {
		income, sp = &m.zh[z].income, &m.split[z]
	}
	for _, i := range pr.parts[pi] {
		e := &m.energy[i]
		a.energy += e.energyKWh
		a.pv += e.pvKWh
		a.co2 += e.co2Kg
		a.resKWh += e.resKWh
		a.roofUsable += float64(float64(c.Buildings[i].RoofArea*roofUsable) * s.Buildings[i].PVCoverage)
		if inZone {
			cost := float64(e.resKWh*elecCost) + float64(e.resKWh*gasCost)
			a.resCost += cost
			if dw := float64(s.Buildings[i].Dwellings); dw > 0 {
				poor := energyPoverty(income, cost/dw)
				a.povNum += float64(dw * poor)
				a.povDen += dw
				for q := range a.povQ {
					a.povQ[q] += float64(dw * max(0, min(poor, sp.hh[q+1])-sp.hh[q]))
				}
			}
		}
	}
	if housing && inZone {
		a.rentNum, a.rentDen, a.pop, a.pop15, a.walk = 0, 0, 0, 0, [nKinds]float64{}
		lim := p[PAccessMinutes]
		mins := m.minutes[:nKinds]
		for _, i := range pr.parts[pi] {
			b := &s.Buildings[i]
			w := float64(b.Dwellings - b.Affordable)
			a.rentNum += float64(w * m.ehed[i])
			a.rentDen += w
			r := m.residents[i]
			a.pop += r
			within := true
			for k := range mins {
				t := mins[k][i]
				a.walk[k] += float64(r * t)
				within = within && t <= lim
			}
			if within {
				a.pop15 += r
			}
		}
	}
	m.pagg[pi] = a
}

// add adds the sums of b to a.
func (a *zoneAgg) add(b *zoneAgg) {
	a.rentNum += b.rentNum
	a.rentDen += b.rentDen
	a.energy += b.energy
	a.pv += b.pv
	a.co2 += b.co2
	a.resCost += b.resCost
	a.povNum += b.povNum
	a.povDen += b.povDen
	for q := range a.povQ {
		a.povQ[q] += b.povQ[q]
	}
	a.resKWh += b.resKWh
	a.roofUsable += b.roofUsable
	a.pop += b.pop
	a.pop15 += b.pop15
	for k := range a.walk {
		a.walk[k] += b.walk[k]
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
//
// With m.prev set, the report is built from it: only the zones marked dirty
// are summed again and their buildings' results rewritten, the streets are
// kept unless the mobility model ran, and a zone's indicators are kept when
// nothing they depend on changed. The bits are those of a whole report.
func (m *model) report(base *Report) *Report {
	out := &Report{Zones: make([]ZoneReport, len(m.s.City.Zones))}
	m.fill(base, out)
	return out
}

// fill computes the report into out, whose Zones has one entry per zone:
// the zones' sums, the rents, the buildings' and streets' results, then the
// indicators of each model in turn. Each city-wide sum adds its zones in
// zone order, whatever the stage that computes it.
func (m *model) fill(base *Report, out *Report) {
	c := m.s.City
	whole := m.prev == nil
	m.sumZones(whole)
	ekappa := m.rents(base, out)
	m.buildingsOut(out, whole, ekappa)
	switch {
	case m.same != nil:
		out.Streets = m.same.Streets
	case whole || m.mobChanged:
		out.Streets = m.streetResults()
	default:
		out.Streets = m.prev.Streets
	}
	if whole || m.green {
		m.greenSpace()
	}
	for z := range out.Zones {
		out.Zones[z].Code, out.Zones[z].Name = c.Zones[z].Code, c.Zones[z].Name
	}
	m.housingOut(out, whole)
	m.energyOut(out)
	m.mobilityOut(out)
	m.accessOut(out)
	m.groupsOut(out)
}

// dirtyZone reports whether zone z (nz: the buildings in no zone) changed
// since the previous report: its sums, housing indicators and buildings'
// results are computed again.
func (m *model) dirtyZone(z int, whole bool) bool { return whole || m.zoneDirty[z] }

// sumZones sums again the parts that changed (all of them for a whole
// report) and the zones that hold them.
func (m *model) sumZones(whole bool) {
	pr := m.s.City.prep()
	nz := len(m.s.City.Zones)
	// A zone is dirty when one of its parts is: its parts' sums are taken
	// again, its housing indicators and its buildings' results too.
	m.zoneDirty = grow(m.zoneDirty, nz+1)
	m.rentsDirty = grow(m.rentsDirty, nz+1)
	for z := 0; z <= nz; z++ {
		for pi := pr.zonePart[z][0]; pi < pr.zonePart[z][1]; pi++ {
			if whole || m.dirtyPart[pi] {
				housing := whole || m.housingPart[pi]
				m.sumPart(z, pi, housing)
				m.zoneDirty[z] = true
				m.rentsDirty[z] = m.rentsDirty[z] || housing
			}
		}
		if m.dirtyZone(z, whole) { // else its parts' sums, and so theirs, are those of prev
			a := zoneAgg{}
			for pi := pr.zonePart[z][0]; pi < pr.zonePart[z][1]; pi++ {
				a.add(&m.pagg[pi])
			}
			m.zagg[z] = a
		}
	}
}

// rents computes each zone's market and affordable rent: log-rent = zone
// constant + hedonic terms, times the supply response of the zone's stock.
// The zone constants are the baseline's (base), or fitted here so that the
// baseline reproduces each zone's published rent. It returns exp of the
// constants.
func (m *model) rents(base *Report, out *Report) []float64 {
	s := m.s
	c := s.City
	p := &s.Params
	pr := c.prep()
	nz := len(c.Zones)
	var kappa []float64
	if base != nil {
		kappa = base.kappa
	} else {
		kappa = make([]float64, nz)
		for z := range kappa {
			a := &m.zagg[z]
			mean := 1.0
			if a.rentDen > 0 {
				mean = a.rentNum / a.rentDen
			}
			kappa[z] = detmath.Log(max(c.Zones[z].RentEurMonth, 1)) - detmath.Log(mean)
		}
	}
	m.ekappa = grow(m.ekappa, nz)
	ekappa := m.ekappa
	for z := range m.zh {
		a := &m.zagg[z]
		ekappa[z] = detmath.Exp(kappa[z])
		h := &m.zh[z]
		h.supply = detmath.Pow(max(h.dwellings/max(pr.zoneDw0[z], 1), 1e-6), p[PRentStockElasticity])
		if a.rentDen > 0 {
			h.marketRent = a.rentNum / a.rentDen * ekappa[z] * h.supply
		} else {
			h.marketRent = ekappa[z] * h.supply
		}
		size := c.Zones[z].RentEurMonth / max(c.Zones[z].RentEurM2, 1) // m² of a typical dwelling on the market
		h.affordableRent = min(h.marketRent, float64(p[PAffordableRentM2]*size))
	}
	out.kappa = kappa
	return ekappa
}

// buildingsOut writes the buildings' results into out: every building for a
// whole report; else, in a dirty zone, every building when the zone's rent
// factors changed (or a park or stop moved every hedonic term) and only
// those the edit touched otherwise. The chunks no building changed in are
// the previous report's.
func (m *model) buildingsOut(out *Report, whole bool, ekappa []float64) {
	c := m.s.City
	pr := c.prep()
	nz := len(c.Zones)
	var owned []bool // chunks of building results this report may write
	if whole {
		out.buildings = newBuildingChunks(len(c.Buildings))
		out.nBuildings = len(c.Buildings)
		owned = make([]bool, len(out.buildings))
		for ch := range owned {
			owned[ch] = true
		}
	} else {
		// From a report of this state when there is one: every building's
		// result it holds is the one written below, and no chunk is copied.
		from := m.prev
		if m.same != nil {
			from = m.same
		}
		out.buildings = append(out.buildings[:0], from.buildings...) // a new report's own; a reused one's again
		out.nBuildings = from.nBuildings
		m.owned = grow(m.owned, len(out.buildings))
		owned = m.owned
	}
	copy(out.walk[:], m.minutes)
	// Every zone's rent factors, from which the report computes its
	// buildings' rents.
	out.city, out.ehed = c, m.ehed
	out.zrent = grow(out.zrent, nz)
	for z := range out.zrent {
		out.zrent[z] = [3]float64{ekappa[z], m.zh[z].supply, m.zh[z].affordableRent}
	}
	for z := 0; z <= nz; z++ {
		if !m.dirtyZone(z, whole) {
			continue
		}
		var f [3]float64
		if z < nz {
			f = [3]float64{ekappa[z], m.zh[z].supply, m.zh[z].affordableRent}
		}
		all := whole || (z < nz && !sameBits(f[:], m.zrent[z][:]))
		if z < nz {
			m.zrent[z] = f
		}
		if all || m.allResults {
			for pi := pr.zonePart[z][0]; pi < pr.zonePart[z][1]; pi++ {
				m.buildingResults(out.buildings, owned, pr.parts[pi])
			}
			continue
		}
		ids := m.ids[:0]
		for _, id := range m.touched {
			if zb := c.Buildings[id].Zone; zb == z || (zb < 0 && z == nz) {
				ids = append(ids, int32(id))
			}
		}
		m.buildingResults(out.buildings, owned, ids)
		m.ids = ids
	}
}

// housingOut writes the housing indicators (dwellings, rents, rent burden,
// displacement risk) and energy poverty, per zone and city-wide.
func (m *model) housingOut(out *Report, whole bool) {
	p := &m.s.Params
	nz := len(m.s.City.Zones)
	var dw, aff, rentSum, renters, burden, risk, hh, poverty, pop float64
	for z := 0; z < nz; z++ {
		h := &m.zh[z]
		if m.dirtyZone(z, whole) {
			m.zoneHousingOut(z, m.rentsDirty[z])
		}
		zo := &m.zout[z]
		v := &out.Zones[z].Values
		v[iDwellings] = h.dwellings
		v[iAffordable] = h.affordable
		v[iRent] = zo.meanRent
		v[iRentBurden] = zo.burden
		v[iDisplacement] = zo.risk
		v[iEnergyPoverty] = zo.poverty
		out.Zones[z].Population, out.Zones[z].Households = h.residents, h.households
		dw += h.dwellings
		aff += h.affordable
		rentSum += float64(zo.meanRent * h.dwellings)
		r := float64(h.households * p[PRenterShare])
		renters += r
		burden += float64(r * zo.burden)
		risk += float64(r * zo.risk)
		hh += h.households
		poverty += float64(h.households * zo.poverty)
		pop += h.residents
	}
	v := &out.City
	v[iDwellings] = dw
	v[iAffordable] = aff
	v[iRent] = rentSum / max(dw, 1)
	v[iRentBurden] = burden / max(renters, 1e-9)
	v[iDisplacement] = risk / max(renters, 1e-9)
	v[iEnergyPoverty] = poverty / max(hh, 1e-9)
	out.diag.households, out.diag.renters = hh, renters
	out.Population, out.Households = pop, hh
}

// energyOut writes the buildings' energy indicators (demand, PV, emissions),
// per zone and city-wide.
func (m *model) energyOut(out *Report) {
	nz := len(m.s.City.Zones)
	var energy, pv, co2, resKWh, roofUsable float64
	for z := 0; z <= nz; z++ {
		a := &m.zagg[z]
		energy += a.energy
		pv += a.pv
		co2 += a.co2
		resKWh += a.resKWh
		roofUsable += a.roofUsable
		if z < nz {
			v := &out.Zones[z].Values
			v[iEnergyDemand] = a.energy / 1e6
			v[iPV] = a.pv / 1e6
			v[iEnergyCO2] = a.co2 / 1000
		}
	}
	v := &out.City
	v[iEnergyDemand] = energy / 1e6
	v[iPV] = pv / 1e6
	v[iEnergyCO2] = co2 / 1000
	out.diag.resKWh, out.diag.pvKWh, out.diag.roofUsable = resKWh, pv, roofUsable
}

// mobilityOut writes the mobility indicators (trips, mode shares, trip
// minutes, car vehicle-km and transport emissions), per zone and city-wide.
func (m *model) mobilityOut(out *Report) {
	p := &m.s.Params
	mob := m.mob
	for z := range out.Zones {
		v := &out.Zones[z].Values
		trips := mob.zoneTrips[z]
		v[iTrips] = trips
		for md := 0; md < nModes; md++ {
			v[iShare+md] = mob.zoneModes[z][md] / max(trips, 1e-9)
		}
		v[iTripMin] = mob.zoneMin[z] / max(trips, 1e-9)
		v[iCarVkm] = mob.zoneVkm[z]
		v[iMobilityCO2] = float64(mob.zoneVkm[z]*p[PCarCO2]) * 365 / 1e6
		v[iNOx] = float64(mob.zoneVkm[z]*p[PCarNOx]) / 1000
	}
	v := &out.City
	v[iTrips] = mob.tripsDay
	for md := 0; md < nModes; md++ {
		v[iShare+md] = mob.modes[md] / max(mob.resTrips, 1e-9)
	}
	v[iCarVkm] = mob.carVkm
	v[iTripMin] = mob.tripMin / max(mob.resTrips, 1e-9)
	v[iMobilityCO2] = float64(mob.carVkm*p[PCarCO2]) * 365 / 1e6
	v[iNOx] = float64(mob.carVkm*p[PCarNOx]) / 1000
	out.diag.resTrips, out.diag.tripKm, out.diag.shortTrips = mob.resTrips, mob.tripKm, mob.shortTrips
	out.diag.genModes, out.diag.genTrips = mob.genModes, mob.genTrips
}

// accessOut writes the access indicators (15-minute share, walking minutes
// per amenity kind) and green space per resident, per zone and city-wide.
func (m *model) accessOut(out *Report) {
	var pop, pop15 float64
	var cityWalk [nKinds]float64
	for z := range out.Zones {
		a := &m.zagg[z]
		v := &out.Zones[z].Values
		v[iAccess15] = a.pop15 / max(a.pop, 1e-9)
		for k := range nKinds {
			v[iWalkMin+k] = a.walk[k] / max(a.pop, 1e-9)
		}
		v[iGreen] = m.zGreen[z] / max(m.zh[z].residents, 1)
		for k := range nKinds {
			cityWalk[k] += a.walk[k]
		}
		pop += a.pop
		pop15 += a.pop15
	}
	v := &out.City
	v[iAccess15] = pop15 / max(pop, 1e-9)
	for k := range nKinds {
		v[iWalkMin+k] = cityWalk[k] / max(pop, 1e-9)
	}
	v[iGreen] = m.greenTotal / max(pop, 1)
	out.diag.residents = pop
}

// zoneOut holds a zone's housing indicators, kept while the zone is unchanged.
type zoneOut struct {
	meanRent, burden, risk, poverty float64
	burdenQ, riskQ, riskN           [nQuintiles]float64 // by income quintile: groupHousing
}

// zoneHousingOut computes the housing indicators of zone z into m.zout[z]:
// energy poverty, and with rents the rent indicators too (else they are kept:
// they depend only on the zone's housing, not on energy).
func (m *model) zoneHousingOut(z int, rents bool) {
	h := &m.zh[z]
	o := &m.zout[z]
	if rents {
		o.meanRent, o.burden, o.risk = h.meanRent(), h.rentBurden(), h.displacementRisk()
		m.groupHousing(z, o)
	}
	a := &m.zagg[z]
	o.poverty = a.povNum / max(a.povDen, 1e-9)
}

// buildingChunk is the number of buildings in a chunk of results. Reports
// share the chunks in which no building changed.
const buildingChunk = 64

// buildingChunkOf holds the results of buildingChunk buildings.
type buildingChunkOf [buildingChunk]storedBuilding

// storedBuilding is what a chunk holds of a building's result: all but its
// walking minutes, which a report reads from the model's arrays (they change
// only with parks, for every building at once), and its rent, which a
// report computes from its zone's rent factors and the model's hedonic
// terms (Report.rentOf): a change of a zone's rents, as a rezone makes,
// then copies no chunk.
type storedBuilding struct {
	id                    int
	energyKWh, pvKWh      float64
	dwellings, affordable int
	co2Kg                 float64
}

func newBuildingChunks(n int) []*buildingChunkOf {
	all := make([]buildingChunkOf, (n+buildingChunk-1)/buildingChunk)
	out := make([]*buildingChunkOf, len(all))
	for i := range all {
		out[i] = &all[i]
	}
	return out
}

// buildingResults writes the results of buildings ids into chunks, copying
// a chunk not yet owned before its first change.
func (m *model) buildingResults(chunks []*buildingChunkOf, owned []bool, ids []int32) {
	s := m.s
	for _, i := range ids {
		e := &m.energy[i]
		b := &s.Buildings[i]
		r := storedBuilding{id: int(i), energyKWh: e.energyKWh, pvKWh: e.pvKWh, dwellings: b.Dwellings, affordable: b.Affordable,
			co2Kg: e.co2Kg}
		ch, k := i/buildingChunk, i%buildingChunk
		if owned[ch] {
			chunks[ch][k] = r
		} else if !sameBuildingResult(&chunks[ch][k], &r) {
			cp := *chunks[ch]
			chunks[ch] = &cp
			owned[ch] = true
			chunks[ch][k] = r
		}
	}
}

// grow returns s with length n and every element zero, reusing its array when it can.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// sameBits reports whether a and b hold the same bits.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// sameBuildingResult reports whether a and b hold the same bits.
func sameBuildingResult(a, b *storedBuilding) bool {
	return a.id == b.id && a.dwellings == b.dwellings && a.affordable == b.affordable &&
		math.Float64bits(a.energyKWh) == math.Float64bits(b.energyKWh) && math.Float64bits(a.pvKWh) == math.Float64bits(b.pvKWh) &&
		math.Float64bits(a.co2Kg) == math.Float64bits(b.co2Kg)
}

// sameWalkArrays reports whether reports a and b share their arrays of
// walking minutes.
func sameWalkArrays(a, b *Report) bool {
	for k := range a.walk {
		if len(a.walk[k]) != len(b.walk[k]) || len(a.walk[k]) > 0 && &a.walk[k][0] != &b.walk[k][0] {
			return false
		}
	}
	return true
}

// sameWalk reports whether building i has the same walking minutes, in
// their bits, in reports a and b.
func sameWalk(a, b *Report, i int) bool {
	for k := range a.walk {
		if math.Float64bits(a.walk[k][i]) != math.Float64bits(b.walk[k][i]) {
			return false
		}
	}
	return true
}

// sameStreetResult reports whether a and b hold the same bits.
func sameStreetResult(a, b *StreetResult) bool {
	return a.ID == b.ID && math.Float64bits(a.CarFlow) == math.Float64bits(b.CarFlow) &&
		math.Float64bits(a.SpeedKmh) == math.Float64bits(b.SpeedKmh) && math.Float64bits(a.VC) == math.Float64bits(b.VC)
}

// streetResults returns the traffic on every segment.
func (m *model) streetResults() []StreetResult {
	s := m.s
	c := s.City
	p := &s.Params
	mob := m.mob
	out := make([]StreetResult, len(c.Segments))
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
		out[i] = StreetResult{ID: i, CarFlow: mob.segFlow[i], SpeedKmh: sp, VC: vc}
	}
	return out
}

// greenSpace sums green space per zone and in all: parks among the amenities,
// added parks, and green streets.
func (m *model) greenSpace() {
	s := m.s
	c := s.City
	pr := c.prep()
	zGreen := make([]float64, len(c.Zones))
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
	m.zGreen, m.greenTotal = zGreen, green
}

// diagnostics are the quantities calibration compares with published figures.
type diagnostics struct {
	resTrips, tripKm, shortTrips float64
	residents, households        float64
	renters                      float64
	resKWh, pvKWh, roofUsable    float64
	genModes                     [2][nModes]float64 // women's and men's trips by mode
	genTrips                     [2]float64
}
