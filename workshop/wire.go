package workshop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/barri-city/barri/sim"
)

// MaxMessageBytes bounds one WebSocket message from a client.
const MaxMessageBytes = 256 << 10

// ClientMessage is a message from a client (DESIGN.md §6): first
// {"type": "hello", "token"?, "since"}, then commands, each with a cid.
type ClientMessage struct {
	Type        string          `json:"type"`
	Token       string          `json:"token,omitempty"`
	Since       *int64          `json:"since,omitempty"`
	Cid         string          `json:"cid,omitempty"`
	Name        *string         `json:"name,omitempty"`
	Description *string         `json:"description,omitempty"`
	Edits       json.RawMessage `json:"edits,omitempty"`
	Proposal    string          `json:"proposal,omitempty"`
	Text        string          `json:"text,omitempty"`
	Dots        int             `json:"dots,omitempty"`
	Phase       Phase           `json:"phase,omitempty"`
	Seconds     *int            `json:"seconds,omitempty"`
	Locked      *bool           `json:"locked,omitempty"`
}

// Command returns the command a client message carries.
func (m *ClientMessage) Command() *Command {
	return &Command{Type: m.Type, Cid: m.Cid, Name: m.Name, Description: m.Description, Edits: m.Edits,
		Proposal: m.Proposal, Text: m.Text, Dots: m.Dots, Phase: m.Phase, Seconds: m.Seconds, Locked: m.Locked}
}

// wsCommands are the commands a client may send over the WebSocket (join
// goes through POST /api/join).
var wsCommands = map[string]bool{"leave": true, "propose": true, "update": true, "withdraw": true, "comment": true,
	"vote": true, "unvote": true, "phase": true, "spotlight": true, "timer": true, "lock": true, "erase_name": true}

// DecodeClientMessage reads one client message strictly: at most
// MaxMessageBytes, one JSON object of known fields, a known type, and for
// a command a cid of 1 to MaxCid bytes. It checks the shape only; the rules
// are for Decide.
func DecodeClientMessage(data []byte) (*ClientMessage, error) {
	if len(data) > MaxMessageBytes {
		return nil, fmt.Errorf("workshop: message of %d bytes, more than the %d allowed", len(data), MaxMessageBytes)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("workshop: message is not UTF-8 text")
	}
	var m ClientMessage
	if err := decodeStrict(data, &m); err != nil {
		return nil, err
	}
	switch {
	case m.Type == "hello":
		if m.Cid != "" {
			return nil, errors.New("workshop: hello takes no \"cid\"")
		}
		if m.Since != nil && *m.Since < 0 {
			return nil, fmt.Errorf("workshop: hello: \"since\" is %d, not a sequence number", *m.Since)
		}
	case wsCommands[m.Type]:
		if m.Cid == "" || len(m.Cid) > MaxCid {
			return nil, fmt.Errorf("workshop: %s needs a \"cid\" of 1 to %d bytes", m.Type, MaxCid)
		}
		if m.Token != "" || m.Since != nil {
			return nil, fmt.Errorf("workshop: %s takes no \"token\" or \"since\" (they belong to hello)", m.Type)
		}
		if m.Dots < 0 || m.Dots > MaxDots {
			return nil, fmt.Errorf("workshop: \"dots\" must be from 1 to %d", MaxDots)
		}
	case m.Type == MsgPing:
		if m.Cid != "" || m.Token != "" || m.Since != nil {
			return nil, errors.New("workshop: ping takes no other field")
		}
	case m.Type == "":
		return nil, errors.New("workshop: message has no \"type\"")
	default:
		return nil, fmt.Errorf("workshop: unknown message type %q", m.Type)
	}
	return &m, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("workshop: malformed message: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("workshop: malformed message: data after the JSON object")
	}
	return nil
}

