package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAndMedian(t *testing.T) {
	n, order, err := read("testdata/native.txt")
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := read("testdata/wasm.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != "BenchmarkEditRezoneBlock/evaluator" || order[1] != "BenchmarkSearch/eixample/label-correcting" {
		t.Fatalf("names %q: want the -GOMAXPROCS suffix dropped, in order of appearance", order)
	}
	// ns/edit wins over ns/op; ns/op is used where there is no ns/edit.
	if got := median(n["BenchmarkEditRezoneBlock/evaluator"]); got != 1500000 {
		t.Errorf("native rezone median %v, want 1500000 (ns/edit, odd count)", got)
	}
	if got := median(w["BenchmarkEditRezoneBlock/evaluator"]); got != 3100000 {
		t.Errorf("wasm rezone median %v, want 3100000 (mean of the middle two)", got)
	}
	if got := median(w["BenchmarkSearch/eixample/label-correcting"]); got != 450000 {
		t.Errorf("wasm search median %v, want 450000 (ns/op)", got)
	}
}

func TestReadRejectsAFileWithoutResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(path, []byte("goos: linux\nPASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := read(path); err == nil {
		t.Fatal("want an error for a file with no benchmark results")
	}
}

func TestRunPrintsRatios(t *testing.T) {
	var out strings.Builder
	if err := run(&out, []string{"testdata/native.txt", "testdata/wasm.txt", "testdata/native1.txt"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and two benchmarks:\n%s", len(lines), out.String())
	}
	// Rezone: native 1.5 ms, js/wasm 3.1 ms (2.07), one thread 2.1 ms (1.48).
	if f := strings.Fields(lines[1]); len(f) < 6 || f[1] != "1.5000" || f[2] != "3.1000" || f[3] != "2.07" || f[4] != "2.1000" || f[5] != "1.48" {
		t.Errorf("rezone line %q", lines[1])
	}
	// Search has no one-thread runs: its line ends after the first ratio.
	if f := strings.Fields(lines[2]); len(f) < 4 || f[3] != "1.50" || strings.Count(lines[2], ".") != 3 {
		t.Errorf("search line %q", lines[2])
	}
}
