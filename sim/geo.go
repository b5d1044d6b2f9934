package sim

import (
	"github.com/barri-city/barri/sim/detmath"
	"math"

	"github.com/paulmach/orb"
)

// earthRadius is the WGS84 semi-major axis in metres.
const earthRadius = 6378137.0

// Projection maps WGS84 lon/lat to metres east and north of an origin. It is
// a local equirectangular projection: over a city (10 km) its distance error is
// below 0.1%, and it is exactly invertible, which keeps import and export
// bit-stable.
type Projection struct {
	Lon0, Lat0 float64 // origin in degrees
	kx, ky     float64
}

// NewProjection returns the projection centred at lon0, lat0.
func NewProjection(lon0, lat0 float64) Projection {
	ky := earthRadius * math.Pi / 180
	return Projection{Lon0: lon0, Lat0: lat0, kx: ky * math.Cos(lat0*math.Pi/180), ky: ky}
}

// ToXY projects a lon/lat point to metres.
func (p Projection) ToXY(ll orb.Point) orb.Point {
	return orb.Point{(ll[0] - p.Lon0) * p.kx, (ll[1] - p.Lat0) * p.ky}
}

// ToLonLat unprojects metres to lon/lat.
func (p Projection) ToLonLat(xy orb.Point) orb.Point {
	return orb.Point{xy[0]/p.kx + p.Lon0, xy[1]/p.ky + p.Lat0}
}

// ProjectGeometry projects every point of a lon/lat geometry to metres.
func (p Projection) ProjectGeometry(g orb.Geometry) orb.Geometry { return mapGeom(g, p.ToXY) }

// UnprojectGeometry maps every point of a metre geometry back to lon/lat.
func (p Projection) UnprojectGeometry(g orb.Geometry) orb.Geometry { return mapGeom(g, p.ToLonLat) }

// projectInPlace projects every point of a lon/lat area to metres, in the
// area's own arrays: for an area just parsed, which nothing else holds.
func (p Projection) projectInPlace(mp orb.MultiPolygon) Area {
	for _, poly := range mp {
		for _, r := range poly {
			for i, q := range r {
				r[i] = p.ToXY(q)
			}
		}
	}
	return Area(mp)
}

func mapRing(r orb.Ring, f func(orb.Point) orb.Point) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, q := range r {
		out[i] = f(q)
	}
	return out
}

func mapGeom(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.LineString:
		return orb.LineString(mapRing(orb.Ring(g), f))
	case orb.Ring:
		return mapRing(g, f)
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = mapRing(r, f)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = mapGeom(p, f).(orb.Polygon)
		}
		return out
	case orb.MultiPoint:
		return orb.MultiPoint(mapRing(orb.Ring(g), f))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = orb.LineString(mapRing(orb.Ring(l), f))
		}
		return out
	}
	return g
}

// ringArea returns the unsigned area of a ring in square metres (shoelace).
func ringArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += float64(r[i][0]*r[i+1][1]) - float64(r[i+1][0]*r[i][1])
	}
	return float64(math.Abs(s) / 2)
}

// PolygonArea returns the area of a polygon in square metres, holes removed.
func PolygonArea(p orb.Polygon) float64 {
	if len(p) == 0 {
		return 0
	}
	a := ringArea(p[0])
	for _, h := range p[1:] {
		a -= ringArea(h)
	}
	return a
}

// ringContains reports whether pt is inside ring r (even-odd rule).
func ringContains(r orb.Ring, pt orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > pt[1]) != (b[1] > pt[1]) && pt[0] < (b[0]-a[0])*(pt[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// PolygonContains reports whether pt lies inside polygon p and outside its holes.
func PolygonContains(p orb.Polygon, pt orb.Point) bool {
	if len(p) == 0 || !ringContains(p[0], pt) {
		return false
	}
	for _, h := range p[1:] {
		if ringContains(h, pt) {
			return false
		}
	}
	return true
}

// Area is a region given as one or more polygons in metres.
type Area orb.MultiPolygon

// Contains reports whether pt lies inside the area.
func (a Area) Contains(pt orb.Point) bool {
	for _, p := range a {
		if PolygonContains(p, pt) {
			return true
		}
	}
	return false
}

// Bound returns the bounding box of the area.
func (a Area) Bound() orb.Bound { return orb.MultiPolygon(a).Bound() }

// SquareMetres returns the area's surface.
func (a Area) SquareMetres() float64 {
	var s float64
	for _, p := range a {
		s += PolygonArea(p)
	}
	return s
}

// Centroid returns the mean of a ring's vertices (closing point excluded).
func Centroid(r orb.Ring) orb.Point {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	var x, y float64
	for i := 0; i < n; i++ {
		x += r[i][0]
		y += r[i][1]
	}
	if n == 0 {
		return orb.Point{}
	}
	return orb.Point{x / float64(n), y / float64(n)}
}

// dist returns the Euclidean distance between two points in metres.
func dist(a, b orb.Point) float64 { return detmath.Hypot(a[0]-b[0], a[1]-b[1]) }

// segmentsCross reports whether segments ab and cd properly intersect.
func segmentsCross(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 {
		return float64((q[0]-p[0])*(r[1]-p[1])) - float64((q[1]-p[1])*(r[0]-p[0]))
	}
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// overlaps reports whether two areas share more than a border: an edge of
// one properly crosses an edge of the other, or the centroid of a polygon of
// one lies inside the other (one inside the other, or the same area).
// Areas that only touch along an edge or at a corner do not overlap.
func overlaps(a, b Area) bool {
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	for _, pa := range a {
		if b.Contains(Centroid(pa[0])) {
			return true
		}
	}
	for _, pb := range b {
		if a.Contains(Centroid(pb[0])) {
			return true
		}
	}
	for _, pa := range a {
		for _, ra := range pa {
			for _, pb := range b {
				for _, rb := range pb {
					for i := 1; i < len(ra); i++ {
						for j := 1; j < len(rb); j++ {
							if segmentsCross(ra[i-1], ra[i], rb[j-1], rb[j]) {
								return true
							}
						}
					}
				}
			}
		}
	}
	return false
}

// RingSelfIntersects reports whether two non-adjacent edges of r cross
// (properly: touching and overlapping edges do not count). A ring of up to
// naiveRingEdges edges is checked pair by pair; a longer one by a sweep line
// (Shamos and Hoey), in O(n log n): a ring of 10⁶ vertices takes about a
// second instead of hours.
func RingSelfIntersects(r orb.Ring) bool {
	if len(r)-1 <= naiveRingEdges {
		return ringSelfIntersectsNaive(r)
	}
	return ringSelfIntersectsSweep(r)
}

// naiveRingEdges is the longest ring checked pair by pair: below it the
// quadratic check is as fast as the sweep.
const naiveRingEdges = 256

// ringSelfIntersectsNaive checks every pair of non-adjacent edges.
func ringSelfIntersectsNaive(r orb.Ring) bool {
	n := len(r) - 1
	for i := 0; i < n; i++ {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			if segmentsCross(r[i], r[i+1], r[j], r[j+1]) {
				return true
			}
		}
	}
	return false
}

// pointSegDist returns the distance from p to segment ab and the position t in [0,1].
func pointSegDist(p, a, b orb.Point) (float64, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := float64(dx*dx) + float64(dy*dy)
	t := 0.0
	if l2 > 0 {
		t = (float64((p[0]-a[0])*dx) + float64((p[1]-a[1])*dy)) / l2
		t = max(0, min(1, t))
	}
	q := orb.Point{a[0] + float64(t*dx), a[1] + float64(t*dy)}
	return dist(p, q), t
}
