package sim

import (
	"errors"
	"fmt"
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

// bad returns a fieldError for field with a formatted message.
func bad(field, format string, a ...any) error {
	return &fieldError{field: field, err: fmt.Errorf(format, a...)}
}

// invalidError is invalid input that names its place in its message.
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// invalidf returns an error matching ErrInvalid with a formatted message.
func invalidf(format string, a ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, a...)}
}
