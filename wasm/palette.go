//go:build js && wasm

package main

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

// palette is a colour ramp sampled at even steps from 0 to 1.
type palette struct {
	name  string
	stops []color.RGBA
}

// Viridis and cividis (perceptually uniform, readable with colour-vision
// deficiencies; cividis also in greyscale) for values; a blue–white–orange
// diverging ramp (after ColorBrewer's PuOr, colour-blind safe) for changes.
var (
	viridis = palette{"viridis", hexes("440154", "482878", "3e4989", "31688e", "26828e", "1f9e89", "35b779", "6ece58", "b5de2b", "fde725")}
	cividis = palette{"cividis", hexes("00224e", "123570", "3b496c", "575d6d", "707173", "8a8779", "a69d75", "c4b56c", "e4cf5b", "fee838")}
	diverge = palette{"diverging", hexes("2d004b", "542788", "8073ac", "b2abd2", "d8daeb", "f7f7f7", "fee0b6", "fdb863", "e08214", "b35806", "7f3b08")}
)

func hexes(hs ...string) []color.RGBA {
	out := make([]color.RGBA, len(hs))
	for i, h := range hs {
		var r, g, b uint8
		fmt.Sscanf(h, "%02x%02x%02x", &r, &g, &b)
		out[i] = color.RGBA{r, g, b, 255}
	}
	return out
}

// at returns the colour at t in 0..1 (clamped), interpolated between stops.
func (p palette) at(t float64) color.RGBA {
	if math.IsNaN(t) {
		t = 0.5
	}
	t = math.Max(0, math.Min(1, t))
	f := t * float64(len(p.stops)-1)
	i := int(f)
	if i >= len(p.stops)-1 {
		return p.stops[len(p.stops)-1]
	}
	u := f - float64(i)
	a, b := p.stops[i], p.stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-u) + float64(y)*u)) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

// css returns the palette as a CSS linear-gradient for the legend.
func (p palette) css() string {
	parts := make([]string, len(p.stops))
	for i, c := range p.stops {
		parts[i] = fmt.Sprintf("#%02x%02x%02x %.0f%%", c.R, c.G, c.B, 100*float64(i)/float64(len(p.stops)-1))
	}
	return "linear-gradient(to right, " + strings.Join(parts, ", ") + ")"
}
