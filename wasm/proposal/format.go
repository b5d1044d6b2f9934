//go:build js && wasm

package proposal

import (
	"fmt"
	"math"
	"strings"

	"github.com/barri-city/barri/wasm/mapscale"
)

// FmtValue formats an indicator exactly as barri run prints it (cmd/barri's
// fmtValue), so that the page shows the same digits.
func FmtValue(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.4f", v)
}

// PrintedSign is the sign of a value as FmtValue printed it: 0 when every
// printed digit is zero.
func PrintedSign(s string) int {
	if strings.Trim(s, "-0.") == "" {
		return 0
	}
	if strings.HasPrefix(s, "-") {
		return -1
	}
	return 1
}

// IsShare reports whether an indicator is a share from 0 to 1, which the
// page shows as a percentage.
func IsShare(key string) bool {
	return strings.Contains(key, "share") || strings.HasSuffix(key, "_share")
}

// Readable formats an indicator's value today, with the proposal, and its
// change for residents: shares as percentages (the change in points), and
// the change with the values' precision, or more, so that "no change"
// (sign 0) holds exactly when the two printed values are equal, and a
// change is never printed as zero while the values differ. The decimals
// start from barri run's (FmtValue's) and grow by at most four. A change
// below a millionth of the values is none: the values are printed with
// today's digits and no more (an edit far away moved rents by 1e-7 of a
// euro, and the panel grew to "1226.1015 | 1226.1015 | 0.0000" for it).
func Readable(key string, base, prop, delta float64) (b, s, d string, sign int) {
	scale := 1.0
	if IsShare(key) {
		scale = 100
	}
	bv, sv, dv := base*scale, prop*scale, delta*scale
	var p int
	switch a := math.Max(math.Abs(bv), math.Abs(sv)); {
	case IsShare(key):
		p = 2
	case a >= 1000:
		p = 0
	case a >= 10:
		p = 2
	case a == 0 && dv == 0:
		p = 0
	default:
		p = 4
	}
	f := func(v float64, p int) string {
		out := fmt.Sprintf("%.*f", p, v)
		if strings.Trim(out, "-0.") == "" {
			return strings.TrimPrefix(out, "-") // no "-0.00"
		}
		return out
	}
	if mapscale.Negligible(delta, base, prop) {
		b = f(bv, p)
		return b, b, f(0, p), 0
	}
	for top := p + 4; ; p++ {
		b, s, d = f(bv, p), f(sv, p), f(dv, p)
		if delta == 0 || p == top || (b != s && PrintedSign(d) != 0) {
			break
		}
	}
	if b == s {
		return b, s, f(0, p), 0
	}
	return b, s, d, PrintedSign(d)
}
