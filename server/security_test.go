package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/workshop"
)

// secFixture is a workshop in the vote phase with two participants and a
// proposal each.
type secFixture struct {
	ts         *testServer
	w          *Created
	fac        *Client
	ana, bo    *Client
	anaJ, boJ  *Joined
	pAna, pBo  string
	otherW     *Created
	otherToken string
}

func newSecFixture(t *testing.T, v workshop.Voting, mod func(*Config)) *secFixture {
	ts := newTestServer(t, mod)
	f := &secFixture{ts: ts, w: ts.create(v)}
	f.fac = ts.dial(f.w.ID, f.w.FacilitatorToken)
	f.anaJ, f.boJ = ts.join(f.w, "Ana"), ts.join(f.w, "Bo")
	f.ana, f.bo = ts.dial(f.w.ID, f.anaJ.Token), ts.dial(f.w.ID, f.boJ.Token)
	ok(t, f.fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhasePropose})
	f.pAna = ok(t, f.ana, workshop.ClientMessage{Type: "propose", Name: sp("A"), Edits: json.RawMessage(parkNearClinic)}).Proposal
	f.pBo = ok(t, f.bo, workshop.ClientMessage{Type: "propose", Name: sp("B"), Edits: json.RawMessage(busStop)}).Proposal
	f.otherW = ts.create(workshop.Voting{Rule: workshop.RuleSingle})
	f.otherToken = ts.join(f.otherW, "Other").Token
	return f
}

func (f *secFixture) vote(t *testing.T) {
	ok(t, f.fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhaseVote})
}

