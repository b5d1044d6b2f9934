package server

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestErrorLogHasNoAddresses: what net/http writes to its ErrorLog reaches
// the logs without the client's address.
func TestErrorLogHasNoAddresses(t *testing.T) {
	var buf bytes.Buffer
	l := ErrorLog(slog.New(slog.NewTextHandler(&buf, nil)))
	l.Printf("http: panic serving 192.168.1.57:43210: runtime error: index out of range")
	l.Printf("http: TLS handshake error from [2001:db8::1]:443: EOF")
	l.Printf("http: TLS handshake error from [::1]:51000: EOF")
	l.Printf("http: Accept error: too many open files; retrying in 5ms")
	out := buf.String()
	for _, addr := range []string{"192.168", "43210", "2001:db8", "::1", "51000"} {
		if strings.Contains(out, addr) {
			t.Fatalf("the log holds %q:\n%s", addr, out)
		}
	}
	if strings.Count(out, "<addr>") != 3 || !strings.Contains(out, "level=WARN") || !strings.Contains(out, "too many open files") {
		t.Fatalf("log:\n%s", out)
	}
}
