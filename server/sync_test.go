package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/workshop"
)

func comments(t *testing.T, c *Client, proposal string, n int) *workshop.ServerMessage {
	t.Helper()
	var last *workshop.ServerMessage
	for i := 0; i < n; i++ {
		last = ok(t, c, workshop.ClientMessage{Type: "comment", Proposal: proposal, Text: "comentari"})
	}
	return last
}

func fastLimits(c *Config) {
	c.ActorRate, c.ActorBurst, c.MsgRate, c.MsgBurst = rate.Inf, 1000, rate.Inf, 1000
}

func TestResumeSendsOnlyWhatWasMissed(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, fastLimits)
	st := f.bo.State()
	f.bo.Close()
	seqBefore := st.Seq
	last := comments(t, f.ana, f.pAna, 5)
	c, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.boJ.Token, DialOptions{State: st})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	dup, gaps, snaps := c.Stats()
	if dup != 0 || gaps != 0 || snaps != 0 {
		t.Fatalf("resume from %d: %d duplicates, %d gaps, %d snapshots; want none", seqBefore, dup, gaps, snaps)
	}
	v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.boJ.Token)
	if !reflect.DeepEqual(c.View(), v) {
		t.Fatalf("resumed state differs from the server's")
	}
}

func TestFarBehindGetsASnapshot(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) { fastLimits(c); c.SnapshotGap = 10 })
	st := f.bo.State()
	f.bo.Close()
	last := comments(t, f.ana, f.pAna, 30)
	c, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.boJ.Token, DialOptions{State: st})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	if _, _, snaps := c.Stats(); snaps != 1 {
		t.Fatalf("%d snapshots, want 1", snaps)
	}
	// The snapshot's replica goes on applying events.
	more := comments(t, f.ana, f.pAna, 2)
	if err := c.WaitSeq(ctxT(t), more.Seq); err != nil {
		t.Fatal(err)
	}
	v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.boJ.Token)
	if !reflect.DeepEqual(c.View(), v) {
		t.Fatalf("state after a snapshot differs from the server's")
	}
}

func TestRetriedCommandAppliedOnce(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleApproval}, nil)
	m := workshop.ClientMessage{Type: "comment", Cid: "retry-1", Proposal: f.pBo, Text: "una vegada"}
	first := ok(t, f.ana, m)
	again := ok(t, f.ana, m)
	other := f.ts.dial(f.w.ID, f.anaJ.Token) // as after a reconnect
	third := ok(t, other, m)
	if again.Seq != first.Seq || third.Seq != first.Seq {
		t.Fatalf("acks %d, %d, %d: a retried command must get its first ack", first.Seq, again.Seq, third.Seq)
	}
	// A propose retried while it is being evaluated gets the same ack.
	p := workshop.ClientMessage{Type: "propose", Cid: "retry-2", Name: sp("Dues vegades"), Edits: json.RawMessage(solarEsquerra)}
	data, _ := json.Marshal(&p)
	f.ana.WriteRaw(ctxT(t), websocket.MessageText, data) // the answer goes to the Do below
	r := ok(t, f.ana, p)
	v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
	n := 0
	for _, q := range v.Proposals {
		if q.Name == "Dues vegades" {
			n++
			if q.ID != r.Proposal {
				t.Fatalf("ack names %s, the state %s", r.Proposal, q.ID)
			}
		}
	}
	if n != 1 || len(v.Proposals[1].Comments) != 1 {
		t.Fatalf("%d proposals and %d comments from retried commands, want 1 and 1", n, len(v.Proposals[1].Comments))
	}
}

