package scenarios

import (
	"testing"

	"github.com/barri-city/barri/sim"
)

func TestExamplesParse(t *testing.T) {
	names := Names()
	if len(names) < 5 {
		t.Fatalf("%d examples, want at least 5", len(names))
	}
	ops := map[string]bool{}
	for _, n := range names {
		data, ok := Read(n)
		if !ok {
			t.Fatalf("%s: not readable", n)
		}
		sc, err := sim.ParseScenario(data)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if sc.City != "eixample" || sc.Name == "" || sc.Description == "" {
			t.Errorf("%s: an example names the eixample and has a name and a description", n)
		}
		for _, e := range sc.Edits {
			ops[e.Op] = true
		}
	}
	for _, op := range []string{"superblock", "green_axis", "rezone", "add_housing", "solar", "retrofit", "transit_stop", "bike_lane", "park", "pedestrianize"} {
		if !ops[op] {
			t.Errorf("no example uses %s", op)
		}
	}
	if _, ok := Read("scenarios/eixos-verds.json"); !ok {
		t.Error("a path-like name does not find the example")
	}
}
