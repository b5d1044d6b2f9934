package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/barri-city/barri/workshop"
)

// helloTimeout bounds the wait for a client's hello.
const helloTimeout = 10 * time.Second

// maxStrikes is how many messages over its rate, or malformed, a
// connection may send before it is closed as a flood.
const maxStrikes = 20

// maxConnsPerActor bounds the connections of one token: a new one beyond
// closes the oldest.
const maxConnsPerActor = 4

// serveWS is GET /ws/{id}: the live events of a workshop.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	// Refusals before the upgrade are JSON errors like the API's (Accept
	// would answer them in plain text).
	if !isUpgrade(r) {
		writeJSONError(w, http.StatusUpgradeRequired, workshop.CodeUpgrade,
			"server: /ws/{id} is a WebSocket: connect with a WebSocket client (Connection: Upgrade, Upgrade: websocket)")
		return
	}
	if err := s.sameOrigin(r); err != nil {
		s.metrics.dropped.WithLabelValues("handshake").Inc()
		s.httpError(w, err)
		return
	}
	id := r.PathValue("id")
	ws, err := s.workshop(r.Context(), id) // the hub loads only for an authenticated hello
	if err != nil {
		s.httpError(w, err)
		return
	}
	// Origin: the server's own host, or one of the configured patterns.
	// Accept refuses any other with 403 before upgrading.
	cw := &corkWriter{ResponseWriter: w, timeout: s.cfg.WriteTimeout}
	conn, err := websocket.Accept(cw, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.Origins})
	if err != nil {
		s.metrics.dropped.WithLabelValues("handshake").Inc()
		return
	}
	conn.SetReadLimit(workshop.MaxMessageBytes)
	defer conn.CloseNow()
	ctx := r.Context()

	hello, err := readHello(ctx, conn)
	if err != nil {
		closeWith(conn, err)
		return
	}
	token := bearer(r)
	if hello.Token != "" {
		token = hello.Token
	}
	actor, err := s.authenticate(ctx, ws, token)
	if err != nil {
		writeError(ctx, conn, "", workshop.CodeUnauthorized, err.Error(), "")
		conn.Close(websocket.StatusPolicyViolation, "unauthorized")
		s.metrics.dropped.WithLabelValues("unauthorized").Inc()
		return
	}
	c := newClient(conn, actor, rate.NewLimiter(s.cfg.MsgRate, s.cfg.MsgBurst))
	c.cork = cw.conn
	var since int64
	if hello.Since != nil {
		since = *hello.Since
	}
	reply := make(chan error, 1)
	h, err := s.deliver(ctx, id, &msgHello{c: c, since: since, reply: reply})
	if err != nil {
		conn.Close(websocket.StatusGoingAway, "server shutting down: reconnect in a moment")
		return
	}
	herr, err := await(ctx, h, reply)
	if err != nil {
		conn.Close(websocket.StatusGoingAway, "server shutting down: reconnect in a moment")
		return
	}
	if err := herr; err != nil {
		writeError(ctx, conn, "", workshop.CodeUnauthorized, err.Error(), "")
		conn.Close(websocket.StatusPolicyViolation, "unauthorized")
		return
	}
	s.log.Debug("connected", "workshop", id, "actor", actor)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.write(c)
	}()
	s.read(ctx, h, c)
	h.send(&msgLeave{c: c})
	<-done
}

// isUpgrade reports whether a request asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	hasToken := func(header, token string) bool {
		for _, v := range r.Header.Values(header) {
			for _, t := range strings.Split(v, ",") {
				if strings.EqualFold(strings.TrimSpace(t), token) {
					return true
				}
			}
		}
		return false
	}
	return hasToken("Connection", "upgrade") && hasToken("Upgrade", "websocket")
}

func readHello(ctx context.Context, conn *websocket.Conn) (*workshop.ClientMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	typ, data, err := conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, errBinary
	}
	m, err := workshop.DecodeClientMessage(data)
	if err != nil {
		return nil, err
	}
	if m.Type != "hello" {
		return nil, errors.New("server: the first message must be hello")
	}
	return m, nil
}

var errBinary = errors.New("server: binary messages are not accepted: send JSON text")

func closeWith(conn *websocket.Conn, err error) {
	switch {
	case errors.Is(err, errBinary):
		conn.Close(websocket.StatusUnsupportedData, "binary messages are not accepted")
	case websocket.CloseStatus(err) != -1:
	default:
		msg := err.Error()
		if len(msg) > 120 {
			msg = msg[:120]
		}
		conn.Close(websocket.StatusPolicyViolation, msg)
	}
}

