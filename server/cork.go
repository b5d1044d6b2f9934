package server

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// corkConn is a hijacked connection whose writes can be held back while the
// writer sends a batch of messages, then go out in one write: coder/websocket
// flushes every message, and a workshop's fan-out would otherwise cost one
// syscall per message per client.
//
// Every write to the socket is bounded by timeout: the write deadline is
// kept between 0.9 and 1 timeout ahead, set again only when it has come
// closer (two deadline calls per write were a tenth of the fan-out's CPU).
type corkConn struct {
	net.Conn
	timeout  time.Duration
	mu       sync.Mutex
	corked   bool
	buf      []byte
	deadline time.Time // the write deadline set on Conn
}

// refresh moves the write deadline timeout ahead if it is closer than
// 0.9 timeout.
func (c *corkConn) refresh() {
	if c.timeout <= 0 {
		return
	}
	if now := time.Now(); c.deadline.Sub(now) < c.timeout-c.timeout/10 {
		c.deadline = now.Add(c.timeout)
		c.Conn.SetWriteDeadline(c.deadline)
	}
}

// cork holds writes back until uncork.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was held back, in one write.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.buf) == 0 {
		return nil
	}
	c.refresh()
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > 16<<10 {
		c.buf = nil // do not keep a burst's buffer for an idle client
	} else {
		c.buf = c.buf[:0]
	}
	return err
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	c.refresh()
	return c.Conn.Write(p)
}

// corkWriter is a ResponseWriter whose Hijack hands out a corkConn.
type corkWriter struct {
	http.ResponseWriter
	timeout time.Duration // of every write to the connection
	conn    *corkConn
}

func (w *corkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &corkConn{Conn: nc, timeout: w.timeout}
	return w.conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(w.conn, 4096)), nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (w *corkWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
