package sim

import (
	"math"
	"sync"

	"github.com/paulmach/orb"
)

// prepared holds what the models derive from a city alone, computed once.
type prepared struct {
	bNode    []int32   // building -> nearest street node
	bSnap    []float64 // metres from building centroid to that node
	bCell    []int32   // building -> analysis cell
	bSeg     []int32   // building -> the street segment it fronts (its nearest)
	segZone  []int32   // segment -> zone of the nearest building, -1 if none
	cells    []cell
	cellNode []int32 // cell -> its node
	amenNode []int32 // amenity -> nearest node
	amenSnap []float64
	amenZone []int32
	walk     *graph
	walkCost []arc     // metres per arc of the walking graph
	cellKm   []float64 // trip kilometres between cells: straight line × 1.3, within a cell 0.52 × side × 1.3
	cellSegs [][]int   // segments within 400 m of each cell's centre
	gates    []int32   // nodes at the edge where through traffic enters and leaves
	zoneDw0  []float64
	segFold  []string  // segment -> FoldName of its name
	zoneBld  [][]int32 // zone -> its buildings in id order; the last entry holds the buildings of no zone
	parts    [][]int32 // a zone's buildings in runs of at most partSize, zone by zone
	zonePart [][2]int  // zone (and last: no zone) -> its parts, start and end
	bPart    []int32   // building -> its part
	cellBld  [][]int32 // cell -> its buildings in id order
}

// partSize is the most buildings in a part: the unit in which the report
// sums buildings again after an edit.
const partSize = 256

// cell is an analysis square of the mobility model.
type cell struct {
	node     int32
	centroid orb.Point
}

type cityCache struct {
	once sync.Once
	p    *prepared

	refOnce sync.Once
	ref     *gateTimes // the city's own streets at free flow

	baseMu sync.Mutex
	bases  []*cachedBaseline // the most recently used last
}

// cachedBaseline is the baseline report of the city under one set of parameters.
type cachedBaseline struct {
	params Params
	once   sync.Once
	rep    *Report
	m      *model // its stages, read-only: scenarios start from copies (Evaluator)
}

// maxBaselines bounds the baselines a city keeps: the least recently used
// is dropped when another is needed.
const maxBaselines = 4

// baseline returns the baseline report of the city with parameters p,
// computing it once. Concurrent callers with the same parameters share one
// computation.
func (c *City) baseline(p Params) *Report {
	rep, _ := c.baselineModel(p)
	return rep
}

// baselineModel returns the baseline report and model of the city with
// parameters p, computing them once while they are among the maxBaselines
// most recently used. The model is shared: never change it.
func (c *City) baselineModel(p Params) (*Report, *model) {
	cc := &c.cache
	cc.baseMu.Lock()
	var e *cachedBaseline
	for i, b := range cc.bases {
		if b.params == p {
			// The most recently used goes last: the one dropped is the
			// least recently used, never a hot one such as the defaults.
			e = b
			copy(cc.bases[i:], cc.bases[i+1:])
			cc.bases[len(cc.bases)-1] = e
			break
		}
	}
	if e == nil {
		e = &cachedBaseline{params: p}
		cc.bases = append(cc.bases, e)
		if len(cc.bases) > maxBaselines {
			cc.bases = cc.bases[1:]
		}
	}
	cc.baseMu.Unlock()
	e.once.Do(func() {
		e.m = newModel(NewState(c, p))
		e.rep = e.m.report(nil)
	})
	return e.rep, e.m
}

// ForgetBaselines drops the baselines the city keeps (reports and model
// stages, for up to four sets of parameters), freeing their memory; they are
// computed again when needed.
func (c *City) ForgetBaselines() {
	c.cache.baseMu.Lock()
	c.cache.bases = nil
	c.cache.baseMu.Unlock()
}

