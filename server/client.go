package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/barri-city/barri/workshop"
)

// Client is a Go client of a workshop over the WebSocket: it keeps a
// replica of the state (from a snapshot and the events, applied with the
// same rules as the server), and sends commands, waiting for their answer.
// barri loadtest and the tests use it.
type Client struct {
	conn *websocket.Conn

	mu         sync.Mutex
	state      *workshop.State
	actor      string
	role       string
	waiting    map[string]chan *workshop.ServerMessage
	duplicates int // events received twice
	gaps       int // events skipped (lost)
	snapshots  int
	err        error
	chain      string // the chain hash after the replica's last event ("" if unknown)

	// OnEvent, if set before events arrive, is called (in the reading
	// goroutine) with each new event.
	onEvent func(e *workshop.Event, stored, received time.Time)

	welcome chan struct{}
	done    chan struct{}
}

// DialOptions tune Dial.
type DialOptions struct {
	// State resumes a replica: hello carries its sequence number.
	State *workshop.State
	// Origin sets the Origin header (a browser always sends one).
	Origin string
	// OnEvent is called with each new event, in order, the time the server
	// stored it (zero if it did not say) and the time its message was read.
	OnEvent func(e *workshop.Event, stored, received time.Time)
	// HTTPClient dials (default http.DefaultClient).
	HTTPClient *http.Client
}

// Dial connects to workshop id at base (http://host:port) with a token and
// waits for the server's welcome and backlog to start arriving.
func Dial(ctx context.Context, base, id, token string, opt DialOptions) (*Client, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws/" + id
	h := http.Header{"Authorization": {"Bearer " + token}}
	if opt.Origin != "" {
		h.Set("Origin", opt.Origin)
	}
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, HTTPClient: opt.HTTPClient})
	if err != nil {
		return nil, fmt.Errorf("server: dial %s: %w", u, err)
	}
	conn.SetReadLimit(64 << 20)
	c := &Client{conn: conn, state: opt.State, waiting: map[string]chan *workshop.ServerMessage{},
		onEvent: opt.OnEvent, welcome: make(chan struct{}), done: make(chan struct{})}
	var since int64
	if c.state != nil {
		since = c.state.Seq
	}
	hello, _ := json.Marshal(&workshop.ClientMessage{Type: "hello", Since: &since})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("server: hello: %w", err)
	}
	go c.read()
	select {
	case <-c.welcome:
		return c, nil
	case <-c.done:
		return nil, c.Err()
	case <-ctx.Done():
		conn.CloseNow()
		return nil, ctx.Err()
	}
}

func (c *Client) read() {
	defer close(c.done)
	welcomed := false
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		received := time.Now()
		m, err := workshop.DecodeServerMessage(data)
		if err != nil {
			c.fail(err)
			c.conn.CloseNow()
			return
		}
		c.mu.Lock()
		switch m.Type {
		case workshop.MsgWelcome:
			c.actor, c.role = m.Actor, m.Role
			if !welcomed {
				welcomed = true
				close(c.welcome)
			}
		case workshop.MsgSnapshot:
			st, err := workshop.FromView(m.State, nil)
			if err != nil {
				c.mu.Unlock()
				c.fail(err)
				c.conn.CloseNow()
				return
			}
			c.state, c.chain = st, m.Hash
			c.snapshots++
		case workshop.MsgEvent:
			var stored time.Time
			if m.Stored > 0 {
				stored = time.UnixMicro(m.Stored)
			}
			c.event(m, stored, received)
		case workshop.MsgAck, workshop.MsgError:
			if ch := c.waiting[m.Cid]; ch != nil {
				delete(c.waiting, m.Cid)
				ch <- m
			} else if m.Type == workshop.MsgError && m.Cid == "" && !welcomed {
				c.err = fmt.Errorf("server: %s: %s", m.Code, m.Message)
			}
		}
		c.mu.Unlock()
	}
}

