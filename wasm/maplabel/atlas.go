package maplabel

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"slices"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The labels' typeface: Go Medium (golang.org/x/image/font/gofont, by
// Bigelow & Holmes, under Go's BSD licence), whose glyphs cover Catalan
// and Spanish (à è é í ï ò ó ú ü ç l·l ñ) and which links into the wasm
// for about 0.2 MB compressed with its rasteriser.
var face = func() *opentype.Font {
	f, err := opentype.Parse(gomedium.TTF)
	if err != nil {
		panic("maplabel: the built-in font does not parse: " + err.Error())
	}
	return f
}()

// Glyph is one character in an atlas: where its fill and its halo are in
// the atlas image, where their top-left corners sit relative to the pen on
// the baseline, and how far the pen then moves (pixels).
type Glyph struct {
	Fill, Halo       image.Rectangle
	FillOff, HaloOff image.Point
	Advance          float64
}

// Atlas is a font's glyphs rasterised at one size, each with a halo (the
// glyph widened by a disc), packed into one alpha image.
type Atlas struct {
	Img             *image.Alpha
	Size            float64 // pixels a em
	Ascent, Descent float64
	CapHeight       float64
	Tracking        float64         // pixels added after every character
	White           image.Rectangle // a block of whole coverage, for shapes drawn from the atlas
	glyphs          map[rune]Glyph
	face            font.Face
	missing         rune
}

// Glyphs lists the characters every atlas holds besides the names' own:
// digits, '?' (drawn for a character the font lacks) and a few marks.
func Glyphs() []rune { return []rune("0123456789?'’·-–., ()") }

