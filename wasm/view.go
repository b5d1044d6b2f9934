//go:build js && wasm

package main

import (
	"image"
	"image/color"
	"math"
	"slices"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/paulmach/orb"

	"github.com/barri-city/barri/sim"
)

// Tools of the map.
const (
	toolSelect  = "select"
	toolPolygon = "polygon"
	toolStreets = "streets"
	toolPoint   = "point"
)

// camera maps metres to screen pixels: north up, scale pixels per metre.
type camera struct {
	cx, cy float64
	scale  float64
}

func (c camera) toScreen(x, y float64, w, h int) (float32, float32) {
	return float32((x-c.cx)*c.scale + float64(w)/2), float32(-(y-c.cy)*c.scale + float64(h)/2)
}

func (c camera) toWorld(sx, sy float64, w, h int) orb.Point {
	return orb.Point{(sx-float64(w)/2)/c.scale + c.cx, -(sy-float64(h)/2)/c.scale + c.cy}
}

// batch is a run of triangles drawn with one DrawTriangles call (indices are
// 16-bit, so a batch holds at most 65536 vertices).
type batch struct {
	v []ebiten.Vertex
	i []uint16
}

type batches []batch

func (bs *batches) reset() {
	for k := range *bs {
		(*bs)[k].v = (*bs)[k].v[:0]
		(*bs)[k].i = (*bs)[k].i[:0]
	}
	*bs = (*bs)[:0]
}

// room returns a batch with room for n more vertices.
func (bs *batches) room(n int) *batch {
	if len(*bs) == 0 || len((*bs)[len(*bs)-1].v)+n > 65000 {
		if cap(*bs) > len(*bs) {
			*bs = (*bs)[:len(*bs)+1]
		} else {
			*bs = append(*bs, batch{})
		}
	}
	return &(*bs)[len(*bs)-1]
}

// box is the screen rectangle the batches' vertices span (with a pixel's
// margin for the rasteriser), empty when there are none.
func (bs batches) box() image.Rectangle {
	x0, y0 := float32(math.Inf(1)), float32(math.Inf(1))
	x1, y1 := float32(math.Inf(-1)), float32(math.Inf(-1))
	for _, b := range bs {
		for _, v := range b.v {
			x0, y0, x1, y1 = min(x0, v.DstX), min(y0, v.DstY), max(x1, v.DstX), max(y1, v.DstY)
		}
	}
	if x0 > x1 {
		return image.Rectangle{}
	}
	clamp := func(v float32) int { return int(max(-1e6, min(1e6, v))) }
	return image.Rect(clamp(x0)-2, clamp(y0)-2, clamp(x1)+3, clamp(y1)+3)
}

// overlayKey is what the overlay is built from: it is built again only
// when this changes.
type overlayKey struct {
	cam                camera
	w, h               int
	hoverBld, hoverSeg int
	tool               string
	crosshair          bool
	nPts               int
	lastPt             orb.Point
	nSel, selSum       int
	nHigh              int
	high               *orb.Point
	dash, streets      bool
	highFor            *orb.Point
}

func (g *game) overlayNow() overlayKey {
	k := overlayKey{cam: g.cam, w: g.w, h: g.h, hoverBld: g.hoverBld, hoverSeg: g.hoverSeg, tool: g.tool,
		crosshair: g.crosshair, nPts: len(g.drawPts), nSel: len(g.selected), nHigh: len(g.highlight), dash: g.pickDash, streets: g.highStreets, highFor: g.highFor}
	if n := len(g.drawPts); n > 0 {
		k.lastPt = g.drawPts[n-1]
	}
	for _, id := range g.selected {
		k.selSum = k.selSum*31 + id + 1
	}
	if len(g.highlight) > 0 && len(g.highlight[0]) > 0 {
		k.high = &g.highlight[0][0]
	}
	return k
}

func vtx(x, y float32, c color.RGBA) ebiten.Vertex {
	return ebiten.Vertex{DstX: x, DstY: y, SrcX: 1.5, SrcY: 1.5,
		ColorR: float32(c.R) / 255, ColorG: float32(c.G) / 255, ColorB: float32(c.B) / 255, ColorA: float32(c.A) / 255}
}