// TestSlowClientIsDropped: a client that does not drain its queue is
// dropped when the queue is full; the hub never waits for it, and others
// keep receiving.
func TestSlowClientIsDropped(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleApproval}, func(c *Config) { fastLimits(c); c.ClientQueue = 16 })
	h, err := f.ts.srv.hub(context.Background(), f.w.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A client whose writer never runs: its queue only fills.
	slow := newClient(nil, f.boJ.Participant, rate.NewLimiter(1, 1))
	reply := make(chan error, 1)
	h.send(&msgHello{c: slow, since: h.st.Seq, reply: reply})
	if err := <-reply; err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	last := comments(t, f.ana, f.pAna, 40)
	if err := f.bo.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	slow.mu.Lock()
	closed, code := slow.closed, slow.code
	slow.mu.Unlock()
	if !closed || code != websocket.StatusPolicyViolation {
		t.Fatalf("slow client: closed %v with %v, want dropped with 1008", closed, code)
	}
	t.Logf("40 commands with a stuck client took %v", time.Since(start))
}

func TestRestartKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "barri.db")
	open := func() (*store.SQLite, *Server, *httptest.Server) {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := New(Config{Store: st})
		hs := httptest.NewServer(srv.Handler())
		return st, srv, hs
	}
	st, srv, hs := open()
	w, err := CreateWorkshop(ctxT(t), nil, hs.URL, CreateRequest{Title: "T", City: "eixample", Voting: workshop.Voting{Rule: "single"}})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := JoinWorkshop(ctxT(t), nil, hs.URL, w.Code, "Marta")
	fac, _ := Dial(ctxT(t), hs.URL, w.ID, w.FacilitatorToken, DialOptions{})
	ok(t, fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhasePropose})
	ana, _ := Dial(ctxT(t), hs.URL, w.ID, j.Token, DialOptions{})
	ok(t, ana, workshop.ClientMessage{Type: "propose", Cid: "p", Name: sp("P"), Edits: json.RawMessage(busStop)})
	before, _ := GetState(ctxT(t), nil, hs.URL, w.ID, j.Token)
	hs.CloseClientConnections()
	hs.Close()
	srv.Close()
	st.Close()

	st, srv, hs = open()
	defer func() { hs.Close(); srv.Close(); st.Close() }()
	after, err := GetState(ctxT(t), nil, hs.URL, w.ID, j.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("state after restart differs")
	}
	ana, err = Dial(ctxT(t), hs.URL, w.ID, j.Token, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ana.Close()
	r := ok(t, ana, workshop.ClientMessage{Type: "propose", Cid: "p", Name: sp("P"), Edits: json.RawMessage(busStop)})
	if r.Seq != before.Seq { // the retried propose is the last event
		t.Fatalf("retried propose after restart acked at %d, want %d", r.Seq, before.Seq)
	}
	ok(t, ana, workshop.ClientMessage{Type: "erase_name", Cid: "e"})
	log, err := srv.ExportLog(ctxT(t), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := workshop.VerifyLog(log); err != nil {
		t.Fatalf("log after restart and erasure: %v", err)
	}
	v, _ := GetState(ctxT(t), nil, hs.URL, w.ID, w.FacilitatorToken)
	if v.Participants[0].Name != "" || v.Participants[0].NameHash == "" {
		t.Fatalf("after erasure: %+v", v.Participants[0])
	}
	// The name is gone from the database, not only from the state.
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	var n int
	db.QueryRow("SELECT count(*) FROM names WHERE name = 'Marta'").Scan(&n)
	if n != 0 {
		t.Fatalf("the erased name is still stored")
	}
}

func TestTamperedStoreIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "barri.db")
	st, _ := store.Open(path, store.Options{})
	srv, _ := New(Config{Store: st})
	hs := httptest.NewServer(srv.Handler())
	w, err := CreateWorkshop(ctxT(t), nil, hs.URL, CreateRequest{Title: "Original", City: "eixample", Voting: workshop.Voting{Rule: "single"}})
	if err != nil {
		t.Fatal(err)
	}
	hs.Close()
	srv.Close()
	st.Close()
	db, _ := sql.Open("sqlite", path)
	if _, err := db.Exec("UPDATE events SET body = replace(body, 'Original', 'Changed!')"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("an update of the events table: %v, want refused as append-only", err)
	}
	db.Exec("DROP TRIGGER events_append_only_update")
	db.Exec("UPDATE events SET body = CAST(replace(CAST(body AS TEXT), 'Original', 'Changed!') AS BLOB)")
	db.Close()
	st, _ = store.Open(path, store.Options{})
	defer st.Close()
	srv, _ = New(Config{Store: st})
	defer srv.Close()
	if _, err := srv.hub(context.Background(), w.ID); err == nil || !strings.Contains(err.Error(), "event 1 breaks the hash chain") {
		t.Fatalf("loading a tampered workshop: %v", err)
	}
}

