package sim

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrInvalid is matched, through errors.Is, by every error that invalid
// input causes: a scenario file that cannot be read, an edit that is
// malformed or does not fit its city, a parameter out of range, a city whose
// data is inconsistent. A server answers it with a 4xx status, the command
// line with exit status 2; any other error is a failure of the program or
// its surroundings.
var ErrInvalid = errors.New("sim: invalid input")

// EditError is an edit that is malformed or does not fit the city. Every
// error about an edit that Evaluate, an Evaluator or Scenario.Check returns
// is one (find it with errors.As), so that a browser can show the message
// beside the edit and its field.
type EditError struct {
	Index int    // the edit's position in its scenario (for an Evaluator: among its edits)
	Op    string // the edit's op, as given
	Field string // the JSON field at fault ("area", "streets", "add_floors", ...); "" for the edit as a whole
	Err   error  // what is wrong, in words
}

func (e *EditError) Error() string {
	return fmt.Sprintf("sim: edit %d (%s): %v", e.Index, e.Op, e.Err)
}

func (e *EditError) Unwrap() error { return e.Err }

// Is makes every EditError match ErrInvalid.
func (e *EditError) Is(target error) bool { return target == ErrInvalid }

// editError wraps err, an error of State.Apply or of an edit's check, as the
// EditError of edit i, taking the field from the error when it names one.
func editError(i int, op string, err error) *EditError {
	ee := &EditError{Index: i, Op: op, Err: err}
	var fe *fieldError
	if errors.As(err, &fe) {
		ee.Field = fe.field
	}
	return ee
}

// ScenarioError is a scenario file that cannot be read or is invalid outside
// its edits: bad JSON, an unknown version, an empty city, a parameter out of
// range.
type ScenarioError struct {
	Line, Column int    // where in the file, when known (1-based; 0 when not)
	Field        string // the field at fault, when known ("city", "params.car_cost_eur_km", ...)
	Err          error
}

func (e *ScenarioError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("sim: scenario: line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("sim: scenario: %v", e.Err)
}

func (e *ScenarioError) Unwrap() error { return e.Err }

// Is makes every ScenarioError match ErrInvalid.
func (e *ScenarioError) Is(target error) bool { return target == ErrInvalid }

// fieldError is an invalid value of one field of an edit or a scenario; its
// message names the field in words already.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string        { return e.err.Error() }
func (e *fieldError) Unwrap() error        { return e.err }
func (e *fieldError) Is(target error) bool { return target == ErrInvalid }

// bad returns a fieldError for field with the message of code (see msg).
func bad(field, code, format string, a ...any) error {
	return &fieldError{field: field, err: msg(code, format, a...)}
}

// invalidf returns an error matching ErrInvalid with the message of code
// (see msg), one that names its place.
func invalidf(code, format string, a ...any) error {
	return msg(code, format, a...)
}

// Message is what an error of invalid input says, as a stable code and its
// arguments, so that a client can say it in another language: the browser
// fills the code's template in Catalan, Spanish or English with Args. Text
// is the English, word for word the error's own (the command line and the
// server print that). Find an error's Message with MessageOf; the codes the
// core can give, with the number of arguments each takes, are MessageCodes.
//
// An argument is a string (a name or value from the input, to be shown as
// text, never as markup), an int or float64 (to be formatted for the
// reader's locale), a Decimal (a number printed with fixed places), or a
// Message (a nested message, such as the reason inside "within: ..."). A
// nested error of the standard library that has no code is a Message with
// an empty Code: a client shows its Text.
type Message struct {
	Code string `json:"code"`
	Args []any  `json:"args,omitempty"`
	Text string `json:"text"`
}

// Decimal is a number argument that the English text prints with Places
// digits after the point.
type Decimal struct {
	Value  float64 `json:"value"`
	Places int     `json:"places"`
}

func (d Decimal) String() string { return strconv.FormatFloat(d.Value, 'f', d.Places, 64) }

// MessageOf returns the Message of the first error in err's chain that has
// a code: for a *ScenarioError or *EditError, what is wrong without the
// place (the line and column, the edit's index and op, which the error's
// fields hold). ok is false when no error in the chain has a code; a client
// then shows err's text.
func MessageOf(err error) (m Message, ok bool) {
	var me *msgError
	if !errors.As(err, &me) {
		return Message{}, false
	}
	return me.message(), true
}

// msgError is an error with a code: its English text, the arguments that
// fill it, and the error it wraps when its format has %w.
type msgError struct {
	code string
	args []any
	text string
	err  error
}

func (e *msgError) Error() string        { return e.text }
func (e *msgError) Unwrap() error        { return e.err }
func (e *msgError) Is(target error) bool { return target == ErrInvalid }

func (e *msgError) message() Message {
	m := Message{Code: e.code, Text: e.text}
	if len(e.args) > 0 {
		m.Args = make([]any, len(e.args))
	}
	for i, a := range e.args {
		switch v := a.(type) {
		case error:
			if n, ok := MessageOf(v); ok && n.Text == v.Error() {
				m.Args[i] = n
			} else {
				m.Args[i] = Message{Text: v.Error()}
			}
		case float64:
			if finite(v) {
				m.Args[i] = v
			} else {
				m.Args[i] = fmt.Sprint(v) // JSON has no NaN or infinity
			}
		case string, int, Decimal:
			m.Args[i] = v
		default:
			m.Args[i] = fmt.Sprint(v)
		}
	}
	return m
}

// msg returns the error of code whose English text is format filled with
// args (by fmt.Errorf, so %w wraps). Every code and format is a literal at
// its call, for TestMessageCodes to list.
func msg(code, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &msgError{code: code, args: args, text: err.Error(), err: errors.Unwrap(err)}
}
