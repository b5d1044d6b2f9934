package workshop

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/barri-city/barri/sim"
)

// session is a workshop under test with the log of its events.
type session struct {
	t   testing.TB
	s   *State
	log []*Event
}

const parkEdit = `[{"op":"park","area":{"type":"Polygon","coordinates":[[[2.160,41.390],[2.161,41.390],[2.161,41.391],[2.160,41.391],[2.160,41.390]]]}}]`

func newSession(t testing.TB, v Voting) *session {
	w := &session{t: t, s: &State{}}
	e := &Event{Seq: 1, Type: EvCreated, Title: "Taller de l'Esquerra", City: "eixample", Voting: &v}
	if err := w.s.Apply(e); err != nil {
		t.Fatalf("create: %v", err)
	}
	w.log = append(w.log, e)
	return w
}

// try decides and applies a command, returning the refusal if any.
func (w *session) try(actor string, c Command) (*Event, error) {
	e, err := w.s.Decide(actor, &c)
	if err != nil {
		return nil, err
	}
	if e.Type == EvJoined {
		e.NameHash = NameHash([]byte("salt"), e.DisplayName)
	}
	if err := w.s.Apply(e); err != nil {
		w.t.Fatalf("Decide accepted %+v but Apply refused it: %v", c, err)
	}
	w.log = append(w.log, e)
	return e, nil
}

func (w *session) do(actor string, c Command) *Event {
	w.t.Helper()
	e, err := w.try(actor, c)
	if err != nil {
		w.t.Fatalf("%s %s: %v", actor, c.Type, err)
	}
	return e
}

func (w *session) join(name string) string {
	return w.do("", Command{Type: "join", Name: &name}).Participant
}

func (w *session) phase(p Phase) { w.do(FacilitatorID, Command{Type: "phase", Phase: p}) }

func (w *session) propose(actor, name string) string {
	return w.do(actor, Command{Type: "propose", Cid: "c-" + name, Name: &name, Edits: json.RawMessage(parkEdit)}).Proposal
}

func str(s string) *string { return &s }

func code(err error) string {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	if err == nil {
		return ""
	}
	return "?" + err.Error()
}

func TestWholeWorkshop(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleDots, Dots: 3})
	ana, bo := w.join("Ana"), w.join("Bo <b>")
	w.phase(PhasePropose)
	p1 := w.propose(ana, "Parc")
	p2 := w.propose(bo, "Parc 2")
	w.do(bo, Command{Type: "comment", Cid: "k1", Proposal: p1, Text: "M'agrada\nmolt"})
	w.phase(PhaseDiscuss)
	w.do(ana, Command{Type: "update", Cid: "u1", Proposal: p1, Name: str("Parc gran")})
	w.phase(PhaseVote)
	w.do(ana, Command{Type: "vote", Cid: "v1", Proposal: p1, Dots: 2})
	w.do(ana, Command{Type: "vote", Cid: "v2", Proposal: p2, Dots: 1})
	w.do(bo, Command{Type: "vote", Cid: "v1", Proposal: p1, Dots: 3})
	w.do(bo, Command{Type: "vote", Cid: "v2", Proposal: p1, Dots: 1})
	w.phase(PhaseResults)
	v := w.s.View()
	if v.Proposals[0].Votes != 3 || v.Proposals[1].Votes != 1 {
		t.Errorf("tallies %d, %d; want 3, 1", v.Proposals[0].Votes, v.Proposals[1].Votes)
	}
	if v.Proposals[0].Name != "Parc gran" || v.Proposals[0].Version != 2 || len(v.Proposals[0].Comments) != 1 {
		t.Errorf("proposal 1 = %+v", v.Proposals[0])
	}
	if v.Participants[1].Name != "Bo <b>" {
		t.Errorf("name %q, want the literal text", v.Participants[1].Name)
	}
	if v.Seq != int64(len(w.log)) {
		t.Errorf("seq %d after %d events", v.Seq, len(w.log))
	}
	checkReplay(t, w)
}

