package sim

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestNearestSegmentFarAway(t *testing.T) {
	c := testCity(t)
	for _, tc := range []struct {
		p    orb.Point
		want float64
	}{
		{orb.Point{50, 10}, 10},   // close to the bottom street
		{orb.Point{50, 50}, 50},   // a block centre: 50 m from four streets
		{orb.Point{-300, 0}, 300}, // far outside
	} {
		id, d, _ := c.NearestSegment(tc.p)
		if id < 0 || math.Abs(d-tc.want) > 1e-9 {
			t.Errorf("NearestSegment(%v) = %d at %v m, want %v m", tc.p, id, d, tc.want)
		}
	}
}

func TestBuildingsInUsesCentroids(t *testing.T) {
	c := testCity(t)
	a := Area{orb.Polygon{{{0, 0}, {200, 0}, {200, 100}, {0, 100}, {0, 0}}}}
	if got := c.BuildingsIn(a); len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Errorf("BuildingsIn = %v, want [0 1]", got)
	}
	if got := c.SegmentsIn(a); len(got) == 0 {
		t.Error("no segment in the area")
	}
}

func TestProjectionRoundTrip(t *testing.T) {
	p := NewProjection(2.16, 41.39)
	ll := orb.Point{2.17, 41.40}
	back := p.ToLonLat(p.ToXY(ll))
	if math.Abs(back[0]-ll[0]) > 1e-12 || math.Abs(back[1]-ll[1]) > 1e-12 {
		t.Errorf("round trip %v -> %v", ll, back)
	}
	xy := p.ToXY(ll)
	// 0.01° of longitude at 41.39° N is about 835 m; 0.01° of latitude about 1113 m.
	if math.Abs(xy[0]-835.3) > 1 || math.Abs(xy[1]-1113.2) > 1 {
		t.Errorf("ToXY = %v", xy)
	}
}

// TestNewCityRejectsAnUnknownUse: a state holds a building's use as its
// index in Uses, so NewCity refuses a use outside them, naming the building.
func TestNewCityRejectsAnUnknownUse(t *testing.T) {
	c := testCity(t)
	blds := append([]Building(nil), c.Buildings...)
	blds[3].Use = "warehouse"
	_, err := NewCity("test", c.Origin, c.Zones, blds, c.Nodes, c.Segments, c.Stops, c.Amenities)
	if err == nil || !strings.Contains(err.Error(), "building 3") || !strings.Contains(err.Error(), `"warehouse"`) {
		t.Fatalf("NewCity with use %q: %v, want an error naming building 3 and the use", "warehouse", err)
	}
	for i, u := range Uses {
		if code, ok := UseCodeOf(u); !ok || int(code) != i || code.String() != u {
			t.Errorf("UseCodeOf(%q) = %v, %v", u, code, ok)
		}
	}
}
