package sim_test

import (
	"math"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

func example(t *testing.T, name string) *sim.Scenario {
	t.Helper()
	data, ok := scenarios.Read(name)
	if !ok {
		t.Fatalf("no example %s", name)
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// applied returns the scenario state of sc on c.
func applied(t *testing.T, c *sim.City, sc *sim.Scenario) *sim.State {
	st := sim.NewState(c, sim.DefaultParams())
	for i := range sc.Edits {
		if _, err := st.Apply(&sc.Edits[i]); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func zoneIndex(t *testing.T, c *sim.City, code string) int {
	for i, z := range c.Zones {
		if z.Code == code {
			return i
		}
	}
	t.Fatalf("no zone %s", code)
	return -1
}

func TestSuperblockEffects(t *testing.T) {
	c := maps.Eixample()
	sc := example(t, "superilla-hospital-clinic")
	r, err := sim.Evaluate(c, sc)
	if err != nil {
		t.Fatal(err)
	}
	st := applied(t, c, sc)
	var before, after float64
	n := 0
	for i, g := range st.Segments {
		if g.Superblock {
			n++
			before += r.Baseline.Streets[i].CarFlow
			after += r.Scenario.Streets[i].CarFlow
		}
	}
	if n < 4 {
		t.Fatalf("only %d interior streets", n)
	}
	if after > before/2 {
		t.Errorf("interior car flow %.0f -> %.0f vehicles/day: want a cut of more than half", before, after)
	}
	z := zoneIndex(t, c, "08") // l'Antiga Esquerra, where the superblock lies
	for _, k := range []string{"mobility.share.walk", "mobility.share.bike"} {
		if d := r.ZoneDelta[z].Values.Get(k); d <= 0 {
			t.Errorf("%s inside changed by %v: want a rise", k, d)
		}
	}
	t.Logf("%d interior streets: %.0f -> %.0f vehicles/day; walk %+.4f, bike %+.4f", n, before, after,
		r.ZoneDelta[z].Values.Get("mobility.share.walk"), r.ZoneDelta[z].Values.Get("mobility.share.bike"))
}

func TestGreenAxisEffects(t *testing.T) {
	c := maps.Eixample()
	sc := example(t, "eixos-verds")
	sc.Edits = sc.Edits[:1] // Consell de Cent alone
	r, err := sim.Evaluate(c, sc)
	if err != nil {
		t.Fatal(err)
	}
	st := applied(t, c, sc)
	// The axis's own segments, and the streets parallel to it (within 10°)
	// within 600 m: the carrers a driver on Consell de Cent can take instead.
	var axis []int
	for i, g := range st.Segments {
		if g.GreenM2 > 0 {
			axis = append(axis, i)
		}
	}
	if len(axis) == 0 {
		t.Fatal("the green axis has no segment")
	}
	bearing := func(i int) float64 {
		g := c.Segments[i].Geometry
		a, b := g[0], g[len(g)-1]
		deg := math.Atan2(b[1]-a[1], b[0]-a[0]) * 180 / math.Pi
		return math.Mod(deg+360, 180)
	}
	dir := bearing(axis[0])
	near := func(i int) bool {
		m := c.SegmentMid(i)
		for _, a := range axis {
			am := c.SegmentMid(a)
			if math.Hypot(m[0]-am[0], m[1]-am[1]) <= 600 {
				return true
			}
		}
		return false
	}
	var own0, own1, par0, par1 float64 // vehicle-km per day
	for i, g := range st.Segments {
		km := c.Segments[i].Length / 1000
		d := math.Abs(bearing(i) - dir)
		switch {
		case g.GreenM2 > 0:
			own0 += r.Baseline.Streets[i].CarFlow * km
			own1 += r.Scenario.Streets[i].CarFlow * km
		case min(d, 180-d) < 10 && near(i):
			par0 += r.Baseline.Streets[i].CarFlow * km
			par1 += r.Scenario.Streets[i].CarFlow * km
		}
	}
	if own1 >= own0 {
		t.Errorf("the green axis carries %.0f -> %.0f vehicle-km/day: want less", own0, own1)
	}
	if par1 <= par0 {
		t.Errorf("the parallel streets carry %.0f -> %.0f vehicle-km/day: want some of the traffic pushed onto them", par0, par1)
	}
	t.Logf("axis %.0f -> %.0f vehicle-km/day; parallel streets within 600 m %.0f -> %.0f", own0, own1, par0, par1)
}
