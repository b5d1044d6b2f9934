package sim_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// randomParamEdit changes a parameter that reaches mobility, energy or the
// housing market's hedonic terms (so also the rent constants a baseline fits).
func randomParamEdit(rng *rand.Rand) sim.Edit {
	switch rng.IntN(4) {
	case 0:
		return sim.Edit{Op: "param", Name: "car_cost_eur_km", Value: ptr(0.1 + rng.Float64())}
	case 1:
		return sim.Edit{Op: "param", Name: "walk_kmh", Value: ptr(3.5 + 2*rng.Float64())}
	case 2:
		return sim.Edit{Op: "param", Name: "rent_park_coef", Value: ptr(-0.01 * rng.Float64())}
	default:
		return sim.Edit{Op: "param", Name: "grid_co2_kg_per_kwh", Value: ptr(0.05 + 0.3*rng.Float64())}
	}
}

// fullRecompute evaluates a state from scratch against the baseline of the
// parameters its scenario started from: the reference every incremental
// path must equal bit for bit.
func fullRecompute(c *sim.City, start sim.Params, edits []sim.Edit) (*sim.Report, error) {
	st := sim.NewState(c, start)
	for i := range edits {
		if _, err := st.Apply(&edits[i]); err != nil {
			return nil, err
		}
	}
	return sim.Compute(st, sim.Baseline(c, start)), nil
}

// changedBetween lists, by comparing two reports through their public
// reads, the buildings and segments whose results differ in their bits.
func changedBetween(a, b *sim.Report) sim.Changes {
	var ch sim.Changes
	for i := range b.NumBuildings() {
		x, _ := a.Building(i)
		y, _ := b.Building(i)
		if x.Dwellings != y.Dwellings || x.Affordable != y.Affordable || !sameFloat(x.EnergyKWh, y.EnergyKWh) ||
			!sameFloat(x.PVKWh, y.PVKWh) || !sameFloat(x.Rent, y.Rent) || !sameFloat(x.CO2Kg, y.CO2Kg) || !sameWalk(&x.WalkMin, &y.WalkMin) {
			ch.Buildings = append(ch.Buildings, i)
		}
	}
	for i := range b.Streets {
		x, y := a.Streets[i], b.Streets[i]
		if !sameFloat(x.CarFlow, y.CarFlow) || !sameFloat(x.SpeedKmh, y.SpeedKmh) || !sameFloat(x.VC, y.VC) {
			ch.Segments = append(ch.Segments, i)
		}
	}
	return ch
}

func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// TestSessionEditUndoRedo drives a session through random applies, undos
// and redos, starting from a scenario with parameters of its own, and checks
// after every step that: the result equals a full recompute of the edits
// now applied, bit for bit; Changed lists exactly the buildings and segments
// whose results moved, and for an edit of buildings no building it did not
// touch unless the housing market or mobility moved them; a redo gives back
// the bits from before its undo; and the session's scenario file, written
// out and read back, evaluates to the same bits.
func TestSessionEditUndoRedo(t *testing.T) {
	t.Run("eixample", func(t *testing.T) { sessionEditUndoRedo(t, maps.Eixample()) })
	t.Run("synthetic", func(t *testing.T) { sessionEditUndoRedo(t, maps.Synthetic(3000, 4)) })
}