// NewAtlas rasterises the runes (and Glyphs) at size pixels a em with a
// halo of radius halo pixels, and tracking pixels between characters.
func NewAtlas(size, halo, tracking float64, runes []rune) (*Atlas, error) {
	fc, err := opentype.NewFace(face, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("maplabel: a face of %.1f px: %v", size, err)
	}
	m := fc.Metrics()
	a := &Atlas{Size: size, Ascent: fix(m.Ascent), Descent: fix(m.Descent), CapHeight: fix(m.CapHeight), Tracking: tracking,
		glyphs: map[rune]Glyph{}, face: fc, missing: '?'}
	if a.CapHeight <= 0 {
		a.CapHeight = a.Ascent * 0.7
	}
	rs := append(Glyphs(), runes...)
	slices.Sort(rs)
	rs = slices.Compact(rs)
	// Rasterise each glyph and its halo, then pack them in rows.
	type cell struct {
		r          rune
		fill, halo *image.Alpha
		fo, ho     image.Point
		adv        float64
	}
	var cells []cell
	hr := int(math.Ceil(halo))
	for _, r := range rs {
		dr, mask, mp, adv, ok := fc.Glyph(fixed.Point26_6{}, r)
		if !ok {
			continue
		}
		fill := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		draw.Draw(fill, fill.Bounds(), mask, mp, draw.Src)
		c := cell{r: r, fill: fill, fo: dr.Min, adv: fix(adv)}
		if !dr.Empty() {
			c.halo = dilate(fill, halo, hr)
			c.ho = dr.Min.Sub(image.Pt(hr, hr))
		}
		cells = append(cells, c)
	}
	if _, ok := fc.GlyphAdvance('?'); !ok {
		return nil, fmt.Errorf("maplabel: the font has no '?'")
	}
	const width = 1024
	const gap = 2 // pixels between cells: linear filtering reads a neighbour
	x, y, rowH := gap, gap, 0
	type spot struct{ fill, halo image.Rectangle }
	spots := make([]spot, len(cells))
	put := func(img *image.Alpha) image.Rectangle {
		if img == nil {
			return image.Rectangle{}
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if x+w+gap > width {
			x, y, rowH = gap, y+rowH+gap, 0
		}
		r := image.Rect(x, y, x+w, y+h)
		x += w + gap
		rowH = max(rowH, h)
		return r
	}
	white := image.NewAlpha(image.Rect(0, 0, 4, 4))
	for i := range white.Pix {
		white.Pix[i] = 0xff
	}
	a.White = put(white)
	for i, c := range cells {
		spots[i] = spot{put(c.fill), put(c.halo)}
	}
	a.Img = image.NewAlpha(image.Rect(0, 0, width, y+rowH+gap))
	draw.Draw(a.Img, a.White, white, image.Point{}, draw.Src)
	for i, c := range cells {
		if c.fill != nil && !spots[i].fill.Empty() {
			draw.Draw(a.Img, spots[i].fill, c.fill, image.Point{}, draw.Src)
		}
		if c.halo != nil {
			draw.Draw(a.Img, spots[i].halo, c.halo, image.Point{}, draw.Src)
		}
		a.glyphs[c.r] = Glyph{Fill: spots[i].fill, Halo: spots[i].halo, FillOff: c.fo, HaloOff: c.ho, Advance: c.adv}
	}
	return a, nil
}

func fix(v fixed.Int26_6) float64 { return float64(v) / 64 }

// dilate returns the glyph's halo: every pixel takes the most of the
// glyph's coverage (tripled, at most whole) within radius r of it, fading
// over the last pixel, on an image grown by hr pixels each side.
func dilate(src *image.Alpha, r float64, hr int) *image.Alpha {
	b := src.Bounds()
	out := image.NewAlpha(image.Rect(0, 0, b.Dx()+2*hr, b.Dy()+2*hr))
	type tap struct {
		dx, dy int
		k      float64
	}
	var kernel []tap
	for dy := -hr - 1; dy <= hr+1; dy++ {
		for dx := -hr - 1; dx <= hr+1; dx++ {
			if k := math.Max(0, math.Min(1, r+0.5-math.Hypot(float64(dx), float64(dy)))); k > 0 {
				kernel = append(kernel, tap{dx, dy, k})
			}
		}
	}
	ow, oh := out.Rect.Dx(), out.Rect.Dy()
	for sy := 0; sy < b.Dy(); sy++ {
		for sx := 0; sx < b.Dx(); sx++ {
			// A glyph's edge counts nearly as ink: thin strokes at small
			// sizes have few wholly covered pixels, and their halo would
			// be thin and grey.
			v := math.Min(255, 3*float64(src.Pix[sy*src.Stride+sx]))
			if v == 0 {
				continue
			}
			for _, t := range kernel {
				x, y := sx+hr+t.dx, sy+hr+t.dy
				if x < 0 || y < 0 || x >= ow || y >= oh {
					continue
				}
				if a := uint8(math.Round(v * t.k)); a > out.Pix[y*out.Stride+x] {
					out.Pix[y*out.Stride+x] = a
				}
			}
		}
	}
	return out
}

// Has reports whether the atlas holds a rune.
func (a *Atlas) Has(r rune) bool { _, ok := a.glyphs[r]; return ok }

// Width is a string's width in pixels (with kerning and tracking).
func (a *Atlas) Width(s string) float64 {
	w := 0.0
	a.Each(s, func(_ Glyph, x float64) { w = x })
	return w
}

// Each calls f with every glyph of s and the pen's position before it,
// then once more with the zero Glyph at the end (the string's width). A
// rune the atlas lacks is drawn as '?'.
func (a *Atlas) Each(s string, f func(g Glyph, x float64)) {
	x := 0.0
	prev := rune(-1)
	n := 0
	for _, r := range s {
		g, ok := a.glyphs[r]
		if !ok {
			r = a.missing
			g = a.glyphs[r]
		}
		if prev >= 0 {
			x += fix(a.face.Kern(prev, r))
		}
		f(g, x)
		x += g.Advance + a.Tracking
		prev = r
		n++
	}
	if n > 0 {
		x -= a.Tracking
	}
	f(Glyph{}, x)
}
