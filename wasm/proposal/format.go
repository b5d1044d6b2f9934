//go:build js && wasm

package proposal

import (
	"fmt"
	"math"
	"strings"
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
