//go:build js && wasm

// Package proposal is a resident's proposal in the browser: the session on
// the sim core (edits applied, undone, redone), the scenario file it writes,
// the share link that carries it, and the numbers as barri run prints them.
// It has no Ebiten and no syscall/js, so its tests run under Node.
//
// This file is the one adapter between the page and the sim core's session
// API (sim.Evaluator).
package proposal

import (
	"errors"
	"fmt"

	"github.com/barri-city/barri/sim"
)

// Changes lists the buildings and segments whose results moved in the last
// Apply, Undo or Redo.
type Changes = sim.Changes

// Session is a resident's proposal on a city: the core's live-editing
// session, and the proposal's name.
type Session struct {
	city *sim.City
	ev   *sim.Evaluator
	name string
	seed uint64
	// changed is Changed's answer since the last Apply, Undo or Redo
	// (nil: not asked yet): the page asks twice for each change, and the
	// core compares every building's results to answer.
	changed *Changes
}

// New starts a session from a scenario file: its parameters, then its edits
// (an edit that does not apply is an *sim.EditError naming its index).
func New(c *sim.City, sc *sim.Scenario) (*Session, error) {
	ev, err := sim.NewScenarioEvaluator(c, sc)
	if err != nil {
		return nil, err
	}
	return &Session{city: c, ev: ev, name: sc.Name, seed: sc.Seed}, nil
}

// Result returns the baseline, scenario and deltas now.
func (s *Session) Result() *sim.Result { return s.ev.Result() }

// Apply applies one edit, checked first as barri run checks a scenario's
// edits, so that the page refuses exactly what the command line refuses.
func (s *Session) Apply(e sim.Edit) error {
	one := sim.Scenario{Version: sim.ScenarioVersion, City: s.city.Name, Edits: []sim.Edit{e}}
	if err := one.Check(); err != nil {
		return s.editError(err)
	}
	s.changed = nil
	_, err := s.ev.Apply(&e)
	return s.editError(err)
}

// EditError is an edit the core refused, numbered as the page's list
// numbers it (from 1): the core's *sim.EditError counts from 0, and from 0
// again for the one-edit scenario Apply checks first.
type EditError struct {
	N int // the edit's number in the list, from 1
	*sim.EditError
}

func (e *EditError) Error() string {
	return fmt.Sprintf("proposal: edit %d (%s): %v", e.N, e.Op, e.EditError.Err)
}

func (e *EditError) Unwrap() error { return e.EditError }

// editError renumbers the core's error for the next edit, once, whatever
// the core's wrapping.
func (s *Session) editError(err error) error {
	var ee *sim.EditError
	if err == nil || !errors.As(err, &ee) {
		return err
	}
	for {
		var inner *sim.EditError
		if !errors.As(ee.Err, &inner) {
			break
		}
		ee = inner
	}
	return &EditError{N: len(s.ev.Edits()) + 1, EditError: ee}
}

// Undo reverts the last edit.
func (s *Session) Undo() error {
	s.changed = nil
	_, err := s.ev.Undo()
	return err
}

// Redo re-applies the edit undone last.
func (s *Session) Redo() error {
	if !s.ev.CanRedo() {
		return errors.New("proposal: nothing to redo")
	}
	s.changed = nil
	_, err := s.ev.Redo()
	return err
}

// CanUndo reports whether an edit is applied.
func (s *Session) CanUndo() bool { return s.ev.CanUndo() }

// CanRedo reports whether an undone edit waits to be redone.
func (s *Session) CanRedo() bool { return s.ev.CanRedo() }

// Edits returns the edits applied now (read-only).
func (s *Session) Edits() []sim.Edit { return s.ev.Edits() }

// Changed lists the buildings and segments whose results moved in the last
// Apply, Undo or Redo (read-only: it is kept until the next).
func (s *Session) Changed() Changes {
	if s.changed == nil {
		ch := s.ev.Changed()
		s.changed = &ch
	}
	return *s.changed
}

// State returns the scenario's state (read-only).
func (s *Session) State() *sim.State { return s.ev.State() }

// Name returns the proposal's name.
func (s *Session) Name() string { return s.name }

// SetName renames the proposal.
func (s *Session) SetName(name string) {
	s.name = name
	s.ev.SetName(name, s.seed)
}

// Scenario returns the scenario file of the current state.
func (s *Session) Scenario() *sim.Scenario {
	sc := s.ev.Scenario()
	if sc.Edits == nil {
		sc.Edits = []sim.Edit{}
	}
	return sc
}

// Building returns building i's results in report r, false for a bad id.
func Building(r *sim.Report, i int) (sim.BuildingResult, bool) { return r.Building(i) }
