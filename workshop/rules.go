package workshop

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/barri-city/barri/sim"
)

// Limits on what one workshop holds. Texts are counted in characters
// (Unicode code points).
const (
	MaxTitle             = 120
	MaxDisplayName       = 40
	MaxProposalName      = 80
	MaxDescription       = 2000
	MaxComment           = 1000
	MaxEditsPerProposal  = 50
	MaxEditBytes         = 32 << 10 // a proposal's edits, as JSON
	MaxUpdates           = 30       // updates of one proposal
	MaxProposalsPerActor = 20
	MaxParticipants      = 5000
	MaxDots              = 20
	MaxTimerSeconds      = 4 * 3600
	MaxCid               = 64
)

// Error codes of refused commands (the "code" of an error message).
const (
	CodeInvalid     = "invalid"      // malformed or out of range
	CodeForbidden   = "forbidden"    // the actor's role may not do this
	CodePhase       = "wrong_phase"  // not in this phase
	CodeLocked      = "locked"       // the facilitator locked the map
	CodeNotFound    = "not_found"    // no such proposal
	CodeLimit       = "limit"        // a limit reached (proposals, participants, dots)
	CodeDuplicate   = "already_done" // the vote or change is already there
	CodeInvalidEdit = "invalid_edit" // an edit of the proposal is invalid (Edit and Field say which)
	CodeCidReused   = "cid_reused"   // the cid was used for another command: make cids unique per actor
)

// Error codes the server gives beside the rules' (a refusal of the moment,
// of a request or of the connection).
const (
	CodeBusy         = "busy"             // the server's evaluation queue is full: the same command is retried
	CodeUnavailable  = "unavailable"      // the server could not store the event: retried
	CodeRateLimited  = "rate_limited"     // too many messages or requests: retried after a pause
	CodeUnauthorized = "unauthorized"     // no valid token
	CodeTooLarge     = "too_large"        // a request body over its limit
	CodeInternal     = "internal"         // the server failed: retry, and tell the operator
	CodeUpgrade      = "upgrade_required" // a /ws/{id} request without a WebSocket upgrade
)

// ErrorCodes lists every code an error message or an HTTP error of the
// server can carry, for clients that say them in their language.
var ErrorCodes = []string{CodeInvalid, CodeForbidden, CodePhase, CodeLocked, CodeNotFound, CodeLimit, CodeDuplicate,
	CodeInvalidEdit, CodeCidReused, CodeBusy, CodeUnavailable, CodeRateLimited, CodeUnauthorized, CodeTooLarge, CodeInternal, CodeUpgrade}

// RuleError is a command or event refused by the rules. Edit is the index
// of the offending edit for CodeInvalidEdit (-1 otherwise), Field its field
// when known, or the command's field a refused text or timer is in (name,
// description, text, title, seconds). Why is, when the refusal comes from the core (an edit the
// core finds invalid), the core's message (sim.MessageOf) without its
// place, for a client to say in its reader's language; Message keeps the
// English. Rule is, when the refusal is the workshop's own (a rule of this
// package or a limit of the server), its reason as a stable code of
// RuleCodes with its arguments (the limit and the value that broke it, the
// phase), in the shape of Why; nil when Why says it.
type RuleError struct {
	Code    string
	Message string
	Edit    int
	Field   string
	Why     *sim.Message
	Rule    *sim.Message
}

func (e *RuleError) Error() string { return e.Message }

// reason is a refusal's rule code and its arguments (see RuleCodes).
type reason struct {
	code string
	args []any
}

// why returns the reason of rule code with its arguments. Every code is a
// literal at its call, for TestRuleCodes to list.
func why(code string, args ...any) reason { return reason{code, args} }

func refuse(code string, r reason, format string, a ...any) error {
	return refuseField(code, "", r, format, a...)
}

// refuseField is refuse of a command's field (a text, a timer's seconds).
func refuseField(code, field string, r reason, format string, a ...any) error {
	text := fmt.Sprintf(format, a...)
	return &RuleError{Code: code, Message: "workshop: " + text, Edit: -1, Field: field, Rule: NewRule(r.code, text, r.args...)}
}