func TestShutdownClosesWithAReason(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, nil)
	f.ts.srv.Close()
	<-f.ana.Done()
	if code := websocket.CloseStatus(f.ana.Err()); code != websocket.StatusGoingAway {
		t.Fatalf("close status %v (%v), want 1001 going away", code, f.ana.Err())
	}
	if _, err := JoinWorkshop(ctxT(t), nil, f.ts.url, f.w.Code, "Late"); apiStatus(err) != 503 {
		t.Fatalf("join while closing: %v, want 503", err)
	}
}

// TestFastStartFromSnapshot: a restarted server starts a workshop from its
// latest snapshot and the events after it, with the same state, the same
// exactly-once memory, names from beside the log, and a log that verifies.
func TestFastStartFromSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "barri.db")
	open := func() (*store.SQLite, *Server, *httptest.Server) {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := New(Config{Store: st, SnapshotEvery: 5, ActorRate: rate.Inf, ActorBurst: 100})
		return st, srv, httptest.NewServer(srv.Handler())
	}
	st, srv, hs := open()
	w, _ := CreateWorkshop(ctxT(t), nil, hs.URL, CreateRequest{Title: "T", City: "eixample", Voting: workshop.Voting{Rule: "approval"}})
	j, _ := JoinWorkshop(ctxT(t), nil, hs.URL, w.Code, "Marta")
	fac, _ := Dial(ctxT(t), hs.URL, w.ID, w.FacilitatorToken, DialOptions{})
	ok(t, fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhasePropose})
	ana, _ := Dial(ctxT(t), hs.URL, w.ID, j.Token, DialOptions{})
	p := ok(t, ana, workshop.ClientMessage{Type: "propose", Cid: "first", Name: sp("P"), Edits: json.RawMessage(busStop)})
	early := ana.State().View()
	last := comments(t, ana, p.Proposal, 12)
	before, _ := GetState(ctxT(t), nil, hs.URL, w.ID, j.Token)
	hs.CloseClientConnections()
	hs.Close()
	srv.Close()
	st.Close()

	st, srv, hs = open()
	defer func() { hs.Close(); srv.Close(); st.Close() }()
	h, err := srv.hub(ctxT(t), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.first <= 1 {
		t.Fatalf("the hub replayed the whole log (first event %d): no snapshot used", h.first)
	}
	after, _ := GetState(ctxT(t), nil, hs.URL, w.ID, j.Token)
	if !reflect.DeepEqual(before, after) || after.Participants[0].Name != "Marta" {
		t.Fatalf("state after a fast start differs")
	}
	c, err := Dial(ctxT(t), hs.URL, w.ID, j.Token, DialOptions{State: mustState(t, early)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r := ok(t, c, workshop.ClientMessage{Type: "propose", Cid: "first", Name: sp("P"), Edits: json.RawMessage(busStop)}); r.Seq != p.Seq {
		t.Fatalf("a command retried across a fast start acked at %d, want %d", r.Seq, p.Seq)
	}
	if err := c.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	ok(t, c, workshop.ClientMessage{Type: "erase_name", Cid: "erase"})
	log, _ := srv.ExportLog(ctxT(t), w.ID)
	if _, _, err := workshop.VerifyLog(log); err != nil {
		t.Fatal(err)
	}
	if seq, data, err := st.Snapshot(ctxT(t), w.ID); err != nil || strings.Contains(string(data), "Marta") {
		t.Fatalf("snapshot at %d holds the display name (%v)", seq, err)
	}
}

func mustState(t *testing.T, v *workshop.View) *workshop.State {
	s, err := workshop.FromView(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestIdleWorkshopUnloads: a workshop without clients leaves memory after
// HubIdle and comes back, whole, at the next request.
func TestIdleWorkshopUnloads(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) { c.HubIdle = 20 * time.Millisecond })
	before, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
	f.fac.Close()
	f.ana.Close()
	f.bo.Close()
	loaded := func() bool {
		f.ts.srv.mu.Lock()
		defer f.ts.srv.mu.Unlock()
		return f.ts.srv.hubs[f.w.ID] != nil
	}
	deadline := time.Now().Add(5 * time.Second)
	for loaded() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if loaded() {
		t.Fatalf("an idle workshop stayed loaded")
	}
	after, err := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
	if err != nil || !reflect.DeepEqual(before, after) {
		t.Fatalf("state after reloading: %v", err)
	}
	// Joins and connections work on the reloaded workshop, while it keeps
	// unloading between requests.
	for i := 0; i < 5; i++ {
		j := f.ts.join(f.w, "Nou")
		c := f.ts.dial(f.w.ID, j.Token)
		ok(t, c, workshop.ClientMessage{Type: "comment", Proposal: f.pAna, Text: "torno"})
		c.Close()
		time.Sleep(30 * time.Millisecond)
	}
}

// lyingStore reports the next failN appends as failed after storing them
// (as when a commit's outcome is lost): the hub must find them on disk.
type lyingStore struct {
	store.Store
	failN atomic.Int32
}

func (s *lyingStore) Append(ctx context.Context, id string, recs []store.Record) error {
	err := s.Store.Append(ctx, id, recs)
	if err == nil && s.failN.Add(-1) >= 0 {
		return errors.New("store: commit: the outcome was lost")
	}
	return err
}

// TestDurableAppendReportedFailedIsBroadcast: an append reported failed
// that turns out to be stored (found when the hub reloads) is broadcast
// and acknowledged, so no replica sees a gap and no join leaves a ghost.
func TestDurableAppendReportedFailedIsBroadcast(t *testing.T) {
	var ls *lyingStore
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) {
		fastLimits(c)
		ls = &lyingStore{Store: c.Store}
		c.Store = ls
	})
	ls.failN.Store(1)
	r := ok(t, f.ana, workshop.ClientMessage{Type: "comment", Proposal: f.pBo, Text: "durable"})
	if err := f.bo.WaitSeq(ctxT(t), r.Seq); err != nil {
		t.Fatalf("the stored event was not broadcast: %v", err)
	}
	ls.failN.Store(1)
	j, err := JoinWorkshop(ctxT(t), nil, f.ts.url, f.w.Code, "Carme")
	if err != nil {
		t.Fatalf("a stored join was reported failed: %v", err)
	}
	c := f.ts.dial(f.w.ID, j.Token)
	last := ok(t, c, workshop.ClientMessage{Type: "comment", Proposal: f.pBo, Text: "after"})
	if err := f.bo.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	if dup, gaps, snaps := f.bo.Stats(); dup != 0 || gaps != 0 || snaps != 0 {
		t.Fatalf("%d duplicates, %d gaps, %d snapshots; want none", dup, gaps, snaps)
	}
	v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.w.FacilitatorToken)
	if n := len(v.Participants); n != 3 {
		t.Fatalf("%d participants, want 3 (one join, stored once)", n)
	}
}

