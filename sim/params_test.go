package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// nonFinite names the first number of a result that is NaN or infinite.
func nonFinite(r *sim.Result) string {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for _, rep := range []*sim.Report{r.Baseline, r.Scenario} {
		for _, k := range sim.IndicatorKeys() {
			if bad(rep.City.Get(k)) {
				return k
			}
			for _, z := range rep.Zones {
				if bad(z.Values.Get(k)) {
					return z.Code + " " + k
				}
			}
		}
		for _, s := range rep.Streets {
			if bad(s.CarFlow) || bad(s.SpeedKmh) || bad(s.VC) {
				return fmt.Sprintf("street %d", s.ID)
			}
		}
		for b := range rep.Buildings() {
			if bad(b.EnergyKWh) || bad(b.PVKWh) || bad(b.Rent) {
				return fmt.Sprintf("building %d", b.ID)
			}
		}
	}
	return ""
}

// TestParametersInRangeGiveNumbers: no parameter values inside their
// documented ranges make the model produce NaN or infinity (run prints
// them, JSON cannot hold them). Each parameter at its bounds alone, then
// random sets drawing each parameter at a bound or inside, with the
// combinations that once gave 0/0 (no value of time with a free fare, no
// weight on time), on a scenario with street, housing and stop edits.
func TestParametersInRangeGiveNumbers(t *testing.T) {
	c := maps.Eixample()
	edits := []sim.Edit{
		{Op: "superblock", Area: areaAround(c, c.Buildings[2000].Centroid, 250)},
		{Op: "pedestrianize", Streets: &sim.StreetSelector{Name: "Carrer d'Enric Granados"}},
		{Op: "rezone", Area: areaAround(c, c.Buildings[3000].Centroid, 80), Use: sim.UseResidential, AddFloors: ptr(2)},
		{Op: "transit_stop", At: []float64{2.16, 41.39}, Mode: sim.ModeBus, HeadwayMin: ptr(5.0)},
	}
	eval := func(t *testing.T, params map[string]float64) {
		t.Helper()
		r, err := sim.Evaluate(c, &sim.Scenario{City: c.Name, Params: params, Edits: edits})
		if err != nil {
			t.Fatalf("params %v: %v", params, err)
		}
		if where := nonFinite(r); where != "" {
			t.Fatalf("params %v: %s is not a number", params, where)
		}
	}
	defs := sim.ParamDefs()
	t.Run("combinations", func(t *testing.T) {
		eval(t, map[string]float64{"value_of_time_eur_h": 0, "pt_fare_eur": 0})
		eval(t, map[string]float64{"value_of_time_eur_h": 0, "beta_time_per_min": 0})
		eval(t, map[string]float64{"beta_time_per_min": 0})
		eval(t, map[string]float64{"value_of_time_eur_h": 0, "pt_fare_eur": 0, "car_cost_eur_km": 0, "parking_eur": 0})
	})
	t.Run("bounds", func(t *testing.T) {
		if testing.Short() {
			t.Skip("every parameter at both bounds: skipped with -short")
		}
		for _, d := range defs {
			eval(t, map[string]float64{d.Name: d.Min})
			eval(t, map[string]float64{d.Name: d.Max})
		}
	})
	t.Run("random", func(t *testing.T) {
		seed := testSeed(t)
		rng := rand.New(rand.NewPCG(seed, 12))
		n := 12
		if testing.Short() {
			n = 3
		}
		for range n {
			params := map[string]float64{}
			for _, d := range defs {
				switch rng.IntN(6) {
				case 0:
					params[d.Name] = d.Min
				case 1:
					params[d.Name] = d.Max
				case 2:
					params[d.Name] = d.Min + rng.Float64()*(d.Max-d.Min)
				}
			}
			eval(t, params)
		}
	})
}