func TestRules(t *testing.T) {
	type setup struct {
		w        *session
		ana, bo  string
		p1, p2   string
		withdraw string
	}
	mk := func(t *testing.T, v Voting, phase Phase) *setup {
		w := newSession(t, v)
		st := &setup{w: w, ana: w.join("Ana"), bo: w.join("Bo")}
		w.phase(PhasePropose)
		st.p1, st.p2 = w.propose(st.ana, "A"), w.propose(st.bo, "B")
		st.withdraw = w.propose(st.bo, "C")
		w.do(st.bo, Command{Type: "withdraw", Cid: "w", Proposal: st.withdraw})
		if phase != PhasePropose {
			w.phase(phase)
		}
		return st
	}
	tests := []struct {
		name  string
		rule  Voting
		phase Phase
		// prep runs first (must succeed); then actor's command must be refused with code.
		prep  func(s *setup)
		actor func(s *setup) string
		cmd   func(s *setup) Command
		code  string
	}{
		{"participant cannot change phase", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "phase", Cid: "x", Phase: PhaseVote} }, CodeForbidden},
		{"participant cannot spotlight", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "spotlight", Cid: "x", Proposal: s.p1} }, CodeForbidden},
		{"participant cannot lock", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "lock", Cid: "x", Locked: new(bool)} }, CodeForbidden},
		{"participant cannot run the timer", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { sec := 60; return Command{Type: "timer", Cid: "x", Seconds: &sec} }, CodeForbidden},
		{"projector cannot comment", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return ProjectorID }, func(s *setup) Command { return Command{Type: "comment", Cid: "x", Proposal: s.p1, Text: "hi"} }, CodeForbidden},
		{"unknown actor cannot propose", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return "u999" }, func(s *setup) Command {
				return Command{Type: "propose", Cid: "x", Name: str("X"), Edits: json.RawMessage(parkEdit)}
			}, CodeForbidden},
		{"cannot update another's proposal", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "update", Cid: "x", Proposal: s.p2, Name: str("mine")} }, CodeForbidden},
		{"cannot withdraw another's proposal", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "withdraw", Cid: "x", Proposal: s.p2} }, CodeForbidden},
		{"cannot propose outside the propose phase", Voting{Rule: RuleSingle}, PhaseDiscuss, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command {
				return Command{Type: "propose", Cid: "x", Name: str("X"), Edits: json.RawMessage(parkEdit)}
			}, CodePhase},
		{"cannot vote before the vote phase", Voting{Rule: RuleSingle}, PhaseDiscuss, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p1} }, CodePhase},
		{"cannot vote after voting closes", Voting{Rule: RuleSingle}, PhaseResults, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p1} }, CodePhase},
		{"facilitator cannot vote", Voting{Rule: RuleSingle}, PhaseVote, nil,
			func(s *setup) string { return FacilitatorID }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p1} }, CodeForbidden},
		{"single: cannot vote twice for one proposal", Voting{Rule: RuleSingle}, PhaseVote,
			func(s *setup) { s.w.do(s.ana, Command{Type: "vote", Cid: "v", Proposal: s.p1}) },
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p1} }, CodeDuplicate},
		{"single: dots are refused", Voting{Rule: RuleSingle}, PhaseVote, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p1, Dots: 2} }, CodeInvalid},
		{"approval: cannot vote twice for one proposal", Voting{Rule: RuleApproval}, PhaseVote,
			func(s *setup) { s.w.do(s.ana, Command{Type: "vote", Cid: "v", Proposal: s.p1}) },
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p1} }, CodeDuplicate},
		{"dots: cannot go beyond the dots", Voting{Rule: RuleDots, Dots: 3}, PhaseVote,
			func(s *setup) { s.w.do(s.ana, Command{Type: "vote", Cid: "v", Proposal: s.p1, Dots: 2}) },
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p2, Dots: 2} }, CodeLimit},
		{"dots: more than the rule in one vote", Voting{Rule: RuleDots, Dots: 3}, PhaseVote, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.p2, Dots: 4} }, CodeInvalid},
		{"cannot vote for a withdrawn proposal", Voting{Rule: RuleApproval}, PhaseVote, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: s.withdraw} }, CodeNotFound},
		{"cannot vote for a missing proposal", Voting{Rule: RuleApproval}, PhaseVote, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "vote", Cid: "x", Proposal: "p999"} }, CodeNotFound},
		{"cannot unvote without a vote", Voting{Rule: RuleApproval}, PhaseVote, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "unvote", Cid: "x", Proposal: s.p1} }, CodeNotFound},
		{"same cid twice is applied once", Voting{Rule: RuleApproval}, PhaseDiscuss,
			func(s *setup) { s.w.do(s.ana, Command{Type: "comment", Cid: "same", Proposal: s.p1, Text: "one"}) },
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "comment", Cid: "same", Proposal: s.p1, Text: "one"} }, CodeDuplicate},
		{"locked map refuses proposals", Voting{Rule: RuleSingle}, PhasePropose,
			func(s *setup) { s.w.do(FacilitatorID, Command{Type: "lock", Cid: "l", Locked: str2b(true)}) },
			func(s *setup) string { return s.ana }, func(s *setup) Command {
				return Command{Type: "propose", Cid: "x", Name: str("X"), Edits: json.RawMessage(parkEdit)}
			}, CodeLocked},
		{"locked workshop refuses joins", Voting{Rule: RuleSingle}, PhasePropose,
			func(s *setup) { s.w.do(FacilitatorID, Command{Type: "lock", Cid: "l", Locked: str2b(true)}) },
			func(s *setup) string { return "" }, func(s *setup) Command { return Command{Type: "join", Name: str("Late")} }, CodeLocked},
		{"a participant who left cannot act", Voting{Rule: RuleSingle}, PhasePropose,
			func(s *setup) { s.w.do(s.ana, Command{Type: "leave", Cid: "bye"}) },
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "comment", Cid: "x", Proposal: s.p2, Text: "hi"} }, CodeForbidden},
		{"comment with a control character", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "comment", Cid: "x", Proposal: s.p2, Text: "a\x1b[2Jb"} }, CodeInvalid},
		{"comment too long", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command {
				return Command{Type: "comment", Cid: "x", Proposal: s.p2, Text: strings.Repeat("é", MaxComment+1)}
			}, CodeLimit},
		{"empty comment", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command { return Command{Type: "comment", Cid: "x", Proposal: s.p2, Text: "  \n "} }, CodeInvalid},
		{"display name too long", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return "" }, func(s *setup) Command { return Command{Type: "join", Name: str(strings.Repeat("n", MaxDisplayName+1))} }, CodeLimit},
		{"display name with a line break", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return "" }, func(s *setup) Command { return Command{Type: "join", Name: str("a\nb")} }, CodeInvalid},
		{"too many edits", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command {
				many := "[" + strings.Repeat(`{"op":"param","name":"car_cost_eur_km","value":0.3},`, MaxEditsPerProposal) + `{"op":"param","name":"car_cost_eur_km","value":0.3}]`
				return Command{Type: "propose", Cid: "x", Name: str("X"), Edits: json.RawMessage(many)}
			}, CodeLimit},
		{"an unknown op names the edit", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command {
				return Command{Type: "propose", Cid: "x", Name: str("X"), Edits: json.RawMessage(`[{"op":"park","area":` + parkArea + `},{"op":"teleport"}]`)}
			}, CodeInvalidEdit},
		{"no edits", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return s.ana }, func(s *setup) Command {
				return Command{Type: "propose", Cid: "x", Name: str("X"), Edits: json.RawMessage(`[]`)}
			}, CodeLimit},
		{"phase to itself", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return FacilitatorID }, func(s *setup) Command { return Command{Type: "phase", Cid: "x", Phase: PhasePropose} }, CodeDuplicate},
		{"unknown phase", Voting{Rule: RuleSingle}, PhasePropose, nil,
			func(s *setup) string { return FacilitatorID }, func(s *setup) Command { return Command{Type: "phase", Cid: "x", Phase: "party"} }, CodeInvalid},
		{"erase a name twice", Voting{Rule: RuleSingle}, PhasePropose,
			func(s *setup) { s.w.do(s.bo, Command{Type: "erase_name", Cid: "e"}) },
			func(s *setup) string { return s.bo }, func(s *setup) Command { return Command{Type: "erase_name", Cid: "x"} }, CodeDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mk(t, tt.rule, tt.phase)
			if tt.prep != nil {
				tt.prep(s)
			}
			before := s.w.s.View()
			_, err := s.w.try(tt.actor(s), tt.cmd(s))
			if got := code(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if !reflect.DeepEqual(before, s.w.s.View()) {
				t.Errorf("a refused command changed the state")
			}
		})
	}
}

