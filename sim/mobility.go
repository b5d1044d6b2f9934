package sim

import (
	"github.com/barri-city/barri/sim/detmath"
	"math"
	"slices"
)

// Modes in the order of the mode-share indicators.
const (
	mWalk = iota
	mBike
	mPT
	mCar
	nModes
)

var modeNames = [nModes]string{"walk", "bike", "pt", "car"}

// msaIterations is the number of all-or-nothing loads averaged in the
// car assignment (method of successive averages).
const msaIterations = 3

// feedbackIterations is the number of rounds of the outer loop in which
// mode choice sees congested car times: choice, assignment, congested
// cell-to-cell minutes averaged into those the next round's choice sees
// (successive averages over the rounds). The first round chooses on
// free-flow times. docs/MODELS.md gives its convergence on the Eixample.
const feedbackIterations = 4

// mobilityResult is what the mobility model computes for one state.
type mobilityResult struct {
	zoneTrips  []float64
	zoneModes  [][nModes]float64 // trips by mode
	zoneMin    []float64         // trip-minutes
	segFlow    []float64         // vehicles per day
	segTimeMin []float64         // congested minutes, +Inf when closed to cars
	tripsDay   float64           // residents' trips plus people in through vehicles
	resTrips   float64
	modes      [nModes]float64
	tripMin    float64
	tripKm     float64 // trip-kilometres of residents' trips
	shortTrips float64 // residents' trips under 2 km
	carVkm     float64
	zoneVkm    []float64
	feedback   [feedbackIterations - 1]float64 // flowChange between each round and the one before
	// By gender (women, men): residents' trips, by mode, and trip-minutes,
	// city-wide and per zone.
	genTrips     [2]float64
	genModes     [2][nModes]float64
	genMin       [2]float64
	zoneGenModes [][2][nModes]float64
	zoneGenMin   [][2]float64
}

// mobilityDemand is what the mobility model takes from buildings and streets.
type mobilityDemand struct {
	ends     []float64   // trips starting or ending at each building per day, by residents and workers
	jobs     []float64   // trips to the jobs of each building per day
	prod     []float64   // residents' trips starting in each cell
	attr     []float64   // attraction of each cell
	inbound  []float64   // trips into the cell's jobs from outside the area
	cellZone [][]float64 // trips starting in each cell, by zone
	bike     []float64   // share of street length within 400 m with a bike lane
	calm     []float64   // share of street length within 400 m calmed
	ptAcc    []float64   // weighted minutes to board public transport
}

// segFreeMin returns the car minutes of a segment at free flow, +Inf when
// closed to cars. Streets with local access only cost four times their time,
// so that routes avoid passing through them.
func segFreeMin(c *City, s *State, i int) float64 {
	g := &s.Segments[i]
	if g.CarAccess == CarNone || g.SpeedKmh <= 0 || g.Capacity <= 0 {
		return math.Inf(1)
	}
	t := c.Segments[i].Length / 1000 / g.SpeedKmh * 60
	if g.CarAccess == CarLocal {
		t *= 4
	}
	return t * tieBreak(i)
}

// tieBreak returns a factor of 1 to 1 + 2⁻²⁰ (under a second per 10 days of
// driving), fixed for segment i. On a regular grid many routes are equally
// long; multiplying each segment's time by its factor leaves one shortest
// route, so the route found depends on the network alone and not on the
// order of the search, and an edit changes routes only where it changes
// times.
func tieBreak(i int) float64 {
	z := uint64(i) + 0x9e3779b97f4a7c15 // splitmix64
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return 1 + float64(float64(z>>11)/(1<<53)/(1<<20))
}

// newDemand computes trip ends and street qualities per analysis cell.
func newDemand(c *City, s *State, residents, ptAcc []float64) *mobilityDemand {
	pr := c.prep()
	nc := len(pr.cells)
	d := &mobilityDemand{ends: make([]float64, len(c.Buildings)), jobs: make([]float64, len(c.Buildings)), prod: make([]float64, nc), attr: make([]float64, nc), inbound: make([]float64, nc),
		cellZone: make([][]float64, nc), bike: make([]float64, nc), calm: make([]float64, nc), ptAcc: ptAcc}
	for ci := range pr.cells {
		d.tripsCell(c, s, residents, ci)
	}
	d.streets(c, s)
	return d
}