// line appends a quad of width w pixels from (x0, y0) to (x1, y1).
func (bs *batches) line(x0, y0, x1, y1, w float32, c color.RGBA) {
	dx, dy := x1-x0, y1-y0
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l == 0 {
		return
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	b := bs.room(4)
	n := uint16(len(b.v))
	b.v = append(b.v, vtx(x0+nx, y0+ny, c), vtx(x1+nx, y1+ny, c), vtx(x1-nx, y1-ny, c), vtx(x0-nx, y0-ny, c))
	b.i = append(b.i, n, n+1, n+2, n, n+2, n+3)
}

// dashed appends a dashed line: dashes of on pixels, gaps of off.
func (bs *batches) dashed(x0, y0, x1, y1, w, on, off float32, c color.RGBA) {
	l := float32(math.Hypot(float64(x1-x0), float64(y1-y0)))
	if l == 0 {
		return
	}
	ux, uy := (x1-x0)/l, (y1-y0)/l
	for t := float32(0); t < l && t < 1e5; t += on + off {
		e := min(t+on, l)
		bs.line(x0+ux*t, y0+uy*t, x0+ux*e, y0+uy*e, w, c)
	}
}

// disc appends a filled regular polygon of radius r pixels.
func (bs *batches) disc(x, y, r float32, c color.RGBA) {
	const k = 12
	b := bs.room(k + 1)
	n := uint16(len(b.v))
	b.v = append(b.v, vtx(x, y, c))
	for j := 0; j < k; j++ {
		a := 2 * math.Pi * float64(j) / k
		b.v = append(b.v, vtx(x+r*float32(math.Cos(a)), y+r*float32(math.Sin(a)), c))
	}
	for j := 0; j < k; j++ {
		b.i = append(b.i, n, n+1+uint16(j), n+1+uint16((j+1)%k))
	}
}

// square appends a filled square of half-side r pixels.
func (bs *batches) square(x, y, r float32, c color.RGBA) {
	bs.poly([]float32{x - r, y - r, x + r, y - r, x + r, y + r, x - r, y + r}, c)
}

// poly appends a filled polygon (fan: for the convex-enough drawing overlay).
func (bs *batches) poly(xy []float32, c color.RGBA) {
	k := len(xy) / 2
	if k < 3 {
		return
	}
	b := bs.room(k)
	n := uint16(len(b.v))
	for j := 0; j < k; j++ {
		b.v = append(b.v, vtx(xy[2*j], xy[2*j+1], c))
	}
	for j := 1; j+1 < k; j++ {
		b.i = append(b.i, n, n+uint16(j), n+uint16(j+1))
	}
}

var whiteImage = func() *ebiten.Image {
	img := ebiten.NewImage(3, 3)
	img.Fill(color.White)
	return img
}()

// game is the Ebiten map view. Update turns input into intents and builds
// what Draw shows: the map image (drawn again only in the parts that
// changed), the overlay, and the screen's damage. Draw puts them on screen
// and writes nothing but its own bookkeeping (what the screen now shows).
type game struct {
	app *app
	m   *mesh

	w, h    int // screen in device pixels
	layoutW int // the size Layout last gave
	layoutH int
	dsf     float64
	cam     camera
	insetR  float64 // CSS pixels of the map hidden behind the panel, right
	insetB  float64 // and bottom
	insetT  float64 // and top
	insetL  float64 // and left
	fitted  bool
	whole   bool       // the camera is as fit left it: refit when the free part changes
	pending *orb.Bound // a part to frame once the screen's size is known
	mapImg  *ebiten.Image
	partImg *ebiten.Image // as big as mapImg: renderRect draws a part here (see there)
	mapCam  camera        // the camera mapImg was drawn with
	stale   bool          // the camera moved since
	movedAt time.Time     // when the camera last moved
	dirty   bool          // the map image needs drawing again
	camMove bool

	// What the map image shows: the colour of each building and segment,
	// which segments have a bike lane, the stops and the park areas. A
	// change redraws only the parts of the image where these changed
	// (dirtyW, in metres), unless dirty asks for the whole image.
	bldCol     []color.RGBA
	segCol     []color.RGBA
	segBike    []bool
	shownStops []orb.Point
	shownParks [][]orb.Point
	dirtyW     []orb.Bound
	// What the screen needs from the map image at the next Draw: the parts
	// that changed (screen pixels), or all of it.
	damage    []image.Rectangle
	damageAll bool
	overKey   overlayKey      // what the overlay was built from
	overBox   image.Rectangle // where it is on screen
	hoverAt   [2]int          // the cursor position hover last looked at
	hoverCam  camera
	hoverTool string

	mapB, overB batches
	ids, ids2   []int // scratch for grid queries

	// Input.
	pressX, pressY   int
	lastX, lastY     int
	pressing         bool
	dragging         bool
	lastClick        time.Time
	lastClickX       int
	lastClickY       int
	touches          []ebiten.TouchID
	pinchD           float64
	pinchCX, pinchCY float64
	touchMoved       bool
	touchStartX      int
	touchStartY      int
	touchID          ebiten.TouchID

	// Tools.
	tool      string
	drawPts   []orb.Point // metres
	selected  []int       // street segment ids
	hoverBld  int
	hoverSeg  int
	highlight [][]orb.Point // rings in metres: the list editor's choice, or the edit just made
	pickDash  bool          // the highlight is the list editor's choice (dashed), not an edit
	// The highlight is streets (drawn as a casing on both sides, so that the
	// street and its change stay visible), not the rings of areas.
	highStreets bool
	// highFor is the highlight the two flags above were set with (its first
	// point): a highlight set elsewhere (the workshop's outline of another
	// proposal) is drawn plain.
	highFor   *orb.Point
	crosshair bool // keyboard drawing: the map centre is the pen
	// The outline and the picked sections of the other kinds of tool, kept
	// while another is used (setTool).
	savedPts map[string][]orb.Point
	savedSel map[string][]int

	// Frames: Update counts the changes to what is shown; Draw skips a
	// frame with none (the screen is not cleared, so it stays).
	drawSeq  int
	drawnSeq int
	// drawnScreen and drawFrames are Draw's own bookkeeping.
	drawnScreen *ebiten.Image
	drawFrames  int
	drawnOnce   bool
	stats       frameStats
	ready       bool

	// changeSeq counts the recolourings (edits, undos, layers); renderedSeq
	// is the one the map image shows, shownSeq the one the last Draw put on
	// screen, so the page can tell when a change is visible (barri:edit).
	changeSeq, renderedSeq, shownSeq int
	// The timing of the frame that last drew the map image (ms).
	lastRender frameTiming

	// The street and barri names over the map (labels.go).
	lab labels
}

// frameTiming is the Go share of the frame that drew the map image anew.
type frameTiming struct {
	RenderMs float64 `json:"renderMs"` // renderMap
	UpdateMs float64 `json:"updateMs"` // the whole Update
	DrawMs   float64 `json:"drawMs"`   // the Draw after it
}

func newGame(a *app) *game {
	g := &game{app: a, m: newMesh(a.city), tool: toolSelect, hoverBld: -1, hoverSeg: -1, dirty: true}
	g.bldCol = make([]color.RGBA, len(a.city.Buildings))
	g.segCol = make([]color.RGBA, len(a.city.Segments))
	g.segBike = make([]bool, len(a.city.Segments))
	g.hoverAt = [2]int{-1 << 30, -1 << 30}
	g.lab = newLabels(g)
	return g
}

// Layout uses the page's full resolution (Ebiten calls LayoutF).
func (g *game) Layout(ow, oh int) (int, int) {
	w, h := g.LayoutF(float64(ow), float64(oh))
	return int(w), int(h)
}

// LayoutF sizes the screen in device pixels.
func (g *game) LayoutF(ow, oh float64) (float64, float64) {
	d := ebiten.Monitor().DeviceScaleFactor()
	g.layoutW, g.layoutH = int(math.Ceil(ow*d)), int(math.Ceil(oh*d))
	return float64(g.layoutW), float64(g.layoutH)
}

// fit frames the whole city in the part of the screen the panel leaves.
func (g *game) fit() {
	g.frame(g.m.bound)
	g.whole = true
}

// fitBound frames a part of the city (at least a few blocks' worth) in the
// free part of the screen, as for an opened proposal's edits.
func (g *game) fitBound(b orb.Bound) {
	const minSide = 600 // metres: a few blocks around a single street or stop
	c := b.Center()
	if b.Max[0]-b.Min[0] < minSide {
		b.Min[0], b.Max[0] = c[0]-minSide/2, c[0]+minSide/2
	}
	if b.Max[1]-b.Min[1] < minSide {
		b.Min[1], b.Max[1] = c[1]-minSide/2, c[1]+minSide/2
	}
	if g.w == 0 {
		// Not laid out yet: the first Update fits the city; frame this then.
		g.pending = &b
		return
	}
	g.frame(b)
	g.whole = false
}

// frame puts a bound in the part of the screen the panel leaves.
func (g *game) frame(b orb.Bound) {
	d := g.dsf
	vw := float64(g.w) - (g.insetR+g.insetL)*d
	vh := float64(g.h) - (g.insetB+g.insetT)*d
	if vw < 100 {
		vw = float64(g.w)
	}
	if vh < 100 {
		vh = float64(g.h)
	}
	s := math.Min(vw/(b.Max[0]-b.Min[0]), vh/(b.Max[1]-b.Min[1])) * 0.95
	g.cam.scale = s
	// Centre the city in the free part: shift the camera by half the inset.
	c := b.Center()
	g.cam.cx = c[0] + ((g.insetR-g.insetL)*d/2)/s
	g.cam.cy = c[1] - ((g.insetB-g.insetT)*d/2)/s
	g.camChanged()
}

// camChanged notes a move of the camera. The map image is not drawn again at
// once: Draw shows it moved and scaled until the camera rests (or moves too
// far), then Update draws it anew, so a pan costs a blit per frame.
func (g *game) camChanged() {
	g.camMove = true
	g.stale = true
	g.movedAt = time.Now()
	g.drawSeq++
	g.damageAll = true
}

// mapMargin is the margin of the map image beyond each side of the screen,
// drawn so that a pan shows map, not background, until the image is redrawn.
func (g *game) mapMargin() (int, int) { return g.w / 4, g.h / 4 }

// needRender reports whether the map image must be drawn again now.
func (g *game) needRender() bool {
	if g.dirty {
		return true
	}
	if !g.stale {
		return false
	}
	k := g.cam.scale / g.mapCam.scale
	mx, my := g.mapMargin()
	dx := math.Abs(g.cam.cx-g.mapCam.cx) * g.cam.scale
	dy := math.Abs(g.cam.cy-g.mapCam.cy) * g.cam.scale
	return time.Since(g.movedAt) >= 130*time.Millisecond || k < 0.6 || k > 1.7 || dx > float64(mx) || dy > float64(my)
}

func (g *game) zoomAt(f, sx, sy float64) {
	p := g.cam.toWorld(sx, sy, g.w, g.h)
	// At most about 5 CSS px a metre: deeper shows a blank screen.
	ns := math.Max(0.05, math.Min(5*g.dsf, g.cam.scale*f))
	g.cam.scale = ns
	q := g.cam.toWorld(sx, sy, g.w, g.h)
	g.cam.cx += p[0] - q[0]
	g.cam.cy += p[1] - q[1]
	g.camChanged()
	g.whole = false
}

// centreOn puts a point in the middle of the free part of the map.
func (g *game) centreOn(p orb.Point) {
	q := g.cam.toWorld(g.centreX(), g.centreY(), g.w, g.h)
	g.cam.cx += p[0] - q[0]
	g.cam.cy += p[1] - q[1]
	g.camChanged()
	g.whole = false
}

func (g *game) panBy(dx, dy float64) {
	g.cam.cx -= dx / g.cam.scale
	g.cam.cy += dy / g.cam.scale
	g.camChanged()
	g.whole = false
}

// frameStats keeps the last few hundred Update and Draw durations (ms), so
// the performance page can tell the Go side of a frame from the browser's.
type frameStats struct {
	update, draw []float64
}

func (f *frameStats) add(s *[]float64, d time.Duration) {
	if len(*s) >= 600 {
		*s = (*s)[:0]
	}
	*s = append(*s, float64(d.Microseconds())/1000)
}

func (g *game) Update() error {
	t0 := time.Now()
	defer func() { g.stats.add(&g.stats.update, time.Since(t0)) }()
	w, h := g.screenSize()
	if w != g.w || h != g.h || g.mapImg == nil {
		g.w, g.h = w, h
		g.dsf = ebiten.Monitor().DeviceScaleFactor()
		if g.mapImg != nil {
			g.mapImg.Deallocate()
			g.partImg.Deallocate()
		}
		// Its own texture: an atlas slot drew only part of a tall image in
		// Chromium (a phone viewport showed the bottom 430 px).
		mx, my := w/4, h/4
		mb := image.Rect(0, 0, max(w+2*mx, 1), max(h+2*my, 1))
		g.mapImg = ebiten.NewImageWithOptions(mb, &ebiten.NewImageOptions{Unmanaged: true})
		g.partImg = ebiten.NewImageWithOptions(mb, &ebiten.NewImageOptions{Unmanaged: true})
		if g.pending != nil {
			g.frame(*g.pending)
			g.pending, g.fitted, g.whole = nil, true, false
		} else if !g.fitted || g.whole {
			g.fit()
			g.fitted = true
		}
		g.dirty = true
	}
	g.input()
	// The page's barri names first: the street names keep clear of them.
	if g.camMove {
		g.app.cameraMoved()
		g.camMove = false
	}
	rendered := false
	if g.needRender() {
		t1 := time.Now()
		g.renderMap()
		g.lastRender = frameTiming{RenderMs: ms(time.Since(t1))}
		g.renderedSeq = g.changeSeq
		g.dirty, g.stale = false, false
		g.dirtyW = g.dirtyW[:0]
		g.mapCam = g.cam
		// The names are laid out with the map image, not per frame.
		g.layoutLabels()
		g.drawSeq++
		g.damageAll = true
		rendered = true
	} else if len(g.dirtyW) > 0 || g.renderedSeq != g.changeSeq {
		t1 := time.Now()
		g.renderParts()
		g.lastRender = frameTiming{RenderMs: ms(time.Since(t1))}
		g.renderedSeq = g.changeSeq
		g.drawSeq++
		rendered = true
	}
	g.stopsChanged()
	g.moveLabels()
	g.registerLabels()
	if k := g.overlayNow(); k != g.overKey {
		g.overKey = k
		g.buildOverlay()
		box := g.overB.box()
		g.damage = append(g.damage, g.overBox, box)
		g.overBox = box
		g.drawSeq++
	}
	if g.drawnOnce && !g.ready {
		g.ready = true
		g.app.markReady()
	}
	if rendered {
		g.lastRender.UpdateMs = ms(time.Since(t0))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (g *game) screenSize() (int, int) { return max(g.layoutW, 1), max(g.layoutH, 1) }

// input turns mouse, touch and keyboard input into intents.
func (g *game) input() {
	// Wheel zoom at the cursor.
	mx, my := ebiten.CursorPosition()
	if _, wy := ebiten.Wheel(); wy != 0 {
		// In the browser the wheel counts CSS pixels (about 100 a notch).
		g.zoomAt(math.Max(0.5, math.Min(2, math.Exp(wy*0.002))), float64(mx), float64(my))
	}
	// Mouse: press, drag to pan, release without moving to click.
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		g.pressing, g.dragging = true, false
		g.pressX, g.pressY, g.lastX, g.lastY = mx, my, mx, my
	}
	if g.pressing && ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		if !g.dragging && (abs(mx-g.pressX) > 4 || abs(my-g.pressY) > 4) {
			g.dragging = true
		}
		if g.dragging && (mx != g.lastX || my != g.lastY) {
			g.panBy(float64(mx-g.lastX), float64(my-g.lastY))
		}
		g.lastX, g.lastY = mx, my
	}
	if g.pressing && inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) {
		g.pressing = false
		if !g.dragging {
			g.tap(mx, my)
		}
	}
	// Hover looks the cursor up only when it, the map or the tool moved.
	if at := [2]int{mx, my}; !g.pressing && len(g.touches) == 0 && (at != g.hoverAt || g.cam != g.hoverCam || g.tool != g.hoverTool) {
		g.hoverAt, g.hoverCam, g.hoverTool = at, g.cam, g.tool
		g.hover(float64(mx), float64(my))
	}
	g.touchInput()
	g.keyInput()
}

