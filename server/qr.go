package server

import (
	"fmt"
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// JoinInfo answers GET /api/workshops/{id}/join: the join code and link of
// a workshop, and the link as a QR code in SVG, for the projector to show
// on the wall (the projector's token alone does not otherwise tell it the
// code).
type JoinInfo struct {
	Code    string `json:"code"`
	JoinURL string `json:"join_url"`
	QRSVG   string `json:"qr_svg"`
}

// serveJoinInfo is GET /api/workshops/{id}/join, for any token of the
// workshop (a participant may show the code to a neighbour too).
func (s *Server) serveJoinInfo(w http.ResponseWriter, r *http.Request) {
	ws, err := s.workshop(r.Context(), r.PathValue("id"))
	if err != nil {
		s.httpError(w, err)
		return
	}
	if _, err := s.authenticate(r.Context(), ws, bearer(r)); err != nil {
		s.httpError(w, err)
		return
	}
	link := s.cfg.BaseURL + "/?join=" + ws.Code
	svg, err := QRSVG(link)
	if err != nil {
		s.httpError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, JoinInfo{Code: ws.Code, JoinURL: link, QRSVG: svg})
}

// QRSVG draws text as a QR code (error correction M, a quiet zone of four
// modules) in SVG: one path of unit squares, black on white, scaled by
// whoever shows it. The server draws it so that the QR encoder stays out of
// the browser's wasm.
func QRSVG(text string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("server: QR code of %q: %v", text, err)
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	const quiet = 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n+2*quiet, n+2*quiet)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n+2*quiet, n+2*quiet)
	for y, row := range bm {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
