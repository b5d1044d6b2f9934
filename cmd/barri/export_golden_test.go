package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

// exportFeatures runs an exporter and returns its features, one JSON text each.
func exportFeatures(t *testing.T, write func(io.Writer) error) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("export is not a FeatureCollection: %v (type %q)", err, fc.Type)
	}
	out := make([]string, len(fc.Features))
	for i, f := range fc.Features {
		out[i] = string(f)
	}
	return out
}

// TestGoldenExports pins the streets.geojson and buildings.geojson exports of
// every example scenario: the SHA-256 of the whole export (any change to any
// feature fails), how many features the scenario changed from the unedited
// city, and a sample to read in a diff (every 20th street, every 100th
// building, geometry included). After a deliberate change, rerun with -update
// and review the diff.
func TestGoldenExports(t *testing.T) {
	city, err := maps.Load("eixample", 0)
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Evaluate(city, &sim.Scenario{City: "eixample"})
	if err != nil {
		t.Fatal(err)
	}
	exports := []struct {
		name   string
		stride int
		write  func(io.Writer, *sim.City, *sim.Result) error
	}{
		{"streets", 20, maps.WriteStreetsGeoJSON},
		{"buildings", 100, maps.WriteBuildingsGeoJSON},
	}
	for _, ex := range exports {
		plain := exportFeatures(t, func(w io.Writer) error { return ex.write(w, city, base) })
		for _, name := range scenarios.Names() {
			t.Run(name+"/"+ex.name, func(t *testing.T) {
				l, err := loadScenario(name)
				if err != nil {
					t.Fatal(err)
				}
				r, err := l.evaluate()
				if err != nil {
					t.Fatal(err)
				}
				var whole bytes.Buffer
				if err := ex.write(&whole, l.city, r); err != nil {
					t.Fatal(err)
				}
				feats := exportFeatures(t, func(w io.Writer) error { _, err := w.Write(whole.Bytes()); return err })
				if len(feats) != len(plain) {
					t.Fatalf("%d features, the unedited city has %d", len(feats), len(plain))
				}
				var got bytes.Buffer
				changed := 0
				for i, f := range feats {
					if f != plain[i] {
						changed++
					}
				}
				fmt.Fprintf(&got, "# sha256 %x of %d features, %d changed by the scenario\n", sha256.Sum256(whole.Bytes()), len(feats), changed)
				for i := 0; i < len(feats); i += ex.stride {
					got.WriteString(feats[i] + "\n")
				}
				path := filepath.Join("testdata", "golden", name+"."+ex.name+".geojsonl")
				if *update {
					if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./cmd/barri -run TestGoldenExports -update to create it)", err)
				}
				if !bytes.Equal(want, got.Bytes()) {
					t.Errorf("%s export of %s changed; if deliberate, rerun with -update and review the diff", ex.name, name)
				}
			})
		}
	}
}