func (g *game) touchInput() {
	g.touches = ebiten.AppendTouchIDs(g.touches[:0])
	for _, id := range inpututil.AppendJustPressedTouchIDs(nil) {
		if len(g.touches) == 1 {
			g.touchID = id
			g.touchStartX, g.touchStartY = ebiten.TouchPosition(id)
			g.lastX, g.lastY = g.touchStartX, g.touchStartY
			g.touchMoved = false
		}
	}
	switch len(g.touches) {
	case 1:
		x, y := ebiten.TouchPosition(g.touches[0])
		if g.touches[0] != g.touchID {
			g.touchID = g.touches[0]
			g.lastX, g.lastY = x, y
		}
		if abs(x-g.touchStartX) > 10 || abs(y-g.touchStartY) > 10 {
			g.touchMoved = true
		}
		if g.touchMoved && (x != g.lastX || y != g.lastY) {
			g.panBy(float64(x-g.lastX), float64(y-g.lastY))
		}
		g.lastX, g.lastY = x, y
		g.pinchD = 0
	case 2:
		x0, y0 := ebiten.TouchPosition(g.touches[0])
		x1, y1 := ebiten.TouchPosition(g.touches[1])
		d := math.Hypot(float64(x1-x0), float64(y1-y0))
		cx, cy := float64(x0+x1)/2, float64(y0+y1)/2
		if g.pinchD > 0 && d > 0 {
			g.panBy(cx-g.pinchCX, cy-g.pinchCY)
			g.zoomAt(d/g.pinchD, cx, cy)
		}
		g.pinchD, g.pinchCX, g.pinchCY = d, cx, cy
		g.touchMoved = true
	default:
		g.pinchD = 0
	}
	for _, id := range inpututil.AppendJustReleasedTouchIDs(nil) {
		if id == g.touchID && !g.touchMoved && len(g.touches) == 0 {
			x, y := inpututil.TouchPositionInPreviousTick(id)
			g.tap(x, y)
		}
	}
}