// tripsCell computes the trip ends of the buildings of cell ci and their
// sums, and reports whether any changed.
func (d *mobilityDemand) tripsCell(c *City, s *State, residents []float64, ci int) bool {
	p := &s.Params
	pr := c.prep()
	changed := false
	var prod, attr, inbound float64
	var cz []float64
	perPerson := p[PTripsPerPerson]
	for _, i := range pr.cellBld[ci] {
		trips := float64(residents[i] * perPerson)
		jobs := d.jobsOf(s, int(i))
		d.jobs[i] = jobs
		prod += trips
		attr += jobs + float64(trips*0.5)
		inbound += jobs
		if e := trips + jobs; e != d.ends[i] {
			d.ends[i] = e
			changed = true
		}
		if z := c.Buildings[i].Zone; z >= 0 {
			if cz == nil {
				cz = make([]float64, len(c.Zones))
			}
			cz[z] += trips
		}
	}
	if prod != d.prod[ci] || attr != d.attr[ci] || inbound != d.inbound[ci] ||
		(cz == nil) != (d.cellZone[ci] == nil) || !sameBits(cz, d.cellZone[ci]) {
		d.prod[ci], d.attr[ci], d.inbound[ci], d.cellZone[ci] = prod, attr, inbound, cz
		changed = true
	}
	return changed
}

// jobsOf returns the trips per day to the jobs of building i.
func (d *mobilityDemand) jobsOf(s *State, i int) float64 {
	return float64(Jobs(&s.Params, &s.Buildings[i]) * s.Params[PTripsPerJob])
}

// streets computes the shares of bike-lane and calmed street length around
// each cell, and reports whether any changed.
func (d *mobilityDemand) streets(c *City, s *State) bool {
	pr := c.prep()
	changed := false
	for ci := range pr.cells {
		var tot, bl, cl float64
		for _, id := range pr.cellSegs[ci] {
			l := c.Segments[id].Length
			g := &s.Segments[id]
			tot += l
			if g.BikeLane {
				bl += l
			}
			if g.Superblock || g.CarAccess != CarFull {
				cl += l
			}
		}
		var bike, calm float64
		if tot > 0 {
			bike, calm = bl/tot, cl/tot
		}
		if bike != d.bike[ci] || calm != d.calm[ci] {
			d.bike[ci], d.calm[ci] = bike, calm
			changed = true
		}
	}
	return changed
}

// clone returns a copy of d that shares nothing it may change.
func (d *mobilityDemand) clone() *mobilityDemand {
	n := *d
	n.ends = slices.Clone(d.ends)
	n.jobs = slices.Clone(d.jobs)
	n.prod = slices.Clone(d.prod)
	n.attr = slices.Clone(d.attr)
	n.inbound = slices.Clone(d.inbound)
	n.cellZone = slices.Clone(d.cellZone)
	n.bike = slices.Clone(d.bike)
	n.calm = slices.Clone(d.calm)
	return &n
}

// freeFlow is the car network of a state at free flow: its graph and the
// shortest-path trees from every cell and gate. It depends on the streets
// alone, so the Evaluator keeps it across edits that leave streets alone.
type freeFlow struct {
	car      *graph
	free     []float64 // minutes per segment
	cost     []arc     // minutes per arc
	cellMin  []float64 // origin cell × destination cell: minutes
	cellPred [][]int32 // per origin cell: the tree's arc into each node
	gatePred [][]int32 // per gate
	slab     []int32   // the arrays of cellPred and gatePred
	gates    gateTimes // minutes from cells to gates, and from gate to opposite gate
}

// newFreeFlow builds the car graph and the free-flow trees, the trees in two
// halves side by side (each tree is independent of the others). It may
// reuse the arrays of old, a free-flow network nothing uses any more (nil
// for none): an edit's new network takes over the one it replaces.
func newFreeFlow(c *City, s *State, trees *[2]*spt, old *freeFlow) *freeFlow {
	pr := c.prep()
	nc, ng := len(pr.cells), len(pr.gates)
	if old == nil {
		old = &freeFlow{car: &graph{}}
	}
	ff := &freeFlow{free: grow(old.free, len(c.Segments)), cellMin: grow(old.cellMin, nc*nc),
		cellPred: grow(old.cellPred, nc), gatePred: grow(old.gatePred, ng),
		gates: gateTimes{cellGate: grow(old.gates.cellGate, nc*ng), through: grow(old.gates.through, ng)}}
	for i := range ff.free {
		ff.free[i] = segFreeMin(c, s, i)
	}
	ff.car = buildGraph(c, func(i int, fwd bool) bool { return !math.IsInf(ff.free[i], 1) && (fwd || !c.Segments[i].Oneway) }, old.car)
	ff.cost = ff.car.arcCosts(ff.free, old.cost)
	half := (nc + 1) / 2
	nn := len(c.Nodes)
	ff.slab = grow(old.slab, (nc+ng)*nn) // every tree's arcs, in one allocation
	slab := ff.slab
	for o := range ff.cellPred {
		ff.cellPred[o] = slab[o*nn : (o+1)*nn : (o+1)*nn]
	}
	for gi := range ff.gatePred {
		ff.gatePred[gi] = slab[(nc+gi)*nn : (nc+gi+1)*nn : (nc+gi+1)*nn]
	}
	growTrees := func(h int) {
		tree := trees[h]
		for o := h * half; o < min(nc, (h+1)*half); o++ {
			tree.run(ff.car, []int32{pr.cells[o].node}, []float64{0}, ff.cost)
			for j := 0; j < nc; j++ {
				ff.cellMin[o*nc+j] = tree.dist[pr.cells[j].node]
			}
			for g := 0; g < ng; g++ {
				ff.gates.cellGate[o*ng+g] = tree.dist[pr.gates[g]]
			}
			copy(ff.cellPred[o], tree.pred)
		}
		for gi := h * ng / 2; gi < (h+1)*ng/2; gi++ {
			tree.run(ff.car, []int32{pr.gates[gi]}, []float64{0}, ff.cost)
			ff.gates.through[gi] = tree.dist[pr.gates[(gi+ng/2)%ng]]
			copy(ff.gatePred[gi], tree.pred)
		}
	}
	both(func() { growTrees(0) }, func() { growTrees(1) })
	return ff
}

