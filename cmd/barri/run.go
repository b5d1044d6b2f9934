package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	if *out == "" {
		return nil
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("run: %v", err)
	}
	write := func(name string, f func(io.Writer) error) error {
		path := filepath.Join(*out, name)
		tmp, err := os.CreateTemp(*out, "."+name+".*")
		if err != nil {
			return fmt.Errorf("run: %v", err)
		}
		if err := f(tmp); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return fmt.Errorf("run: writing %s: %v", path, err)
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("run: writing %s: %v", path, err)
		}
		return os.Rename(tmp.Name(), path)
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
	return nil
}
