//go:build js && wasm

package main

import (
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/wasm/maplabel"
)

// mesh is the city's geometry tessellated once, in metres: building
// footprints as triangles, streets, barri outlines and stops as line segments
// and points that the view widens on screen.
type mesh struct {
	// Buildings: triangle corners (x, y pairs), and for building i its
	// corners' range bldStart[i]..bldStart[i+1].
	bldXY    []float32
	bldStart []int
	// Streets: one line per segment (its end points; the Eixample's segments
	// are straight), and the street's width in metres.
	segXY    [][4]float32
	segWidth []float32
	// Barri outlines: line segments (x0, y0, x1, y1) and the zone of each.
	zoneXY  [][4]float32
	zoneOf  []int
	zoneMid []orb.Point // a label point per zone
	stopXY  []orb.Point
	bound   orb.Bound
	// Bounds of each building and segment (a segment's with half its
	// width), and a grid of cells over the city listing the buildings and
	// segments that reach into each, so that a part of the map can be
	// drawn again alone.
	bldBound, segBound []orb.Bound
	grid               grid
}

// grid buckets elements by square cells of the city's plane.
type grid struct {
	x0, y0 float64
	cell   float64
	nx, ny int
	bld    [][]int32 // per cell, ascending ids
	seg    [][]int32
	seen   []int32 // query stamps per id (shared by both kinds: the larger count)
	stamp  int32
}

const gridCell = 100.0 // metres

func newGrid(b orb.Bound, nIDs int) grid {
	g := grid{x0: b.Min[0], y0: b.Min[1], cell: gridCell}
	g.nx = int((b.Max[0]-b.Min[0])/gridCell) + 1
	g.ny = int((b.Max[1]-b.Min[1])/gridCell) + 1
	g.bld = make([][]int32, g.nx*g.ny)
	g.seg = make([][]int32, g.nx*g.ny)
	g.seen = make([]int32, nIDs)
	return g
}

// cells returns the cell range a bound covers, clamped to the grid.
func (g *grid) cells(b orb.Bound) (i0, j0, i1, j1 int) {
	c := func(v, o float64, n int) int { return max(0, min(n-1, int(math.Floor((v-o)/g.cell)))) }
	return c(b.Min[0], g.x0, g.nx), c(b.Min[1], g.y0, g.ny), c(b.Max[0], g.x0, g.nx), c(b.Max[1], g.y0, g.ny)
}

func (g *grid) add(cells [][]int32, id int, b orb.Bound) {
	i0, j0, i1, j1 := g.cells(b)
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			cells[j*g.nx+i] = append(cells[j*g.nx+i], int32(id))
		}
	}
}

// query appends to out the ids in cells whose bound meets b, ascending
// (the order the whole map draws them in).
func (g *grid) query(cells [][]int32, bounds []orb.Bound, b orb.Bound, out []int) []int {
	g.stamp++
	i0, j0, i1, j1 := g.cells(b)
	n := len(out)
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			for _, id := range cells[j*g.nx+i] {
				if g.seen[id] == g.stamp || !bounds[id].Intersects(b) {
					continue
				}
				g.seen[id] = g.stamp
				out = append(out, int(id))
			}
		}
	}
	slices.Sort(out[n:])
	return out
}

// newMesh tessellates a city.
func newMesh(c *sim.City) *mesh {
	m := &mesh{bound: c.Bound}
	m.bldStart = make([]int, len(c.Buildings)+1)
	for i, b := range c.Buildings {
		m.bldStart[i] = len(m.bldXY) / 2
		for _, t := range triangulate(b.Footprint) {
			m.bldXY = append(m.bldXY, float32(t[0]), float32(t[1]))
		}
	}
	m.bldStart[len(c.Buildings)] = len(m.bldXY) / 2
	for _, s := range c.Segments {
		g := s.Geometry
		a, b := g[0], g[len(g)-1]
		m.segXY = append(m.segXY, [4]float32{float32(a[0]), float32(a[1]), float32(b[0]), float32(b[1])})
		m.segWidth = append(m.segWidth, float32(maplabel.Width(s)))
	}
	var origin orb.Point
	if len(c.Zones) > 0 && len(c.Zones[0].Boundary) > 0 {
		origin = sim.Centroid(c.Zones[0].Boundary[0][0])
	}
	for zi, z := range c.Zones {
		edges, mid := zoneOutline(z.Boundary, origin)
		for _, e := range edges {
			m.zoneXY = append(m.zoneXY, e)
			m.zoneOf = append(m.zoneOf, zi)
		}
		m.zoneMid = append(m.zoneMid, mid)
	}
	for _, s := range c.Stops {
		m.stopXY = append(m.stopXY, s.P)
	}
	m.grid = newGrid(m.bound, max(len(c.Buildings), len(c.Segments)))
	for i := 0; i+1 < len(m.bldStart); i++ {
		b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
		for k := m.bldStart[i]; k < m.bldStart[i+1]; k++ {
			b = b.Extend(orb.Point{float64(m.bldXY[2*k]), float64(m.bldXY[2*k+1])})
		}
		if m.bldStart[i+1] == m.bldStart[i] {
			b = orb.Bound{} // no triangles: nothing to draw
		} else {
			m.grid.add(m.grid.bld, i, b)
		}
		m.bldBound = append(m.bldBound, b)
	}
	for i, s := range m.segXY {
		b := orb.Bound{Min: orb.Point{float64(min(s[0], s[2])), float64(min(s[1], s[3]))}, Max: orb.Point{float64(max(s[0], s[2])), float64(max(s[1], s[3]))}}
		b = b.Pad(float64(m.segWidth[i]) / 2)
		m.segBound = append(m.segBound, b)
		m.grid.add(m.grid.seg, i, b)
	}
	return m
}