func (g *game) keyInput() {
	step := float64(min(g.w, g.h)) / 8
	if ebiten.IsKeyPressed(ebiten.KeyShift) {
		step /= 4
	}
	for _, k := range inpututil.AppendJustPressedKeys(nil) {
		switch k {
		case ebiten.KeyArrowLeft, ebiten.KeyA:
			g.panBy(step, 0)
		case ebiten.KeyArrowRight, ebiten.KeyD:
			g.panBy(-step, 0)
		case ebiten.KeyArrowUp, ebiten.KeyW:
			g.panBy(0, step)
		case ebiten.KeyArrowDown, ebiten.KeyS:
			g.panBy(0, -step)
		case ebiten.KeyEqual, ebiten.KeyNumpadAdd, ebiten.KeyPageUp:
			g.zoomAt(1.25, float64(g.w)/2, float64(g.h)/2)
		case ebiten.KeyMinus, ebiten.KeyNumpadSubtract, ebiten.KeyPageDown:
			g.zoomAt(0.8, float64(g.w)/2, float64(g.h)/2)
		case ebiten.KeyDigit0, ebiten.KeyHome:
			g.fit()
		case ebiten.KeySpace:
			// The pen at the centre of the free part of the map.
			g.crosshair = true
			g.click(g.centreX(), g.centreY(), false)
		case ebiten.KeyEnter, ebiten.KeyNumpadEnter:
			g.finish()
		case ebiten.KeyEscape:
			g.cancel()
		case ebiten.KeyBackspace:
			if len(g.drawPts) > 0 {
				g.drawPts = g.drawPts[:len(g.drawPts)-1]
				g.app.toolChanged()
			}
		}
	}
}