// NewRule returns the reason of a refusal of the workshop's (its rules', or
// the server's limits') as a message: code (one of RuleCodes), its
// arguments, and text, the English of the refusal without its package.
// An int argument becomes a number; a float64 stays one; anything else
// becomes its text.
func NewRule(code, text string, args ...any) *sim.Message {
	m := &sim.Message{Code: code, Text: text}
	for _, a := range args {
		switch v := a.(type) {
		case int:
			m.Args = append(m.Args, float64(v))
		case int64:
			m.Args = append(m.Args, float64(v))
		case float64, string:
			m.Args = append(m.Args, v)
		case Phase:
			m.Args = append(m.Args, string(v))
		default:
			m.Args = append(m.Args, fmt.Sprint(v))
		}
	}
	return m
}

// Command is what an actor asks of a workshop (the fields of a client
// message that matter to the rules).
type Command struct {
	Type        string
	Cid         string
	Name        *string
	Description *string
	Edits       json.RawMessage
	Proposal    string
	Text        string
	Dots        int
	Phase       Phase
	Seconds     *int
	Locked      *bool
}

// Digest returns a digest of the command without its cid (hex of the first
// 16 bytes of SHA-256 over its JSON): a retried command has the same one,
// another command sent with a reused cid a different one.
func (c *Command) Digest() string {
	d := *c
	d.Cid = ""
	b, _ := json.Marshal(&d) // a Command always encodes (its Edits are checked JSON or nil)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Commands lists the command types a client may send after hello.
var Commands = []string{"join", "leave", "propose", "update", "withdraw", "comment", "vote", "unvote",
	"phase", "spotlight", "timer", "lock", "erase_name"}

// Decide turns an actor's command into the event it would make, checked
// against the rules and the current state, without applying it. The event's
// Seq is the next one; At, indicators and (for join) the name hash are for
// the caller to fill before Apply. A join's DisplayName is the cleaned name.
func (s *State) Decide(actor string, c *Command) (*Event, error) {
	if s.Seq == 0 {
		return nil, refuse(CodeInvalid, why("event.invalid", 0), "the workshop has not been created")
	}
	if len(c.Cid) > MaxCid || !utf8.ValidString(c.Cid) {
		return nil, refuse(CodeInvalid, why("cid.invalid", MaxCid), "\"cid\" is longer than %d bytes or not UTF-8", MaxCid)
	}
	e := &Event{Seq: s.Seq + 1, Actor: actor, Cid: c.Cid}
	if c.Cid != "" {
		e.Cmd = c.Digest()
	}
	switch c.Type {
	case "join":
		e.Type, e.Participant, e.Actor = EvJoined, newID("u", e.Seq), ""
		if c.Name == nil {
			return nil, refuse(CodeInvalid, why("join.name"), "join needs a \"name\"")
		}
		e.DisplayName = strings.TrimSpace(*c.Name)
	case "leave":
		e.Type = EvLeft
	case "propose":
		e.Type, e.Proposal = EvProposalCreated, newID("p", e.Seq)
		e.Name, e.Description, e.Edits = trimmed(c.Name), trimmed(c.Description), c.Edits
	case "update":
		e.Type, e.Proposal = EvProposalUpdated, c.Proposal
		e.Name, e.Description, e.Edits = trimmed(c.Name), trimmed(c.Description), c.Edits
	case "withdraw":
		e.Type, e.Proposal = EvProposalWithdrawn, c.Proposal
	case "comment":
		e.Type, e.Proposal, e.Text = EvComment, c.Proposal, strings.TrimSpace(c.Text)
	case "vote":
		e.Type, e.Proposal, e.Dots = EvVoteCast, c.Proposal, c.Dots
		if e.Dots == 0 {
			e.Dots = 1
		}
		if old := s.votes[actor]; len(old) > 0 {
			if _, same := old[c.Proposal]; same || s.Voting.Rule == RuleSingle {
				e.Type = EvVoteChanged
			}
		}
	case "unvote":
		e.Type, e.Proposal = EvVoteWithdrawn, c.Proposal
	case "phase":
		e.Type, e.Phase = EvPhase, c.Phase
	case "spotlight":
		e.Type, e.Proposal = EvSpotlight, c.Proposal
	case "timer":
		e.Type, e.Seconds = EvTimer, c.Seconds
	case "lock":
		e.Type, e.Locked = EvLock, c.Locked
	case "erase_name":
		e.Type = EvNameErased
	default:
		return nil, refuse(CodeInvalid, why("command.unknown", c.Type), "unknown command %q", c.Type)
	}
	if err := s.check(e); err != nil {
		return nil, err
	}
	return e, nil
}

func trimmed(p *string) *string {
	if p == nil {
		return nil
	}
	t := strings.TrimSpace(*p)
	return &t
}

// check applies the rules to an event against the state.
func (s *State) check(e *Event) error {
	if e.Type == EvCreated {
		if s.Seq != 0 {
			return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: a workshop is created once, by its first event", e.Seq)
		}
		if e.Voting == nil {
			return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: created without \"voting\"", e.Seq)
		}
		if err := e.Voting.Check(); err != nil {
			return refuse(CodeInvalid, why("voting.invalid"), "%v", err)
		}
		if err := checkText("title", e.Title, MaxTitle, false); err != nil {
			return err
		}
		if strings.TrimSpace(e.City) == "" {
			return refuse(CodeInvalid, why("city.missing"), "the workshop needs a \"city\"")
		}
		return nil
	}
	if s.Seq == 0 {
		return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d (%s) comes before the workshop's creation", e.Seq, e.Type)
	}
	if e.Cid != "" {
		if _, dup := s.cids[e.Actor+"\x00"+e.Cid]; dup {
			return refuse(CodeDuplicate, why("command.applied"), "command %q was already applied", e.Cid)
		}
	}
	role := s.RoleOf(e.Actor)
	facilitator := func() error {
		if role != RoleFacilitator {
			return refuse(CodeForbidden, why("role.facilitator"), "only the facilitator may %s", strings.ReplaceAll(e.Type, "_", " "))
		}
		return nil
	}
	participant := func() error {
		if role != RoleParticipant {
			return refuse(CodeForbidden, why("role.participant"), "only a participant may %s", strings.ReplaceAll(e.Type, "_", " "))
		}
		return nil
	}
	author := func() (*Proposal, error) {
		if role != RoleParticipant && role != RoleFacilitator {
			return nil, refuse(CodeForbidden, why("role.member"), "only a participant or the facilitator may %s", strings.ReplaceAll(e.Type, "_", " "))
		}
		p, err := s.live(e.Proposal)
		if err != nil {
			return nil, err
		}
		if p.Author != e.Actor && !(e.Type == EvProposalWithdrawn && role == RoleFacilitator) {
			return nil, refuse(CodeForbidden, why("proposal.not_yours", p.ID), "proposal %s is not yours", p.ID)
		}
		return p, nil
	}
	// inPhase refuses the event out of phases; r is the reason (its code
	// says the phases; its argument is the workshop's phase).
	inPhase := func(r reason, phases ...Phase) error {
		for _, p := range phases {
			if s.Phase == p {
				return nil
			}
		}
		return refuse(CodePhase, r, "cannot %s in the %s phase", strings.ReplaceAll(e.Type, "_", " "), s.Phase)
	}

	switch e.Type {
	case EvJoined:
		if e.Actor != "" || e.Participant != newID("u", e.Seq) {
			return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: a joined participant's id is u%d", e.Seq, e.Seq)
		}
		if s.Locked {
			return refuse(CodeLocked, why("locked.join"), "the workshop is locked: no one can join now")
		}
		if len(s.participants) >= MaxParticipants {
			return refuse(CodeLimit, why("participants.max", MaxParticipants), "the workshop is full (%d participants)", MaxParticipants)
		}
		if e.DisplayName != "" || e.NameHash == "" {
			// The server checks the name before hashing it; a replica
			// sees only the hash.
			if err := checkText("name", e.DisplayName, MaxDisplayName, false); err != nil {
				return err
			}
		}
	case EvLeft:
		if err := participant(); err != nil {
			return err
		}
	case EvNameErased:
		// A participant who has left may still erase their name.
		p, joined := s.participants[e.Actor]
		if !joined {
			return refuse(CodeForbidden, why("role.participant"), "only a participant may erase their name")
		}
		if p.Erased {
			return refuse(CodeDuplicate, why("name.erased"), "your name is already erased")
		}
	case EvProposalCreated:
		if role != RoleParticipant && role != RoleFacilitator {
			return refuse(CodeForbidden, why("role.member"), "only a participant or the facilitator may propose")
		}
		if err := inPhase(why("phase.propose", s.Phase), PhasePropose); err != nil {
			return err
		}
		if s.Locked {
			return refuse(CodeLocked, why("locked.map"), "the map is locked")
		}
		if e.Proposal != newID("p", e.Seq) {
			return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: a new proposal's id is p%d", e.Seq, e.Seq)
		}
		if s.byAuthor[e.Actor] >= MaxProposalsPerActor {
			return refuse(CodeLimit, why("proposals.max", MaxProposalsPerActor, s.byAuthor[e.Actor]), "you have made %d proposals, the most allowed", MaxProposalsPerActor)
		}
		if e.Name == nil {
			return refuse(CodeInvalid, why("proposal.name"), "a proposal needs a \"name\"")
		}
		if err := s.checkProposal(e, true); err != nil {
			return err
		}
	case EvProposalUpdated:
		if _, err := author(); err != nil {
			return err
		}
		if err := inPhase(why("phase.update", s.Phase), PhasePropose, PhaseDiscuss); err != nil {
			return err
		}
		if s.Locked {
			return refuse(CodeLocked, why("locked.map"), "the map is locked")
		}
		if e.Name == nil && e.Description == nil && e.Edits == nil {
			return refuse(CodeInvalid, why("update.empty"), "update changes nothing: give \"name\", \"description\" or \"edits\"")
		}
		if p := s.proposals[e.Proposal]; p.Version > MaxUpdates {
			return refuse(CodeLimit, why("updates.max", p.ID, MaxUpdates), "proposal %s was updated %d times, the most allowed: make a new proposal", p.ID, MaxUpdates)
		}
		if err := s.checkProposal(e, e.Edits != nil); err != nil {
			return err
		}
	case EvProposalWithdrawn:
		if _, err := author(); err != nil {
			return err
		}
		if s.Phase == PhaseResults {
			return refuse(CodePhase, why("phase.withdraw"), "cannot withdraw a proposal once the results are out")
		}
	case EvComment:
		if role != RoleParticipant && role != RoleFacilitator {
			return refuse(CodeForbidden, why("role.member"), "only a participant or the facilitator may comment")
		}
		if err := inPhase(why("phase.comment", s.Phase), PhasePropose, PhaseDiscuss, PhaseVote); err != nil {
			return err
		}
		if _, err := s.live(e.Proposal); err != nil {
			return err
		}
		if err := checkText("text", e.Text, MaxComment, true); err != nil {
			return err
		}
	case EvVoteCast, EvVoteChanged:
		if err := participant(); err != nil {
			return err
		}
		if err := inPhase(why("phase.vote", s.Phase), PhaseVote); err != nil {
			return err
		}
		if _, err := s.live(e.Proposal); err != nil {
			return err
		}
		return s.checkVote(e)
	case EvVoteWithdrawn:
		if err := participant(); err != nil {
			return err
		}
		if err := inPhase(why("phase.unvote", s.Phase), PhaseVote); err != nil {
			return err
		}
		if _, ok := s.votes[e.Actor][e.Proposal]; !ok {
			return refuse(CodeNotFound, why("vote.none", e.Proposal), "you have no vote on %s", e.Proposal)
		}
	case EvPhase:
		if err := facilitator(); err != nil {
			return err
		}
		if !validPhase(e.Phase) {
			return refuse(CodeInvalid, why("phase.unknown", e.Phase), "unknown phase %q: use explore, propose, discuss, vote or results", e.Phase)
		}
		if e.Phase == s.Phase {
			return refuse(CodeDuplicate, why("phase.already", e.Phase), "the workshop is already in the %s phase", e.Phase)
		}
	case EvSpotlight:
		if err := facilitator(); err != nil {
			return err
		}
		if e.Proposal != "" {
			if _, err := s.live(e.Proposal); err != nil {
				return err
			}
		}
	case EvTimer:
		if err := facilitator(); err != nil {
			return err
		}
		if e.Seconds == nil || *e.Seconds < 0 || *e.Seconds > MaxTimerSeconds {
			return refuseField(CodeInvalid, "seconds", why("timer.range", MaxTimerSeconds), "timer needs \"seconds\" from 0 (stop) to %d", MaxTimerSeconds)
		}
	case EvLock:
		if err := facilitator(); err != nil {
			return err
		}
		if e.Locked == nil {
			return refuse(CodeInvalid, why("lock.missing"), "lock needs \"locked\": true or false")
		}
	default:
		return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: unknown event type %q", e.Seq, e.Type)
	}
	return nil
}

