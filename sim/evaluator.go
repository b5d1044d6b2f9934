package sim

import (
	"errors"
	"slices"
)

// Evaluator holds the state of a scenario and applies or undoes one edit at
// a time, recomputing only the model stages the edit reaches: the energy of
// the buildings it touched, the walking access to parks when a park is added,
// the housing market, and the mobility model only when trip ends, streets or
// stops changed. Its results equal a full Compute bit for bit.
type Evaluator struct {
	name    string
	seed    uint64
	baseRep *Report
	st      *State
	m       *model
	rep     *Report
	applied []appliedEdit
	res     *Result // the result now
}

// appliedEdit is an edit's undo record and which stages it reached.
type appliedEdit struct {
	undo                 *Undo
	params, parks, stops bool
}

// NewEvaluator starts a scenario with no edits on the baseline of a city
// with the given parameters (computed once per city and parameters, and
// kept: see City.ForgetBaselines).
func NewEvaluator(c *City, p Params) *Evaluator {
	baseRep, mb := c.baselineModel(p)
	return newEvaluator(baseRep, mb)
}

// newEvaluator starts a scenario on a baseline's report and model, which it
// shares and never changes. Stages that the Evaluator changes in place are
// copied; the others are replaced when they change, and the free-flow
// network and trip choices (large arrays an edit reuses) are not reused
// while they are the baseline's.
func newEvaluator(baseRep *Report, mb *model) *Evaluator {
	c := mb.s.City
	ev := &Evaluator{baseRep: baseRep, st: mb.s.Clone()}
	m := *mb
	m.s = ev.st
	m.energy = slices.Clone(mb.energy)
	m.minutes = slices.Clone(mb.minutes)
	m.zh = slices.Clone(mb.zh)
	m.pagg = slices.Clone(mb.pagg)
	m.zagg = slices.Clone(mb.zagg)
	m.zout = slices.Clone(mb.zout)
	m.zrent = slices.Clone(mb.zrent)
	m.residents = slices.Clone(mb.residents)
	m.dwell = slices.Clone(mb.dwell)
	m.demand = mb.demand.clone()
	m.sharedFF, m.sharedTC = true, true
	m.tree = newSPT(len(c.Nodes))
	m.trees = [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}
	m.scratch = mobScratch{}
	m.zoneDirty, m.rentsDirty, m.ekappa, m.owned, m.ids = nil, nil, nil, nil, nil
	m.dirtyPart = make([]bool, len(c.prep().parts))
	m.housingPart = make([]bool, len(c.prep().parts))
	ev.m = &m
	// With no edit the scenario's report is the baseline's: the rents use
	// the constants the baseline fitted, which give the same bits again.
	ev.rep = baseRep
	ev.res = &Result{}
	pairResult(ev.res, "", c.Name, 0, baseRep, baseRep, make([]ZoneReport, len(baseRep.Zones)))
	return ev
}

// SetName sets the name and seed reported in results.
func (ev *Evaluator) SetName(name string, seed uint64) {
	ev.name, ev.seed = name, seed
	r := *ev.res
	r.Name, r.Seed = name, seed
	ev.res = &r
}

// State returns the scenario state. Change it only through Apply and Undo.
func (ev *Evaluator) State() *State { return ev.st }

// Len returns the number of edits applied.
func (ev *Evaluator) Len() int { return len(ev.applied) }

// Result returns the baseline, scenario and delta indicators now. Treat it
// as read-only: results share what did not change between them.
func (ev *Evaluator) Result() *Result { return ev.res }

// setResult computes the report of m and the result now.
func (ev *Evaluator) setResult(m *model) {
	ev.res = m.result(ev.name, ev.st.City.Name, ev.seed, ev.baseRep)
	ev.rep = ev.res.Scenario
}

// Report returns the scenario's report now.
func (ev *Evaluator) Report() *Report { return ev.rep }

// Apply applies one edit and returns the new result. On error nothing changes.
func (ev *Evaluator) Apply(e *Edit) (*Result, error) {
	before := ev.st.Params
	u, err := ev.st.Apply(e)
	if err != nil {
		return nil, &EditError{Index: len(ev.applied), Op: e.Op, Err: err}
	}
	a := appliedEdit{undo: u, params: ev.st.Params != before, parks: len(ev.st.Parks) != u.nParks,
		stops: len(ev.st.Stops) != u.nStops}
	ev.applied = append(ev.applied, a)
	ev.refresh(a)
	return ev.Result(), nil
}