const parkArea = `{"type":"Polygon","coordinates":[[[2.160,41.390],[2.161,41.390],[2.161,41.391],[2.160,41.391],[2.160,41.390]]]}`

func str2b(b bool) *bool { return &b }

func TestEditRefusalNamesTheEdit(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	w.phase(PhasePropose)
	_, err := w.try(ana, Command{Type: "propose", Cid: "x", Name: str("X"),
		Edits: json.RawMessage(`[{"op":"park","area":` + parkArea + `},{"op":"solar","area":` + parkArea + `,"roof_coverage":7}]`)})
	m := ErrorMessage("x", err)
	if m.Code != CodeInvalidEdit || m.Edit == nil || *m.Edit != 1 || m.Field != "roof_coverage" || !strings.Contains(m.Message, "edit 1 (solar)") {
		t.Fatalf("error message %+v, want invalid_edit naming edit 1 (solar)", m)
	}
	// The core's message goes with it, for a client to say in Catalan or
	// Spanish, and comes out of the wire's decoder the same.
	want := &sim.Message{Code: "field.range", Args: []any{"roof_coverage", 7.0, 0.0, 1.0}, Text: "roof_coverage = 7 is outside 0..1"}
	if !reflect.DeepEqual(m.Why, want) || !strings.HasSuffix(m.Message, ": "+want.Text) {
		t.Fatalf("why %#v, want %#v at the end of %q", m.Why, want, m.Message)
	}
	data, _ := json.Marshal(m)
	got, err := DecodeServerMessage(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Why, want) || got.Message != m.Message {
		t.Fatalf("decoded %s as %+v", data, got)
	}
	// A refusal of the rules has no why; a refused text names its field.
	_, err = w.try(ana, Command{Type: "propose", Cid: "y", Name: str(strings.Repeat("n", MaxProposalName+1)), Edits: json.RawMessage(parkEdit)})
	if m := ErrorMessage("y", err); m.Code != CodeLimit || m.Why != nil || m.Field != "name" || m.Edit != nil {
		t.Fatalf("a long name's refusal %+v, want limit of the name, no why and no edit", m)
	}
	p := w.propose(ana, "P")
	_, err = w.try(ana, Command{Type: "comment", Cid: "z", Proposal: p, Text: "a‮b"})
	if m := ErrorMessage("z", err); m.Code != CodeInvalid || m.Field != "text" || !strings.Contains(m.Message, "U+202E") {
		t.Fatalf("a comment with a bidi override refused as %+v, want invalid of the text", m)
	}
}

