package sim_test

import (
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// benchEvaluate times a full Evaluate (baseline and scenario) of an empty
// scenario on a city whose derived indexes are already built.
func benchEvaluate(b *testing.B, c *sim.City) {
	sc := &sim.Scenario{City: c.Name}
	if _, err := sim.Evaluate(c, sc); err != nil { // builds the city's derived indexes once
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sim.Evaluate(c, sc); err != nil {
			b.Fatal(err)
		}
	}
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
