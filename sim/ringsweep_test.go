package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// randomRing returns a closed ring of n vertices of one of several shapes,
// many of them self-intersecting, some with repeated points, collinear and
// touching edges (coordinates on a coarse grid make those common).
func randomRing(rng *rand.Rand, n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	switch rng.IntN(4) {
	case 0: // random points on a small grid: crossings, touches, overlaps
		for i := 0; i < n; i++ {
			r = append(r, orb.Point{float64(rng.IntN(8)), float64(rng.IntN(8))})
		}
	case 1: // a star, simple unless a radius is perturbed into a crossing
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * float64(i) / float64(n)
			rad := 10.0
			if i%2 == 1 {
				rad = 1 + rng.Float64()
			}
			r = append(r, orb.Point{rad * math.Cos(a), rad * math.Sin(a)})
		}
		if rng.IntN(2) == 0 {
			i, j := rng.IntN(n), rng.IntN(n)
			r[i], r[j] = r[j], r[i]
		}
	case 2: // a circle with a random walk on the radius: simple or nearly
		rad := 100.0
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * float64(i) / float64(n)
			rad += rng.Float64() - 0.5
			r = append(r, orb.Point{math.Round(rad*math.Cos(a)*4) / 4, math.Round(rad*math.Sin(a)*4) / 4})
		}
	default: // a comb of vertical teeth on integer coordinates (vertical edges, shared x)
		for i := 0; i < n/2; i++ {
			h := float64(1 + rng.IntN(3))
			r = append(r, orb.Point{float64(i), 0}, orb.Point{float64(i), h})
		}
		r = append(r, orb.Point{float64(n / 2), -1}, orb.Point{0, -1})
	}
	return append(r, r[0])
}

// TestRingSweepMatchesPairByPair: the sweep finds a crossing exactly when the
// pair by pair check does, on random rings of every shape (the seed is in
// the failure).
func TestRingSweepMatchesPairByPair(t *testing.T) {
	counts := [2]int{}
	for seed := uint64(0); seed < 4000; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 4 + rng.IntN(60)
		if seed%8 == 0 {
			n = 4 + rng.IntN(600)
		}
		r := randomRing(rng, n)
		got, want := ringSelfIntersectsSweep(r), ringSelfIntersectsNaive(r)
		if got != want {
			t.Fatalf("seed %d: sweep %v, pair by pair %v for %v", seed, got, want, r)
		}
		if want {
			counts[1]++
		} else {
			counts[0]++
		}
	}
	if counts[0] < 500 || counts[1] < 500 {
		t.Fatalf("the rings are too alike: %d simple, %d crossing", counts[0], counts[1])
	}
}

// TestRingSelfIntersectsIsFastOnHugeRings: a simple ring of 10⁶ vertices
// and one with a crossing are checked in O(n log n) (the pair by pair check
// took 1.1 s for 10⁴ vertices and would take hours for 10⁶). The time is
// logged; BenchmarkRingSelfIntersects measures it.
func TestRingSelfIntersectsIsFastOnHugeRings(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ring := circleRing(1_000_000)
	start := time.Now()
	if RingSelfIntersects(ring) {
		t.Fatal("a circle intersects itself")
	}
	t.Logf("10⁶ vertices, simple: %v", time.Since(start))
	ring[500_000], ring[500_001] = ring[500_001], ring[500_000]
	if !RingSelfIntersects(ring) {
		t.Fatal("two swapped vertices of a circle make no crossing")
	}
}

func circleRing(n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{1000 * math.Cos(a), 1000 * math.Sin(a)})
	}
	return append(r, r[0])
}

func BenchmarkRingSelfIntersects(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 1_000_000} {
		ring := circleRing(n)
		b.Run(itoaSize(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				RingSelfIntersects(ring)
			}
		})
	}
}

func itoaSize(n int) string {
	switch {
	case n >= 1_000_000:
		return "1e6"
	case n >= 10_000:
		return "1e4"
	}
	return "1e3"
}
