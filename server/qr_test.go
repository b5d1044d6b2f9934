package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/barri-city/barri/workshop"

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

// GET /api/workshops/{id}/join gives the code to any token of the
// workshop (the projector's too) and to no one else.
func TestJoinInfoNeedsATokenOfTheWorkshop(t *testing.T) {
	ts := newTestServer(t, nil)
	w := ts.create(workshop.Voting{Rule: workshop.RuleSingle})
	other := ts.create(workshop.Voting{Rule: workshop.RuleSingle})
	p := ts.join(w, "Ada")
	get := func(token string) (int, JoinInfo) {
		req, _ := http.NewRequest("GET", ts.url+"/api/workshops/"+w.ID+"/join", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ji JoinInfo
		json.NewDecoder(resp.Body).Decode(&ji)
		return resp.StatusCode, ji
	}
	for _, tok := range []string{w.ProjectorToken, w.FacilitatorToken, p.Token} {
		code, ji := get(tok)
		if code != http.StatusOK || ji.Code != w.Code || ji.JoinURL != w.JoinURL || !strings.Contains(ji.QRSVG, "<svg") {
			t.Errorf("with a token of the workshop: %d %+v", code, ji)
		}
	}
	for _, tok := range []string{"", other.FacilitatorToken, "facilitator.bogus"} {
		if code, ji := get(tok); code != http.StatusUnauthorized || ji.Code != "" {
			t.Errorf("with token %q: %d, code %q; want 401 and no code", tok, code, ji.Code)
		}
	}
}
