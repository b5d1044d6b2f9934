package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inEixample is a lon/lat square over a few blocks of the Esquerra.
const inEixample = `{"type":"Polygon","coordinates":[[[2.1540,41.3840],[2.1580,41.3840],[2.1580,41.3870],[2.1540,41.3870],[2.1540,41.3840]]]}`

func scenarioWith(edits string) string {
	return `{"barri": 1, "name": "t", "city": "eixample", "edits": [` + edits + `]}`
}

// TestBadInputCatalogue: every bad input gives exit status 2 and a message
// naming the file and the place in it.
func TestBadInputCatalogue(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	type tc struct {
		name  string
		args  func() []string
		wants []string // substrings of stderr, besides the file name
		file  bool     // whether the message must name the input file
	}
	runFile := func(file, content string) func() []string {
		return func() []string { return []string{"run", write(file, content)} }
	}
	cases := []tc{
		{"malformed JSON", runFile("syntax.json", "{\"barri\": 1,\n  \"city\": eixample\n}"), []string{"line 2, column"}, true},
		{"empty file", runFile("empty.json", ""), []string{"empty or cut short"}, true},
		{"cut short", runFile("cut.json", `{"barri": 1, "city": "eixample", "edits": [`), []string{"cut short"}, true},
		{"NaN literal", runFile("nan.json", scenarioWith(`{"op":"solar","area":`+inEixample+`,"roof_coverage":NaN}`)), []string{"line 1, column"}, true},
		{"huge number", runFile("huge.json", scenarioWith(`{"op":"solar","area":`+inEixample+`,"roof_coverage":1e999}`)), []string{"roof_coverage", "column"}, true},
		{"wrong type", runFile("type.json", `{"barri":1,"city":"eixample","seed":"abc","edits":[]}`), []string{`field "seed"`, "line 1"}, true},
		{"unknown field", runFile("field.json", scenarioWith(`{"op":"park","aera":`+inEixample+`}`)), []string{`unknown field "aera"`}, true},
		{"trailing data", runFile("trailing.json", scenarioWith("")+"}"), []string{"line 1"}, true},
		{"future version", runFile("future.json", `{"barri":7,"city":"eixample","edits":[]}`), []string{"version 7"}, true},
		{"missing city", runFile("nocity.json", `{"barri":1,"edits":[]}`), []string{`"city" is empty`}, true},
		{"unknown city", runFile("atlantis.json", `{"barri":1,"city":"atlantis","edits":[]}`), []string{`unknown city "atlantis"`}, true},
		{"missing op", runFile("noop.json", scenarioWith(`{"area":`+inEixample+`}`)), []string{`edit 0 ()`, `"op" is missing`}, true},
		{"unknown op", runFile("teleport.json", scenarioWith(`{"op":"teleport"}`)), []string{`edit 0 (teleport): unknown op`}, true},
		{"polygon outside the city", runFile("outside.json", scenarioWith(`{"op":"park","area":{"type":"Polygon","coordinates":[[[2.0,41.0],[2.01,41.0],[2.01,41.01],[2.0,41.01],[2.0,41.0]]]}}`)), []string{"edit 0 (park)", "outside the city"}, true},
		{"self-intersecting polygon", runFile("bowtie.json", scenarioWith(`{"op":"park","area":{"type":"Polygon","coordinates":[[[2.154,41.384],[2.158,41.387],[2.158,41.384],[2.154,41.387],[2.154,41.384]]]}}`)), []string{"edit 0 (park)", "intersects itself"}, true},
		{"unclosed ring", runFile("open.json", scenarioWith(`{"op":"park","area":{"type":"Polygon","coordinates":[[[2.154,41.384],[2.158,41.384],[2.158,41.387],[2.154,41.387]]]}}`)), []string{"edit 0 (park)", "not closed"}, true},
		{"too few points", runFile("few.json", scenarioWith(`{"op":"park","area":{"type":"Polygon","coordinates":[[[2.154,41.384],[2.158,41.384],[2.154,41.384]]]}}`)), []string{"edit 0 (park)", "at least 4"}, true},
		{"wrong CRS (projected area)", runFile("utm.json", scenarioWith(`{"op":"park","area":{"type":"Polygon","coordinates":[[[429000,4581000],[429500,4581000],[429500,4581500],[429000,4581500],[429000,4581000]]]}}`)), []string{"edit 0 (park)", "not lon/lat", "EPSG:4326"}, true},
		{"area is a point", runFile("point.json", scenarioWith(`{"op":"park","area":{"type":"Point","coordinates":[2.15,41.38]}}`)), []string{"edit 0 (park)", "must be a Polygon"}, true},
		{"value out of range", runFile("range.json", scenarioWith(`{"op":"solar","area":`+inEixample+`,"roof_coverage":2}`)), []string{"edit 0 (solar)", "roof_coverage = 2"}, true},
		{"negative dwellings", runFile("dw.json", scenarioWith(`{"op":"add_housing","building":3,"dwellings":-5}`)), []string{"edit 0 (add_housing)", "dwellings"}, true},
		{"too many dwellings", runFile("crowded.json", scenarioWith(`{"op":"add_housing","building":0,"dwellings":100000}`)), []string{"edit 0 (add_housing)", "building 0 can hold at most"}, true},
		{"unknown use", runFile("use.json", scenarioWith(`{"op":"rezone","area":`+inEixample+`,"use":"casino"}`)), []string{"edit 0 (rezone)", `use "casino"`}, true},
		{"unknown retrofit level", runFile("level.json", scenarioWith(`{"op":"retrofit","area":`+inEixample+`,"level":"medium"}`)), []string{"edit 0 (retrofit)", `level "medium"`}, true},
		{"street selector matches nothing", runFile("nostreet.json", scenarioWith(`{"op":"park","area":`+inEixample+`},{"op":"bike_lane","streets":{"name":"Carrer de la Lluna Plena"}}`)), []string{"edit 1 (bike_lane)", "no street named"}, true},
		{"empty street selector", runFile("emptysel.json", scenarioWith(`{"op":"bike_lane","streets":{}}`)), []string{"edit 0 (bike_lane)", "selector"}, true},
		{"street id out of range", runFile("id.json", scenarioWith(`{"op":"pedestrianize","streets":{"ids":[1,99999]}}`)), []string{"edit 0 (pedestrianize)", "street 99999 does not exist"}, true},
		{"unknown parameter", runFile("param.json", `{"barri":1,"city":"eixample","params":{"warp_speed":9},"edits":[]}`), []string{`unknown parameter "warp_speed"`}, true},
		{"parameter out of range", runFile("param2.json", scenarioWith(`{"op":"param","name":"bpr_beta","value":99}`)), []string{"edit 0 (param)", "bpr_beta = 99"}, true},
		{"stop outside the city", runFile("stop.json", scenarioWith(`{"op":"transit_stop","at":[2.3,41.5],"mode":"bus","headway_min":6}`)), []string{"edit 0 (transit_stop)", "outside the city"}, true},
		{"superblock without interior streets", runFile("tiny.json", scenarioWith(`{"op":"superblock","area":{"type":"Polygon","coordinates":[[[2.1550,41.3850],[2.1553,41.3850],[2.1553,41.3852],[2.1550,41.3852],[2.1550,41.3850]]]}}`)), []string{"edit 0 (superblock)", "no interior street"}, true},
		{"no such file", func() []string { return []string{"run", filepath.Join(dir, "missing.json")} }, []string{"no such file"}, false},
		{"not a city file", func() []string {
			write("fake.barri", "not a city")
			return []string{"run", write("fakecity.json", `{"barri":1,"city":"fake.barri","edits":[]}`)}
		}, []string{"fake.barri", "not a Barri city file"}, true},
		{"bad --vary", func() []string {
			return []string{"batch", "bus-i-bici", "--vary", "car_cost_eur_km=1:x:3", "--out", filepath.Join(dir, "v.csv")}
		}, []string{"--vary"}, false},
		{"bad --shard", func() []string {
			return []string{"batch", "bus-i-bici", "--shard", "3/2", "--out", filepath.Join(dir, "s.csv")}
		}, []string{"--shard"}, false},
		{"unknown flag", func() []string { return []string{"run", "bus-i-bici", "--fast"} }, []string{"-fast"}, false},
		{"unknown command", func() []string { return []string{"simulate"} }, []string{`unknown command "simulate"`}, false},
		{"import without streets", func() []string { return []string{"import", "--out", filepath.Join(dir, "x.barri")} }, []string{"needs streets"}, false},
		{"import: not GeoJSON", func() []string {
			return []string{"import", "--streets", write("streets.geojson", "<svg/>"), "--out", filepath.Join(dir, "x.barri")}
		}, []string{"not JSON"}, true},
		{"import: wrong CRS", func() []string {
			return []string{"import", "--streets", write("crs.geojson", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25831"}},"features":[]}`), "--out", filepath.Join(dir, "x.barri")}
		}, []string{"EPSG::25831", "reproject"}, true},
		{"import: projected coordinates", func() []string {
			return []string{"import", "--streets", write("utm.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential"},"geometry":{"type":"LineString","coordinates":[[429000,4581000],[429500,4581000]]}}]}`), "--out", filepath.Join(dir, "x.barri")}
		}, []string{"feature 0", "not lon/lat"}, true},
		{"import: zone without a name", func() []string {
			streets := write("ok.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential","name":"A"},"geometry":{"type":"LineString","coordinates":[[2.15,41.38],[2.151,41.38]]}}]}`)
			zones := write("zones.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"population":5},"geometry":{"type":"Polygon","coordinates":[[[2.149,41.379],[2.152,41.379],[2.152,41.381],[2.149,41.381],[2.149,41.379]]]}}]}`)
			return []string{"import", "--streets", streets, "--zones", zones, "--out", filepath.Join(dir, "x.barri")}
		}, []string{"zones.geojson", "feature 0", "has no name"}, false},
		// Issue 10: the batch runner, the CLI's reading and the importer under hostile input.
		{"--vary overridden by a param edit", func() []string {
			return []string{"batch", write("paramedit.json", scenarioWith(`{"op":"param","name":"car_cost_eur_km","value":0.35}`)), "--vary", "car_cost_eur_km=0.1:0.5:3", "--out", filepath.Join(dir, "pe.csv")}
		}, []string{"edit 0 (param) sets car_cost_eur_km", "override --vary"}, true},
		{"batch --out an unrelated CSV", func() []string {
			return []string{"batch", "bus-i-bici", "--out", write("other.csv", "a,b,c,d,e,f,g\n1,2,3,4,5,6,7\n")}
		}, []string{"other.csv", "not the output of a batch"}, true},
		{"batch --out with a damaged row", func() []string {
			return []string{"batch", "bus-i-bici", "--out", write("damaged.csv", strings.Join(batchHeader(), ",")+"\nx,y\n"+strings.Join(batchHeader(), ",")+"\n")}
		}, []string{"damaged.csv", "line 2", "damaged"}, true},
		{"validate /dev/zero", func() []string { return []string{"validate", "/dev/zero"} }, []string{"/dev/zero", "not a regular file"}, true},
		{"scenario too large", func() []string {
			p := filepath.Join(dir, "huge.json")
			f, _ := os.Create(p)
			f.Truncate(maxScenarioBytes + 1)
			f.Close()
			return []string{"validate", p}
		}, []string{"huge.json", "more than the 64 MB"}, true},
		{"sweep too large", func() []string {
			return []string{"batch", "bus-i-bici", "--seeds", "1000000", "--vary", "car_cost_eur_km=0.1:0.6:100000", "--out", filepath.Join(dir, "big.csv")}
		}, []string{"100000000000 runs", "--shard I/N"}, false},
		{"batch --out /dev/stdout", func() []string { return []string{"batch", "bus-i-bici", "--out", "/dev/stdout"} }, []string{"/dev/stdout", "not a regular file"}, true},
		{"batch --out /dev/full", func() []string { return []string{"batch", "bus-i-bici", "--out", "/dev/full"} }, []string{"/dev/full", "not a regular file"}, true},
		{"city is a FIFO", func() []string {
			fifo := filepath.Join(dir, "fifo.barri")
			if err := mkfifo(fifo); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			return []string{"run", write("fifocity.json", `{"barri":1,"city":"`+fifo+`","edits":[]}`)}
		}, []string{"fifo.barri", "not a regular file"}, true},
		{"scenario is a FIFO", func() []string {
			fifo := filepath.Join(dir, "fifo.json")
			if err := mkfifo(fifo); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			return []string{"validate", fifo}
		}, []string{"fifo.json", "not a regular file"}, true},
		{"import: layer is a FIFO", func() []string {
			fifo := filepath.Join(dir, "fifo.geojson")
			if err := mkfifo(fifo); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			return []string{"import", "--streets", fifo, "--out", filepath.Join(dir, "x.barri")}
		}, []string{"fifo.geojson", "not a regular file"}, true},
		{"same scenario twice", func() []string {
			a := write("a.json", `{"barri":1,"city":"eixample","edits":[]}`)
			return []string{"batch", a, write("copy-of-a.json", `{"barri":1,"city":"eixample","edits":[]}`), "--out", filepath.Join(dir, "twice.csv")}
		}, []string{"copy-of-a.json", "same scenario as"}, true},
		{"--vary with equal steps", func() []string {
			return []string{"batch", "bus-i-bici", "--vary", "car_cost_eur_km=0.1:0.1:5", "--out", filepath.Join(dir, "eq.csv")}
		}, []string{"--vary", "every step must give another value"}, false},
		{"seed that wraps", func() []string {
			return []string{"batch", write("wrap.json", `{"barri":1,"city":"eixample","seed":18446744073709551615,"edits":[]}`), "--seeds", "3", "--out", filepath.Join(dir, "wrap.csv")}
		}, []string{"seed 18446744073709551615", "wrap"}, true},
		{"1 MB city name", func() []string {
			return []string{"run", write("longcity.json", `{"barri":1,"city":"`+strings.Repeat("x", 1<<20)+`","edits":[]}`)}
		}, []string{"unknown city", "1048576 characters"}, true},
		{"import --out an input", func() []string {
			streets := write("in.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential","name":"A"},"geometry":{"type":"LineString","coordinates":[[2.15,41.38],[2.151,41.38]]}}]}`)
			return []string{"import", "--streets", streets, "--out", streets}
		}, []string{"in.geojson", "is an input"}, true},
		{"import: zones of another city", func() []string {
			streets := write("ok2.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential","name":"A"},"geometry":{"type":"LineString","coordinates":[[2.15,41.38],[2.151,41.38]]}}]}`)
			zones := write("nyc.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Midtown"},"geometry":{"type":"Polygon","coordinates":[[[-73.99,40.75],[-73.98,40.75],[-73.98,40.76],[-73.99,40.76],[-73.99,40.75]]]}}]}`)
			return []string{"import", "--streets", streets, "--zones", zones, "--out", filepath.Join(dir, "x.barri")}
		}, []string{"nyc.geojson", "none of its 1 features"}, true},
		{"import: negative population", func() []string {
			streets := write("ok3.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential","name":"A"},"geometry":{"type":"LineString","coordinates":[[2.15,41.38],[2.151,41.38]]}}]}`)
			zones := write("negzones.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Z","population":-5},"geometry":{"type":"Polygon","coordinates":[[[2.149,41.379],[2.152,41.379],[2.152,41.381],[2.149,41.381],[2.149,41.379]]]}}]}`)
			return []string{"import", "--streets", streets, "--zones", zones, "--out", filepath.Join(dir, "x.barri")}
		}, []string{"negzones.geojson", `zone "Z"`, "population = -5 is negative"}, true},
		{"import: antimeridian", func() []string {
			streets := write("ok4.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential","name":"A"},"geometry":{"type":"LineString","coordinates":[[2.15,41.38],[2.151,41.38]]}}]}`)
			zones := write("fiji.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Z"},"geometry":{"type":"Polygon","coordinates":[[[179,41],[-179,41],[-179,42],[179,42],[179,41]]]}}]}`)
			return []string{"import", "--streets", streets, "--zones", zones, "--out", filepath.Join(dir, "x.barri")}
		}, []string{"fiji.geojson", "feature 0", "antimeridian"}, true},
		{"import: unreadable OSM", func() []string {
			return []string{"import", "--osm", write("bad.osm", "<osm><node id='1' lat='x'"), "--out", filepath.Join(dir, "x.barri")}
		}, []string{"bad.osm"}, false},
	}
	if len(cases) < 25 {
		t.Fatalf("the catalogue has %d cases; keep at least 25", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args()
			_, stderr, code := barri(t, args...)
			if len(stderr) > 2000 {
				t.Errorf("a message of %d bytes: cut what it echoes", len(stderr))
				stderr = stderr[:2000]
			}
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, stderr)
			}
			if c.file {
				named := false
				for _, a := range args[1:] {
					if strings.Contains(a, string(os.PathSeparator)) && strings.Contains(stderr, a) {
						named = true
					}
				}
				if !named {
					t.Errorf("message does not name the input file: %s", stderr)
				}
			}
			for _, w := range c.wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("message %q lacks %q", strings.TrimSpace(stderr), w)
				}
			}
		})
	}
}

// TestImportDropsBadFeatures: a self-intersecting or empty footprint is
// dropped and named in the report, the rest imported.
func TestImportDropsBadFeatures(t *testing.T) {
	dir := t.TempDir()
	streets := filepath.Join(dir, "s.geojson")
	os.WriteFile(streets, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"highway":"residential","name":"Carrer A"},"geometry":{"type":"LineString","coordinates":[[2.150,41.380],[2.152,41.380],[2.154,41.380]]}},
{"type":"Feature","properties":{"highway":"residential","name":"Carrer B"},"geometry":{"type":"LineString","coordinates":[[2.152,41.379],[2.152,41.380],[2.152,41.382]]}},
{"type":"Feature","properties":{"highway":"residential","name":"Island"},"geometry":{"type":"LineString","coordinates":[[2.160,41.390],[2.161,41.390]]}}]}`), 0o644)
	bld := filepath.Join(dir, "b.geojson")
	os.WriteFile(bld, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","id":"good","properties":{"building":"apartments","building:levels":"6"},"geometry":{"type":"Polygon","coordinates":[[[2.1505,41.3801],[2.1510,41.3801],[2.1510,41.3805],[2.1505,41.3805],[2.1505,41.3801]]]}},
{"type":"Feature","id":"bowtie","properties":{"building":"yes"},"geometry":{"type":"Polygon","coordinates":[[[2.1505,41.3801],[2.1510,41.3805],[2.1510,41.3801],[2.1505,41.3805],[2.1505,41.3801]]]}},
{"type":"Feature","id":"empty","properties":{"building":"yes"},"geometry":{"type":"Polygon","coordinates":[]}}]}`), 0o644)
	out, e, code := barri(t, "import", "--streets", streets, "--buildings", bld, "--out", filepath.Join(dir, "c.barri"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	for _, w := range []string{"bowtie", "intersects itself", "empty", "not connected", "buildings                     1"} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
}
