package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/workshop"
)

// testServer is a server on a loopback port with its SQLite store.
type testServer struct {
	t    *testing.T
	srv  *Server
	http *httptest.Server
	st   *store.SQLite
	url  string
}

func newTestServer(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "barri.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	srv.cfg.BaseURL = ts.URL
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
		st.Close()
	})
	return &testServer{t: t, srv: srv, http: ts, st: st, url: ts.URL}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (ts *testServer) create(v workshop.Voting) *Created {
	ts.t.Helper()
	c, err := CreateWorkshop(ctxT(ts.t), nil, ts.url, CreateRequest{Title: "Taller de l'Esquerra", City: "eixample", Voting: v})
	if err != nil {
		ts.t.Fatalf("create: %v", err)
	}
	return c
}

func (ts *testServer) join(w *Created, name string) *Joined {
	ts.t.Helper()
	j, err := JoinWorkshop(ctxT(ts.t), nil, ts.url, w.Code, name)
	if err != nil {
		ts.t.Fatalf("join %q: %v", name, err)
	}
	return j
}

func (ts *testServer) dial(id, token string) *Client {
	ts.t.Helper()
	c, err := Dial(ctxT(ts.t), ts.url, id, token, DialOptions{})
	if err != nil {
		ts.t.Fatalf("dial: %v", err)
	}
	ts.t.Cleanup(func() { c.Close() })
	return c
}

var cidN int

func cid() string { cidN++; return "c-" + strconv.Itoa(cidN) }

// do sends a command and returns its answer (ack or error).
func do(t *testing.T, c *Client, m workshop.ClientMessage) *workshop.ServerMessage {
	t.Helper()
	if m.Cid == "" {
		m.Cid = cid()
	}
	r, err := c.Do(ctxT(t), &m)
	if err != nil {
		t.Fatalf("%s: %v", m.Type, err)
	}
	return r
}

func ok(t *testing.T, c *Client, m workshop.ClientMessage) *workshop.ServerMessage {
	t.Helper()
	r := do(t, c, m)
	if r.Type != workshop.MsgAck {
		t.Fatalf("%s refused: %s: %s", m.Type, r.Code, r.Message)
	}
	return r
}

func refused(t *testing.T, c *Client, m workshop.ClientMessage, code string) *workshop.ServerMessage {
	t.Helper()
	r := do(t, c, m)
	if r.Type != workshop.MsgError || r.Code != code {
		t.Fatalf("%s: got %s %s (%s), want error %s", m.Type, r.Type, r.Code, r.Message, code)
	}
	return r
}

func sp(s string) *string { return &s }

// Places in the Eixample (lon/lat) for proposals.
const (
	parkNearClinic = `[{"op":"park","area":{"type":"Polygon","coordinates":[[[2.1520,41.3880],[2.1535,41.3880],[2.1535,41.3890],[2.1520,41.3890],[2.1520,41.3880]]]}}]`
	solarEsquerra  = `[{"op":"solar","area":{"type":"Polygon","coordinates":[[[2.1500,41.3850],[2.1560,41.3850],[2.1560,41.3900],[2.1500,41.3900],[2.1500,41.3850]]]},"roof_coverage":0.5}]`
	busStop        = `[{"op":"transit_stop","at":[2.149383,41.38394],"mode":"bus","headway_min":6}]`
)