func (g *game) centreX() float64 {
	return (float64(g.w)-(g.insetR+g.insetL)*g.dsf)/2 + g.insetL*g.dsf
}
func (g *game) centreY() float64 { return (float64(g.h)-(g.insetB+g.insetT)*g.dsf)/2 + g.insetT*g.dsf }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// tap is a click or a touch tap: a second one close to the first within a
// third of a second is a double click.
func (g *game) tap(x, y int) {
	now := time.Now()
	double := now.Sub(g.lastClick) < time.Second/3 && abs(x-g.lastClickX) < 8 && abs(y-g.lastClickY) < 8
	g.lastClick, g.lastClickX, g.lastClickY = now, x, y
	g.click(float64(x), float64(y), double)
}

// click applies the current tool at a screen point.
func (g *game) click(sx, sy float64, double bool) {
	p := g.cam.toWorld(sx, sy, g.w, g.h)
	switch g.tool {
	case toolPolygon:
		if double && len(g.drawPts) >= 3 {
			g.finish()
			return
		}
		// Clicking the first point closes the polygon.
		if len(g.drawPts) >= 3 {
			fx, fy := g.cam.toScreen(g.drawPts[0][0], g.drawPts[0][1], g.w, g.h)
			if math.Hypot(float64(fx)-sx, float64(fy)-sy) < 12*g.dsf {
				g.finish()
				return
			}
		}
		if n := len(g.drawPts); n > 0 && g.drawPts[n-1] == p {
			return
		}
		g.drawPts = append(g.drawPts, p)
		g.app.toolChanged()
	case toolStreets:
		id := g.segmentAt(sx, sy)
		if id < 0 {
			return
		}
		if k := indexOf(g.selected, id); k >= 0 {
			g.selected = append(g.selected[:k], g.selected[k+1:]...)
		} else {
			g.selected = append(g.selected, id)
		}
		g.app.toolChanged()
	case toolPoint:
		g.app.placePoint(p)
	default:
		if b := g.buildingAt(sx, sy); b >= 0 {
			g.app.inspect("building", b)
		} else if s := g.segmentAt(sx, sy); s >= 0 {
			g.app.inspect("street", s)
		}
	}
}

func indexOf(xs []int, v int) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return -1
}

// finish completes the drawn polygon and hands it to the app.
func (g *game) finish() {
	if g.tool != toolPolygon || len(g.drawPts) < 3 {
		return
	}
	pts := append([]orb.Point(nil), g.drawPts...)
	g.drawPts = g.drawPts[:0]
	g.app.toolChanged()
	g.app.polygonDone(pts)
}

// setHighlight shows rings (or streets' lines) in metres: dashed for the
// list editor's choice, and beside streets rather than over them.
func (g *game) setHighlight(rings [][]orb.Point, dashed, streets bool) {
	g.highlight, g.pickDash, g.highStreets, g.highFor = rings, dashed, streets, nil
	if len(rings) > 0 && len(rings[0]) > 0 {
		g.highFor = &rings[0][0]
	}
}

func (g *game) cancel() {
	g.drawPts = g.drawPts[:0]
	g.selected = g.selected[:0]
	clear(g.savedPts)
	clear(g.savedSel)
	g.highlight = nil
	g.app.toolChanged()
}

func (g *game) segmentAt(sx, sy float64) int {
	p := g.cam.toWorld(sx, sy, g.w, g.h)
	id, d, _ := g.app.city.NearestSegment(p)
	if id < 0 || d*g.cam.scale > 14*g.dsf+float64(g.m.segWidth[id])*g.cam.scale/2 {
		return -1
	}
	return id
}

func (g *game) buildingAt(sx, sy float64) int {
	p := g.cam.toWorld(sx, sy, g.w, g.h)
	const r = 40.0
	a := sim.Area{orb.Polygon{orb.Ring{{p[0] - r, p[1] - r}, {p[0] + r, p[1] - r}, {p[0] + r, p[1] + r}, {p[0] - r, p[1] + r}, {p[0] - r, p[1] - r}}}}
	for _, id := range g.app.city.BuildingsIn(a) {
		if sim.PolygonContains(g.app.city.Buildings[id].Footprint, p) {
			return id
		}
	}
	return -1
}

func (g *game) hover(sx, sy float64) {
	if sx < 0 || sy < 0 || int(sx) >= g.w || int(sy) >= g.h {
		return
	}
	b, s := -1, -1
	if g.tool == toolStreets {
		s = g.segmentAt(sx, sy)
	} else if b = g.buildingAt(sx, sy); b < 0 {
		s = g.segmentAt(sx, sy)
	}
	if b != g.hoverBld || s != g.hoverSeg {
		g.hoverBld, g.hoverSeg = b, s
		g.app.hovered(b, s)
	}
}