// rawDial opens a WebSocket without the client's protocol handling.
func rawDial(t *testing.T, url, id string, h http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws/"+id, &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// rawHello dials and says hello with a token; it returns the connection
// after the welcome.
func rawHello(t *testing.T, f *secFixture, token string) *websocket.Conn {
	t.Helper()
	c, _, err := rawDial(t, f.ts.url, f.w.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","token":"`+token+`","since":0}`))
	_, data, err := c.Read(ctx)
	if err != nil || !bytes.Contains(data, []byte(`"welcome"`)) {
		t.Fatalf("no welcome: %s %v", data, err)
	}
	return c
}

// readUntilClose reads until the server closes and returns the status.
func readUntilClose(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// stillServed checks that a client keeps receiving events: the
// facilitator changes the timer and c sees it.
func stillServed(t *testing.T, f *secFixture, c *Client) {
	t.Helper()
	sec := 42
	r := ok(t, f.fac, workshop.ClientMessage{Type: "timer", Seconds: &sec})
	if err := c.WaitSeq(ctxT(t), r.Seq); err != nil {
		t.Fatalf("another client stopped receiving events: %v", err)
	}
}

func httpDo(t *testing.T, method, url, token, ctype, origin string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func apiStatus(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func TestSecurity(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *secFixture)
	}{
		{"participant cannot change phase", func(t *testing.T, f *secFixture) {
			refused(t, f.ana, workshop.ClientMessage{Type: "phase", Phase: workshop.PhaseVote}, workshop.CodeForbidden)
		}},
		{"proposal cannot change model parameters", func(t *testing.T, f *secFixture) {
			hostile := json.RawMessage(strings.TrimSuffix(parkNearClinic, "]") + `,{"op":"param","name":"grid_co2_kg_per_kwh","value":0}]`)
			for _, m := range []workshop.ClientMessage{
				{Type: "propose", Name: sp("Parc verd"), Edits: hostile},
				{Type: "update", Proposal: f.pAna, Edits: hostile},
			} {
				r := refused(t, f.ana, m, workshop.CodeInvalidEdit)
				if r.Edit == nil || *r.Edit != 1 || r.Field != "op" {
					t.Fatalf("%s with a param edit: edit %v field %q, want edit 1 field \"op\"", m.Type, r.Edit, r.Field)
				}
			}
			v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
			if len(v.Proposals) != 2 || v.Proposals[0].Version != 1 {
				t.Fatalf("a refused param edit changed the proposals")
			}
		}},
		{"participant cannot spotlight", func(t *testing.T, f *secFixture) {
			refused(t, f.ana, workshop.ClientMessage{Type: "spotlight", Proposal: f.pAna}, workshop.CodeForbidden)
		}},
		{"participant cannot lock the map", func(t *testing.T, f *secFixture) {
			yes := true
			refused(t, f.ana, workshop.ClientMessage{Type: "lock", Locked: &yes}, workshop.CodeForbidden)
		}},
		{"participant cannot run the timer", func(t *testing.T, f *secFixture) {
			sec := 10
			refused(t, f.ana, workshop.ClientMessage{Type: "timer", Seconds: &sec}, workshop.CodeForbidden)
		}},
		{"participant cannot vote twice", func(t *testing.T, f *secFixture) {
			f.vote(t)
			ok(t, f.ana, workshop.ClientMessage{Type: "vote", Proposal: f.pBo})
			refused(t, f.ana, workshop.ClientMessage{Type: "vote", Proposal: f.pBo}, workshop.CodeDuplicate)
			if v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token); v.Proposals[1].Votes != 1 {
				t.Fatalf("tally %d, want 1", v.Proposals[1].Votes)
			}
		}},
		{"participant cannot vote twice from two connections", func(t *testing.T, f *secFixture) {
			f.vote(t)
			second := f.ts.dial(f.w.ID, f.anaJ.Token)
			ok(t, f.ana, workshop.ClientMessage{Type: "vote", Proposal: f.pBo})
			refused(t, second, workshop.ClientMessage{Type: "vote", Proposal: f.pBo}, workshop.CodeDuplicate)
		}},
		{"facilitator cannot vote", func(t *testing.T, f *secFixture) {
			f.vote(t)
			refused(t, f.fac, workshop.ClientMessage{Type: "vote", Proposal: f.pBo}, workshop.CodeForbidden)
		}},
		{"participant cannot edit another's proposal", func(t *testing.T, f *secFixture) {
			refused(t, f.ana, workshop.ClientMessage{Type: "update", Proposal: f.pBo, Name: sp("mine now")}, workshop.CodeForbidden)
		}},
		{"participant cannot withdraw another's proposal", func(t *testing.T, f *secFixture) {
			refused(t, f.ana, workshop.ClientMessage{Type: "withdraw", Proposal: f.pBo}, workshop.CodeForbidden)
		}},
		{"projector is read-only", func(t *testing.T, f *secFixture) {
			p := f.ts.dial(f.w.ID, f.w.ProjectorToken)
			refused(t, p, workshop.ClientMessage{Type: "comment", Proposal: f.pAna, Text: "hi"}, workshop.CodeForbidden)
		}},
		{"state and events hold no secret or token", func(t *testing.T, f *secFixture) {
			_, body := httpDo(t, "GET", f.ts.url+"/api/workshops/"+f.w.ID, f.anaJ.Token, "", "", nil)
			secrets := []string{f.w.FacilitatorToken, f.w.ProjectorToken, f.anaJ.Token, f.boJ.Token}
			for _, s := range secrets {
				_, secret, _ := strings.Cut(s, ".")
				if bytes.Contains(body, []byte(secret)) {
					t.Fatalf("the state holds a secret")
				}
			}
			ev, _ := json.Marshal(f.ana.View())
			for _, s := range secrets {
				_, secret, _ := strings.Cut(s, ".")
				if bytes.Contains(ev, []byte(secret)) {
					t.Fatalf("the events hold a secret")
				}
			}
			if bytes.Contains(body, []byte("token")) || bytes.Contains(body, []byte("hash\":\"\\x")) {
				t.Fatalf("the state names tokens: %s", body)
			}
		}},
		{"participant cannot export", func(t *testing.T, f *secFixture) {
			_, err := GetExport(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token, "log.json")
			if apiStatus(err) != http.StatusForbidden {
				t.Fatalf("export by a participant: %v, want 403", err)
			}
		}},
		{"no token is refused", func(t *testing.T, f *secFixture) {
			if _, err := GetState(ctxT(t), nil, f.ts.url, f.w.ID, ""); apiStatus(err) != http.StatusUnauthorized {
				t.Fatalf("GET without a token: %v, want 401", err)
			}
			if _, err := Dial(ctxT(t), f.ts.url, f.w.ID, "", DialOptions{}); err == nil {
				t.Fatalf("a WebSocket without a token was welcomed")
			}
		}},
		{"another workshop's token is refused", func(t *testing.T, f *secFixture) {
			if _, err := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.otherToken); apiStatus(err) != http.StatusUnauthorized {
				t.Fatalf("%v, want 401", err)
			}
			if _, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.otherToken, DialOptions{}); err == nil {
				t.Fatalf("another workshop's token was welcomed")
			}
		}},
		{"forged secret is refused", func(t *testing.T, f *secFixture) {
			actor, _, _ := strings.Cut(f.anaJ.Token, ".")
			_, boSecret, _ := strings.Cut(f.boJ.Token, ".")
			for _, tok := range []string{actor + "." + boSecret, workshop.FacilitatorID + "." + boSecret, f.anaJ.Token + "x", actor + ".", "facilitator"} {
				if _, err := GetState(ctxT(t), nil, f.ts.url, f.w.ID, tok); apiStatus(err) != http.StatusUnauthorized {
					t.Fatalf("token %q: %v, want 401", tok, err)
				}
			}
		}},
		{"participant cannot act as facilitator by naming an actor", func(t *testing.T, f *secFixture) {
			c := rawHello(t, f, f.anaJ.Token)
			ctx := ctxT(t)
			c.Write(ctx, websocket.MessageText, []byte(`{"type":"phase","cid":"x","phase":"vote","actor":"facilitator"}`))
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(data, []byte(`"error"`)) {
					break
				}
			}
			if v, _ := GetState(ctx, nil, f.ts.url, f.w.ID, f.anaJ.Token); v.Phase != workshop.PhasePropose {
				t.Fatalf("phase %s", v.Phase)
			}
		}},
		{"stale token after leaving is refused", func(t *testing.T, f *secFixture) {
			ok(t, f.ana, workshop.ClientMessage{Type: "leave"})
			if _, err := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token); apiStatus(err) != http.StatusUnauthorized {
				t.Fatalf("GET with a stale token: %v, want 401", err)
			}
			if _, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.anaJ.Token, DialOptions{}); err == nil {
				t.Fatalf("a stale token was welcomed")
			}
		}},
		{"locked workshop refuses joins", func(t *testing.T, f *secFixture) {
			yes := true
			ok(t, f.fac, workshop.ClientMessage{Type: "lock", Locked: &yes})
			if _, err := JoinWorkshop(ctxT(t), nil, f.ts.url, f.w.Code, "Late"); apiStatus(err) != http.StatusConflict {
				t.Fatalf("join a locked workshop: %v, want 409", err)
			}
		}},
		{"hostile display name comes back as the same text", func(t *testing.T, f *secFixture) {
			name := `<img src=x onerror="alert(1)">&amp;'"`
			j := f.ts.join(f.w, name)
			resp, body := httpDo(t, "GET", f.ts.url+"/api/workshops/"+f.w.ID, j.Token, "", "", nil)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("state served as %q", ct)
			}
			if bytes.Contains(body, []byte("<img")) {
				t.Fatalf("raw HTML in the JSON body: %s", body)
			}
			var v workshop.View
			json.Unmarshal(body, &v)
			if got := v.Participants[len(v.Participants)-1].Name; got != name {
				t.Fatalf("name %q, want %q", got, name)
			}
			if err := f.ana.WaitSeq(ctxT(t), v.Seq); err != nil {
				t.Fatal(err)
			}
			if got := f.ana.View().Participants[len(v.Participants)-1].Name; got != name {
				t.Fatalf("name over the WebSocket %q", got)
			}
		}},
		{"comment with HTML is kept as text", func(t *testing.T, f *secFixture) {
			text := "<script>document.location='//evil'</script>"
			ok(t, f.bo, workshop.ClientMessage{Type: "comment", Proposal: f.pAna, Text: text})
			v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
			if got := v.Proposals[0].Comments[0].Text; got != text {
				t.Fatalf("comment %q", got)
			}
		}},
		{"control characters in a name are refused", func(t *testing.T, f *secFixture) {
			for _, n := range []string{"a\x00b", "\u202eevil", strings.Repeat("x", workshop.MaxDisplayName+1), " "} {
				_, err := JoinWorkshop(ctxT(t), nil, f.ts.url, f.w.Code, n)
				if apiStatus(err)/100 != 4 {
					t.Fatalf("join as %q: %v, want a 4xx", n, err)
				}
				// The error names the field, for the page to say what is wrong.
				if ae := err.(*APIError); ae.Field != "name" {
					t.Fatalf("join as %q: %+v, want the field \"name\" named", n, ae)
				}
			}
		}},
		{"oversized message closes only that connection", func(t *testing.T, f *secFixture) {
			c := rawHello(t, f, f.anaJ.Token)
			c.Write(ctxT(t), websocket.MessageText, bytes.Repeat([]byte("x"), workshop.MaxMessageBytes+1))
			if code := readUntilClose(t, c); code != websocket.StatusMessageTooBig {
				t.Fatalf("close status %v, want 1009", code)
			}
			stillServed(t, f, f.bo)
		}},
		{"malformed messages get errors, then the flood is closed", func(t *testing.T, f *secFixture) {
			c := rawHello(t, f, f.anaJ.Token)
			ctx := ctxT(t)
			c.Write(ctx, websocket.MessageText, []byte(`{"type":"vote",`))
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(data, []byte(`"code":"invalid"`)) {
					break
				}
			}
			go func() {
				for i := 0; i < 200; i++ {
					if c.Write(ctx, websocket.MessageText, []byte(`not json`)) != nil {
						return
					}
				}
			}()
			if code := readUntilClose(t, c); code != websocket.StatusPolicyViolation {
				t.Fatalf("close status %v, want 1008", code)
			}
			stillServed(t, f, f.bo)
		}},
		{"binary message closes the connection", func(t *testing.T, f *secFixture) {
			c := rawHello(t, f, f.anaJ.Token)
			c.Write(ctxT(t), websocket.MessageBinary, []byte{0, 1, 2})
			if code := readUntilClose(t, c); code != websocket.StatusUnsupportedData {
				t.Fatalf("close status %v, want 1003", code)
			}
			stillServed(t, f, f.bo)
		}},
		{"flooding client is closed, others unaffected", func(t *testing.T, f *secFixture) {
			c := rawHello(t, f, f.anaJ.Token)
			ctx := ctxT(t)
			go func() {
				for i := 0; i < 2000; i++ {
					msg := `{"type":"comment","cid":"f` + string(rune('a'+i%26)) + strings.Repeat("z", i%50) + `","proposal":"` + f.pBo + `","text":"spam"}`
					if c.Write(ctx, websocket.MessageText, []byte(msg)) != nil {
						return
					}
				}
			}()
			if code := readUntilClose(t, c); code != websocket.StatusPolicyViolation {
				t.Fatalf("close status %v, want 1008", code)
			}
			stillServed(t, f, f.bo)
			v, _ := GetState(ctx, nil, f.ts.url, f.w.ID, f.boJ.Token)
			if n := len(v.Proposals[1].Comments); n > 60 {
				t.Fatalf("the flood stored %d comments", n)
			}
		}},
		{"connections per token are bounded: the oldest is closed", func(t *testing.T, f *secFixture) {
			var raw []*websocket.Conn
			for i := 0; i < maxConnsPerActor; i++ {
				raw = append(raw, rawHello(t, f, f.anaJ.Token))
			}
			<-f.ana.Done() // the oldest of ana's connections
			if code := websocket.CloseStatus(f.ana.Err()); code != websocket.StatusPolicyViolation {
				t.Fatalf("the oldest connection closed with %v, want 1008", code)
			}
			rawHello(t, f, f.anaJ.Token)
			if code := readUntilClose(t, raw[0]); code != websocket.StatusPolicyViolation {
				t.Fatalf("the next oldest closed with %v, want 1008", code)
			}
			stillServed(t, f, f.bo)
		}},
		{"a flood through many connections of one token is dropped", func(t *testing.T, f *secFixture) {
			ctx := ctxT(t)
			var conns []*websocket.Conn
			for i := 0; i < maxConnsPerActor; i++ {
				conns = append(conns, rawHello(t, f, f.anaJ.Token))
			}
			codes := make(chan websocket.StatusCode, len(conns))
			for i, c := range conns {
				go func() {
					// Each connection stays under its own limit (burst 40).
					for j := 0; j < 35; j++ {
						msg := fmt.Sprintf(`{"type":"comment","cid":"m%d-%d","proposal":"%s","text":"spam"}`, i, j, f.pBo)
						if c.Write(ctx, websocket.MessageText, []byte(msg)) != nil {
							break
						}
					}
				}()
				go func() { codes <- readUntilClose(t, c) }()
			}
			for range conns {
				if code := <-codes; code != websocket.StatusPolicyViolation {
					t.Fatalf("a flooding connection closed with %v, want 1008", code)
				}
			}
			stillServed(t, f, f.bo)
		}},
		{"WebSocket refusals are JSON errors", func(t *testing.T, f *secFixture) {
			for _, tc := range []struct {
				origin string
				status int
				code   string
			}{{"", 426, "upgrade_required"}, {"https://evil.example", 403, "forbidden"}} {
				req, _ := http.NewRequest("GET", f.ts.url+"/ws/"+f.w.ID, nil)
				if tc.origin != "" {
					req.Header.Set("Origin", tc.origin)
					for k, v := range map[string]string{"Connection": "Upgrade", "Upgrade": "websocket",
						"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
						req.Header.Set(k, v)
					}
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var e struct {
					Error struct{ Code, Message string }
				}
				err = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if resp.StatusCode != tc.status || err != nil || e.Error.Code != tc.code || !strings.HasPrefix(e.Error.Message, "server: ") {
					t.Fatalf("origin %q: %d %+v (%v), want %d with error code %s", tc.origin, resp.StatusCode, e, err, tc.status, tc.code)
				}
			}
		}},
		{"wrong Origin is refused on the WebSocket", func(t *testing.T, f *secFixture) {
			_, resp, err := rawDial(t, f.ts.url, f.w.ID, http.Header{"Origin": {"https://evil.example"}})
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("dial from another origin: %v, want 403", err)
			}
		}},
		{"wrong Origin is refused on join", func(t *testing.T, f *secFixture) {
			resp, _ := httpDo(t, "POST", f.ts.url+"/api/join", "", "application/json", "https://evil.example",
				[]byte(`{"code":"`+f.w.Code+`","name":"x"}`))
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("join from another origin: %d, want 403", resp.StatusCode)
			}
		}},
		{"join needs a JSON content type", func(t *testing.T, f *secFixture) {
			resp, _ := httpDo(t, "POST", f.ts.url+"/api/join", "", "text/plain", "",
				[]byte(`{"code":"`+f.w.Code+`","name":"x"}`))
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("join as text/plain: %d, want 415", resp.StatusCode)
			}
		}},
		{"oversized create body is refused", func(t *testing.T, f *secFixture) {
			body := []byte(`{"title":"` + strings.Repeat("x", maxCreateBody) + `","city":"eixample","voting":{"rule":"single"}}`)
			resp, _ := httpDo(t, "POST", f.ts.url+"/api/workshops", "", "application/json", "", body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d, want 413", resp.StatusCode)
			}
		}},
		{"unknown city is refused", func(t *testing.T, f *secFixture) {
			for _, city := range []string{"/etc/passwd", "synthetic-2000000", "../barri.db"} {
				_, err := CreateWorkshop(ctxT(t), nil, f.ts.url, CreateRequest{Title: "x", City: city, Voting: workshop.Voting{Rule: "single"}})
				if apiStatus(err) != http.StatusBadRequest {
					t.Fatalf("city %q: %v, want 400", city, err)
				}
			}
		}},
		{"invalid edit is refused naming it", func(t *testing.T, f *secFixture) {
			r := refused(t, f.ana, workshop.ClientMessage{Type: "propose", Name: sp("X"),
				Edits: json.RawMessage(`[{"op":"park","area":{"type":"Polygon","coordinates":[[[2.1520,41.3880],[2.1535,41.3880],[2.1535,41.3890],[2.1520,41.3880]]]}},{"op":"retrofit","level":"total","area":{"type":"Polygon","coordinates":[[[2.1520,41.3880],[2.1535,41.3880],[2.1535,41.3890],[2.1520,41.3880]]]}}]`)},
				workshop.CodeInvalidEdit)
			if r.Edit == nil || *r.Edit != 1 || r.Field != "level" || !strings.Contains(r.Message, "edit 1 (retrofit)") {
				t.Fatalf("error %+v, want edit 1 (retrofit) named", r)
			}
			// The core's code and arguments go with the English, for the
			// page to say it in Catalan or Spanish.
			want := &sim.Message{Code: "retrofit.level", Args: []any{"total"}, Text: `level "total" must be "light" or "deep"`}
			if !reflect.DeepEqual(r.Why, want) || !strings.HasSuffix(r.Message, ": "+want.Text) {
				t.Fatalf("why %#v of %q, want %#v", r.Why, r.Message, want)
			}
		}},
		{"edit outside the city is refused naming it", func(t *testing.T, f *secFixture) {
			r := refused(t, f.ana, workshop.ClientMessage{Type: "propose", Name: sp("Lluny"),
				Edits: json.RawMessage(`[{"op":"park","area":{"type":"Polygon","coordinates":[[[2.0,41.0],[2.001,41.0],[2.001,41.001],[2.0,41.0]]]}}]`)},
				workshop.CodeInvalidEdit)
			if r.Edit == nil || *r.Edit != 0 || r.Field != "area" {
				t.Fatalf("error %+v, want edit 0 and its area named", r)
			}
			// Refused by the server's evaluation against its city: the
			// core's message is there too, its bounds as decimals.
			if r.Why == nil || r.Why.Code != "area.outside" || len(r.Why.Args) != 5 || r.Why.Args[0] != "eixample" ||
				!strings.HasSuffix(r.Message, ": "+r.Why.Text) {
				t.Fatalf("why %#v of %q, want area.outside of eixample and its bounds", r.Why, r.Message)
			}
			if d, ok := r.Why.Args[1].(sim.Decimal); !ok || d.Places != 4 || d.Value < 2.1 || d.Value > 2.2 {
				t.Fatalf("why's west bound %#v, want a decimal of 4 places", r.Why.Args[1])
			}
		}},
		{"a proposal name cannot become a spreadsheet formula", func(t *testing.T, f *secFixture) {
			ok(t, f.ana, workshop.ClientMessage{Type: "update", Proposal: f.pAna, Name: sp(`=HYPERLINK("http://evil")`)})
			data, err := GetExport(ctxT(t), nil, f.ts.url, f.w.ID, f.w.FacilitatorToken, "results.csv")
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte(",=HYPERLINK")) || bytes.Contains(data, []byte(",\"=HYPERLINK")) {
				t.Fatalf("results.csv starts a cell with '=': %s", data)
			}
		}},
		{"per-participant rate limit spans connections", func(t *testing.T, f *secFixture) {
			second := f.ts.dial(f.w.ID, f.anaJ.Token)
			limited := 0
			// 36: the burst of 20 and fewer refusals than the strikes
			// that drop a flooding participant.
			for i := 0; i < 36; i++ {
				c := f.ana
				if i%2 == 1 {
					c = second
				}
				r := do(t, c, workshop.ClientMessage{Type: "comment", Proposal: f.pBo, Text: "hola"})
				if r.Code == "rate_limited" {
					limited++
				}
			}
			if limited == 0 {
				t.Fatalf("36 commands at once over two connections were never limited")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newSecFixture(t, workshop.Voting{Rule: workshop.RuleApproval}, nil))
		})
	}
	t.Run("participant cannot go beyond their dots", func(t *testing.T) {
		f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleDots, Dots: 3}, nil)
		f.vote(t)
		ok(t, f.ana, workshop.ClientMessage{Type: "vote", Proposal: f.pAna, Dots: 2})
		refused(t, f.ana, workshop.ClientMessage{Type: "vote", Proposal: f.pBo, Dots: 2}, workshop.CodeLimit)
	})
	t.Run("extra Origin pattern is allowed", func(t *testing.T) {
		f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) { c.Origins = []string{"barri.example.org"} })
		if _, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.anaJ.Token, DialOptions{Origin: "https://barri.example.org"}); err != nil {
			t.Fatalf("allowed origin refused: %v", err)
		}
	})
}

