package detmath

import (
	"math"
	"testing"
)

// TestAgainstMath: the ports agree with the math package to within a few ulps.
func TestAgainstMath(t *testing.T) {
	near := func(name string, got, want float64) {
		if math.IsNaN(want) != math.IsNaN(got) || (want != got && math.Abs(got-want) > 4e-16*math.Max(1, math.Abs(want))) {
			t.Errorf("%s: %v, math says %v", name, got, want)
		}
	}
	for _, x := range []float64{-745, -20, -1.5, -1e-9, 0, 1e-9, 0.3, 1, 2.5, 10, 700} {
		near("Exp", Exp(x), math.Exp(x))
	}
	for _, x := range []float64{1e-300, 1e-5, 0.5, 1, 2, 1234.5, 1e300} {
		near("Log", Log(x), math.Log(x))
	}
	for _, x := range []float64{-30, -3, -1, -0.1, 0, 0.2, 0.9, 1.1, 2, 5, 30} {
		near("Erfc", Erfc(x), math.Erfc(x))
	}
	for _, x := range []float64{-0.999, -0.5, 0, 0.3, 0.99} {
		near("Erfinv", Erfinv(x), math.Erfinv(x))
	}
	near("Pow", Pow(2, 10), 1024)
	near("Pow", Pow(1.3, -0.6), math.Pow(1.3, -0.6))
	near("Hypot", Hypot(3, 4), 5)
}

// TestPowWholeExponents: whole exponents up to maxIntPow are products, within
// a few ulps of math.Pow; others, and 1 and 0, take the general path.
func TestPowWholeExponents(t *testing.T) {
	for _, x := range []float64{1e-9, 0.013, 0.5, 0.87, 1, 1.0000001, 1.7, 3, 250} {
		for n := 2; n <= maxIntPow; n++ {
			got, want := Pow(x, float64(n)), math.Pow(x, float64(n))
			if math.Abs(got-want) > float64(n)*2.3e-16*want {
				t.Errorf("Pow(%v, %d) = %v, math says %v", x, n, got, want)
			}
		}
	}
	x := 0.8 // a variable: constant expressions are evaluated exactly
	if got := Pow(x, 4); got != x*x*(x*x) {
		t.Errorf("Pow(0.8, 4) = %v, want (0.8²)²", got)
	}
	if got, want := Pow(0.8, 17), exp(17*log(0.8)); got != want {
		t.Errorf("Pow(0.8, 17) = %v, want exp(17 log 0.8) = %v", got, want)
	}
	if got, want := Pow(0.8, 4.5), exp(4.5*log(0.8)); got != want {
		t.Errorf("Pow(0.8, 4.5) = %v, want exp(4.5 log 0.8) = %v", got, want)
	}
}

// TestLdexpIsMathLdexp: exp's scaling gives math.Ldexp's bits, on its fast
// path and off it (every exponent exp can take, and past both ends).
func TestLdexpIsMathLdexp(t *testing.T) {
	fracs := []float64{0.5, math.Nextafter(0.5, 1), 0.70710678118654752, 0.999999999, 1, 1.2345678901234567, 1.41421356237309505, math.Nextafter(2, 0), 2, 0.25, 3, 0}
	for _, f := range fracs {
		for k := -1080; k <= 1080; k++ {
			if got, want := ldexp(f, k), math.Ldexp(f, k); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("ldexp(%v, %d) = %v (%#x), math.Ldexp gives %v (%#x)", f, k, got, math.Float64bits(got), want, math.Float64bits(want))
			}
		}
	}
}

// BenchmarkExp times exp over the range the mode choice gives it.
func BenchmarkExp(b *testing.B) {
	var s float64
	for i := 0; b.Loop(); i++ {
		s += Exp(-8 + float64(i%1600)/100)
	}
	_ = s
}
