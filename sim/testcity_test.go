package sim

import (
	"testing"

	"github.com/paulmach/orb"
)

// testCity is a 4x4 grid of 100 m blocks with one building per block.
func testCity(t testing.TB) *City {
	var nodes []Node
	for y := 0; y < 5; y++ {
		for x := 0; x < 5; x++ {
			nodes = append(nodes, Node{P: orb.Point{float64(x) * 100, float64(y) * 100}})
		}
	}
	var segs []Segment
	for y := 0; y < 5; y++ {
		for x := 0; x < 5; x++ {
			if x < 4 {
				segs = append(segs, Segment{Name: "Street", From: y*5 + x, To: y*5 + x + 1, Lanes: 2, SpeedKmh: 30, Capacity: 1400, CarAccess: CarFull})
			}
			if y < 4 {
				segs = append(segs, Segment{Name: "Avenue", From: y*5 + x, To: (y+1)*5 + x, Lanes: 2, SpeedKmh: 30, Capacity: 1400, CarAccess: CarFull})
			}
		}
	}
	var blds []Building
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			x0, y0 := float64(x)*100+20, float64(y)*100+20
			r := orb.Ring{{x0, y0}, {x0 + 60, y0}, {x0 + 60, y0 + 60}, {x0, y0 + 60}, {x0, y0}}
			blds = append(blds, Building{Footprint: orb.Polygon{r}, Floors: 5, FloorArea: 18000, Use: UseMixed, Dwellings: 150, Year: 1930, RoofArea: 3600, Zone: 0})
		}
	}
	zones := []Zone{{Code: "T", Name: "Test", Population: 4000, Households: 1700, IncomePerCapita: 24000, RentEurMonth: 1100, RentEurM2: 15}}
	am := []Amenity{{Name: "park", Kind: KindPark, P: orb.Point{390, 390}, Area: 2000}, {Name: "school", Kind: KindSchool, P: orb.Point{10, 10}}}
	stops := []Stop{{Name: "bus", Mode: ModeBus, P: orb.Point{200, 200}, HeadwayMin: 8}}
	c, err := NewCity("test", orb.Point{2.16, 41.39}, zones, blds, nodes, segs, stops, am)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