// mobilityModel generates trips per cell, distributes them with a gravity
// model, splits them by a multinomial logit over walk, bike, public transport
// and car, and assigns car trips to the street graph with BPR congestion by
// the method of successive averages. See docs/MODELS.md.
// odChoice is the door-to-door minutes and mode shares of trips between two cells.
type odChoice struct {
	times, shares [nModes]float64    // shares: of all residents' trips, women's and men's by their share of trips
	gender        [2][nModes]float64 // the shares of women's and of men's trips
	logsum        float64            // the expected best utility over the modes: log Σ exp(u)
}

// genderFactors returns exp of the mode constants' offsets of women's and
// of men's trips: women's public transport and car constants differ from
// men's by gender_pt_asc and gender_car_asc, split so that the offsets,
// weighted by the genders' shares of trips, add to nothing.
func genderFactors(p *Params) (f [2][nModes]float64) {
	w := p[PWomenTripShare]
	for m := range f[0] {
		d := 0.0
		switch m {
		case mPT:
			d = p[PGenderPT]
		case mCar:
			d = p[PGenderCar]
		}
		f[0][m] = detmath.Exp(float64((1 - w) * d))
		f[1][m] = detmath.Exp(-float64(w * d))
	}
	return f
}

// byGender splits the shares of the mode choice into women's and men's
// (genderFactors f) and returns their mixture by women's share of trips w.
func byGender(base *[nModes]float64, f *[2][nModes]float64, w float64) (mix [nModes]float64, g [2][nModes]float64) {
	for k := range g {
		var sum float64
		for m := range base {
			g[k][m] = float64(base[m] * f[k][m])
			sum += g[k][m]
		}
		for m := range base {
			g[k][m] /= sum
		}
	}
	for m := range mix {
		mix[m] = float64(w*g[0][m]) + float64((1-w)*g[1][m])
	}
	return mix, g
}

// tripChoices holds what the mobility model computes per pair of cells that
// depends on the streets, stops and parameters but not on the trips: the
// gravity model's distance decay and the mode choice. The Evaluator keeps it
// across edits that change only buildings.
type tripChoices struct {
	decay  []float64  // origin cell × destination cell: exp(-km / gravity_km)
	choice []odChoice // origin cell × (destination cell, or last: outside the area)
	extra  []float64  // per cell: the extra minutes to leave the area (extraGateMin)
}

// newTripChoices computes the trip choices of a state's streets and stops.
// The distance decay depends on the parameters alone: it is decay, that of
// the choices of the same model before an edit, when there are some (nil
// for none: it is computed), and the new choices share it. The choices may
// take over the arrays of old but its decay, choices nothing uses any more
// (nil for none).
func newTripChoices(c *City, s *State, d *mobilityDemand, ff *freeFlow, decay []float64, old *tripChoices) *tripChoices {
	p := &s.Params
	pr := c.prep()
	nc := len(pr.cells)
	if old == nil {
		old = &tripChoices{}
	}
	tc := &tripChoices{decay: decay, choice: grow(old.choice, nc*(nc+1)), extra: grow(old.extra, nc)}
	if tc.decay == nil {
		tc.decay = make([]float64, nc*nc)
		for k, km := range pr.cellKm {
			tc.decay[k] = detmath.Exp(-km / p[PGravityKm])
		}
	}
	extraGateMin(c, ff.gates.cellGate, tc.extra)
	fillChoices(c, s, d, ff.cellMin, tc.extra, tc.choice)
	return tc
}

// extraGateMin computes into extra, per cell, how many minutes more (or
// fewer) than on the city's own streets at free flow its car trips take to
// the edge of the area: the mean over the gates reachable both ways. Trips
// that leave the area drive that much longer, and commuters who come in.
func extraGateMin(c *City, cellGate, extra []float64) {
	ref := c.refGates().cellGate
	ng := len(c.prep().gates)
	for o := range extra {
		var sum float64
		n := 0
		for g := 0; g < ng; g++ {
			now, was := cellGate[o*ng+g], ref[o*ng+g]
			if math.IsInf(now, 1) || math.IsInf(was, 1) {
				continue
			}
			sum += now - was
			n++
		}
		switch {
		case n > 0:
			extra[o] = sum / float64(n)
		case ng > 0:
			extra[o] = 600 // no gate within reach by car
		default:
			extra[o] = 0
		}
	}
}

