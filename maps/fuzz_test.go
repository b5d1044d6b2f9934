package maps

import (
	"bytes"
	"strings"
	"testing"
)

func FuzzReadCity(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteCity(&buf, Synthetic(20, 1)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(cityMagic + "\x01"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCity(bytes.NewReader(data))
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(c.Segments) == 0 {
			t.Fatal("a city without streets was accepted")
		}
	})
}
