// Package maplabel places the map's names: street names along their
// streets, turned to the street's direction and never upside down, and
// names at points (the barris), with a greedy collision test in screen
// space so that no two labels overlap. It knows nothing of Ebiten or the
// browser, so it is tested natively; the map view (package main in wasm/)
// rasterises the glyphs (Atlas) and draws the labels it places.
package maplabel

import (
	"cmp"
	"math"
	"slices"

	"github.com/barri-city/barri/sim"
)

// Seg is one street segment: its street's name, its importance (Rank: 0 is
// the most important), its width as the map draws it (metres), its
// junctions and its end points in metres (x east, y north).
type Seg struct {
	Name     string
	Rank     int
	Width    float64
	From, To int
	A, B     [2]float64
}

// RankOf is the importance of a street class: primary 0, secondary 1,
// residential (and any other) 2, pedestrian 3.
func RankOf(class string) int {
	switch class {
	case sim.ClassPrimary:
		return 0
	case sim.ClassSecondary:
		return 1
	case sim.ClassPedestrian:
		return 3
	}
	return 2
}

// Width is a segment's width as the map draws it, in metres: 3.2 m a lane
// (at least one), and 4 m more for a primary street (its pavements and
// median). Among streets of one rank the wider is named first.
func Width(s sim.Segment) float64 {
	w := 3.2 * float64(max(s.Lanes, 1))
	if s.Class == sim.ClassPrimary {
		w += 4
	}
	return w
}

// SegOf is a city's segment as a Seg (its first and last points: a label
// lies along the chord).
func SegOf(s sim.Segment) Seg {
	g := s.Geometry
	out := Seg{Name: s.Name, Rank: RankOf(s.Class), Width: Width(s), From: s.From, To: s.To}
	if len(g) > 0 {
		out.A, out.B = g[0], g[len(g)-1]
	}
	return out
}

// Run is a nearly straight stretch of one street, made of consecutive
// segments: the stretch a label may lie along.
type Run struct {
	Name   string
	Rank   int
	Street int          // index of the street (its name) in first-seen order
	Pts    [][2]float64 // metres, in order along the street
	Len    float64      // metres
	Total  float64      // the whole street's length (all its runs), metres
	Width  float64      // the whole street's greatest width, metres
}

// maxBend is the most a run may turn from its first segment's direction.
var maxBend = 15 * math.Pi / 180