func (c *Client) event(m *workshop.ServerMessage, stored, received time.Time) {
	e := m.Event
	if c.state == nil {
		c.state = &workshop.State{}
	}
	switch {
	case e.Seq <= c.state.Seq:
		c.duplicates++
		return
	case e.Seq > c.state.Seq+1:
		c.gaps++
		c.err = fmt.Errorf("server: event %d after %d: events were lost", e.Seq, c.state.Seq)
		c.conn.CloseNow()
		return
	}
	prev := c.chain
	if c.state.Seq == 0 {
		prev = workshop.GenesisHash
	}
	chain, err := workshop.FollowChain(prev, m)
	if err != nil {
		c.err = fmt.Errorf("server: %v", err)
		c.conn.CloseNow()
		return
	}
	if err := c.state.Apply(e); err != nil {
		c.err = fmt.Errorf("server: the replica refuses event %d: %v", e.Seq, err)
		c.conn.CloseNow()
		return
	}
	c.chain = chain
	if c.onEvent != nil {
		c.onEvent(e, stored, received)
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	for cid, ch := range c.waiting {
		delete(c.waiting, cid)
		close(ch)
	}
	c.mu.Unlock()
}

// ErrNoAnswer is a command whose connection closed before its answer came.
var ErrNoAnswer = errors.New("server: the connection closed before the answer: retry the command with the same cid")

// Do sends a command (m.Cid must be set) and waits for its ack or error.
func (c *Client) Do(ctx context.Context, m *workshop.ClientMessage) (*workshop.ServerMessage, error) {
	return roundTrip(ctx, c.conn, &c.mu, &c.err, c.waiting, m)
}

// roundTrip sends command m on conn and waits for its answer, which the
// connection's reader hands to the channel it finds in waiting under mu
// (Client and the load test's feedClient share it). A connection that has
// already failed (*failed) or closes first gives ErrNoAnswer.
func roundTrip(ctx context.Context, conn *websocket.Conn, mu *sync.Mutex, failed *error, waiting map[string]chan *workshop.ServerMessage, m *workshop.ClientMessage) (*workshop.ServerMessage, error) {
	ch := make(chan *workshop.ServerMessage, 1)
	mu.Lock()
	if *failed != nil {
		mu.Unlock()
		return nil, ErrNoAnswer
	}
	waiting[m.Cid] = ch
	mu.Unlock()
	data, _ := json.Marshal(m)
	if err := conn.Write(ctx, websocket.MessageText, data); err != nil {
		mu.Lock()
		delete(waiting, m.Cid)
		mu.Unlock()
		return nil, ErrNoAnswer
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, ErrNoAnswer
		}
		return r, nil
	case <-ctx.Done():
		mu.Lock()
		delete(waiting, m.Cid)
		mu.Unlock()
		return nil, ctx.Err()
	}
}

// WriteRaw sends raw bytes as one message (for tests of hostile clients).
func (c *Client) WriteRaw(ctx context.Context, typ websocket.MessageType, data []byte) error {
	return c.conn.Write(ctx, typ, data)
}

// Head returns the replica's sequence number and the chain hash after its
// last event, checked against every event since the first or a snapshot
// ("" if unknown: the client resumed from a state it was given).
func (c *Client) Head() (seq int64, hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == nil {
		return 0, ""
	}
	return c.state.Seq, c.chain
}

// Seq returns the replica's sequence number.
func (c *Client) Seq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == nil {
		return 0
	}
	return c.state.Seq
}

// View returns the replica's derived state (nil before any event).
func (c *Client) View() *workshop.View {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == nil {
		return nil
	}
	return c.state.View()
}

// State returns the replica (for resuming with DialOptions.State after the
// client is closed; do not use it while the client runs).
func (c *Client) State() *workshop.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Stats returns the events received twice, the events skipped and the
// snapshots received.
func (c *Client) Stats() (duplicates, gaps, snapshots int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.duplicates, c.gaps, c.snapshots
}

// Actor returns who the server says this client is, and its role.
func (c *Client) Actor() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.actor, c.role
}

// WaitSeq waits until the replica has reached seq.
func (c *Client) WaitSeq(ctx context.Context, seq int64) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if c.Seq() >= seq {
			return nil
		}
		select {
		case <-t.C:
		case <-c.done:
			if c.Seq() >= seq {
				return nil
			}
			return fmt.Errorf("server: connection closed at event %d, waiting for %d: %v", c.Seq(), seq, c.Err())
		case <-ctx.Done():
			return fmt.Errorf("server: at event %d, waiting for %d: %w", c.Seq(), seq, ctx.Err())
		}
	}
}

// Done is closed when the connection ends.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (a close status from the server
// reads with websocket.CloseStatus).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection.
func (c *Client) Close() error {
	err := c.conn.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}

// APIError is an error answer of the HTTP API.
type APIError struct {
	Status  int
	Code    string
	Message string
	Field   string // a refused text's field, when the server names it
}

func (e *APIError) Error() string { return fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Code) }

// call sends a JSON request and decodes the JSON answer into out.
func call(ctx context.Context, hc *http.Client, method, url, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		json.Unmarshal(data, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message, Field: e.Error.Field}
	}
	if out == nil {
		return nil
	}
	if b, ok := out.(*[]byte); ok {
		*b = data
		return nil
	}
	return json.Unmarshal(data, out)
}

// CreateWorkshop calls POST /api/workshops.
func CreateWorkshop(ctx context.Context, hc *http.Client, base string, req CreateRequest) (*Created, error) {
	var out Created
	if err := call(ctx, hc, "POST", base+"/api/workshops", "", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Joined answers POST /api/join.
type Joined struct {
	Workshop    string `json:"workshop"`
	Participant string `json:"participant"`
	Token       string `json:"token"`
}

// JoinWorkshop calls POST /api/join.
func JoinWorkshop(ctx context.Context, hc *http.Client, base, code, name string) (*Joined, error) {
	var out Joined
	if err := call(ctx, hc, "POST", base+"/api/join", "", map[string]string{"code": code, "name": name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetState calls GET /api/workshops/{id}.
func GetState(ctx context.Context, hc *http.Client, base, id, token string) (*workshop.View, error) {
	var v workshop.View
	if err := call(ctx, hc, "GET", base+"/api/workshops/"+id, token, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetExport calls GET /api/workshops/{id}/export/{file}.
func GetExport(ctx context.Context, hc *http.Client, base, id, token, file string) ([]byte, error) {
	var b []byte
	if err := call(ctx, hc, "GET", base+"/api/workshops/"+id+"/export/"+file, token, nil, &b); err != nil {
		return nil, err
	}
	return b, nil
}
