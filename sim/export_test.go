package sim

// FreeFlowRunner returns a function that builds the free-flow car network and
// its shortest-path trees of a fresh state on c: the shortest-path searches
// of one street edit, for benchmarks.
func FreeFlowRunner(c *City) func() {
	s := NewState(c, DefaultParams())
	trees := [2]*spt{newSPT(len(c.Nodes)), newSPT(len(c.Nodes))}
	c.prep() // what the city derives once, not part of an edit
	return func() { newFreeFlow(c, s, &trees) }
}