// TestReusedCidForAnotherCommandIsRefused: two tabs of one participant
// that make the same cid for different commands: the second is refused as
// cid_reused (not acked with the first's seq and dropped), also while the
// first is being evaluated, after a restart from the log and from a
// snapshot; a true retry still gets its first ack.
func TestReusedCidForAnotherCommandIsRefused(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleApproval}, func(c *Config) { fastLimits(c); c.SnapshotEvery = 3 })
	tab2 := f.ts.dial(f.w.ID, f.anaJ.Token)
	propose := workshop.ClientMessage{Type: "propose", Cid: "c-1", Name: sp("Tab 1"), Edits: json.RawMessage(solarEsquerra)}
	// While the proposal is being evaluated, a comment with the same cid
	// is refused (sent on the same connection, so that it surely comes
	// second).
	data, _ := json.Marshal(&propose)
	f.ana.WriteRaw(ctxT(t), websocket.MessageText, data)
	comment := workshop.ClientMessage{Type: "comment", Cid: "c-1", Proposal: f.pBo, Text: "tab 2"}
	if r := do(t, f.ana, comment); r.Type == workshop.MsgAck {
		// The answer waited for under c-1 was the proposal's ack: its
		// evaluation ended before the comment reached the hub (a loaded
		// machine), and the comment's refusal came after it. Once more:
		// now the proposal is stored, and the comment is refused again.
		if r.Proposal == "" {
			t.Fatalf("the comment with the proposal's cid was acked: %+v", r)
		}
		refused(t, f.ana, comment, workshop.CodeCidReused)
	} else if r.Code != workshop.CodeCidReused {
		t.Fatalf("comment: got %s %s (%s), want error %s", r.Type, r.Code, r.Message, workshop.CodeCidReused)
	}
	first := ok(t, f.ana, propose)
	refused(t, tab2, workshop.ClientMessage{Type: "comment", Cid: "c-1", Proposal: f.pBo, Text: "tab 2"}, workshop.CodeCidReused)
	if again := ok(t, tab2, propose); again.Seq != first.Seq || again.Proposal != first.Proposal {
		t.Fatalf("a retry acked %d %s, want %d %s", again.Seq, again.Proposal, first.Seq, first.Proposal)
	}
	// Reloaded from the log and snapshots, the digest is still known.
	f.ts.srv.Close()
	srv, err := New(Config{Store: f.ts.st})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h, err := srv.hub(ctxT(t), f.w.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, done := h.st.Done(f.anaJ.Participant, "c-1")
	if !done || !d.Same(propose.Command()) {
		t.Fatalf("after reloading, c-1 is %+v (%v): the command's digest is lost", d, done)
	}
	other := workshop.ClientMessage{Type: "comment", Cid: "c-1", Proposal: f.pBo, Text: "tab 2"}
	if d.Same(other.Command()) {
		t.Fatalf("after reloading, a comment counts as a retry of the propose with its cid")
	}
}

