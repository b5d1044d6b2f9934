package sim_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

// TestGroupsAverageToCity: for every example and the baseline, the income
// quintiles' values, weighted by the people each indicator counts (renters,
// households, trips, residents), average to the city's figure, and so do
// women's and men's; in the baseline each quintile holds a fifth of the
// households.
func TestGroupsAverageToCity(t *testing.T) {
	c := maps.Eixample()
	for _, name := range scenarios.Names() {
		r, err := sim.Evaluate(c, example(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range []*sim.Report{r.Baseline, r.Scenario} {
			w := sim.GroupWeights(rep)
			for gi, key := range sim.GroupIndicatorKeys() {
				city := rep.City.Get(key)
				for _, set := range [][]int{{sim.GroupQ1, sim.GroupQ2, sim.GroupQ3, sim.GroupQ4, sim.GroupQ5}, {sim.GroupWomen, sim.GroupMen}} {
					var num, den float64
					for _, g := range set {
						num += w[g][gi] * rep.Groups[g][gi]
						den += w[g][gi]
					}
					if got := num / den; math.Abs(got-city) > 1e-9*math.Max(1, math.Abs(city)) {
						t.Errorf("%s: groups %v average %s to %.12g, the city has %.12g", name, set, key, got, city)
					}
				}
			}
		}
		if name == scenarios.Names()[0] {
			w := sim.GroupWeights(r.Baseline)
			gi := indexOf(sim.GroupIndicatorKeys(), "energy.poverty_share")
			var all float64
			for q := sim.GroupQ1; q <= sim.GroupQ5; q++ {
				all += w[q][gi]
			}
			for q := sim.GroupQ1; q <= sim.GroupQ5; q++ {
				if s := w[q][gi] / all; math.Abs(s-0.2) > 1e-9 {
					t.Errorf("income quintile %d holds %.6f of households: want a fifth", q+1, s)
				}
			}
		}
	}
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// TestGroupsDiffer: in the baseline the poorest fifth bears more energy
// poverty, rent burden and displacement risk than the richest; women take
// public transport more and drive less than men (the EMEF gaps); and the
// groups are in indicators.json keyed by name.
func TestGroupsDiffer(t *testing.T) {
	c := maps.Eixample()
	r := sim.Baseline(c, sim.DefaultParams())
	for _, k := range []string{"energy.poverty_share", "housing.rent_burden_share", "housing.displacement_risk"} {
		q1, q5 := r.Groups.Get("income.q1", k), r.Groups.Get("income.q5", k)
		t.Logf("%s: q1 %.4f, q5 %.4f, city %.4f", k, q1, q5, r.City.Get(k))
		if !(q1 > q5) {
			t.Errorf("%s: q1 %.4f, q5 %.4f: want the poorest above the richest", k, q1, q5)
		}
	}
	wPT, mPT := r.Groups.Get("gender.women", "mobility.share.pt"), r.Groups.Get("gender.men", "mobility.share.pt")
	wCar, mCar := r.Groups.Get("gender.women", "mobility.share.car"), r.Groups.Get("gender.men", "mobility.share.car")
	t.Logf("public transport: women %.4f, men %.4f; car: women %.4f, men %.4f", wPT, mPT, wCar, mCar)
	if !(wPT > mPT && wCar < mCar) {
		t.Errorf("public transport: women %.4f, men %.4f; car: women %.4f, men %.4f", wPT, mPT, wCar, mCar)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups map[string]map[string]float64
		Zones  []struct{ Groups map[string]map[string]float64 }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range sim.GroupKeys() {
		if len(doc.Groups[g]) != len(sim.GroupIndicatorKeys()) || len(doc.Zones[0].Groups[g]) != len(sim.GroupIndicatorKeys()) {
			t.Errorf("group %s: %d indicators city-wide, %d in the first zone; want %d", g, len(doc.Groups[g]), len(doc.Zones[0].Groups[g]), len(sim.GroupIndicatorKeys()))
		}
	}
	var back sim.Groups
	gj, _ := json.Marshal(r.Groups)
	if err := json.Unmarshal(gj, &back); err != nil || back != r.Groups {
		t.Errorf("groups do not decode to themselves: %v", err)
	}
}

// FuzzGroupsJSON: decoding never panics, and what decodes encodes back to
// the same groups.
func FuzzGroupsJSON(f *testing.F) {
	f.Add([]byte(`{"income.q1":{"energy.poverty_share":0.2}}`))
	f.Add([]byte(`{"gender.men":{"housing.dwellings":1}}`))
	f.Add([]byte(`{"income.q9":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var g sim.Groups
		if json.Unmarshal(data, &g) != nil {
			return
		}
		out, err := json.Marshal(g)
		if err != nil {
			return // NaN or Inf cannot be written
		}
		var back sim.Groups
		if err := json.Unmarshal(out, &back); err != nil || back != g {
			t.Fatalf("%s -> %s: %v", data, out, err)
		}
	})
}
