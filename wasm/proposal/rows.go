//go:build js && wasm

package proposal

import (
	"encoding/json"
	"strconv"
)

// Row is one indicator as the panel shows it: Readable's today, proposal
// and change with the sign of the change, and barri run's exact digits in
// X (today, proposal, change). K is the indicator's key, left out where
// the page knows it (a barri's or a group's rows, in the city's order).
type Row struct {
	K     string    `json:"k,omitempty"`
	B     string    `json:"b"`
	S     string    `json:"s"`
	D     string    `json:"d"`
	Sign  int       `json:"sign"`
	Share bool      `json:"share,omitempty"`
	X     [3]string `json:"x"`
}

// NewRow formats indicator key's value today (base), with the proposal
// (prop) and its change (delta).
func NewRow(key string, base, prop, delta float64) Row {
	b, s, d, sign := Readable(key, base, prop, delta)
	return Row{K: key, B: b, S: s, D: d, Sign: sign, Share: IsShare(key),
		X: [3]string{FmtValue(base), FmtValue(prop), FmtValue(delta)}}
}

// RowCache keeps the JSON of the rows of the last two states the panel
// showed. An edit moves a few of the panel's ~360 rows (the city's, each
// barri's and each group's), and formatting and encoding every one again
// was most of the page's Go work after the core's on js/wasm (1.2 ms of
// it). A row neither of the last two states used is dropped, so the cache
// stays the size of the panel however long a session runs.
type RowCache struct {
	cur, prev map[rowKey][]byte
}

type rowKey struct {
	key               string
	base, prop, delta float64
	named             bool
}

// Next starts a new state: the rows of the one before stay to be found.
func (c *RowCache) Next() {
	c.prev, c.cur = c.cur, c.prev
	if c.cur == nil {
		c.cur = make(map[rowKey][]byte, len(c.prev))
	}
	clear(c.cur)
}

// Append appends the JSON of NewRow(key, base, prop, delta) to dst, with
// its key when named (else K is left out).
func (c *RowCache) Append(dst []byte, key string, base, prop, delta float64, named bool) []byte {
	if c.cur == nil {
		c.Next()
	}
	k := rowKey{key, base, prop, delta, named}
	js, ok := c.cur[k]
	if !ok {
		if js, ok = c.prev[k]; !ok {
			r := NewRow(key, base, prop, delta)
			if !named {
				r.K = ""
			}
			js, _ = json.Marshal(r) // strings, ints and bools: it cannot fail
		}
		c.cur[k] = js
	}
	return append(dst, js...)
}

// AppendString appends s as a JSON string.
func AppendString(dst []byte, s string) []byte {
	js, _ := json.Marshal(s) // a string: it cannot fail
	return append(dst, js...)
}

// AppendInt appends n as a JSON number.
func AppendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }
