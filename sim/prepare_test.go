package sim

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestBaselineCacheKeepsWhatIsUsed: the city keeps the baselines used most
// recently, so a server that evaluates under many parameter sets does not
// rebuild the one it uses all the time (the defaults); the one dropped is the
// least recently used.
func TestBaselineCacheKeepsWhatIsUsed(t *testing.T) {
	c := tinyCity(t)
	def := DefaultParams()
	hot := c.baseline(def)
	other := func(i int) Params {
		p := def
		if err := p.Set("car_cost_eur_km", 0.3+0.1*float64(i)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := c.baseline(other(0))
	for i := range 3 * maxBaselines {
		c.baseline(other(i))
		if got := c.baseline(def); got != hot {
			t.Fatalf("after %d other parameter sets the default baseline was computed again", i+1)
		}
	}
	if c.baseline(other(0)) == first {
		t.Fatal("a baseline unused for longer than the cache holds was kept")
	}
	if n := len(c.cache.bases); n != maxBaselines {
		t.Fatalf("the cache holds %d baselines, want %d", n, maxBaselines)
	}
}

// tinyCity is a city of two buildings on one street, built here because
// package sim's own tests cannot import maps.
func tinyCity(t *testing.T) *City {
	t.Helper()
	origin := orb.Point{2.16, 41.39}
	proj := NewProjection(origin[0], origin[1])
	sq := func(x, y float64) orb.Polygon {
		return orb.Polygon{orb.Ring{{x, y}, {x + 20, y}, {x + 20, y + 20}, {x, y + 20}, {x, y}}}
	}
	zones := []Zone{{Code: "01", Name: "z", Population: 100, Households: 40, IncomePerCapita: 20000, MeanBuildingYear: 1960, RentEurMonth: 1000, RentEurM2: 15,
		Boundary: orb.MultiPolygon{proj.ProjectGeometry(orb.Polygon{orb.Ring{{2.15, 41.38}, {2.17, 41.38}, {2.17, 41.40}, {2.15, 41.40}, {2.15, 41.38}}}).(orb.Polygon)}}}
	blds := []Building{
		{Footprint: sq(0, 10), Floors: 4, Use: UseResidential, Dwellings: 8, Year: 1960, Zone: 0},
		{Footprint: sq(40, 10), Floors: 3, Use: UseOffice, Year: 1990, Zone: 0},
	}
	nodes := []Node{{P: orb.Point{-50, 0}}, {P: orb.Point{100, 0}}}
	segs := []Segment{{From: 0, To: 1, Name: "Carrer", Lanes: 2, SpeedKmh: 30, Capacity: 1800, CarAccess: CarFull}}
	c, err := NewCity("tiny", origin, zones, blds, nodes, segs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