// ErrNothingToUndo is returned by Undo when no edit is applied.
var ErrNothingToUndo = errors.New("sim: nothing to undo")

// Undo reverts the last edit applied and returns the new result.
func (ev *Evaluator) Undo() (*Result, error) {
	if len(ev.applied) == 0 {
		return nil, ErrNothingToUndo
	}
	a := ev.applied[len(ev.applied)-1]
	ev.applied = ev.applied[:len(ev.applied)-1]
	ev.st.Revert(a.undo)
	ev.refresh(a)
	return ev.Result(), nil
}

// refresh recomputes the stages an applied or reverted edit reached.
func (ev *Evaluator) refresh(a appliedEdit) {
	s := ev.st
	c := s.City
	m := ev.m
	if a.params {
		nm := newModel(s)
		nm.dirtyPart, nm.housingPart = m.dirtyPart, m.housingPart
		ev.m = nm
		ev.setResult(nm)
		return
	}
	m.prev = ev.rep
	clear(m.dirtyPart)
	clear(m.housingPart)
	m.mobChanged = false
	m.touched = a.undo.TouchedBuildings
	m.allResults = a.parks || a.stops
	m.green = a.parks || len(a.undo.TouchedSegments) > 0
	pr := c.prep()
	nz := len(c.Zones)
	for _, id := range a.undo.TouchedBuildings {
		m.energy[id] = energyOf(c, s, id)
		m.dirtyPart[pr.bPart[id]] = true
	}
	if a.parks {
		m.minutes[parkKind] = m.accessKind(parkKind)
	}
	if a.stops {
		m.ptAcc = make([]float64, len(pr.cells))
		for ci := range pr.cells {
			m.ptAcc[ci] = s.transitAccessMin(pr.cells[ci].centroid)
		}
	}
	if a.parks || a.stops {
		m.hedonicAll()
		for pi := range m.dirtyPart {
			m.dirtyPart[pi] = true
			m.housingPart[pi] = true
		}
	}
	// A zone's residents change when its dwellings do; trip ends change in
	// the cells of buildings whose residents or jobs changed.
	var changed []int
	housing := make([]bool, nz)
	for _, id := range a.undo.TouchedBuildings {
		b := &s.Buildings[id]
		if d := [2]int{b.Dwellings, b.Affordable}; d != m.dwell[id] {
			m.dwell[id] = d
			m.housingPart[pr.bPart[id]] = true
			if z := c.Buildings[id].Zone; z >= 0 {
				housing[z] = true
			}
		}
		if m.demand.jobsOf(s, id) != m.demand.jobs[id] {
			changed = append(changed, id)
		}
	}
	for z := 0; z < nz; z++ {
		if housing[z] {
			n := len(changed)
			changed = m.housingZone(z, changed, true)
			for _, id := range changed[n:] {
				m.dirtyPart[pr.bPart[id]] = true
				m.housingPart[pr.bPart[id]] = true
			}
		}
	}
	demand := false
	if len(changed) > 0 {
		cells := make([]bool, len(pr.cells))
		for _, id := range changed {
			cells[pr.bCell[id]] = true
		}
		for ci, dirty := range cells {
			if dirty && m.demand.tripsCell(c, s, m.residents, ci) {
				demand = true
			}
		}
	}
	streets := len(a.undo.TouchedSegments) > 0
	if streets && m.demand.streets(c, s) {
		demand = true
	}
	if a.stops {
		m.demand.ptAcc = m.ptAcc
		demand = true
	}
	// The baseline's network and choices are replaced, never reused.
	if streets {
		old := m.ff
		if m.sharedFF {
			old, m.sharedFF = nil, false
		}
		m.ff = newFreeFlow(c, s, &m.trees, old)
	}
	if streets || a.stops {
		prev := m.tc
		if m.sharedTC {
			prev, m.sharedTC = &tripChoices{decay: m.tc.decay}, false
		}
		m.tc = newTripChoices(c, s, m.demand, m.ff, prev)
	}
	if streets || demand {
		m.mob = mobilityModel(c, s, m.demand, m.ff, m.tc, &m.trees, &m.scratch)
		m.mobChanged = true
	}
	ev.setResult(m)
}
