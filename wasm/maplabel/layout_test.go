package maplabel

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

func TestUpright(t *testing.T) {
	for _, deg := range []float64{0, 10, 45, 89.9, 90, 91, 135, 179, 180, 181, 225, 269, 270, 271, 315, 359, -45, -90, -91, -180, -270, 720 + 30} {
		a := deg * math.Pi / 180
		u := Upright(a)
		if u < -math.Pi/2 || u >= math.Pi/2 {
			t.Errorf("Upright(%v°) = %.2f°, want within [-90°, 90°)", deg, u*180/math.Pi)
		}
		// Along the same line: the same direction or the opposite one.
		if d := math.Abs(math.Sin(u - a)); d > 1e-9 {
			t.Errorf("Upright(%v°) = %.2f°, not along the street", deg, u*180/math.Pi)
		}
	}
	// A vertical street reads bottom to top (-90°: up on screen).
	if u := Upright(math.Pi / 2); math.Abs(u+math.Pi/2) > 1e-12 {
		t.Errorf("a street going down the screen is labelled at %.1f°, want -90° (read upwards)", u*180/math.Pi)
	}
}

func TestOverlap(t *testing.T) {
	l := func(x, y, deg float64) Label { return Label{X: x, Y: y, W: 100, H: 12, Angle: deg * math.Pi / 180} }
	cases := []struct {
		a, b Label
		pad  float64
		want bool
	}{
		{l(0, 0, 0), l(0, 0, 0), 0, true},
		{l(0, 0, 0), l(99, 0, 0), 0, true},
		{l(0, 0, 0), l(101, 0, 0), 0, false},
		{l(0, 0, 0), l(101, 0, 0), 2, true},
		{l(0, 0, 0), l(0, 13, 0), 0, false},
		{l(0, 0, 0), l(0, 11, 0), 0, true},
		// Two parallel labels 45° on screen, 20 px apart across: their
		// axis-aligned boxes overlap, the labels do not.
		{l(0, 0, 45), l(20/math.Sqrt2, -20/math.Sqrt2, 45), 0, false},
		{l(0, 0, 45), l(10/math.Sqrt2, -10/math.Sqrt2, 45), 0, true},
		// Crossing streets.
		{l(0, 0, 45), l(0, 0, -45), 0, true},
		{l(0, 0, 45), l(80, 0, -45), 0, false},
	}
	for i, c := range cases {
		if got := Overlap(c.a, c.b, c.pad); got != c.want {
			t.Errorf("case %d: Overlap = %v, want %v", i, got, c.want)
		}
		if got := Overlap(c.b, c.a, c.pad); got != c.want {
			t.Errorf("case %d swapped: Overlap = %v, want %v", i, got, c.want)
		}
	}
}

func TestClip(t *testing.T) {
	r := Rect{0, 0, 100, 100}
	if t0, t1, ok := clip(-50, 50, 150, 50, r); !ok || math.Abs(t0-0.25) > 1e-12 || math.Abs(t1-0.75) > 1e-12 {
		t.Errorf("clip across = %v %v %v, want 0.25 0.75", t0, t1, ok)
	}
	if _, _, ok := clip(-50, -50, -10, 150, r); ok {
		t.Error("a segment left of the screen is clipped to some of it")
	}
}

// eixample returns the built-in city's segments as Segs.
func eixample(t testing.TB) (*sim.City, []Seg) {
	c := maps.Eixample()
	var segs []Seg
	for _, s := range c.Segments {
		segs = append(segs, SegOf(s))
	}
	return c, segs
}