func sessionEditUndoRedo(t *testing.T, c *sim.City) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 9))
	start := &sim.Scenario{City: c.Name, Name: "session", Seed: 3, Params: map[string]float64{"walk_kmh": 4.6, "car_cost_eur_km": 0.3}}
	startParams, err := start.Parameters()
	if err != nil {
		t.Fatal(err)
	}
	// Start from a scenario file that already holds two edits.
	for len(start.Edits) < 2 {
		e := randomEdit(c, rng)
		if _, err := fullRecompute(c, startParams, append(slices.Clone(start.Edits), e)); err == nil {
			start.Edits = append(start.Edits, e)
		}
	}
	ev, err := sim.NewScenarioEvaluator(c, start)
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	check := func(step int, what string) {
		t.Helper()
		want, err := fullRecompute(c, startParams, ev.Edits())
		if err != nil {
			t.Fatalf("seed %d, step %d (%s): the session's edits do not apply from scratch: %v", seed, step, what, err)
		}
		if digest(ev.Report()) != digest(want) {
			t.Fatalf("seed %d, step %d (%s): the session differs from a full recompute", seed, step, what)
		}
	}
	check(0, "start")
	if ev.Len() != 2 || ev.CanRedo() {
		t.Fatalf("a session from a scenario of 2 edits: Len %d, CanRedo %v", ev.Len(), ev.CanRedo())
	}
	counts := map[string]int{}
	var redoWant [][32]byte // the digest before each undo not yet redone
	for step := 1; step <= 40; step++ {
		before := ev.Report()
		var what string
		var touched []int // buildings the edit set, for an edit of buildings alone
		switch r := rng.IntN(10); {
		case r < 2 && ev.CanUndo():
			what = "undo"
			redoWant = append(redoWant, digest(ev.Report()))
			if _, err := ev.Undo(); err != nil {
				t.Fatal(err)
			}
		case r < 4 && ev.CanRedo():
			what = "redo"
			if _, err := ev.Redo(); err != nil {
				t.Fatalf("seed %d, step %d: redo: %v", seed, step, err)
			}
			if digest(ev.Report()) != redoWant[len(redoWant)-1] {
				t.Fatalf("seed %d, step %d: redo did not give back the bits from before the undo", seed, step)
			}
			redoWant = redoWant[:len(redoWant)-1]
		default:
			e := randomEdit(c, rng)
			if rng.IntN(10) == 0 {
				e = randomParamEdit(rng)
			}
			what = "apply " + e.Op
			if _, err := ev.Apply(&e); err != nil {
				var ee *sim.EditError
				if !errors.As(err, &ee) || ee.Index != ev.Len() {
					t.Fatalf("seed %d, step %d: Apply's error %v is not an *EditError of edit %d", seed, step, err, ev.Len())
				}
				step--
				continue
			}
			if ev.CanRedo() {
				t.Fatalf("seed %d, step %d: an edit after an undo leaves something to redo", seed, step)
			}
			redoWant = redoWant[:0]
			if e.Op == "retrofit" || e.Op == "solar" {
				touched = buildingsOf(t, c, e)
			}
		}
		counts[what]++
		check(step, what)
		got, want := ev.Changed(), changedBetween(before, ev.Report())
		if !slices.Equal(got.Buildings, want.Buildings) || !slices.Equal(got.Segments, want.Segments) {
			t.Fatalf("seed %d, step %d (%s): Changed lists %d buildings and %d segments, the reports differ in %d and %d",
				seed, step, what, len(got.Buildings), len(got.Segments), len(want.Buildings), len(want.Segments))
		}
		if touched != nil {
			// Retrofit and solar change energy and PV only: no rent, no
			// dwelling, no trip moves, so nothing beyond the area's buildings.
			for _, id := range got.Buildings {
				if _, ok := slices.BinarySearch(touched, id); !ok {
					t.Fatalf("seed %d, step %d (%s): Changed lists building %d, outside the edit's area", seed, step, what, id)
				}
			}
			if len(got.Segments) > 0 {
				t.Fatalf("seed %d, step %d (%s): a building edit changed %d segments", seed, step, what, len(got.Segments))
			}
		}
	}
	// The scenario file of the session runs unchanged.
	data, err := json.Marshal(ev.Scenario())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		t.Fatalf("seed %d: the session's scenario file does not parse: %v\n%s", seed, err, data)
	}
	r, err := sim.Evaluate(c, sc)
	if err != nil {
		t.Fatalf("seed %d: the session's scenario file does not evaluate: %v", seed, err)
	}
	if digest(r.Scenario) != digest(ev.Report()) || digest(r.Baseline) != digest(ev.Result().Baseline) {
		t.Fatalf("seed %d: the session's scenario file evaluates to other bits", seed)
	}
	if sc.Name != "session" || sc.Seed != 3 || sc.Params["walk_kmh"] != 4.6 || len(sc.Edits) != ev.Len() {
		t.Fatalf("seed %d: the scenario file lost its name, seed, params or edits: %+v", seed, sc)
	}
	for ev.CanUndo() {
		if _, err := ev.Undo(); err != nil {
			t.Fatal(err)
		}
	}
	if digest(ev.Report()) != digest(sim.Baseline(c, startParams)) {
		t.Fatalf("seed %d: undoing every edit did not give back the baseline", seed)
	}
	if _, err := ev.Undo(); err != sim.ErrNothingToUndo {
		t.Errorf("Undo with nothing applied: %v", err)
	}
	for ev.CanRedo() {
		if _, err := ev.Redo(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ev.Redo(); err != sim.ErrNothingToRedo {
		t.Errorf("Redo with nothing undone: %v", err)
	}
	check(41, "redo all")
	t.Logf("steps: %v", counts)
}

// buildingsOf returns the buildings an area edit reaches, sorted.
func buildingsOf(t *testing.T, c *sim.City, e sim.Edit) []int {
	mp, err := sim.ParseArea(e.Area)
	if err != nil {
		t.Fatal(err)
	}
	return c.BuildingsIn(sim.Area(c.Proj.ProjectGeometry(mp).(orb.MultiPolygon)))
}

// TestReportReadsNeverPanic: a bad id is a false, not a panic (a panic
// would take the whole page down).
func TestReportReadsNeverPanic(t *testing.T) {
	c := maps.Eixample()
	r := sim.NewEvaluator(c, sim.DefaultParams()).Report()
	for _, id := range []int{-1, len(c.Buildings), math.MaxInt, math.MinInt} {
		if b, ok := r.Building(id); ok || b != (sim.BuildingResult{}) {
			t.Errorf("Building(%d) = %+v, %v", id, b, ok)
		}
	}
	for _, id := range []int{-1, len(c.Segments), math.MaxInt} {
		if s, ok := r.Street(id); ok || s != (sim.StreetResult{}) {
			t.Errorf("Street(%d) = %+v, %v", id, s, ok)
		}
	}
	n := 0
	for b := range r.Buildings() {
		if b.ID != n {
			t.Fatalf("Buildings yields id %d at %d", b.ID, n)
		}
		if got, ok := r.Building(n); !ok || got != b {
			t.Fatalf("Building(%d) differs from what Buildings yields", n)
		}
		n++
	}
	if n != len(c.Buildings) {
		t.Fatalf("Buildings yields %d of %d", n, len(c.Buildings))
	}
	if s, ok := r.Street(5); !ok || s != r.Streets[5] {
		t.Fatal("Street(5) differs from Streets[5]")
	}
}

// TestEvaluatorsShareACity runs sessions on one city from several goroutines
// at once, with the default parameters and with others (so also the
// baseline cache), and checks each against the same session run alone. Run
// with -race (make test does), it also shows that a City and its baselines
// are safe to share read-only.
func TestEvaluatorsShareACity(t *testing.T) {
	c := maps.Eixample()
	type run struct {
		sc   *sim.Scenario
		want [32]byte
	}
	rng := rand.New(rand.NewPCG(11, 11))
	var runs []run
	for i := range 6 {
		sc := &sim.Scenario{City: c.Name}
		if i%2 == 1 {
			sc.Params = map[string]float64{"car_cost_eur_km": 0.2 + 0.1*float64(i)}
		}
		for len(sc.Edits) < 4 {
			e := randomEdit(c, rng)
			p, _ := sc.Parameters()
			if _, err := fullRecompute(c, p, append(slices.Clone(sc.Edits), e)); err == nil {
				sc.Edits = append(sc.Edits, e)
			}
		}
		r, err := sim.Evaluate(maps.Eixample(), sc) // alone, on a city of its own
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run{sc, digest(r.Scenario)})
	}
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, _ := r.sc.Parameters()
			ev := sim.NewEvaluator(c, p)
			for j := range r.sc.Edits {
				if _, err := ev.Apply(&r.sc.Edits[j]); err != nil {
					t.Error(err)
					return
				}
				_ = ev.Result().Baseline.City.Get("mobility.share.car") // read the shared baseline meanwhile
			}
			if _, err := ev.Undo(); err != nil {
				t.Error(err)
			}
			if _, err := ev.Redo(); err != nil {
				t.Error(err)
			}
			if digest(ev.Report()) != r.want {
				t.Errorf("session %d run beside the others differs from it run alone", i)
			}
		}()
	}
	wg.Wait()
}

