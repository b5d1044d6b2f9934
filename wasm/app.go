//go:build js && wasm

package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/paulmach/orb"

	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/wasm/mapscale"
	"github.com/barri-city/barri/wasm/proposal"
)

// app holds the page's state: the city, the resident's session, the map
// view and the chosen layer, and talks to the page's JS glue (barriUI).
type app struct {
	parkKey string        // the park areas parks was built from
	parks   [][]orb.Point // parkTriangles' result
	city    *sim.City
	s       *proposal.Session
	g       *game
	ui      js.Value
	blocks  []block
	allBlds []int // 0..len(city.Buildings)-1
	// whereCache keeps where each edit's target is (bridge.go's where).
	whereCache map[string]place
	// rows keeps the panel's rows of the last two states (stateJSON).
	rows     proposal.RowCache
	stateBuf []byte // the indicators' JSON, its array kept from one state to the next

	layerIdx int
	change   bool
	sc       mapscale.Scale
	baseVals []float64 // the layer's baseline value per element
	lastOp   string
	// The last change's timing: its start, and the core's share (ms).
	opStart time.Time
	gcStart uint64 // gcCycles at opStart
	coreMs  float64
}

// block is one block of the Cerdà grid: its box in grid axes (metres,
// rotated by -gridAngle), its barri and the four streets around it.
type block struct {
	zone   int
	x0, y0 float64
	x1, y1 float64
	sides  [4]string
	ring   orb.Ring // footprint of the block in metres
}

func newApp(c *sim.City, ui js.Value) *app {
	a := &app{city: c, ui: ui}
	a.blocks = findBlocks(c)
	return a
}

// findBlocks lists the blocks of every barri with the streets around them.
func findBlocks(c *sim.City) []block {
	sin, cos := math.Sincos(-gridAngle)
	var out []block
	for zi, z := range c.Zones {
		for _, poly := range z.Boundary {
			if len(poly) == 0 {
				continue
			}
			b := block{zone: zi, x0: math.Inf(1), y0: math.Inf(1), x1: math.Inf(-1), y1: math.Inf(-1), ring: poly[0]}
			for _, p := range poly[0] {
				x, y := p[0]*cos-p[1]*sin, p[0]*sin+p[1]*cos
				b.x0, b.y0, b.x1, b.y1 = math.Min(b.x0, x), math.Min(b.y0, y), math.Max(b.x1, x), math.Max(b.y1, y)
			}
			b.sides = blockSides(c, b, sin, cos)
			out = append(out, b)
		}
	}
	return out
}

// blockSides names the street along each side of a block (bottom, right,
// top, left in grid axes): the street of the segments nearest to three
// points just outside the side (at a quarter, half and three quarters of
// it) that run along the side, taken when two of the three agree (else the
// middle one's). A side with no street along it (the edge of the city,
// where the nearest street is a cross street) stays unnamed.
func blockSides(c *sim.City, b block, sin, cos float64) [4]string {
	var out [4]string
	for k := range 4 {
		var names [3]string
		for j, f := range [3]float64{0.25, 0.5, 0.75} {
			x, y := b.x0+f*(b.x1-b.x0), b.y0+f*(b.y1-b.y0)
			var dx, dy float64 // the side's direction in grid axes
			switch k {
			case 0:
				y, dx = b.y0-10, 1
			case 1:
				x, dy = b.x1+10, 1
			case 2:
				y, dx = b.y1+10, 1
			case 3:
				x, dy = b.x0-10, 1
			}
			p := orb.Point{x*cos + y*sin, -x*sin + y*cos}
			id, _, _ := c.NearestSegment(p)
			if id < 0 {
				continue
			}
			g := c.Segments[id].Geometry
			a, z := g[0], g[len(g)-1]
			// The segment's direction in grid axes, against the side's.
			sx, sy := z[0]-a[0], z[1]-a[1]
			gx, gy := sx*cos-sy*sin, sx*sin+sy*cos
			if l := math.Hypot(gx, gy); l == 0 || math.Abs(gx*dx+gy*dy)/l < 0.8 {
				continue
			}
			names[j] = c.Segments[id].Name
		}
		switch {
		case names[0] != "" && names[0] == names[2]:
			out[k] = names[0]
		case names[1] != "":
			out[k] = names[1]
		default:
			out[k] = cmp.Or(names[0], names[2])
		}
	}
	return out
}

