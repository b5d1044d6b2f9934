// Package detmath holds the elementary functions Barri's core uses, written
// in plain Go so that they round the same way on every platform. The math
// package computes Exp, Log and Hypot in assembly on amd64 and in Go on
// js/wasm, and the two can differ in the last bit; the core must give
// bit-identical results in both.
package detmath

import "math"

// Exp returns e**x.
func Exp(x float64) float64 { return exp(x) }

// Log returns the natural logarithm of x.
func Log(x float64) float64 { return log(x) }

// Pow returns x**y for x > 0 (and 1 for y == 0, 0 for x == 0 and y > 0).
func Pow(x, y float64) float64 {
	switch {
	case y == 0:
		return 1
	case x == 0 && y > 0:
		return 0
	case y == 1:
		return x
	}
	return exp(float64(y * log(x)))
}

// Hypot returns sqrt(x*x + y*y). Sqrt is exactly rounded everywhere.
func Hypot(x, y float64) float64 { return math.Sqrt(float64(x*x) + float64(y*y)) }

// Erfc returns the complementary error function of x.
func Erfc(x float64) float64 { return erfc(x) }

// Erfinv returns the inverse error function of x.
func Erfinv(x float64) float64 { return erfinv(x) }
