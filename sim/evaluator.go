package sim

import (
	"errors"
	"maps"
	"math"
	"slices"
)

// Evaluator is a session of live editing: the state of a scenario, to
// which edits are applied, undone and redone one at a time. Each recomputes
// only the model stages the edit reaches: the energy of the buildings it
// touched, the walking access to parks when a park is added, the housing
// market, and the mobility model only when trip ends, streets or stops
// changed; an Undo or Redo back to one of the last few states takes up the
// mobility stages and the result it kept of it (keptStates) instead. Its
// results equal a full Compute bit for bit. New mobility stages take the
// arrays of those nothing holds any more (release), never the baseline's.
//
// An Evaluator is used by one goroutine at a time. The City it works on, the
// city's baselines, and every Result and Report it returns are read-only
// and may be shared by any number of goroutines and Evaluators.
type Evaluator struct {
	meta    Scenario // name, description, city, seed and params of the scenario file
	baseRep *Report
	st      *State
	m       *model
	rep     *Report
	prevRep *Report // the report before the last change, for Changed
	applied []appliedEdit
	undone  []Edit  // edits undone, the next to redo last
	res     *Result // the result now
	// kept holds the mobility stages and results of recent states of the
	// session, by their number of edits applied (at most 2*keptStates+1),
	// so that Undo and Redo back to a state take them up again instead of
	// computing them (see keepState).
	kept []keptState
	// base are the baseline model's stages, which other Evaluators and the
	// city share: never recycled. pool holds the stages that nothing holds
	// any more, whose arrays the next stages take over (see release).
	base mobilityStages
	pool stagePool
	// scratch is the report an undo or redo back to a kept state fills to
	// bring the model's sums to the state, and drops: it returns the result
	// it kept. Never returned.
	scratch *Report
}

// mobilityStages are the mobility model's stages of one state: the car
// network at free flow, the trip choices and the model's result, and, in a
// kept state, the state's result. They are functions of the state alone,
// and never changed once made: a new stage takes the arrays of one released
// to the pool, never those of one in use.
//
// Who holds a stage: the model now (Evaluator.m) and the kept states
// (Evaluator.kept), any number of them at once (a rezone keeps the
// free-flow network of the state before), and, for the baseline's own
// stages (Evaluator.base), the city and every Evaluator and workshop room
// started from it. A stage the Evaluator made is released when the last of
// its holders drops it (release); the baseline's never are.
type mobilityStages struct {
	ff  *freeFlow
	tc  *tripChoices
	mob *mobilityResult
	// res is the state's result (shared, never recycled): an undo or redo
	// back to the state returns it again, the bits a new one would have.
	res *Result
}

// stagePool holds stages released by their last holder, at most poolSize of
// each kind, whose arrays newFreeFlow, newTripChoices and mobilityModel
// take over. All the stages of one Evaluator have the sizes of its city
// (grow checks the capacity all the same); a stage's struct is new each
// time, only its arrays are taken over.
type stagePool struct {
	ff     []*freeFlow
	tc     []*tripChoices
	mob    []*mobilityResult
	reused int // stages made with the arrays of released ones, for the tests
}

// poolSize is how many released stages of each kind a pool keeps: as many
// as an edit after a run of undos forgets at once (the states ahead, and
// one that leaves the window behind). The kept states and the pool together
// then hold about as many stages as a full window of kept states.
const poolSize = keptStates + 1

// put adds a released stage to its list, unless the list is full.
func put[T any](list []*T, x *T) []*T {
	if x == nil || len(list) >= poolSize {
		return list
	}
	return append(list, x)
}

// take removes a stage from one of p's lists and returns it, or nil when
// the list is empty.
func take[T any](p *stagePool, list *[]*T) *T {
	n := len(*list)
	if n == 0 {
		return nil
	}
	x := (*list)[n-1]
	(*list)[n-1] = nil
	*list = (*list)[:n-1]
	p.reused++
	return x
}

// keptState is the mobility stages of the state with n edits applied.
type keptState struct {
	n int
	mobilityStages
}

// keptStates is how many states on each side of the current one keep their
// mobility stages and result: undoing up to that many edits in a row, and
// redoing them, computes no mobility model and makes no new result. A
// state's stages take about 250 KB on the Eixample (its result shares most
// of its memory with the results next to it).
const keptStates = 4