// recolour sets the colours of the given buildings and segments (all: of
// every one) from the app's layer, and notes where the map image must be
// drawn again: only where a colour, a bike lane, a stop or a park changed,
// unless all changed.
func (g *game) recolour(blds []int, all bool) {
	a := g.app
	g.changeSeq++
	if all {
		for i := range g.bldCol {
			g.bldCol[i] = a.buildingColour(i)
		}
		for i := range g.segCol {
			g.segCol[i] = a.segmentColour(i)
			g.segBike[i] = a.bikeLane(i)
		}
		g.shownStops = a.stops()
		g.shownParks = a.parkTriangles()
		g.dirty = true
		return
	}
	m := g.m
	for _, i := range blds {
		if c := a.buildingColour(i); c != g.bldCol[i] {
			g.bldCol[i] = c
			g.dirtyW = append(g.dirtyW, m.bldBound[i])
		}
	}
	// Every segment (there are few): a street's colour and bike lane
	// follow its state, which an edit may change with no change in results.
	for i := range g.segCol {
		c, bike := a.segmentColour(i), a.bikeLane(i)
		if c != g.segCol[i] || bike != g.segBike[i] {
			g.segCol[i], g.segBike[i] = c, bike
			g.dirtyW = append(g.dirtyW, m.segBound[i])
		}
	}
	stops := a.stops()
	for k := range max(len(stops), len(g.shownStops)) {
		if k >= len(stops) || k >= len(g.shownStops) || stops[k] != g.shownStops[k] {
			for _, p := range [][]orb.Point{stops, g.shownStops} {
				if k < len(p) {
					g.dirtyW = append(g.dirtyW, orb.Bound{Min: p[k], Max: p[k]})
				}
			}
		}
	}
	g.shownStops = stops
	if parks := a.parkTriangles(); !samePolys(parks, g.shownParks) {
		for _, ps := range [][][]orb.Point{parks, g.shownParks} {
			for _, tri := range ps {
				g.dirtyW = append(g.dirtyW, orb.MultiPoint(tri).Bound())
			}
		}
		g.shownParks = parks
	}
}

func samePolys(a, b [][]orb.Point) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// renderMap draws the whole city into the map image, with the camera now.
func (g *game) renderMap() {
	g.renderRect(g.cam, g.mapImg.Bounds(), true)
}

// renderParts draws again the parts of the map image where something
// changed (recolour's dirtyW), with the camera the image was drawn with; the
// whole image when they cover much of it.
func (g *game) renderParts() {
	b := g.mapImg.Bounds()
	w, h := b.Dx(), b.Dy()
	pad := 4 * g.dsf // pixels around each part: a street's least width, a stop's rim
	var rects []image.Rectangle
	area := 0
	for _, wb := range g.dirtyW {
		x0, y0 := g.mapCam.toScreen(wb.Min[0], wb.Max[1], w, h)
		x1, y1 := g.mapCam.toScreen(wb.Max[0], wb.Min[1], w, h)
		r := image.Rect(int(math.Floor(float64(x0)-pad-8*g.dsf)), int(math.Floor(float64(y0)-pad-8*g.dsf)),
			int(math.Ceil(float64(x1)+pad+8*g.dsf)), int(math.Ceil(float64(y1)+pad+8*g.dsf))).Intersect(b)
		if r.Empty() {
			continue
		}
		rects = append(rects, r)
		area += r.Dx() * r.Dy()
	}
	g.dirtyW = g.dirtyW[:0]
	if area > b.Dx()*b.Dy()/3 || len(rects) > 200 {
		// Much of it: the whole image, once (the camera as it was, so that
		// the screen shows what it showed).
		g.renderRect(g.mapCam, b, true)
		g.damageAll = true
		return
	}
	for _, r := range mergeRects(rects) {
		g.renderRect(g.mapCam, r, false)
		// On screen: the image is centred on the camera it was drawn with.
		if g.cam == g.mapCam {
			dx, dy := (b.Dx()-g.w)/2, (b.Dy()-g.h)/2
			g.damage = append(g.damage, r.Sub(image.Pt(dx, dy)).Inset(-1))
		} else {
			g.damageAll = true
		}
	}
}

// mergeRects joins rectangles that overlap, so that no pixel is drawn twice.
func mergeRects(rs []image.Rectangle) []image.Rectangle {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(rs) && !merged; i++ {
			for j := i + 1; j < len(rs); j++ {
				if rs[i].Overlaps(rs[j]) {
					rs[i] = rs[i].Union(rs[j])
					rs = slices.Delete(rs, j, j+1)
					merged = true
					break
				}
			}
		}
	}
	return rs
}

