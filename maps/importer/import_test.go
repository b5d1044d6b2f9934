package importer

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barri-city/barri/internal/shareddata"
	"github.com/barri-city/barri/sim"
)

func TestImportBarcelona(t *testing.T) {
	d := shareddata.Dir(t)
	c, rep, err := Import(Options{
		Name:      "bcn",
		Zones:     filepath.Join(d, "housing/barris_indicators.geojson"),
		OSM:       filepath.Join(d, "osm/bcn_nova_esquerra_eixample_2012.osm"),
		Buildings: filepath.Join(d, "buildings/eixample_osm_buildings_2026.geojson"),
		Stops:     filepath.Join(d, "mobility/transport_public_estacions_bcn.geojson"),
		Amenities: filepath.Join(d, "amenities/equipaments_bcn.geojson"),
		Ages:      filepath.Join(d, "buildings/seccions_censals_edat_edificis.geojson"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log(out.String())
	if len(c.Buildings) < 2500 || len(c.Segments) < 300 || len(c.Stops) < 50 || len(c.Amenities) < 100 {
		t.Fatalf("too little imported: %d buildings, %d segments, %d stops, %d amenities", len(c.Buildings), len(c.Segments), len(c.Stops), len(c.Amenities))
	}
	zones := map[string]bool{}
	for _, z := range c.Zones {
		zones[z.Name] = true
		if z.RentEurMonth <= 0 || z.IncomePerCapita <= 0 || z.Households <= 0 {
			t.Errorf("zone %s lacks statistics: %+v", z.Name, z)
		}
	}
	for _, want := range []string{"la Dreta de l'Eixample", "la Nova Esquerra de l'Eixample", "Sant Antoni"} {
		if !zones[want] {
			t.Errorf("zone %s missing", want)
		}
	}
	// Every drop and every fill-in is reported.
	for _, s := range []string{"imputed", "year", "census section", "not connected", "outside the city"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report does not mention %q", s)
		}
	}
	// The city runs.
	r, err := sim.Evaluate(c, &sim.Scenario{City: "bcn"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range sim.IndicatorKeys() {
		if v := r.Baseline.City.Get(k); v != v {
			t.Errorf("indicator %s = %v", k, v)
		}
	}
}

func TestImportGirona(t *testing.T) {
	c, rep, err := Import(Options{Name: "girona", OSM: shareddata.Path(t, "fixtures/girona_carme_2014.osm")})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Buildings) < 800 || len(c.Segments) < 200 {
		t.Fatalf("Girona: %d buildings, %d segments", len(c.Buildings), len(c.Segments))
	}
	if len(rep.Imputed) == 0 {
		t.Error("Girona has no levels or dates: the report must say they were imputed")
	}
	if _, err := sim.Evaluate(c, &sim.Scenario{City: "girona"}); err != nil {
		t.Fatal(err)
	}
}
