package maps

import (
	"fmt"
	"github.com/barri-city/barri/sim/detmath"
	"math"
	"math/rand/v2"

	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// Synthetic generates a grid city of about n buildings, deterministic from
// seed: square blocks of 16 buildings (110 m blocks, 20 m streets), zones of
// 8x8 blocks with statistics drawn around Barcelona's, every fourth street an
// avenue, stops and amenities spread over the grid.
func Synthetic(n int, seed uint64) *sim.City {
	rng := rand.New(rand.NewPCG(seed, 0x53594e54))
	const perBlock, pitch, block = 16, 130.0, 110.0
	blocks := max(1, (n+perBlock-1)/perBlock)
	side := int(math.Ceil(math.Sqrt(float64(blocks))))
	zoneSide := 8
	nzx := (side + zoneSide - 1) / zoneSide
	var zones []sim.Zone
	for zy := 0; zy < nzx; zy++ {
		for zx := 0; zx < nzx; zx++ {
			inc := 23000 * detmath.Exp(normal(rng)*0.3)
			rentM2 := 15 * detmath.Exp(normal(rng)*0.1)
			zones = append(zones, sim.Zone{Code: fmt.Sprintf("S%03d", len(zones)), Name: fmt.Sprintf("Zone %d-%d", zx, zy),
				IncomePerCapita: inc, RentEurM2: rentM2, RentEurMonth: rentM2 * 72, MeanBuildingYear: 1900 + float64(rng.Float64()*100)})
		}
	}
	var buildings []sim.Building
	var amenities []sim.Amenity
	zoneRes := make([]float64, len(zones))
	count := 0
	for by := 0; by < side && count < n; by++ {
		for bx := 0; bx < side && count < n; bx++ {
			z := (by/zoneSide)*nzx + bx/zoneSide
			x0, y0 := float64(float64(bx)*pitch)+10, float64(float64(by)*pitch)+10
			// 16 plots: 4 per side, 27.5 m wide and 20 m deep.
			w := block / 4
			for k := 0; k < perBlock && count < n; k++ {
				s, i := k/4, float64(k%4)
				var r orb.Ring
				switch s {
				case 0:
					r = rect(x0+float64(i*w), y0, x0+float64((i+1)*w), y0+20)
				case 1:
					r = rect(x0+float64(i*w), y0+block-20, x0+float64((i+1)*w), y0+block)
				case 2:
					r = rect(x0, y0+20+float64(i*(block-40)/4), x0+20, y0+20+float64((i+1)*(block-40)/4))
				default:
					r = rect(x0+block-20, y0+20+float64(i*(block-40)/4), x0+block, y0+20+float64((i+1)*(block-40)/4))
				}
				floors := 3 + rng.IntN(6)
				fp := sim.PolygonArea(orb.Polygon{r})
				use := sim.UseMixed
				if x := rng.Float64(); x < 0.1 {
					use = sim.UseOffice
				} else if x < 0.25 {
					use = sim.UseResidential
				}
				year := int(zones[z].MeanBuildingYear + float64(normal(rng)*20))
				b := sim.Building{Footprint: orb.Polygon{r}, Floors: floors, FloorArea: fp * float64(floors), Use: use,
					Year: max(1850, min(2025, year)), RoofArea: fp, Zone: z}
				zoneRes[z] += residentialArea(&b)
				buildings = append(buildings, b)
				count++
			}
			c := orb.Point{x0 + block/2, y0 + block/2}
			for _, a := range []struct {
				kind string
				p    float64
			}{{sim.KindGrocery, 0.4}, {sim.KindSchool, 0.2}, {sim.KindHealth, 0.05}, {sim.KindPark, 0.12}, {sim.KindCulture, 0.05}, {sim.KindSport, 0.05}} {
				if rng.Float64() < a.p {
					am := sim.Amenity{Name: a.kind, Kind: a.kind, P: c}
					if a.kind == sim.KindPark {
						am.Area = 3000
					}
					amenities = append(amenities, am)
				}
			}
		}
	}
	for i := range buildings {
		b := &buildings[i]
		res := residentialArea(b)
		b.Dwellings = int(res / 90)
		zones[b.Zone].Households += float64(float64(b.Dwellings) * 0.9)
	}
	for z := range zones {
		zones[z].Population = zones[z].Households * 2.4
	}
	// Streets: a full grid around the blocks.
	var nodes []sim.Node
	idx := func(x, y int) int { return y*(side+1) + x }
	for y := 0; y <= side; y++ {
		for x := 0; x <= side; x++ {
			nodes = append(nodes, sim.Node{P: orb.Point{float64(x) * pitch, float64(y) * pitch}})
		}
	}
	var segs []sim.Segment
	road := func(k int, name string, a, b int) {
		lanes, speed, class := 2, 30.0, sim.ClassSecondary
		if k%4 == 0 {
			lanes, speed, class = 4, 40, sim.ClassPrimary
		}
		segs = append(segs, sim.Segment{Name: name, Class: class, From: a, To: b, Lanes: lanes, SpeedKmh: speed,
			Capacity: float64(lanes) * 700, CarAccess: sim.CarFull, BikeLane: k%6 == 3})
	}
	var stops []sim.Stop
	for y := 0; y <= side; y++ {
		for x := 0; x <= side; x++ {
			if x < side {
				road(y, fmt.Sprintf("Street %d", y), idx(x, y), idx(x+1, y))
			}
			if y < side {
				road(x, fmt.Sprintf("Avenue %d", x), idx(x, y), idx(x, y+1))
			}
			if x%3 == 0 && y%3 == 0 {
				stops = append(stops, sim.Stop{Name: fmt.Sprintf("Bus %d-%d", x, y), Mode: sim.ModeBus, P: nodes[idx(x, y)].P, HeadwayMin: 8})
			}
			if x%8 == 4 && y%8 == 4 {
				stops = append(stops, sim.Stop{Name: fmt.Sprintf("Metro %d-%d", x, y), Mode: sim.ModeMetro, P: nodes[idx(x, y)].P, HeadwayMin: 4})
			}
		}
	}
	c, err := sim.NewCity(fmt.Sprintf("synthetic-%d", n), orb.Point{2.16, 41.39}, zones, buildings, nodes, segs, stops, amenities)
	if err != nil {
		panic("maps: synthetic city is inconsistent: " + err.Error())
	}
	return c
}

func rect(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

// normal draws a standard normal deviate as the scaled sum of six uniform
// ones (Irwin-Hall): plain arithmetic, so the same on every platform, unlike
// rand's NormFloat64, whose tails use math.Exp and math.Log.
func normal(rng *rand.Rand) float64 {
	var s float64
	for i := 0; i < 6; i++ {
		s += float64(rng.Float64()) // rng.Float64 is a product: keep it from fusing with the sum
	}
	return (s - 3) * math.Sqrt2
}
