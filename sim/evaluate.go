package sim

import (
	"iter"
	"runtime"
	"sync"
)

// ZoneReport holds a zone's indicators.
type ZoneReport struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Population and Households are the zone's residents and households
	// (in a zone delta, their change), for per-resident figures.
	Population float64    `json:"population"`
	Households float64    `json:"households"`
	Values     Indicators `json:"values"`
	// Groups holds the indicators of the equity lens's groups among the
	// zone's residents (in a zone delta, their change).
	Groups Groups `json:"groups"`
}

// StreetResult is the traffic on one street segment.
type StreetResult struct {
	ID       int     `json:"id"`
	CarFlow  float64 `json:"car_flow_veh_day"`
	SpeedKmh float64 `json:"speed_kmh"`
	VC       float64 `json:"volume_capacity"`
}

// BuildingResult is the housing, energy and walking access of one building.
type BuildingResult struct {
	ID         int     `json:"id"`
	EnergyKWh  float64 `json:"energy_kwh_year"`
	PVKWh      float64 `json:"pv_kwh_year"`
	Dwellings  int     `json:"dwellings"`
	Affordable int     `json:"affordable_dwellings"`
	Rent       float64 `json:"rent_eur_month"`
	// CO2Kg is the building's yearly emissions from its energy use: the
	// gas it burns and the grid electricity its PV does not cover. Summed
	// over the buildings of a zone (or of the city) it is energy.co2_t_year
	// times 1000.
	CO2Kg float64 `json:"co2_kg_year"`
	// WalkMin holds the walking minutes from the building to the nearest
	// amenity of each kind, in AmenityKinds order (120 when the city has
	// none of a kind). Weighted by the building's residents (its zone's
	// residents spread by dwellings) they average to access.walk_min.<kind>.
	WalkMin WalkMinutes `json:"walk_min"`
}

// WalkMinutes holds walking minutes per amenity kind, in AmenityKinds order.
type WalkMinutes [nKinds]float64

// Of returns the minutes to the nearest amenity of kind, and false for a
// kind that is not one of AmenityKinds.
func (w *WalkMinutes) Of(kind string) (float64, bool) {
	for k, name := range AmenityKinds {
		if name == kind {
			return w[k], true
		}
	}
	return 0, false
}

// Longest returns the longest of the walks and its kind: what decides
// whether the building's residents have every kind within the 15-minute
// access time (access.15min_share).
func (w *WalkMinutes) Longest() (float64, string) {
	k := 0
	for j := range w {
		if w[j] > w[k] {
			k = j
		}
	}
	return w[k], AmenityKinds[k]
}

// Report is the full evaluation of one state.
type Report struct {
	// Population and Households are the city's residents and households.
	Population float64            `json:"population"`
	Households float64            `json:"households"`
	City       Indicators         `json:"city"`
	Groups     Groups             `json:"groups"` // city-wide, per group of the equity lens
	Zones      []ZoneReport       `json:"zones"`
	Streets    []StreetResult     `json:"-"`
	buildings  []*buildingChunkOf // in chunks of buildingChunk, shared between reports
	nBuildings int
	// walk holds per amenity kind the walking minutes of every building:
	// the model's arrays, shared between reports and never written (a park
	// or a parameter that moves them makes new ones).
	walk [nKinds][]float64
	// Rents are computed when read (rentOf): from ehed, per building exp of
	// its hedonic terms (the model's array, shared and never written, like
	// walk), and zrent, per zone exp of its rent constant, its supply factor
	// and its affordable rent; city gives each building's zone.
	city   *City
	ehed   []float64
	zrent  [][3]float64
	kappa  []float64 // per zone log-rent constants, fitted in the baseline
	diag   diagnostics
	groupW Groups // per group and indicator: the weight by which the groups average to City
}

// NumBuildings returns the number of buildings the report covers.
func (r *Report) NumBuildings() int { return r.nBuildings }

// Building returns the housing, energy and access results of building i,
// and false (with a zero result) when the report has no building i.
func (r *Report) Building(i int) (BuildingResult, bool) {
	if i < 0 || i >= r.nBuildings {
		return BuildingResult{}, false
	}
	return r.building(r.buildings[i/buildingChunk], i), true
}

// building returns the result of building i, held in chunk.
func (r *Report) building(chunk *buildingChunkOf, i int) BuildingResult {
	b := &chunk[i%buildingChunk]
	out := BuildingResult{ID: b.id, EnergyKWh: b.energyKWh, PVKWh: b.pvKWh, Dwellings: b.dwellings, Affordable: b.affordable,
		Rent: r.rentOf(b, i), CO2Kg: b.co2Kg}
	for k := range out.WalkMin {
		out.WalkMin[k] = r.walk[k][i]
	}
	return out
}

