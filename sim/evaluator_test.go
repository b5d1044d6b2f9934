package sim_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// TestEvaluatorMatchesFullCompute applies and undoes random edits through the
// Evaluator and checks, at every step, that its indicators, streets and
// buildings equal a full recompute bit for bit: on the Eixample, and on a
// synthetic city where one building in seven lies in no zone (as imported
// buildings outside the zones' boundaries do).
func TestEvaluatorMatchesFullCompute(t *testing.T) {
	t.Run("eixample", func(t *testing.T) { evaluatorMatchesFullCompute(t, maps.Eixample()) })
	t.Run("zoneless buildings", func(t *testing.T) {
		s := maps.Synthetic(3000, 1)
		b := append([]sim.Building(nil), s.Buildings...)
		for i := range b {
			if i%7 == 3 {
				b[i].Zone = -1
			}
		}
		c, err := sim.NewCity("synthetic-zoneless", s.Origin, s.Zones, b, s.Nodes, s.Segments, s.Stops, s.Amenities)
		if err != nil {
			t.Fatal(err)
		}
		evaluatorMatchesFullCompute(t, c)
	})
}

func evaluatorMatchesFullCompute(t *testing.T, c *sim.City) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 2))
	// The session starts from parameters of its own, as a scenario's
	// "params" set them: the reference is the baseline under those.
	start := sim.DefaultParams()
	for _, e := range []sim.Edit{randomParamEdit(rng), randomParamEdit(rng)} {
		if err := start.Set(e.Name, *e.Value); err != nil {
			t.Fatal(err)
		}
	}
	ev := sim.NewEvaluator(c, start)
	base := sim.Baseline(c, start)
	want0 := digest(ev.Report())
	if want0 != digest(sim.Compute(sim.NewState(c, start), base)) {
		t.Fatal("a fresh Evaluator differs from the baseline")
	}
	steps, applied := 0, 0
	for steps < 30 {
		var err error
		if ev.Len() > 0 && rng.IntN(4) == 0 {
			_, err = ev.Undo()
		} else {
			e := randomEdit(c, rng)
			if rng.IntN(12) == 0 {
				e = randomParamEdit(rng)
			}
			if _, err = ev.Apply(&e); err != nil {
				continue // a random area may hold nothing: an error, and nothing changed
			}
			applied++
		}
		if err != nil {
			t.Fatal(err)
		}
		steps++
		full := sim.Compute(ev.State().Clone(), base)
		if digest(full) != digest(ev.Report()) {
			t.Fatalf("seed %d, step %d: the Evaluator differs from a full recompute", seed, steps)
		}
	}
	for ev.Len() > 0 {
		if _, err := ev.Undo(); err != nil {
			t.Fatal(err)
		}
	}
	if digest(ev.Report()) != want0 {
		t.Fatalf("seed %d: undoing every edit did not give back the baseline bits", seed)
	}
	if _, err := ev.Undo(); err != sim.ErrNothingToUndo {
		t.Errorf("Undo with nothing applied: %v", err)
	}
	t.Logf("%d steps, %d edits applied", steps, applied)
}

// TestEvaluatorEqualsEvaluate: the Evaluator after a scenario's edits gives
// the same result as Evaluate.
func TestEvaluatorEqualsEvaluate(t *testing.T) {
	c := maps.Eixample()
	for _, name := range []string{"superilla-hospital-clinic", "habitatge-assequible", "bus-i-bici", "interiors-illa"} {
		sc := example(t, name)
		r, err := sim.Evaluate(c, sc)
		if err != nil {
			t.Fatal(err)
		}
		ev := sim.NewEvaluator(c, sim.DefaultParams())
		for i := range sc.Edits {
			if _, err := ev.Apply(&sc.Edits[i]); err != nil {
				t.Fatal(err)
			}
		}
		if digest(ev.Report()) != digest(r.Scenario) || digest(ev.Result().Baseline) != digest(r.Baseline) {
			t.Errorf("%s: the Evaluator and Evaluate differ", name)
		}
	}
}

// TestEvaluateMatchesFullCompute: Evaluate, which starts from the city's
// baseline model and recomputes only what a scenario's edits reach, gives
// the bits of a full recompute, for random scenarios of one to six edits
// (street, stop, park and parameter edits among them). Each scenario is
// evaluated twice, around the others, and must not change: scenarios share
// the baseline model and must leave it as it was.
func TestEvaluateMatchesFullCompute(t *testing.T) {
	t.Run("eixample", func(t *testing.T) { evaluateMatchesFullCompute(t, maps.Eixample()) })
	t.Run("synthetic", func(t *testing.T) { evaluateMatchesFullCompute(t, maps.Synthetic(3000, 3)) })
}

func evaluateMatchesFullCompute(t *testing.T, c *sim.City) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 3))
	base := sim.Baseline(c, sim.DefaultParams())
	var scenarios []*sim.Scenario
	var digests [][32]byte
	for len(scenarios) < 12 {
		sc := &sim.Scenario{City: c.Name}
		st := sim.NewState(c, sim.DefaultParams())
		for n := 1 + rng.IntN(6); len(sc.Edits) < n; {
			e := randomEdit(c, rng)
			if rng.IntN(10) == 0 {
				e = randomParamEdit(rng)
			}
			if _, err := st.Apply(&e); err == nil {
				sc.Edits = append(sc.Edits, e)
			}
		}
		r, err := sim.Evaluate(c, sc)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		// A param edit is part of the scenario: its delta is measured
		// against the baseline of the parameters the scenario started from.
		if digest(r.Scenario) != digest(sim.Compute(st, base)) {
			t.Fatalf("seed %d, scenario %d (%d edits): Evaluate differs from a full recompute", seed, len(scenarios), len(sc.Edits))
		}
		scenarios = append(scenarios, sc)
		digests = append(digests, digest(r.Scenario))
	}
	// Again, all at once, as a batch run does.
	again := make([][32]byte, len(scenarios))
	var wg sync.WaitGroup
	for i, sc := range scenarios {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := sim.Evaluate(c, sc); err == nil {
				again[i] = digest(r.Scenario)
			}
		}()
	}
	wg.Wait()
	for i := range scenarios {
		if again[i] != digests[i] {
			t.Fatalf("seed %d: scenario %d changed when evaluated again beside the others", seed, i)
		}
	}
	if r, _ := sim.Evaluate(c, &sim.Scenario{City: c.Name}); digest(r.Scenario) != digest(base) {
		t.Fatalf("seed %d: after the scenarios, no edit no longer gives the baseline", seed)
	}
}
