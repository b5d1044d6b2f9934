package sim_test

import (
	"testing"
	"time"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// benchEvaluate times Evaluate of a scenario (a deep retrofit of the blocks
// within 300 m of a building): "warm", the city already holds its baseline
// (as in a batch or on the workshop server), so Evaluate computes again only
// what the edits reach; "cold", the baseline is computed too; "full", the
// naive way: the scenario's state computed whole, every model, as the
// baseline itself is.
func benchEvaluate(b *testing.B, c *sim.City) {
	sc := &sim.Scenario{City: c.Name, Edits: []sim.Edit{{Op: "retrofit", Level: "deep",
		Area: areaAround(c, c.Buildings[len(c.Buildings)/2].Centroid, 300)}}}
	if _, err := sim.Evaluate(c, sc); err != nil { // builds the city's derived indexes once
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := sim.Evaluate(c, sc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c.ForgetBaselines()
			if _, err := sim.Evaluate(c, sc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		base := sim.Baseline(c, sim.DefaultParams())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			st := sim.NewState(c, sim.DefaultParams())
			if _, err := st.Apply(&sc.Edits[0]); err != nil {
				b.Fatal(err)
			}
			sim.Compute(st, base)
		}
	})
}

func BenchmarkEvaluateEixample(b *testing.B) { benchEvaluate(b, maps.Eixample()) }

func BenchmarkEvaluateSynthetic100k(b *testing.B) { benchEvaluate(b, maps.Synthetic(100000, 1)) }

// BenchmarkComputeEixample times one state's models alone (half an Evaluate).
func BenchmarkComputeEixample(b *testing.B) {
	c := maps.Eixample()
	st := sim.NewState(c, sim.DefaultParams())
	sim.Compute(st, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sim.Compute(st, nil)
	}
}

// benchEdit times one edit through the Evaluator (sub-benchmark
// "evaluator") against applying it and recomputing every model ("full").
// Each iteration applies the edit and undoes it. "ns/edit" is the apply
// alone; "ns/undo" the undo, which takes up the mobility stages the
// Evaluator kept of the state before (no mobility model runs); ns/op is
// both. In "full" an undo is the same work as an edit, and ns/edit is half
// of ns/op.
func benchEdit(b *testing.B, edit func(c *sim.City) sim.Edit) {
	c := maps.Eixample()
	e := edit(c)
	perEdit := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/edit")
	}
	b.Run("evaluator", func(b *testing.B) {
		ev := sim.NewEvaluator(c, sim.DefaultParams())
		var apply, undo time.Duration
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := ev.Apply(&e); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if _, err := ev.Undo(); err != nil {
				b.Fatal(err)
			}
			apply, undo = apply+t1.Sub(t0), undo+time.Since(t1)
		}
		b.ReportMetric(float64(apply.Nanoseconds())/float64(b.N), "ns/edit")
		b.ReportMetric(float64(undo.Nanoseconds())/float64(b.N), "ns/undo")
	})
	b.Run("full", func(b *testing.B) {
		st := sim.NewState(c, sim.DefaultParams())
		base := sim.Baseline(c, sim.DefaultParams())
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			u, err := st.Apply(&e)
			if err != nil {
				b.Fatal(err)
			}
			sim.Compute(st, base)
			st.Revert(u)
			sim.Compute(st, base)
		}
		perEdit(b)
	})
}

// oneBlock is a square of 120 m around building 3000: one block of the Eixample.
func oneBlock(c *sim.City) []byte { return areaAround(c, c.Buildings[3000].Centroid, 60) }

func BenchmarkEditRetrofitBlock(b *testing.B) {
	benchEdit(b, func(c *sim.City) sim.Edit { return sim.Edit{Op: "retrofit", Area: oneBlock(c), Level: "deep"} })
}

func BenchmarkEditRezoneBlock(b *testing.B) {
	benchEdit(b, func(c *sim.City) sim.Edit {
		return sim.Edit{Op: "rezone", Area: oneBlock(c), Use: sim.UseResidential, AddFloors: ptr(1), AffordableShare: ptr(0.3)}
	})
}

func BenchmarkEditStreet(b *testing.B) {
	benchEdit(b, func(c *sim.City) sim.Edit {
		return sim.Edit{Op: "pedestrianize", Streets: &sim.StreetSelector{Name: "Carrer d'Enric Granados"}}
	})
}

// BenchmarkEditSession times a session of street edits past the window of
// states whose mobility the Evaluator keeps: each iteration pedestrianises
// six streets one after the other, undoes the six edits, redoes them and
// undoes them again, 24 steps, of which the undos and redos more than
// keptStates edits from where their run started compute their state's
// mobility again. Its B/op shows what a long session allocates once the
// stages of the states it forgets are recycled.
func BenchmarkEditSession(b *testing.B) {
	c := maps.Eixample()
	var edits []sim.Edit
	for _, name := range []string{"Carrer d'Enric Granados", "Carrer d'Aribau", "Carrer de Muntaner", "Carrer de Casanova",
		"Carrer del Comte Borrell", "Carrer de Viladomat"} {
		edits = append(edits, sim.Edit{Op: "pedestrianize", Streets: &sim.StreetSelector{Name: name}})
	}
	ev := sim.NewEvaluator(c, sim.DefaultParams())
	b.ReportAllocs()
	for b.Loop() {
		for i := range edits {
			if _, err := ev.Apply(&edits[i]); err != nil {
				b.Fatal(err)
			}
		}
		for range edits {
			if _, err := ev.Undo(); err != nil {
				b.Fatal(err)
			}
		}
		for range edits {
			if _, err := ev.Redo(); err != nil {
				b.Fatal(err)
			}
		}
		for range edits {
			if _, err := ev.Undo(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFreeFlowEixample times the free-flow trees of every cell and gate
// of the Eixample: the shortest-path searches a street edit reruns.
func BenchmarkFreeFlowEixample(b *testing.B) {
	run := sim.FreeFlowRunner(maps.Eixample())
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

// BenchmarkFreeFlowSynthetic100k is BenchmarkFreeFlowEixample on a large city.
func BenchmarkFreeFlowSynthetic100k(b *testing.B) {
	run := sim.FreeFlowRunner(maps.Synthetic(100000, 1))
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

// BenchmarkSearch compares the shortest-path search the models use (label
// correcting) with Dijkstra's algorithm on a binary heap, on the free-flow
// trees of every cell and gate, one after the other.
func BenchmarkSearch(b *testing.B) {
	for _, city := range []struct {
		name string
		c    *sim.City
	}{{"eixample", maps.Eixample()}, {"synthetic-100000", maps.Synthetic(100000, 1)}} {
		lc, dj := sim.SearchRunners(city.c)
		b.Run(city.name+"/label-correcting", func(b *testing.B) {
			for b.Loop() {
				lc()
			}
		})
		b.Run(city.name+"/dijkstra-heap", func(b *testing.B) {
			for b.Loop() {
				dj()
			}
		})
	}
}
