package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

func sameWalk(a, b *sim.WalkMinutes) bool {
	for k := range a {
		if !sameFloat(a[k], b[k]) {
			return false
		}
	}
	return true
}

// closeTo reports whether got is within a relative 1e-9 (or 1e-9 absolute
// near zero) of want: sums taken in another order.
func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*max(1, math.Abs(want))
}

// checkBuildingsAddUp checks that the buildings' CO2 and walking minutes of
// report r give the zone and city indicators they feed: CO2 sums to
// energy.co2_t_year, the residents-weighted mean of the minutes of each kind
// is access.walk_min.<kind>, and the residents whose longest walk is within
// access_minutes are access.15min_share. A building's residents are its
// zone's, spread by dwellings.
func checkBuildingsAddUp(t *testing.T, what string, c *sim.City, p sim.Params, r *sim.Report) {
	t.Helper()
	nz := len(c.Zones)
	co2 := make([]float64, nz+1) // the last: buildings of no zone
	dw := make([]float64, nz)
	for b := range r.Buildings() {
		z := c.Buildings[b.ID].Zone
		if z < 0 {
			z = nz
		} else {
			dw[z] += float64(b.Dwellings)
		}
		co2[z] += b.CO2Kg
	}
	lim := p[sim.PAccessMinutes]
	walk := make([][]float64, nz)
	pop15 := make([]float64, nz)
	for z := range walk {
		walk[z] = make([]float64, len(sim.AmenityKinds))
	}
	for b := range r.Buildings() {
		z := c.Buildings[b.ID].Zone
		if z < 0 || dw[z] == 0 {
			continue
		}
		res := float64(b.Dwellings) / dw[z] * r.Zones[z].Population
		for k, kind := range sim.AmenityKinds {
			m, ok := b.WalkMin.Of(kind)
			if !ok || m != b.WalkMin[k] {
				t.Fatalf("%s: building %d: WalkMin.Of(%q) = %v, %v; want %v", what, b.ID, kind, m, ok, b.WalkMin[k])
			}
			walk[z][k] += res * m
		}
		if longest, _ := b.WalkMin.Longest(); longest <= lim {
			pop15[z] += res
		}
	}
	var cityCO2, cityPop, cityPop15 float64
	cityWalk := make([]float64, len(sim.AmenityKinds))
	for z := range nz {
		zv := &r.Zones[z].Values
		if got, want := co2[z], 1000*zv.Get("energy.co2_t_year"); !closeTo(got, want) {
			t.Errorf("%s, zone %s: the buildings' CO2 sums to %v kg, energy.co2_t_year is %v kg", what, c.Zones[z].Code, got, want)
		}
		pop := r.Zones[z].Population
		for k, kind := range sim.AmenityKinds {
			key := "access.walk_min." + kind
			if got, want := walk[z][k]/max(pop, 1e-9), zv.Get(key); !closeTo(got, want) {
				t.Errorf("%s, zone %s: the residents' mean walk to a %s is %v min, %s is %v", what, c.Zones[z].Code, kind, got, key, want)
			}
			cityWalk[k] += walk[z][k]
		}
		if got, want := pop15[z]/max(pop, 1e-9), zv.Get("access.15min_share"); !closeTo(got, want) {
			t.Errorf("%s, zone %s: %v of the residents have their longest walk within %v min, access.15min_share is %v", what, c.Zones[z].Code, got, lim, want)
		}
		cityCO2 += co2[z]
		cityPop += pop
		cityPop15 += pop15[z]
	}
	cityCO2 += co2[nz]
	if got, want := cityCO2, 1000*r.City.Get("energy.co2_t_year"); !closeTo(got, want) {
		t.Errorf("%s: the buildings' CO2 sums to %v kg, energy.co2_t_year is %v kg", what, got, want)
	}
	for k, kind := range sim.AmenityKinds {
		key := "access.walk_min." + kind
		if got, want := cityWalk[k]/max(cityPop, 1e-9), r.City.Get(key); !closeTo(got, want) {
			t.Errorf("%s: the residents' mean walk to a %s is %v min, %s is %v", what, kind, got, key, want)
		}
	}
	if got, want := cityPop15/max(cityPop, 1e-9), r.City.Get("access.15min_share"); !closeTo(got, want) {
		t.Errorf("%s: %v of the residents have their longest walk within %v min, access.15min_share is %v", what, got, lim, want)
	}
}