// fillChoices computes the door-to-door minutes and mode shares of every
// pair of cells (and from each cell out of the area) into choice, with the
// car minutes between cells carMin (origin × destination) and the extra
// minutes to leave the area from each cell (extraGateMin).
func fillChoices(c *City, s *State, d *mobilityDemand, carMin, extra []float64, choice []odChoice) {
	p := &s.Params
	pr := c.prep()
	nc := len(pr.cells)
	extKm := p[PExternalKm]
	extCarMin := float64(extKm / 25 * 60) // urban driving at 25 km/h door to door (rounded: it is added to)
	gf := genderFactors(p)
	wShare := p[PWomenTripShare]
	for o := 0; o < nc; o++ {
		for j := 0; j <= nc; j++ {
			var km, cm, accD, bikeD, calmD float64
			if j == nc {
				km, cm = extKm, max(extCarMin+extra[o], 1)
				accD, bikeD, calmD = 10, 0, 0 // the rest of the city: a stop within a few minutes
			} else {
				km = pr.cellKm[o*nc+j]
				cm = carMin[o*nc+j]
				if math.IsInf(cm, 1) {
					cm = 600
				}
				accD, bikeD, calmD = d.ptAcc[j], d.bike[j], d.calm[j]
			}
			ch := &choice[o*(nc+1)+j]
			var base [nModes]float64
			ch.times, base, ch.logsum = s.modeChoice(km, cm, d.ptAcc[o], accD, (d.bike[o]+bikeD)/2, (d.calm[o]+calmD)/2)
			ch.shares, ch.gender = byGender(&base, &gf, wShare)
		}
	}
}

// mobScratch is the working space of mobilityModel, kept by a model so that
// an edit that reruns the assignment allocates little: on js/wasm the
// garbage collector shares the one thread.
type mobScratch struct {
	carOD, cellCar, ext, aon, w, inCar, flow, t, carShare  []float64
	parts                                                  [2][]float64
	cost                                                   []arc
	skim, congested, prevFlow                              []float64 // the feedback loop's cell-to-cell minutes and flows
	skimGate, congestedGate, skimThrough, congestedThrough []float64 // and to the gates, and gate to gate
	extra, thrGate                                         []float64
	choice                                                 []odChoice
}

// mobilityModel runs the mobility model of a state: trip generation and
// distribution, then feedbackIterations rounds of mode choice and car
// assignment, each round's choice on the car minutes between cells averaged
// over the rounds before (free flow in the first). Congestion so feeds back
// into mode choice: closing streets makes driving slower on the streets that
// remain, and some car trips change mode rather than route ("evaporation").
// The result is the last round's. It may take over the arrays of old, a
// result nothing uses any more (nil for none).
func mobilityModel(c *City, s *State, d *mobilityDemand, ff *freeFlow, tc *tripChoices, trees *[2]*spt, sc *mobScratch, old *mobilityResult) *mobilityResult {
	pr := c.prep()
	nc, nz, ns := len(pr.cells), len(c.Zones), len(c.Segments)
	if old == nil {
		old = &mobilityResult{}
	}
	out := &mobilityResult{zoneTrips: grow(old.zoneTrips, nz), zoneModes: grow(old.zoneModes, nz),
		zoneMin: grow(old.zoneMin, nz), segFlow: grow(old.segFlow, ns), segTimeMin: grow(old.segTimeMin, ns), zoneVkm: grow(old.zoneVkm, nz),
		zoneGenModes: grow(old.zoneGenModes, nz), zoneGenMin: grow(old.zoneGenMin, nz)}
	ng := len(pr.gates)
	choice, extra := tc.choice, tc.extra
	sc.skim = append(sc.skim[:0], ff.cellMin...)
	sc.skimGate = append(sc.skimGate[:0], ff.gates.cellGate...)
	sc.skimThrough = append(sc.skimThrough[:0], ff.gates.through...)
	sc.prevFlow = grow(sc.prevFlow, ns)
	for round := 0; round < feedbackIterations; round++ {
		if round > 0 {
			*out = mobilityResult{zoneTrips: out.zoneTrips, zoneModes: out.zoneModes, zoneMin: out.zoneMin,
				segFlow: out.segFlow, segTimeMin: out.segTimeMin, zoneVkm: out.zoneVkm, feedback: out.feedback,
				zoneGenModes: out.zoneGenModes, zoneGenMin: out.zoneGenMin}
			clear(out.zoneGenModes)
			clear(out.zoneGenMin)
			clear(out.zoneTrips)
			clear(out.zoneModes)
			clear(out.zoneMin)
			clear(out.zoneVkm)
		}
		var free []odChoice // the first round chooses on free-flow times
		if round > 0 {
			free = tc.choice
		}
		assignRound(c, s, d, ff, tc.decay, choice, free, extra, sc.skimThrough, trees, sc, out)
		if round > 0 {
			out.feedback[round-1] = flowChange(sc.prevFlow, out.segFlow)
		}
		if round == feedbackIterations-1 {
			break
		}
		copy(sc.prevFlow, out.segFlow)
		// The car minutes between cells at this round's congestion,
		// averaged into those the next round chooses on.
		sc.congested = grow(sc.congested, nc*nc)
		sc.congestedGate = grow(sc.congestedGate, nc*ng)
		sc.congestedThrough = grow(sc.congestedThrough, ng)
		congestedSkim(c, ff, sc.t, trees, sc)
		step := 1 / float64(round+2)
		average := func(skim, now []float64) {
			for k, v := range now {
				skim[k] = float64(skim[k]*(1-step)) + float64(v*step)
			}
		}
		average(sc.skim, sc.congested)
		average(sc.skimGate, sc.congestedGate)
		average(sc.skimThrough, sc.congestedThrough)
		sc.extra = grow(sc.extra, nc)
		extraGateMin(c, sc.skimGate, sc.extra)
		sc.choice = grow(sc.choice, nc*(nc+1))
		fillChoices(c, s, d, sc.skim, sc.extra, sc.choice)
		choice, extra = sc.choice, sc.extra
	}
	return out
}

