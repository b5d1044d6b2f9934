package sim

import "errors"

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
}

// appliedEdit is an edit's undo record and which stages it reached.
type appliedEdit struct {
	undo                 *Undo
	params, parks, stops bool
}

// NewEvaluator evaluates the baseline of a city with the given parameters and
// starts a scenario on it with no edits.
func NewEvaluator(c *City, p Params) *Evaluator {
	base := NewState(c, p)
	mb := newModel(base)
	ev := &Evaluator{baseRep: mb.report(nil), st: base.Clone()}
	// The scenario starts as a copy of the baseline's stages. Stages are
	// replaced, never changed in place, except the per-building energy.
	m := *mb
	m.s = ev.st
	m.energy = append([]buildingEnergy(nil), mb.energy...)
	m.minutes = append([][]float64(nil), mb.minutes...)
	m.zh = append([]zoneHousing(nil), mb.zh...)
	m.tree = newSPT(len(c.Nodes))
	m.trees = [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}
	ev.m = &m
	ev.rep = ev.m.report(ev.baseRep)
	return ev
}

// SetName sets the name and seed reported in results.
func (ev *Evaluator) SetName(name string, seed uint64) { ev.name, ev.seed = name, seed }

// State returns the scenario state. Change it only through Apply and Undo.
func (ev *Evaluator) State() *State { return ev.st }

// Len returns the number of edits applied.
func (ev *Evaluator) Len() int { return len(ev.applied) }

// Result returns the baseline, scenario and delta indicators now.
func (ev *Evaluator) Result() *Result {
	return newResult(ev.name, ev.st.City.Name, ev.seed, ev.baseRep, ev.rep)
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
		ev.m = newModel(s)
		ev.rep = ev.m.report(ev.baseRep)
		return
	}
	for _, id := range a.undo.TouchedBuildings {
		m.energy[id] = energyOf(c, s, id)
	}
	if a.parks {
		m.minutes[parkKind] = m.accessKind(parkKind)
	}
	if a.stops {
		pr := c.prep()
		m.ptAcc = make([]float64, len(pr.cells))
		for ci := range pr.cells {
			m.ptAcc[ci] = s.transitAccessMin(pr.cells[ci].centroid)
		}
	}
	if a.parks || a.stops {
		m.hedonicAll()
	}
	buildings := len(a.undo.TouchedBuildings) > 0
	streets := len(a.undo.TouchedSegments) > 0
	if buildings {
		m.housingQuantities()
	}
	if buildings || streets || a.stops {
		d := cellDemand(c, s, m.residents, m.ptAcc)
		if streets {
			m.ff = newFreeFlow(c, s, &m.trees)
		}
		if streets || !d.equal(m.demand) {
			m.mob = mobilityModel(c, s, d, m.ff, &m.trees)
		}
		m.demand = d
	}
	ev.rep = m.report(ev.baseRep)
}

// equal reports whether two demands are the same to the bit.
func (d *mobilityDemand) equal(o *mobilityDemand) bool {
	eq := func(a, b []float64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	if !eq(d.prod, o.prod) || !eq(d.attr, o.attr) || !eq(d.inbound, o.inbound) || !eq(d.bike, o.bike) ||
		!eq(d.calm, o.calm) || !eq(d.ptAcc, o.ptAcc) || len(d.cellZone) != len(o.cellZone) {
		return false
	}
	for i := range d.cellZone {
		if !eq(d.cellZone[i], o.cellZone[i]) {
			return false
		}
	}
	return true
}
