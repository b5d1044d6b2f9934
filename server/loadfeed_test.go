package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/barri-city/barri/workshop"
)

// TestLoadtestChecksEverything runs the load test in-process, small, with
// a snapshot gap small enough that late joiners start from snapshots: it
// must report no problem and every check passed.
func TestLoadtestChecksEverything(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.SnapshotGap = 8 })
	rep, err := Loadtest(ctxT(t), LoadConfig{URL: ts.url, Participants: 30, Rate: 40, Duration: time.Second,
		Proposals: 4, VoteBurst: true, BurstWindow: 500 * time.Millisecond, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Write(&b)
	t.Logf("\n%s", b.String())
	if len(rep.Problems) > 0 || rep.Lost != 0 || rep.Duplicates != 0 || rep.Converged != 31 || !rep.TallyExact {
		t.Errorf("problems %q, lost %d, duplicates %d, converged %d of 31, tally exact %v", rep.Problems, rep.Lost, rep.Duplicates, rep.Converged, rep.TallyExact)
	}
	if rep.Snapshots == 0 {
		t.Error("no participant started from a snapshot: the snapshot check was not exercised")
	}
	if rep.Distinct == 0 || rep.Distinct > int(rep.Events) || rep.Variants != 0 {
		t.Errorf("%d distinct event messages for %d events, %d variants: want at most one message per event", rep.Distinct, rep.Events, rep.Variants)
	}
	if rep.BurstVotes != 30 || rep.BurstAcked != 30 || rep.BurstAck.N != 30 || rep.BurstLastAck < rep.BurstSpread {
		t.Errorf("burst: %d votes, %d acked, last ack %v, spread %v", rep.BurstVotes, rep.BurstAcked, rep.BurstLastAck, rep.BurstSpread)
	}
	for _, want := range []string{"converged: 31 of 31", "lost: 0, duplicates: 0", "vote burst: 30 votes sent over", "30 of them acked", "vote burst target"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// feedSession is a small real workshop's log, final view and event
// messages as the server sends them.
type feedSession struct {
	log   []workshop.LogEntry
	final *workshop.View
	msgs  [][]byte
	evs   []*workshop.Event
}

func newFeedSession(t *testing.T) *feedSession {
	ts := newTestServer(t, nil)
	w := ts.create(workshop.Voting{Rule: workshop.RuleApproval})
	ts.join(w, "Marta")
	ts.join(w, "Jordi")
	ctx := ctxT(t)
	data, err := GetExport(ctx, nil, ts.url, w.ID, w.FacilitatorToken, "log.json")
	if err != nil {
		t.Fatal(err)
	}
	var l struct{ Events []workshop.LogEntry }
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	final, err := GetState(ctx, nil, ts.url, w.ID, w.FacilitatorToken)
	if err != nil {
		t.Fatal(err)
	}
	s := &feedSession{log: l.Events, final: final}
	names := map[string]string{}
	for _, p := range final.Participants {
		names[p.ID] = p.Name
	}
	for _, e := range l.Events {
		ev := &workshop.Event{}
		if err := json.Unmarshal(e.Event, ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == workshop.EvJoined {
			ev.DisplayName = names[ev.Participant]
		}
		s.evs = append(s.evs, ev)
		s.msgs = append(s.msgs, encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: ev.Seq, Event: ev, Hash: e.Hash, Stored: 1}))
	}
	if len(s.msgs) < 3 {
		t.Fatalf("the session has %d events, want 3 or more", len(s.msgs))
	}
	return s
}

// receive passes a message through the feed to a participant as its
// reader does; it returns the participant's error.
func receive(c *feedClient, data []byte) error {
	fe, m, err := c.feed.lookup(data)
	if err == nil && fe != nil {
		err = fe.bad
	}
	if err != nil {
		return err
	}
	if fe == nil {
		s, err := c.feed.snapshot(data, m)
		if err != nil {
			return err
		}
		c.head = replicaHead{seq: m.Seq, hash: m.Hash, snaps: append(c.head.snaps, s)}
		return nil
	}
	return c.event(fe, time.Now())
}

func TestFeedConvergesOnTheServersState(t *testing.T) {
	s := newFeedSession(t)
	f := newFeed()
	a, b := &feedClient{feed: f}, &feedClient{feed: f}
	for _, m := range s.msgs {
		for _, c := range []*feedClient{a, b} {
			if err := receive(c, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if d, v := f.counts(); d != len(s.msgs) || v != 0 {
		t.Errorf("%d distinct messages, %d variants; want %d, 0", d, v, len(s.msgs))
	}
	head, equal, problems := f.verify(s.final, s.log)
	if !equal || len(problems) > 0 || head != s.log[len(s.log)-1].Hash {
		t.Fatalf("verify: equal %v, problems %q", equal, problems)
	}
	for _, c := range []*feedClient{a, b} {
		if !c.head.converged(s.final.Seq, head) {
			t.Errorf("a participant at %d %.12s did not converge", c.head.seq, c.head.hash)
		}
	}
	// The reference must equal the server's view: another view fails.
	other := *s.final
	other.Title += " (changed)"
	if _, equal, problems := newFeedFrom(t, s).verify(&other, s.log); equal || len(problems) == 0 {
		t.Error("a server view other than the events' state was accepted")
	}
	// A participant short of the head has not converged.
	if (replicaHead{seq: s.final.Seq - 1, hash: s.log[len(s.log)-2].Hash}).converged(s.final.Seq, head) {
		t.Error("a replica one event behind converged")
	}
}

// newFeedFrom is a feed through which one participant received the whole
// session.
func newFeedFrom(t *testing.T, s *feedSession) *feed {
	f := newFeed()
	c := &feedClient{feed: f}
	for _, m := range s.msgs {
		if err := receive(c, m); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestFeedCountsDuplicatesAndGaps(t *testing.T) {
	s := newFeedSession(t)
	f := newFeed()
	c := &feedClient{feed: f}
	for _, m := range s.msgs[:2] {
		if err := receive(c, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := receive(c, s.msgs[1]); err != nil || c.duplicates != 1 || c.head.seq != 2 {
		t.Errorf("event 2 again: err %v, duplicates %d, head %d", err, c.duplicates, c.head.seq)
	}
	g := &feedClient{feed: f}
	receive(g, s.msgs[0])
	if err := receive(g, s.msgs[2]); err == nil || g.gaps != 1 || g.head.seq != 1 {
		t.Errorf("event 3 after 1: err %v, gaps %d, head %d", err, g.gaps, g.head.seq)
	}
}

func TestFeedRefusesContradictions(t *testing.T) {
	s := newFeedSession(t)
	// An event whose record changed under the same chain hash: the
	// participant's link check fails.
	f := newFeed()
	c := &feedClient{feed: f}
	receive(c, s.msgs[0])
	forged := *s.evs[1]
	forged.At++
	msg := encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: forged.Seq, Event: &forged, Hash: s.log[1].Hash})
	if err := receive(c, msg); err == nil || !strings.Contains(err.Error(), "chain") {
		t.Errorf("a changed record was accepted: %v", err)
	}
	// Two participants sent different display names for one joined event.
	var joined int
	for i, ev := range s.evs {
		if ev.Type == workshop.EvJoined {
			joined = i
			break
		}
	}
	f = newFeed()
	a, b := &feedClient{feed: f}, &feedClient{feed: f}
	for _, m := range s.msgs[:joined+1] {
		if err := receive(a, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range s.msgs[:joined] {
		receive(b, m)
	}
	renamed := *s.evs[joined]
	renamed.DisplayName = "Someone else"
	msg = encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: renamed.Seq, Event: &renamed, Hash: s.log[joined].Hash, Stored: 1})
	if err := receive(b, msg); err == nil || !strings.Contains(err.Error(), "different events") {
		t.Errorf("a joined event with another name was accepted: %v", err)
	}
	// The same event re-encoded (no stored time: a restarted server's
	// backlog) is a variant, not a contradiction.
	same := encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: s.evs[joined].Seq, Event: s.evs[joined], Hash: s.log[joined].Hash})
	if err := receive(b, same); err != nil {
		t.Errorf("the same event in other bytes was refused: %v", err)
	}
	if _, v := f.counts(); v != 2 {
		t.Errorf("%d variants, want 2", v)
	}
}

func TestFeedChecksSnapshots(t *testing.T) {
	s := newFeedSession(t)
	at := len(s.msgs) - 1 // a snapshot at this seq, then the last event
	st := &workshop.State{}
	for _, ev := range s.evs[:at] {
		if err := st.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	snap := func(v *workshop.View) []byte {
		return encode(&workshop.ServerMessage{Type: workshop.MsgSnapshot, Seq: v.Seq, State: v, Hash: s.log[at-1].Hash})
	}
	good := st.View()
	bad := st.View()
	bad.Title = "Un altre taller"

	f := newFeedFrom(t, s)
	g, w := &feedClient{feed: f}, &feedClient{feed: f}
	for c, data := range map[*feedClient][]byte{g: snap(good), w: snap(bad)} {
		if err := receive(c, data); err != nil {
			t.Fatal(err)
		}
		if err := receive(c, s.msgs[at]); err != nil {
			t.Fatal(err)
		}
	}
	head, equal, problems := f.verify(s.final, s.log)
	if !equal || len(problems) != 1 || !strings.Contains(problems[0], "snapshot") {
		t.Fatalf("verify: equal %v, problems %q; want the bad snapshot only", equal, problems)
	}
	if !g.head.converged(s.final.Seq, head) {
		t.Error("the participant from a true snapshot did not converge")
	}
	if w.head.converged(s.final.Seq, head) {
		t.Error("the participant from a false snapshot converged")
	}
}