func TestWholeWorkshop(t *testing.T) {
	ts := newTestServer(t, nil)
	w := ts.create(workshop.Voting{Rule: workshop.RuleDots, Dots: 3})
	fac := ts.dial(w.ID, w.FacilitatorToken)
	names := []string{"Núria", "Jordi <b>bold</b>", "Aïda"}
	var people []*Client
	for _, n := range names {
		j := ts.join(w, n)
		people = append(people, ts.dial(w.ID, j.Token))
	}
	proj := ts.dial(w.ID, w.ProjectorToken)

	ok(t, fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhasePropose})
	var props []string
	for i, edits := range []string{parkNearClinic, solarEsquerra, busStop} {
		r := ok(t, people[i], workshop.ClientMessage{Type: "propose", Name: sp(fmt.Sprint("Proposta ", i)), Edits: json.RawMessage(edits)})
		if r.Proposal == "" {
			t.Fatalf("propose ack without a proposal id: %+v", r)
		}
		props = append(props, r.Proposal)
	}
	ok(t, people[1], workshop.ClientMessage{Type: "comment", Proposal: props[0], Text: "<script>alert(1)</script> sí!"})
	ok(t, fac, workshop.ClientMessage{Type: "spotlight", Proposal: props[0]})
	sec := 300
	ok(t, fac, workshop.ClientMessage{Type: "timer", Seconds: &sec})
	ok(t, fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhaseDiscuss})
	ok(t, people[0], workshop.ClientMessage{Type: "update", Proposal: props[0], Name: sp("Parc gran")})
	ok(t, fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhaseVote})
	ok(t, people[0], workshop.ClientMessage{Type: "vote", Proposal: props[1], Dots: 2})
	ok(t, people[0], workshop.ClientMessage{Type: "vote", Proposal: props[2], Dots: 1})
	ok(t, people[1], workshop.ClientMessage{Type: "vote", Proposal: props[1], Dots: 3})
	ok(t, people[1], workshop.ClientMessage{Type: "vote", Proposal: props[1], Dots: 1}) // changed
	ok(t, people[2], workshop.ClientMessage{Type: "vote", Proposal: props[0], Dots: 3})
	last := ok(t, fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhaseResults})

	// Every client converges to the server's state.
	state, err := GetState(ctxT(t), nil, ts.url, w.ID, w.FacilitatorToken)
	if err != nil {
		t.Fatal(err)
	}
	if state.Seq != last.Seq {
		t.Fatalf("state at %d, last ack %d", state.Seq, last.Seq)
	}
	for i, c := range append([]*Client{fac, proj}, people...) {
		if err := c.WaitSeq(ctxT(t), last.Seq); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.View(), state) {
			a, _ := json.Marshal(c.View())
			b, _ := json.Marshal(state)
			t.Fatalf("client %d's state differs from the server's:\n%s\n%s", i, a, b)
		}
	}
	want := map[string]int{props[0]: 3, props[1]: 3, props[2]: 1}
	for _, p := range state.Proposals {
		if p.Votes != want[p.ID] {
			t.Errorf("%s has %d votes, want %d", p.ID, p.Votes, want[p.ID])
		}
		if p.Indicators == nil || p.Delta == nil {
			t.Errorf("%s has no indicators", p.ID)
		}
	}
	if state.Participants[1].Name != names[1] {
		t.Errorf("name %q, want the literal %q", state.Participants[1].Name, names[1])
	}
	if c := state.Proposals[0].Comments[0].Text; c != "<script>alert(1)</script> sí!" {
		t.Errorf("comment %q", c)
	}

	// Exports.
	logJSON, err := GetExport(ctxT(t), nil, ts.url, w.ID, w.FacilitatorToken, "log.json")
	if err != nil {
		t.Fatal(err)
	}
	id, replay, err := workshop.VerifyLog(logJSON)
	if err != nil || id != w.ID {
		t.Fatalf("the exported log does not verify: %v (workshop %q)", err, id)
	}
	for _, p := range state.Proposals {
		if got := replay.Tally(p.ID); got != p.Votes {
			t.Errorf("tally of %s from the exported log is %d, the state says %d", p.ID, got, p.Votes)
		}
	}
	for _, n := range names {
		if bytes.Contains(logJSON, []byte(n)) || bytes.Contains(logJSON, []byte("display_name")) {
			t.Errorf("the exported log holds a display name")
		}
	}
	// One byte changed in the text of the comment: verification fails at
	// the comment's event.
	var commentSeq int64
	for _, p := range state.Proposals {
		for _, c := range p.Comments {
			commentSeq = c.Seq
		}
	}
	i := bytes.Index(logJSON, []byte("sí!"))
	bad := bytes.Clone(logJSON)
	bad[i] = 'S'
	_, _, err = workshop.VerifyLog(bad)
	var ve *workshop.VerifyError
	if !errors.As(err, &ve) || ve.Seq != commentSeq {
		t.Fatalf("tampered log: %v, want a failure at event %d", err, commentSeq)
	}

	csvData, err := GetExport(ctxT(t), nil, ts.url, w.ID, w.FacilitatorToken, "results.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(csvData)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("results.csv: %d rows, %v", len(rows), err)
	}
	for _, row := range rows[1:] {
		if v, _ := strconv.Atoi(row[4]); v != want[row[1]] {
			t.Errorf("results.csv gives %s %d votes, want %d", row[1], v, want[row[1]])
		}
	}
	geo, err := GetExport(ctxT(t), nil, ts.url, w.ID, w.FacilitatorToken, "proposals.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(geo, &fc); err != nil || len(fc.Features) != 3 || string(fc.Features[0].Geometry) == "null" {
		t.Fatalf("proposals.geojson: %v, %s", err, geo)
	}
	dec, err := GetExport(ctxT(t), nil, ts.url, w.ID, w.FacilitatorToken, "decidim.json")
	if err != nil {
		t.Fatal(err)
	}
	var dp []decidimProposal
	if err := json.Unmarshal(dec, &dp); err != nil || len(dp) != 3 || dp[0].Latitude == nil || !strings.Contains(dp[0].Body["ca"], "Habitatges") {
		t.Fatalf("decidim.json: %v, %s", err, dec)
	}
}
