package workshop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomSession drives a workshop with commands chosen by the bytes of
// program: each command's type, actor and arguments. Refused commands are
// skipped. It checks the invariants after every accepted event.
func randomSession(t testing.TB, rule byte, program []byte) *session {
	v := []Voting{{Rule: RuleSingle}, {Rule: RuleApproval}, {Rule: RuleDots, Dots: 4}}[int(rule)%3]
	w := newSession(t, v)
	pos := 0
	next := func() int {
		if pos >= len(program) {
			return 0
		}
		pos++
		return int(program[pos-1])
	}
	pick := func(ids []string) string {
		if len(ids) == 0 {
			return "p0"
		}
		return ids[next()%len(ids)]
	}
	var people, props []string
	for step := 0; pos < len(program) && step < 1500; step++ {
		actor := FacilitatorID
		if len(people) > 0 && next()%8 != 0 {
			actor = pick(people)
		}
		c := Command{Cid: fmt.Sprintf("c%d", step)}
		if next()%8 == 0 {
			c.Cid = "c0" // a retried message id
		}
		switch next() % 15 {
		case 0:
			c.Type, c.Name = "join", str(fmt.Sprintf("n%d", step))
		case 1:
			c.Type, c.Name, c.Edits = "propose", str("x"), json.RawMessage(parkEdit)
		case 2:
			c.Type, c.Proposal, c.Name = "update", pick(props), str("y")
		case 3:
			c.Type, c.Proposal = "withdraw", pick(props)
		case 4:
			c.Type, c.Proposal, c.Text = "comment", pick(props), "t"
		case 5, 6, 7, 13, 14:
			c.Type, c.Proposal, c.Dots = "vote", pick(props), next()%6
		case 8:
			c.Type, c.Proposal = "unvote", pick(props)
		case 9:
			actor, c.Type, c.Phase = FacilitatorID, "phase", Phases[next()%len(Phases)]
		case 10:
			c.Type, c.Proposal = "spotlight", pick(props)
		case 11:
			c.Type, c.Locked = "lock", str2b(next()%5 == 0)
		case 12:
			c.Type = []string{"leave", "erase_name", "timer"}[next()%3]
			sec := next()
			c.Seconds = &sec
		}
		e, err := w.try(actor, c)
		if err != nil {
			if debugRefusals != nil {
				debugRefusals[c.Type+" "+code(err)]++
			}
			continue
		}
		switch e.Type {
		case EvJoined:
			people = append(people, e.Participant)
		case EvProposalCreated:
			props = append(props, e.Proposal)
		}
		checkInvariants(t, w)
	}
	return w
}

var debugRefusals map[string]int

// recount derives every tally from the log alone, independently of State.
func recount(log []*Event) (tally map[string]int, perVoter map[string]map[string]int) {
	rule := log[0].Voting.Rule
	perVoter = map[string]map[string]int{}
	withdrawn := map[string]bool{}
	for _, e := range log {
		switch e.Type {
		case EvProposalWithdrawn:
			withdrawn[e.Proposal] = true
		case EvVoteCast, EvVoteChanged:
			if perVoter[e.Actor] == nil || rule == RuleSingle {
				perVoter[e.Actor] = map[string]int{}
			}
			perVoter[e.Actor][e.Proposal] = e.Dots
		case EvVoteWithdrawn:
			delete(perVoter[e.Actor], e.Proposal)
		}
	}
	tally = map[string]int{}
	for _, votes := range perVoter {
		for p, d := range votes {
			if !withdrawn[p] {
				tally[p] += d
			}
		}
	}
	return tally, perVoter
}

func checkInvariants(t testing.TB, w *session) {
	t.Helper()
	for i, e := range w.log {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has sequence number %d: not dense", i+1, e.Seq)
		}
	}
	if w.s.Seq != int64(len(w.log)) {
		t.Fatalf("state at %d after %d events", w.s.Seq, len(w.log))
	}
	tally, perVoter := recount(w.log)
	for _, p := range w.s.Proposals() {
		if got := w.s.Tally(p.ID); got != tally[p.ID] {
			t.Fatalf("tally of %s is %d, recount from the log %d", p.ID, got, tally[p.ID])
		}
	}
	for who, votes := range perVoter {
		live, dots := 0, 0
		for p, d := range votes {
			if q, _ := w.s.Proposal(p); !q.Withdrawn {
				live++
				dots += d
			}
		}
		switch w.s.Voting.Rule {
		case RuleSingle:
			if len(votes) > 1 {
				t.Fatalf("participant %s has %d votes under the single rule", who, len(votes))
			}
		case RuleDots:
			if dots > w.s.Voting.Dots {
				t.Fatalf("participant %s gave %d dots of %d", who, dots, w.s.Voting.Dots)
			}
		}
	}
	seen := map[string]bool{}
	for _, e := range w.log {
		if e.Cid == "" {
			continue
		}
		k := e.Actor + "\x00" + e.Cid
		if seen[k] {
			t.Fatalf("command %q of %s applied twice", e.Cid, e.Actor)
		}
		seen[k] = true
	}
}

func FuzzSession(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 8; i++ {
		prog := make([]byte, 200+r.IntN(600))
		for j := range prog {
			prog[j] = byte(r.IntN(256))
		}
		f.Add(byte(i), prog)
	}
	f.Fuzz(func(t *testing.T, rule byte, program []byte) {
		w := randomSession(t, rule, program)
		checkReplay(t, w)
	})
}

// TestRandomSessions runs seeded random sessions (the seed is printed on
// failure), so the invariants are checked on every test run.
func TestRandomSessions(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		prog := make([]byte, 8000)
		for j := range prog {
			prog[j] = byte(r.IntN(256))
		}
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			w := randomSession(t, byte(seed), prog)
			checkReplay(t, w)
		})
	}
}

func FuzzDecodeClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","token":"u2.abc","since":17}`,
		`{"type":"propose","cid":"c-1","name":"Parc","edits":[{"op":"park"}]}`,
		`{"type":"vote","cid":"c-2","proposal":"p4","dots":2}`,
		`{"type":"lock","cid":"c","locked":true}`,
		`{"type":"timer","cid":"c","seconds":300}`,
		`{"type":"hello","since":-1}`, `{"type":"vote"}`, `[]`, `{"type":"x","extra":1}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeClientMessage(data)
		if err != nil {
			return
		}
		// A decoded message encodes and decodes to itself.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := DecodeClientMessage(b)
		if err != nil {
			t.Fatalf("re-encoded %s: %v", b, err)
		}
		b2, _ := json.Marshal(m2)
		if string(b) != string(b2) {
			t.Fatalf("round trip differs: %s vs %s", b, b2)
		}
		if m.Type != "hello" && (m.Cid == "" || len(m.Cid) > MaxCid) {
			t.Fatalf("command without a valid cid accepted: %q", data)
		}
	})
}

func FuzzDecodeServerMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"ack","cid":"c-1","seq":5,"proposal":"p5"}`,
		`{"type":"error","cid":"c-1","code":"invalid_edit","message":"m","edit":2,"field":"area"}`,
		`{"type":"error","cid":"c-1","code":"invalid_edit","message":"m","edit":0,"why":{"code":"a","args":["x",1,{"value":2,"places":1},{"code":"b","args":[{"text":"c"}],"text":"b"}],"text":"a"}}`,
		`{"type":"event","seq":3,"event":{"seq":3,"type":"comment","actor":"u2","proposal":"p3","text":"hi"}}`,
		`{"type":"snapshot","seq":2,"state":{"seq":2,"title":"t","city":"eixample","phase":"vote","voting":{"rule":"single"},"participants":[],"proposals":[]}}`,
		`{"type":"welcome","actor":"u2","role":"participant","seq":9}`,
		`{"type":"event","seq":3}`, `{}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeServerMessage(data)
		if err != nil {
			return
		}
		if m.Type == MsgEvent && (m.Event == nil || m.Event.Seq != m.Seq) {
			t.Fatalf("event message accepted without a matching event: %q", data)
		}
		if m.Why != nil {
			// Only an error keeps a why, and a kept one reads back the same.
			if m.Type != MsgError {
				t.Fatalf("a %s message kept its why: %q", m.Type, data)
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("a decoded message does not encode: %v", err)
			}
			again, err := DecodeServerMessage(b)
			if err != nil || !reflect.DeepEqual(again.Why, m.Why) {
				t.Fatalf("why %#v read back as %#v (%v) from %s", m.Why, again, err, b)
			}
		}
		if m.Type == MsgSnapshot {
			// A snapshot either rebuilds a state or is refused; never a panic.
			if s, err := FromView(m.State, nil); err == nil {
				_ = s.View()
			}
		}
	})
}

// FuzzVerifyLog: VerifyLog never panics, and a log it accepts replays to a
// state whose sequence number is its last entry's.
func FuzzVerifyLog(f *testing.F) {
	w := randomSession(f, 1, []byte("seed program for the log: join, propose, vote and more"))
	var entries []LogEntry
	prev := GenesisHash
	for _, e := range w.log {
		rec, _ := e.Record()
		prev = ChainHash(prev, rec)
		entries = append(entries, LogEntry{Seq: e.Seq, Hash: prev, Event: rec})
	}
	var b bytes.Buffer
	WriteLog(&b, "w1", entries)
	f.Add(b.Bytes())
	f.Add([]byte(`{"barri_log":1,"workshop":"x","genesis":"` + GenesisHash + `","events":[]}`))
	f.Add([]byte(`{"barri_log":1,"events":[{"seq":1,"hash":"00","event":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, st, err := VerifyLog(data)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("error of another type: %v", err)
			}
			return
		}
		if st.Seq < 1 {
			t.Fatalf("accepted a log with no events")
		}
	})
}

func TestVerifyLogNamesTheBrokenEvent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	prog := make([]byte, 2000)
	for j := range prog {
		prog[j] = byte(r.IntN(256))
	}
	w := randomSession(t, 2, prog)
	var entries []LogEntry
	prev := GenesisHash
	for _, e := range w.log {
		rec, _ := e.Record()
		prev = ChainHash(prev, rec)
		entries = append(entries, LogEntry{Seq: e.Seq, Hash: prev, Event: rec})
	}
	var b bytes.Buffer
	WriteLog(&b, "w1", entries)
	if _, _, err := VerifyLog(b.Bytes()); err != nil {
		t.Fatalf("a good log: %v", err)
	}
	if len(entries) < 5 {
		t.Fatalf("only %d events", len(entries))
	}
	for seq := int64(1); seq <= int64(len(entries)); seq++ {
		lines := bytes.Split(bytes.Clone(b.Bytes()), []byte("\n"))
		line := lines[seq] // line 0 is the header
		i := bytes.Index(line, []byte(`"type":"`)) + len(`"type":"`)
		line[i] ^= 0x01
		_, _, err := VerifyLog(bytes.Join(lines, []byte("\n")))
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Seq != seq {
			t.Fatalf("a byte changed in event %d: %v", seq, err)
		}
	}
	// A dropped event breaks the chain at the next one.
	lines := bytes.Split(b.Bytes(), []byte("\n"))
	dropped := append(append([][]byte{}, lines[:3]...), lines[4:]...)
	if _, _, err := VerifyLog(bytes.Join(dropped, []byte("\n"))); err == nil || !strings.Contains(err.Error(), "event 3") {
		t.Fatalf("a dropped event: %v", err)
	}
}
