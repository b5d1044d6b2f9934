package sim

import (
	"fmt"
	"math"
)

// Indicators maps indicator keys (DESIGN.md §4) to values.
type Indicators map[string]float64

// IndicatorKeys returns every indicator key in report order.
func IndicatorKeys() []string {
	keys := []string{
		"housing.dwellings", "housing.affordable_dwellings", "housing.rent_eur_month", "housing.rent_burden_share",
		"housing.displacement_risk",
		"energy.demand_gwh_year", "energy.pv_gwh_year", "energy.co2_t_year", "energy.poverty_share",
		"mobility.trips_day", "mobility.share.walk", "mobility.share.bike", "mobility.share.pt", "mobility.share.car",
		"mobility.car_vkm_day", "mobility.mean_trip_min", "mobility.co2_t_year", "mobility.nox_kg_day",
		"access.15min_share",
	}
	for _, k := range AmenityKinds {
		keys = append(keys, "access.walk_min."+k)
	}
	return append(keys, "green.m2_per_resident")
}

// ZoneReport holds a zone's indicators.
type ZoneReport struct {
	Code   string     `json:"code"`
	Name   string     `json:"name"`
	Values Indicators `json:"values"`
}

// StreetResult is the traffic on one street segment.
type StreetResult struct {
	ID       int     `json:"id"`
	CarFlow  float64 `json:"car_flow_veh_day"`
	SpeedKmh float64 `json:"speed_kmh"`
	VC       float64 `json:"volume_capacity"`
}

// BuildingResult is the housing and energy of one building.
type BuildingResult struct {
	ID         int     `json:"id"`
	EnergyKWh  float64 `json:"energy_kwh_year"`
	PVKWh      float64 `json:"pv_kwh_year"`
	Dwellings  int     `json:"dwellings"`
	Affordable int     `json:"affordable_dwellings"`
	Rent       float64 `json:"rent_eur_month"`
}

// Report is the full evaluation of one state.
type Report struct {
	City      Indicators       `json:"city"`
	Zones     []ZoneReport     `json:"zones"`
	Streets   []StreetResult   `json:"-"`
	Buildings []BuildingResult `json:"-"`
	access15  []float64        // per zone, dwelling-weighted: what rents respond to
}

// Result is the outcome of evaluating a scenario: baseline, scenario, deltas.
type Result struct {
	Name      string       `json:"name"`
	City      string       `json:"city"`
	Seed      uint64       `json:"seed"`
	Baseline  *Report      `json:"baseline"`
	Scenario  *Report      `json:"scenario"`
	Delta     Indicators   `json:"delta"`
	ZoneDelta []ZoneReport `json:"zone_delta"`
}

// Evaluate computes the baseline and scenario indicators of sc on city c.
// It is deterministic: the same inputs give the same bits.
func Evaluate(c *City, sc *Scenario) (*Result, error) {
	params := DefaultParams()
	for _, name := range sortedKeys(sc.Params) {
		if err := params.Set(name, sc.Params[name]); err != nil {
			return nil, fmt.Errorf("scenario: params: %v", err)
		}
	}
	base := NewState(c, params)
	st := base.Clone()
	for i := range sc.Edits {
		if _, err := st.Apply(&sc.Edits[i]); err != nil {
			return nil, &EditError{Index: i, Op: sc.Edits[i].Op, Err: err}
		}
	}
	b := Compute(base, nil)
	s := Compute(st, b)
	r := &Result{Name: sc.Name, City: c.Name, Seed: sc.Seed, Baseline: b, Scenario: s, Delta: Indicators{}}
	for k, v := range s.City {
		r.Delta[k] = v - b.City[k]
	}
	for z := range s.Zones {
		d := ZoneReport{Code: s.Zones[z].Code, Name: s.Zones[z].Name, Values: Indicators{}}
		for k, v := range s.Zones[z].Values {
			d.Values[k] = v - b.Zones[z].Values[k]
		}
		r.ZoneDelta = append(r.ZoneDelta, d)
	}
	return r, nil
}

