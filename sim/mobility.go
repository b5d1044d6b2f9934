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
		cellPred: grow(old.cellPred, nc), gatePred: grow(old.gatePred, ng)}
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
			copy(ff.cellPred[o], tree.pred)
		}
		for gi := h * ng / 2; gi < (h+1)*ng/2; gi++ {
			tree.run(ff.car, []int32{pr.gates[gi]}, []float64{0}, ff.cost)
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
type odChoice struct{ times, shares [nModes]float64 }

// tripChoices holds what the mobility model computes per pair of cells that
// depends on the streets, stops and parameters but not on the trips: the
// gravity model's distance decay and the mode choice. The Evaluator keeps it
// across edits that change only buildings.
type tripChoices struct {
	decay  []float64  // origin cell × destination cell: exp(-km / gravity_km)
	choice []odChoice // origin cell × (destination cell, or last: outside the area)
}

// newTripChoices computes the trip choices of a state's streets and stops.
// The distance decay depends on the parameters alone: it is taken from prev,
// the choices of the same model before an edit, when there are some.
func newTripChoices(c *City, s *State, d *mobilityDemand, ff *freeFlow, prev *tripChoices) *tripChoices {
	p := &s.Params
	pr := c.prep()
	nc := len(pr.cells)
	tc := &tripChoices{}
	if prev != nil {
		// Nothing uses prev once this replaces it: its array is reused.
		tc.choice = grow(prev.choice, nc*(nc+1))
		tc.decay = prev.decay
	} else {
		tc.choice = make([]odChoice, nc*(nc+1))
		tc.decay = make([]float64, nc*nc)
		for k, km := range pr.cellKm {
			tc.decay[k] = detmath.Exp(-km / p[PGravityKm])
		}
	}
	extKm := p[PExternalKm]
	extCarMin := extKm / 25 * 60 // urban driving at 25 km/h door to door
	for o := 0; o < nc; o++ {
		for j := 0; j <= nc; j++ {
			var km, carMin, accD, bikeD, calmD float64
			if j == nc {
				km, carMin = extKm, extCarMin
				accD, bikeD, calmD = 10, 0, 0 // the rest of the city: a stop within a few minutes
			} else {
				km = pr.cellKm[o*nc+j]
				carMin = ff.cellMin[o*nc+j]
				if math.IsInf(carMin, 1) {
					carMin = 600
				}
				accD, bikeD, calmD = d.ptAcc[j], d.bike[j], d.calm[j]
			}
			ch := &tc.choice[o*(nc+1)+j]
			ch.times, ch.shares = s.modeChoice(km, carMin, d.ptAcc[o], accD, (d.bike[o]+bikeD)/2, (d.calm[o]+calmD)/2)
		}
	}
	return tc
}

// mobScratch is the working space of mobilityModel, kept by a model so that
// an edit that reruns the assignment allocates little: on js/wasm the
// garbage collector shares the one thread.
type mobScratch struct {
	carOD, cellCar, ext, aon, w, inCar, flow, t, carShare []float64
	parts                                                 [2][]float64
	cost                                                  []arc
}

func mobilityModel(c *City, s *State, d *mobilityDemand, ff *freeFlow, tc *tripChoices, trees *[2]*spt, sc *mobScratch) *mobilityResult {
	p := &s.Params
	pr := c.prep()
	nc, nz, ns := len(pr.cells), len(c.Zones), len(c.Segments)
	out := &mobilityResult{zoneTrips: make([]float64, nz), zoneModes: make([][nModes]float64, nz),
		zoneMin: make([]float64, nz), segFlow: make([]float64, ns), segTimeMin: make([]float64, ns), zoneVkm: make([]float64, nz)}
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
	extCarMin := extKm / 25 * 60 // urban driving at 25 km/h door to door
	// The sums run in local variables and the four modes are written out,
	// one statement each, in the order of a loop over modes: the same
	// additions in the same order, without a loop's jumps (on js/wasm each
	// one is a dispatch) or stores between them.
	const _ = uint(nModes-4) + uint(4-nModes) // the statements below assume four modes
	tripMin, tripKm, shortTrips, carVkm := out.tripMin, out.tripKm, out.shortTrips, out.carVkm
	modes := out.modes
	carOcc := p[PCarOccupancy]
	for o := 0; o < nc; o++ {
		if d.prod[o] == 0 {
			continue
		}
		var sum float64
		decay := tc.decay[o*nc : (o+1)*nc]
		for j, dc := range decay {
			w[j] = float64(d.attr[j] * dc)
			sum += w[j]
		}
		internal := d.prod[o] * (1 - p[PExternalShare])
		var oModes [nModes]float64 // the origin's trips by mode, and their minutes
		var oMin float64
		choice := tc.choice[o*(nc+1) : (o+1)*(nc+1)]
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
			}
		}
		loadOrigin(car, ff.cellPred[o], pr, carOD[o*nc:(o+1)*nc], ext[o], aon)
	}
	out.tripMin, out.tripKm, out.shortTrips, out.carVkm = tripMin, tripKm, shortTrips, carVkm
	out.modes = modes
	// People from outside come to the area's jobs by the external trips' modes.
	_, inShares := s.modeChoice(extKm, extCarMin, 10, 10, 0, 0)
	sc.inCar = grow(sc.inCar, nc)
	inCar := sc.inCar
	for j := range inCar {
		inCar[j] = d.inbound[j] * inShares[mCar] / p[PCarOccupancy]
		out.carVkm += float64(inCar[j] * extKm)
	}
	for gi := range pr.gates {
		loadGate(car, ff.gatePred[gi], pr, gi, inCar, p[PThroughVehDay], aon)
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
			loadGate(car, tree.pred, pr, gi, inCar, p[PThroughVehDay], part)
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
	out.tripsDay = out.resTrips + float64(p[PThroughVehDay]*p[PCarOccupancy])
	return out
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
func (s *State) modeChoice(km, carMin, accO, accD, bike, calm float64) (times, shares [nModes]float64) {
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
	u[mBike] = p[PASCBike] + gen(times[mBike]-float64(p[PBikeLaneBonusMin]*min(1, bike+calm)))
	u[mPT] = p[PASCPT] + gen(inVeh+accO+accD+eurMin(p[PPTFare]))
	carCost := float64(km*p[PCarCostKm]) + p[PParkingEur]
	u[mCar] = p[PASCCar] + gen(times[mCar]+eurMin(carCost)+float64(p[PSuperblockCarPenaltyMin]*calm))
	mx := math.Inf(-1)
	for _, v := range u {
		mx = max(mx, v)
	}
	var sum float64
	for m := range u {
		shares[m] = detmath.Exp(u[m] - mx)
		sum += shares[m]
	}
	for m := range shares {
		shares[m] /= sum
	}
	return times, shares
}