// TestErasedNameLeavesNoTraceOnDisk: once a name is erased, its bytes are
// in no file of the store: not in the database (secure_delete) and not in
// the WAL (checkpointed and truncated after an erasure), while the server
// runs and after it stops.
func TestErasedNameLeavesNoTraceOnDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "barri.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := New(Config{Store: st})
	hs := httptest.NewServer(srv.Handler())
	w, err := CreateWorkshop(ctxT(t), nil, hs.URL, CreateRequest{Title: "T", City: "eixample", Voting: workshop.Voting{Rule: "single"}})
	if err != nil {
		t.Fatal(err)
	}
	const name = "Qwzxv-Erasable-Name-4711"
	j, _ := JoinWorkshop(ctxT(t), nil, hs.URL, w.Code, name)
	JoinWorkshop(ctxT(t), nil, hs.URL, w.Code, "Someone Else")
	c, err := Dial(ctxT(t), hs.URL, w.ID, j.Token, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ok(t, c, workshop.ClientMessage{Type: "erase_name", Cid: "e"})
	found := func() []string {
		var in []string
		files, _ := filepath.Glob(path + "*")
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, []byte(name)) {
				in = append(in, filepath.Base(f))
			}
		}
		return in
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(found()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if in := found(); len(in) > 0 {
		t.Fatalf("the erased name is still readable in %v while the server runs", in)
	}
	c.Close()
	hs.Close()
	srv.Close()
	st.Close()
	if in := found(); len(in) > 0 {
		t.Fatalf("the erased name is still readable in %v", in)
	}
}

