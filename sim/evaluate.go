package sim

import (
	"fmt"
	"sync"
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
	kappa     []float64        // per zone log-rent constants, fitted in the baseline
	diag      diagnostics
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
// It is deterministic: the same inputs give the same bits, whatever the
// number of processors. The baseline report is shared between the results of
// one city and parameters: treat reports as read-only.
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
	// The baseline depends on the city and the parameters only: the city
	// keeps it, so that many scenarios on one city compute it once.
	// When it must be computed, it runs beside the scenario's models.
	var b *Report
	var ms *model
	both(func() { b = c.baseline(params) }, func() { ms = newModel(st) })
	s := ms.report(b)
	r := newResult(sc.Name, c.Name, sc.Seed, b, s)
	return r, nil
}

func newResult(name, city string, seed uint64, b, s *Report) *Result {
	r := &Result{Name: name, City: city, Seed: seed, Baseline: b, Scenario: s, Delta: Indicators{}}
	for _, k := range IndicatorKeys() {
		r.Delta[k] = s.City[k] - b.City[k]
	}
	for z := range s.Zones {
		d := ZoneReport{Code: s.Zones[z].Code, Name: s.Zones[z].Name, Values: Indicators{}}
		for _, k := range IndicatorKeys() {
			d.Values[k] = s.Zones[z].Values[k] - b.Zones[z].Values[k]
		}
		r.ZoneDelta = append(r.ZoneDelta, d)
	}
	return r
}

// Compute evaluates every model on a state. base, when given, is the
// baseline report whose fitted rent constants the state's rents use; without
// it the state is its own baseline.
func Compute(s *State, base *Report) *Report {
	return newModel(s).report(base)
}

// both runs f and g at once and returns when both are done.
func both(f, g func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f() }()
	g()
	wg.Wait()
}
