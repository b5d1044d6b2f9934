package workshop

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/barri-city/barri/sim"
)

// Phase is a stage of a workshop: explore, propose, discuss, vote, results.
type Phase string

// The phases, in their usual order.
const (
	PhaseExplore Phase = "explore"
	PhasePropose Phase = "propose"
	PhaseDiscuss Phase = "discuss"
	PhaseVote    Phase = "vote"
	PhaseResults Phase = "results"
)

// Phases lists the phases in order.
var Phases = []Phase{PhaseExplore, PhasePropose, PhaseDiscuss, PhaseVote, PhaseResults}

func validPhase(p Phase) bool {
	for _, q := range Phases {
		if p == q {
			return true
		}
	}
	return false
}

// Voting rules.
const (
	RuleSingle   = "single"   // one vote in all; a new vote replaces the old one
	RuleApproval = "approval" // at most one vote per proposal
	RuleDots     = "dots"     // Dots dots to spread over proposals
)

// Voting is a workshop's voting rule.
type Voting struct {
	Rule string `json:"rule"`
	Dots int    `json:"dots,omitempty"`
}

// Check reports whether the rule is one of single, approval or dots (with
// 1 to MaxDots dots).
func (v Voting) Check() error {
	switch v.Rule {
	case RuleSingle, RuleApproval:
		if v.Dots != 0 {
			return fmt.Errorf("workshop: voting: \"dots\" applies only to the dots rule")
		}
		return nil
	case RuleDots:
		if v.Dots < 1 || v.Dots > MaxDots {
			return fmt.Errorf("workshop: voting: the dots rule needs \"dots\" from 1 to %d, not %d", MaxDots, v.Dots)
		}
		return nil
	}
	return fmt.Errorf("workshop: voting: unknown rule %q: use single, approval or dots", v.Rule)
}

// Reserved actor ids. Participants get "u" followed by the sequence number
// of the event that made them join; proposals "p" followed by theirs.
const (
	FacilitatorID = "facilitator"
	ProjectorID   = "projector"
)

// Role is what an actor may do.
type Role int

// The roles.
const (
	RoleNone        Role = iota // the workshop itself (its creation)
	RoleFacilitator             // runs the workshop
	RoleParticipant             // proposes, comments, votes
	RoleProjector               // reads only
)

// String returns the role's name.
func (r Role) String() string {
	switch r {
	case RoleFacilitator:
		return "facilitator"
	case RoleParticipant:
		return "participant"
	case RoleProjector:
		return "projector"
	}
	return "none"
}

// Participant is someone who joined.
type Participant struct {
	ID       string
	Name     string // empty once erased
	NameHash string
	Left     bool
	Erased   bool
}

// Comment is a participant's comment on a proposal.
type Comment struct {
	Seq    int64
	Author string
	Text   string
}

// Proposal is a named list of edits with the server's indicators.
type Proposal struct {
	ID          string
	Author      string
	Name        string
	Description string
	Edits       json.RawMessage
	Indicators  *sim.Indicators
	Delta       *sim.Indicators
	Withdrawn   bool
	Comments    []Comment
	Version     int // 1 when created, +1 at each update
}

// Timer is the facilitator's countdown: Seconds from StartedAt (server time,
// milliseconds since 1970).
type Timer struct {
	Seconds   int
	StartedAt int64
}

// State is a workshop derived from its log. The zero State is a workshop
// before its creation event. Apply is the only way to change it.
type State struct {
	Seq       int64
	Title     string
	City      string
	Scenario  json.RawMessage
	Voting    Voting
	Phase     Phase
	Spotlight string
	Locked    bool
	Timer     *Timer

	participants map[string]*Participant
	partOrder    []string
	proposals    map[string]*Proposal
	propOrder    []string
	byAuthor     map[string]int // proposals created per author
	// votes[participant][proposal] is the dots a participant gives a
	// proposal (1 under single and approval). Tallies are sums over it.
	votes map[string]map[string]int
	// cids maps actor+"\x00"+cid to the sequence number of the event the
	// command made, for exactly-once application of retried commands.
	cids map[string]Done
}

// Done is the outcome of an applied command: the sequence number of its
// event, for propose the new proposal's id, and the command's Digest
// (empty for events stored before digests were kept).
type Done struct {
	Seq      int64
	Proposal string
	Cmd      string `json:",omitempty"`
}

// Same reports whether c is the command that was done (a retry), and not
// another command sent with the same cid. Without a kept digest it
// assumes so.
func (d Done) Same(c *Command) bool { return d.Cmd == "" || d.Cmd == c.Digest() }

// Participant returns a participant by id.
func (s *State) Participant(id string) (*Participant, bool) {
	p, ok := s.participants[id]
	return p, ok
}

// Proposal returns a proposal by id.
func (s *State) Proposal(id string) (*Proposal, bool) {
	p, ok := s.proposals[id]
	return p, ok
}

// Participants returns the participants in the order they joined.
func (s *State) Participants() []*Participant {
	out := make([]*Participant, len(s.partOrder))
	for i, id := range s.partOrder {
		out[i] = s.participants[id]
	}
	return out
}

// Proposals returns the proposals in the order they were made, withdrawn
// ones included.
func (s *State) Proposals() []*Proposal {
	out := make([]*Proposal, len(s.propOrder))
	for i, id := range s.propOrder {
		out[i] = s.proposals[id]
	}
	return out
}