// Runs joins each street's segments into nearly straight runs: at a
// junction two segments of the same name continue each other when they
// are the pair closest to a straight line (within 15°) and the run has
// not turned more than that from where it began. The runs come in a fixed
// order: by rank, then widest street first (Passeig de Gràcia, four lanes,
// before the three-lane streets that cross it), then longest street, then
// name, then longest run, so that the layout does not depend on map order.
func Runs(segs []Seg) []Run {
	type end struct{ seg, side int } // side 0: From (A), 1: To (B)
	streetOf := map[string]int{}
	var names []string
	bySt := [][]int{}
	for i, s := range segs {
		if s.Name == "" || s.A == s.B {
			continue
		}
		k, ok := streetOf[s.Name]
		if !ok {
			k = len(names)
			streetOf[s.Name] = k
			names = append(names, s.Name)
			bySt = append(bySt, nil)
		}
		bySt[k] = append(bySt[k], i)
	}
	// dir is a segment's unit direction leaving the given side.
	dir := func(e end) [2]float64 {
		s := segs[e.seg]
		d := [2]float64{s.B[0] - s.A[0], s.B[1] - s.A[1]}
		if e.side == 1 {
			d = [2]float64{-d[0], -d[1]}
		}
		l := math.Hypot(d[0], d[1])
		return [2]float64{d[0] / l, d[1] / l}
	}
	node := func(e end) int {
		if e.side == 0 {
			return segs[e.seg].From
		}
		return segs[e.seg].To
	}
	var runs []Run
	for k, ids := range bySt {
		// At each junction, pair the segments that continue each other best.
		at := map[int][]end{}
		var nodes []int
		for _, i := range ids {
			for side := range 2 {
				e := end{i, side}
				n := node(e)
				if _, ok := at[n]; !ok {
					nodes = append(nodes, n)
				}
				at[n] = append(at[n], e)
			}
		}
		next := map[end]end{} // the end that continues from this one
		for _, n := range nodes {
			es := at[n]
			used := make([]bool, len(es))
			for {
				bi, bj, best := -1, -1, -math.Cos(maxBend)
				for i := range es {
					for j := i + 1; j < len(es); j++ {
						if used[i] || used[j] || es[i].seg == es[j].seg {
							continue
						}
						a, b := dir(es[i]), dir(es[j])
						if d := a[0]*b[0] + a[1]*b[1]; d < best {
							bi, bj, best = i, j, d
						}
					}
				}
				if bi < 0 {
					break
				}
				used[bi], used[bj] = true, true
				next[es[bi]], next[es[bj]] = es[bj], es[bi]
			}
		}
		seen := map[int]bool{}
		var total, width float64
		first := len(runs)
		for _, i := range ids {
			if seen[i] {
				continue
			}
			// Go back to where this chain begins (or round a loop once).
			e := end{i, 0}
			for {
				p, ok := next[e]
				if !ok || p.seg == i {
					break
				}
				e = end{p.seg, 1 - p.side}
			}
			// Then forward, starting a new run where it bends too far.
			var cur *Run
			var ref [2]float64
			for {
				if seen[e.seg] {
					break
				}
				seen[e.seg] = true
				s := segs[e.seg]
				a, b := s.A, s.B
				if e.side == 1 {
					a, b = b, a
				}
				d := dir(e)
				if cur == nil || d[0]*ref[0]+d[1]*ref[1] < math.Cos(maxBend) || !straight(cur.Pts, b) {
					runs = append(runs, Run{Name: names[k], Rank: s.Rank, Street: k, Pts: [][2]float64{a}})
					cur = &runs[len(runs)-1]
					ref = d
				}
				cur.Pts = append(cur.Pts, b)
				l := math.Hypot(b[0]-a[0], b[1]-a[1])
				cur.Len += l
				cur.Rank = min(cur.Rank, s.Rank)
				total += l
				width = max(width, s.Width)
				p, ok := next[end{e.seg, 1 - e.side}]
				if !ok {
					break
				}
				e = p
			}
		}
		for j := first; j < len(runs); j++ {
			runs[j].Total, runs[j].Width = total, width
		}
	}
	slices.SortStableFunc(runs, func(a, b Run) int {
		if c := cmp.Compare(a.Rank, b.Rank); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Width, a.Width); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(b.Len, a.Len)
	})
	return runs
}

// maxDev is the farthest (metres) a run's points may lie from its chord:
// its label is drawn along the chord.
const maxDev = 4.0

// straight reports whether the points, continued to b, stay within maxDev
// of the chord from the first point to b.
func straight(pts [][2]float64, b [2]float64) bool {
	a := pts[0]
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	if l == 0 {
		return false
	}
	for _, p := range pts[1:] {
		if math.Abs((p[0]-a[0])*dy-(p[1]-a[1])*dx)/l > maxDev {
			return false
		}
	}
	return true
}

// View is a north-up camera: the point of the city at the screen's centre
// (metres), the scale (screen pixels a metre), the screen's size, and the
// part of it labels go in (screen pixels; the rest is under panels).
type View struct {
	CX, CY, Scale float64
	W, H          float64
	Free          Rect
}

// Rect is an axis-aligned rectangle of the screen, in pixels.
type Rect struct{ X0, Y0, X1, Y1 float64 }

// ToScreen maps metres to screen pixels (y down).
func (v View) ToScreen(p [2]float64) (float64, float64) {
	return (p[0]-v.CX)*v.Scale + v.W/2, -(p[1]-v.CY)*v.Scale + v.H/2
}

// Label is a placed name: its centre on screen, its angle (radians,
// clockwise on screen, in [-π/2, π/2): never upside down), and its box's
// width and height in pixels.
type Label struct {
	Text   string
	X, Y   float64
	Angle  float64
	W, H   float64
	Street int // the run's street, or -1 for a point's name
}

