package server

import (
	"bytes"
	"log"
	"log/slog"
	"regexp"
)

// ipAddr matches an IPv4 or bracketed IPv6 address with its port, as
// net/http writes them ("http: panic serving 10.0.0.1:5234", "TLS
// handshake error from [::1]:443").
var ipAddr = regexp.MustCompile(`\[[0-9A-Fa-f:.%a-zA-Z]*:[0-9A-Fa-f:.%a-zA-Z]*\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b`)

// ErrorLog returns a logger for http.Server.ErrorLog that writes to l at
// Warn with every IP address replaced by "<addr>": the logs hold no IP
// address, as the server promises.
func ErrorLog(l *slog.Logger) *log.Logger {
	return log.New(&scrubber{l: l}, "", 0)
}

type scrubber struct{ l *slog.Logger }

func (s *scrubber) Write(p []byte) (int, error) {
	msg := ipAddr.ReplaceAll(bytes.TrimRight(p, "\n"), []byte("<addr>"))
	s.l.Warn(string(msg))
	return len(p), nil
}