// triangulate splits a footprint's outer ring into triangles by ear
// clipping (footprints here have no holes; a hole would be ignored).
func triangulate(p orb.Polygon) []orb.Point {
	if len(p) == 0 {
		return nil
	}
	r := p[0]
	if len(r) > 1 && r[0] == r[len(r)-1] {
		r = r[:len(r)-1]
	}
	if len(r) < 3 {
		return nil
	}
	pts := slices.Clone([]orb.Point(r))
	if signedArea(pts) < 0 {
		slices.Reverse(pts)
	}
	var out []orb.Point
	for guard := 0; len(pts) > 3 && guard < 10000; guard++ {
		n := len(pts)
		cut := -1
		for i := 0; i < n; i++ {
			a, b, c := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
			if cross(a, b, c) <= 0 {
				continue
			}
			inside := false
			for j := 0; j < n; j++ {
				q := pts[j]
				if q == a || q == b || q == c {
					continue
				}
				if inTriangle(q, a, b, c) {
					inside = true
					break
				}
			}
			if !inside {
				cut = i
				break
			}
		}
		if cut < 0 { // degenerate: fan the rest
			break
		}
		out = append(out, pts[(cut+n-1)%n], pts[cut], pts[(cut+1)%n])
		pts = slices.Delete(pts, cut, cut+1)
	}
	for i := 1; i+1 < len(pts); i++ {
		out = append(out, pts[0], pts[i], pts[i+1])
	}
	return out
}

func signedArea(r []orb.Point) float64 {
	var s float64
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		s += a[0]*b[1] - b[0]*a[1]
	}
	return s / 2
}

func cross(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func inTriangle(p, a, b, c orb.Point) bool {
	return cross(a, b, p) >= 0 && cross(b, c, p) >= 0 && cross(c, a, p) >= 0
}

// gridAngle is the bearing of the Cerdà grid's axes in the projected plane.
const gridAngle = math.Pi / 4

// zoneOutline returns the outline of a barri given as its blocks: each block
// becomes its cell of the Cerdà grid, indexed by its centre's column and row
// on a lattice of the grid's pitch; edges that two cells of the barri share
// cancel, and what is left is the barri's boundary. A lattice corner is drawn
// at the mean of the corners the blocks around it put there, so the outline
// follows the fitted grid. It also returns a label point (the mean centre).
func zoneOutline(mp orb.MultiPolygon, origin orb.Point) ([][4]float32, orb.Point) {
	sin, cos := math.Sincos(-gridAngle)
	rot := func(p orb.Point, s, c float64) orb.Point {
		return orb.Point{p[0]*c - p[1]*s, p[0]*s + p[1]*c}
	}
	o := rot(origin, sin, cos)
	type corner [2]int // doubled lattice coordinates
	type edge [2]corner
	count := map[edge]int{}
	var order []edge
	sum := map[corner]orb.Point{}
	num := map[corner]int{}
	var mid orb.Point
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
		for _, p := range poly[0] {
			b = b.Extend(rot(p, sin, cos))
		}
		c := b.Center()
		i := int(math.Round((c[0] - o[0]) / pitch))
		j := int(math.Round((c[1] - o[1]) / pitch))
		cs := [4]corner{{2*i - 1, 2*j - 1}, {2*i + 1, 2*j - 1}, {2*i + 1, 2*j + 1}, {2*i - 1, 2*j + 1}}
		for k, q := range cs {
			dx, dy := float64(q[0]-2*i)*pitch/2, float64(q[1]-2*j)*pitch/2
			s := sum[q]
			sum[q] = orb.Point{s[0] + c[0] + dx, s[1] + c[1] + dy}
			num[q]++
			a, z := q, cs[(k+1)%4]
			if a[0] > z[0] || (a[0] == z[0] && a[1] > z[1]) {
				a, z = z, a
			}
			e := edge{a, z}
			if count[e] == 0 {
				order = append(order, e)
			}
			count[e]++
		}
		mid[0] += c[0]
		mid[1] += c[1]
	}
	if n := float64(len(mp)); n > 0 {
		mid = rot(orb.Point{mid[0] / n, mid[1] / n}, -sin, cos)
	}
	at := func(q corner) orb.Point {
		s, n := sum[q], float64(num[q])
		return rot(orb.Point{s[0] / n, s[1] / n}, -sin, cos)
	}
	var out [][4]float32
	for _, e := range order {
		if count[e] != 1 {
			continue
		}
		a, b := at(e[0]), at(e[1])
		out = append(out, [4]float32{float32(a[0]), float32(a[1]), float32(b[0]), float32(b[1])})
	}
	return out, mid
}
