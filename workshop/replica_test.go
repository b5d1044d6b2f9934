package workshop

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/barri-city/barri/sim"
)

// lossyServer is the authority of a workshop as the server is, without the
// network: it decides commands with the rules, applies a retried cid once
// (answering it with the same ack), and keeps the log; a client's
// connection to it can drop, losing what was in flight both ways.
type lossyServer struct {
	w *session
}

// handle answers one command of actor: the messages the server sends
// back, an ack or error followed by the event it made.
func (s *lossyServer) handle(actor string, m ClientMessage) []*ServerMessage {
	if d, ok := s.w.s.Done(actor, m.Cid); ok {
		return []*ServerMessage{{Type: MsgAck, Cid: m.Cid, Seq: d.Seq, Proposal: d.Proposal}}
	}
	e, err := s.w.try(actor, *m.Command())
	if err != nil {
		return []*ServerMessage{ErrorMessage(m.Cid, err)}
	}
	return []*ServerMessage{{Type: MsgAck, Cid: m.Cid, Seq: e.Seq, Proposal: e.Proposal}, eventMsg(e)}
}

func eventMsg(e *Event) *ServerMessage { return &ServerMessage{Type: MsgEvent, Seq: e.Seq, Event: e} }

// connect returns what the server sends after hello: the welcome and the
// events since, or a snapshot when far behind.
func (s *lossyServer) connect(actor string, hello ClientMessage, snapshotAfter int64) []*ServerMessage {
	out := []*ServerMessage{{Type: MsgWelcome, Seq: s.w.s.Seq, Actor: actor, Role: s.w.s.RoleOf(actor).String()}}
	since := *hello.Since
	if s.w.s.Seq-since > snapshotAfter {
		v := s.w.s.View()
		return append(out, &ServerMessage{Type: MsgSnapshot, Seq: v.Seq, State: v})
	}
	for _, e := range s.w.log[since:] {
		out = append(out, eventMsg(e))
	}
	return out
}

// TestReplicaConvergesOverALossyConnection: participants vote, comment and
// propose while their connections drop at random (losing commands on the way
// in and answers and events on the way out), and keep making commands while
// offline. Every command made is applied exactly once, every one is
// answered, and every replica ends equal to the server's state.
func TestReplicaConvergesOverALossyConnection(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { replicaConverges(t, seed) })
	}
}