// flowChange is the change of car flows between two rounds: the sum of
// absolute differences over the sum of flows.
func flowChange(prev, now []float64) float64 {
	var diff, sum float64
	for i := range now {
		diff += math.Abs(now[i] - prev[i])
		sum += now[i]
	}
	return diff / max(sum, 1e-9)
}

// congestedSkim computes the car minutes between cells, from cells to the
// gates and between opposite gates at the link times t into sc.congested,
// sc.congestedGate and sc.congestedThrough, the searches in two halves side
// by side.
func congestedSkim(c *City, ff *freeFlow, t []float64, trees *[2]*spt, sc *mobScratch) {
	pr := c.prep()
	nc := len(pr.cells)
	sc.cost = ff.car.arcCosts(t, sc.cost)
	cost := sc.cost
	half := (nc + 1) / 2
	ng := len(pr.gates)
	run := func(h int) {
		tree := trees[h]
		for o := h * half; o < min(nc, (h+1)*half); o++ {
			tree.run(ff.car, []int32{pr.cells[o].node}, []float64{0}, cost)
			for j := 0; j < nc; j++ {
				sc.congested[o*nc+j] = tree.dist[pr.cells[j].node]
			}
			for g := 0; g < ng; g++ {
				sc.congestedGate[o*ng+g] = tree.dist[pr.gates[g]]
			}
		}
		for gi := h * ng / 2; gi < (h+1)*ng/2; gi++ {
			tree.run(ff.car, []int32{pr.gates[gi]}, []float64{0}, cost)
			sc.congestedThrough[gi] = tree.dist[pr.gates[(gi+ng/2)%ng]]
		}
	}
	both(func() { run(0) }, func() { run(1) })
}