func TestRunsOfTheEixample(t *testing.T) {
	c, segs := eixample(t)
	runs := Runs(segs)
	if again := Runs(segs); !slices.EqualFunc(runs, again, func(a, b Run) bool {
		return a.Name == b.Name && a.Len == b.Len && slices.Equal(a.Pts, b.Pts)
	}) {
		t.Fatal("Runs gives another order or other runs for the same segments")
	}
	names := map[string]float64{}
	for _, s := range c.Segments {
		names[s.Name] += s.Length
	}
	got := map[string]float64{}
	perStreet := map[string]int{}
	for i, r := range runs {
		got[r.Name] += r.Len
		perStreet[r.Name]++
		if !straight(r.Pts[:len(r.Pts)-1], r.Pts[len(r.Pts)-1]) && len(r.Pts) > 2 {
			t.Errorf("run %d of %s is not straight", i, r.Name)
		}
		if i > 0 && runs[i-1].Rank > r.Rank {
			t.Errorf("run %d (%s, rank %d) comes after a less important one", i, r.Name, r.Rank)
		}
	}
	for n, l := range names {
		if math.Abs(got[n]-l) > 0.01*l+1 {
			t.Errorf("%s: runs %.0f m long, its segments %.0f m", n, got[n], l)
		}
	}
	// The Cerdà grid's streets are straight: most are one run.
	if r := perStreet["Carrer de Mallorca"]; r > 3 {
		t.Errorf("Carrer de Mallorca is %d runs, want at most 3 (it is straight)", r)
	}
	if runs[0].Rank != 0 {
		t.Errorf("the first run is %s of rank %d, want a primary street", runs[0].Name, runs[0].Rank)
	}
}

// layout places the Eixample's street names at a scale (pixels a metre)
// on a 1280×800 screen centred on the city.
func layout(t testing.TB, runs []Run, scale float64, cx, cy float64) []Label {
	v := View{CX: cx, CY: cy, Scale: scale, W: 1280, H: 800, Free: Rect{0, 0, 1280, 800}}
	p := Placer{Pad: 3, Bounds: Rect{4, 4, 1276, 796}}
	width := func(s string) float64 { return 6.5 * float64(len([]rune(s))) }
	p.PlaceStreets(runs, v, Streets{MinScale: []float64{0.3, 0.6, 0.6}, Height: 14, Repeat: 300, EndPad: 6}, width)
	return p.Placed
}

func TestPlaceStreets(t *testing.T) {
	c, segs := eixample(t)
	runs := Runs(segs)
	mid := c.Bound.Center()
	if l := layout(t, runs, 0.2, mid[0], mid[1]); len(l) != 0 {
		t.Errorf("zoomed far out, %d street names are shown, want none", len(l))
	}
	mid1 := layout(t, runs, 0.4, mid[0], mid[1])
	for _, l := range mid1 {
		if rankOfName(c, l.Text) != 0 {
			t.Errorf("at 0.4 px/m %s is named, want only the primary streets", l.Text)
		}
	}
	if len(mid1) == 0 {
		t.Error("at 0.4 px/m no primary street is named")
	}
	for _, scale := range []float64{0.7, 1.2, 2.5, 4} {
		ls := layout(t, runs, scale, mid[0], mid[1])
		t.Logf("at %.1f px/m: %d names", scale, len(ls))
		if len(ls) < 5 {
			t.Errorf("at %.1f px/m only %d names are placed", scale, len(ls))
		}
		for i, a := range ls {
			if a.Angle < -math.Pi/2 || a.Angle >= math.Pi/2 {
				t.Errorf("at %.1f px/m %s is at %.0f°: upside down", scale, a.Text, a.Angle*180/math.Pi)
			}
			for _, p := range a.Corners() {
				if p[0] < 4 || p[0] > 1276 || p[1] < 4 || p[1] > 796 {
					t.Errorf("at %.1f px/m %s reaches %v, off the screen", scale, a.Text, p)
				}
			}
			for _, b := range ls[i+1:] {
				if Overlap(a, b, 0) {
					t.Errorf("at %.1f px/m %s and %s overlap", scale, a.Text, b.Text)
				}
				if a.Street == b.Street && math.Hypot(a.X-b.X, a.Y-b.Y) < 300 {
					t.Errorf("at %.1f px/m %s is named twice %.0f px apart", scale, a.Text, math.Hypot(a.X-b.X, a.Y-b.Y))
				}
			}
			// On its street: the label's centre is on one of the street's segments.
			if d := distToStreet(c, a, scale, mid); d > 1 {
				t.Errorf("at %.1f px/m the label %s is %.1f px from its street", scale, a.Text, d)
			}
		}
	}
	// A small pan leaves most labels where they were on the city.
	a := layout(t, runs, 1.2, mid[0], mid[1])
	b := layout(t, runs, 1.2, mid[0]+20, mid[1]-10)
	same := 0
	for _, l := range a {
		for _, m := range b {
			if l.Text == m.Text && math.Hypot(l.X-20*1.2-m.X, l.Y-10*1.2-m.Y) < 0.5 {
				same++
				break
			}
		}
	}
	t.Logf("after a pan of 24 px, %d of %d labels stay on the same place of the city", same, len(a))
	if same < len(a)*2/3 {
		t.Errorf("a pan of 24 px moved %d of %d labels along their streets, want at most a third", len(a)-same, len(a))
	}
}