func replicaConverges(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	w := newSession(t, Voting{Rule: RuleApproval})
	srv := &lossyServer{w: w}
	type client struct {
		actor  string
		r      *Replica
		online bool
		inbox  []*ServerMessage // what the server sent that has not arrived
		made   map[string]bool  // cids made
		answer map[string]int   // answers received per cid
	}
	var clients []*client
	for i := range 4 {
		c := &client{actor: w.join(fmt.Sprint("p", i)), r: NewReplica(fmt.Sprintf("c%d-", i)),
			made: map[string]bool{}, answer: map[string]int{}}
		clients = append(clients, c)
	}
	w.phase(PhasePropose)
	p0 := w.propose(clients[0].actor, "first")
	_ = p0
	deliver := func(c *client, msgs ...*ServerMessage) {
		for _, m := range msgs {
			res, err := c.r.Receive(m)
			if err == ErrResync {
				c.r.Disconnected()
				c.online, c.inbox = false, nil
				return
			}
			if err != nil {
				t.Fatalf("seed %d: %s: %v", seed, c.actor, err)
			}
			if res.Answer != nil {
				c.answer[res.Answer.Cid]++
			}
			for _, out := range res.Send {
				c.inbox = append(c.inbox, srv.handle(c.actor, out)...)
			}
		}
	}
	command := func(c *client) ClientMessage {
		props := w.s.Proposals()
		pick := props[rng.IntN(len(props))].ID
		switch rng.IntN(4) {
		case 0:
			return ClientMessage{Type: "vote", Proposal: pick}
		case 1:
			return ClientMessage{Type: "unvote", Proposal: pick}
		case 2:
			return ClientMessage{Type: "comment", Proposal: pick, Text: fmt.Sprint("comment ", rng.IntN(1000))}
		default:
			name := fmt.Sprint("idea ", rng.IntN(1000))
			return ClientMessage{Type: "propose", Name: &name, Edits: json.RawMessage(parkEdit)}
		}
	}
	for step := 0; step < 400; step++ {
		c := clients[rng.IntN(len(clients))]
		if step == 200 {
			w.phase(PhaseDiscuss)
			w.phase(PhaseVote)
			// Everyone's pending proposals will be refused now: answered all the same.
		}
		switch r := rng.IntN(10); {
		case r < 3: // a command
			cid, out := c.r.Send(command(c))
			c.made[cid] = true
			if c.online {
				for _, m := range out {
					if rng.IntN(8) == 0 { // the connection drops as it goes: lost
						c.r.Disconnected()
						c.online, c.inbox = false, nil
						break
					}
					c.inbox = append(c.inbox, srv.handle(c.actor, m)...)
				}
			}
		case r < 6: // something arrives
			if c.online && len(c.inbox) > 0 {
				m := c.inbox[0]
				c.inbox = c.inbox[1:]
				deliver(c, m)
			}
		case r < 7: // the connection drops
			if c.online {
				c.r.Disconnected()
				c.online, c.inbox = false, nil
				if c.r.Sync() != Offline {
					t.Fatal("a disconnected replica does not say it is offline")
				}
			}
		default: // reconnect; the server also sends the others' events
			if !c.online {
				c.online = true
				deliver(c, srv.connect(c.actor, c.r.Hello("token"), int64(5+rng.IntN(30)))...)
			} else {
				for _, e := range w.log[c.r.Seq():] {
					c.inbox = append(c.inbox, eventMsg(e))
				}
			}
		}
	}
	// Everyone comes online and stays until caught up (twice round: the
	// last commands of one are events the others must get).
	for _, c := range append(clients, clients...) {
		for i := 0; c.r.Sync() != InSync || c.r.Seq() != w.s.Seq; i++ {
			if i > 50 {
				t.Fatalf("seed %d: %s never gets in sync (%s, %d waiting)", seed, c.actor, c.r.Sync(), len(c.r.Outbox()))
			}
			if !c.online {
				c.online = true
				deliver(c, srv.connect(c.actor, c.r.Hello("token"), 1<<40)...)
			}
			for len(c.inbox) > 0 {
				m := c.inbox[0]
				c.inbox = c.inbox[1:]
				deliver(c, m)
			}
			for _, e := range w.log[c.r.Seq():] {
				deliver(c, eventMsg(e))
			}
		}
	}
	for _, c := range clients {
		for cid := range c.made {
			if c.answer[cid] != 1 {
				t.Fatalf("seed %d: %s's command %s was answered %d times", seed, c.actor, cid, c.answer[cid])
			}
		}
		applied := map[string]int{}
		for _, e := range w.log {
			if e.Actor == c.actor && strings.HasPrefix(e.Cid, c.r.prefix) {
				applied[e.Cid]++
			}
		}
		for cid, n := range applied {
			if n != 1 || !c.made[cid] {
				t.Fatalf("seed %d: %s's command %s applied %d times", seed, c.actor, cid, n)
			}
		}
		if got, want := c.r.State().View(), w.s.View(); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			wt, _ := json.Marshal(want)
			t.Fatalf("seed %d: %s's replica differs from the server's state:\n%s\n%s", seed, c.actor, g, wt)
		}
	}
}

