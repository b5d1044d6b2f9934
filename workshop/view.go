package workshop

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/barri-city/barri/sim"
)

// View is the derived state of a workshop as the HTTP API and snapshot
// messages send it (DESIGN.md §6): no tokens, no secrets. Ballots (who gave
// which proposal how many dots) are public, as they are in the log; Votes
// are the tallies derived from them.
type View struct {
	Seq          int64                     `json:"seq"`
	Title        string                    `json:"title"`
	City         string                    `json:"city"`
	Scenario     json.RawMessage           `json:"scenario,omitempty"`
	Phase        Phase                     `json:"phase"`
	Voting       Voting                    `json:"voting"`
	Spotlight    string                    `json:"spotlight"`
	Locked       bool                      `json:"locked"`
	Timer        *TimerView                `json:"timer"`
	Participants []ParticipantView         `json:"participants"`
	Proposals    []ProposalView            `json:"proposals"`
	Ballots      map[string]map[string]int `json:"ballots"`
}

// TimerView is the running timer.
type TimerView struct {
	Seconds   int   `json:"seconds"`
	StartedAt int64 `json:"started_at"`
}

// ParticipantView is a participant: id and display name (empty once erased).
type ParticipantView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	NameHash string `json:"name_hash"`
	Left     bool   `json:"left,omitempty"`
	Erased   bool   `json:"erased,omitempty"`
}

// ProposalView is a proposal with its tally and comments.
type ProposalView struct {
	ID          string          `json:"id"`
	Author      string          `json:"author"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Edits       json.RawMessage `json:"edits"`
	Indicators  *sim.Indicators `json:"indicators"`
	Delta       *sim.Indicators `json:"delta"`
	Votes       int             `json:"votes"`
	Withdrawn   bool            `json:"withdrawn,omitempty"`
	Version     int             `json:"version"`
	Comments    []CommentView   `json:"comments"`
}

// CommentView is a comment.
type CommentView struct {
	Seq    int64  `json:"seq"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// View returns the derived state. It shares nothing with s.
func (s *State) View() *View {
	v := &View{Seq: s.Seq, Title: s.Title, City: s.City, Scenario: clone(s.Scenario), Phase: s.Phase,
		Voting: s.Voting, Spotlight: s.Spotlight, Locked: s.Locked,
		Participants: []ParticipantView{}, Proposals: []ProposalView{}, Ballots: map[string]map[string]int{}}
	if s.Timer != nil {
		v.Timer = &TimerView{Seconds: s.Timer.Seconds, StartedAt: s.Timer.StartedAt}
	}
	for _, id := range s.partOrder {
		p := s.participants[id]
		v.Participants = append(v.Participants, ParticipantView{ID: p.ID, Name: p.Name, NameHash: p.NameHash, Left: p.Left, Erased: p.Erased})
		if len(s.votes[id]) > 0 {
			v.Ballots[id] = s.VotesOf(id)
		}
	}
	for _, id := range s.propOrder {
		p := s.proposals[id]
		pv := ProposalView{ID: p.ID, Author: p.Author, Name: p.Name, Description: p.Description, Edits: clone(p.Edits),
			Indicators: p.Indicators, Delta: p.Delta, Votes: s.Tally(id), Withdrawn: p.Withdrawn, Version: p.Version,
			Comments: make([]CommentView, len(p.Comments))}
		for i, c := range p.Comments {
			pv.Comments[i] = CommentView{Seq: c.Seq, Author: c.Author, Text: c.Text}
		}
		v.Proposals = append(v.Proposals, pv)
	}
	return v
}

func clone(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

// Snapshot is the whole state, for a fast start: the view and the client
// message ids already applied.
type Snapshot struct {
	View
	Cids map[string]Done `json:"cids"`
}

// Snapshot returns the whole state.
func (s *State) Snapshot() *Snapshot {
	return &Snapshot{View: *s.View(), Cids: func() map[string]Done {
		m := make(map[string]Done, len(s.cids))
		for k, d := range s.cids {
			m[k] = d
		}
		return m
	}()}
}

// FromView rebuilds a state from a view (a replica's snapshot) or a whole
// snapshot (cids may be nil). It checks the view's consistency: every
// ballot names a participant and a proposal.
func FromView(v *View, cids map[string]Done) (*State, error) {
	if v.Seq < 1 {
		return nil, fmt.Errorf("workshop: snapshot at sequence number %d: a workshop starts at 1", v.Seq)
	}
	if err := v.Voting.Check(); err != nil {
		return nil, err
	}
	s := &State{Seq: v.Seq, Title: v.Title, City: v.City, Scenario: clone(v.Scenario), Voting: v.Voting, Phase: v.Phase,
		Spotlight: v.Spotlight, Locked: v.Locked,
		participants: map[string]*Participant{}, proposals: map[string]*Proposal{}, byAuthor: map[string]int{},
		votes: map[string]map[string]int{}, cids: map[string]Done{}}
	if !validPhase(v.Phase) {
		return nil, fmt.Errorf("workshop: snapshot: unknown phase %q", v.Phase)
	}
	if v.Timer != nil {
		s.Timer = &Timer{Seconds: v.Timer.Seconds, StartedAt: v.Timer.StartedAt}
	}
	for _, p := range v.Participants {
		if !strings.HasPrefix(p.ID, "u") || s.participants[p.ID] != nil {
			return nil, fmt.Errorf("workshop: snapshot: participant id %q is malformed or repeated", p.ID)
		}
		s.participants[p.ID] = &Participant{ID: p.ID, Name: p.Name, NameHash: p.NameHash, Left: p.Left, Erased: p.Erased}
		s.partOrder = append(s.partOrder, p.ID)
	}
	for _, p := range v.Proposals {
		if !strings.HasPrefix(p.ID, "p") || s.proposals[p.ID] != nil {
			return nil, fmt.Errorf("workshop: snapshot: proposal id %q is malformed or repeated", p.ID)
		}
		q := &Proposal{ID: p.ID, Author: p.Author, Name: p.Name, Description: p.Description, Edits: clone(p.Edits),
			Indicators: p.Indicators, Delta: p.Delta, Withdrawn: p.Withdrawn, Version: p.Version}
		for _, c := range p.Comments {
			q.Comments = append(q.Comments, Comment{Seq: c.Seq, Author: c.Author, Text: c.Text})
		}
		s.proposals[p.ID] = q
		s.propOrder = append(s.propOrder, p.ID)
		s.byAuthor[p.Author]++
	}
	for _, who := range sortedKeys(v.Ballots) {
		if s.participants[who] == nil {
			return nil, fmt.Errorf("workshop: snapshot: ballot of unknown participant %q", who)
		}
		m := map[string]int{}
		for _, prop := range sortedKeys(v.Ballots[who]) {
			d := v.Ballots[who][prop]
			if s.proposals[prop] == nil || d < 1 {
				return nil, fmt.Errorf("workshop: snapshot: participant %s's ballot names proposal %q with %d dots", who, prop, d)
			}
			m[prop] = d
		}
		s.votes[who] = m
	}
	for k, d := range cids {
		s.cids[k] = d
	}
	return s, nil
}
