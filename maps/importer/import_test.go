package importer

import (
	"bytes"
	"fmt"
	"os"
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

// writeLayer writes a GeoJSON FeatureCollection of the given features.
func writeLayer(t *testing.T, dir, name string, features ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(features, ",\n")+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallStreets is a connected street cross near 2.152, 41.380.
func smallStreets(t *testing.T, dir string) string {
	return writeLayer(t, dir, "streets.geojson",
		`{"type":"Feature","properties":{"highway":"residential","name":"Carrer A"},"geometry":{"type":"LineString","coordinates":[[2.150,41.380],[2.152,41.380],[2.154,41.380]]}}`,
		`{"type":"Feature","properties":{"highway":"residential","name":"Carrer B"},"geometry":{"type":"LineString","coordinates":[[2.152,41.379],[2.152,41.380],[2.152,41.382]]}}`)
}

// square is a building footprint of about 40 × 45 m with its south-west corner at lon, lat.
func square(id string, lon, lat float64, props string) string {
	d, e := 0.0005, 0.0004
	return fmt.Sprintf(`{"type":"Feature","id":%q,"properties":{%s},"geometry":{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}}`,
		id, props, lon, lat, lon+d, lat, lon+d, lat+e, lon, lat+e, lon, lat)
}

// TestTagsAndPropertiesMergeInFixedOrder: a key both among a feature's
// nested OSM tags and its top-level properties takes the top-level value,
// every time (it took either, in map order).
func TestTagsAndPropertiesMergeInFixedOrder(t *testing.T) {
	data := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1,"building:levels":"7","b":2,"tags":{"building:levels":"3","name":"Casa","c":3},"d":4},"geometry":{"type":"Point","coordinates":[2.15,41.38]}}]}`)
	for i := 0; i < 50; i++ {
		feats, err := ReadGeoJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := feats[0].Str("building:levels"); got != "7" {
			t.Fatalf("read %d: building:levels = %q, want the top-level \"7\"", i, got)
		}
		if got := feats[0].Str("name"); got != "Casa" {
			t.Fatalf("read %d: the tag name is lost: %q", i, got)
		}
	}
}

// TestRefusedLevelsAreNamed: a building whose building:levels is -3 (or not
// a number) gets its floors filled in, and the report names the file, the
// feature and the value.
func TestRefusedLevelsAreNamed(t *testing.T) {
	dir := t.TempDir()
	bld := writeLayer(t, dir, "b.geojson",
		square("ok", 2.1505, 41.3801, `"building":"apartments","building:levels":"6"`),
		square("minus", 2.1515, 41.3801, `"building":"apartments","building:levels":"-3"`),
		square("words", 2.1525, 41.3801, `"building":"apartments","building:levels":"many"`))
	_, rep, err := Import(Options{Streets: smallStreets(t, dir), Buildings: bld})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, w := range []string{bld, "feature 1 (minus): building:levels = \"-3\"", "feature 2 (words): building:levels = \"many\"", "floors filled in"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, out.String())
		}
	}
	if strings.Contains(out.String(), "(ok)") {
		t.Errorf("the good building is named:\n%s", out.String())
	}
}

// TestLayerThatKeepsNothingFails: a layer the user gave of which nothing is
// kept (another city, lon/lat swapped, an empty collection) fails, naming
// the file and why; a partly kept layer says how much was kept.
func TestLayerThatKeepsNothingFails(t *testing.T) {
	dir := t.TempDir()
	streets := smallStreets(t, dir)
	farZone := `{"type":"Feature","properties":{"name":"Midtown","population":100,"households":40},"geometry":{"type":"Polygon","coordinates":[[[-73.99,40.75],[-73.98,40.75],[-73.98,40.76],[-73.99,40.76],[-73.99,40.75]]]}}`
	swapped := square("swapped", 41.3801, 2.1505, `"building":"yes"`)
	for _, tc := range []struct {
		name  string
		opts  Options
		wants []string
	}{
		{"zones of another city", Options{Streets: streets, Zones: writeLayer(t, dir, "nyc.geojson", farZone)}, []string{"nyc.geojson", "none of its 1 features", "outside the streets' extent"}},
		{"buildings with lon/lat swapped", Options{Streets: streets, Buildings: writeLayer(t, dir, "swapped.geojson", swapped)}, []string{"swapped.geojson", "none of its 1 features", "outside the street network"}},
		{"empty buildings", Options{Streets: streets, Buildings: writeLayer(t, dir, "empty.geojson")}, []string{"empty.geojson", "no features"}},
		{"stops of another city", Options{Streets: streets, Stops: writeLayer(t, dir, "stops.geojson", `{"type":"Feature","properties":{"mode":"bus"},"geometry":{"type":"Point","coordinates":[-73.98,40.75]}}`)}, []string{"stops.geojson", "outside the city"}},
		{"amenities of another city", Options{Streets: streets, Amenities: writeLayer(t, dir, "am.geojson", `{"type":"Feature","properties":{"kind":"school"},"geometry":{"type":"Point","coordinates":[-73.98,40.75]}}`)}, []string{"am.geojson", "outside the city"}},
		{"ages of another city", Options{Streets: streets, Ages: writeLayer(t, dir, "ages.geojson", strings.Replace(farZone, `"population":100`, `"mean_age_years":50`, 1))}, []string{"ages.geojson", "none of its 1 areas"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Import(tc.opts)
			if err == nil {
				t.Fatal("the import succeeded")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	bld := writeLayer(t, dir, "part.geojson", square("in", 2.1505, 41.3801, `"building":"yes"`), swapped, square("in2", 2.1515, 41.3801, `"building":"yes"`))
	_, rep, err := Import(Options{Streets: streets, Buildings: bld})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if !strings.Contains(out.String(), bld+" (buildings): kept 2 of 3 features") {
		t.Errorf("report does not say how much of the layer was kept:\n%s", out.String())
	}
}

// TestZoneStatisticsAreCheckedAndNamed: an impossible zone statistic
// (negative, not a number) fails naming the zone; a missing, null or 0 one is
// filled in and the report names the zone.
func TestZoneStatisticsAreCheckedAndNamed(t *testing.T) {
	dir := t.TempDir()
	streets := smallStreets(t, dir)
	zone := func(name, props string) string {
		return fmt.Sprintf(`{"type":"Feature","properties":{"name":%q%s},"geometry":{"type":"Polygon","coordinates":[[[2.149,41.379],[2.156,41.379],[2.156,41.383],[2.149,41.383],[2.149,41.379]]]}}`, name, props)
	}
	bld := writeLayer(t, dir, "b.geojson", square("a", 2.1505, 41.3801, `"building":"apartments","building:levels":"5"`))
	for _, tc := range []struct {
		name, props string
		fails       bool
		wants       []string
	}{
		{"negative population", `,"population":-5,"households":2,"income":20000,"rent_eur_month":900,"rent_eur_m2_month":12`, true, []string{`zone "Z"`, "population = -5 is negative"}},
		{"population a string", `,"population":"lots","households":2,"income":20000,"rent_eur_month":900,"rent_eur_m2_month":12`, true, []string{`zone "Z"`, `population = "lots" is not a number`}},
		{"negative rent", `,"population":5,"households":2,"income":20000,"rent_eur_month":-900,"rent_eur_m2_month":12`, true, []string{"rent_eur_month = -900"}},
		{"population missing", `,"households":2,"income":20000,"rent_eur_month":900,"rent_eur_m2_month":12`, false, []string{"household size", "Barcelona's 2.42: Z"}},
		{"households 0", `,"population":5,"households":0,"income":20000,"rent_eur_month":900,"rent_eur_m2_month":12`, false, []string{"household size", ": Z"}},
		{"income null", `,"population":5,"households":2,"income":null,"rent_eur_month":900,"rent_eur_m2_month":12`, false, []string{"income", "Barcelona's 22994: Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rep, err := Import(Options{Streets: streets, Buildings: bld, Zones: writeLayer(t, dir, "z.geojson", zone("Z", tc.props))})
			if tc.fails {
				if err == nil {
					t.Fatal("the import succeeded")
				}
				for _, w := range append(tc.wants, "z.geojson") {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep.Print(&out)
			for _, w := range tc.wants {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	// A clean zone: nothing about it is filled in.
	_, rep, err := Import(Options{Streets: streets, Buildings: bld, Zones: writeLayer(t, dir, "z.geojson", zone("Z", `,"population":5,"households":2,"income":20000,"rent_eur_month":900,"rent_eur_m2_month":12`))})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if strings.Contains(out.String(), ": Z") {
		t.Errorf("a clean zone is reported as filled in:\n%s", out.String())
	}
}

// TestAntimeridianIsRefused: a polygon crossing ±180° would be read as
// spanning the globe; it is refused, naming the feature.
func TestAntimeridianIsRefused(t *testing.T) {
	_, err := ReadGeoJSON(strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Fiji"},"geometry":{"type":"Polygon","coordinates":[[[179,41],[-179,41],[-179,42],[179,42],[179,41]]]}}]}`))
	if err == nil || !strings.Contains(err.Error(), "feature 0") || !strings.Contains(err.Error(), "antimeridian") {
		t.Fatalf("error %v, want one naming feature 0 and the antimeridian", err)
	}
}