// writeError writes an error at once, ahead of the client's queue; rule
// is its reason (a code of workshop.RuleCodes, "" for none) and args its
// arguments.
func writeError(ctx context.Context, conn *websocket.Conn, cid, code, message, rule string, args ...any) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	m := &workshop.ServerMessage{Type: workshop.MsgError, Cid: cid, Code: code, Message: message}
	if rule != "" {
		m.Rule = workshop.NewRule(rule, strings.TrimPrefix(message, "server: "), args...)
	}
	conn.Write(ctx, websocket.MessageText, encode(m))
}

// read passes a client's commands to its hub until the connection ends.
// A connection over its rate, or sending malformed messages, gets errors
// and after maxStrikes of them is closed; a binary message closes it.
func (s *Server) read(ctx context.Context, h *hub, c *client) {
	strikes := 0
	strike := func(cid, code, msg, rule string, args ...any) bool {
		strikes++
		if strikes > maxStrikes {
			c.conn.Close(websocket.StatusPolicyViolation, "too many bad or excess messages")
			s.metrics.dropped.WithLabelValues("flood").Inc()
			return false
		}
		writeError(ctx, c.conn, cid, code, msg, rule, args...)
		return true
	}
	for {
		typ, data, err := c.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.conn.Close(websocket.StatusUnsupportedData, "binary messages are not accepted")
			s.metrics.dropped.WithLabelValues("binary").Inc()
			return
		}
		if !c.lim.Allow() {
			// The refused command is named (when it can be read), so
			// that its client retries it rather than taking the refusal
			// for the connection's.
			cid := ""
			if m, err := workshop.DecodeClientMessage(data); err == nil {
				cid = m.Cid
			}
			if !strike(cid, workshop.CodeRateLimited, "server: too many messages on this connection: slow down and send it again", "rate.connection", float64(s.cfg.MsgRate), s.cfg.MsgBurst) {
				return
			}
			// The commands after it wait for its retry, in the hub
			// (hub.blocked), so that they apply in the order sent.
			if cid != "" && !h.send(&msgRefused{c: c, cid: cid}) {
				return
			}
			continue
		}
		m, err := workshop.DecodeClientMessage(data)
		if err != nil {
			if !strike("", workshop.CodeInvalid, err.Error(), "") {
				return
			}
			continue
		}
		if m.Type == workshop.MsgPing {
			c.push(outMsg{data: encode(&workshop.ServerMessage{Type: workshop.MsgPong, Now: time.Now().UnixMicro()}), pri: true}, s.cfg.ClientQueue)
			continue
		}
		if m.Type == "hello" {
			if !strike("", workshop.CodeInvalid, "server: hello was already received", "") {
				return
			}
			continue
		}
		if c.role == workshop.RoleProjector {
			writeError(ctx, c.conn, m.Cid, workshop.CodeForbidden, "server: the projector view is read-only", "projector.read_only")
			continue
		}
		if !h.send(&msgCommand{c: c, m: m}) {
			return
		}
	}
}

// write sends a client its queue, each write with a timeout; when the hub
// shuts the client it closes the connection with the hub's reason. A
// failed write closes the connection: the reader then tells the hub.
//
// On a corked connection (every served one) a batch's frames are framed
// into the cork's buffer, which cannot block, and go out in one socket
// write bounded by the cork's deadline: no timer per message, one
// syscall per batch.
func (s *Server) write(c *client) {
	var buf []outMsg
	for {
		batch, closed := c.take(buf)
		if closed {
			c.mu.Lock()
			code, reason := c.code, c.reason
			c.mu.Unlock()
			c.conn.Close(code, reason)
			return
		}
		if c.cork != nil && len(batch) > 0 {
			c.cork.cork()
			for _, m := range batch {
				// No deadline: the frames only fill the cork's buffer
				// (the frame lock is held by other writers only for
				// their own bounded writes).
				if err := c.conn.Write(context.Background(), websocket.MessageText, m.data); err != nil {
					c.cork.uncork()
					c.conn.CloseNow()
					return
				}
			}
			if err := c.cork.uncork(); err != nil {
				c.conn.CloseNow()
				return
			}
		} else {
			for _, m := range batch {
				ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WriteTimeout)
				err := c.conn.Write(ctx, websocket.MessageText, m.data)
				cancel()
				if err != nil {
					c.conn.CloseNow()
					return
				}
			}
		}
		now := time.Now()
		for _, m := range batch {
			if !m.at.IsZero() {
				s.metrics.fanout.Observe(now.Sub(m.at).Seconds())
			}
		}
		clear(batch)
		buf = batch
		if len(batch) == 0 {
			<-c.wake
		}
	}
}
