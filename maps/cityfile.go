package maps

import (
	"fmt"

	"github.com/barri-city/barri/sim"
)

// ReadCityFile reads a city file written by WriteCityFile.
func ReadCityFile(path string) (*sim.City, error) {
	return nil, fmt.Errorf("maps: %s: not implemented yet", path)
}