// assignRound runs one round of the mobility model on the mode choices
// given (origin cell × destination cell, or last: outside the area) into
// out, whose arrays it fills: distribution, mode split, and the car
// assignment with its congested link times left in sc.t. With freeChoices,
// the choices at free flow, a destination's weight in the gravity model also
// follows how much worse (or better) its trips became than at free flow:
// exp(destination_logsum_coef × (logsum − free-flow logsum)), the logsum
// being the expected best utility over the modes.
//
// Traffic from outside responds to the car minutes too: commuters to a
// cell choose their mode with the extra minutes to reach it from the edge
// (extra, per cell), and the through traffic entering at a gate is
// through_vehicles_day × (minutes to the opposite gate / those on the
// city's own streets at free flow)^through_time_elasticity, its minutes
// throughMin.
func assignRound(c *City, s *State, d *mobilityDemand, ff *freeFlow, decayAll []float64, allChoices, freeChoices []odChoice,
	extra, throughMin []float64, trees *[2]*spt, sc *mobScratch, out *mobilityResult) {
	p := &s.Params
	pr := c.prep()
	nc, ns := len(pr.cells), len(c.Segments)
	car, free := ff.car, ff.free

	// Distribution and mode choice on free-flow car times; the first
	// all-or-nothing load follows the free-flow trees.
	sc.carOD = grow(sc.carOD, nc*nc)  // vehicles per day
	sc.cellCar = grow(sc.cellCar, nc) // residents' car trips from each cell
	sc.ext = grow(sc.ext, nc)         // vehicles per day leaving each cell
	sc.aon = grow(sc.aon, ns)
	sc.w = grow(sc.w, nc)
	carOD, cellCar, ext, aon, w := sc.carOD, sc.cellCar, sc.ext, sc.aon, sc.w
	extKm := p[PExternalKm]
	extCarMin := float64(extKm / 25 * 60) // urban driving at 25 km/h door to door (rounded: it is added to)
	// The sums run in local variables and the four modes are written out,
	// one statement each, in the order of a loop over modes: the same
	// additions in the same order, without a loop's jumps (on js/wasm each
	// one is a dispatch) or stores between them.
	const _ = uint(nModes-4) + uint(4-nModes) // the statements below assume four modes
	tripMin, tripKm, shortTrips, carVkm := out.tripMin, out.tripKm, out.shortTrips, out.carVkm
	modes := out.modes
	genModes, genMin, genTrips := out.genModes, out.genMin, out.genTrips
	carOcc := p[PCarOccupancy]
	wShare := p[PWomenTripShare]
	for o := 0; o < nc; o++ {
		if d.prod[o] == 0 {
			continue
		}
		var sum float64
		decay := decayAll[o*nc : (o+1)*nc]
		if freeChoices == nil {
			for j, dc := range decay {
				w[j] = float64(d.attr[j] * dc)
				sum += w[j]
			}
		} else {
			lambda := p[PDestLogsum]
			row, row0 := allChoices[o*(nc+1):], freeChoices[o*(nc+1):]
			for j, dc := range decay {
				w[j] = float64(float64(d.attr[j]*dc) * detmath.Exp(float64(lambda*(row[j].logsum-row0[j].logsum))))
				sum += w[j]
			}
		}
		internal := d.prod[o] * (1 - p[PExternalShare])
		var oModes [nModes]float64 // the origin's trips by mode, and their minutes
		var oMin float64
		var oGen [2][nModes]float64 // and by gender
		var oGenMin [2]float64
		choice := allChoices[o*(nc+1) : (o+1)*(nc+1)]
		for j := 0; j <= nc; j++ {
			var trips, km float64
			if j == nc {
				trips, km = d.prod[o]*p[PExternalShare], extKm
			} else {
				if w[j] == 0 {
					continue
				}
				trips, km = internal*w[j]/sum, pr.cellKm[o*nc+j]
			}
			ch := &choice[j]
			times, shares := &ch.times, &ch.shares
			tm0, tm1, tm2, tm3 := float64(trips*shares[0]), float64(trips*shares[1]), float64(trips*shares[2]), float64(trips*shares[3])
			m0, m1, m2, m3 := float64(tm0*times[0]), float64(tm1*times[1]), float64(tm2*times[2]), float64(tm3*times[3])
			modes[0] += tm0
			modes[1] += tm1
			modes[2] += tm2
			modes[3] += tm3
			tripMin += m0
			tripMin += m1
			tripMin += m2
			tripMin += m3
			oModes[0] += tm0
			oModes[1] += tm1
			oModes[2] += tm2
			oModes[3] += tm3
			oMin += m0
			oMin += m1
			oMin += m2
			oMin += m3
			for k, gt := range [2]float64{float64(trips * wShare), float64(trips * (1 - wShare))} {
				gs := &ch.gender[k]
				genTrips[k] += gt
				for m := range gs {
					tm := float64(gt * gs[m])
					mm := float64(tm * times[m])
					genModes[k][m] += tm
					genMin[k] += mm
					oGen[k][m] += tm
					oGenMin[k] += mm
				}
			}
			tripKm += float64(trips * km)
			if km < 2 {
				shortTrips += trips
			}
			cellCar[o] += float64(trips * shares[mCar])
			veh := trips * shares[mCar] / carOcc
			switch {
			case j == nc:
				ext[o] = veh
				carVkm += float64(veh * extKm) // the legs outside the area
			case j != o:
				carOD[o*nc+j] = veh
			}
		}
		// The origin's trips go to the zones of its residents, by share.
		if cz := d.cellZone[o]; cz != nil {
			for z := range cz {
				f := cz[z] / d.prod[o]
				for m := 0; m < nModes; m++ {
					out.zoneModes[z][m] += float64(oModes[m] * f)
				}
				out.zoneMin[z] += float64(oMin * f)
				for k := range oGen {
					for m := 0; m < nModes; m++ {
						out.zoneGenModes[z][k][m] += float64(oGen[k][m] * f)
					}
					out.zoneGenMin[z][k] += float64(oGenMin[k] * f)
				}
			}
		}
		loadOrigin(car, ff.cellPred[o], pr, carOD[o*nc:(o+1)*nc], ext[o], aon)
	}
	out.tripMin, out.tripKm, out.shortTrips, out.carVkm = tripMin, tripKm, shortTrips, carVkm
	out.modes = modes
	out.genModes, out.genMin, out.genTrips = genModes, genMin, genTrips
	// People from outside come to the area's jobs by the external trips'
	// modes, with the minutes it takes to drive in.
	sc.inCar = grow(sc.inCar, nc)
	inCar := sc.inCar
	for j := range inCar {
		_, inShares, _ := s.modeChoice(extKm, max(extCarMin+extra[j], 1), 10, 10, 0, 0)
		inCar[j] = d.inbound[j] * inShares[mCar] / p[PCarOccupancy]
		out.carVkm += float64(inCar[j] * extKm)
	}
	ref := c.refGates().through
	sc.thrGate = grow(sc.thrGate, len(pr.gates))
	thrGate := sc.thrGate
	var through float64
	for gi := range pr.gates {
		thrGate[gi] = p[PThroughVehDay]
		switch now, was := throughMin[gi], ref[gi]; {
		case math.IsInf(was, 1) || was <= 0:
		case math.IsInf(now, 1):
			thrGate[gi] = 0
		default:
			thrGate[gi] = float64(thrGate[gi] * detmath.Pow(now/was, p[PThroughElasticity]))
		}
		through += thrGate[gi] / float64(len(pr.gates))
		loadGate(car, ff.gatePred[gi], pr, gi, inCar, thrGate[gi], aon)
	}

	// Successive averages: reload on congested times, average the loads.
	sc.flow = append(sc.flow[:0], aon...)
	sc.t = grow(sc.t, ns)
	flow, t := sc.flow, sc.t
	congest := func() {
		for i := range t {
			if math.IsInf(free[i], 1) {
				t[i] = free[i]
				continue
			}
			vc := float64(flow[i]*p[PPeakShare]) / s.Segments[i].Capacity
			t[i] = free[i] * (1 + float64(p[PBPRAlpha]*detmath.Pow(vc, p[PBPRBeta])))
		}
	}
	// Each reload is split in two fixed halves of the origins and gates, run
	// side by side and added in a fixed order: the same bits on any number of
	// processors, and on js/wasm.
	cost := sc.cost
	sc.parts[0], sc.parts[1] = grow(sc.parts[0], ns), grow(sc.parts[1], ns)
	parts := sc.parts
	half := (nc + 1) / 2
	ng := len(pr.gates)
	reload := func(h int) {
		part := parts[h]
		for i := range part {
			part[i] = 0
		}
		tree := trees[h]
		for o := h * half; o < min(nc, (h+1)*half); o++ {
			if d.prod[o] == 0 {
				continue
			}
			tree.run(car, []int32{pr.cells[o].node}, []float64{0}, cost)
			loadOrigin(car, tree.pred, pr, carOD[o*nc:(o+1)*nc], ext[o], part)
		}
		for gi := h * ng / 2; gi < (h+1)*ng/2; gi++ {
			tree.run(car, []int32{pr.gates[gi]}, []float64{0}, cost)
			loadGate(car, tree.pred, pr, gi, inCar, thrGate[gi], part)
		}
	}
	for it := 1; it < msaIterations; it++ {
		congest()
		cost = car.arcCosts(t, cost)
		sc.cost = cost
		both(func() { reload(0) }, func() { reload(1) })
		step := 1 / float64(it+1)
		for i := range flow {
			aon := parts[0][i] + parts[1][i]
			flow[i] = float64(flow[i]*(1-step)) + float64(aon*step)
		}
	}
	// Access legs: a car trip starting or ending at a building drives the
	// street it fronts, at its cell's car share. This is the only traffic on
	// streets with local access only, which no route passes through.
	sc.carShare = grow(sc.carShare, nc)
	carShare := sc.carShare
	for o := range carShare {
		if d.prod[o] > 0 {
			carShare[o] = cellCar[o] / d.prod[o]
		}
	}
	for i, e := range d.ends {
		if seg := pr.bSeg[i]; e > 0 && !math.IsInf(free[seg], 1) {
			flow[seg] += float64(e*carShare[pr.bCell[i]]) / p[PCarOccupancy]
		}
	}
	congest()
	for i := range flow {
		out.segFlow[i] = flow[i]
		out.segTimeMin[i] = t[i]
		vkm := float64(flow[i] * c.Segments[i].Length / 1000)
		out.carVkm += vkm
		if z := pr.segZone[i]; z >= 0 {
			out.zoneVkm[z] += vkm
		}
	}
	// Trips are counted where they are made, not summed back from the modes,
	// so that a change of mode leaves the count bit for bit the same.
	for o := 0; o < nc; o++ {
		out.resTrips += d.prod[o]
		if cz := d.cellZone[o]; cz != nil {
			for z := range cz {
				out.zoneTrips[z] += cz[z]
			}
		}
	}
	out.tripsDay = out.resTrips + float64(through*p[PCarOccupancy])
}