// live returns a proposal that exists and is not withdrawn.
func (s *State) live(id string) (*Proposal, error) {
	p, ok := s.proposals[id]
	if !ok {
		return nil, refuse(CodeNotFound, why("proposal.missing", id), "no proposal %q", id)
	}
	if p.Withdrawn {
		return nil, refuse(CodeNotFound, why("proposal.withdrawn", id), "proposal %s was withdrawn", id)
	}
	return p, nil
}

func (s *State) checkVote(e *Event) error {
	old, had := s.votes[e.Actor][e.Proposal]
	switch s.Voting.Rule {
	case RuleSingle, RuleApproval:
		if e.Dots != 1 {
			return refuse(CodeInvalid, why("vote.one"), "the %s rule gives one vote per proposal: leave \"dots\" out", s.Voting.Rule)
		}
		if had {
			return refuse(CodeDuplicate, why("vote.already", e.Proposal), "you already voted for %s", e.Proposal)
		}
		want := EvVoteCast
		if s.Voting.Rule == RuleSingle && len(s.votes[e.Actor]) > 0 {
			want = EvVoteChanged
		}
		if e.Type != want {
			return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: expected %s", e.Seq, want)
		}
	case RuleDots:
		if e.Dots < 1 || e.Dots > s.Voting.Dots {
			return refuse(CodeInvalid, why("dots.range", s.Voting.Dots), "\"dots\" must be from 1 to %d", s.Voting.Dots)
		}
		if had && old == e.Dots {
			return refuse(CodeDuplicate, why("dots.already", e.Proposal, e.Dots), "you already gave %s %d dots", e.Proposal, e.Dots)
		}
		if (e.Type == EvVoteChanged) != had {
			return refuse(CodeInvalid, why("event.invalid", e.Seq), "event %d: a changed vote must replace one", e.Seq)
		}
		used := s.DotsUsed(e.Actor) - old
		if used+e.Dots > s.Voting.Dots {
			return refuse(CodeLimit, why("dots.max", s.Voting.Dots, s.Voting.Dots-used, e.Dots), "you have %d of your %d dots left", s.Voting.Dots-used, s.Voting.Dots)
		}
	}
	return nil
}