// renderRect draws the map into the part r of the map image, as a camera
// sees it: the background, then streets, buildings, the proposal's parks,
// barri boundaries, amenities and stops, each layer in the order of its
// elements, so that a part drawn again alone matches the whole.
//
// A part is drawn into partImg, which nothing shows, and copied from there
// into its place in mapImg: drawn into a sub-image of mapImg (which clips
// it), each part's new *ebiten.Image converted its vertices in a buffer of
// its own, a quarter of a megabyte of garbage for each street edit on
// js/wasm, where the collector shares the page's one thread. Around the
// part, partImg holds whatever was drawn there last; only the part is
// copied.
func (g *game) renderRect(cam camera, r image.Rectangle, whole bool) {
	dst := g.mapImg
	if !whole {
		dst = g.partImg
		dst.SubImage(r).(*ebiten.Image).Fill(colBackground)
	} else {
		dst.Fill(colBackground)
	}
	bs := &g.mapB
	bs.reset()
	b := g.mapImg.Bounds()
	w, h := b.Dx(), b.Dy()
	m := g.m
	d := float32(g.dsf)
	sc := float32(cam.scale)
	// The part in metres, with a margin for what is drawn wider than its
	// geometry (streets and stops at their least width in pixels).
	p0 := cam.toWorld(float64(r.Min.X), float64(r.Max.Y), w, h)
	p1 := cam.toWorld(float64(r.Max.X), float64(r.Min.Y), w, h)
	wb := orb.Bound{Min: p0, Max: p1}.Pad(10 * g.dsf / cam.scale)
	in := func(p orb.Point) bool { return whole || wb.Contains(p) }
	var segs, blds []int
	if whole {
		segs, blds = nil, nil
	} else {
		segs = m.grid.query(m.grid.seg, m.segBound, wb, g.ids[:0])
		g.ids = segs
	}
	streetLayer := g.app.layer().streets
	drawSeg := func(i int) {
		s := m.segXY[i]
		x0, y0 := cam.toScreen(float64(s[0]), float64(s[1]), w, h)
		x1, y1 := cam.toScreen(float64(s[2]), float64(s[3]), w, h)
		if whole && offscreen(x0, y0, x1, y1, w, h) {
			return
		}
		wd := max(m.segWidth[i]*sc, 1.5*d)
		if streetLayer {
			wd = max(wd, 3*d)
		}
		bs.line(x0, y0, x1, y1, wd, g.segCol[i])
		if g.segBike[i] {
			// At every scale: the whole street's width when it is thin.
			bw := max(wd/5, d)
			if sc < 0.25 {
				bw = wd
			}
			bs.line(x0, y0, x1, y1, bw, colBikeLane)
		}
	}
	// Streets first (under the buildings' edges).
	if whole {
		for i := range m.segXY {
			drawSeg(i)
		}
	} else {
		for _, i := range segs {
			drawSeg(i)
		}
	}
	// Buildings.
	drawBld := func(i int) {
		c := g.bldCol[i]
		lo, hi := m.bldStart[i], m.bldStart[i+1]
		if hi <= lo {
			return
		}
		if whole {
			bx, by := cam.toScreen(float64(m.bldXY[2*lo]), float64(m.bldXY[2*lo+1]), w, h)
			if bx < -200 || by < -200 || bx > float32(w)+200 || by > float32(h)+200 {
				return
			}
		}
		b := bs.room(hi - lo)
		n := uint16(len(b.v))
		for k := lo; k < hi; k++ {
			x, y := cam.toScreen(float64(m.bldXY[2*k]), float64(m.bldXY[2*k+1]), w, h)
			b.v = append(b.v, vtx(x, y, c))
			b.i = append(b.i, n+uint16(k-lo))
		}
	}
	if whole {
		for i := 0; i+1 < len(m.bldStart); i++ {
			drawBld(i)
		}
	} else {
		blds = m.grid.query(m.grid.bld, m.bldBound, wb, g.ids2[:0])
		g.ids2 = blds
		for _, i := range blds {
			drawBld(i)
		}
	}
	// Parks the proposal makes, over what they replace.
	for _, tri := range g.shownParks {
		b := bs.room(len(tri))
		n := uint16(len(b.v))
		for k, p := range tri {
			x, y := cam.toScreen(p[0], p[1], w, h)
			b.v = append(b.v, vtx(x, y, colNewPark))
			b.i = append(b.i, n+uint16(k))
		}
	}
	// Barri boundaries.
	for _, e := range m.zoneXY {
		x0, y0 := cam.toScreen(float64(e[0]), float64(e[1]), w, h)
		x1, y1 := cam.toScreen(float64(e[2]), float64(e[3]), w, h)
		bs.line(x0, y0, x1, y1, 2.5*d, colOutline)
	}
	// Amenities (squares, coloured by kind) once the map is close enough
	// to tell them apart.
	if sc > 0.25*d {
		r := max(2.5*d, min(5*d, 4*sc))
		for _, am := range g.app.city.Amenities {
			if !in(am.P) {
				continue
			}
			x, y := cam.toScreen(am.P[0], am.P[1], w, h)
			if x < -10 || y < -10 || x > float32(w)+10 || y > float32(h)+10 {
				continue
			}
			bs.square(x, y, r+d, color.RGBA{255, 255, 255, 255})
			bs.square(x, y, r, amenityColours[am.Kind])
		}
	}
	// Stops.
	// Small at city scale, where 3 px discs covered the buildings.
	rad := max(1.5*d, min(7*d, 20*sc))
	for _, p := range g.shownStops {
		if !in(p) {
			continue
		}
		x, y := cam.toScreen(p[0], p[1], w, h)
		bs.disc(x, y, rad+d, color.RGBA{255, 255, 255, 255})
		bs.disc(x, y, rad, colStop)
	}
	op := &ebiten.DrawTrianglesOptions{AntiAlias: false}
	for _, b := range *bs {
		dst.DrawTriangles(b.v, b.i, whiteImage, op)
	}
	if !whole {
		// The part's pixels as they are: no blending, no filtering.
		cp := &ebiten.DrawImageOptions{Blend: ebiten.BlendCopy}
		cp.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
		g.mapImg.DrawImage(g.partImg.SubImage(r).(*ebiten.Image), cp)
	}
}

func offscreen(x0, y0, x1, y1 float32, w, h int) bool {
	return (x0 < -50 && x1 < -50) || (y0 < -50 && y1 < -50) ||
		(x0 > float32(w)+50 && x1 > float32(w)+50) || (y0 > float32(h)+50 && y1 > float32(h)+50)
}