// appliedEdit is an edit, its undo record and which stages it reached.
type appliedEdit struct {
	edit                 Edit
	undo                 *Undo
	params, parks, stops bool
}

// NewScenarioEvaluator starts a session on a scenario: the city's baseline
// under the scenario's parameters, with its edits applied (each can then be
// undone). The edits are taken as one change: only the stages they reach
// are computed, once. An invalid edit is an *EditError; invalid parameters
// a *ScenarioError. c is the city the scenario names: the caller loads it.
func NewScenarioEvaluator(c *City, sc *Scenario) (*Evaluator, error) {
	params, err := sc.Parameters()
	if err != nil {
		return nil, err
	}
	if len(sc.Edits) > MaxEdits {
		return nil, &ScenarioError{Field: "edits", Err: msg("edits.too_many_short", "too many edits")}
	}
	base, mb := c.baselineModel(params)
	ev := newEvaluator(base, mb)
	ev.meta = Scenario{Version: ScenarioVersion, Name: sc.Name, Description: sc.Description, City: sc.City, Seed: sc.Seed,
		Params: maps.Clone(sc.Params)}
	st := ev.st
	all := appliedEdit{undo: &Undo{nStops: len(st.Stops), nParks: len(st.Parks)}}
	ev.applied = make([]appliedEdit, 0, len(sc.Edits))
	for i := range sc.Edits {
		a, err := ev.apply(&sc.Edits[i])
		if err != nil {
			return nil, editError(i, sc.Edits[i].Op, err)
		}
		all.undo.TouchedBuildings = append(all.undo.TouchedBuildings, a.undo.TouchedBuildings...)
		all.undo.TouchedSegments = append(all.undo.TouchedSegments, a.undo.TouchedSegments...)
	}
	all.params = st.Params != params
	all.parks = len(st.Parks) != all.undo.nParks
	all.stops = len(st.Stops) != all.undo.nStops
	if len(sc.Edits) > 0 {
		ev.refresh(all, 0, false)
	}
	ev.SetName(sc.Name, sc.Seed)
	ev.prevRep = ev.rep
	return ev, nil
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
// copied; the others are replaced when they change, and the baseline's
// mobility stages are never released to the pool (ev.base).
func newEvaluator(baseRep *Report, mb *model) *Evaluator {
	c := mb.s.City
	ev := &Evaluator{baseRep: baseRep, st: mb.s.Clone(), meta: Scenario{Version: ScenarioVersion, City: c.Name}}
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
	ev.base = mobilityStages{ff: mb.ff, tc: mb.tc, mob: mb.mob}
	m.tree = newSPT(len(c.Nodes))
	m.trees = [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}
	m.scratch = mobScratch{}
	m.zoneDirty, m.rentsDirty, m.ekappa, m.owned, m.ids = nil, nil, nil, nil, nil
	m.changed, m.zoneHousing, m.cellDirty = nil, nil, nil
	m.dirtyPart = make([]bool, len(c.prep().parts))
	m.housingPart = make([]bool, len(c.prep().parts))
	ev.m = &m
	// With no edit the scenario's report is the baseline's: the rents use
	// the constants the baseline fitted, which give the same bits again.
	ev.rep, ev.prevRep = baseRep, baseRep
	ev.res = &Result{}
	pairResult(ev.res, "", c.Name, 0, baseRep, baseRep, make([]ZoneReport, len(baseRep.Zones)))
	return ev
}

// SetName sets the name and seed reported in results and in Scenario.
func (ev *Evaluator) SetName(name string, seed uint64) {
	ev.meta.Name, ev.meta.Seed = name, seed
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
	ev.res = m.result(ev.meta.Name, ev.st.City.Name, ev.meta.Seed, ev.baseRep)
	ev.rep = ev.res.Scenario
}

// Report returns the scenario's report now.
func (ev *Evaluator) Report() *Report { return ev.rep }

// Apply applies one edit and returns the new result; the edits undone
// before it can no longer be redone. On error nothing changes, and the error
// is an *EditError whose Index is the number of edits applied before. The
// Evaluator keeps the edit's slices and pointers (its area, its streets) for
// Redo, Edits and Scenario without copying them: do not change them after.
func (ev *Evaluator) Apply(e *Edit) (*Result, error) {
	if len(ev.applied) >= MaxEdits {
		return nil, editError(len(ev.applied), e.Op, bad("", "edits.too_many", "a scenario holds at most %d edits", MaxEdits))
	}
	a, err := ev.apply(e)
	if err != nil {
		return nil, editError(len(ev.applied), e.Op, err)
	}
	ev.undone = ev.undone[:0]
	// The states after this one that undos left are gone for good.
	now := len(ev.applied)
	ev.forget(func(n int) bool { return n >= now })
	ev.change(*a, len(ev.applied)-1, false)
	return ev.Result(), nil
}

// apply applies e to the state and records it among the applied edits,
// without computing.
func (ev *Evaluator) apply(e *Edit) (*appliedEdit, error) {
	before := ev.st.Params
	u, err := ev.st.Apply(e)
	if err != nil {
		return nil, err
	}
	ev.applied = append(ev.applied, appliedEdit{edit: *e, undo: u, params: ev.st.Params != before,
		parks: len(ev.st.Parks) != u.nParks, stops: len(ev.st.Stops) != u.nStops})
	return &ev.applied[len(ev.applied)-1], nil
}

// change recomputes after a, which took the session from the state with
// from edits applied to the one now, keeping the report before it for
// Changed. back says whether the state now is one the session had before
// (an undo or a redo), whose kept stages it may take up.
func (ev *Evaluator) change(a appliedEdit, from int, back bool) {
	prev := ev.rep
	ev.refresh(a, from, back)
	ev.prevRep = prev
}

// ErrNothingToUndo is returned by Undo when no edit is applied.
var ErrNothingToUndo = errors.New("sim: nothing to undo")

// ErrNothingToRedo is returned by Redo when no edit was undone since the
// last Apply.
var ErrNothingToRedo = errors.New("sim: nothing to redo")

// Undo reverts the last edit applied and returns the new result.
func (ev *Evaluator) Undo() (*Result, error) {
	if len(ev.applied) == 0 {
		return nil, ErrNothingToUndo
	}
	a := ev.applied[len(ev.applied)-1]
	ev.applied = ev.applied[:len(ev.applied)-1]
	ev.st.Revert(a.undo)
	ev.undone = append(ev.undone, a.edit)
	ev.change(a, len(ev.applied)+1, true)
	return ev.Result(), nil
}

// Redo applies again the edit undone last and returns the new result,
// the same bits as before it was undone.
func (ev *Evaluator) Redo() (*Result, error) {
	if len(ev.undone) == 0 {
		return nil, ErrNothingToRedo
	}
	e := ev.undone[len(ev.undone)-1]
	a, err := ev.apply(&e)
	if err != nil { // it applied to this very state before
		return nil, editError(len(ev.applied), e.Op, err)
	}
	ev.undone = ev.undone[:len(ev.undone)-1]
	ev.change(*a, len(ev.applied)-1, true)
	return ev.Result(), nil
}

// CanUndo reports whether an edit is applied; CanRedo whether one was
// undone since the last Apply.
func (ev *Evaluator) CanUndo() bool { return len(ev.applied) > 0 }

// CanRedo reports whether Redo has an edit to apply again.
func (ev *Evaluator) CanRedo() bool { return len(ev.undone) > 0 }

// Edits returns copies of the edits applied, in order.
func (ev *Evaluator) Edits() []Edit {
	out := make([]Edit, len(ev.applied))
	for i := range ev.applied {
		out[i] = cloneEdit(&ev.applied[i].edit)
	}
	return out
}

// Scenario returns the scenario file of the state now: the name,
// description, city, seed and parameters it started from and the edits
// applied. Evaluating it gives the result now, bit for bit.
func (ev *Evaluator) Scenario() *Scenario {
	sc := ev.meta
	sc.Params = maps.Clone(ev.meta.Params)
	sc.Edits = ev.Edits()
	return &sc
}

// Changes lists the buildings and street segments, by id and sorted, whose
// results moved.
type Changes struct {
	Buildings []int
	Segments  []int
}

// Changed returns the buildings and segments whose results (energy, PV,
// dwellings, rent, CO2, walking minutes; car flow, speed, volume/capacity)
// differ, in their bits, between the last Apply, Undo or Redo and the state
// before it: what a map redraws. It compares only the parts of the reports
// that are not shared.
func (ev *Evaluator) Changed() Changes {
	var ch Changes
	a, b := ev.prevRep, ev.rep
	if a == b {
		return ch
	}
	walk := sameWalkArrays(a, b)      // else a park moved them: compare every building's
	ehed := sameArray(a.ehed, b.ehed) // else a park or stop moved them: compare every rent
	for k := range b.buildings {
		n := min(buildingChunk, b.nBuildings-k*buildingChunk)
		if walk && ehed && k < len(a.buildings) && a.buildings[k] == b.buildings[k] && sameZoneRents(a, b, k*buildingChunk, n) {
			continue
		}
		for j := range n {
			i := k*buildingChunk + j
			x, y := &a.buildings[k][j], &b.buildings[k][j]
			if !sameBuildingResult(x, y) || math.Float64bits(a.rentOf(x, i)) != math.Float64bits(b.rentOf(y, i)) ||
				!walk && !sameWalk(a, b, i) {
				ch.Buildings = append(ch.Buildings, i)
			}
		}
	}
	if len(a.Streets) > 0 && len(b.Streets) > 0 && &a.Streets[0] == &b.Streets[0] {
		return ch
	}
	for i := range b.Streets {
		if !sameStreetResult(&a.Streets[i], &b.Streets[i]) {
			ch.Segments = append(ch.Segments, i)
		}
	}
	return ch
}

// sameArray reports whether a and b are the same array.
func sameArray(a, b []float64) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// sameZoneRents reports whether reports a and b have the same rent factors,
// in their bits, in the zones of buildings from to from+n-1.
func sameZoneRents(a, b *Report, from, n int) bool {
	for i := from; i < from+n; i++ {
		if z := b.city.Buildings[i].Zone; z >= 0 && !sameBits(a.zrent[z][:], b.zrent[z][:]) {
			return false
		}
	}
	return true
}

// cloneEdit returns a copy of e that shares no memory with it.
func cloneEdit(e *Edit) Edit {
	c := *e
	c.Area = slices.Clone(e.Area)
	if e.Streets != nil {
		s := *e.Streets
		s.IDs = slices.Clone(s.IDs)
		s.Within = slices.Clone(s.Within)
		c.Streets = &s
	}
	c.Building = clonePtr(e.Building)
	c.AddFloors = clonePtr(e.AddFloors)
	c.AffordableShare = clonePtr(e.AffordableShare)
	c.Dwellings = clonePtr(e.Dwellings)
	c.RoofCoverage = clonePtr(e.RoofCoverage)
	c.HeadwayMin = clonePtr(e.HeadwayMin)
	c.Value = clonePtr(e.Value)
	c.At = slices.Clone(e.At)
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// refresh recomputes the stages an applied or reverted edit reached, from
// the state with from edits applied (change says what back means).
func (ev *Evaluator) refresh(a appliedEdit, from int, back bool) {
	s := ev.st
	c := s.City
	m := ev.m
	if a.params {
		nm := newModel(s)
		nm.dirtyPart, nm.housingPart = m.dirtyPart, m.housingPart
		ev.m = nm
		ev.release(m.stages())
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
	changed := m.changed[:0]
	m.zoneHousing = grow(m.zoneHousing, nz)
	housing := m.zoneHousing
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
		m.cellDirty = grow(m.cellDirty, len(pr.cells))
		cells := m.cellDirty
		for _, id := range changed {
			cells[pr.bCell[id]] = true
		}
		for ci, dirty := range cells {
			if dirty && m.demand.tripsCell(c, s, m.residents, ci) {
				demand = true
			}
		}
	}
	m.changed = changed[:0]
	streets := len(a.undo.TouchedSegments) > 0
	if streets && m.demand.streets(c, s) {
		demand = true
	}
	if a.stops {
		m.demand.ptAcc = m.ptAcc
		demand = true
	}
	// Every change keeps the state it leaves, so that an undo or redo back to
	// it returns its result again, whether or not it reached mobility.
	ev.keepState(from)
	if k, ok := ev.keptAt(len(ev.applied)); ok && back {
		ev.takeUp(k)
		return
	}
	// The stages replaced are kept (keepState above): the new ones take
	// the arrays of stages released to the pool, never of those in use.
	if streets {
		m.ff = newFreeFlow(c, s, &m.trees, take(&ev.pool, &ev.pool.ff))
	}
	if streets || a.stops {
		m.tc = newTripChoices(c, s, m.demand, m.ff, m.tc.decay, take(&ev.pool, &ev.pool.tc))
	}
	if streets || demand {
		m.mob = mobilityModel(c, s, m.demand, m.ff, m.tc, &m.trees, &m.scratch, take(&ev.pool, &ev.pool.mob))
		m.mobChanged = true
	}
	ev.setResult(m)
}

// keepState keeps the mobility stages of the model and the result now,
// those of the state with n edits applied, before a change replaces them,
// and forgets those of states more than keptStates edits away.
func (ev *Evaluator) keepState(n int) {
	ev.keep(n, mobilityStages{ff: ev.m.ff, tc: ev.m.tc, mob: ev.m.mob, res: ev.res})
	lo, hi := len(ev.applied)-keptStates, len(ev.applied)+keptStates
	ev.forget(func(k int) bool { return k < lo || k > hi })
}

// takeUp makes a kept state's stages and result those now: an undo or
// redo back to a state the session had. The model's sums are brought to the
// state by a report into ev.scratch, which shares the kept report's streets
// and building chunks (the same bits), and is dropped.
func (ev *Evaluator) takeUp(k mobilityStages) {
	m := ev.m
	m.ff, m.tc, m.mob = k.ff, k.tc, k.mob
	m.mobChanged = true
	if ev.scratch == nil {
		ev.scratch = &Report{Zones: make([]ZoneReport, len(ev.st.City.Zones))}
	}
	m.same = k.res.Scenario
	m.fill(ev.baseRep, ev.scratch)
	m.same = nil
	ev.res, ev.rep = k.res, k.res.Scenario
	if ev.res.Name != ev.meta.Name || ev.res.Seed != ev.meta.Seed {
		ev.SetName(ev.meta.Name, ev.meta.Seed)
	}
}

// keptAt returns the stages kept of the state with n edits applied.
func (ev *Evaluator) keptAt(n int) (mobilityStages, bool) {
	for i := range ev.kept {
		if ev.kept[i].n == n {
			return ev.kept[i].mobilityStages, true
		}
	}
	return mobilityStages{}, false
}

// keep keeps st as the stages of the state with n edits applied, releasing
// those it kept of it before.
func (ev *Evaluator) keep(n int, st mobilityStages) {
	for i := range ev.kept {
		if ev.kept[i].n == n {
			old := ev.kept[i].mobilityStages
			ev.kept[i].mobilityStages = st
			ev.release(old)
			return
		}
	}
	if ev.kept == nil {
		ev.kept = make([]keptState, 0, 2*keptStates+2)
	}
	ev.kept = append(ev.kept, keptState{n: n, mobilityStages: st})
}

// forget drops the kept states whose number of edits drop reports, one at a
// time and each before its stages are released, so that a stage two of them
// held is released with the last.
func (ev *Evaluator) forget(drop func(n int) bool) {
	for i := 0; i < len(ev.kept); {
		if !drop(ev.kept[i].n) {
			i++
			continue
		}
		st := ev.kept[i].mobilityStages
		ev.kept = slices.Delete(ev.kept, i, i+1)
		ev.release(st)
	}
}

// release puts the stages of st that nothing holds any more into the pool:
// neither the model now, nor a kept state, nor (for the baseline's own,
// which other Evaluators share) anything at all. Their arrays are then
// written by the next stages made; call it only once st's holder has
// dropped them.
func (ev *Evaluator) release(st mobilityStages) {
	free := st // the stages of st no holder holds, nil for those one does
	now := ev.m.stages()
	free.drop(&ev.base)
	free.drop(&now)
	for i := range ev.kept {
		free.drop(&ev.kept[i].mobilityStages)
	}
	ev.pool.ff = put(ev.pool.ff, free.ff)
	ev.pool.tc = put(ev.pool.tc, free.tc)
	ev.pool.mob = put(ev.pool.mob, free.mob)
}

// drop sets to nil the stages of st that h holds too.
func (st *mobilityStages) drop(h *mobilityStages) {
	if st.ff == h.ff {
		st.ff = nil
	}
	if st.tc == h.tc {
		st.tc = nil
	}
	if st.mob == h.mob {
		st.mob = nil
	}
}
