package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// TestLongSessionRecyclesNothingInUse drives a session through 200 applies,
// undos and redos, in runs longer than the kept window both ways (up to
// keptStates+3 undos or redos in a row), of edits that mostly reach the
// mobility model, and checks after every step that its report equals, bit
// for bit, a full recompute of the edits applied. The Evaluator makes new
// mobility stages with the arrays of stages it released (sim.Reused counts
// them): a stage released while the model, a kept state or the baseline
// still held it would give a state other bits when it is taken up again or
// edited on. It checks too that every report the session returned keeps its
// bits to the end, and that the baseline's stages, which the session
// shared, still give a fresh session the bits of a full recompute.
func TestLongSessionRecyclesNothingInUse(t *testing.T) {
	c := maps.Eixample()
	p := sim.DefaultParams()
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 17))
	ev := sim.NewEvaluator(c, p)

	var edits []sim.Edit // every edit applied once, by number
	var applied, undone []int
	fresh := map[string][32]byte{} // full recomputes, by the edits applied
	check := func(step int, what string) {
		t.Helper()
		key := fmt.Sprint(applied)
		want, ok := fresh[key]
		if !ok {
			list := make([]sim.Edit, len(applied))
			for i, n := range applied {
				list[i] = edits[n]
			}
			r, err := fullRecompute(c, p, list)
			if err != nil {
				t.Fatalf("seed %d, step %d (%s): the edits applied do not apply from scratch: %v", seed, step, what, err)
			}
			want = digest(r)
			fresh[key] = want
		}
		if digest(ev.Report()) != want {
			t.Fatalf("seed %d, step %d (%s, %d edits applied): the session differs from a full recompute", seed, step, what, len(applied))
		}
	}
	type held struct {
		r *sim.Report
		d [32]byte
	}
	var reports []held
	var longUndo, longRedo int // the longest runs of undos and redos
	steps := 0
	step := func(what string) {
		steps++
		check(steps, what)
		reports = append(reports, held{ev.Report(), digest(ev.Report())})
	}
	apply := func() {
		for {
			e := randomEdit(c, rng)
			if rng.IntN(20) == 0 {
				e = randomParamEdit(rng)
			}
			if _, err := ev.Apply(&e); err != nil {
				continue // an edit that does not apply here: another
			}
			edits = append(edits, e)
			applied, undone = append(applied, len(edits)-1), undone[:0]
			step("apply " + e.Op)
			return
		}
	}
	// undo and redo run up to n undos or redos in a row, and note the run.
	undo := func(n int) {
		k := 0
		for ; k < n && len(applied) > 0; k++ {
			if _, err := ev.Undo(); err != nil {
				t.Fatal(err)
			}
			undone, applied = append(undone, applied[len(applied)-1]), applied[:len(applied)-1]
			step("undo")
		}
		longUndo = max(longUndo, k)
	}
	redo := func(n int) {
		k := 0
		for ; k < n && len(undone) > 0; k++ {
			if _, err := ev.Redo(); err != nil {
				t.Fatal(err)
			}
			applied, undone = append(applied, undone[len(undone)-1]), undone[:len(undone)-1]
			step("redo")
		}
		longRedo = max(longRedo, k)
	}
	const keptStates = 4 // sim's keptStates
	for long := 0; steps < 200; {
		if steps >= long {
			// Every 50 steps: a run of edits longer than the window,
			// undone and redone.
			long += 50
			for range keptStates + 3 {
				apply()
			}
			undo(keptStates + 3)
			redo(keptStates + 3)
			continue
		}
		switch rng.IntN(3) {
		case 0:
			for range 1 + rng.IntN(3) {
				apply()
			}
		case 1:
			undo(1 + rng.IntN(keptStates+3))
		default:
			redo(1 + rng.IntN(keptStates+3))
		}
	}
	if longUndo <= keptStates || longRedo <= keptStates {
		t.Fatalf("the session undid at most %d and redid at most %d edits in a row: not past the kept window", longUndo, longRedo)
	}
	if sim.Reused(ev) == 0 {
		t.Fatal("the session made no stage with the arrays of a released one: the test shows nothing")
	}
	for i, h := range reports {
		if digest(h.r) != h.d {
			t.Fatalf("seed %d: the report returned at step %d changed since", seed, i+1)
		}
	}
	// A fresh session on the same baseline: a rezone reruns the mobility
	// model on the baseline's free-flow network and trip choices.
	ev2 := sim.NewEvaluator(c, p)
	e := sim.Edit{Op: "rezone", Area: oneBlockOf(c), Use: sim.UseResidential, AddFloors: ptr(2)}
	if _, err := ev2.Apply(&e); err != nil {
		t.Fatal(err)
	}
	want, err := fullRecompute(c, p, []sim.Edit{e})
	if err != nil {
		t.Fatal(err)
	}
	if digest(ev2.Report()) != digest(want) {
		t.Fatal("after the long session, a fresh session on the same baseline gives other bits: the baseline's stages changed")
	}
	t.Logf("%d steps, %d states recomputed in full, %d stages made with released arrays, longest runs: %d undos, %d redos",
		steps, len(fresh), sim.Reused(ev), longUndo, longRedo)
}

// oneBlockOf is a square of 120 m around building 3000.
func oneBlockOf(c *sim.City) []byte { return areaAround(c, c.Buildings[3000].Centroid, 60) }
