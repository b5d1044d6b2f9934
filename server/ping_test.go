package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/barri-city/barri/workshop"
)

// TestPingIsAnsweredWithPong: a client that pings (a browser cannot see a
// connection that died without a close) gets a pong at once, with the
// server's clock, as the welcome also carries it.
func TestPingIsAnsweredWithPong(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, nil)
	c, _, err := rawDial(t, f.ts.url, f.w.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","token":"`+f.anaJ.Token+`","since":0}`))
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, err := workshop.DecodeServerMessage(data)
	if err != nil || w.Type != workshop.MsgWelcome || w.Now == 0 {
		t.Fatalf("welcome %s (%v): want one with the server's clock in now", data, err)
	}
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`))
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("no pong: %v", err)
		}
		m, err := workshop.DecodeServerMessage(data)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == workshop.MsgPong {
			if m.Now < w.Now {
				t.Fatalf("pong's clock %d is before the welcome's %d", m.Now, w.Now)
			}
			break
		}
	}
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"ping","cid":"c1"}`))
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("a ping with a cid was not refused: %v", err)
		}
		if bytes.Contains(data, []byte(`"error"`)) {
			break
		}
	}
}

// TestConnectionRateLimitNamesTheCommand: a command refused by the
// connection's rate limit is answered with its cid, so that the client
// retries that command instead of taking it for a refused connection.
func TestConnectionRateLimitNamesTheCommand(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) {
		c.MsgRate, c.MsgBurst = rate.Every(1e9*60), 3
		c.ActorRate, c.ActorBurst = rate.Inf, 1000
	})
	c := rawHello(t, f, f.anaJ.Token)
	ctx := ctxT(t)
	for i := 0; i < 6; i++ {
		msg := fmt.Sprintf(`{"type":"comment","cid":"c-%d","proposal":%q,"text":"hola"}`, i, f.pBo)
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	limited := map[string]bool{}
	for len(limited) < 3 {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d refusals: %v", len(limited), err)
		}
		var m workshop.ServerMessage
		json.Unmarshal(data, &m)
		if m.Type == workshop.MsgError {
			if m.Code != "rate_limited" || m.Cid == "" {
				t.Fatalf("refusal %s: want rate_limited with the command's cid", data)
			}
			limited[m.Cid] = true
		}
	}
	for _, cid := range []string{"c-3", "c-4", "c-5"} {
		if !limited[cid] {
			t.Fatalf("refused %v, want c-3, c-4 and c-5", limited)
		}
	}
}