// Compute evaluates every model on a state. base, when given, is the baseline
// report that price responses are measured against.
func Compute(s *State, base *Report) *Report {
	c := s.City
	p := &s.Params
	pr := c.prep()
	nz := len(c.Zones)

	// Access first: rents respond to it.
	acc := accessModel(c, s)
	zAcc15 := make([]float64, nz)
	zPop0 := make([]float64, nz)
	for i := range c.Buildings {
		if z := c.Buildings[i].Zone; z >= 0 {
			w := float64(s.Buildings[i].Dwellings)
			zPop0[z] += w
			if acc.all15[i] {
				zAcc15[z] += w
			}
		}
	}
	for z := range zAcc15 {
		zAcc15[z] /= math.Max(zPop0[z], 1)
	}
	var baseAcc []float64
	if base != nil {
		baseAcc = base.access15
	}
	zh := housingModel(c, s, zAcc15, baseAcc)

	res := make([]buildingResult, len(c.Buildings))
	zoneDw := make([]float64, nz)
	for i := range c.Buildings {
		if z := c.Buildings[i].Zone; z >= 0 {
			zoneDw[z] += float64(s.Buildings[i].Dwellings)
		}
	}
	out := &Report{City: Indicators{}, Zones: make([]ZoneReport, nz), access15: zAcc15,
		Buildings: make([]BuildingResult, len(c.Buildings)), Streets: make([]StreetResult, len(c.Segments))}
	type zsum struct{ energy, pv, co2, resCost, pop, popWalk, pop15 float64 }
	zs := make([]zsum, nz)
	walkSum := make([][]float64, nz)
	for z := range walkSum {
		walkSum[z] = make([]float64, len(AmenityKinds))
	}
	var cityPop, cityPop15 float64
	cityWalk := make([]float64, len(AmenityKinds))
	var energy, pv, co2 float64
	for i := range c.Buildings {
		r := &res[i]
		buildingEnergy(c, s, i, r)
		b := &s.Buildings[i]
		z := c.Buildings[i].Zone
		rent := 0.0
		if z >= 0 {
			r.residents = float64(b.Dwellings) / math.Max(zoneDw[z], 1) * zh[z].residents
			aff := float64(b.Affordable) / math.Max(float64(b.Dwellings), 1)
			rent = float64((1-aff)*zh[z].marketRent) + float64(aff*zh[z].affordableRent)
			cost := float64(r.resKWh*p[PResElecShare]*p[PElecPrice]) + float64(r.resKWh*(1-p[PResElecShare])*p[PGasPrice])
			zs[z].energy += r.energyKWh
			zs[z].pv += r.pvKWh
			zs[z].co2 += r.co2Kg
			zs[z].resCost += cost
			zs[z].pop += r.residents
			if acc.all15[i] {
				zs[z].pop15 += r.residents
			}
			for k := range AmenityKinds {
				walkSum[z][k] += float64(r.residents * acc.minutes[k][i])
			}
		}
		energy += r.energyKWh
		pv += r.pvKWh
		co2 += r.co2Kg
		out.Buildings[i] = BuildingResult{ID: i, EnergyKWh: r.energyKWh, PVKWh: r.pvKWh, Dwellings: b.Dwellings, Affordable: b.Affordable, Rent: rent}
	}
	mob := mobilityModel(c, s, res)
	for i := range c.Segments {
		g := &s.Segments[i]
		sp := 0.0
		if !math.IsInf(mob.segTimeMin[i], 1) && mob.segTimeMin[i] > 0 {
			sp = c.Segments[i].Length / 1000 / (mob.segTimeMin[i] / 60)
			if g.CarAccess == CarLocal {
				sp *= 4
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

	var dw, aff, rentSum, renters, burden, risk, hh, poverty float64
	for z := 0; z < nz; z++ {
		h := &zh[z]
		v := Indicators{}
		v["housing.dwellings"] = h.dwellings
		v["housing.affordable_dwellings"] = h.affordable
		v["housing.rent_eur_month"] = h.meanRent()
		v["housing.rent_burden_share"] = h.rentBurden()
		v["housing.displacement_risk"] = h.displacementRisk()
		cost := zs[z].resCost / math.Max(h.households, 1)
		v["energy.poverty_share"] = h.income.below(cost / 0.1)
		v["energy.demand_gwh_year"] = zs[z].energy / 1e6
		v["energy.pv_gwh_year"] = zs[z].pv / 1e6
		v["energy.co2_t_year"] = zs[z].co2 / 1000
		trips := mob.zoneTrips[z]
		v["mobility.trips_day"] = trips
		for m := 0; m < nModes; m++ {
			v["mobility.share."+modeNames[m]] = mob.zoneModes[z][m] / math.Max(trips, 1e-9)
		}
		v["mobility.mean_trip_min"] = mob.zoneMin[z] / math.Max(trips, 1e-9)
		v["mobility.car_vkm_day"] = mob.zoneVkm[z]
		v["mobility.co2_t_year"] = float64(mob.zoneVkm[z]*p[PCarCO2]) * 365 / 1e6
		v["mobility.nox_kg_day"] = float64(mob.zoneVkm[z]*p[PCarNOx]) / 1000
		v["access.15min_share"] = zs[z].pop15 / math.Max(zs[z].pop, 1e-9)
		for k, kind := range AmenityKinds {
			v["access.walk_min."+kind] = walkSum[z][k] / math.Max(zs[z].pop, 1e-9)
			cityWalk[k] += walkSum[z][k]
		}
		v["green.m2_per_resident"] = zGreen[z] / math.Max(h.residents, 1)
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
		cityPop += zs[z].pop
		cityPop15 += zs[z].pop15
	}
	v := out.City
	v["housing.dwellings"] = dw
	v["housing.affordable_dwellings"] = aff
	v["housing.rent_eur_month"] = rentSum / math.Max(dw, 1)
	v["housing.rent_burden_share"] = burden / math.Max(renters, 1e-9)
	v["housing.displacement_risk"] = risk / math.Max(renters, 1e-9)
	v["energy.demand_gwh_year"] = energy / 1e6
	v["energy.pv_gwh_year"] = pv / 1e6
	v["energy.co2_t_year"] = co2 / 1000
	v["energy.poverty_share"] = poverty / math.Max(hh, 1e-9)
	v["mobility.trips_day"] = mob.tripsDay
	resTrips := mob.modes[mWalk] + mob.modes[mBike] + mob.modes[mPT] + mob.modes[mCar]
	for m := 0; m < nModes; m++ {
		v["mobility.share."+modeNames[m]] = mob.modes[m] / math.Max(resTrips, 1e-9)
	}
	v["mobility.car_vkm_day"] = mob.carVkm
	v["mobility.mean_trip_min"] = mob.tripMin / math.Max(resTrips, 1e-9)
	v["mobility.co2_t_year"] = float64(mob.carVkm*p[PCarCO2]) * 365 / 1e6
	v["mobility.nox_kg_day"] = float64(mob.carVkm*p[PCarNOx]) / 1000
	v["access.15min_share"] = cityPop15 / math.Max(cityPop, 1e-9)
	for k, kind := range AmenityKinds {
		v["access.walk_min."+kind] = cityWalk[k] / math.Max(cityPop, 1e-9)
	}
	v["green.m2_per_resident"] = green / math.Max(cityPop, 1)
	return out
}