// checkProposal checks a proposal's texts and, when edits is set, its edits
// without a city (the server checks them against its city by evaluating).
// A proposal may not hold param edits.
func (s *State) checkProposal(e *Event, edits bool) error {
	if e.Name != nil {
		if err := checkText("name", *e.Name, MaxProposalName, false); err != nil {
			return err
		}
	}
	if e.Description != nil && *e.Description != "" {
		if err := checkText("description", *e.Description, MaxDescription, true); err != nil {
			return err
		}
	}
	if !edits {
		return nil
	}
	list, err := DecodeEdits(e.Edits)
	if err != nil {
		return err
	}
	for i, ed := range list {
		// Model parameters belong to the facilitator's base scenario: a
		// proposal that changed them would be credited with the change
		// of assumption, not with what it builds.
		if ed.Op == "param" {
			text := fmt.Sprintf("edit %d (param) is not allowed in a proposal: model parameters are set by the facilitator's base scenario; propose changes to the city instead", i)
			return &RuleError{Code: CodeInvalidEdit, Edit: i, Field: "op", Message: "workshop: " + text, Rule: NewRule("edit.param", text)}
		}
	}
	sc := sim.Scenario{Version: 1, Name: "proposal", City: s.City, Edits: list}
	if err := sc.Check(); err != nil {
		var ee *sim.EditError
		if errors.As(err, &ee) {
			return EditRefusal(ee.Index, ee.Op, ee.Field, ee.Err)
		}
		return withWhy(&RuleError{Code: CodeInvalid, Message: "workshop: " + err.Error(), Edit: -1}, err)
	}
	return nil
}

