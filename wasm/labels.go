//go:build js && wasm

package main

import (
	"encoding/json"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/paulmach/orb"

	"github.com/barri-city/barri/wasm/maplabel"
)

// The labels' look, in CSS pixels: street names in a dark grey on a white
// halo, so the text keeps its contrast on any layer's colour (#222 on
// white is 15.9:1). The barris' names are the page's (#labels, HTML over
// the map); street names keep clear of them.
const (
	streetSize = 12.0
	haloCSS    = 2.0
	labelPad   = 4.0   // clear around every label
	repeatCSS  = 340.0 // the least distance between two labels of one street
)

// overMap selects what the page puts over the map: street names keep
// clear of it (read when the names are laid out, at the camera's rest).
const overMap = "header.top, .tools, #tool-card, .zoom, #legend, #panel, #ws-fac, #labels:not([hidden]) span"

// streetMinScale is the least scale (CSS pixels a metre) at which each
// rank of street is named: primary, secondary, residential, pedestrian.
var streetMinScale = []float64{0.3, 0.55, 0.55, 0.9}

var (
	colLabelText = color.RGBA{0x22, 0x22, 0x22, 0xff}
	colLabelHalo = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// labels are the map's street names: laid out when the map image is drawn
// anew (the camera at rest, a zoom, a new size), never per frame; while the
// camera moves, their glyphs move and scale with the map image.
type labels struct {
	off  bool // ?nolabels: no names (tests compare with them)
	runs []maplabel.Run
	// The glyphs, built for the screen's device scale when first needed.
	dsf    float64
	atlas  *maplabel.Atlas
	img    *ebiten.Image
	placed []maplabel.Label
	cam    camera // the camera they were laid out with
	// The glyphs' triangles as laid out: each label's (its halo, its
	// text) with its box on screen, and all of them in label order.
	text        []labelQuads
	stopsFor    []orb.Point // the stops the names were laid out clear of
	base, shown batches
	shownFor    camera   // the camera shown was moved to
	key         labelKey // what the layout was made from
	registered  bool
	layoutMs    float64 // the last layout's time
	layoutCount int
	obstacles   []maplabel.Rect // what the page put over the map at the last layout
}

// labelQuads are one label's triangles (indices from 0) and the screen
// box they cover.
type labelQuads struct {
	v   []ebiten.Vertex
	i   []uint16
	box image.Rectangle
}

// labelKey is what a layout is made for: the same again keeps the labels
// (a recolouring draws the map image anew, not the names).
type labelKey struct {
	cam  camera
	w, h int
	dsf  float64
}

func newLabels(g *game) labels {
	var l labels
	if q := js.Global().Get("location").Get("search"); q.Truthy() && strings.Contains(q.String(), "nolabels") {
		l.off = true
	}
	c := g.app.city
	segs := make([]maplabel.Seg, len(c.Segments))
	for i, s := range c.Segments {
		segs[i] = maplabel.SegOf(s)
	}
	l.runs = maplabel.Runs(segs)
	return l
}

// atlases builds the glyphs for the screen's device scale.
func (g *game) atlases() error {
	l := &g.lab
	if l.img != nil && l.dsf == g.dsf {
		return nil
	}
	var rs []rune
	for _, r := range l.runs {
		rs = append(rs, []rune(r.Name)...)
	}
	a, err := maplabel.NewAtlas(streetSize*g.dsf, haloCSS*g.dsf, 0, rs)
	if err != nil {
		return err
	}
	rgba := image.NewRGBA(a.Img.Rect)
	for i, v := range a.Img.Pix {
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v, v, v
	}
	if l.img != nil {
		l.img.Deallocate()
	}
	l.img = ebiten.NewImageFromImage(rgba)
	l.atlas, l.dsf = a, g.dsf
	return nil
}

// obstacles returns the boxes of what the page puts over the map, in
// device pixels.
func (g *game) obstacles() []maplabel.Rect {
	var out []maplabel.Rect
	els := js.Global().Get("document").Call("querySelectorAll", overMap)
	d := g.dsf
	for i := range els.Length() {
		r := els.Index(i).Call("getBoundingClientRect")
		x, y, w, h := r.Get("left").Float(), r.Get("top").Float(), r.Get("width").Float(), r.Get("height").Float()
		if w <= 0 || h <= 0 {
			continue
		}
		out = append(out, maplabel.Rect{X0: x * d, Y0: y * d, X1: (x + w) * d, Y1: (y + h) * d})
	}
	return out
}

// layoutLabels places the names for the camera the map image was just
// drawn with, clear of the page's panels, buttons and barri names, by
// rank and length (Runs' order), and builds their glyphs' triangles.
func (g *game) layoutLabels() {
	l := &g.lab
	t0 := time.Now()
	defer func() { l.layoutMs = ms(time.Since(t0)) }()
	d := g.dsf
	if l.off || g.w <= 1 || g.h <= 1 || g.mapCam.scale < slices.Min(streetMinScale)*d {
		l.placed, l.text, l.key = l.placed[:0], l.text[:0], labelKey{}
		l.base.reset()
		l.cam, l.shownFor = g.mapCam, camera{}
		return
	}
	// The same camera and screen: as they are (a recolouring). What the
	// page puts over the map is not read then, so the frame of an edit
	// does not wait for the page's layout of its new panel.
	key := labelKey{cam: g.mapCam, w: g.w, h: g.h, dsf: d}
	if key == l.key {
		return
	}
	l.key, l.obstacles = key, g.obstacles()
	l.cam = g.mapCam
	if err := g.atlases(); err != nil {
		g.app.ui.Call("showError", err.Error())
		l.off = true
		return
	}
	g.placeLabels()
	l.layoutCount++
}

// placeLabels places the names for the camera of the layout, clear of
// what the page put over the map then and of the stops shown now (a name
// goes between the stops on its street, or is left out: a stop never cuts
// it), and builds their glyphs' triangles.
func (g *game) placeLabels() {
	l := &g.lab
	d := g.dsf
	l.placed, l.text = l.placed[:0], l.text[:0]
	l.base.reset()
	l.shownFor = camera{}
	l.stopsFor = append(l.stopsFor[:0], g.shownStops...)
	cam := l.cam
	bounds := maplabel.Rect{X0: 4 * d, Y0: 4 * d, X1: float64(g.w) - 4*d, Y1: float64(g.h) - 4*d}
	v := maplabel.View{CX: cam.cx, CY: cam.cy, Scale: cam.scale, W: float64(g.w), H: float64(g.h), Free: bounds}
	obs := slices.Clone(l.obstacles)
	for _, s := range g.shownStops {
		x, y := v.ToScreen(s)
		if b := maplabel.StopBox(x, y, cam.scale, d); b.X1 > 0 && b.Y1 > 0 && b.X0 < float64(g.w) && b.Y0 < float64(g.h) {
			obs = append(obs, b)
		}
	}
	p := maplabel.Placer{Pad: labelPad * d, Bounds: bounds, Obstacles: obs, Placed: l.placed}
	a := l.atlas
	minScale := make([]float64, len(streetMinScale))
	for i, s := range streetMinScale {
		minScale[i] = s * d
	}
	// The box: the text with its halo, centred on the street as drawn
	// (labelGlyphs: the capitals centred).
	h := 2*max(a.Ascent-a.CapHeight/2, a.Descent+a.CapHeight/2) + 2*haloCSS*d
	width := func(s string) float64 { return a.Width(s) + 2*haloCSS*d }
	p.PlaceStreets(l.runs, v, maplabel.Streets{MinScale: minScale, Height: h, Repeat: repeatCSS * d, EndPad: 6 * d}, width)
	l.placed = p.Placed
	// Each label's halo, then its text over it (labels do not overlap, so
	// this draws as all halos and then all text would).
	for _, pl := range l.placed {
		var q labelQuads
		q = g.labelGlyphs(pl, true, q)
		q = g.labelGlyphs(pl, false, q)
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, v := range q.v {
			x0, y0 = min(x0, float64(v.DstX)), min(y0, float64(v.DstY))
			x1, y1 = max(x1, float64(v.DstX)), max(y1, float64(v.DstY))
		}
		if len(q.v) == 0 {
			continue
		}
		q.box = image.Rect(int(math.Floor(x0))-1, int(math.Floor(y0))-1, int(math.Ceil(x1))+1, int(math.Ceil(y1))+1)
		l.text = append(l.text, q)
		bb := l.base.room(len(q.v))
		n := uint16(len(bb.v))
		bb.v = append(bb.v, q.v...)
		for _, k := range q.i {
			bb.i = append(bb.i, n+k)
		}
	}
}

// stopsChanged places the names again, where they were laid out, when an
// edit added or removed a stop (a name moves off a new stop, or is left
// out), and has the whole screen drawn again: the names' places changed.
// What the page puts over the map is the last layout's (not read again, so
// the frame of an edit does not wait for the page's layout).
func (g *game) stopsChanged() {
	l := &g.lab
	if l.key == (labelKey{}) || l.atlas == nil || slices.Equal(l.stopsFor, g.shownStops) {
		return
	}
	g.placeLabels()
	g.damageAll = true
	g.drawSeq++
}

// labelGlyphs appends a label's glyphs (their halos, or their fills) as
// quads from the atlas, turned about the label's centre.
func (g *game) labelGlyphs(pl maplabel.Label, halo bool, q labelQuads) labelQuads {
	l := &g.lab
	a, col := l.atlas, colLabelText
	if halo {
		col = colLabelHalo
	}
	c, s := math.Cos(pl.Angle), math.Sin(pl.Angle)
	// The capitals centred on the street's line.
	x0, by := -a.Width(pl.Text)/2, a.CapHeight/2
	cx, cy := pl.X, pl.Y
	if pl.Angle == 0 {
		// Level: on whole pixels, as the glyphs were rasterised.
		cx, cy, x0, by = math.Round(cx), math.Round(cy), math.Round(x0), math.Round(by)
	}
	if halo {
		// A band of halo under the whole name, from the capitals' top to
		// the descenders' and from its first letter to its last, so that
		// the street's colour (dark on the car flow layer), a line along it
		// or a barri's boundary across it does not show between the words
		// or the letters: the name reads as one, on any layer. The glyphs'
		// own halos round it off.
		hw := haloCSS * g.dsf
		bx0, bx1 := x0-hw, x0+a.Width(pl.Text)+hw
		by0, by1 := by-a.CapHeight-hw/2, by+a.Descent
		wx, wy := float32(a.White.Min.X)+2, float32(a.White.Min.Y)+2
		n := uint16(len(q.v))
		for _, k := range [4][2]float64{{bx0, by0}, {bx1, by0}, {bx1, by1}, {bx0, by1}} {
			v := vtx(float32(cx+k[0]*c-k[1]*s), float32(cy+k[0]*s+k[1]*c), col)
			v.SrcX, v.SrcY = wx, wy
			q.v = append(q.v, v)
		}
		q.i = append(q.i, n, n+1, n+2, n, n+2, n+3)
	}
	a.Each(pl.Text, func(gl maplabel.Glyph, x float64) {
		src, off := gl.Fill, gl.FillOff
		if halo {
			src, off = gl.Halo, gl.HaloOff
		}
		if src.Empty() {
			return
		}
		lx, ly := x0+x+float64(off.X), by+float64(off.Y)
		gw, gh := float64(src.Dx()), float64(src.Dy())
		n := uint16(len(q.v))
		for _, k := range [4][2]float64{{0, 0}, {gw, 0}, {gw, gh}, {0, gh}} {
			px, py := lx+k[0], ly+k[1]
			v := vtx(float32(cx+px*c-py*s), float32(cy+px*s+py*c), col)
			v.SrcX, v.SrcY = float32(src.Min.X)+float32(k[0]), float32(src.Min.Y)+float32(k[1])
			q.v = append(q.v, v)
		}
		q.i = append(q.i, n, n+1, n+2, n, n+2, n+3)
	})
	return q
}

// moveLabels moves the labels' triangles to the camera now (as Draw moves
// the map image), only when it changed since the last time.
func (g *game) moveLabels() {
	l := &g.lab
	if l.shownFor == g.cam && len(l.shown) == len(l.base) {
		return
	}
	l.shownFor = g.cam
	l.shown.reset()
	if g.cam == l.cam {
		// Where they were laid out: the very vertices (the map drawn in
		// parts then matches the whole, pixel for pixel).
		for _, b := range l.base {
			s := l.shown.room(len(b.v))
			s.v = append(s.v, b.v...)
			s.i = append(s.i, b.i...)
		}
		return
	}
	k := g.cam.scale / l.cam.scale
	hw, hh := float32(g.w)/2, float32(g.h)/2
	tx := float32((l.cam.cx - g.cam.cx) * g.cam.scale)
	ty := float32(-(l.cam.cy - g.cam.cy) * g.cam.scale)
	kf := float32(k)
	for _, b := range l.base {
		s := l.shown.room(len(b.v))
		for _, v := range b.v {
			v.DstX = (v.DstX-hw)*kf + hw + tx
			v.DstY = (v.DstY-hh)*kf + hh + ty
			s.v = append(s.v, v)
		}
		s.i = append(s.i, b.i...)
	}
}

// drawLabels draws the labels on the screen, moved to the camera now.
func (g *game) drawLabels(dst *ebiten.Image) {
	if g.lab.img == nil {
		return
	}
	op := &ebiten.DrawTrianglesOptions{Filter: ebiten.FilterLinear}
	for _, b := range g.lab.shown {
		dst.DrawTriangles(b.v, b.i, g.lab.img, op)
	}
}

// drawLabelsIn draws on a part of the screen the labels that reach into
// it, when the camera is the one they were laid out with.
func (g *game) drawLabelsIn(part *ebiten.Image, r image.Rectangle) {
	l := &g.lab
	if l.img == nil {
		return
	}
	if g.cam != l.cam {
		g.drawLabels(part)
		return
	}
	op := &ebiten.DrawTrianglesOptions{Filter: ebiten.FilterLinear}
	for _, q := range l.text {
		if q.box.Overlaps(r) {
			part.DrawTriangles(q.v, q.i, l.img, op)
		}
	}
}

// registerLabels adds debugLabels to the page's barriCore: the names on
// the map now, in CSS pixels, for tests.
func (g *game) registerLabels() {
	if g.lab.registered {
		return
	}
	core := js.Global().Get("barriCore")
	if !core.Truthy() {
		return
	}
	g.lab.registered = true
	core.Set("debugLabels", js.FuncOf(func(js.Value, []js.Value) any {
		type out struct {
			Text  string  `json:"text"`
			X     float64 `json:"x"`
			Y     float64 `json:"y"`
			Angle float64 `json:"angle"` // degrees
			W     float64 `json:"w"`
			H     float64 `json:"h"`
		}
		d := g.dsf
		res := struct {
			Labels  []out   `json:"labels"`
			Layouts int     `json:"layouts"`
			Scale   float64 `json:"scale"` // CSS px a metre
			Ms      float64 `json:"ms"`    // the last layout's time
			// What the page put over the map then: left, top, right, bottom.
			Obstacles [][4]float64 `json:"obstacles"`
			// The stops' discs on screen then, which no name covers.
			Stops [][4]float64 `json:"stops"`
		}{Labels: []out{}, Layouts: g.lab.layoutCount, Scale: g.mapCam.scale / d, Ms: g.lab.layoutMs, Obstacles: [][4]float64{}, Stops: [][4]float64{}}
		for _, r := range g.lab.obstacles {
			res.Obstacles = append(res.Obstacles, [4]float64{r.X0 / d, r.Y0 / d, r.X1 / d, r.Y1 / d})
		}
		if len(g.lab.placed) > 0 {
			c := g.lab.cam
			v := maplabel.View{CX: c.cx, CY: c.cy, Scale: c.scale, W: float64(g.w), H: float64(g.h)}
			for _, s := range g.lab.stopsFor {
				x, y := v.ToScreen(s)
				if r := maplabel.StopBox(x, y, c.scale, d); r.X1 > 0 && r.Y1 > 0 && r.X0 < float64(g.w) && r.Y0 < float64(g.h) {
					res.Stops = append(res.Stops, [4]float64{r.X0 / d, r.Y0 / d, r.X1 / d, r.Y1 / d})
				}
			}
		}
		for _, p := range g.lab.placed {
			res.Labels = append(res.Labels, out{p.Text, p.X / d, p.Y / d, p.Angle * 180 / math.Pi, p.W / d, p.H / d})
		}
		data, _ := json.Marshal(res)
		return string(data)
	}))
}
