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
