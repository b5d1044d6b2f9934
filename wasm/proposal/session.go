//go:build js && wasm

package proposal

// Package proposal is a resident's proposal in the browser: the session on
// the sim core (edits applied, undone, redone), the scenario file it writes,
// the share link that carries it, and the numbers as barri run prints them.
// It has no Ebiten and no syscall/js, so its tests run under Node.
//
// This file is the one adapter between the page and the sim core's session
// API. The core is gaining NewScenarioEvaluator, Redo, Edits, Scenario and
// Changed; until they land, session implements them here on top of
// NewEvaluator, Apply and Undo. Switching to the core's versions touches only
// this file.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/barri-city/barri/sim"
)

// Changes lists the buildings and segments whose results moved in the last
// Apply, Undo or Redo.
type Changes struct {
	Buildings []int
	Segments  []int
}

// Session is a resident's proposal on a city: the evaluator, the edits
// applied, the edits undone (for redo) and the scenario's header.
type Session struct {
	city    *sim.City
	ev      *sim.Evaluator
	header  sim.Scenario // Version, Name, Description, City, Seed, Params; Edits unused
	edits   []sim.Edit
	undone  []sim.Edit // most recently undone last
	changed Changes
}

// New starts a session from a scenario file: its parameters, then its
// edits in order. An edit that does not apply is an error naming its index.
func New(c *sim.City, sc *sim.Scenario) (*Session, error) {
	p := sim.DefaultParams()
	names := make([]string, 0, len(sc.Params))
	for k := range sc.Params {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if err := p.Set(k, sc.Params[k]); err != nil {
			return nil, fmt.Errorf("proposal: params: %v", err)
		}
	}
	s := &Session{city: c, ev: sim.NewEvaluator(c, p), header: *sc}
	s.header.Edits = nil
	s.ev.SetName(sc.Name, sc.Seed)
	for i := range sc.Edits {
		e := sc.Edits[i]
		if _, err := s.ev.Apply(&e); err != nil {
			return nil, &sim.EditError{Index: i, Op: e.Op, Err: err}
		}
		s.edits = append(s.edits, e)
	}
	s.changed = s.diff(s.ev.Result().Baseline, s.ev.Result().Scenario)
	return s, nil
}

// Result returns the baseline, scenario and deltas now.
func (s *Session) Result() *sim.Result { return s.ev.Result() }

// Apply applies one edit, checked first as barri run checks a scenario's
// edits, so that the page refuses exactly what the command line refuses.
func (s *Session) Apply(e sim.Edit) error {
	one := sim.Scenario{Version: sim.ScenarioVersion, City: s.header.City, Edits: []sim.Edit{e}}
	if err := one.Check(); err != nil {
		return err
	}
	before := s.ev.Result().Scenario
	if _, err := s.ev.Apply(&e); err != nil {
		return &sim.EditError{Index: len(s.edits), Op: e.Op, Err: err}
	}
	s.edits = append(s.edits, e)
	s.undone = s.undone[:0]
	s.changed = s.diff(before, s.ev.Result().Scenario)
	return nil
}

// Undo reverts the last edit.
func (s *Session) Undo() error {
	if len(s.edits) == 0 {
		return sim.ErrNothingToUndo
	}
	before := s.ev.Result().Scenario
	if _, err := s.ev.Undo(); err != nil {
		return err
	}
	last := s.edits[len(s.edits)-1]
	s.edits = s.edits[:len(s.edits)-1]
	s.undone = append(s.undone, last)
	s.changed = s.diff(before, s.ev.Result().Scenario)
	return nil
}

// Redo re-applies the edit undone last.
func (s *Session) Redo() error {
	if len(s.undone) == 0 {
		return errors.New("proposal: nothing to redo")
	}
	e := s.undone[len(s.undone)-1]
	before := s.ev.Result().Scenario
	if _, err := s.ev.Apply(&e); err != nil {
		return err
	}
	s.undone = s.undone[:len(s.undone)-1]
	s.edits = append(s.edits, e)
	s.changed = s.diff(before, s.ev.Result().Scenario)
	return nil
}

// CanUndo reports whether an edit is applied.
func (s *Session) CanUndo() bool { return len(s.edits) > 0 }

// CanRedo reports whether an undone edit waits to be redone.
func (s *Session) CanRedo() bool { return len(s.undone) > 0 }

// Edits returns the edits applied now (read-only).
func (s *Session) Edits() []sim.Edit { return s.edits }

// Changed lists the buildings and segments whose results moved in the last
// Apply, Undo or Redo.
func (s *Session) Changed() Changes { return s.changed }

// State returns the scenario's state (read-only).
func (s *Session) State() *sim.State { return s.ev.State() }

// Name returns the proposal's name; SetName renames it.
func (s *Session) Name() string { return s.header.Name }

// SetName renames the proposal.
func (s *Session) SetName(name string) { s.header.Name = name }

// Scenario returns the scenario file of the current state: the header it was
// loaded with and the edits applied now.
func (s *Session) Scenario() *sim.Scenario {
	sc := s.header
	sc.Version = sim.ScenarioVersion
	sc.Edits = slices.Clone(s.edits)
	if sc.Edits == nil {
		sc.Edits = []sim.Edit{}
	}
	return &sc
}

// Building returns building i's results in report r, false for a bad id.
func Building(r *sim.Report, i int) (sim.BuildingResult, bool) {
	if i < 0 || i >= r.NumBuildings() {
		return sim.BuildingResult{}, false
	}
	return r.Building(i), true
}

// diff lists the buildings and segments whose results differ between two
// reports (the core's Changed will give this without the scan).
func (s *Session) diff(a, b *sim.Report) Changes {
	var ch Changes
	if a == b {
		return ch
	}
	for i := 0; i < b.NumBuildings(); i++ {
		ra, _ := Building(a, i)
		rb, _ := Building(b, i)
		if ra != rb {
			ch.Buildings = append(ch.Buildings, i)
		}
	}
	for i := range b.Streets {
		if i >= len(a.Streets) || a.Streets[i] != b.Streets[i] {
			ch.Segments = append(ch.Segments, i)
		}
	}
	return ch
}