// Upright turns a direction on screen (radians, y down) into the angle of
// text along it that reads left to right or, on a vertical street, bottom
// to top: the result is in [-π/2, π/2).
func Upright(a float64) float64 {
	a = math.Mod(a, 2*math.Pi)
	if a < -math.Pi {
		a += 2 * math.Pi
	} else if a >= math.Pi {
		a -= 2 * math.Pi
	}
	if a >= math.Pi/2 {
		a -= math.Pi
	} else if a < -math.Pi/2 {
		a += math.Pi
	}
	return a
}

// Overlap reports whether two labels' boxes, each grown by pad pixels on
// every side, overlap (the separating axis test of two rotated rectangles).
func Overlap(a, b Label, pad float64) bool {
	ax := [2][2]float64{{math.Cos(a.Angle), math.Sin(a.Angle)}, {-math.Sin(a.Angle), math.Cos(a.Angle)}}
	bx := [2][2]float64{{math.Cos(b.Angle), math.Sin(b.Angle)}, {-math.Sin(b.Angle), math.Cos(b.Angle)}}
	ah := [2]float64{a.W/2 + pad, a.H/2 + pad}
	bh := [2]float64{b.W/2 + pad, b.H/2 + pad}
	d := [2]float64{b.X - a.X, b.Y - a.Y}
	dot := func(u, v [2]float64) float64 { return u[0]*v[0] + u[1]*v[1] }
	for _, axis := range [4][2]float64{ax[0], ax[1], bx[0], bx[1]} {
		ra := ah[0]*math.Abs(dot(ax[0], axis)) + ah[1]*math.Abs(dot(ax[1], axis))
		rb := bh[0]*math.Abs(dot(bx[0], axis)) + bh[1]*math.Abs(dot(bx[1], axis))
		if math.Abs(dot(d, axis)) > ra+rb {
			return false
		}
	}
	return true
}

// Corners returns a label's box's four corners on screen.
func (l Label) Corners() [4][2]float64 {
	c, s := math.Cos(l.Angle), math.Sin(l.Angle)
	var out [4][2]float64
	for k, q := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		x, y := q[0]*l.W/2, q[1]*l.H/2
		out[k] = [2]float64{l.X + x*c - y*s, l.Y + x*s + y*c}
	}
	return out
}

// inside reports whether a label's box lies within r.
func (l Label) inside(r Rect) bool {
	for _, p := range l.Corners() {
		if p[0] < r.X0 || p[0] > r.X1 || p[1] < r.Y0 || p[1] > r.Y1 {
			return false
		}
	}
	return true
}

// Placer keeps the labels placed so far and places the next one only where
// it overlaps none of them: a greedy layout, so the order of the calls is
// the order of importance.
type Placer struct {
	Pad    float64 // pixels kept clear around every label
	Bounds Rect    // labels lie wholly inside
	// Obstacles are what no label may cover: what the page puts over the
	// map, and the map's own marks that a name would cut (the stops: a
	// street's name goes between them, or is not shown).
	Obstacles []Rect
	Placed    []Label
}

// Place adds the label if it fits clear of the labels placed and the
// obstacles, and reports whether it did.
func (p *Placer) Place(l Label) bool {
	if !p.fits(l, p.Obstacles, p.Placed) {
		return false
	}
	p.Placed = append(p.Placed, l)
	return true
}

// fits reports whether a label lies inside the bounds and clear of the
// obstacles and the labels given.
func (p *Placer) fits(l Label, obs []Rect, placed []Label) bool {
	if !l.inside(p.Bounds) {
		return false
	}
	// The label's axis-aligned box first: most obstacles are far from it.
	bx := l.box()
	for _, r := range obs {
		if r.X0 > bx.X1+p.Pad || r.X1 < bx.X0-p.Pad || r.Y0 > bx.Y1+p.Pad || r.Y1 < bx.Y0-p.Pad {
			continue
		}
		if Overlap(l, r.Label(), p.Pad/2) {
			return false
		}
	}
	for _, q := range placed {
		// A cheap test first: boxes whose circles do not meet cannot overlap.
		rr := math.Hypot(l.W, l.H)/2 + math.Hypot(q.W, q.H)/2 + 2*p.Pad
		if dx, dy := l.X-q.X, l.Y-q.Y; dx*dx+dy*dy > rr*rr {
			continue
		}
		if Overlap(l, q, p.Pad) {
			return false
		}
	}
	return true
}

