package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

// newFlags returns a flag set that prints its usage to stderr and reports
// errors as bad usage.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: barri %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses flags anywhere among the arguments (flags may follow the
// files) and returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// loadedScenario is a scenario file with the city it names.
type loadedScenario struct {
	path string
	sc   *sim.Scenario
	city *sim.City
}

// readScenario reads a scenario file, or a built-in example by name.
func readScenario(path string) (*sim.Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if builtin, ok := scenarios.Read(path); ok && errors.Is(err, os.ErrNotExist) {
			data = builtin
		} else if errors.Is(err, os.ErrNotExist) {
			return nil, badInput("%s: no such file, and no example of that name (barri cities lists them)", path)
		} else {
			return nil, badInput("%s: %v", path, err)
		}
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err) // a *sim.ScenarioError or *sim.EditError: exit status 2
	}
	return sc, nil
}

// loadScenario reads a scenario and loads its city. A city path is taken
// relative to the scenario file when it is not found as given.
func loadScenario(path string) (*loadedScenario, error) {
	sc, err := readScenario(path)
	if err != nil {
		return nil, err
	}
	name := sc.City
	if strings.HasSuffix(name, ".barri") && !filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			name = filepath.Join(filepath.Dir(path), name)
		}
	}
	city, err := maps.Load(name, sc.Seed)
	if err != nil {
		return nil, badInput("%s: city: %v", path, err)
	}
	return &loadedScenario{path: path, sc: sc, city: city}, nil
}

// evaluate runs a loaded scenario.
func (l *loadedScenario) evaluate() (*sim.Result, error) {
	r, err := sim.Evaluate(l.city, l.sc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.path, err) // exitCode tells invalid input (sim.ErrInvalid) from failures
	}
	return r, nil
}

func cmdCities(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cities", "cities", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badInput("cities takes no arguments")
	}
	fmt.Fprintln(stdout, "Built-in cities:")
	for _, c := range maps.Builtins() {
		fmt.Fprintf(stdout, "  %-14s %s\n", c.Name, c.Description)
	}
	fmt.Fprintln(stdout, "\nExample scenarios (barri run NAME):")
	for _, n := range scenarios.Names() {
		fmt.Fprintf(stdout, "  %s\n", n)
	}
	return nil
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "validate SCENARIO.json...", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return badInput("validate needs at least one scenario file")
	}
	for _, p := range pos {
		l, err := loadScenario(p)
		if err != nil {
			return err
		}
		if err := l.sc.Validate(l.city); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		fmt.Fprintf(stdout, "%s: ok (%d edits on %s)\n", p, len(l.sc.Edits), l.city.Name)
	}
	return nil
}

// printTable writes indicator rows: key, then one column per value set.
func printTable(w io.Writer, header []string, rows func(key string) []float64) {
	fmt.Fprintf(w, "%-32s", "indicator")
	for _, h := range header {
		fmt.Fprintf(w, " %16s", truncate(h, 16))
	}
	fmt.Fprintln(w)
	for _, k := range sim.IndicatorKeys() {
		fmt.Fprintf(w, "%-32s", k)
		for _, v := range rows(k) {
			fmt.Fprintf(w, " %16s", fmtValue(v))
		}
		fmt.Fprintln(w)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func fmtValue(v float64) string {
	switch a := abs(v); {
	case a == 0:
		return "0"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.4f", v)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
