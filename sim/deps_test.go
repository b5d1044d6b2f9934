package sim

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps sim at the bottom: only the standard library, orb
// and rtree (with rtree's own tidwall dependency).
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch {
		case p == "github.com/barri-city/barri/sim", strings.HasPrefix(p, "github.com/barri-city/barri/sim/"),
			p == "github.com/paulmach/orb",
			strings.HasPrefix(p, "github.com/tidwall/rtree"),
			strings.HasPrefix(p, "github.com/tidwall/geoindex"):
		default:
			t.Errorf("sim depends on %s: keep sim to the standard library, orb and rtree", p)
		}
	}
}
