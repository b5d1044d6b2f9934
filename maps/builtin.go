// Package maps brings city data in and out of Barri: the built-in cities
// (the Eixample generated from the Cerdà plan, synthetic cities), the compact
// city file, and the GeoJSON and CSV exporters. Importing GeoJSON layers and
// OpenStreetMap lives in maps/importer, which the browser build does not link.
package maps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/barri-city/barri/sim"
)

// BuiltinInfo describes a built-in city.
type BuiltinInfo struct {
	Name        string
	Description string
}

// Builtins lists the built-in cities.
func Builtins() []BuiltinInfo {
	return []BuiltinInfo{
		{"eixample", "the Eixample of Barcelona generated from the Cerdà plan: six barris with published statistics"},
		{"synthetic-N", "a generated grid city of about N buildings (e.g. synthetic-100000), deterministic from the seed"},
	}
}

var (
	eixampleOnce sync.Once
	eixampleCity *sim.City
)

// Load returns a city by name: "eixample", "synthetic-N", or the path of a
// city file written by barri import (any path: the suffix .barri is the
// custom, not a rule). The seed only matters for synthetic cities (see
// SeedMatters).
func Load(name string, seed uint64) (*sim.City, error) {
	switch {
	case name == "eixample":
		eixampleOnce.Do(func() { eixampleCity = Eixample() })
		return eixampleCity, nil
	case strings.HasPrefix(name, "synthetic-"):
		n, err := strconv.Atoi(strings.TrimPrefix(name, "synthetic-"))
		if err != nil || n < 1 || n > 2_000_000 {
			return nil, fmt.Errorf("maps: %s: synthetic-N needs N from 1 to 2000000 buildings", ShortName(name))
		}
		return Synthetic(n, seed), nil
	}
	if _, err := os.Stat(name); err != nil {
		var pe *fs.PathError
		if errors.Is(err, os.ErrNotExist) || (errors.As(err, &pe) && len(name) > 4096) {
			return nil, fmt.Errorf("maps: unknown city %s: use eixample, synthetic-N or the path of a city file written by barri import (barri cities lists the built-in ones)", ShortName(name))
		}
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("maps: city %s: %v", ShortName(name), err)
	}
	return ReadCityFile(name)
}

// SeedMatters reports whether the city of that name depends on the seed
// given to Load: true for synthetic-N, false for the Eixample and city files.
func SeedMatters(name string) bool { return strings.HasPrefix(name, "synthetic-") }

// ShortName shows a name that came from a file in a message: quoted, with
// control characters (ANSI escapes included) escaped, and cut to 80
// characters, so that a hostile or mistaken name cannot flood or drive the
// terminal.
func ShortName(s string) string {
	if r := []rune(s); len(r) > 80 {
		return strconv.Quote(string(r[:79])) + fmt.Sprintf("… (%d characters)", len(r))
	}
	return strconv.Quote(s)
}

// residentialArea is sim.ResidentialArea of a building as built. Its use is
// one of sim.Uses: the built-in cities give no other.
func residentialArea(b *sim.Building) float64 {
	u, _ := sim.UseCodeOf(b.Use)
	st := sim.BuildingState{Floors: b.Floors, FloorArea: b.FloorArea, Use: u}
	return sim.ResidentialArea(&st)
}
