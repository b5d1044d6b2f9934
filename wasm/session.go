//go:build js && wasm

package main

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

// changes lists the buildings and segments whose results moved in the last
// Apply, Undo or Redo.
type changes struct {
	Buildings []int
	Segments  []int
}

// session is a resident's proposal on a city: the evaluator, the edits
// applied, the edits undone (for redo) and the scenario's header.
type session struct {
	city    *sim.City
	ev      *sim.Evaluator
	header  sim.Scenario // Version, Name, Description, City, Seed, Params; Edits unused
	edits   []sim.Edit
	undone  []sim.Edit // most recently undone last
	changed changes
}

// newSession starts a session from a scenario file: its parameters, then its
// edits in order. An edit that does not apply is an error naming its index.
func newSession(c *sim.City, sc *sim.Scenario) (*session, error) {
	p := sim.DefaultParams()
	names := make([]string, 0, len(sc.Params))
	for k := range sc.Params {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if err := p.Set(k, sc.Params[k]); err != nil {
			return nil, fmt.Errorf("wasm: params: %v", err)
		}
	}
	s := &session{city: c, ev: sim.NewEvaluator(c, p), header: *sc}
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

// result returns the baseline, scenario and deltas now.
func (s *session) result() *sim.Result { return s.ev.Result() }

// apply applies one edit, checked first as barri run checks a scenario's
// edits, so that the page refuses exactly what the command line refuses.
func (s *session) apply(e sim.Edit) error {
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

// undo reverts the last edit.
func (s *session) undo() error {
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

// redo re-applies the edit undone last.
func (s *session) redo() error {
	if len(s.undone) == 0 {
		return errors.New("wasm: nothing to redo")
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

func (s *session) canUndo() bool { return len(s.edits) > 0 }
func (s *session) canRedo() bool { return len(s.undone) > 0 }

// scenario returns the scenario file of the current state: the header it was
// loaded with and the edits applied now.
func (s *session) scenario() *sim.Scenario {
	sc := s.header
	sc.Version = sim.ScenarioVersion
	sc.Edits = slices.Clone(s.edits)
	if sc.Edits == nil {
		sc.Edits = []sim.Edit{}
	}
	return &sc
}

// building returns building i's results in report r, false for a bad id.
func building(r *sim.Report, i int) (sim.BuildingResult, bool) {
	if i < 0 || i >= r.NumBuildings() {
		return sim.BuildingResult{}, false
	}
	return r.Building(i), true
}

// diff lists the buildings and segments whose results differ between two
// reports (the core's Changed will give this without the scan).
func (s *session) diff(a, b *sim.Report) changes {
	var ch changes
	if a == b {
		return ch
	}
	for i := 0; i < b.NumBuildings(); i++ {
		ra, _ := building(a, i)
		rb, _ := building(b, i)
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
