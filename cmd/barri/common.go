package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
	data []byte // the file as read: its digest identifies the scenario in a batch
	sc   *sim.Scenario
	city *sim.City
}

// maxScenarioBytes bounds a scenario file, as sim.DecodeScenario does.
const maxScenarioBytes = sim.MaxScenarioBytes

// readInput reads a whole input file of at most max bytes. Only regular
// files: a FIFO or a device (/dev/zero, /dev/stdin) would block or never end.
func readInput(path string, max int64) ([]byte, error) {
	// Stat before opening: opening a FIFO waits for a writer.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s): give the path of a file", st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s): give the path of a file", st.Mode().Type())
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%d bytes, more than the %d MB a scenario may have", st.Size(), max>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("more than the %d MB a scenario may have", max>>20)
	}
	return data, nil
}

// readScenario reads a scenario file, or a built-in example by name, and
// returns it with the bytes it was read from.
func readScenario(path string) (*sim.Scenario, []byte, error) {
	data, err := readInput(path, maxScenarioBytes)
	if err != nil {
		if builtin, ok := scenarios.Read(path); ok && errors.Is(err, os.ErrNotExist) {
			data = builtin
		} else if errors.Is(err, os.ErrNotExist) {
			return nil, nil, badInput("%s: no such file, and no example of that name (barri cities lists them)", path)
		} else {
			return nil, nil, badInput("%s: %v", path, err)
		}
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err) // a *sim.ScenarioError or *sim.EditError: exit status 2
	}
	return sc, data, nil
}

// cityPath is where a scenario's city is looked for: a built-in name as it
// is, a path as given when it exists, else relative to the scenario file.
func cityPath(scenarioPath, name string) string {
	if name == "eixample" || maps.SeedMatters(name) || filepath.IsAbs(name) {
		return name
	}
	if _, err := os.Stat(name); err == nil {
		return name
	}
	if rel := filepath.Join(filepath.Dir(scenarioPath), name); fileExists(rel) {
		return rel
	}
	return name
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// loadScenario reads a scenario and loads its city (with the scenario's seed).
func loadScenario(path string) (*loadedScenario, error) {
	return loadScenarioWith(path, maps.Load)
}

// loadScenarioWith is loadScenario with another city loader (batch shares
// one city between the scenarios that name it).
func loadScenarioWith(path string, load func(name string, seed uint64) (*sim.City, error)) (*loadedScenario, error) {
	sc, data, err := readScenario(path)
	if err != nil {
		return nil, err
	}
	city, err := load(cityPath(path, sc.City), sc.Seed)
	if err != nil {
		return nil, badInput("%s: city: %v", path, err)
	}
	return &loadedScenario{path: path, data: data, sc: sc, city: city}, nil
}

// shown is a name from an input (a scenario's or a city's) ready for the
// terminal: control characters escaped (an ANSI escape cannot drive the
// terminal) and cut to n characters.
func shown(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

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
		fmt.Fprintf(stdout, "%s: ok (%d edits on %s)\n", p, len(l.sc.Edits), shown(l.city.Name, 80))
	}
	return nil
}

// printTable writes indicator rows: key, then one column per value set.
func printTable(w io.Writer, header []string, rows func(key string) []float64) {
	fmt.Fprintf(w, "%-32s", "indicator")
	for _, h := range header {
		fmt.Fprintf(w, " %16s", shown(h, 16))
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