// bigArea covers most of the Eixample: edits on it take a while to
// evaluate.
const bigArea = `{"type":"Polygon","coordinates":[[[2.1450,41.3800],[2.1800,41.3800],[2.1800,41.3990],[2.1450,41.3990],[2.1450,41.3800]]]}`

// TestUpdatesOfOneProposalApplyInOrder: a slow update of a proposal sent
// just before a quick one is applied first: the proposal ends with the
// edits sent last, whatever the evaluations' order of completion.
func TestUpdatesOfOneProposalApplyInOrder(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, fastLimits)
	slow := json.RawMessage(`[{"op":"superblock","area":` + bigArea + `},{"op":"solar","area":` + bigArea + `,"roof_coverage":0.8},{"op":"park","area":` + parkNearClinic[strings.Index(parkNearClinic, `{"type"`):strings.LastIndex(parkNearClinic, "}]")] + `}]`)
	for round := 0; round < 5; round++ {
		first := make(chan *workshop.ServerMessage, 1)
		go func() {
			r, err := f.ana.Do(ctxT(t), &workshop.ClientMessage{Type: "update", Cid: fmt.Sprint("slow", round), Proposal: f.pAna, Edits: slow})
			if err != nil {
				t.Error(err)
			}
			first <- r
		}()
		time.Sleep(2 * time.Millisecond)
		second := ok(t, f.ana, workshop.ClientMessage{Type: "update", Cid: fmt.Sprint("quick", round), Proposal: f.pAna, Edits: json.RawMessage(busStop)})
		r := <-first
		if r == nil || r.Type != workshop.MsgAck {
			t.Fatalf("round %d: the slow update: %+v", round, r)
		}
		if r.Seq >= second.Seq {
			t.Fatalf("round %d: the update sent first was applied at %d, after the one sent next (%d)", round, r.Seq, second.Seq)
		}
		v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
		if got := string(v.Proposals[0].Edits); got != busStop {
			t.Fatalf("round %d: the proposal holds %.60s…, not the edits sent last", round, got)
		}
	}
}

// TestHubKeepsABoundedTail: the hub keeps in memory only the events a
// resuming client may be sent (twice SnapshotGap at most); a client
// further behind gets a snapshot and ends with the server's state.
func TestHubKeepsABoundedTail(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) { fastLimits(c); c.SnapshotGap = 10 })
	st := f.bo.State()
	f.bo.Close()
	last := comments(t, f.ana, f.pAna, 60)
	h, err := f.ts.srv.hub(ctxT(t), f.w.ID)
	if err != nil {
		t.Fatal(err)
	}
	reply := make(chan viewReply, 1)
	h.send(&msgView{actor: workshop.FacilitatorID, reply: reply}) // the hub is idle once it answers
	<-reply
	if n := len(h.msgs); n > 20 || len(h.events) != n || h.first+int64(n)-1 != last.Seq {
		t.Fatalf("the hub keeps %d events from %d up to %d, want at most 20 up to %d", n, h.first, h.first+int64(n)-1, last.Seq)
	}
	c, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.boJ.Token, DialOptions{State: st})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	v, _ := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.boJ.Token)
	if !reflect.DeepEqual(c.View(), v) {
		t.Fatalf("state after resuming differs from the server's")
	}
}

// TestSendAfterStopIsRefused: a stopped hub accepts no message (its
// sender would wait for a reply forever).
func TestSendAfterStopIsRefused(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, nil)
	h, err := f.ts.srv.hub(ctxT(t), f.w.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.stop()
	accepted := 0
	for i := 0; i < 100; i++ {
		if h.send(&msgView{actor: workshop.FacilitatorID, reply: make(chan viewReply, 1)}) {
			accepted++
		}
	}
	if accepted > 0 {
		t.Fatalf("a stopped hub accepted %d of 100 messages", accepted)
	}
	reply := make(chan viewReply, 1)
	if _, err := await(ctxT(t), h, reply); !errors.Is(err, errClosing) {
		t.Fatalf("waiting on a stopped hub: %v, want errClosing", err)
	}
}

