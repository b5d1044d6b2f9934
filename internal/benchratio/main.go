// Command benchratio prints, for each benchmark found in two files of `go
// test -bench` output (native, then js/wasm), the median of each and the
// ratio of the medians. A benchmark that reports ns/edit is compared on
// that, others on ns/op. `make bench-wasm` runs it on runs it interleaves,
// native then js/wasm, so that both see the machine in the same state.
//
// Usage: go run ./internal/benchratio native.txt wasm.txt
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchratio native.txt wasm.txt")
		os.Exit(2)
	}
	native, order, err := read(os.Args[1])
	if err == nil {
		var wasm map[string][]float64
		wasm, _, err = read(os.Args[2])
		if err == nil {
			fmt.Printf("%-48s %12s %12s %8s\n", "median of runs (ms)", "native", "js/wasm", "ratio")
			for _, name := range order {
				if w, ok := wasm[name]; ok {
					n, m := median(native[name]), median(w)
					fmt.Printf("%-48s %12.4f %12.4f %8.2f   (%d, %d runs)\n", name, n/1e6, m/1e6, m/n, len(native[name]), len(w))
				}
			}
			return
		}
	}
	fmt.Fprintln(os.Stderr, "benchratio:", err)
	os.Exit(1)
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