// loadOrigin loads one origin's car trips along its shortest-path tree: to
// every cell, and out of the area evenly through the gates.
func loadOrigin(g *graph, pred []int32, pr *prepared, row []float64, ext float64, load []float64) {
	addPaths(g, pred, pr.cellNode, row, 1, load)
	if ext > 0 {
		ng := float64(len(pr.gates))
		out := [1]float64{ext}
		for k := range pr.gates {
			addPaths(g, pred, pr.gates[k:k+1], out[:], ng, load)
		}
	}
}

// loadGate loads the trips that enter at gate gi: inbound commuters to every
// cell, and through traffic to the opposite gate.
func loadGate(g *graph, pred []int32, pr *prepared, gi int, inCar []float64, through float64, load []float64) {
	ng := len(pr.gates)
	addPaths(g, pred, pr.cellNode, inCar, float64(ng), load)
	thr := [1]float64{through}
	opp := (gi + ng/2) % ng
	addPaths(g, pred, pr.gates[opp:opp+1], thr[:], float64(ng), load)
}

// transitAccessMin returns the weighted minutes to board public transport
// near p: walking to a stop plus half its headway, both weighted, for the
// best stop within 800 m (60 when there is none).
func (s *State) transitAccessMin(p [2]float64) float64 {
	pp := &s.Params
	best := 60.0
	try := func(st *Stop) {
		walk := float64(dist(st.P, p)*1.2) / 1000 / pp[PWalkKmh] * 60
		if v := float64(walk*pp[PWalkWeight]) + float64(st.HeadwayMin/2*pp[PWalkWeight]); v < best {
			best = v
		}
	}
	for _, id := range s.City.StopsNear(p, 800) {
		try(&s.City.Stops[id])
	}
	for i := range s.Stops {
		if dist(s.Stops[i].P, p) <= 800 {
			try(&s.Stops[i])
		}
	}
	return best
}