func TestDecodeServerMessageWhy(t *testing.T) {
	const head = `{"type":"error","cid":"c","code":"invalid_edit","message":"m","why":`
	nested := head + `{"code":"a","args":["x",2.5,{"value":7,"places":1},{"code":"b","args":[{"code":"","text":"eof"}],"text":"b eof"}],"text":"a"}}`
	m, err := DecodeServerMessage([]byte(nested))
	if err != nil {
		t.Fatal(err)
	}
	want := &sim.Message{Code: "a", Text: "a", Args: []any{"x", 2.5, sim.Decimal{Value: 7, Places: 1},
		sim.Message{Code: "b", Text: "b eof", Args: []any{sim.Message{Text: "eof"}}}}}
	if !reflect.DeepEqual(m.Why, want) {
		t.Fatalf("why %#v, want %#v", m.Why, want)
	}
	deep := `{"code":"z","text":"z"}`
	for range maxWhyDepth + 1 {
		deep = `{"code":"z","args":[` + deep + `],"text":"z"}`
	}
	// A why not of the core's shape is dropped; the refusal stays.
	for _, bad := range []string{
		head + `{"code":"a","args":[true],"text":"a"}}`,
		head + `{"code":"a","args":[null],"text":"a"}}`,
		head + `{"code":"a","args":[["x"]],"text":"a"}}`,
		head + `{"code":"a","args":[{"value":1,"places":-1}],"text":"a"}}`,
		head + `{"code":"a","args":[{"value":"1","places":1}],"text":"a"}}`,
		head + `{"code":"a","args":[{"code":"b","text":"b","html":"<b>"}],"text":"a"}}`,
		head + `{"code":"` + strings.Repeat("c", 65) + `","text":"a"}}`,
		head + deep + `}`,
	} {
		m, err := DecodeServerMessage([]byte(bad))
		if err != nil || m.Why != nil || m.Code != CodeInvalidEdit || m.Message != "m" {
			t.Errorf("%s: decoded as %+v, %v; want the error without its why", bad, m, err)
		}
	}
	if m, err := DecodeServerMessage([]byte(`{"type":"ack","cid":"c","seq":3,"why":{"code":"a","text":"a"}}`)); err != nil || m.Why != nil {
		t.Errorf("an ack's why kept: %+v, %v", m, err)
	}
}