func rankOfName(c *sim.City, name string) int {
	r := 99
	for _, s := range c.Segments {
		if s.Name == name {
			r = min(r, RankOf(s.Class))
		}
	}
	return r
}

func distToStreet(c *sim.City, l Label, scale float64, mid [2]float64) float64 {
	v := View{CX: mid[0], CY: mid[1], Scale: scale, W: 1280, H: 800}
	best := math.Inf(1)
	for _, s := range c.Segments {
		if s.Name != l.Text {
			continue
		}
		ax, ay := v.ToScreen(s.Geometry[0])
		bx, by := v.ToScreen(s.Geometry[len(s.Geometry)-1])
		dx, dy := bx-ax, by-ay
		tt := math.Max(0, math.Min(1, ((l.X-ax)*dx+(l.Y-ay)*dy)/(dx*dx+dy*dy)))
		best = math.Min(best, math.Hypot(ax+tt*dx-l.X, ay+tt*dy-l.Y))
	}
	return best
}

func TestPlacerKeepsOrder(t *testing.T) {
	p := Placer{Pad: 2, Bounds: Rect{0, 0, 500, 500}}
	if !p.Place(Label{Text: "a", X: 100, Y: 100, W: 80, H: 12}) {
		t.Fatal("the first label did not fit")
	}
	if p.Place(Label{Text: "b", X: 120, Y: 105, W: 80, H: 12}) {
		t.Error("a label over the first was placed")
	}
	if p.Place(Label{Text: "c", X: 490, Y: 100, W: 80, H: 12}) {
		t.Error("a label past the screen's edge was placed")
	}
	if !p.Place(Label{Text: "d", X: 100, Y: 130, W: 80, H: 12}) {
		t.Error("a label clear of the first was not placed")
	}
	p.Obstacles = []Rect{{300, 300, 400, 320}}
	if p.Place(Label{Text: "e", X: 300, Y: 290, W: 80, H: 12, Angle: math.Pi / 4}) {
		t.Error("a label over an obstacle was placed")
	}
	if !p.Place(Label{Text: "f", X: 300, Y: 270, W: 80, H: 12}) {
		t.Error("a label clear of an obstacle was not placed")
	}
}

