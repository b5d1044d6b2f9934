//go:build js && wasm

package proposal

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// An edit the core refuses is named as the page's list numbers it (the
// next one, from 1), once, with no repeated prefix.
func TestApplyErrorNamesTheEdit(t *testing.T) {
	city := maps.Eixample()
	s, err := New(city, &sim.Scenario{Version: sim.ScenarioVersion, City: city.Name, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(j string) sim.Edit {
		var e sim.Edit
		if err := json.Unmarshal([]byte(j), &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	if err := s.Apply(edit(`{"op":"bike_lane","streets":{"name":"Carrer de Mallorca"}}`)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"op":"bike_lane","streets":{"ids":[999999]}}`, `{"op":"add_housing","dwellings":-5}`} {
		err := s.Apply(edit(bad))
		if err == nil {
			t.Fatalf("%s applied", bad)
		}
		msg := err.Error()
		t.Logf("%s: %s", bad, msg)
		if !strings.HasPrefix(msg, "proposal: edit 2 (") {
			t.Errorf("%s: %q does not start with \"proposal: edit 2 (\"", bad, msg)
		}
		for _, p := range []string{"sim:", "scenario:", "edit 0", "edit 1 "} {
			if strings.Contains(msg, p) {
				t.Errorf("%s: %q has %q", bad, msg, p)
			}
		}
		if strings.Count(msg, "(bike_lane)")+strings.Count(msg, "(add_housing)") != 1 {
			t.Errorf("%s: %q names the op more than once", bad, msg)
		}
	}
}