// gateTimes are the car minutes that external and through traffic see: from
// each cell to each gate (cell × gate), and from each gate to the opposite
// gate.
type gateTimes struct {
	cellGate []float64
	through  []float64
}

// refGates returns the gate times of the city's own streets at free flow,
// computed once: external and through traffic respond to how much longer
// (or shorter) a scenario makes them.
func (c *City) refGates() *gateTimes {
	c.cache.refOnce.Do(func() {
		trees := [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}
		ff := newFreeFlow(c, NewState(c, DefaultParams()), &trees, nil)
		c.cache.ref = &ff.gates
	})
	return c.cache.ref
}

func (c *City) prep() *prepared {
	c.cache.once.Do(func() { c.cache.p = prepareCity(c) })
	return c.cache.p
}

// snapNode returns the street node nearest to p and its distance.
func (c *City) snapNode(p orb.Point) (int32, float64) {
	id, _, t := c.NearestSegment(p)
	if id < 0 {
		return 0, math.Inf(1)
	}
	s := &c.Segments[id]
	n := s.From
	if t > 0.5 {
		n = s.To
	}
	return int32(n), dist(p, c.Nodes[n].P)
}

func prepareCity(c *City) *prepared {
	p := &prepared{}
	nb := len(c.Buildings)
	p.bNode = make([]int32, nb)
	p.bSnap = make([]float64, nb)
	p.bSeg = make([]int32, nb)
	for i := range c.Buildings {
		id, _, t := c.NearestSegment(c.Buildings[i].Centroid)
		p.bSeg[i] = int32(id)
		n := c.Segments[id].From
		if t > 0.5 {
			n = c.Segments[id].To
		}
		p.bNode[i], p.bSnap[i] = int32(n), dist(c.Buildings[i].Centroid, c.Nodes[n].P)
	}
	p.amenNode = make([]int32, len(c.Amenities))
	p.amenSnap = make([]float64, len(c.Amenities))
	for i := range c.Amenities {
		p.amenNode[i], p.amenSnap[i] = c.snapNode(c.Amenities[i].P)
	}
	p.amenZone = make([]int32, len(c.Amenities))
	for i := range c.Amenities {
		p.amenZone[i] = int32(c.zoneNear(c.Amenities[i].P))
	}
	p.segZone = make([]int32, len(c.Segments))
	for i := range c.Segments {
		p.segZone[i] = int32(c.zoneNear(c.SegmentMid(i)))
	}
	// Analysis cells: squares of at least 400 m, sized so that a city has
	// at most about 40 of them.
	w, h := c.Bound.Max[0]-c.Bound.Min[0], c.Bound.Max[1]-c.Bound.Min[1]
	size := max(400, math.Sqrt(w*h/40))
	nx := int(math.Ceil(w/size)) + 1
	idx := map[int]int32{}
	p.bCell = make([]int32, nb)
	var sums [][3]float64
	for i := range c.Buildings {
		b := &c.Buildings[i]
		k := int((b.Centroid[0]-c.Bound.Min[0])/size) + nx*int((b.Centroid[1]-c.Bound.Min[1])/size)
		ci, ok := idx[k]
		if !ok {
			ci = int32(len(sums))
			idx[k] = ci
			sums = append(sums, [3]float64{})
		}
		p.bCell[i] = ci
		wgt := b.FloorArea + 1
		sums[ci][0] += float64(b.Centroid[0] * wgt)
		sums[ci][1] += float64(b.Centroid[1] * wgt)
		sums[ci][2] += wgt
	}
	p.cells = make([]cell, len(sums))
	for i, s := range sums {
		ct := orb.Point{s[0] / s[2], s[1] / s[2]}
		n, _ := c.snapNode(ct)
		p.cells[i] = cell{node: n, centroid: ct}
		p.cellNode = append(p.cellNode, n)
	}
	nc := len(p.cells)
	p.cellKm = make([]float64, nc*nc)
	for a := 0; a < nc; a++ {
		for b := 0; b < nc; b++ {
			d := dist(p.cells[a].centroid, p.cells[b].centroid)
			if a == b {
				d = 0.52 * size // mean distance between two points of a square
			}
			p.cellKm[a*nc+b] = float64(d*1.3) / 1000
		}
	}
	p.cellSegs = make([][]int, nc)
	for a := range p.cells {
		for _, id := range c.SegmentsNear(p.cells[a].centroid, 400) {
			if dist(c.SegmentMid(id), p.cells[a].centroid) <= 400 {
				p.cellSegs[a] = append(p.cellSegs[a], id)
			}
		}
	}
	p.walk = buildGraph(c, func(int, bool) bool { return true }, nil)
	seglen := make([]float64, len(c.Segments))
	for i := range seglen {
		seglen[i] = c.Segments[i].Length
	}
	p.walkCost = p.walk.arcCosts(seglen, nil)
	p.gates = gateNodes(c)
	p.segFold = make([]string, len(c.Segments))
	for i := range c.Segments {
		if i > 0 && c.Segments[i].Name == c.Segments[i-1].Name {
			p.segFold[i] = p.segFold[i-1]
		} else {
			p.segFold[i] = FoldName(c.Segments[i].Name)
		}
	}
	p.zoneDw0 = make([]float64, len(c.Zones))
	p.zoneBld = make([][]int32, len(c.Zones)+1)
	p.cellBld = make([][]int32, nc)
	for i := range c.Buildings {
		z := c.Buildings[i].Zone
		if z >= 0 {
			p.zoneDw0[z] += float64(c.Buildings[i].Dwellings)
		} else {
			z = len(c.Zones)
		}
		p.zoneBld[z] = append(p.zoneBld[z], int32(i))
		p.cellBld[p.bCell[i]] = append(p.cellBld[p.bCell[i]], int32(i))
	}
	p.bPart = make([]int32, nb)
	p.zonePart = make([][2]int, len(p.zoneBld))
	for z, bld := range p.zoneBld {
		p.zonePart[z][0] = len(p.parts)
		for len(bld) > 0 {
			run := bld[:min(len(bld), partSize)]
			for _, i := range run {
				p.bPart[i] = int32(len(p.parts))
			}
			p.parts = append(p.parts, run)
			bld = bld[len(run):]
		}
		p.zonePart[z][1] = len(p.parts)
	}
	return p
}

