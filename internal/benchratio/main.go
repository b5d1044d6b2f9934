// Command benchratio prints, for each benchmark found in files of `go test
// -bench` output (native, then js/wasm), the median of each and the ratio of
// the medians. A benchmark that reports ns/edit is compared on that, others
// on ns/op. `make bench-wasm` runs it on runs it interleaves, native then
// js/wasm, so that both see the machine in the same state.
//
// A third file, native runs with one thread (-test.cpu 1), adds their median
// and the ratio of js/wasm to it: js/wasm has one thread, while a native
// run may do work on a second core (the collector's marking, or the
// baseline beside the scenario in a cold Evaluate).
//
// Usage: go run ./internal/benchratio native.txt wasm.txt [native-one-thread.txt]
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: benchratio native.txt wasm.txt [native-one-thread.txt]")
		os.Exit(2)
	}
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

// run reads the files named by paths (native, js/wasm, and optionally native
// on one thread) and writes the table of medians and ratios to w.
func run(w io.Writer, paths []string) error {
	native, order, err := read(paths[0])
	if err != nil {
		return err
	}
	wasm, _, err := read(paths[1])
	if err != nil {
		return err
	}
	var one map[string][]float64
	if len(paths) > 2 {
		if one, _, err = read(paths[2]); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "%-48s %12s %12s %8s", "median of runs (ms)", "native", "js/wasm", "ratio")
	if one != nil {
		fmt.Fprintf(w, " %12s %8s", "1 thread", "ratio")
	}
	fmt.Fprintln(w)
	for _, name := range order {
		ws, ok := wasm[name]
		if !ok {
			continue
		}
		n, m := median(native[name]), median(ws)
		fmt.Fprintf(w, "%-48s %12.4f %12.4f %8.2f", name, n/1e6, m/1e6, m/n)
		if o, ok := one[name]; ok {
			o1 := median(o)
			fmt.Fprintf(w, " %12.4f %8.2f", o1/1e6, m/o1)
		}
		fmt.Fprintf(w, "   (%d, %d runs)\n", len(native[name]), len(ws))
	}
	return nil
}

// read returns the times of each benchmark in a file, by name without the
// -GOMAXPROCS suffix, and the names in the order they first appear.
func read(path string) (map[string][]float64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	times := map[string][]float64{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		t, unit := 0.0, ""
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			if fields[i+1] == "ns/edit" || (fields[i+1] == "ns/op" && unit == "") {
				t, unit = v, fields[i+1]
			}
		}
		if unit == "" {
			continue
		}
		if _, seen := times[name]; !seen {
			order = append(order, name)
		}
		times[name] = append(times[name], t)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(order) == 0 {
		return nil, nil, fmt.Errorf("%s holds no benchmark results", path)
	}
	return times, order, nil
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