func TestSingleVoteReplaces(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	w.phase(PhasePropose)
	p1, p2 := w.propose(ana, "A"), w.propose(ana, "B")
	w.phase(PhaseVote)
	w.do(ana, Command{Type: "vote", Cid: "1", Proposal: p1})
	e := w.do(ana, Command{Type: "vote", Cid: "2", Proposal: p2})
	if e.Type != EvVoteChanged || w.s.Tally(p1) != 0 || w.s.Tally(p2) != 1 {
		t.Fatalf("second vote %s; tallies %d, %d; want vote_changed, 0, 1", e.Type, w.s.Tally(p1), w.s.Tally(p2))
	}
	checkReplay(t, w)
}

func TestEraseNameKeepsTheHash(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	p, _ := w.s.Participant(ana)
	hash := p.NameHash
	w.do(ana, Command{Type: "erase_name", Cid: "e"})
	if p.Name != "" || p.NameHash != hash || !p.Erased {
		t.Fatalf("after erase: %+v", p)
	}
	rec, _ := w.log[1].Record()
	if strings.Contains(string(rec), "Ana") {
		t.Fatalf("the hashed record holds the name: %s", rec)
	}
}

// TestLeftParticipantCanEraseName: leaving does not take away the right to
// erase one's name; no one else may erase it.
func TestLeftParticipantCanEraseName(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	w.do(ana, Command{Type: "leave", Cid: "l"})
	if _, err := w.try(FacilitatorID, Command{Type: "erase_name", Cid: "x"}); code(err) != CodeForbidden {
		t.Fatalf("the facilitator erasing a name: %v, want forbidden", err)
	}
	w.do(ana, Command{Type: "erase_name", Cid: "e"})
	if p, _ := w.s.Participant(ana); p.Name != "" || !p.Erased || !p.Left {
		t.Fatalf("after leaving and erasing: %+v", p)
	}
	if _, err := w.try(ana, Command{Type: "leave", Cid: "l2"}); code(err) != CodeForbidden {
		t.Fatalf("leaving twice: %v, want forbidden", err)
	}
	checkReplay(t, w)
}

// TestProposalGrowthIsBounded: a proposal's edits are at most MaxEditBytes
// and it is updated at most MaxUpdates times.
func TestProposalGrowthIsBounded(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleSingle})
	ana := w.join("Ana")
	w.phase(PhasePropose)
	p := w.propose(ana, "P")
	var ring strings.Builder
	for i := 0; ring.Len() < MaxEditBytes; i++ {
		fmt.Fprintf(&ring, "[2.15%04d,41.388%d],", i, i%10)
	}
	big := `[{"op":"park","area":{"type":"Polygon","coordinates":[[` + ring.String() + `[2.150000,41.3880]]]}}]`
	if _, err := w.try(ana, Command{Type: "update", Cid: "big", Proposal: p, Edits: json.RawMessage(big)}); code(err) != CodeLimit {
		t.Fatalf("edits of %d bytes: %v, want limit", len(big), err)
	}
	for i := 0; i < MaxUpdates; i++ {
		w.do(ana, Command{Type: "update", Cid: fmt.Sprint("u", i), Proposal: p, Name: str(fmt.Sprint("P", i))})
	}
	if _, err := w.try(ana, Command{Type: "update", Cid: "one more", Proposal: p, Name: str("Q")}); code(err) != CodeLimit {
		t.Fatalf("update %d: %v, want limit", MaxUpdates+1, err)
	}
	checkReplay(t, w)
}

// checkReplay applies the log to a fresh state and rebuilds the state from
// its view: both must give the same view.
func checkReplay(t testing.TB, w *session) {
	t.Helper()
	r := &State{}
	for _, e := range w.log {
		if err := r.Apply(e); err != nil {
			t.Fatalf("replay of event %d: %v", e.Seq, err)
		}
	}
	want := w.s.View()
	if got := r.View(); !reflect.DeepEqual(got, want) {
		t.Fatalf("replay differs")
	}
	f, err := FromView(want, nil)
	if err != nil {
		t.Fatalf("FromView: %v", err)
	}
	if got := f.View(); !reflect.DeepEqual(got, want) {
		t.Fatalf("FromView(View()) differs")
	}
	// The JSON round trip of a view is lossless.
	b, _ := json.Marshal(want)
	var back View
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Fatalf("view JSON round trip differs:\n%s\n%s", b, b2)
	}
}