// gateNodes picks the street nodes nearest to eight points on the city's
// bounding box (corners and edge midpoints), where through traffic enters.
func gateNodes(c *City) []int32 {
	b := c.Bound
	mx, my := (b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2
	pts := []orb.Point{{b.Min[0], b.Min[1]}, {mx, b.Min[1]}, {b.Max[0], b.Min[1]}, {b.Max[0], my},
		{b.Max[0], b.Max[1]}, {mx, b.Max[1]}, {b.Min[0], b.Max[1]}, {b.Min[0], my}}
	var out []int32
	for _, q := range pts {
		best, bd := -1, math.Inf(1)
		for i := range c.Nodes {
			if d := dist(c.Nodes[i].P, q); d < bd {
				best, bd = i, d
			}
		}
		out = append(out, int32(best))
	}
	return out
}

// zoneNear returns the zone of the building nearest to p within 150 m, or -1.
// Ties go to the lower building id.
func (c *City) zoneNear(p orb.Point) int {
	best, zone := math.Inf(1), -1
	ids := collect(func(f func(min, max [2]float64, id int) bool) {
		c.buildingIx.Search([2]float64{p[0] - 150, p[1] - 150}, [2]float64{p[0] + 150, p[1] + 150}, f)
	})
	for _, b := range ids {
		if d := dist(c.Buildings[b].Centroid, p); d < best && c.Buildings[b].Zone >= 0 {
			best, zone = d, c.Buildings[b].Zone
		}
	}
	return zone
}
