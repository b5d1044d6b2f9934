package sim

import "math"

// accessResult holds walking minutes from every building to the nearest
// amenity of each kind, and whether all kinds are within the access time.
type accessResult struct {
	minutes [][]float64 // kind -> building -> minutes
	all15   []bool
}

// accessModel runs one multi-source shortest-path pass per amenity kind over
// the walking graph, from every amenity of that kind at once.
func accessModel(c *City, s *State) *accessResult {
	pr := c.prep()
	p := &s.Params
	mPerMin := p[PWalkKmh] * 1000 / 60
	dist := make([]float64, len(c.Nodes))
	out := &accessResult{minutes: make([][]float64, len(AmenityKinds)), all15: make([]bool, len(c.Buildings))}
	for i := range out.all15 {
		out.all15[i] = true
	}
	for k, kind := range AmenityKinds {
		var src []int32
		var init []float64
		for i := range c.Amenities {
			if c.Amenities[i].Kind == kind {
				src = append(src, pr.amenNode[i])
				init = append(init, pr.amenSnap[i])
			}
		}
		if kind == KindPark {
			for _, pk := range s.Parks {
				n, d := c.snapNode(pk.Centroid)
				src = append(src, n)
				init = append(init, d)
			}
		}
		mins := make([]float64, len(c.Buildings))
		if len(src) == 0 {
			for i := range mins {
				mins[i] = 120 // no amenity of this kind: counted as two hours away
			}
		} else {
			pr.walk.dijkstra(src, init, func(sg int32) float64 { return c.Segments[sg].Length }, dist, nil)
			for i := range mins {
				mins[i] = math.Min(120, (dist[pr.bNode[i]]+pr.bSnap[i])/mPerMin)
			}
		}
		for i := range mins {
			if mins[i] > p[PAccessMinutes] {
				out.all15[i] = false
			}
		}
		out.minutes[k] = mins
	}
	return out
}