// buildOverlay builds the hover, selection and drawing marks.
func (g *game) buildOverlay() {
	bs := &g.overB
	bs.reset()
	w, h := g.w, g.h
	d := float32(g.dsf)
	sc := float32(g.cam.scale)
	seg := func(id int, wd float32, c color.RGBA) {
		s := g.m.segXY[id]
		x0, y0 := g.cam.toScreen(float64(s[0]), float64(s[1]), w, h)
		x1, y1 := g.cam.toScreen(float64(s[2]), float64(s[3]), w, h)
		bs.line(x0, y0, x1, y1, max(g.m.segWidth[id]*sc, wd), c)
	}
	pickDash, highStreets := g.pickDash, g.highStreets
	if k := g.overKey.high; k != g.highFor {
		pickDash, highStreets = false, false
	}
	for _, ring := range g.highlight {
		xy := make([]float32, 0, 2*len(ring))
		for _, p := range ring {
			x, y := g.cam.toScreen(p[0], p[1], w, h)
			xy = append(xy, x, y)
		}
		for k := 0; k+3 < len(xy); k += 2 {
			x0, y0, x1, y1 := xy[k], xy[k+1], xy[k+2], xy[k+3]
			offs := []float32{0}
			if highStreets {
				// Beside the street, not over it: a line each side, past
				// half a street's width.
				o := max(7*sc, 1.5*d) + 2.5*d
				offs = []float32{-o, o}
			}
			l := float32(math.Hypot(float64(x1-x0), float64(y1-y0)))
			if l == 0 {
				continue
			}
			nx, ny := -(y1-y0)/l, (x1-x0)/l
			for _, o := range offs {
				ax, ay, bx, by := x0+nx*o, y0+ny*o, x1+nx*o, y1+ny*o
				if pickDash {
					// The list editor's choice: dashed, in the drawing colour,
					// unlike picked sections and the edit just made (magenta).
					bs.dashed(ax, ay, bx, by, 3*d, 9*d, 6*d, colDraw)
				} else {
					bs.line(ax, ay, bx, by, 2.5*d, colSelect)
				}
			}
		}
	}
	for _, id := range g.selected {
		seg(id, 6*d, colSelect)
	}
	if g.hoverSeg >= 0 {
		seg(g.hoverSeg, 4*d, color.RGBA{0, 0, 0, 140})
	}
	if g.hoverBld >= 0 {
		m := g.m
		lo, hi := m.bldStart[g.hoverBld], m.bldStart[g.hoverBld+1]
		b := bs.room(hi - lo)
		n := uint16(len(b.v))
		for k := lo; k < hi; k++ {
			x, y := g.cam.toScreen(float64(m.bldXY[2*k]), float64(m.bldXY[2*k+1]), w, h)
			b.v = append(b.v, vtx(x, y, color.RGBA{0, 0, 0, 90}))
			b.i = append(b.i, n+uint16(k-lo))
		}
	}
	if g.tool == toolPolygon && len(g.drawPts) > 0 {
		xy := make([]float32, 0, 2*len(g.drawPts))
		for _, p := range g.drawPts {
			x, y := g.cam.toScreen(p[0], p[1], w, h)
			xy = append(xy, x, y)
		}
		// Ear-clipped like the footprints: a concave outline fills right.
		if len(g.drawPts) >= 3 {
			ring := append(orb.Ring(slices.Clone(g.drawPts)), g.drawPts[0])
			tri := triangulate(orb.Polygon{ring})
			b := bs.room(len(tri))
			n := uint16(len(b.v))
			for k, p := range tri {
				x, y := g.cam.toScreen(p[0], p[1], w, h)
				b.v = append(b.v, vtx(x, y, color.RGBA{0x00, 0x5a, 0xb5, 50}))
				b.i = append(b.i, n+uint16(k))
			}
		}
		for k := 0; k+3 < len(xy); k += 2 {
			bs.line(xy[k], xy[k+1], xy[k+2], xy[k+3], 2.5*d, colDraw)
		}
		for k := 0; k+1 < len(xy); k += 2 {
			bs.disc(xy[k], xy[k+1], 5*d, color.RGBA{255, 255, 255, 255})
			bs.disc(xy[k], xy[k+1], 3.5*d, colDraw)
		}
	}
	if g.crosshair && g.tool != toolSelect {
		x, y := float32(g.centreX()), float32(g.centreY())
		bs.line(x-12*d, y, x+12*d, y, 2*d, colDraw)
		bs.line(x, y-12*d, x, y+12*d, 2*d, colDraw)
	}
}

func (g *game) Draw(screen *ebiten.Image) {
	// Skip a frame that would draw the same as the last one; the screen is
	// not cleared, so it still shows that. Otherwise put on screen only the
	// parts of the map image that changed (Update's damage) and the
	// overlay's place, unless the camera moved, the screen is new, or it is
	// the first frame. Draw changes only its own bookkeeping: what it has
	// put on screen.
	g.drawFrames++
	if g.mapImg == nil {
		return
	}
	if g.drawnOnce && g.drawnSeq == g.drawSeq && screen == g.drawnScreen {
		return
	}
	full := !g.drawnOnce || screen != g.drawnScreen || g.damageAll || g.cam != g.mapCam
	g.drawnSeq, g.drawnScreen = g.drawSeq, screen
	t0 := time.Now()
	defer func() {
		g.stats.add(&g.stats.draw, time.Since(t0))
		if g.shownSeq != g.renderedSeq {
			g.shownSeq = g.renderedSeq
			g.lastRender.DrawMs = ms(time.Since(t0))
		}
		g.damage, g.damageAll = g.damage[:0], false
	}()
	// The map image as the camera sees it now: moved and scaled from the
	// camera it was drawn with.
	b := g.mapImg.Bounds()
	k := g.cam.scale / g.mapCam.scale
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(k, k)
	op.GeoM.Translate((g.mapCam.cx-g.cam.cx)*g.cam.scale-float64(b.Dx())/2*k+float64(g.w)/2,
		-(g.mapCam.cy-g.cam.cy)*g.cam.scale-float64(b.Dy())/2*k+float64(g.h)/2)
	if k != 1 {
		op.Filter = ebiten.FilterLinear
	}
	if full {
		// The image covers the screen unless it shrank or moved past its margin.
		if mx, my := g.mapMargin(); k < 1 || math.Abs(g.mapCam.cx-g.cam.cx)*g.cam.scale > float64(mx) || math.Abs(g.mapCam.cy-g.cam.cy)*g.cam.scale > float64(my) {
			screen.Fill(colBackground)
		}
		screen.DrawImage(g.mapImg, op)
		g.drawLabels(screen)
	} else {
		// The names over each part too, as over the whole.
		sb := screen.Bounds()
		for _, r := range mergeRects(append(g.damage, g.overBox)) {
			if r = r.Intersect(sb); !r.Empty() {
				part := screen.SubImage(r).(*ebiten.Image)
				part.DrawImage(g.mapImg, op)
				g.drawLabelsIn(part, r)
			}
		}
	}
	for _, b := range g.overB {
		screen.DrawTriangles(b.v, b.i, whiteImage, nil)
	}
	g.drawnOnce = true
}
