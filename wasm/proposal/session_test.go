//go:build js && wasm

package proposal

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/sim"
)

// sameReports compares two reports' indicators, city and zones, bit for bit.
func sameReports(t *testing.T, what string, a, b *sim.Report) {
	t.Helper()
	if a.City != b.City {
		t.Errorf("%s: city indicators differ:\n%v\n%v", what, a.City, b.City)
	}
	for i := range a.Zones {
		if a.Zones[i].Values != b.Zones[i].Values {
			t.Errorf("%s: zone %s differs", what, a.Zones[i].Code)
		}
	}
}

func TestSessionMatchesEvaluate(t *testing.T) {
	city := maps.Eixample()
	for _, name := range scenarios.Names() {
		data, _ := scenarios.Read(name)
		sc, err := sim.ParseScenario(data)
		if err != nil {
			t.Fatal(err)
		}
		want, err := sim.Evaluate(city, sc)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(city, sc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameReports(t, name, s.Result().Scenario, want.Scenario)
		// Undo everything: the baseline; redo everything: the scenario again.
		for s.CanUndo() {
			if err := s.Undo(); err != nil {
				t.Fatal(err)
			}
		}
		sameReports(t, name+" undone", s.Result().Scenario, want.Baseline)
		for s.CanRedo() {
			if err := s.Redo(); err != nil {
				t.Fatal(err)
			}
		}
		sameReports(t, name+" redone", s.Result().Scenario, want.Scenario)
		// The scenario file it writes runs to the same numbers.
		out, _ := json.Marshal(s.Scenario())
		sc2, err := sim.ParseScenario(out)
		if err != nil {
			t.Fatalf("%s: its own scenario file: %v", name, err)
		}
		again, err := sim.Evaluate(city, sc2)
		if err != nil {
			t.Fatal(err)
		}
		sameReports(t, name+" written", again.Scenario, want.Scenario)
	}
}

func TestSessionRefusesWhatTheCommandLineRefuses(t *testing.T) {
	city := maps.Eixample()
	s, _ := New(city, &sim.Scenario{Version: 1, City: "eixample"})
	for _, e := range []sim.Edit{{Op: "teleport"}, {Op: "retrofit", Level: "medium", Area: json.RawMessage(`{"type":"Polygon","coordinates":[[[2.15,41.38],[2.16,41.38],[2.16,41.39],[2.15,41.38]]]}`)}} {
		if err := s.Apply(e); err == nil {
			t.Errorf("edit %+v applied; want an error", e)
		}
	}
	if s.CanUndo() || len(s.Changed().Buildings) != 0 {
		t.Error("a refused edit changed the session")
	}
}

func TestShareRoundTrip(t *testing.T) {
	city := maps.Eixample()
	data, _ := scenarios.Read("superilla-hospital-clinic")
	sc, _ := sim.ParseScenario(data)
	s, err := New(city, sc)
	if err != nil {
		t.Fatal(err)
	}
	frag, err := Share(s.Scenario())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unshare("#" + frag)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(s.Scenario())
	if !bytes.Equal(got, want) {
		t.Errorf("the link gives back\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{"#x=1", "#p=!!!", "#p=AAAA"} {
		if _, err := Unshare(bad); err == nil {
			t.Errorf("Unshare(%q) gave no error", bad)
		}
	}
}

func TestFmtValueAsBarriRun(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 125179: "125179", -1234.5: "-1234", 12.345: "12.35", 0.19891: "0.1989", -0.00001: "-0.0000"} {
		if got := FmtValue(v); got != want {
			t.Errorf("FmtValue(%v) = %q, want %q", v, got, want)
		}
	}
	if PrintedSign("-0.0000") != 0 || PrintedSign("0.0012") != 1 || PrintedSign("-3") != -1 {
		t.Error("PrintedSign reads the printed digits wrong")
	}
}

// FuzzUnshare: a link's fragment is input from anywhere; Unshare must only
// ever give bytes or an error.
func FuzzUnshare(f *testing.F) {
	frag, _ := Share(&sim.Scenario{Version: 1, City: "eixample", Edits: []sim.Edit{{Op: "park"}}})
	for _, s := range []string{frag, "#" + frag, "p=", "#p=AAAA", "x", "p=" + frag[2:len(frag)/2]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, err := Unshare(s)
		if err == nil && len(data) > MaxLinkBytes {
			t.Fatalf("Unshare(%q) gave %d bytes", s, len(data))
		}
	})
}

