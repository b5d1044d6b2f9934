// Package mapscale maps a map layer's values, or their changes from today,
// onto its colour ramp: the scale's ends are robust to a few extreme
// buildings or streets, the values past them take the ends' colours, and
// the legend is told so (≤, ≥). It depends only on the values, never on
// their order, and knows nothing of the browser, so it is tested natively.
package mapscale

import (
	"math"
	"slices"
)

// Scale maps values to 0..1 (T): Lo to 0 and Hi to 1. Below and Above say
// that some values lie past an end (they take its colour; the legend
// writes ≤ and ≥ there). Change is set for a scale of changes (±span).
type Scale struct {
	Lo, Hi       float64
	Change       bool
	Below, Above bool
}

// T returns where v lies on the scale (0 at Lo, 1 at Hi; not clamped).
func (s Scale) T(v float64) float64 {
	if s.Hi == s.Lo {
		return 0.5
	}
	return (v - s.Lo) / (s.Hi - s.Lo)
}

// Values returns the scale of the values (NaN left out) from their 2nd to
// their 98th percentile, so that a few extreme buildings or streets do
// not squeeze the rest into a corner of the palette; when those are equal,
// from the least to the greatest. With no values it is 0..1.
func Values(vals []float64) Scale {
	var xs []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return Scale{Lo: 0, Hi: 1}
	}
	slices.Sort(xs)
	lo := xs[int(0.02*float64(len(xs)-1))]
	hi := xs[int(0.98*float64(len(xs)-1))]
	if hi <= lo {
		lo, hi = xs[0], xs[len(xs)-1]
	}
	if hi <= lo {
		hi = lo + 1
	}
	return Scale{Lo: lo, Hi: hi, Below: xs[0] < lo, Above: xs[len(xs)-1] > hi}
}

// Widen returns the scale with Below and Above set also for the values
// given (NaN left out) that lie past its ends: those a scale made from
// some of the values (the homes') leaves out.
func (s Scale) Widen(vals []float64) Scale {
	for _, v := range vals {
		s.Below = s.Below || v < s.Lo
		s.Above = s.Above || v > s.Hi
	}
	return s
}

// Changes returns a symmetric scale ±span, span the upper quartile of the
// sizes of the changes that are not zero, rounded up to 1, 2 or 5 times a
// power of ten so that it moves seldom; the changes past it take its ends'
// colours. Fitted to the largest change instead, small effects vanished:
// a park of 3 × 3 blocks in el Fort Pienc takes 3.3 minutes off the walks
// of 81 homes, 6.6 off 28 and less than one off 4, and on ±10 the 3.3 were
// pale and the others white; on ±5 the 3.3 are lavender and the 6.6
// purple (≤ −5). (The 90th percentile gave ±10 there again.) With no
// change it is ±1.
func Changes(deltas []float64) Scale {
	var xs []float64
	lo, hi := 0.0, 0.0
	for _, d := range deltas {
		if a := math.Abs(d); a > 1e-9 {
			xs = append(xs, a)
			lo, hi = min(lo, d), max(hi, d)
		}
	}
	if len(xs) == 0 {
		return Scale{Lo: -1, Hi: 1, Change: true}
	}
	slices.Sort(xs)
	span := Round(xs[int(0.75*float64(len(xs)-1))])
	return Scale{Lo: -span, Hi: span, Change: true, Below: lo < -span, Above: hi > span}
}

// Change returns now − was, the change of one building's or street's value
// from today, or 0 when it is below a millionth of the values: a change no
// legend, hover or panel shows, which an edit far away leaves from the
// order of a sum or a tie between equally long routes (a park's walks moved
// by 0.000005 minutes, and the scale of changes was fitted to that).
func Change(now, was float64) float64 {
	d := now - was
	if Negligible(d, now, was) {
		return 0
	}
	return d
}

// Negligible reports whether a change d between values a and b is below a
// millionth of them: no change, on the map and in the panel.
func Negligible(d, a, b float64) bool {
	return math.Abs(d) <= 1e-6*max(math.Abs(a), math.Abs(b))
}

// Round rounds m > 0 up to 1, 2 or 5 times a power of ten.
func Round(m float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{1, 2, 5} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}