// TestReplicaOutboxSurvivesAReload: commands made offline are saved, a new
// replica (a reloaded page) restores them, and they go with their cids once
// the server welcomes it; new cids do not repeat them.
func TestReplicaOutboxSurvivesAReload(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	w.phase(PhasePropose)
	srv := &lossyServer{w: w}
	r := NewReplica("c-")
	name := "Una plaça"
	cid, out := r.Send(ClientMessage{Type: "propose", Name: &name, Edits: json.RawMessage(parkEdit)})
	if len(out) != 0 || r.Sync() != Offline {
		t.Fatalf("offline, Send returned %d messages to send (%s)", len(out), r.Sync())
	}
	saved, err := json.Marshal(r.Outbox())
	if err != nil {
		t.Fatal(err)
	}
	made := r.Made()

	var back []ClientMessage
	if err := json.Unmarshal(saved, &back); err != nil {
		t.Fatal(err)
	}
	r2 := NewReplica("c-")
	r2.Restore(back, made)
	var answers []*Answer
	queue := srv.connect(ana, r2.Hello("t"), 100) // the server's messages, in the order it sends them
	for len(queue) > 0 {
		res, err := r2.Receive(queue[0])
		queue = queue[1:]
		if err != nil {
			t.Fatal(err)
		}
		if res.Answer != nil {
			answers = append(answers, res.Answer)
		}
		for _, out := range res.Send {
			queue = append(queue, srv.handle(ana, out)...)
		}
	}
	if len(answers) != 1 || answers[0].Cid != cid || answers[0].Err != nil || answers[0].Proposal == "" {
		t.Fatalf("answers %+v, want the ack of %s with its proposal", answers, cid)
	}
	if r2.Sync() != InSync {
		t.Fatalf("after the ack and the event: %s", r2.Sync())
	}
	if c2, _ := r2.Send(ClientMessage{Type: "comment", Proposal: answers[0].Proposal, Text: "bé"}); c2 == cid {
		t.Fatal("a restored replica made a cid it had made before the reload")
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt  int
		jitter   float64
		min, max time.Duration
	}{
		{0, 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{1, 0, time.Second, time.Second},
		{3, 0.999, 4 * time.Second, 6 * time.Second},
		{10, 0, 30 * time.Second, 30 * time.Second},
		{1000, 1, 45 * time.Second, 45 * time.Second},
		{2, -5, 2 * time.Second, 2 * time.Second},
	} {
		if d := Backoff(tc.attempt, tc.jitter); d < tc.min || d > tc.max {
			t.Errorf("Backoff(%d, %v) = %v, want %v..%v", tc.attempt, tc.jitter, d, tc.min, tc.max)
		}
	}
}

// TestReplicaChecksTheChain: a replica checks each event's chain hash
// against the one before, keeps the head, and refuses an event whose
// record is not the one hashed.
func TestReplicaChecksTheChain(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	w.phase(PhasePropose)
	w.propose(ana, "P")
	hashes, prev := make([]string, len(w.log)), GenesisHash
	for i, e := range w.log {
		rec, _ := e.Record()
		prev = ChainHash(prev, rec)
		hashes[i] = prev
	}
	r := NewReplica("tab-")
	for i, e := range w.log {
		m := eventMsg(e)
		m.Hash = hashes[i]
		if _, err := r.Receive(m); err != nil {
			t.Fatalf("event %d: %v", e.Seq, err)
		}
	}
	if seq, hash := r.Head(); seq != int64(len(w.log)) || hash != hashes[len(hashes)-1] {
		t.Fatalf("head %d %.12s, want %d %.12s", seq, hash, len(w.log), hashes[len(hashes)-1])
	}
	next := w.do(FacilitatorID, Command{Type: "phase", Cid: "x", Phase: PhaseDiscuss})
	rec, _ := next.Record()
	changed := *next
	changed.Phase = PhaseVote // not the record the hash is of
	m := eventMsg(&changed)
	m.Hash = ChainHash(hashes[len(hashes)-1], rec)
	if _, err := r.Receive(m); err == nil || !strings.Contains(err.Error(), "chain") {
		t.Fatalf("an event that is not the hashed record: %v, want refused", err)
	}
	if r.Seq() != int64(len(w.log))-1 {
		t.Fatalf("a refused event moved the replica to %d", r.Seq())
	}
	m.Event = next
	if _, err := r.Receive(m); err != nil {
		t.Fatal(err)
	}
}

// TestReplicaKeepsItsConnectionOnATransientRefusal: an error without a
// cid is a refused connection, unless it is transient (the server could
// not say which command it refused over the connection's rate).
func TestReplicaKeepsItsConnectionOnATransientRefusal(t *testing.T) {
	r := NewReplica("t-")
	if _, err := r.Receive(&ServerMessage{Type: MsgError, Code: "rate_limited", Message: "slow down"}); err != nil {
		t.Fatalf("a rate_limited error without a cid ended the connection: %v", err)
	}
	if _, err := r.Receive(&ServerMessage{Type: MsgPong, Now: 1}); err != nil {
		t.Fatalf("pong: %v", err)
	}
	if _, err := r.Receive(&ServerMessage{Type: MsgError, Code: "forbidden", Message: "the token is not valid"}); err == nil {
		t.Fatal("a forbidden error without a cid was taken for nothing")
	}
}

func TestDifferentNumbers(t *testing.T) {
	var a sim.Indicators
	for i := range a {
		a[i] = float64(i) + 0.1
	}
	b := a
	if d := DifferentNumbers(&a, &b); len(d) != 0 {
		t.Fatalf("DifferentNumbers of equal indicators: %v", d)
	}
	k := sim.IndicatorKeys()[3]
	b[3] = math.Nextafter(b[3], math.Inf(1)) // one ULP
	if d := DifferentNumbers(&a, &b); len(d) != 1 || d[0] != k {
		t.Fatalf("DifferentNumbers with one ULP off in %s: %v", k, d)
	}
	b = a
	a[0], b[0] = 0, math.Copysign(0, -1) // 0 == -0, but not the same bits
	if d := DifferentNumbers(&a, &b); len(d) != 1 {
		t.Fatalf("DifferentNumbers of 0 and -0: %v", d)
	}
}

// TestReplicaPacesAndRequeues: with a window, a long outbox goes a few at a
// time after the welcome, the rest as answers come; a transient refusal
// keeps its command at its place and holds the outbox until Flush, which
// sends the refused command before those made after it.
func TestReplicaPacesAndRequeues(t *testing.T) {
	r := NewReplica("t-")
	r.SetWindow(2)
	r.SetRequeue(true)
	var cids []string
	for i := 0; i < 5; i++ {
		text := fmt.Sprint("c", i)
		cid, out := r.Send(ClientMessage{Type: "comment", Proposal: "p1", Text: text})
		if len(out) != 0 {
			t.Fatalf("sent offline: %v", out)
		}
		cids = append(cids, cid)
	}
	r.Hello("tok")
	got, err := r.Receive(&ServerMessage{Type: MsgWelcome, Actor: "u1", Role: "participant"})
	if err != nil {
		t.Fatal(err)
	}
	if texts(got.Send) != "c0 c1" {
		t.Fatalf("after the welcome sent %q, want the window's c0 c1", texts(got.Send))
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgAck, Cid: cids[0], Seq: 1})
	if texts(got.Send) != "c2" {
		t.Fatalf("after c0's ack sent %q, want c2", texts(got.Send))
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgError, Cid: cids[1], Code: "rate_limited", Message: "slow down"})
	if got.Answer == nil || !got.Answer.Requeued || len(got.Send) != 0 || !r.Held() {
		t.Fatalf("c1 refused for a while: answer %+v, sent %q, held %v", got.Answer, texts(got.Send), r.Held())
	}
	if texts(r.Outbox()) != "c1 c2 c3 c4" {
		t.Fatalf("the outbox after c1's refusal: %q", texts(r.Outbox()))
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgAck, Cid: cids[2], Seq: 2})
	if len(got.Send) != 0 {
		t.Fatalf("sent %q while held", texts(got.Send))
	}
	if s := texts(r.Flush()); s != "c1 c3" {
		t.Fatalf("Flush sent %q, want the refused c1 first, then c3", s)
	}
	if r.Held() {
		t.Fatal("still held after Flush")
	}
}

