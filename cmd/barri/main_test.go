package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barri-city/barri/internal/shareddata"
	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// barri runs the command line in-process and returns stdout, stderr and the exit status.
func barri(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(args, &out, &errb)
	if err != nil {
		errb.WriteString("barri: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func TestRunWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := barri(t, "run", "superilla-hospital-clinic", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, k := range sim.IndicatorKeys() {
		if !strings.Contains(out, k) {
			t.Errorf("table lacks %s", k)
		}
	}
	var res struct {
		Baseline, Scenario struct{ City map[string]float64 }
		Delta              map[string]float64
	}
	data, err := os.ReadFile(filepath.Join(dir, "indicators.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range sim.IndicatorKeys() {
		for name, m := range map[string]map[string]float64{"baseline": res.Baseline.City, "scenario": res.Scenario.City, "delta": res.Delta} {
			v, ok := m[k]
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s %s = %v (present %v)", name, k, v, ok)
			}
		}
	}
	for _, f := range []string{"zones.csv", "streets.geojson", "buildings.geojson"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var fc struct {
		Type     string
		Features []json.RawMessage
	}
	data, _ = os.ReadFile(filepath.Join(dir, "streets.geojson"))
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) < 500 {
		t.Errorf("streets.geojson: %v, %s with %d features", err, fc.Type, len(fc.Features))
	}
}

// TestGoldenIndicators pins the indicators of every example scenario. After a
// deliberate model change, rerun with -update and review the diff.
func TestGoldenIndicators(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			l, err := loadScenario(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := l.evaluate()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(struct {
				Baseline, Scenario, Delta sim.Indicators
				Zones                     []sim.ZoneReport
			}{r.Baseline.City, r.Scenario.City, r.Delta, r.Scenario.Zones}, "", "  ")
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/barri -update to create it)", err)
			}
			if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
				t.Errorf("indicators of %s changed; if deliberate, rerun with -update and review the diff", name)
			}
		})
	}
}

func TestExamplesHaveEffects(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		sign      float64
	}{
		{"superilla-hospital-clinic", "mobility.share.walk", 1},
		{"eixos-verds", "green.m2_per_resident", 1},
		{"habitatge-assequible", "housing.affordable_dwellings", 1},
		{"terrats-solars", "energy.pv_gwh_year", 1},
		{"terrats-solars", "energy.co2_t_year", -1},
		{"bus-i-bici", "mobility.share.bike", 1},
		{"interiors-illa", "green.m2_per_resident", 1},
	} {
		l, err := loadScenario(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := l.evaluate()
		if err != nil {
			t.Fatal(err)
		}
		if d := r.Delta.Get(tc.key); d*tc.sign <= 0 {
			t.Errorf("%s: %s changed by %v, want sign %+.0f", tc.name, tc.key, d, tc.sign)
		}
	}
}

func TestBatchResumeAndShards(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "all.csv")
	args := []string{"batch", "superilla-hospital-clinic", "bus-i-bici", "--seeds", "3", "--workers", "2"}
	if _, e, code := barri(t, append(args, "--out", full)...); code != 0 {
		t.Fatal(e)
	}
	data, _ := os.ReadFile(full)
	if n := strings.Count(string(data), "\n"); n != 1+2*3 {
		t.Fatalf("%d lines, want a header and 6 rows", n)
	}
	// Again: every row is there already, nothing is added.
	_, e, _ := barri(t, append(args, "--out", full)...)
	again, _ := os.ReadFile(full)
	if !bytes.Equal(data, again) || !strings.Contains(e, "6 already done") {
		t.Fatalf("a second run changed the output or ran again: %s", e)
	}
	// Interrupted: keep the header and two rows, resume.
	lines := strings.SplitAfter(string(data), "\n")
	part := filepath.Join(dir, "part.csv")
	os.WriteFile(part, []byte(strings.Join(lines[:3], "")), 0o644)
	barri(t, append(args, "--out", part)...)
	resumed, _ := os.ReadFile(part)
	if !bytes.Equal(data, resumed) {
		t.Fatalf("resumed output differs from the full one")
	}
	// Two shards, each a complete CSV with its header, joined without the
	// repeated header, equal the unsharded output.
	var cat []byte
	for i, s := range []string{"0/2", "1/2"} {
		p := filepath.Join(dir, "shard"+s[:1]+".csv")
		if _, e, code := barri(t, append(args, "--shard", s, "--out", p)...); code != 0 {
			t.Fatal(e)
		}
		b, _ := os.ReadFile(p)
		head, rows, _ := bytes.Cut(b, []byte("\n"))
		if !bytes.HasPrefix(data, append(head, '\n')) {
			t.Fatalf("shard %s does not start with the header", s)
		}
		if i == 0 {
			cat = append(cat, head...)
			cat = append(cat, '\n')
		}
		cat = append(cat, rows...)
	}
	if !bytes.Equal(cat, data) {
		t.Fatalf("shards concatenated differ from the whole:\n%s\nvs\n%s", cat, data)
	}
	// A sweep varies the parameter.
	sweep := filepath.Join(dir, "sweep.csv")
	if _, e, code := barri(t, "batch", "bus-i-bici", "--vary", "car_cost_eur_km=0.1:0.5:3", "--out", sweep); code != 0 {
		t.Fatal(e)
	}
	b, _ := os.ReadFile(sweep)
	if !strings.Contains(string(b), "car_cost_eur_km,0.3,") {
		t.Errorf("sweep lacks the middle value:\n%s", b)
	}
}