// DecodeEdits reads a proposal's edits: a JSON array of 1 to
// MaxEditsPerProposal scenario edits (DESIGN.md §3), at most MaxEditBytes.
func DecodeEdits(raw json.RawMessage) ([]sim.Edit, error) {
	if len(raw) == 0 {
		return nil, refuse(CodeInvalid, why("edits.missing"), "a proposal needs \"edits\": a list of edits")
	}
	if len(raw) > MaxEditBytes {
		return nil, refuse(CodeLimit, why("edits.bytes", MaxEditBytes, len(raw)), "a proposal's edits take %d bytes, more than the %d allowed: draw simpler areas", len(raw), MaxEditBytes)
	}
	var list []sim.Edit
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, refuse(CodeInvalid, why("edits.malformed"), "\"edits\" is not a list of edits: %v", err)
	}
	if dec.More() {
		return nil, refuse(CodeInvalid, why("edits.malformed"), "\"edits\" has data after the list")
	}
	if len(list) == 0 || len(list) > MaxEditsPerProposal {
		return nil, refuse(CodeLimit, why("edits.count", MaxEditsPerProposal, len(list)), "a proposal has 1 to %d edits, not %d", MaxEditsPerProposal, len(list))
	}
	return list, nil
}

// EditRefusal returns the refusal of a proposal's edit i (op): field names
// the offending field when known, err is the cause. It is the one place
// where the core's edit errors become the wire's.
// Its Why is the core's message of err, when err has one.
func EditRefusal(i int, op, field string, err error) error {
	return withWhy(&RuleError{Code: CodeInvalidEdit, Edit: i, Field: field,
		Message: fmt.Sprintf("workshop: edit %d (%s) is invalid: %v", i, op, err)}, err)
}

