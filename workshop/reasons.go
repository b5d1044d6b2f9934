package workshop

import "sort"

// Kinds of a rule reason's arguments (RuleCode.Args): how a client says
// each one.
const (
	ArgNumber   = "number"   // a count or a limit, formatted for the reader's locale
	ArgText     = "text"     // a value from the input, shown as text, never as markup
	ArgPhase    = "phase"    // a Phase, said by its name in the reader's language
	ArgProposal = "proposal" // a proposal's id, said by the proposal's name
)

// RuleCode is a code a refusal's Rule can have, with the kind of each of
// its arguments, in order.
type RuleCode struct {
	Code string
	Args []string
}

// TextFields are the fields whose texts checkText checks; each has the
// reasons FIELD.utf8, FIELD.empty, FIELD.long (the limit and the text's
// length, in characters) and FIELD.control (the character, as U+XXXX).
var TextFields = []string{"title", "name", "description", "text"}

// RuleCodes returns every code a refusal's Rule can have (from the rules
// of this package, and the server's limits), in order, for a client to
// check that it can say each one (the browser's test checks
// web/src/i18n). TestRuleCodes keeps the list complete.
func RuleCodes() []RuleCode {
	out := make([]RuleCode, 0, len(ruleCodes)+4*len(TextFields))
	for c, a := range ruleCodes {
		out = append(out, RuleCode{c, a})
	}
	for _, f := range TextFields {
		out = append(out, RuleCode{f + ".utf8", nil}, RuleCode{f + ".empty", nil},
			RuleCode{f + ".long", []string{ArgNumber, ArgNumber}}, RuleCode{f + ".control", []string{ArgText}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// ruleCodes maps each code (but the text fields') to its arguments' kinds.
var ruleCodes = map[string][]string{
	// The rules (State.Decide, Apply).
	"event.invalid":      {ArgNumber}, // an event of a log that breaks the rules (its seq; 0: none yet)
	"cid.invalid":        {ArgNumber}, // the longest cid, in bytes
	"command.unknown":    {ArgText},
	"command.applied":    nil,
	"join.name":          nil,
	"voting.invalid":     nil,
	"city.missing":       nil,
	"role.facilitator":   nil,
	"role.participant":   nil,
	"role.member":        nil, // a participant or the facilitator
	"proposal.not_yours": {ArgProposal},
	"proposal.missing":   {ArgText},
	"proposal.withdrawn": {ArgProposal},
	"proposal.name":      nil,
	"locked.join":        nil,
	"locked.map":         nil,
	"participants.max":   {ArgNumber},
	"name.erased":        nil,
	"proposals.max":      {ArgNumber, ArgNumber},   // the most proposals an actor may make, and how many they have made
	"updates.max":        {ArgProposal, ArgNumber}, // the proposal, and the most updates
	"update.empty":       nil,
	"phase.propose":      {ArgPhase}, // the workshop's phase (proposals are made in propose)
	"phase.update":       {ArgPhase}, // (propose, discuss)
	"phase.comment":      {ArgPhase}, // (propose, discuss, vote)
	"phase.vote":         {ArgPhase}, // (vote)
	"phase.unvote":       {ArgPhase}, // (vote)
	"phase.withdraw":     nil,        // (not in results)
	"phase.unknown":      {ArgText},
	"phase.already":      {ArgPhase},
	"timer.range":        {ArgNumber}, // the most seconds
	"lock.missing":       nil,
	"vote.none":          {ArgProposal},
	"vote.one":           nil,
	"vote.already":       {ArgProposal},
	"dots.range":         {ArgNumber}, // the most dots on one proposal
	"dots.already":       {ArgProposal, ArgNumber},
	"dots.max":           {ArgNumber, ArgNumber, ArgNumber}, // the dots in all, those left, those asked for
	"edit.param":         nil,
	"edits.missing":      nil,
	"edits.malformed":    nil,
	"edits.bytes":        {ArgNumber, ArgNumber}, // the most bytes, and the edits' bytes
	"edits.count":        {ArgNumber, ArgNumber}, // the most edits, and how many
	// The server's limits (package server).
	"rate.participant":    {ArgNumber, ArgNumber}, // commands a second, and at once
	"rate.connection":     {ArgNumber, ArgNumber}, // messages a second, and at once
	"busy.evaluations":    {ArgNumber},            // the evaluations that may wait
	"busy.held":           {ArgNumber},            // the changes that may wait behind one proposal's
	"store.unavailable":   nil,
	"order.wait":          nil, // an earlier command of the connection was refused for a moment
	"cid.reused":          nil,
	"projector.read_only": nil,
}
