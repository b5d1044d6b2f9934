package maps

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barri-city/barri/sim"
)

func TestCityFileRoundTrip(t *testing.T) {
	for _, c := range []*sim.City{Eixample(), Synthetic(500, 3)} {
		var a, b bytes.Buffer
		if err := WriteCity(&a, c); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCity(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteCity(&b, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("%s: city file differs after a read and a write", c.Name)
		}
		r1, _ := sim.Evaluate(c, &sim.Scenario{City: c.Name})
		r2, _ := sim.Evaluate(back, &sim.Scenario{City: c.Name})
		for _, k := range sim.IndicatorKeys() {
			if r1.Baseline.City.Get(k) != r2.Baseline.City.Get(k) {
				t.Errorf("%s: %s = %v before the file, %v after", c.Name, k, r1.Baseline.City.Get(k), r2.Baseline.City.Get(k))
			}
		}
		t.Logf("%s: %d bytes", c.Name, a.Len())
	}
}

func TestCityFileRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"empty.barri":  nil,
		"json.barri":   []byte(`{"type":"FeatureCollection"}`),
		"cut.barri":    []byte(cityMagic + "\x01\x1f\x8b\x08"),
		"future.barri": []byte(cityMagic + "\x09"),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		_, err := ReadCityFile(p)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
}

func TestSyntheticIsDeterministic(t *testing.T) {
	a, b := Synthetic(2000, 9), Synthetic(2000, 9)
	if len(a.Buildings) != 2000 {
		t.Fatalf("synthetic-2000 has %d buildings", len(a.Buildings))
	}
	for i := range a.Buildings {
		if a.Buildings[i].Floors != b.Buildings[i].Floors || a.Buildings[i].Year != b.Buildings[i].Year {
			t.Fatalf("building %d differs for the same seed", i)
		}
	}
	c := Synthetic(2000, 10)
	same := true
	for i := range a.Buildings {
		if a.Buildings[i].Floors != c.Buildings[i].Floors {
			same = false
		}
	}
	if same {
		t.Error("another seed gave the same city")
	}
}

func TestLoadNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"eixample", true}, {"synthetic-100", true}, {"synthetic-0", false}, {"synthetic-x", false}, {"atlantis", false}, {"/no/such.barri", false}} {
		_, err := Load(tc.name, 1)
		if (err == nil) != tc.ok {
			t.Errorf("Load(%q): %v", tc.name, err)
		}
	}
}