// TestReplicaAnswerKeepsWhy: a refused proposal's answer keeps the edit
// and the core's message the server sent, for the page to say.
func TestReplicaAnswerKeepsWhy(t *testing.T) {
	r := NewReplica("t-")
	cid, _ := r.Send(ClientMessage{Type: "propose", Name: str("X"), Edits: json.RawMessage(parkEdit)})
	r.Hello("tok")
	if _, err := r.Receive(&ServerMessage{Type: MsgWelcome, Actor: "u1", Role: "participant"}); err != nil {
		t.Fatal(err)
	}
	why := &sim.Message{Code: "retrofit.level", Args: []any{"total"}, Text: `level "total" must be "light" or "deep"`}
	m := ErrorMessage(cid, EditRefusal(0, "retrofit", "level", errors.New(why.Text)))
	m.Why = why
	got, err := r.Receive(m)
	if err != nil || got.Answer == nil || got.Answer.Err == nil {
		t.Fatalf("answer %+v, %v", got.Answer, err)
	}
	if e := got.Answer.Err; e.Code != CodeInvalidEdit || e.Edit != 0 || e.Field != "level" || e.Why != why {
		t.Fatalf("answer's error %+v, want invalid_edit of edit 0 (level) with the why", e)
	}
}

// TestReplicaFlushWaitsForTheCommandsInFlight: Flush while commands sent
// after the refused one are still unanswered sends nothing; they may be
// refused too (the server refuses a connection's commands after a refused
// one until it comes again), and the retries go, in the order made, with
// the last answer. A Flush that sent the refused command at once, and the
// commands made since with it, let those overtake the refused ones still
// in flight.
func TestReplicaFlushWaitsForTheCommandsInFlight(t *testing.T) {
	r := NewReplica("t-")
	r.SetWindow(3)
	r.SetRequeue(true)
	var cids []string
	for i := 0; i < 3; i++ {
		cid, _ := r.Send(ClientMessage{Type: "comment", Proposal: "p1", Text: fmt.Sprint("c", i)})
		cids = append(cids, cid)
	}
	r.Hello("tok")
	got, _ := r.Receive(&ServerMessage{Type: MsgWelcome, Actor: "u1", Role: "participant"})
	if texts(got.Send) != "c0 c1 c2" {
		t.Fatalf("after the welcome sent %q", texts(got.Send))
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgError, Cid: cids[0], Code: CodeRateLimited})
	if len(got.Send) != 0 || !r.Held() {
		t.Fatalf("c0 refused: sent %q, held %v", texts(got.Send), r.Held())
	}
	r.Send(ClientMessage{Type: "comment", Proposal: "p1", Text: "c3"}) // made while held
	if s := texts(r.Flush()); s != "" {
		t.Fatalf("Flush with c1 and c2 in flight sent %q: it must wait for their answers", s)
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgError, Cid: cids[1], Code: CodeRateLimited})
	if len(got.Send) != 0 {
		t.Fatalf("with c2 in flight sent %q", texts(got.Send))
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgError, Cid: cids[2], Code: CodeRateLimited})
	if texts(got.Send) != "c0 c1 c2" || r.Held() {
		t.Fatalf("the last answer sent %q (held %v), want the refused c0 c1 c2 in order", texts(got.Send), r.Held())
	}
	got, _ = r.Receive(&ServerMessage{Type: MsgAck, Cid: cids[0], Seq: 5})
	if texts(got.Send) != "c3" {
		t.Fatalf("after c0's ack sent %q, want c3", texts(got.Send))
	}
}

// texts lists the texts of the commands sent, in order.
func texts(ms []ClientMessage) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Text)
	}
	return strings.Join(s, " ")
}
