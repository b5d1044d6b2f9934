// Package maps brings city data in and out of Barri: the built-in cities
// (the Eixample generated from the Cerdà plan, synthetic cities), the compact
// city file, and the GeoJSON and CSV exporters. Importing GeoJSON layers and
// OpenStreetMap lives in maps/importer, which the browser build does not link.
package maps

import (
	"fmt"
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

// Load returns a city by name: "eixample", "synthetic-N", or a path to a city
// file written by barri import. The seed only matters for synthetic cities.
func Load(name string, seed uint64) (*sim.City, error) {
	switch {
	case name == "eixample":
		eixampleOnce.Do(func() { eixampleCity = Eixample() })
		return eixampleCity, nil
	case strings.HasPrefix(name, "synthetic-"):
		n, err := strconv.Atoi(strings.TrimPrefix(name, "synthetic-"))
		if err != nil || n < 1 || n > 2_000_000 {
			return nil, fmt.Errorf("maps: %q: synthetic-N needs N from 1 to 2000000 buildings", name)
		}
		return Synthetic(n, seed), nil
	case strings.HasSuffix(name, ".barri") || strings.ContainsAny(name, "/\\"):
		return ReadCityFile(name)
	}
	return nil, fmt.Errorf("maps: unknown city %q: use eixample, synthetic-N or the path of a .barri city file (barri cities lists them)", name)
}

// residentialArea is sim.ResidentialArea of a building as built. Its use is
// one of sim.Uses: the built-in cities give no other.
func residentialArea(b *sim.Building) float64 {
	u, _ := sim.UseCodeOf(b.Use)
	st := sim.BuildingState{Floors: b.Floors, FloorArea: b.FloorArea, Use: u}
	return sim.ResidentialArea(&st)
}