// fromGrid turns a point in grid axes back into metres.
func fromGrid(x, y float64) orb.Point {
	sin, cos := math.Sincos(-gridAngle)
	return orb.Point{x*cos + y*sin, -x*sin + y*cos}
}

const pitch = 133.3 // metres from a street's axis to the next one's

// blockArea returns the box of n×n blocks around block i (for an even n,
// extending east and north of it), at the blocks' own edges so that the
// streets inside are covered and the ones around are not.
func (a *app) blockArea(i, n int) orb.Polygon {
	b := a.blocks[i]
	lo := float64((n - 1) / 2)
	hi := float64(n / 2)
	x0, y0 := b.x0-lo*pitch, b.y0-lo*pitch
	x1, y1 := b.x1+hi*pitch, b.y1+hi*pitch
	return orb.Polygon{orb.Ring{fromGrid(x0, y0), fromGrid(x1, y0), fromGrid(x1, y1), fromGrid(x0, y1), fromGrid(x0, y0)}}
}

// lonLatJSON writes a polygon or multipolygon in metres as GeoJSON in
// lon/lat, rounded to 1e-7 degrees (about a centimetre).
func (a *app) lonLatJSON(polys []orb.Polygon) json.RawMessage {
	round := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	conv := func(p orb.Polygon) [][][2]float64 {
		var rings [][][2]float64
		for _, r := range p {
			var out [][2]float64
			for _, q := range r {
				ll := a.city.Proj.ToLonLat(q)
				out = append(out, [2]float64{round(ll[0]), round(ll[1])})
			}
			if len(out) > 0 && out[0] != out[len(out)-1] {
				out = append(out, out[0])
			}
			rings = append(rings, out)
		}
		return rings
	}
	var v any
	if len(polys) == 1 {
		v = map[string]any{"type": "Polygon", "coordinates": conv(polys[0])}
	} else {
		var mp [][][][2]float64
		for _, p := range polys {
			mp = append(mp, conv(p))
		}
		v = map[string]any{"type": "MultiPolygon", "coordinates": mp}
	}
	data, _ := json.Marshal(v)
	return data
}

// layer returns the chosen layer.
func (a *app) layer() *layer { return &layers[a.layerIdx] }

// setLayer chooses a layer and whether it shows the change from the baseline.
func (a *app) setLayer(name string, change bool) error {
	i, ok := findLayer(name)
	if !ok {
		return fmt.Errorf("wasm: unknown layer %q", name)
	}
	a.layerIdx, a.change = i, change
	l := a.layer()
	a.baseVals = nil
	if l.value != nil {
		n := len(a.city.Buildings)
		if l.streets {
			n = len(a.city.Segments)
		}
		base := a.s.Result().Baseline
		a.baseVals = make([]float64, n)
		for k := range a.baseVals {
			a.baseVals[k] = l.value(a.city, base, k)
		}
		a.sc = mapscale.Values(a.baseVals)
		if l.homes {
			homes := make([]float64, 0, n)
			for k, v := range a.baseVals {
				if b, ok := proposal.Building(base, k); ok && b.Dwellings > 0 {
					homes = append(homes, v)
				}
			}
			a.sc = mapscale.Values(homes).Widen(a.baseVals)
		}
		if change {
			a.sc = mapscale.Changes(a.deltas())
		}
	}
	a.g.recolour(nil, true)
	return nil
}

func (a *app) deltas() []float64 {
	l := a.layer()
	r := a.s.Result().Scenario
	d := make([]float64, len(a.baseVals))
	for k := range d {
		d[k] = mapscale.Change(l.value(a.city, r, k), a.baseVals[k])
	}
	return d
}

func (a *app) colourOf(elem int) (color.RGBA, bool) {
	l := a.layer()
	v := l.value(a.city, a.s.Result().Scenario, elem)
	if a.change {
		v = mapscale.Change(v, a.baseVals[elem])
	}
	if math.IsNaN(v) {
		return colNoData, true
	}
	if a.change {
		return diverge.at(a.sc.T(v)), true
	}
	return l.pal.at(a.sc.T(v)), true
}

func (a *app) buildingColour(i int) color.RGBA {
	l := a.layer()
	if l.value == nil {
		if c, ok := useColours[a.s.State().Buildings[i].Use.String()]; ok {
			return c
		}
		return colGreyBld
	}
	if l.streets {
		return colGreyBld
	}
	c, _ := a.colourOf(i)
	return c
}

