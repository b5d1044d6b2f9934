package maps

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanDependencies keeps the browser build lean: maps (the built-in
// cities, the city file, the exporters) and sim must not link the importer's
// OpenStreetMap reader and what it pulls in (protobuf, BSON, zlib). The
// importer lives in maps/importer, which only cmd uses.
func TestLeanDependencies(t *testing.T) {
	for _, pkg := range []string{".", "../sim/..."} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, p := range strings.Fields(string(out)) {
			for _, banned := range []string{"github.com/paulmach/osm", "github.com/barri-city/barri/maps/importer",
				"google.golang.org/protobuf", "go.mongodb.org/", "github.com/datadog/czlib"} {
				if p == banned || strings.HasPrefix(p, banned+"/") || (strings.HasSuffix(banned, "/") && strings.HasPrefix(p, banned)) {
					t.Errorf("%s depends on %s: keep the import path in maps/importer, out of the browser build", pkg, p)
				}
			}
		}
	}
}
