package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "run SCENARIO.json [--out DIR]", stderr)
	out := fs.String("out", "", "write indicators.json, zones.csv, streets.geojson and buildings.geojson to `DIR`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return badInput("run takes exactly one scenario")
	}
	l, err := loadScenario(pos[0])
	if err != nil {
		return err
	}
	r, err := l.evaluate()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s — %s (%d edits, seed %d)\n\n", shown(r.Name, 200), shown(l.city.Name, 80), len(l.sc.Edits), l.sc.Seed)
	printTable(stdout, []string{"baseline", "scenario", "delta"}, func(k string) []float64 {
		return []float64{r.Baseline.City.Get(k), r.Scenario.City.Get(k), r.Delta.Get(k)}
	})
	printGainsLosses(stdout, r)
	if *out == "" {
		return nil
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		return badInput("run: --out %s is not a directory: give a directory to write the outputs into", *out)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("run: %v", err)
	}
	removeStaleTemps(*out)
	// An interrupt while writing removes the temporary file (the finished
	// outputs stay); a temporary file left by a kill is removed by the next
	// run into the same directory.
	var mu sync.Mutex
	current := ""
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() { signal.Stop(sigs); close(done) }()
	go func() {
		select {
		case sig := <-sigs:
			mu.Lock()
			if current != "" {
				os.Remove(current)
			}
			fmt.Fprintf(stderr, "barri: run: %v: stopped while writing %s\n", sig, *out)
			os.Exit(130)
		case <-done:
		}
	}()
	write := func(name string, f func(io.Writer) error) error {
		path := filepath.Join(*out, name)
		if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
			return badInput("run: %s exists and is not a regular file: remove it or give another --out", path)
		}
		mu.Lock()
		tmp, err := os.CreateTemp(*out, "."+name+tempMark+"*")
		if err == nil {
			current = tmp.Name()
		}
		mu.Unlock()
		if err != nil {
			return fmt.Errorf("run: %v", err)
		}
		defer func() {
			mu.Lock()
			os.Remove(current) // gone already when renamed
			current = ""
			mu.Unlock()
		}()
		bw := bufio.NewWriter(tmp)
		err = f(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			err = tmp.Chmod(0o644) // CreateTemp makes 0600; outputs are for sharing
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("run: writing %s: %v", path, err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("run: %v", err)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		fn   func(io.Writer) error
	}{
		{"indicators.json", func(w io.Writer) error { return maps.WriteIndicatorsJSON(w, r) }},
		{"zones.csv", func(w io.Writer) error { return maps.WriteZonesCSV(w, r) }},
		{"streets.geojson", func(w io.Writer) error { return maps.WriteStreetsGeoJSON(w, l.city, r) }},
		{"buildings.geojson", func(w io.Writer) error { return maps.WriteBuildingsGeoJSON(w, l.city, r) }},
	} {
		if err := write(f.name, f.fn); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", *out)
	return nil
}

// tempMark is in the name of every temporary output file, so that one left
// by a killed run can be told from the user's files.
const tempMark = ".barri-tmp-"

// runOutputs are the files run --out writes.
var runOutputs = []string{"indicators.json", "zones.csv", "streets.geojson", "buildings.geojson"}

// removeStaleTemps removes temporary output files a killed run left behind.
func removeStaleTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, ".") {
			continue
		}
		stale := strings.Contains(n, tempMark)
		for _, out := range runOutputs {
			// Earlier versions named them .NAME.DIGITS.
			if rest, ok := strings.CutPrefix(n, "."+out+"."); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
				stale = true
			}
		}
		if stale {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// headline are the group indicators of the "who gains, who loses" table,
// each with its column title and whether a fall is a gain.
var headline = []struct {
	key, title  string
	lowerBetter bool
}{
	{"housing.rent_burden_share", "rent burden", true},
	{"housing.displacement_risk", "displacement", true},
	{"energy.poverty_share", "energy poverty", true},
	{"mobility.share.car", "car share", true},
	{"mobility.mean_trip_min", "trip minutes", true},
	{"access.15min_share", "15-min access", false},
}

// printGainsLosses prints the change of the headline indicators for each
// group of the equity lens, and how many of them got better and worse.
func printGainsLosses(w io.Writer, r *sim.Result) {
	fmt.Fprintf(w, "\nWho gains, who loses: change by group (income quintiles of the city's households, q1 the poorest)\n\n")
	fmt.Fprintf(w, "%-14s", "group")
	for _, h := range headline {
		fmt.Fprintf(w, " %14s", h.title)
	}
	fmt.Fprintf(w, " %14s\n", "better / worse")
	for _, g := range sim.GroupKeys() {
		fmt.Fprintf(w, "%-14s", g)
		better, worse := 0, 0
		for _, h := range headline {
			d := r.GroupDelta.Get(g, h.key)
			fmt.Fprintf(w, " %14s", fmtValue(d))
			if d != 0 && (d < 0) == h.lowerBetter {
				better++
			} else if d != 0 {
				worse++
			}
		}
		fmt.Fprintf(w, " %14s\n", fmt.Sprintf("%d / %d", better, worse))
	}
}

func cmdCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("compare", "compare A.json B.json ...", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		fs.Usage()
		return badInput("compare needs at least one scenario")
	}
	var results []*sim.Result
	header := []string{"baseline"}
	for _, p := range pos {
		l, err := loadScenario(p)
		if err != nil {
			return err
		}
		r, err := l.evaluate()
		if err != nil {
			return err
		}
		if len(results) > 0 && r.City != results[0].City {
			return badInput("%s: city %s differs from %s: compare scenarios of one city", p, maps.ShortName(r.City), maps.ShortName(results[0].City))
		}
		results = append(results, r)
		header = append(header, filepath.Base(p))
	}
	fmt.Fprintf(stdout, "Scenarios on %s: baseline, then each scenario's value\n\n", shown(results[0].City, 80))
	printTable(stdout, header, func(k string) []float64 {
		row := []float64{results[0].Baseline.City.Get(k)}
		for _, r := range results {
			row = append(row, r.Scenario.City.Get(k))
		}
		return row
	})
	fmt.Fprintf(stdout, "\nChange from baseline\n\n")
	printTable(stdout, header[1:], func(k string) []float64 {
		var row []float64
		for _, r := range results {
			row = append(row, r.Delta.Get(k))
		}
		return row
	})
	fmt.Fprintf(stdout, "\nBy group: baseline, then each scenario's change (income quintiles of the city's households, q1 the poorest)\n\n")
	fmt.Fprintf(stdout, "%-44s", "group indicator")
	for _, h := range header {
		fmt.Fprintf(stdout, " %16s", shown(h, 16))
	}
	fmt.Fprintln(stdout)
	for _, g := range sim.GroupKeys() {
		for _, h := range headline {
			fmt.Fprintf(stdout, "%-44s %16s", g+" "+h.key, fmtValue(results[0].Baseline.Groups.Get(g, h.key)))
			for _, r := range results {
				fmt.Fprintf(stdout, " %16s", fmtValue(r.GroupDelta.Get(g, h.key)))
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}
