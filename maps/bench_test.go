package maps

import (
	"bytes"
	"testing"
)

// BenchmarkLoadEixample generates the built-in Eixample with its R-trees.
func BenchmarkLoadEixample(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Eixample()
	}
}

// BenchmarkReadCityFileEixample reads the Eixample back from a city file,
// the way an imported city loads.
func BenchmarkReadCityFileEixample(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteCity(&buf, Eixample()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ReadCity(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSynthetic100k(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Synthetic(100000, 1)
	}
}