func TestReadable(t *testing.T) {
	for _, c := range []struct {
		key        string
		b, s, d    float64
		wb, ws, wd string
		wsign      int
	}{
		// The review's cases: a share, a bike share whose change rounded to
		// zero, rent whose values printed the same while the change did not.
		{"mobility.share.car", 0.19894, 0.19841, 0.19841 - 0.19894, "19.89", "19.84", "-0.05", -1},
		{"mobility.share.bike", 0.03800, 0.03802, 0.00002, "3.800", "3.802", "0.002", 1},
		{"housing.rent_eur_month", 1225.8, 1226.1, 0.3049, "1225.8", "1226.1", "0.3", 1},
		{"mobility.mean_trip_min", 19.96, 19.968, 0.0082, "19.96", "19.97", "0.01", 1},
		{"housing.dwellings", 125179, 125179, 0, "125179", "125179", "0", 0},
		{"housing.affordable_dwellings", 0, 0, 0, "0", "0", "0", 0},
		// A change below a millionth of the values is none, with today's
		// digits (the final review's rent, walk and rent burden after a
		// park far away; they read 1226.1015, 4.4772771 → 4.4772770 and
		// 64.799043 %).
		{"housing.rent_eur_month", 1226, 1226 + 1e-9, 1e-9, "1226", "1226", "0", 0},
		{"housing.rent_eur_month", 1226.1015, 1226.1015 + 1e-7, 1e-7, "1226", "1226", "0", 0},
		{"access.walk_min.park", 4.4772771, 4.4772770, -1e-7, "4.4773", "4.4773", "0.0000", 0},
		{"housing.rent_burden_share", 0.64799043, 0.64799043 + 1e-9, 1e-9, "64.80", "64.80", "0.00", 0},
		// A small change that is not noise still grows the digits.
		{"access.walk_min.park", 4.4772, 4.4771, -1e-4, "4.4772", "4.4771", "-0.0001", -1},
		{"energy.co2_t_year", 5000, 4990, -10, "5000", "4990", "-10", -1},
	} {
		b, s, d, sign := Readable(c.key, c.b, c.s, c.d)
		if b != c.wb || s != c.ws || d != c.wd || sign != c.wsign {
			t.Errorf("Readable(%s, %v, %v, %v) = %q %q %q %d, want %q %q %q %d", c.key, c.b, c.s, c.d, b, s, d, sign, c.wb, c.ws, c.wd, c.wsign)
		}
	}
}

// TestChangedFollowsEachChange: Changed, kept between changes, answers for
// the last Apply, Undo or Redo, as a session asked only then answers.
func TestChangedFollowsEachChange(t *testing.T) {
	city := maps.Eixample()
	data, _ := scenarios.Read("terrats-solars")
	sc, err := sim.ParseScenario(data)
	if err != nil || len(sc.Edits) < 2 {
		t.Fatalf("terrats-solars: %v, %d edits (want 2 or more)", err, len(sc.Edits))
	}
	empty := &sim.Scenario{Version: sim.ScenarioVersion, City: sc.City}
	asked, _ := New(city, empty)
	steps := []func(*Session) error{
		func(s *Session) error { return s.Apply(sc.Edits[0]) },
		func(s *Session) error { return s.Apply(sc.Edits[1]) },
		(*Session).Undo,
		(*Session).Redo,
	}
	for i, step := range steps {
		if err := step(asked); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		asked.Changed() // kept
		fresh, _ := New(city, empty)
		for _, s := range steps[:i+1] {
			if err := s(fresh); err != nil {
				t.Fatal(err)
			}
		}
		got, want := asked.Changed(), fresh.Changed()
		if len(want.Buildings) == 0 || !slices.Equal(got.Buildings, want.Buildings) || !slices.Equal(got.Segments, want.Segments) {
			t.Errorf("step %d: Changed lists %d buildings, a session asked only now %d", i, len(got.Buildings), len(want.Buildings))
		}
	}
}