// box is the axis-aligned box of a label's (turned) box.
func (l Label) box() Rect {
	bx := Rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, c := range l.Corners() {
		bx = Rect{min(bx.X0, c[0]), min(bx.Y0, c[1]), max(bx.X1, c[0]), max(bx.Y1, c[1])}
	}
	return bx
}

// Label is the rectangle as a level label's box.
func (r Rect) Label() Label {
	return Label{X: (r.X0 + r.X1) / 2, Y: (r.Y0 + r.Y1) / 2, W: r.X1 - r.X0, H: r.Y1 - r.Y0, Street: -1}
}

// Streets are the options of street names' layout.
type Streets struct {
	// MinScale is the least scale (pixels a metre) at which streets of
	// each rank are named: a rank past the slice's end is never named.
	MinScale []float64
	Height   float64 // the labels' box height, pixels
	Repeat   float64 // the least distance between two labels of one street, pixels
	EndPad   float64 // pixels kept from a run's ends
}

// PlaceStreets places the names of the runs in their order, each on the
// stretch of its run on screen: at points a fixed distance apart along the
// run (a power of two metres, Repeat pixels or up to twice that), so that a
// small pan leaves labels where they were; when none of those points is
// free (a stop, another name, a panel in the way), the name slides along
// the part on screen, out from the fixed point nearest its middle a third
// of its height at a time (steps fixed to the run), to the first stretch
// where it fits, and is left out when there is none.
// A street's name is placed again only Repeat pixels or more from where it
// already is. width gives a name's width in pixels.
func (p *Placer) PlaceStreets(runs []Run, v View, o Streets, width func(string) float64) {
	var mine [][2]float64 // the placed street labels' centres, per street below
	var of []int
	var obs []Rect   // the obstacles near the run on screen
	var near []Label // and the labels
	for _, r := range runs {
		if r.Rank >= len(o.MinScale) || v.Scale < o.MinScale[r.Rank] || len(r.Pts) < 2 {
			continue
		}
		w := width(r.Name)
		if r.Len*v.Scale < w+2*o.EndPad {
			continue
		}
		a := r.Pts[0]
		b := r.Pts[len(r.Pts)-1]
		ax, ay := v.ToScreen(a)
		bx, by := v.ToScreen(b)
		t0, t1, ok := clip(ax, ay, bx, by, p.Bounds)
		if !ok {
			continue
		}
		chord := math.Hypot(bx-ax, by-ay)
		if chord == 0 {
			continue
		}
		angle := Upright(math.Atan2(by-ay, bx-ax))
		half := (w/2 + o.EndPad) / chord // of the chord, as a fraction
		if (t1-t0)*chord < w+2*o.EndPad {
			continue
		}
		lo, hi := max(t0, half), min(t1, 1-half)
		if lo > hi {
			continue
		}
		// Only what lies near the stretch the name's centre may take can be
		// in its way.
		sx0, sy0, sx1, sy1 := ax+(bx-ax)*lo, ay+(by-ay)*lo, ax+(bx-ax)*hi, ay+(by-ay)*hi
		reach := math.Hypot(w, o.Height)/2 + p.Pad
		obs, near = obs[:0], near[:0]
		for _, ob := range p.Obstacles {
			if distToSeg((ob.X0+ob.X1)/2, (ob.Y0+ob.Y1)/2, sx0, sy0, sx1, sy1) <= reach+math.Hypot(ob.X1-ob.X0, ob.Y1-ob.Y0)/2 {
				obs = append(obs, ob)
			}
		}
		for _, q := range p.Placed {
			if distToSeg(q.X, q.Y, sx0, sy0, sx1, sy1) <= reach+p.Pad+math.Hypot(q.W, q.H)/2 {
				near = append(near, q)
			}
		}
		// Fixed points along the run: its middle and every step from it.
		step := math.Exp2(math.Ceil(math.Log2(o.Repeat / v.Scale))) // metres
		st := step / r.Len
		var ts []float64
		for k := math.Ceil((lo - 0.5) / st); 0.5+k*st <= hi && len(ts) < 64; k++ {
			ts = append(ts, 0.5+k*st)
		}
		placed := 0
		try := func(t float64) bool {
			x, y := ax+(bx-ax)*t, ay+(by-ay)*t
			for k, c := range mine {
				if of[k] == r.Street && math.Hypot(c[0]-x, c[1]-y) < o.Repeat {
					return false
				}
			}
			l := Label{Text: r.Name, X: x, Y: y, Angle: angle, W: w, H: o.Height, Street: r.Street}
			if !p.fits(l, obs, near) {
				return false
			}
			p.Placed = append(p.Placed, l)
			near = append(near, l)
			mine = append(mine, [2]float64{x, y})
			of = append(of, r.Street)
			placed++
			return true
		}
		for _, t := range ts {
			try(t)
		}
		if placed > 0 {
			continue
		}
		// None fits there: slide along the part on screen, out from the
		// fixed point nearest its middle, on steps fixed to the run, so
		// that a small pan leaves a slid name where it was too.
		dt := max(o.Height/3, 1) / chord
		k0, k1 := math.Ceil((lo-0.5)/dt), math.Floor((hi-0.5)/dt)
		tf := 0.5 + math.Round(((lo+hi)/2-0.5)/st)*st
		kc := max(k0, min(k1, math.Round((tf-0.5)/dt)))
		for d := 0.0; kc-d >= k0 || kc+d <= k1; d++ {
			if k := kc + d; k <= k1 && try(0.5+k*dt) {
				break
			}
			if k := kc - d; d > 0 && k >= k0 && try(0.5+k*dt) {
				break
			}
		}
	}
}

