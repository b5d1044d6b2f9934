package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

func cmdCalibrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate", "calibrate [--city eixample|CITY.barri] [--seed N]", stderr)
	city := fs.String("city", "eixample", "the `city` to fit: a built-in name or a city file")
	seed := fs.Uint64("seed", 1, "seed for synthetic cities")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badInput("calibrate takes flags only, not %q", pos[0])
	}
	c, err := maps.Load(*city, *seed)
	if err != nil {
		return badInput("calibrate: %v", err)
	}
	start := sim.DefaultParams()
	before := sim.Targets(c, sim.Baseline(c, start))
	p, after, n := sim.Calibrate(c, start)
	fmt.Fprintf(stdout, "Calibration of %s against published Barcelona figures (%d iterations)\n\n", c.Name, n)
	fmt.Fprintf(stdout, "%-46s %12s %12s %12s %9s\n", "target", "published", "defaults", "fitted", "tolerance")
	missed := 0
	for i, t := range after {
		tol := fmt.Sprintf("±%.0f%%", t.Tolerance*100)
		if t.Points {
			tol = fmt.Sprintf("±%.0f pts", t.Tolerance*100)
		}
		mark := "ok"
		if !t.Met() {
			mark = "MISSED"
			missed++
		}
		fmt.Fprintf(stdout, "%-46s %12.4g %12.4g %12.4g %9s  %s\n", t.Name, t.Published, before[i].Model, t.Model, tol, mark)
	}
	fmt.Fprintf(stdout, "\nFitted parameters (defaults in sim/params.go):\n")
	d := sim.DefaultParams()
	for _, k := range sim.CalibratedParams {
		def := sim.ParamDefs()[k]
		fmt.Fprintf(stdout, "  %-24s %12s  (default %s) %s\n", def.Name, strconv.FormatFloat(p[k], 'g', 6, 64),
			strconv.FormatFloat(d[k], 'g', 6, 64), def.Unit)
	}
	if missed > 0 {
		return fmt.Errorf("calibrate: %d targets missed", missed)
	}
	return nil
}
