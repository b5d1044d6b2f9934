package mapscale

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// The ends are the 2nd and 98th percentiles, whatever the order of the
// values; NaN is left out; Below and Above say whether values lie past.
func TestValues(t *testing.T) {
	var vals []float64
	for i := range 101 {
		vals = append(vals, float64(i))
	}
	vals = append(vals, math.NaN(), 1000) // a NaN and one far building
	s := Values(vals)
	if s.Lo != 2 || s.Hi != 98 || !s.Below || !s.Above || s.Change {
		t.Errorf("Values(0..100, 1000) = %+v, want 2..98 with values past both ends", s)
	}
	if s.T(2) != 0 || s.T(98) != 1 || s.T(1000) <= 1 {
		t.Errorf("T: 2 → %v, 98 → %v, 1000 → %v; want 0, 1 and past 1", s.T(2), s.T(98), s.T(1000))
	}
	sameInAnyOrder(t, "Values", vals, Values, s, 1)
	// All alike: a scale around them; none: 0..1.
	if s := Values([]float64{5, 5, 5}); s.Lo != 5 || s.Hi != 6 || s.Below || s.Above {
		t.Errorf("Values(5, 5, 5) = %+v, want 5..6 with nothing past", s)
	}
	if s := Values([]float64{math.NaN()}); s.Lo != 0 || s.Hi != 1 {
		t.Errorf("Values(NaN) = %+v, want 0..1", s)
	}
	// A few equal ends: the whole range.
	if s := Values([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3}); s.Lo != 1 || s.Hi != 3 || s.Below || s.Above {
		t.Errorf("Values(1 ×10, 3) = %+v, want 1..3", s)
	}
}

// Changes: ±span on the upper quartile of the changes' sizes, rounded up
// to 1, 2 or 5; zero changes do not count; the few larger ones are past.
func TestChanges(t *testing.T) {
	// A park of 3 × 3 blocks in el Fort Pienc (review-13 #7): 4 homes
	// less than a minute nearer, 81 3.3 minutes, 28 6.6, and thousands not
	// moved.
	d := []float64{-0.16, -0.4, -0.7, -0.9}
	for range 81 {
		d = append(d, -3.3)
	}
	for range 28 {
		d = append(d, -6.6)
	}
	for range 5000 {
		d = append(d, 0)
	}
	d = append(d, math.NaN(), 1e-12)
	s := Changes(d)
	if s.Lo != -5 || s.Hi != 5 || !s.Change || !s.Below || s.Above {
		t.Errorf("Changes(the park) = %+v, want ±5 with changes past −5 only", s)
	}
	// A 1-minute gain is a tenth of the ramp from white, not a twentieth.
	if tt := s.T(-1); math.Abs(tt-0.4) > 1e-12 {
		t.Errorf("a minute less is at %v on the ramp, want 0.4", tt)
	}
	if s := Changes([]float64{0, 0, math.NaN()}); s.Lo != -1 || s.Hi != 1 || s.Below || s.Above {
		t.Errorf("Changes(no change) = %+v, want ±1", s)
	}
	if s := Changes([]float64{120, -80, 3}); s.Lo != -100 || s.Hi != 100 || s.Below || !s.Above {
		t.Errorf("Changes(120, −80, 3) = %+v, want ±100 with a change past +100", s)
	}
	sameInAnyOrder(t, "Changes", d, Changes, s, 3)
}

func TestRound(t *testing.T) {
	for _, c := range [][2]float64{{0.3, 0.5}, {1, 1}, {1.01, 2}, {3.34, 5}, {6.61, 10}, {10, 10}, {12.2, 20}, {999, 1000}, {0.0123, 0.02}} {
		if got := Round(c[0]); math.Abs(got-c[1]) > 1e-12*c[1] {
			t.Errorf("Round(%v) = %v, want %v", c[0], got, c[1])
		}
	}
}

// On the Eixample the CO₂ per m² of the homes spans their own range, not
// the offices': with the ends of all buildings (offices and public
// buildings at 20.4 kg/m², 14 % of them) the homes took the bottom third
// of the ramp (review-13 #6); on the homes' scale they take it all and
// the offices lie past its top end.
func TestHomesScaleOfCO2(t *testing.T) {
	c := maps.Eixample()
	r := sim.Baseline(c, sim.DefaultParams())
	var all, homes []float64
	for i, b := range c.Buildings {
		br, ok := r.Building(i)
		if !ok || b.FloorArea <= 0 {
			all = append(all, math.NaN())
			continue
		}
		v := br.CO2Kg / b.FloorArea
		all = append(all, v)
		if br.Dwellings > 0 {
			homes = append(homes, v)
		}
	}
	whole, own := Values(all), Values(homes).Widen(all)
	t.Logf("CO₂ per m²: all buildings %.2f..%.2f, the homes' %.2f..%.2f (past: below %v, above %v)", whole.Lo, whole.Hi, own.Lo, own.Hi, own.Below, own.Above)
	// How much of the ramp the homes' middle 96 % take.
	slices.Sort(homes)
	p := func(q float64) float64 { return homes[int(q*float64(len(homes)-1))] }
	span := func(s Scale) float64 { return s.T(p(0.98)) - s.T(p(0.02)) }
	if span(whole) > 0.5 {
		t.Errorf("on all buildings' scale the homes take %.0f%% of the ramp: the offices no longer set its top?", 100*span(whole))
	}
	if span(own) < 0.99 || !own.Above {
		t.Errorf("on the homes' scale they take %.0f%% of the ramp (offices past its top: %v), want all of it", 100*span(own), own.Above)
	}
}

// sameInAnyOrder checks that f gives want for vals shuffled 20 ways (seeded).
func sameInAnyOrder(t *testing.T, name string, vals []float64, f func([]float64) Scale, want Scale, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for range 20 {
		sh := slices.Clone(vals)
		rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		if got := f(sh); got != want {
			t.Fatalf("%s of the same values in another order = %+v, want %+v", name, got, want)
		}
	}
}

// TestChangeLeavesOutNoise: a change below a millionth of the values is no
// change, and a scale of such changes is ±1 (it was ±0.000005 after a park).
func TestChangeLeavesOutNoise(t *testing.T) {
	for _, c := range []struct{ now, was, want float64 }{
		{3.420000001, 3.42, 0}, {6.6, 6.600005, 0}, {0, 0, 0},
		{3.3, 6.6, 3.3 - 6.6}, {1, 0, 1}, {0, -2, 2}, {1e-9, 0, 1e-9},
	} {
		if got := Change(c.now, c.was); got != c.want {
			t.Errorf("Change(%v, %v) = %v, want %v", c.now, c.was, got, c.want)
		}
	}
	if got := Change(math.NaN(), 1); !math.IsNaN(got) {
		t.Errorf("Change(NaN, 1) = %v, want NaN (no data)", got)
	}
	var d []float64
	for i := range 200 {
		was := 3 + float64(i)/100
		d = append(d, Change(was-was*3e-7, was))
	}
	if s := Changes(d); s.Lo != -1 || s.Hi != 1 || s.Below || s.Above {
		t.Errorf("Changes of rounding noise = %+v, want ±1 with nothing past", s)
	}
}
