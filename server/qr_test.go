package server

import (
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

func TestQRSVGDrawsTheCodesModules(t *testing.T) {
	link := "http://127.0.0.1:8080/?join=ABC234"
	svg, err := QRSVG(link)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := qrcode.New(link, qrcode.Medium)
	q.DisableBorder = true
	want := 0
	for _, row := range q.Bitmap() {
		for _, on := range row {
			if on {
				want++
			}
		}
	}
	if got := strings.Count(svg, "h1v1h-1z"); got != want || want == 0 {
		t.Fatalf("the SVG draws %d modules, the code has %d", got, want)
	}
	if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>") {
		t.Fatalf("not one SVG element: %.60s…", svg)
	}
}
