package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

// digestLines evaluates every example scenario and a fixed sequence of
// random edits, and returns one line per result: "digest NAME HEX".
func digestLines(t testing.TB) []string {
	c := maps.Eixample()
	var out []string
	for _, name := range scenarios.Names() {
		data, _ := scenarios.Read(name)
		sc, err := sim.ParseScenario(data)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sim.Evaluate(c, sc)
		if err != nil {
			t.Fatal(err)
		}
		d := digest(r.Scenario)
		out = append(out, fmt.Sprintf("digest %s %x", name, d[:]))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	ev := sim.NewEvaluator(c, sim.DefaultParams())
	for applied := 0; applied < 8; {
		e := randomEdit(c, rng)
		if _, err := ev.Apply(&e); err == nil {
			applied++
		}
	}
	d := digest(ev.Report())
	out = append(out, fmt.Sprintf("digest random-edits %x", d[:]))
	syn := maps.Synthetic(3000, 5)
	r, err := sim.Evaluate(syn, &sim.Scenario{City: syn.Name})
	if err != nil {
		t.Fatal(err)
	}
	d = digest(r.Baseline)
	return append(out, fmt.Sprintf("digest synthetic-3000 %x", d[:]))
}

// TestPrintDigests prints the digests; TestNativeAndWasmAgree runs it under
// js/wasm in Node and compares.
func TestPrintDigests(t *testing.T) {
	for _, l := range digestLines(t) {
		fmt.Println(l)
	}
}
