// Command barri is Barri's command line: run, compare and batch scenarios,
// validate scenario files, import cities, and list the built-in cities.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/barri-city/barri/sim"
)

// usageError marks bad usage or invalid input: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badInput(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

const usage = `barri: a participatory urban-planning simulator

Usage:
  barri run SCENARIO.json [--out DIR]      indicators of one scenario: baseline, scenario, delta
  barri compare A.json B.json ...          scenarios side by side
  barri batch SCENARIO.json... [flags]     many runs to one CSV (resumable, shardable)
  barri validate SCENARIO.json...          check scenario files against their city
  barri import [layers] --out CITY.barri   build a city file from GeoJSON and OpenStreetMap
  barri cities                             the built-in cities and example scenarios
  barri calibrate [--city eixample]        fit the models to published Barcelona figures
  barri serve [--addr A] [--data DIR]      the workshop server and web app
  barri verify LOG.json                    check an exported workshop log (hash chain and rules)
  barri loadtest [flags] URL               simulated participants against a workshop server

A SCENARIO may also name a built-in example, e.g. "barri run superilla-hospital-clinic".
Run "barri COMMAND --help" for a command's flags.
Exit status: 0 success, 1 failure while running, 2 bad usage or invalid input.
`

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if code := exitCode(err); code != 0 {
		fmt.Fprintln(os.Stderr, "barri:", err)
		os.Exit(code)
	}
}

// exitCode maps an error to the exit status by its type: 0 success (or help
// shown), 2 bad usage (usageError) or invalid input (sim.ErrInvalid: a
// scenario, edit, parameter or city that is wrong), 1 any other failure.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue), errors.Is(err, sim.ErrInvalid):
		return 2
	}
	return 1
}

var errHelp = errors.New("help shown")

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return badInput("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "compare":
		return cmdCompare(rest, stdout, stderr)
	case "batch":
		return cmdBatch(rest, stdout, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "import":
		return cmdImport(rest, stdout, stderr)
	case "cities":
		return cmdCities(rest, stdout, stderr)
	case "calibrate":
		return cmdCalibrate(rest, stdout, stderr)
	case "serve":
		return cmdServe(rest, stdout, stderr)
	case "verify":
		return cmdVerify(rest, stdout, stderr)
	case "loadtest":
		return cmdLoadtest(rest, stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return badInput("unknown command %q", cmd)
}