// Tally returns a proposal's votes, dots counted, from the votes of
// participants who have not left; 0 for a withdrawn proposal.
func (s *State) Tally(proposal string) int {
	p, ok := s.proposals[proposal]
	if !ok || p.Withdrawn {
		return 0
	}
	n := 0
	for _, id := range s.partOrder {
		n += s.votes[id][proposal]
	}
	return n
}

// VotesOf returns a participant's votes: proposal id to dots.
func (s *State) VotesOf(participant string) map[string]int {
	out := make(map[string]int, len(s.votes[participant]))
	for k, v := range s.votes[participant] {
		out[k] = v
	}
	return out
}

// DotsUsed returns the dots a participant has given, on proposals not
// withdrawn.
func (s *State) DotsUsed(participant string) int {
	n := 0
	for prop, d := range s.votes[participant] {
		if p := s.proposals[prop]; p != nil && !p.Withdrawn {
			n += d
		}
	}
	return n
}

// Done reports whether actor's command cid was already applied, and how.
func (s *State) Done(actor, cid string) (Done, bool) {
	d, ok := s.cids[actor+"\x00"+cid]
	return d, ok
}

// RoleOf returns an actor's role in the workshop: facilitator, projector,
// a participant who has joined and not left, or none.
func (s *State) RoleOf(actor string) Role {
	switch actor {
	case FacilitatorID:
		return RoleFacilitator
	case ProjectorID:
		return RoleProjector
	}
	if p, ok := s.participants[actor]; ok && !p.Left {
		return RoleParticipant
	}
	return RoleNone
}

// Apply checks an event against the rules and the state and applies it.
// Its sequence number must follow the state's. On error the state is
// unchanged.
func (s *State) Apply(e *Event) error {
	if e.Seq != s.Seq+1 {
		return &RuleError{Code: CodeInvalid, Message: fmt.Sprintf("workshop: event %d follows event %d: sequence numbers must be dense", e.Seq, s.Seq)}
	}
	if err := s.check(e); err != nil {
		return err
	}
	s.apply(e)
	return nil
}

func (s *State) apply(e *Event) {
	s.Seq = e.Seq
	switch e.Type {
	case EvCreated:
		s.Title, s.City, s.Scenario, s.Voting, s.Phase = e.Title, e.City, e.Scenario, *e.Voting, PhaseExplore
		s.participants = map[string]*Participant{}
		s.proposals = map[string]*Proposal{}
		s.byAuthor = map[string]int{}
		s.votes = map[string]map[string]int{}
		s.cids = map[string]Done{}
	case EvJoined:
		s.participants[e.Participant] = &Participant{ID: e.Participant, Name: e.DisplayName, NameHash: e.NameHash}
		s.partOrder = append(s.partOrder, e.Participant)
	case EvLeft:
		s.participants[e.Actor].Left = true
	case EvProposalCreated:
		p := &Proposal{ID: e.Proposal, Author: e.Actor, Name: *e.Name, Edits: e.Edits,
			Indicators: e.Indicators, Delta: e.Delta, Version: 1}
		if e.Description != nil {
			p.Description = *e.Description
		}
		s.proposals[p.ID] = p
		s.propOrder = append(s.propOrder, p.ID)
		s.byAuthor[e.Actor]++
	case EvProposalUpdated:
		p := s.proposals[e.Proposal]
		if e.Name != nil {
			p.Name = *e.Name
		}
		if e.Description != nil {
			p.Description = *e.Description
		}
		if e.Edits != nil {
			p.Edits, p.Indicators, p.Delta = e.Edits, e.Indicators, e.Delta
		}
		p.Version++
	case EvProposalWithdrawn:
		p := s.proposals[e.Proposal]
		p.Withdrawn = true
		if s.Spotlight == p.ID {
			s.Spotlight = ""
		}
	case EvComment:
		p := s.proposals[e.Proposal]
		p.Comments = append(p.Comments, Comment{Seq: e.Seq, Author: e.Actor, Text: e.Text})
	case EvVoteCast, EvVoteChanged:
		v := s.votes[e.Actor]
		if v == nil {
			v = map[string]int{}
			s.votes[e.Actor] = v
		}
		if s.Voting.Rule == RuleSingle {
			clear(v)
		}
		v[e.Proposal] = e.Dots
	case EvVoteWithdrawn:
		delete(s.votes[e.Actor], e.Proposal)
	case EvPhase:
		s.Phase = e.Phase
	case EvSpotlight:
		s.Spotlight = e.Proposal
	case EvTimer:
		if *e.Seconds == 0 {
			s.Timer = nil
		} else {
			s.Timer = &Timer{Seconds: *e.Seconds, StartedAt: e.At}
		}
	case EvLock:
		s.Locked = *e.Locked
	case EvNameErased:
		p := s.participants[e.Actor]
		p.Name, p.Erased = "", true
	}
	if e.Cid != "" {
		d := Done{Seq: e.Seq, Cmd: e.Cmd}
		if e.Type == EvProposalCreated {
			d.Proposal = e.Proposal
		}
		s.cids[e.Actor+"\x00"+e.Cid] = d
	}
}

// newID returns the id of a participant or proposal made by event seq.
func newID(prefix string, seq int64) string { return prefix + strconv.FormatInt(seq, 10) }

// SetName sets a participant's display name (kept outside the log), for a
// replica that receives it beside the joined event. Unknown ids and erased
// names are left alone.
func (s *State) SetName(participant, name string) {
	if p, ok := s.participants[participant]; ok && !p.Erased {
		p.Name = name
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