func TestImportAndRun(t *testing.T) {
	d := shareddata.Dir(t)
	dir := t.TempDir()
	city := filepath.Join(dir, "bcn.barri")
	out, e, code := barri(t, "import", "--zones", filepath.Join(d, "housing/barris_indicators.geojson"),
		"--osm", filepath.Join(d, "osm/bcn_nova_esquerra_eixample_2012.osm"),
		"--buildings", filepath.Join(d, "buildings/eixample_osm_buildings_2026.geojson"),
		"--stops", filepath.Join(d, "mobility/transport_public_estacions_bcn.geojson"),
		"--amenities", filepath.Join(d, "amenities/equipaments_bcn.geojson"), "--out", city)
	if code != 0 {
		t.Fatalf("import: %s", e)
	}
	if !strings.Contains(out, "Imported:") || !strings.Contains(out, "Dropped:") {
		t.Errorf("no import report:\n%s", out)
	}
	sc := filepath.Join(dir, "sc.json")
	os.WriteFile(sc, []byte(`{"barri":1,"name":"bike lanes","city":"bcn.barri","edits":[{"op":"bike_lane","streets":{"name":"Carrer del Comte d'Urgell"}}]}`), 0o644)
	if out, e, code := barri(t, "run", sc); code != 0 {
		t.Fatalf("run on the imported city: %s", e)
	} else if !strings.Contains(out, "mobility.share.bike") {
		t.Fatalf("no table:\n%s", out)
	}
}

func TestHelpAndCities(t *testing.T) {
	for _, cmd := range []string{"run", "compare", "batch", "validate", "import", "cities", "calibrate"} {
		_, e, code := barri(t, cmd, "--help")
		if code != 0 || !strings.Contains(e, "Usage: barri "+cmd) {
			t.Errorf("%s --help: exit %d, %q", cmd, code, e)
		}
	}
	out, _, code := barri(t, "cities")
	if code != 0 || !strings.Contains(out, "eixample") || !strings.Contains(out, "superilla-hospital-clinic") {
		t.Errorf("cities: %d %s", code, out)
	}
	if _, _, code := barri(t, "validate", "eixos-verds", "terrats-solars"); code != 0 {
		t.Errorf("validate of examples failed")
	}
	out, _, code = barri(t, "compare", "superilla-hospital-clinic", "eixos-verds")
	if code != 0 || !strings.Contains(out, "Change from baseline") {
		t.Errorf("compare: %d\n%s", code, out)
	}
}

func TestCalibrateCommand(t *testing.T) {
	out, e, code := barri(t, "calibrate")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, e, out)
	}
	for _, want := range []string{"mode share: walk", "rent: la Dreta de l'Eixample", "asc_car", "PV per m²"} {
		if !strings.Contains(out, want) {
			t.Errorf("calibrate output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "MISSED") {
		t.Errorf("a target is missed:\n%s", out)
	}
}

// TestRunOutputsAreSharedAndLeaveNoTemps: run --out writes files a user
// can share (mode 0644, not CreateTemp's 0600) and removes temporary files
// an interrupted run left behind.
func TestRunOutputsAreSharedAndLeaveNoTemps(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".buildings.geojson.123456", ".zones.csv" + tempMark + "99"}
	for _, s := range stale {
		os.WriteFile(filepath.Join(dir, s), []byte("half"), 0o600)
	}
	keep := filepath.Join(dir, ".mine")
	os.WriteFile(keep, []byte("mine"), 0o600)
	if _, e, code := barri(t, "run", "bus-i-bici", "--out", dir); code != 0 {
		t.Fatal(e)
	}
	for _, f := range runOutputs {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", f, st.Mode().Perm())
		}
	}
	for _, s := range stale {
		if _, err := os.Stat(filepath.Join(dir, s)); err == nil {
			t.Errorf("the stale temporary file %s is still there", s)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file of the user's was removed")
	}
}

// TestNamesArePrintedEscaped: an ANSI escape in a scenario's name reaches
// the terminal escaped, not as a control sequence.
func TestNamesArePrintedEscaped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ansi.json")
	os.WriteFile(p, []byte(`{"barri":1,"name":"\u001b[2J\u001b[31mred","city":"eixample","edits":[]}`), 0o644)
	out, e, code := barri(t, "run", p)
	if code != 0 {
		t.Fatal(e)
	}
	if strings.ContainsRune(out, 0x1b) || !strings.Contains(out, `\x1b[31mred`) {
		t.Errorf("the name is not shown escaped: %q", out[:min(len(out), 200)])
	}
}

// TestCityFileWithoutSuffix: a scenario names a city file by any path, with
// or without .barri (it was "unknown city").
func TestCityFileWithoutSuffix(t *testing.T) {
	dir := t.TempDir()
	c, _ := maps.Load("synthetic-50", 1)
	if err := maps.WriteCityFile(filepath.Join(dir, "mycity"), c); err != nil {
		t.Fatal(err)
	}
	sc := filepath.Join(dir, "sc.json")
	os.WriteFile(sc, []byte(`{"barri":1,"name":"t","city":"mycity","edits":[]}`), 0o644)
	if _, e, code := barri(t, "validate", sc); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
}