func TestWrap(t *testing.T) {
	w := func(s string) float64 { return float64(len(s)) }
	for _, c := range []struct {
		in   string
		max  float64
		want []string
	}{
		{"Sant Antoni", 20, []string{"Sant Antoni"}},
		{"l'Antiga Esquerra de l'Eixample", 20, []string{"l'Antiga Esquerra", "de l'Eixample"}},
		{"la Sagrada Família", 10, []string{"la Sagrada", "Família"}},
		{"Eixample", 3, []string{"Eixample"}},
	} {
		if got := Wrap(c.in, w, c.max); !slices.Equal(got, c.want) {
			t.Errorf("Wrap(%q, %v) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

// Runs joins a street's segments that continue each other and breaks it
// where it turns.
func TestRunsJoinAndBreak(t *testing.T) {
	segs := []Seg{
		// A straight street of three segments, given out of order and one
		// of them backwards.
		{Name: "Carrer Recte", Rank: 1, From: 2, To: 1, A: [2]float64{200, 0}, B: [2]float64{100, 0}},
		{Name: "Carrer Recte", Rank: 1, From: 0, To: 1, A: [2]float64{0, 0}, B: [2]float64{100, 0}},
		{Name: "Carrer Recte", Rank: 1, From: 2, To: 3, A: [2]float64{200, 0}, B: [2]float64{300, 1}},
		// A branch of the same name at node 1, at a right angle.
		{Name: "Carrer Recte", Rank: 1, From: 1, To: 4, A: [2]float64{100, 0}, B: [2]float64{100, 80}},
		// An L-shaped street: two runs.
		{Name: "Carrer Tort", Rank: 0, From: 10, To: 11, A: [2]float64{0, 100}, B: [2]float64{50, 100}},
		{Name: "Carrer Tort", Rank: 0, From: 11, To: 12, A: [2]float64{50, 100}, B: [2]float64{50, 160}},
		// A gentle curve: each bend small, but it drifts off its chord.
		{Name: "Corba", Rank: 2, From: 20, To: 21, A: [2]float64{0, 500}, B: [2]float64{100, 510}},
		{Name: "Corba", Rank: 2, From: 21, To: 22, A: [2]float64{100, 510}, B: [2]float64{200, 530}},
		{Name: "Corba", Rank: 2, From: 22, To: 23, A: [2]float64{200, 530}, B: [2]float64{300, 560}},
		// No name, or no length: no run.
		{Name: "", Rank: 1, From: 30, To: 31, A: [2]float64{0, 0}, B: [2]float64{10, 0}},
		{Name: "Punt", Rank: 1, From: 32, To: 33, A: [2]float64{5, 5}, B: [2]float64{5, 5}},
	}
	runs := Runs(segs)
	byName := map[string][]Run{}
	for _, r := range runs {
		byName[r.Name] = append(byName[r.Name], r)
	}
	if rs := byName["Carrer Recte"]; len(rs) != 2 || math.Abs(rs[0].Len-300) > 0.1 || len(rs[0].Pts) != 4 || math.Abs(rs[1].Len-80) > 0.1 {
		t.Errorf("Carrer Recte: %+v, want a run of 300 m through its three straight segments and the 80 m branch", rs)
	} else if rs[0].Total != rs[1].Total || math.Abs(rs[0].Total-380) > 0.1 {
		t.Errorf("Carrer Recte's runs give its length as %.1f and %.1f m, want 380", rs[0].Total, rs[1].Total)
	}
	if rs := byName["Carrer Tort"]; len(rs) != 2 {
		t.Errorf("the L-shaped street is %d runs, want 2", len(rs))
	}
	if rs := byName["Corba"]; len(rs) < 2 {
		t.Errorf("the curve is %d runs, want it broken where it leaves its chord", len(rs))
	} else {
		for _, r := range rs {
			if len(r.Pts) > 2 && !straight(r.Pts[:len(r.Pts)-1], r.Pts[len(r.Pts)-1]) {
				t.Errorf("a run of the curve is not straight: %v", r.Pts)
			}
		}
	}
	if len(byName[""]) != 0 || len(byName["Punt"]) != 0 {
		t.Error("a segment with no name or no length makes a run")
	}
	// By rank first: the L-shaped primary street comes first.
	if runs[0].Name != "Carrer Tort" {
		t.Errorf("the first run is %s, want the most important street's", runs[0].Name)
	}
}

// A street's name never covers a stop: it slides along its street to a
// stretch between stops, and is left out where there is none.
func TestNamesClearOfStops(t *testing.T) {
	runs := Runs([]Seg{{Name: "Carrer Llarg", Rank: 1, From: 0, To: 1, A: [2]float64{0, 0}, B: [2]float64{1000, 0}}})
	v := View{CX: 500, CY: 0, Scale: 1, W: 1200, H: 400, Free: Rect{0, 0, 1200, 400}}
	o := Streets{MinScale: []float64{0, 0}, Height: 14, Repeat: 2000, EndPad: 6}
	width := func(string) float64 { return 100 }
	stop := func(x float64) Rect { return Rect{x - 5, 195, x + 5, 205} }
	place := func(stops []Rect) []Label {
		p := Placer{Pad: 2, Bounds: Rect{0, 0, 1200, 400}, Obstacles: stops}
		p.PlaceStreets(runs, v, o, width)
		return p.Placed
	}
	// A stop at the run's middle (screen 600, 200): the name goes beside it.
	if ls := place([]Rect{stop(600)}); len(ls) != 1 || math.Abs(ls[0].X-600) < 55 {
		t.Errorf("with a stop at the middle the name is at %v, want one beside the stop", ls)
	}
	// A stop every 40 px but for a gap of 160 px (from 700 to 860): the
	// name in the gap, clear of the stops on either side.
	var gap []Rect
	for x := 100.0; x <= 1100; x += 40 {
		if x <= 700 || x >= 860 {
			gap = append(gap, stop(x))
		}
	}
	ls := place(gap)
	if len(ls) != 1 || ls[0].X-50 < 705 || ls[0].X+50 > 855 {
		t.Errorf("with room only between 705 and 855 px the name is at %v, want one there", ls)
	}
	assertClear(t, "the street with a gap", ls, gap)
	// Stops all along, too close for the name: none.
	var all []Rect
	for x := 100.0; x <= 1100; x += 40 {
		all = append(all, stop(x))
	}
	if ls := place(all); len(ls) != 0 {
		t.Errorf("with a stop every 40 px %d names are placed over them (%v), want none", len(ls), ls)
	}
	// A panel all along: none.
	if ls := place([]Rect{{0, 190, 1200, 210}}); len(ls) != 0 {
		t.Errorf("under a panel all along the street %d names are placed, want none", len(ls))
	}
}

// assertClear fails if a label's box overlaps one of the boxes.
func assertClear(t *testing.T, where string, ls []Label, boxes []Rect) {
	t.Helper()
	for _, l := range ls {
		for _, b := range boxes {
			if Overlap(l, b.Label(), 0) {
				t.Errorf("%s: %q at (%.0f, %.0f) covers the stop at (%.0f, %.0f)", where, l.Text, l.X, l.Y, (b.X0+b.X1)/2, (b.Y0+b.Y1)/2)
			}
		}
	}
}

// eixampleLayout places the Eixample's street names as the map does (its
// ranks' scales, 12 px Go Medium's widths roughly, the stops' discs as
// obstacles) on a w×h screen at a scale (pixels a metre), centred on a
// lon/lat point; it returns the names and the stops' boxes.
func eixampleLayout(c *sim.City, runs []Run, scale, w, h float64, lon, lat float64) ([]Label, []Rect) {
	return eixampleLayoutAt(c, runs, scale, w, h, c.Proj.ToXY(orb.Point{lon, lat}))
}

// eixampleLayoutAt is eixampleLayout centred on a point in metres.
func eixampleLayoutAt(c *sim.City, runs []Run, scale, w, h float64, ctr orb.Point) ([]Label, []Rect) {
	v := View{CX: ctr[0], CY: ctr[1], Scale: scale, W: w, H: h, Free: Rect{4, 4, w - 4, h - 4}}
	var stops []Rect
	for _, s := range c.Stops {
		x, y := v.ToScreen(s.P)
		if b := StopBox(x, y, scale, 1); b.X1 > 0 && b.Y1 > 0 && b.X0 < w && b.Y0 < h {
			stops = append(stops, b)
		}
	}
	p := Placer{Pad: 4, Bounds: v.Free, Obstacles: slices.Clone(stops)}
	width := func(s string) float64 { return 6.6*float64(len([]rune(s))) + 4 }
	p.PlaceStreets(runs, v, Streets{MinScale: []float64{0.3, 0.55, 0.55, 0.9}, Height: 19, Repeat: 340, EndPad: 6}, width)
	return p.Placed, stops
}

// On the Eixample, where the main streets have a stop every block, no
// name covers a stop at any zoom, on a laptop or a phone, and names are
// still shown where the streets have room between their stops.
func TestEixampleNamesClearOfStops(t *testing.T) {
	c, segs := eixample(t)
	runs := Runs(segs)
	for _, sc := range []struct{ w, h float64 }{{1280, 800}, {360, 740}} {
		total := 0
		for _, scale := range []float64{0.31, 0.39, 0.48, 0.6, 0.75, 0.94, 1.2, 2.5, 3.6} {
			ls, stops := eixampleLayout(c, runs, scale, sc.w, sc.h, 2.1610, 41.3885)
			t.Logf("%.0f×%.0f at %.2f px/m: %d names, %d stops on screen", sc.w, sc.h, scale, len(ls), len(stops))
			assertClear(t, fmt.Sprintf("%.0f×%.0f at %.2f px/m", sc.w, sc.h, scale), ls, stops)
			total += len(ls)
			if scale >= 0.6 && sc.w > 1000 && len(ls) < 5 {
				t.Errorf("at %.2f px/m on %.0f×%.0f only %d names fit between the stops", scale, sc.w, sc.h, len(ls))
			}
		}
		if total == 0 {
			t.Errorf("on %.0f×%.0f no name is shown at any zoom", sc.w, sc.h)
		}
		// A small pan (22 px) leaves most names where they were on the
		// city, those slid between stops too (before stops were obstacles,
		// with names over them when the street had no room: 17 of 33 and
		// 8 of 16 on the laptop, 3 of 13 and 3 of 7 on the phone; now 22 of
		// 26, 11 of 15, 4 of 10 and 5 of 6). A phone's narrow screen cuts
		// the streets short, so more of its names lie by the screen's edge
		// and move with it.
		for _, scale := range []float64{0.6, 1.2} {
			a, _ := eixampleLayout(c, runs, scale, sc.w, sc.h, 2.1610, 41.3885)
			ctr := c.Proj.ToXY(orb.Point{2.1610, 41.3885})
			b, _ := eixampleLayoutAt(c, runs, scale, sc.w, sc.h, orb.Point{ctr[0] + 20/scale, ctr[1] - 10/scale})
			same := 0
			for _, l := range a {
				for _, m := range b {
					if l.Text == m.Text && math.Hypot(l.X-20-m.X, l.Y-10-m.Y) < 0.5 {
						same++
						break
					}
				}
			}
			t.Logf("%.0f×%.0f at %.1f px/m: after a pan of 22 px, %d of %d names stay on the same place of the city", sc.w, sc.h, scale, same, len(a))
			if want := map[bool]int{true: len(a) * 2 / 3, false: len(a) / 3}[sc.w > 1000]; same < want {
				t.Errorf("%.0f×%.0f at %.1f px/m: after a pan of 22 px %d of %d names are where they were on the city, want %d", sc.w, sc.h, scale, same, len(a), want)
			}
		}
	}
}

// Passeig de Gràcia, the widest of the Eixample's secondary streets (four
// lanes), is named before the three-lane streets that cross it, so it
// shows from the zoom the other streets show.
func TestWideAvenueNamedFirst(t *testing.T) {
	c, segs := eixample(t)
	runs := Runs(segs)
	first := ""
	for _, r := range runs {
		if r.Rank == 1 {
			first = r.Name
			break
		}
	}
	if first != "Passeig de Gràcia" {
		t.Errorf("the first secondary street named is %s, want Passeig de Gràcia (the widest)", first)
	}
	// Centred on it, between Aragó and Mallorca, on a laptop and a phone.
	for _, sc := range []struct{ w, h, scale float64 }{{1280, 800, 0.6}, {1280, 800, 0.75}, {880, 752, 0.6}, {360, 740, 0.6}, {360, 740, 0.69}} {
		ls, _ := eixampleLayout(c, runs, sc.scale, sc.w, sc.h, 2.1650, 41.3930)
		var names []string
		for _, l := range ls {
			names = append(names, l.Text)
		}
		if !slices.Contains(names, "Passeig de Gràcia") {
			t.Errorf("%.0f×%.0f at %.2f px/m: Passeig de Gràcia is not named; the names are %q", sc.w, sc.h, sc.scale, names)
		}
	}
}