// TestSuperblockTwiceChangesNothingMore: drawing the same superblock again
// leaves its streets as the first left them (capacity cut once, not twice).
func TestSuperblockTwiceChangesNothingMore(t *testing.T) {
	c := maps.Eixample()
	e := sim.Edit{Op: "superblock", Area: areaAround(c, c.Buildings[2000].Centroid, 250)}
	st := sim.NewState(c, sim.DefaultParams())
	u, err := st.Apply(&e)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.TouchedSegments) == 0 {
		t.Fatal("the superblock reached no street")
	}
	once := slices.Clone(st.Segments)
	for _, id := range u.TouchedSegments {
		if got, want := once[id].Capacity, c.Segments[id].Capacity*0.2; got != want {
			t.Fatalf("segment %d: capacity %v after one superblock, want %v", id, got, want)
		}
	}
	u2, err := st.Apply(&e)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Segments, once) {
		t.Fatal("a second superblock on the same streets changed them again")
	}
	if len(u2.TouchedSegments) != 0 {
		t.Errorf("a second superblock touched %d segments", len(u2.TouchedSegments))
	}
	r1, _ := sim.Evaluate(c, &sim.Scenario{City: c.Name, Edits: []sim.Edit{e}})
	r2, _ := sim.Evaluate(c, &sim.Scenario{City: c.Name, Edits: []sim.Edit{e, e}})
	if digest(r1.Scenario) != digest(r2.Scenario) {
		t.Fatal("the same superblock twice gives other indicators than once")
	}
}