// withWhy sets the refusal re's Why to the core's message of cause, when
// it has one.
func withWhy(re *RuleError, cause error) *RuleError {
	if m, ok := sim.MessageOf(cause); ok {
		re.Why = &m
	}
	return re
}

// checkText checks a participant's text: valid UTF-8, not empty, at most
// max characters, no control or bidirectional-override characters (line
// breaks only where multiline). A refusal names the field what.
// Text is kept and sent exactly as written: it is shown as text, never HTML.
// Its reasons' codes are the field's: what + ".utf8", ".empty", ".long"
// (the limit and the text's length) or ".control" (the character, as
// U+XXXX), for each of TextFields.
func checkText(what, t string, max int, multiline bool) error {
	if !utf8.ValidString(t) {
		return refuseField(CodeInvalid, what, reason{what + ".utf8", nil}, "%s is not valid UTF-8", what)
	}
	if strings.TrimSpace(t) == "" {
		return refuseField(CodeInvalid, what, reason{what + ".empty", nil}, "%s is empty", what)
	}
	if n := utf8.RuneCountInString(t); n > max {
		return refuseField(CodeLimit, what, reason{what + ".long", []any{max, n}}, "%s has %d characters, more than the %d allowed", what, n, max)
	}
	for _, r := range t {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return refuseField(CodeInvalid, what, reason{what + ".control", []any{fmt.Sprintf("U+%04X", r)}}, "%s holds a control character (U+%04X)", what, r)
		}
	}
	return nil
}
