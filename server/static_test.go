package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestStaticServesWasmPrecompressed(t *testing.T) {
	root := fstest.MapFS{
		"index.html":    {Data: []byte("<!doctype html><title>Barri</title>")},
		"app.wasm":      {Data: []byte("\x00asm plain")},
		"app.wasm.gz":   {Data: []byte("gzipped")},
		"app.wasm.br":   {Data: []byte("brotli")},
		"other.wasm":    {Data: []byte("\x00asm other")},
		"other.wasm.gz": {Data: []byte("other gzipped")},
	}
	h := staticHandler(root)
	tests := []struct {
		name, path, accept, wantEnc, wantBody string
	}{
		{"brotli preferred", "/app.wasm", "gzip, deflate, br", "br", "brotli"},
		{"gzip when no brotli accepted", "/app.wasm", "gzip", "gzip", "gzipped"},
		{"gzip refused with q=0", "/app.wasm", "gzip;q=0", "", "\x00asm plain"},
		{"plain when nothing accepted", "/app.wasm", "", "", "\x00asm plain"},
		{"gzip when the .br sibling is missing", "/other.wasm", "br, gzip", "gzip", "other gzipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Encoding", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/wasm" ||
				rec.Header().Get("Content-Encoding") != tt.wantEnc || rec.Body.String() != tt.wantBody {
				t.Fatalf("%d %q %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Encoding"), rec.Body.String())
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("index: %d %v", rec.Code, rec.Header())
	}
}