// TestValidate: a scenario is checked against its city without computing,
// under its own parameters, and its errors are typed.
func TestValidate(t *testing.T) {
	c := maps.Eixample()
	good := &sim.Scenario{City: c.Name, Params: map[string]float64{"walk_kmh": 5},
		Edits: []sim.Edit{{Op: "retrofit", Area: areaAround(c, c.Buildings[10].Centroid, 100), Level: "deep"}}}
	if err := good.Validate(c); err != nil {
		t.Fatal(err)
	}
	badEdit := &sim.Scenario{City: c.Name, Edits: []sim.Edit{good.Edits[0], {Op: "bike_lane", Streets: &sim.StreetSelector{IDs: []int{-2}}}}}
	var ee *sim.EditError
	if err := badEdit.Validate(c); !errors.As(err, &ee) || ee.Index != 1 || ee.Field != "streets" {
		t.Fatalf("Validate: %v, want an *EditError of edit 1, field streets", err)
	}
	badParam := &sim.Scenario{City: c.Name, Params: map[string]float64{"walk_kmh": 500}}
	var se *sim.ScenarioError
	if err := badParam.Validate(c); !errors.As(err, &se) || se.Field != "params.walk_kmh" || !errors.Is(err, sim.ErrInvalid) {
		t.Fatalf("Validate: %v, want a *ScenarioError of params.walk_kmh", err)
	}
	if _, err := sim.NewScenarioEvaluator(c, badParam); !errors.As(err, &se) {
		t.Fatalf("NewScenarioEvaluator: %v, want a *ScenarioError", err)
	}
	if _, err := sim.NewScenarioEvaluator(c, badEdit); !errors.As(err, &ee) || ee.Index != 1 {
		t.Fatalf("NewScenarioEvaluator: %v, want the *EditError of edit 1", err)
	}
}

// TestUndoRedoTakeUpKeptMobility: an undo or redo back to a recent state
// takes up the mobility result the session had in it rather than computing
// another; an edit after an undo computes its own; a state more than
// keptStates edits back is computed again (with the same bits).
func TestUndoRedoTakeUpKeptMobility(t *testing.T) {
	c := maps.Eixample()
	ev := sim.NewEvaluator(c, sim.DefaultParams())
	streets := []string{"Carrer d'Enric Granados", "Carrer d'Aribau", "Carrer de Muntaner", "Carrer de Casanova", "Carrer del Comte Borrell", "Carrer de Viladomat"}
	var mobs []any
	var digests [][32]byte
	for _, name := range streets {
		mobs, digests = append(mobs, sim.MobilityOf(ev)), append(digests, digest(ev.Report()))
		e := sim.Edit{Op: "pedestrianize", Streets: &sim.StreetSelector{Name: name}}
		if _, err := ev.Apply(&e); err != nil {
			t.Fatal(err)
		}
	}
	mobs, digests = append(mobs, sim.MobilityOf(ev)), append(digests, digest(ev.Report()))
	undone := make([]any, len(mobs)) // the mobility of each state as the undos left it
	undone[len(streets)] = mobs[len(streets)]
	for n := len(streets) - 1; n >= 0; n-- {
		if _, err := ev.Undo(); err != nil {
			t.Fatal(err)
		}
		undone[n] = sim.MobilityOf(ev)
		kept := n >= len(streets)-4
		if got := sim.MobilityOf(ev) == mobs[n]; got != kept {
			t.Errorf("undo to %d edits: took up the kept mobility %v, want %v", n, got, kept)
		}
		if digest(ev.Report()) != digests[n] {
			t.Fatalf("undo to %d edits: other bits than before", n)
		}
	}
	for n := 1; n <= 3; n++ {
		if _, err := ev.Redo(); err != nil {
			t.Fatal(err)
		}
		if sim.MobilityOf(ev) != undone[n] {
			t.Errorf("redo to %d edits: the mobility kept when it was undone was not taken up", n)
		}
		if digest(ev.Report()) != digests[n] {
			t.Fatalf("redo to %d edits: other bits than before", n)
		}
	}
	// A new edit after undos: the states the undos left are forgotten.
	if _, err := ev.Undo(); err != nil {
		t.Fatal(err)
	}
	e := sim.Edit{Op: "bike_lane", Streets: &sim.StreetSelector{Name: "Carrer de Provença"}}
	if _, err := ev.Apply(&e); err != nil {
		t.Fatal(err)
	}
	if sim.MobilityOf(ev) == undone[3] {
		t.Error("a new edit took up the mobility of the state it replaced")
	}
	if _, err := ev.Undo(); err != nil {
		t.Fatal(err)
	}
	if sim.MobilityOf(ev) != undone[2] || digest(ev.Report()) != digests[2] {
		t.Error("undo of the new edit did not take up the state before it")
	}
}