// modeChoice returns door-to-door minutes and the logit shares of each mode
// for a trip of km kilometres with carMin minutes of driving. accO and accD
// are the weighted minutes to board public transport at each end; bike and
// calm the mean shares of bike-lane and calmed street length around the ends.
func (s *State) modeChoice(km, carMin, accO, accD, bike, calm float64) (times, shares [nModes]float64, logsum float64) {
	p := &s.Params
	ww := p[PWalkWeight]
	times[mWalk] = km / p[PWalkKmh] * 60
	times[mBike] = float64(km/p[PBikeKmh]*60) + 2 // locking and unlocking
	ptSpeed := p[PBusKmh]
	if km > 2 {
		ptSpeed = p[PMetroKmh]
	}
	inVeh := float64(km / ptSpeed * 60)
	times[mPT] = inVeh + accO/ww + accD/ww
	times[mCar] = carMin + 3 // parking and walking to the door
	b := p[PBetaTime]
	vot := p[PValueOfTime] / 60 // euros per minute
	// Every parameter in its range gives a number: a price of nothing
	// costs no minutes, whatever the value of time (0/0 otherwise); with a
	// value of time of 0 any price is out of reach (+Inf minutes); and
	// with no weight on time (b = 0) minutes, even infinite ones (a car
	// trip with no route), weigh nothing.
	eurMin := func(eur float64) float64 {
		if eur == 0 {
			return 0
		}
		return eur / vot
	}
	gen := func(minutes float64) float64 {
		if b == 0 {
			return 0
		}
		return float64(b * minutes)
	}
	var u [nModes]float64
	// Calmed streets (superblocks, green axes, pedestrian streets) make
	// walking feel shorter and ride like a bike lane.
	u[mWalk] = float64(b*ww) * times[mWalk] * (1 - float64(p[PCalmWalkFactor]*calm))
	lanes := bike + calm // at most 1; compared, not min: on js/wasm min and max are calls (runtime.fmin64)
	if lanes > 1 {
		lanes = 1
	}
	u[mBike] = p[PASCBike] + gen(times[mBike]-float64(p[PBikeLaneBonusMin]*lanes))
	u[mPT] = p[PASCPT] + gen(inVeh+accO+accD+eurMin(p[PPTFare]))
	carCost := float64(km*p[PCarCostKm]) + p[PParkingEur]
	u[mCar] = p[PASCCar] + gen(times[mCar]+eurMin(carCost)+float64(p[PSuperblockCarPenaltyMin]*calm))
	mx := math.Inf(-1)
	for _, v := range u {
		// As max(mx, v) for every utility the model can give (none is
		// NaN; −0 and +0 give the same shares and logsum), without a call.
		if v > mx {
			mx = v
		}
	}
	var sum float64
	for m := range u {
		shares[m] = detmath.Exp(u[m] - mx)
		sum += shares[m]
	}
	for m := range shares {
		shares[m] /= sum
	}
	return times, shares, mx + detmath.Log(sum)
}