// TestLeftParticipantCanEraseName: a participant who has left (whose token
// opens no connection any more) can still erase their name over HTTP;
// nobody else can, and another site's page cannot make them.
func TestLeftParticipantCanEraseName(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, nil)
	ok(t, f.ana, workshop.ClientMessage{Type: "leave"})
	url := f.ts.url + "/api/workshops/" + f.w.ID + "/erase_name"
	if resp, body := httpDo(t, "POST", url, f.w.FacilitatorToken, "", "", nil); resp.StatusCode != 403 {
		t.Fatalf("the facilitator erasing a name: %d %s, want 403", resp.StatusCode, body)
	}
	if resp, body := httpDo(t, "POST", url, f.otherToken, "", "", nil); resp.StatusCode != 401 {
		t.Fatalf("another workshop's token: %d %s, want 401", resp.StatusCode, body)
	}
	if resp, body := httpDo(t, "POST", url, f.anaJ.Token, "", "http://evil.example", nil); resp.StatusCode != 403 {
		t.Fatalf("from another site: %d %s, want 403", resp.StatusCode, body)
	}
	resp, body := httpDo(t, "POST", url, f.anaJ.Token, "", "", nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"seq"`)) {
		t.Fatalf("a left participant erasing their name: %d %s, want 200", resp.StatusCode, body)
	}
	v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.w.FacilitatorToken)
	if p := v.Participants[0]; p.ID != f.anaJ.Participant || p.Name != "" || !p.Erased || !p.Left {
		t.Fatalf("after erasing: %+v", p)
	}
	if names, _ := f.ts.st.Names(ctxT(t), f.w.ID); len(names) != 1 || names[0].Participant != f.boJ.Participant {
		t.Fatalf("names kept after the erasure: %+v", names)
	}
	if resp, _ := httpDo(t, "POST", url, f.anaJ.Token, "", "", nil); resp.StatusCode != 409 {
		t.Fatalf("erasing twice: %d, want 409", resp.StatusCode)
	}
}
