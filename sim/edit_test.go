package sim_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// areaAround returns a lon/lat square of side 2r metres centred on p (metres).
func areaAround(c *sim.City, p orb.Point, r float64) json.RawMessage {
	var ring [][2]float64
	for _, d := range [][2]float64{{-r, -r}, {r, -r}, {r, r}, {-r, r}, {-r, -r}} {
		ll := c.Proj.ToLonLat(orb.Point{p[0] + d[0], p[1] + d[1]})
		ring = append(ring, [2]float64{ll[0], ll[1]})
	}
	data, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
	return data
}

func ptr[T any](v T) *T { return &v }

// randomEdit draws an edit that applies to the city.
// randomEdit returns an edit of any op but param on a random place of c:
// streets by id and by name within an area, rezoning to every use (with and
// without floors added or removed), housing added to a building or an area.
// It may not fit (an area that holds no building): callers skip those.
func randomEdit(c *sim.City, rng *rand.Rand) sim.Edit {
	b := c.Buildings[rng.IntN(len(c.Buildings))]
	area := areaAround(c, b.Centroid, 60+rng.Float64()*200)
	seg := rng.IntN(len(c.Segments))
	switch rng.IntN(13) {
	case 0:
		return sim.Edit{Op: "superblock", Area: areaAround(c, b.Centroid, 300)}
	case 1:
		return sim.Edit{Op: "pedestrianize", Streets: &sim.StreetSelector{IDs: []int{seg}}}
	case 2:
		return sim.Edit{Op: "green_axis", Streets: &sim.StreetSelector{IDs: []int{seg, (seg + 1) % len(c.Segments)}}}
	case 3:
		return sim.Edit{Op: "bike_lane", Streets: &sim.StreetSelector{IDs: []int{seg}}}
	case 10:
		// A street by its name, within an area around it.
		s := c.Segments[seg]
		if s.Name == "" {
			return sim.Edit{Op: "bike_lane", Streets: &sim.StreetSelector{IDs: []int{seg}}}
		}
		op := []string{"bike_lane", "green_axis", "pedestrianize"}[rng.IntN(3)]
		return sim.Edit{Op: op, Streets: &sim.StreetSelector{Name: s.Name, Within: areaAround(c, c.SegmentMid(seg), 150+rng.Float64()*300)}}
	case 4:
		return sim.Edit{Op: "rezone", Area: area, Use: sim.UseResidential, AddFloors: ptr(1 + rng.IntN(3)), AffordableShare: ptr(0.3)}
	case 11:
		// Any use, sometimes floors taken away, sometimes no share given.
		e := sim.Edit{Op: "rezone", Area: area, Use: sim.Uses[rng.IntN(len(sim.Uses))]}
		if rng.IntN(2) == 0 {
			e.AddFloors = ptr(rng.IntN(7) - 3)
		}
		if rng.IntN(2) == 0 {
			e.AffordableShare = ptr(rng.Float64())
		}
		return e
	case 12:
		return sim.Edit{Op: "add_housing", Area: area, Dwellings: ptr(1 + rng.IntN(200)), AffordableShare: ptr(rng.Float64())}
	case 5:
		return sim.Edit{Op: "add_housing", Building: ptr(b.ID), Dwellings: ptr(1 + rng.IntN(40))}
	case 6:
		return sim.Edit{Op: "retrofit", Area: area, Level: []string{"light", "deep"}[rng.IntN(2)]}
	case 7:
		return sim.Edit{Op: "solar", Area: area, RoofCoverage: ptr(rng.Float64())}
	case 8:
		return sim.Edit{Op: "park", Area: area}
	default:
		ll := c.Proj.ToLonLat(b.Centroid)
		return sim.Edit{Op: "transit_stop", At: []float64{ll[0], ll[1]}, Mode: sim.ModeBus, HeadwayMin: ptr(5 + rng.Float64()*10)}
	}
}

// testSeed returns BARRI_SEED when set, else a new seed; it logs it so that
// a failure can be replayed with BARRI_SEED=N go test ./sim.
func testSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("BARRI_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("BARRI_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with BARRI_SEED=%d)", seed, seed)
	return seed
}

func digestBytes(r *sim.Report) []byte { d := digest(r); return d[:] }