// rentOf returns the mean monthly rent of building i, whose stored result
// is b: of no zone, nothing; else its market rent (exp of its hedonic terms,
// of its zone's constant, times its zone's supply factor) for its market
// dwellings and its zone's affordable rent for its affordable ones.
func (r *Report) rentOf(b *storedBuilding, i int) float64 {
	z := r.city.Buildings[i].Zone
	if z < 0 {
		return 0
	}
	f := &r.zrent[z]
	ek, supply, affRent := f[0], f[1], f[2]
	market := float64(r.ehed[i]*ek) * supply
	dw := 1.0
	if b.dwellings > 1 {
		dw = float64(b.dwellings)
	}
	aff := float64(b.affordable) / dw
	return float64((1-aff)*market) + float64(aff*affRent)
}

// Buildings yields every building's results in id order: the bulk read for
// drawing a map.
func (r *Report) Buildings() iter.Seq[BuildingResult] {
	return func(yield func(BuildingResult) bool) {
		for k, chunk := range r.buildings {
			n := min(buildingChunk, r.nBuildings-k*buildingChunk)
			for j := range n {
				if !yield(r.building(chunk, k*buildingChunk+j)) {
					return
				}
			}
		}
	}
}

// Street returns the traffic on segment i, and false (with a zero result)
// when the report has no segment i. Report.Streets holds them all, by id.
func (r *Report) Street(i int) (StreetResult, bool) {
	if i < 0 || i >= len(r.Streets) {
		return StreetResult{}, false
	}
	return r.Streets[i], true
}

// Result is the outcome of evaluating a scenario: baseline, scenario, deltas.
type Result struct {
	Name       string       `json:"name"`
	City       string       `json:"city"`
	Seed       uint64       `json:"seed"`
	Baseline   *Report      `json:"baseline"`
	Scenario   *Report      `json:"scenario"`
	Delta      Indicators   `json:"delta"`
	GroupDelta Groups       `json:"group_delta"`
	ZoneDelta  []ZoneReport `json:"zone_delta"`
}

// Evaluate computes the baseline and scenario indicators of sc on city c.
// The city computes its baseline once per set of parameters and keeps it;
// the scenario recomputes only what its edits reach, with the bits of a
// whole computation. It is deterministic: the same inputs give the same
// bits, whatever the number of processors. Reports are shared between
// results (a scenario without edits reports the baseline itself): treat
// them as read-only.
func Evaluate(c *City, sc *Scenario) (*Result, error) {
	ev, err := NewScenarioEvaluator(c, sc)
	if err != nil {
		return nil, err
	}
	return ev.Result(), nil
}

// pairResult sets r to the result of a scenario report s against the
// baseline report b, its zone deltas in zoneDelta (one entry per zone).
func pairResult(r *Result, name, city string, seed uint64, b, s *Report, zoneDelta []ZoneReport) {
	*r = Result{Name: name, City: city, Seed: seed, Baseline: b, Scenario: s, Delta: s.City.Sub(&b.City),
		GroupDelta: s.Groups.Sub(&b.Groups), ZoneDelta: zoneDelta}
	for z := range s.Zones {
		zoneDelta[z] = ZoneReport{Code: s.Zones[z].Code, Name: s.Zones[z].Name,
			Population: s.Zones[z].Population - b.Zones[z].Population, Households: s.Zones[z].Households - b.Zones[z].Households,
			Values: s.Zones[z].Values.Sub(&b.Zones[z].Values), Groups: s.Zones[z].Groups.Sub(&b.Zones[z].Groups)}
	}
}

// result computes the report of m and its result against the baseline
// report base. The result and its report take one allocation, and their
// zones another: an Evaluator makes one per edit, and allocations are dear
// on js/wasm, whose one thread also runs the collector.
func (m *model) result(name, city string, seed uint64, base *Report) *Result {
	nz := len(m.s.City.Zones)
	both := &struct {
		res Result
		rep Report
	}{}
	zones := make([]ZoneReport, 2*nz)
	s := &both.rep
	s.Zones = zones[:nz:nz]
	m.fill(base, s)
	pairResult(&both.res, name, city, seed, base, s, zones[nz:])
	return &both.res
}

// Compute evaluates every model on a state. base, when given, is the
// baseline report whose fitted rent constants the state's rents use; without
// it the state is its own baseline.
func Compute(s *State, base *Report) *Report {
	return newModel(s).report(base)
}

// both runs f and g at once and returns when both are done. With one
// processor (always on js/wasm, which has one thread) it runs them in turn:
// a goroutine would only add the cost of switching. Between them it yields,
// so that a collection started in f can finish: on js/wasm the collector's
// worker runs only when the one goroutine yields, and a collection left
// marking lets the heap grow by all that is allocated meanwhile (a cold
// Evaluate of the Eixample, run in a loop, grew it past 250 MB).
func both(f, g func()) {
	if runtime.GOMAXPROCS(0) == 1 {
		f()
		runtime.Gosched()
		g()
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f() }()
	g()
	wg.Wait()
}
