package sim_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

var update = flag.Bool("update", false, "rewrite the pinned digests in testdata/digests.txt")

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
	for applied := 0; applied < 12; {
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

// TestDigestsPinned holds the digests of every indicator, street and
// building of the example scenarios (and of a random edit sequence and a
// synthetic city) to testdata/digests.txt. It runs natively, under js/wasm
// (TestNativeAndWasmAgree), with GOAMD64=v3 and on arm64
// (TestDigestsOnOtherProcessors). A change that moves the numbers on purpose
// rewrites the file with go test ./sim -run TestDigestsPinned -update, and
// says why in its commit.
func TestDigestsPinned(t *testing.T) {
	path := filepath.Join("testdata", "digests.txt")
	got := strings.Join(digestLines(t), "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go test ./sim -run TestDigestsPinned -update to write it", err)
	}
	if got != string(want) {
		w := strings.Split(string(want), "\n")
		for i, g := range strings.Split(got, "\n") {
			if i >= len(w) || g != w[i] {
				t.Errorf("got  %s\nwant %s", g, at(w, i))
			}
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(nothing)"
}