// StopRadius is the radius in pixels of a stop's disc as the map draws it,
// its white rim of dsf pixels (one CSS pixel) included, at a scale in
// pixels a metre: 20 m, but at least 1.5 and at most 7 CSS pixels (small at
// city scale, where larger discs covered the buildings).
func StopRadius(scale, dsf float64) float64 {
	return max(1.5*dsf, min(7*dsf, 20*scale)) + dsf
}

// StopBox is the box a stop's disc at (x, y) on screen covers: what a name
// must not cover (an obstacle of Placer).
func StopBox(x, y, scale, dsf float64) Rect {
	r := StopRadius(scale, dsf)
	return Rect{x - r, y - r, x + r, y + r}
}

// distToSeg is the distance from (x, y) to the segment from (ax, ay) to
// (bx, by).
func distToSeg(x, y, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = max(0, min(1, ((x-ax)*dx+(y-ay)*dy)/l2))
	}
	return math.Hypot(ax+t*dx-x, ay+t*dy-y)
}

// clip returns the part [t0, t1] of the segment from a to b (as fractions
// of it) inside r (Liang–Barsky), and whether there is one.
func clip(ax, ay, bx, by float64, r Rect) (float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := bx-ax, by-ay
	for _, e := range [4][2]float64{{-dx, ax - r.X0}, {dx, r.X1 - ax}, {-dy, ay - r.Y0}, {dy, r.Y1 - ay}} {
		pp, q := e[0], e[1]
		if pp == 0 {
			if q < 0 {
				return 0, 0, false
			}
			continue
		}
		t := q / pp
		if pp < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
	}
	return t0, t1, t0 < t1
}

// Wrap splits a name that is wider than max into two lines at the space
// nearest its middle (a barri's name, at its centre); a name with no space,
// or narrow enough, stays one line.
func Wrap(s string, width func(string) float64, max float64) []string {
	if width(s) <= max {
		return []string{s}
	}
	best, bd := -1, math.Inf(1)
	for i, r := range s {
		if r != ' ' {
			continue
		}
		if d := math.Abs(width(s[:i]) - width(s[i+1:])); d < bd {
			best, bd = i, d
		}
	}
	if best < 0 {
		return []string{s}
	}
	return []string{s[:best], s[best+1:]}
}
