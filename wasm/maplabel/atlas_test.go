package maplabel

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"testing"

	"golang.org/x/image/font/sfnt"
)

// The letters of Catalan and Spanish street names are in the font (not
// drawn as '?').
func TestFontHasCatalanLetters(t *testing.T) {
	var buf sfnt.Buffer
	for _, r := range "àèéíïòóúüçñ·ÀÈÉÍÏÒÓÚÜÇÑáÁ’" {
		if i, err := face.GlyphIndex(&buf, r); err != nil || i == 0 {
			t.Errorf("the font has no %q (glyph %d, %v)", r, i, err)
		}
	}
	a, err := NewAtlas(12, 1.75, 0, []rune("Carrer de Llançà, Passeig de Gràcia, Carrer de Còrsega, Sant Antoni, Paral·lel, Sinaí, Güell, Peñíscola"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "àçòíü·ñ" {
		if !a.Has(r) {
			t.Errorf("the atlas has no %q", r)
		}
	}
	for y := a.White.Min.Y; y < a.White.Max.Y; y++ {
		for x := a.White.Min.X; x < a.White.Max.X; x++ {
			if a.Img.AlphaAt(x, y).A != 0xff {
				t.Fatalf("the atlas's white block is %d at (%d, %d)", a.Img.AlphaAt(x, y).A, x, y)
			}
		}
	}
	if !a.Has('?') || a.Has('ж') {
		t.Error("the atlas holds the names' letters and '?' only")
	}
	// A letter it lacks is drawn as '?'.
	if w, q := a.Width("ж"), a.Width("?"); w != q {
		t.Errorf("a missing letter is %.1f px wide, '?' %.1f", w, q)
	}
	if dir := os.Getenv("MAPLABEL_ATLAS"); dir != "" {
		f, err := os.Create(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		png.Encode(f, a.Img)
	}
}

// Every glyph's halo covers the glyph, and reaches past it by about the
// halo's radius.
func TestHaloCoversGlyph(t *testing.T) {
	for _, size := range []float64{12, 24, 36} {
		halo := size / 7
		a, err := NewAtlas(size, halo, 0, []rune("Aragó"))
		if err != nil {
			t.Fatal(err)
		}
		for r, g := range a.glyphs {
			if g.Fill.Empty() {
				continue
			}
			d := g.FillOff.Sub(g.HaloOff)
			if d.X != int(math.Ceil(halo)) || d.Y != d.X {
				t.Errorf("%.0f px %q: the halo is offset %v from the fill, want its radius", size, r, d)
			}
			for y := 0; y < g.Fill.Dy(); y++ {
				for x := 0; x < g.Fill.Dx(); x++ {
					f := a.Img.AlphaAt(g.Fill.Min.X+x, g.Fill.Min.Y+y).A
					h := a.Img.AlphaAt(g.Halo.Min.X+x+d.X, g.Halo.Min.Y+y+d.Y).A
					if h < f {
						t.Fatalf("%.0f px %q: at (%d, %d) the halo (%d) is fainter than the glyph (%d)", size, r, x, y, h, f)
					}
				}
			}
		}
	}
}

func TestWidth(t *testing.T) {
	a, err := NewAtlas(12, 1.5, 0.5, []rune("Carrer d'Aragó"))
	if err != nil {
		t.Fatal(err)
	}
	w := a.Width("Carrer d'Aragó")
	if w < 60 || w > 110 {
		t.Errorf("Carrer d'Aragó at 12 px is %.1f px wide, want about 85", w)
	}
	if a.Width("") != 0 {
		t.Error("an empty string has a width")
	}
	if a.Width("CarrerCarrer") <= a.Width("Carrer") {
		t.Error("a longer string is not wider")
	}
}

// BenchmarkNewAtlas: the glyphs of the Eixample's street names at 12 CSS
// px on a screen of two device pixels a CSS pixel (built once, when the
// map first shows names).
func BenchmarkNewAtlas(b *testing.B) {
	_, segs := eixample(b)
	var rs []rune
	for _, s := range segs {
		rs = append(rs, []rune(s.Name)...)
	}
	for b.Loop() {
		if _, err := NewAtlas(24, 3.5, 0, rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayout: the street names of the Eixample at street level.
func BenchmarkLayout(b *testing.B) {
	c, segs := eixample(b)
	runs := Runs(segs)
	mid := c.Bound.Center()
	for b.Loop() {
		layout(b, runs, 1.2, mid[0], mid[1])
	}
}

// BenchmarkLayoutStops: the street names of the Eixample kept clear of its
// stops, on a laptop's screen at 0.6 px/m (the most names, a stop every
// block on the main streets) and at street level.
func BenchmarkLayoutStops(b *testing.B) {
	c, segs := eixample(b)
	runs := Runs(segs)
	for _, scale := range []float64{0.6, 1.2} {
		b.Run(fmt.Sprintf("%.1fpx_m", scale), func(b *testing.B) {
			for b.Loop() {
				eixampleLayout(c, runs, scale, 1280, 800, 2.1610, 41.3885)
			}
		})
	}
}
