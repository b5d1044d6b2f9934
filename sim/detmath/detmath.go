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
	case y >= 2 && y <= maxIntPow && y == math.Trunc(y):
		return powInt(x, int(y))
	}
	return exp(float64(y * log(x)))
}

// maxIntPow is the largest whole exponent Pow computes by multiplying.
const maxIntPow = 16

// powInt returns x**n, n ≥ 1, by repeated squaring: a few exactly rounded
// products, closer to the true power than exp(n log x) and many times
// cheaper (the BPR curve raises every segment's volume/capacity to a whole
// power at each step of the car assignment).
func powInt(x float64, n int) float64 {
	r := 1.0
	for {
		if n&1 == 1 {
			r *= x
		}
		n >>= 1
		if n == 0 {
			return r
		}
		x *= x
	}
}

// Hypot returns sqrt(x*x + y*y). Sqrt is exactly rounded everywhere.
func Hypot(x, y float64) float64 { return math.Sqrt(float64(x*x) + float64(y*y)) }

// Erfc returns the complementary error function of x.
func Erfc(x float64) float64 { return erfc(x) }

// Erfinv returns the inverse error function of x.
func Erfinv(x float64) float64 { return erfinv(x) }