// TestSnapshotEncodedOncePerSeq: clients resuming from far behind at the
// same seq share one encoded snapshot.
func TestSnapshotEncodedOncePerSeq(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) { fastLimits(c); c.SnapshotGap = 5 })
	comments(t, f.ana, f.pAna, 10)
	h, err := f.ts.srv.hub(ctxT(t), f.w.ID)
	if err != nil {
		t.Fatal(err)
	}
	var snaps [][]byte
	for i := 0; i < 3; i++ {
		c := newClient(nil, f.boJ.Participant, rate.NewLimiter(1, 1))
		reply := make(chan error, 1)
		h.send(&msgHello{c: c, since: 1, reply: reply})
		if err := <-reply; err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		if len(c.q) != 2 || !bytes.Contains(c.q[1].data, []byte(`"snapshot"`)) {
			t.Fatalf("a client far behind got %d messages, not a welcome and a snapshot", len(c.q))
		}
		snaps = append(snaps, c.q[1].data)
		c.mu.Unlock()
	}
	if &snaps[0][0] != &snaps[1][0] || &snaps[1][0] != &snaps[2][0] {
		t.Fatalf("each resuming client got its own encoding of the snapshot")
	}
}

// TestParticipantsKeepTheChainHead: every event message carries its chain
// hash, and welcome and snapshot the head's, so that a participant's
// client checks each event against the chain and keeps a head that the
// exported log must match later.
func TestParticipantsKeepTheChainHead(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, func(c *Config) { fastLimits(c); c.SnapshotGap = 5 })
	old := f.ts.dial(f.w.ID, f.boJ.Token)
	early := old.State()
	old.Close()
	j := f.ts.join(f.w, "Esborrable")
	c := f.ts.dial(f.w.ID, j.Token)
	ok(t, c, workshop.ClientMessage{Type: "erase_name"}) // the joined event's message is encoded again
	last := comments(t, f.ana, f.pAna, 6)
	fresh := f.ts.dial(f.w.ID, f.boJ.Token) // from the first event, checking each
	behind, err := Dial(ctxT(t), f.ts.url, f.w.ID, f.boJ.Token, DialOptions{State: early})
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	log, err := f.ts.srv.ExportLog(ctxT(t), f.w.ID)
	if err != nil {
		t.Fatal(err)
	}
	var l struct{ Events []workshop.LogEntry }
	if err := json.Unmarshal(log, &l); err != nil {
		t.Fatal(err)
	}
	want := l.Events[len(l.Events)-1]
	if want.Seq != last.Seq {
		t.Fatalf("the log ends at %d, want %d", want.Seq, last.Seq)
	}
	for name, cl := range map[string]*Client{"a client from the start": f.bo, "a new client": fresh, "a client after a snapshot": behind} {
		if err := cl.WaitSeq(ctxT(t), last.Seq); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "a client after a snapshot" {
			if _, _, snaps := cl.Stats(); snaps != 1 {
				t.Fatalf("%s: %d snapshots, want 1", name, snaps)
			}
		}
		if seq, hash := cl.Head(); seq != want.Seq || hash != want.Hash {
			t.Fatalf("%s keeps head %d %.12s, the log's is %d %.12s", name, seq, hash, want.Seq, want.Hash)
		}
	}
}

// slowLoadStore blocks the replay of one workshop's log until released.
type slowLoadStore struct {
	store.Store
	slow    string
	release chan struct{}
}

func (s *slowLoadStore) Events(ctx context.Context, id string, after int64, fn func(store.Record) error) error {
	if id == s.slow {
		<-s.release
	}
	return s.Store.Events(ctx, id, after, fn)
}