// Server message types.
const (
	MsgWelcome  = "welcome"
	MsgAck      = "ack"
	MsgError    = "error"
	MsgEvent    = "event"
	MsgSnapshot = "snapshot"
	// MsgPong answers a client's MsgPing at once. A browser cannot see a
	// connection that died without a close (Wi-Fi lost, a NAT forgetting
	// the flow), so a client pings when the server has been quiet and
	// counts the connection lost when no answer comes.
	MsgPong = "pong"
)

// MsgPing is the client message that asks for a MsgPong: {"type":"ping"},
// with no other field. It changes nothing.
const MsgPing = "ping"

// ServerMessage is a message from the server: welcome (after hello: who
// you are and the workshop's last sequence number), ack, error, event, or
// snapshot.
type ServerMessage struct {
	Type     string `json:"type"`
	Cid      string `json:"cid,omitempty"`
	Seq      int64  `json:"seq,omitempty"`
	Proposal string `json:"proposal,omitempty"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
	Edit     *int   `json:"edit,omitempty"`
	Field    string `json:"field,omitempty"`
	// Why is, of an error from the core (an invalid edit), the core's
	// message: {"code", "args"?, "text"}, a code of sim.MessageCodes with
	// its arguments (strings, numbers, {"value", "places"} decimals and
	// nested messages), for a client to say in its reader's language.
	// Message keeps the whole English text.
	Why *sim.Message `json:"why,omitempty"`
	// Rule is, of an error the workshop's rules or the server's limits
	// gave, its reason in the same shape: {"code", "args"?, "text"}, a
	// code of RuleCodes with its arguments (numbers, strings: a text from
	// the input, a phase, a proposal's id; RuleCodes says which), for a
	// client to say in its reader's language. Message keeps the English.
	Rule   *sim.Message `json:"rule,omitempty"`
	Event  *Event       `json:"event,omitempty"`
	Stored int64        `json:"stored,omitempty"` // of an event: when it became durable, microseconds since 1970
	// Hash is, of an event, the chain hash after it; of a welcome or a
	// snapshot, the chain hash at Seq (the head). A client that keeps the
	// head can later check an exported log against it (VerifyLog).
	Hash  string `json:"hash,omitempty"`
	State *View  `json:"state,omitempty"`
	Actor string `json:"actor,omitempty"`
	Role  string `json:"role,omitempty"`
	// Now is, of a welcome and a pong, the server's clock (microseconds
	// since 1970) when it sent the message: a client sets a timer's clock
	// from it, never from a replayed event's Stored.
	Now int64 `json:"now,omitempty"`
}

// ErrorMessage returns the error message answering command cid: a
// RuleError gives its code, and its field and the core's message when it
// has them (the edit too for CodeInvalidEdit); any other error is
// CodeInvalid.
func ErrorMessage(cid string, err error) *ServerMessage {
	m := &ServerMessage{Type: MsgError, Cid: cid, Code: CodeInvalid, Message: err.Error()}
	var re *RuleError
	if errors.As(err, &re) {
		m.Code, m.Field, m.Why, m.Rule = re.Code, re.Field, re.Why, re.Rule
		if re.Code == CodeInvalidEdit {
			i := re.Edit
			m.Edit = &i
		}
	}
	return m
}

// FollowChain checks an event message against the chain hash prev after
// the event before it (GenesisHash before the first; "" when unknown, and
// then nothing is checked) and returns the hash to keep after it ("" if the
// message carries none). An error means the server's record of the
// workshop is not the one it sent before.
func FollowChain(prev string, m *ServerMessage) (string, error) {
	if m.Hash == "" || prev == "" {
		return m.Hash, nil
	}
	rec, err := m.Event.Record()
	if err != nil {
		return "", fmt.Errorf("workshop: event %d: %v", m.Seq, err)
	}
	if got := ChainHash(prev, rec); got != m.Hash {
		return "", fmt.Errorf("workshop: event %d does not follow the chain of hashes the server sent before (hash %.12s…, computed %.12s…): the server's record changed", m.Seq, m.Hash, got)
	}
	return m.Hash, nil
}

// DecodeServerMessage reads one server message (for clients: the browser
// and barri loadtest). Unknown fields are allowed, for newer servers. An
// error's why that is not of the core's shape is dropped (see decodeWhy),
// and so is a why of any other message.
func DecodeServerMessage(data []byte) (*ServerMessage, error) {
	var m ServerMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("workshop: malformed server message: %v", err)
	}
	if m.Why != nil && (m.Type != MsgError || decodeWhy(m.Why, 0) != nil) {
		// Only an error has a why; one not of the core's shape is dropped,
		// not the refusal with it: the client says the English Message.
		m.Why = nil
	}
	if m.Rule != nil && (m.Type != MsgError || decodeRule(m.Rule) != nil) {
		m.Rule = nil // likewise
	}
	switch m.Type {
	case MsgWelcome, MsgAck, MsgError, MsgPong:
	case MsgEvent:
		if m.Event == nil || m.Event.Seq != m.Seq || m.Seq < 1 {
			return nil, fmt.Errorf("workshop: event message without its event or with a mismatched seq %d", m.Seq)
		}
	case MsgSnapshot:
		if m.State == nil || m.State.Seq != m.Seq {
			return nil, fmt.Errorf("workshop: snapshot message without its state or with a mismatched seq %d", m.Seq)
		}
	default:
		return nil, fmt.Errorf("workshop: unknown server message type %q", m.Type)
	}
	return &m, nil
}

// decodeRule checks the shape of a rule's reason as decoded from JSON: a
// text, a code at most 64 bytes long, and at most 8 arguments, each a string
// or a number.
func decodeRule(m *sim.Message) error {
	if len(m.Code) > 64 || m.Text == "" || len(m.Args) > 8 {
		return errors.New("not a rule's reason")
	}
	if len(m.Args) == 0 {
		m.Args = nil
	}
	for i, a := range m.Args {
		switch a.(type) {
		case string, float64:
		default:
			return fmt.Errorf("argument %d is %T, not a string or a number", i, a)
		}
	}
	return nil
}

// maxWhyDepth bounds how deeply a why's messages nest (the core nests two
// or three: "within: ..." of a "params: ..." of a line's).
const maxWhyDepth = 8

// decodeWhy checks the shape of a core's message as decoded from JSON: a
// text, a code at most 64 bytes long, and arguments that are strings, numbers,
// decimals ({"value", "places"}) or nested messages, no deeper than
// maxWhyDepth; it makes the decimals sim.Decimal and the nested messages
// sim.Message, as the core gave them (a number is a float64). A client
// fills a template with them as text.
func decodeWhy(m *sim.Message, depth int) error {
	if depth > maxWhyDepth {
		return fmt.Errorf("messages nested more than %d deep", maxWhyDepth)
	}
	if len(m.Code) > 64 {
		return fmt.Errorf("code of %d bytes, more than 64", len(m.Code))
	}
	if m.Text == "" {
		return errors.New("a message without its text")
	}
	if len(m.Args) == 0 {
		m.Args = nil
	}
	for i, a := range m.Args {
		switch v := a.(type) {
		case string, float64:
		case map[string]any:
			b, _ := json.Marshal(v)
			if _, ok := v["places"]; ok {
				var d sim.Decimal
				if err := decodeStrict(b, &d); err != nil {
					return fmt.Errorf("argument %d: not a decimal {\"value\", \"places\"}", i)
				}
				if d.Places < 0 || d.Places > 20 {
					return fmt.Errorf("argument %d: a decimal with %d places, not 0 to 20", i, d.Places)
				}
				m.Args[i] = d
				continue
			}
			var n sim.Message
			if err := decodeStrict(b, &n); err != nil {
				return fmt.Errorf("argument %d: not a message {\"code\", \"args\", \"text\"}", i)
			}
			if err := decodeWhy(&n, depth+1); err != nil {
				return fmt.Errorf("argument %d: %v", i, err)
			}
			m.Args[i] = n
		default:
			return fmt.Errorf("argument %d is %T, not a string, number, decimal or message", i, a)
		}
	}
	return nil
}