// digest hashes every number of a report in a fixed order.
func digest(r *sim.Report) [32]byte {
	h := sha256.New()
	put := func(v float64) { binary.Write(h, binary.LittleEndian, math.Float64bits(v)) }
	for _, k := range sim.IndicatorKeys() {
		put(r.City.Get(k))
		for _, z := range r.Zones {
			put(z.Values.Get(k))
		}
	}
	put(r.Population)
	put(r.Households)
	for g := range r.Groups {
		for _, v := range r.Groups[g] {
			put(v)
		}
	}
	for _, z := range r.Zones {
		put(z.Population)
		put(z.Households)
		for g := range z.Groups {
			for _, v := range z.Groups[g] {
				put(v)
			}
		}
	}
	for _, s := range r.Streets {
		put(s.CarFlow)
		put(s.SpeedKmh)
		put(s.VC)
	}
	for b := range r.Buildings() {
		put(b.EnergyKWh)
		put(b.PVKWh)
		put(b.Rent)
		put(float64(b.Dwellings))
		put(float64(b.Affordable))
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestEditUndoIsBitIdentical(t *testing.T) {
	c := maps.Eixample()
	base := sim.NewState(c, sim.DefaultParams())
	want := digest(sim.Compute(base, nil))
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	st := base.Clone()
	var undos []*sim.Undo
	for i := 0; i < 40; i++ {
		e := randomEdit(c, rng)
		u, err := st.Apply(&e)
		if err != nil {
			continue // a random area may hold nothing: that is an error, not a no-op
		}
		undos = append(undos, u)
		if i%10 == 0 { // one edit and its undo, checked on their own
			one := base.Clone()
			u1, err := one.Apply(&e)
			if err != nil {
				t.Fatalf("seed %d: edit %d (%s) applied to the sequence but not alone: %v", seed, i, e.Op, err)
			}
			one.Revert(u1)
			if got := digest(sim.Compute(one, nil)); got != want {
				t.Fatalf("seed %d: %s then undo changed the indicators", seed, e.Op)
			}
		}
	}
	if len(undos) < 20 {
		t.Fatalf("seed %d: only %d of 40 random edits applied", seed, len(undos))
	}
	for i := len(undos) - 1; i >= 0; i-- {
		st.Revert(undos[i])
	}
	sim.DropScratch(st)
	if !reflect.DeepEqual(st, base) {
		t.Fatalf("seed %d: undoing every edit did not restore the state", seed)
	}
	if got := digest(sim.Compute(st, nil)); got != want {
		t.Fatalf("seed %d: undoing every edit did not restore the indicators bit for bit", seed)
	}
}

// TestEvaluateIsDeterministic evaluates a scenario with one and with two
// processors, each time on a city built anew (so that no baseline or
// prepared data computed with the other setting is reused), and compares
// the baseline and scenario bits.
func TestEvaluateIsDeterministic(t *testing.T) {
	c := maps.Eixample()
	sc := &sim.Scenario{City: "eixample", Params: map[string]float64{"walk_kmh": 4.5}, Edits: []sim.Edit{
		{Op: "superblock", Area: areaAround(c, c.Buildings[2000].Centroid, 250)},
		{Op: "solar", Area: areaAround(c, c.Buildings[100].Centroid, 400), RoofCoverage: ptr(0.5)},
	}}
	var first [32]byte
	for i, procs := range []int{1, 2, 1, 2} {
		old := runtime.GOMAXPROCS(procs)
		c := maps.Eixample()
		r, err := sim.Evaluate(c, sc)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256(append(digestBytes(r.Baseline), digestBytes(r.Scenario)...))
		if i == 0 {
			first = d
		} else if d != first {
			t.Fatalf("run %d with GOMAXPROCS=%d gave other bits", i, procs)
		}
	}
	t.Logf("digest %x", first[:8])
}

func TestEditErrorsNameTheEdit(t *testing.T) {
	c := maps.Eixample()
	far := json.RawMessage(`{"type":"Polygon","coordinates":[[[2.0,41.0],[2.01,41.0],[2.01,41.01],[2.0,41.01],[2.0,41.0]]]}`)
	for _, tc := range []struct {
		edit        sim.Edit
		field, want string
	}{
		{sim.Edit{Op: "park", Area: far}, "area", "outside the city"},
		{sim.Edit{Op: "bike_lane", Streets: &sim.StreetSelector{Name: "Carrer de Nowhere"}}, "streets", "no street named"},
		{sim.Edit{Op: "bike_lane", Streets: &sim.StreetSelector{IDs: []int{999999}}}, "streets", "does not exist"},
		{sim.Edit{Op: "add_housing", Building: ptr(-4), Dwellings: ptr(3)}, "building", "does not exist"},
		{sim.Edit{Op: "superblock", Area: areaAround(c, c.Buildings[0].Centroid, 20)}, "area", "no interior street"},
		{sim.Edit{Op: "rezone", Area: areaAround(c, c.Buildings[0].Centroid, 100), AddFloors: ptr(40)}, "add_floors", "outside -20..20"},
		{sim.Edit{Op: "solar", Area: areaAround(c, c.Buildings[0].Centroid, 100)}, "roof_coverage", "is required"},
		{sim.Edit{Op: "transit_stop", At: []float64{2.16, 41.39}, Mode: "ferry", HeadwayMin: ptr(5.0)}, "mode", "must be bus"},
		{sim.Edit{Op: "param", Name: "bpr_beta", Value: ptr(400.0)}, "value", "outside"},
		{sim.Edit{Op: "teleport"}, "op", "unknown op"},
	} {
		sc := &sim.Scenario{City: "eixample", Edits: []sim.Edit{{Op: "param", Name: "bpr_beta", Value: ptr(4.0)}, tc.edit}}
		_, err := sim.Evaluate(c, sc)
		want := fmt.Sprintf("sim: edit 1 (%s): ", tc.edit.Op)
		if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%s: error %v, want it to start %q", tc.edit.Op, err, want)
			continue
		}
		if got := err.Error(); !contains(got, tc.want) {
			t.Errorf("%s: error %q, want %q in it", tc.edit.Op, got, tc.want)
		}
		var ee *sim.EditError
		if !errors.As(err, &ee) || ee.Index != 1 || ee.Op != tc.edit.Op || ee.Field != tc.field {
			t.Errorf("%s: error %#v, want an *EditError of edit 1, field %q", tc.edit.Op, ee, tc.field)
		}
		if !errors.Is(err, sim.ErrInvalid) {
			t.Errorf("%s: error %v does not match sim.ErrInvalid", tc.edit.Op, err)
		}
		// The Evaluator reports the same edit error, with its own index.
		ev := sim.NewEvaluator(c, sim.DefaultParams())
		if _, err := ev.Apply(&tc.edit); !errors.As(err, &ee) || ee.Index != 0 || ee.Field != tc.field {
			t.Errorf("%s: Evaluator.Apply error %v, want an *EditError of edit 0, field %q", tc.edit.Op, err, tc.field)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
