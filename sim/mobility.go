package sim

import (
	"math"
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

// mobilityResult is what the mobility model computes for one state.
type mobilityResult struct {
	zoneTrips  []float64
	zoneModes  [][nModes]float64 // trips by mode
	zoneMin    []float64         // trip-minutes
	segFlow    []float64         // vehicles per day
	segTimeMin []float64         // congested minutes
	tripsDay   float64
	modes      [nModes]float64
	tripMin    float64
	carVkm     float64
	zoneVkm    []float64
	ext        []float64 // car vehicles per day leaving each cell for outside
	extGate    []int32
}

// segFreeMin returns the free-flow car minutes of a segment, +Inf when closed to cars.
func segFreeMin(c *City, s *State, i int) float64 {
	g := &s.Segments[i]
	if g.CarAccess == CarNone || g.SpeedKmh <= 0 || g.Capacity <= 0 {
		return math.Inf(1)
	}
	return c.Segments[i].Length / 1000 / g.SpeedKmh * 60
}

// mobilityModel generates trips per cell, distributes them with a gravity
// model, splits them by a multinomial logit over walk, bike, public transport
// and car, and assigns car trips to the street graph with BPR congestion
// (method of successive averages). See docs/MODELS.md.
func mobilityModel(c *City, s *State, res []buildingResult) *mobilityResult {
	p := &s.Params
	pr := c.prep()
	nc := len(pr.cells)
	nz := len(c.Zones)
	out := &mobilityResult{zoneTrips: make([]float64, nz), zoneModes: make([][nModes]float64, nz),
		zoneMin: make([]float64, nz), segFlow: make([]float64, len(c.Segments)),
		segTimeMin: make([]float64, len(c.Segments)), zoneVkm: make([]float64, nz)}

	// Trip ends per cell, and the zone split of each cell's residents.
	prod := make([]float64, nc)
	attr := make([]float64, nc)
	cellZone := make([][]float64, nc)
	bike := make([]float64, nc) // share of nearby street length with a bike lane
	calm := make([]float64, nc) // share of nearby street length calmed (superblock, pedestrian)
	for i := range c.Buildings {
		ci := pr.bCell[i]
		trips := res[i].residents * p[PTripsPerPerson]
		prod[ci] += trips
		attr[ci] += float64(c.Buildings[i].Jobs*p[PTripsPerJob]) + float64(trips*0.5)
		if z := c.Buildings[i].Zone; z >= 0 {
			if cellZone[ci] == nil {
				cellZone[ci] = make([]float64, nz)
			}
			cellZone[ci][z] += trips
		}
	}
	for ci := range pr.cells {
		var tot, bl, cl float64
		for _, id := range c.SegmentsNear(pr.cells[ci].centroid, 400) {
			l := c.Segments[id].Length
			tot += l
			if s.Segments[id].BikeLane {
				bl += l
			}
			if s.Segments[id].Superblock || s.Segments[id].CarAccess == CarNone {
				cl += l
			}
		}
		if tot > 0 {
			bike[ci], calm[ci] = bl/tot, cl/tot
		}
	}
	// Public transport: walk to the best stop (distance + half headway).
	ptAccess := make([]float64, nc)
	for ci := range pr.cells {
		ptAccess[ci] = s.transitAccessMin(pr.cells[ci].centroid)
	}

	// Congested car times start at free flow.
	t := make([]float64, len(c.Segments))
	for i := range t {
		t[i] = segFreeMin(c, s, i)
		if s.Segments[i].CarAccess == CarLocal {
			t[i] *= 4 // local access only: through routes avoid it
		}
	}
	car := buildGraph(c, func(i int, fwd bool) bool {
		return s.Segments[i].CarAccess != CarNone && s.Segments[i].Capacity > 0 && (fwd || !c.Segments[i].Oneway)
	})
	nn := len(c.Nodes)
	dist := make([]float64, nn)
	pred := make([]int32, nn)
	// Car OD matrix (vehicles/day) between cells, plus through traffic.
	carOD := make([]float64, nc*nc)
	walkKm := func(a, b int) float64 {
		return float64(dist2(pr.cells[a].centroid, pr.cells[b].centroid)*1.3)/1000 + 0.3
	}
	decay := p[PGravityKm]
	w := make([]float64, nc)
	for o := 0; o < nc; o++ {
		if prod[o] == 0 {
			continue
		}
		// Car times from this cell over the free-flow network, for mode choice.
		car.dijkstra([]int32{pr.cells[o].node}, []float64{0}, func(sg int32) float64 { return t[sg] }, dist, nil)
		var sum float64
		for d := 0; d < nc; d++ {
			w[d] = attr[d] * math.Exp(-walkKm(o, d)/decay)
			sum += w[d]
		}
		internal := prod[o] * (1 - p[PExternalShare])
		for d := 0; d <= nc; d++ {
			var trips, km, carMin float64
			if d == nc { // trips leaving the modelled area
				trips, km = prod[o]*p[PExternalShare], p[PExternalKm]
				carMin = km / 25 * 60
			} else {
				if sum == 0 || w[d] == 0 {
					continue
				}
				trips, km = internal*w[d]/sum, walkKm(o, d)
				carMin = dist[pr.cells[d].node] + 2
				if math.IsInf(carMin, 1) {
					carMin = 1e4
				}
			}
			times, shares := s.modeChoice(km, carMin, ptAccess[o], bike[o], calm[o], d, nc, ptAccess, bike, calm)
			for m := 0; m < nModes; m++ {
				tm := trips * shares[m]
				out.modes[m] += tm
				out.tripMin += float64(tm * times[m])
				if cz := cellZone[o]; cz != nil {
					for z := range cz {
						f := cz[z] / prod[o]
						out.zoneModes[z][m] += float64(tm * f)
						out.zoneMin[z] += float64(tm*times[m]) * f
					}
				}
			}
			carVeh := trips * shares[mCar] / p[PCarOccupancy]
			if d == nc {
				out.carVkm += float64(carVeh * km)
				// Leaving the area: each cell uses the gate its index picks, so
				// that external traffic spreads over every gate.
				out.addExternal(c, carVeh, o, pr.gates[o%len(pr.gates)])
			} else if d != o {
				carOD[o*nc+d] += carVeh
			}
		}
	}
	// Trips are counted where they are made, not summed back from the modes,
	// so that a change of mode leaves the count bit for bit the same.
	for o := 0; o < nc; o++ {
		out.tripsDay += prod[o]
		if cz := cellZone[o]; cz != nil {
			for z := range cz {
				out.zoneTrips[z] += cz[z]
			}
		}
	}

	// Assignment: all-or-nothing on current times, averaged over iterations (MSA).
	through := p[PThroughVehDay]
	flow := make([]float64, len(c.Segments))
	aon := make([]float64, len(c.Segments))
	const iters = 4
	for it := 0; it < iters; it++ {
		for i := range aon {
			aon[i] = 0
		}
		for o := 0; o < nc; o++ {
			row := carOD[o*nc : (o+1)*nc]
			any := false
			for _, v := range row {
				if v > 0 {
					any = true
					break
				}
			}
			if !any && out.ext[o] == 0 {
				continue
			}
			car.dijkstra([]int32{pr.cells[o].node}, []float64{0}, func(sg int32) float64 { return t[sg] }, dist, pred)
			for d, v := range row {
				if v > 0 {
					loadPath(car, pred, pr.cells[d].node, v, aon)
				}
			}
			if v := out.ext[o]; v > 0 {
				loadPath(car, pred, out.extGate[o], v, aon)
			}
		}
		// Through traffic between opposite gates.
		ng := len(pr.gates)
		for gi := 0; gi < ng; gi++ {
			car.dijkstra([]int32{pr.gates[gi]}, []float64{0}, func(sg int32) float64 { return t[sg] }, dist, pred)
			loadPath(car, pred, pr.gates[(gi+ng/2)%ng], through/float64(ng), aon)
		}
		step := 1 / float64(it+1)
		for i := range flow {
			flow[i] = float64(flow[i]*(1-step)) + float64(aon[i]*step)
			fm := segFreeMin(c, s, i)
			if math.IsInf(fm, 1) {
				t[i] = fm
				continue
			}
			vc := float64(flow[i]*p[PPeakShare]) / s.Segments[i].Capacity
			t[i] = fm * (1 + float64(p[PBPRAlpha]*math.Pow(vc, p[PBPRBeta])))
			if s.Segments[i].CarAccess == CarLocal {
				t[i] *= 4
			}
		}
	}
	for i := range flow {
		out.segFlow[i] = flow[i]
		out.segTimeMin[i] = t[i]
		vkm := float64(flow[i] * c.Segments[i].Length / 1000)
		out.carVkm += vkm
		if z := pr.segZone[i]; z >= 0 {
			out.zoneVkm[z] += vkm
		}
	}
	// Through traffic counts as trips made (people in through vehicles).
	out.tripsDay += through * p[PCarOccupancy]
	return out
}

// addExternal records car vehicles leaving cell o through gate g.
func (m *mobilityResult) addExternal(c *City, veh float64, o int, g int32) {
	if m.ext == nil {
		n := len(c.prep().cells)
		m.ext = make([]float64, n)
		m.extGate = make([]int32, n)
	}
	m.ext[o] += veh
	m.extGate[o] = g
}

// loadPath adds v vehicles along the shortest-path tree from the source to dst.
func loadPath(g *graph, pred []int32, dst int32, v float64, load []float64) {
	for n := dst; pred[n] >= 0; n = g.from[pred[n]] {
		load[g.seg[pred[n]]] += v
	}
}

func dist2(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// transitAccessMin returns the generalised minutes to board public transport
// near p: walking to a stop plus half its headway, the best stop within 800 m.
func (s *State) transitAccessMin(p [2]float64) float64 {
	pp := s.Params
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

// modeChoice returns door-to-door minutes and logit shares of each mode for a
// trip of km kilometres from cell o to d (d == nc: outside the area).
func (s *State) modeChoice(km, carMin, ptAcc, bikeO, calmO float64, d, nc int, ptAccess, bike, calm []float64) (times, shares [nModes]float64) {
	p := &s.Params
	ptAccD, bikeD, calmD := 20.0, 0.0, 0.0
	if d < nc {
		ptAccD, bikeD, calmD = ptAccess[d], bike[d], calm[d]
	} else {
		ptAccD = ptAcc
	}
	times[mWalk] = km / p[PWalkKmh] * 60
	times[mBike] = km/p[PBikeKmh]*60 + 2
	ptSpeed := p[PBusKmh]
	if km > 2 {
		ptSpeed = p[PMetroKmh]
	}
	times[mPT] = km/ptSpeed*60 + ptAcc/p[PWalkWeight] + ptAccD/p[PWalkWeight]
	times[mCar] = carMin + 3 // parking search and walk
	b := p[PBetaTime]
	vot := p[PValueOfTime] / 60
	var u [nModes]float64
	u[mWalk] = float64(b*p[PWalkWeight]) * times[mWalk] * (1 - 0.3*float64(calmO+calmD)/2)
	u[mBike] = p[PASCBike] + b*(times[mBike]-p[PBikeLaneBonusMin]*(bikeO+bikeD)/2) - float64(p[PBikeLaneBonusMin]*0.1*(calmO+calmD))
	// Access and waiting count with their weight: ptAcc is already weighted.
	u[mPT] = p[PASCPT] + b*(times[mPT]-ptAcc/p[PWalkWeight]-ptAccD/p[PWalkWeight]+ptAcc+ptAccD+p[PPTFare]/vot)
	carCost := float64(km*p[PCarCostKm]) + p[PParkingEur]
	u[mCar] = p[PASCCar] + b*(times[mCar]+carCost/vot+p[PSuperblockCarPenaltyMin]*(calmO+calmD))
	mx := math.Inf(-1)
	for _, v := range u {
		mx = math.Max(mx, v)
	}
	var sum float64
	for m := range u {
		shares[m] = math.Exp(u[m] - mx)
		sum += shares[m]
	}
	for m := range shares {
		shares[m] /= sum
	}
	return times, shares
}