// TestBuildingResultsAddUp: the CO2 and walking minutes of each building,
// in the baseline and in every example scenario (their scenario reports
// are built incrementally from the baseline's), add up to the zone and city
// indicators; and the examples that retrofit or add parks move them.
func TestBuildingResultsAddUp(t *testing.T) {
	c := maps.Eixample()
	for _, name := range scenarios.Names() {
		r, err := sim.Evaluate(c, example(t, name))
		if err != nil {
			t.Fatal(err)
		}
		p := sim.DefaultParams()
		checkBuildingsAddUp(t, name+" baseline", c, p, r.Baseline)
		checkBuildingsAddUp(t, name, c, p, r.Scenario)
		var co2, walk int // buildings whose CO2 or walk to a park changed
		for b := range r.Scenario.Buildings() {
			o, _ := r.Baseline.Building(b.ID)
			if !sameFloat(o.CO2Kg, b.CO2Kg) {
				co2++
			}
			if !sameWalk(&o.WalkMin, &b.WalkMin) {
				walk++
			}
		}
		t.Logf("%s: %d buildings' CO2 and %d buildings' walks changed", name, co2, walk)
		if name == "terrats-solars" && co2 == 0 {
			t.Errorf("%s retrofits and adds solar, yet no building's CO2 changed", name)
		}
		if name == "interiors-illa" && walk == 0 {
			t.Errorf("%s adds parks, yet no building's walk changed", name)
		}
	}
	// Buildings of no zone count in the city's CO2, not in its access.
	s := maps.Synthetic(3000, 1)
	b := append([]sim.Building(nil), s.Buildings...)
	for i := range b {
		if i%7 == 3 {
			b[i].Zone = -1
		}
	}
	zl, err := sim.NewCity("synthetic-zoneless", s.Origin, s.Zones, b, s.Nodes, s.Segments, s.Stops, s.Amenities)
	if err != nil {
		t.Fatal(err)
	}
	checkBuildingsAddUp(t, "zoneless buildings", zl, sim.DefaultParams(), sim.Baseline(zl, sim.DefaultParams()))
}

// TestBuildingResultsMatchFullCompute: after random edits (parks, stops,
// retrofits and parameters among them) the CO2 and walking minutes of every
// building in the Evaluator's report equal a full recompute's bit for bit,
// as its other results do (the pinned digests do not hash these two).
func TestBuildingResultsMatchFullCompute(t *testing.T) {
	c := maps.Eixample()
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 13))
	ev := sim.NewEvaluator(c, sim.DefaultParams())
	base := sim.Baseline(c, sim.DefaultParams())
	ops := map[string]int{}
	for steps := 0; steps < 16; {
		e := randomEdit(c, rng)
		switch rng.IntN(6) {
		case 0:
			e = sim.Edit{Op: "park", Area: areaAround(c, c.Buildings[rng.IntN(len(c.Buildings))].Centroid, 80)}
		case 1:
			e = randomParamEdit(rng)
		}
		if _, err := ev.Apply(&e); err != nil {
			continue
		}
		ops[e.Op]++
		steps++
		full := sim.Compute(ev.State().Clone(), base)
		got := ev.Report()
		checkBuildingsAddUp(t, fmt.Sprintf("seed %d, step %d (%s)", seed, steps, e.Op), c, ev.State().Params, got)
		for b := range full.Buildings() {
			g, _ := got.Building(b.ID)
			if !sameFloat(g.CO2Kg, b.CO2Kg) || !sameWalk(&g.WalkMin, &b.WalkMin) {
				t.Fatalf("seed %d, step %d (%s): building %d has CO2 %v and walks %v, a full recompute %v and %v",
					seed, steps, e.Op, b.ID, g.CO2Kg, g.WalkMin, b.CO2Kg, b.WalkMin)
			}
		}
	}
	t.Logf("ops applied: %v", ops)
}