func (a *app) segmentColour(i int) color.RGBA {
	l := a.layer()
	if l.value != nil && l.streets {
		c, _ := a.colourOf(i)
		return c
	}
	st := a.s.State().Segments[i]
	switch {
	case st.CarAccess == sim.CarNone:
		return colStreetPed
	case st.Superblock || st.CarAccess == sim.CarLocal:
		return colStreetCalm
	}
	return colStreet
}

func (a *app) bikeLane(i int) bool { return a.s.State().Segments[i].BikeLane }

// stops returns the positions of the city's stops and those edits added.
func (a *app) stops() []orb.Point {
	pts := slices.Clone(a.g.m.stopXY)
	for _, s := range a.s.State().Stops {
		pts = append(pts, s.P)
	}
	return pts
}

// afterChange recolours what the last change of the session moved: only
// the changed buildings and streets, unless the colour scale moved too.
func (a *app) afterChange() {
	l := a.layer()
	all := false
	if l.value != nil && a.change {
		if ns := mapscale.Changes(a.deltas()); ns != a.sc {
			a.sc = ns
			all = true
		}
	}
	blds := a.s.Changed().Buildings
	if l.perZone {
		// A barri's value colours all its buildings: look at every one
		// (only those whose colour moved are drawn again).
		if len(a.allBlds) != len(a.city.Buildings) {
			a.allBlds = make([]int, len(a.city.Buildings))
			for i := range a.allBlds {
				a.allBlds[i] = i
			}
		}
		blds = a.allBlds
	}
	a.g.recolour(blds, all)
}

// legend describes the chosen layer for the page.
func (a *app) legend() map[string]any {
	l := a.layer()
	out := map[string]any{"layer": l.name, "change": a.change, "unit": l.unit}
	if l.value == nil {
		return out
	}
	p := l.pal
	if a.change {
		p = diverge
	}
	out["gradient"] = p.css()
	// Values past an end have its colour: the page writes ≤ and ≥.
	out["below"], out["above"] = a.sc.Below, a.sc.Above
	out["homes"] = l.homes && !a.change
	if l.unit == "%" {
		// A share, as the indicators table shows it (a change in points).
		out["lo"] = fmt.Sprintf("%.1f", 100*a.sc.Lo)
		out["hi"] = fmt.Sprintf("%.1f", 100*a.sc.Hi)
		if a.change {
			out["unit"] = "points"
		}
		return out
	}
	out["lo"] = legendValue(a.sc.Lo)
	out["hi"] = legendValue(a.sc.Hi)
	// The walks' 15 minutes (what "everything within 15 minutes" counts),
	// marked on the bar where the scale has it.
	if strings.HasPrefix(l.name, "walk") && !a.change {
		if t := a.sc.T(15); t > 0 && t < 1 {
			out["marks"] = []map[string]any{{"at": t, "label": "15"}}
		}
	}
	return out
}

// legendValue prints an end of a legend's scale, or a figure of the box
// that describes what is pointed at, to three significant digits (whole
// numbers from 100): these are read at a glance, not barri run's figures.
func legendValue(v float64) string {
	switch a := math.Abs(v); {
	case a == 0 || math.IsNaN(v):
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	// Plain decimals (the page groups and localises digits, not exponents).
	d := min(6, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', d, 64), "0"), ".")
}

// parkTriangles returns the proposal's park areas as triangles in metres
// (each slice one polygon's triangles, 3 points each), rebuilt when the
// edits change.
func (a *app) parkTriangles() [][]orb.Point {
	ed := a.s.Edits()
	var kb strings.Builder
	for _, e := range ed {
		if e.Op == "park" {
			kb.Write(e.Area)
			kb.WriteByte(0)
		}
	}
	key := kb.String()
	if key == a.parkKey {
		return a.parks
	}
	a.parkKey = key
	a.parks = nil
	for _, e := range ed {
		if e.Op != "park" || len(e.Area) == 0 {
			continue
		}
		mp, err := sim.ParseArea(e.Area)
		if err != nil {
			continue
		}
		for _, p := range mp {
			if len(p) == 0 {
				continue
			}
			r := make(orb.Ring, len(p[0]))
			for i, q := range p[0] {
				r[i] = a.city.Proj.ToXY(q)
			}
			if t := triangulate(orb.Polygon{r}); len(t) >= 3 {
				a.parks = append(a.parks, t)
			}
		}
	}
	return a.parks
}
