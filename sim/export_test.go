package sim

// FreeFlowRunner returns a function that builds the free-flow car network and
// its shortest-path trees of a fresh state on c: the shortest-path searches
// of one street edit, for benchmarks.
func FreeFlowRunner(c *City) func() {
	s := NewState(c, DefaultParams())
	trees := [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}
	c.prep() // what the city derives once, not part of an edit
	return func() { newFreeFlow(c, s, &trees, nil) }
}

// SearchRunners returns two functions that compute the free-flow
// shortest-path trees of every cell and gate of c: one with spt.run (label
// correcting), one with the reference Dijkstra of graph_test.go (a binary
// heap from container/heap), so that benchmarks can compare them.
func SearchRunners(c *City) (labelCorrecting, dijkstraHeap func()) {
	s := NewState(c, DefaultParams())
	pr := c.prep()
	ff := newFreeFlow(c, s, &[2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}, nil)
	var sources []int32
	for _, cl := range pr.cells {
		sources = append(sources, cl.node)
	}
	sources = append(sources, pr.gates...)
	tree := newSPT(len(c.Nodes))
	zero := []float64{0}
	labelCorrecting = func() {
		for _, src := range sources {
			tree.run(ff.car, []int32{src}, zero, ff.cost)
		}
	}
	dijkstraHeap = func() {
		for _, src := range sources {
			dijkstra(ff.car, []int32{src}, zero, ff.cost, len(c.Nodes))
		}
	}
	return labelCorrecting, dijkstraHeap
}

// DropScratch forgets the working space a state keeps between edits, which
// is no part of its value, so that tests can compare states whole.
func DropScratch(s *State) { s.hits, s.scratch = nil, nil }

// Feedback returns the flow change between the rounds of the feedback loop.
func Feedback(s *State) []float64 {
	m := newModel(s)
	return m.mob.feedback[:]
}

// GroupWeights returns, per group and group indicator, the weight by which
// the groups of a report average to its city figure.
func GroupWeights(r *Report) Groups { return r.groupW }

// MobilityOf returns the mobility result an Evaluator's model holds now,
// as an opaque pointer: tests compare it to tell a kept result taken up from
// one computed again.
func MobilityOf(ev *Evaluator) any { return ev.m.mob }

// Reused returns how many mobility stages an Evaluator made with the arrays
// of stages it had released.
func Reused(ev *Evaluator) int { return ev.pool.reused }
