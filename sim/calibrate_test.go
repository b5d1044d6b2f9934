package sim_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/barri-city/barri/internal/shareddata"
	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/maps/importer"
	"github.com/barri-city/barri/sim"
)

// TestEixampleReproducesBarcelona: with the default (calibrated) parameters
// the built-in Eixample meets every published target within tolerance.
func TestEixampleReproducesBarcelona(t *testing.T) {
	c := maps.Eixample()
	for _, tg := range sim.Targets(c, sim.Baseline(c, sim.DefaultParams())) {
		t.Log(tg)
		if !tg.Met() {
			t.Errorf("%s: model %.4g, published %.4g", tg.Name, tg.Model, tg.Published)
		}
	}
}

// TestCalibrateConverges: fitting again from the defaults changes them little,
// and fitting from a poor start reaches the targets.
func TestCalibrateConverges(t *testing.T) {
	c := maps.Eixample()
	p, _, _ := sim.Calibrate(c, sim.DefaultParams())
	d := sim.DefaultParams()
	for _, k := range sim.CalibratedParams {
		if rel := math.Abs(p[k]-d[k]) / math.Max(math.Abs(d[k]), 1e-9); rel > 0.01 {
			t.Errorf("%s: default %v, calibrated %v: update the default", sim.ParamDefs()[k].Name, d[k], p[k])
		}
	}
	start := sim.DefaultParams()
	start[sim.PASCBike], start[sim.PASCCar], start[sim.PExternalKm], start[sim.PResEnergyScale] = 0, 0, 3, 1
	_, targets, n := sim.Calibrate(c, start)
	for _, tg := range targets {
		if !tg.Met() {
			t.Errorf("from a poor start, after %d iterations: %s", n, tg)
		}
	}
}

// TestImportedCityRents: a city imported from ../shared/data meets the
// published rents per barri within 10%.
func TestImportedCityRents(t *testing.T) {
	d := shareddata.Dir(t)
	c, _, err := importer.Import(importer.Options{Name: "bcn",
		Zones:     filepath.Join(d, "housing/barris_indicators.geojson"),
		OSM:       filepath.Join(d, "osm/bcn_nova_esquerra_eixample_2012.osm"),
		Buildings: filepath.Join(d, "buildings/eixample_osm_buildings_2026.geojson"),
		Ages:      filepath.Join(d, "buildings/seccions_censals_edat_edificis.geojson"),
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tg := range sim.Targets(c, sim.Baseline(c, sim.DefaultParams())) {
		if len(tg.Name) > 5 && tg.Name[:5] == "rent:" {
			n++
			if !tg.Met() {
				t.Errorf("%s", tg)
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d barris with rents in the imported city", n)
	}
}
