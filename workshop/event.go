// Package workshop is the pure session model of a Barri workshop: the events
// of its log, the state derived by applying them in order, the rules checked
// before an event is accepted, and the messages of the WebSocket protocol
// (DESIGN.md §6). It does no I/O and reads no clock: the server (which is
// authoritative) and the browser (a replica) run the same code.
package workshop

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/barri-city/barri/sim"
)

// Event types. Every change to a workshop is one of these.
const (
	EvCreated           = "created"
	EvJoined            = "joined"
	EvLeft              = "left"
	EvProposalCreated   = "proposal_created"
	EvProposalUpdated   = "proposal_updated"
	EvProposalWithdrawn = "proposal_withdrawn"
	EvComment           = "comment"
	EvVoteCast          = "vote_cast"
	EvVoteChanged       = "vote_changed"
	EvVoteWithdrawn     = "vote_withdrawn"
	EvPhase             = "phase_changed"
	EvSpotlight         = "spotlight"
	EvTimer             = "timer"
	EvLock              = "lock"
	EvNameErased        = "name_erased"
)

// EventTypes lists every event type, in the order above.
var EventTypes = []string{EvCreated, EvJoined, EvLeft, EvProposalCreated, EvProposalUpdated, EvProposalWithdrawn,
	EvComment, EvVoteCast, EvVoteChanged, EvVoteWithdrawn, EvPhase, EvSpotlight, EvTimer, EvLock, EvNameErased}

// Event is one entry of a workshop's log. Which fields apply depends on Type.
// Actor is who caused it: FacilitatorID, a participant's id, or empty for
// the workshop's creation. Cid is the client message id of the command that
// caused it, so that a retried command is applied once.
//
// DisplayName is a joined participant's name: it travels beside the event
// (to clients) but is not part of the hashed record, which commits only to
// NameHash, a salted hash of it. Erasing the name leaves the record intact.
type Event struct {
	Seq   int64  `json:"seq"`
	Type  string `json:"type"`
	At    int64  `json:"at,omitempty"` // server time, milliseconds since 1970 (set by the server)
	Actor string `json:"actor,omitempty"`
	Cid   string `json:"cid,omitempty"`
	// Cmd is the Digest of the command with that cid, so that a cid
	// reused for another command is told apart from a retry.
	Cmd string `json:"cmd,omitempty"`

	Title    string          `json:"title,omitempty"`
	City     string          `json:"city,omitempty"`
	Scenario json.RawMessage `json:"scenario,omitempty"`
	Voting   *Voting         `json:"voting,omitempty"`

	Participant string `json:"participant,omitempty"`
	NameHash    string `json:"name_hash,omitempty"`

	Proposal    string          `json:"proposal,omitempty"`
	Name        *string         `json:"name,omitempty"`
	Description *string         `json:"description,omitempty"`
	Edits       json.RawMessage `json:"edits,omitempty"`
	Indicators  *sim.Indicators `json:"indicators,omitempty"`
	Delta       *sim.Indicators `json:"delta,omitempty"`
	Text        string          `json:"text,omitempty"`
	Dots        int             `json:"dots,omitempty"`
	Phase       Phase           `json:"phase,omitempty"`
	Seconds     *int            `json:"seconds,omitempty"`
	Locked      *bool           `json:"locked,omitempty"`
	DisplayName string          `json:"display_name,omitempty"`
}

// Record returns the event's hashed record: its JSON without the display
// name. The bytes are deterministic (fields in declaration order).
func (e *Event) Record() ([]byte, error) {
	c := *e
	c.DisplayName = ""
	return json.Marshal(&c)
}

// GenesisHash is the hash before a workshop's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ChainHash returns the hash of a record after the hash prev: hex of
// SHA-256(prev || "\n" || record).
func ChainHash(prev string, record []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(record)
	return hex.EncodeToString(h.Sum(nil))
}

// NameHash returns the salted hash a joined event commits to: hex of
// SHA-256(salt || name).
func NameHash(salt []byte, name string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(name))
	return hex.EncodeToString(h.Sum(nil))
}