// TestLoadingAWorkshopHoldsUpNoOther: while one workshop's log is being
// replayed, requests for other workshops are served; and a request with a
// bad token loads no workshop into memory.
func TestLoadingAWorkshopHoldsUpNoOther(t *testing.T) {
	f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleSingle}, nil)
	ss := &slowLoadStore{Store: f.ts.st, slow: f.w.ID, release: make(chan struct{})}
	srv, err := New(Config{Store: ss})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	if _, err := GetState(ctxT(t), nil, hs.URL, f.w.ID, f.otherToken); apiStatus(err) != 401 {
		t.Fatalf("a bad token: %v, want 401", err)
	}
	srv.mu.Lock()
	loaded := len(srv.hubs) + len(srv.loading)
	srv.mu.Unlock()
	if loaded != 0 {
		t.Fatalf("a request with a bad token loaded %d workshops", loaded)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := GetState(ctxT(t), nil, hs.URL, f.w.ID, f.w.FacilitatorToken)
		slow <- err
	}()
	for {
		srv.mu.Lock()
		n := len(srv.loading)
		srv.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := GetState(ctx, nil, hs.URL, f.otherW.ID, f.otherToken); err != nil {
		t.Fatalf("another workshop while one loads: %v", err)
	}
	close(ss.release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
}

// TestCommandsApplyInTheOrderSent: a command refused over a rate (the
// participant's, or the connection's) holds back the connection's later
// commands until it is sent again, even once the rate's bucket has refilled:
// a participant's comments are stored in the order written. Before, the
// comment sent after the refused one was taken first.
func TestCommandsApplyInTheOrderSent(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"participant's rate", func(c *Config) { c.ActorRate, c.ActorBurst = 10, 3 }},
		{"connection's rate", func(c *Config) { c.MsgRate, c.MsgBurst, c.ActorRate, c.ActorBurst = 10, 3, rate.Inf, 1000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSecFixture(t, workshop.Voting{Rule: workshop.RuleApproval}, tc.mod)
			time.Sleep(400 * time.Millisecond) // the buckets are full again
			comment := func(i int) workshop.ClientMessage {
				return workshop.ClientMessage{Type: "comment", Cid: "order-" + strconv.Itoa(i), Proposal: f.pBo, Text: strconv.Itoa(i)}
			}
			var refused []workshop.ClientMessage
			n := 0
			for ; len(refused) == 0 && n < 10; n++ {
				if r := do(t, f.ana, comment(n)); r.Type == workshop.MsgError {
					if r.Code != workshop.CodeRateLimited {
						t.Fatalf("comment %d: %s: %s", n, r.Code, r.Message)
					}
					refused = append(refused, comment(n))
				}
			}
			if len(refused) == 0 {
				t.Fatal("no comment was refused over the rate")
			}
			time.Sleep(300 * time.Millisecond) // the bucket refills meanwhile
			if r := do(t, f.ana, comment(n)); r.Type != workshop.MsgError || r.Code != workshop.CodeRateLimited {
				t.Fatalf("comment %d, sent after %s was refused and before its retry, was answered %s %s: it must wait for the retry", n, refused[0].Cid, r.Type, r.Code)
			}
			refused = append(refused, comment(n))
			for _, m := range refused { // the retries, in order
				for {
					r := do(t, f.ana, m)
					if r.Type == workshop.MsgAck {
						break
					}
					if r.Code != workshop.CodeRateLimited {
						t.Fatalf("%s: %s: %s", m.Cid, r.Code, r.Message)
					}
					time.Sleep(150 * time.Millisecond)
				}
			}
			v, err := GetState(ctxT(t), nil, f.ts.url, f.w.ID, f.anaJ.Token)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range v.Proposals {
				if p.ID == f.pBo {
					for _, c := range p.Comments {
						got = append(got, c.Text)
					}
				}
			}
			var want []string
			for i := 0; i <= n; i++ {
				want = append(want, strconv.Itoa(i))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("comments stored in the order %v, written %v", got, want)
			}
		})
	}
}
