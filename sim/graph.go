package sim

import (
	"math"
)

// graph is a compact street graph in CSR form: the arcs leaving node n are
// arcs[start[n]:start[n+1]], each naming its segment. Arcs are laid out by
// node, then by segment id: deterministic.
type graph struct {
	start []int32
	from  []int32
	to    []int32
	seg   []int32
}

// buildGraph builds a directed graph over the segments that keep(seg, forward) allows.
func buildGraph(c *City, keep func(seg int, forward bool) bool) *graph {
	n := len(c.Nodes)
	deg := make([]int32, n+1)
	for i := range c.Segments {
		s := &c.Segments[i]
		if keep(i, true) {
			deg[s.From]++
		}
		if keep(i, false) {
			deg[s.To]++
		}
	}
	g := &graph{start: make([]int32, n+1)}
	for i := 0; i < n; i++ {
		g.start[i+1] = g.start[i] + deg[i]
	}
	m := g.start[n]
	g.from = make([]int32, m)
	g.to = make([]int32, m)
	g.seg = make([]int32, m)
	fill := append([]int32(nil), g.start[:n]...)
	for i := range c.Segments {
		s := &c.Segments[i]
		if keep(i, true) {
			k := fill[s.From]
			g.from[k], g.to[k], g.seg[k] = int32(s.From), int32(s.To), int32(i)
			fill[s.From]++
		}
		if keep(i, false) {
			k := fill[s.To]
			g.from[k], g.to[k], g.seg[k] = int32(s.To), int32(s.From), int32(i)
			fill[s.To]++
		}
	}
	return g
}

// arcCosts fills one cost per arc from a cost per segment.
func (g *graph) arcCosts(segCost []float64, out []float64) []float64 {
	if cap(out) < len(g.seg) {
		out = make([]float64, len(g.seg))
	}
	out = out[:len(g.seg)]
	for a, s := range g.seg {
		out[a] = segCost[s]
	}
	return out
}

// spt is the workspace of shortest-path searches on one graph: reuse it
// across searches to avoid allocation. Its queue is a binary heap of
// (cost, node) pairs indexed by node, with decrease-key, so it never holds
// more than one entry per node. The search is deterministic: the same graph
// and costs settle nodes in the same order on every machine.
type spt struct {
	dist []float64
	pred []int32 // arc into the node on the shortest path, -1 at sources and unreached nodes
	heap []heapEntry
	pos  []int32 // node -> index in heap, -1 when not queued
}

type heapEntry struct {
	d float64
	n int32
}

func newSPT(nodes int) *spt {
	t := &spt{dist: make([]float64, nodes), pred: make([]int32, nodes), pos: make([]int32, nodes)}
	for i := range t.pos {
		t.pos[i] = -1
	}
	return t
}

// push queues node n at cost d, or lowers its cost if it is queued.
func (t *spt) push(n int32, d float64) {
	h, pos := t.heap, t.pos
	i := int(pos[n])
	if i < 0 {
		h = append(h, heapEntry{})
		i = len(h) - 1
	}
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d <= d {
			break
		}
		h[i] = h[p]
		pos[h[i].n] = int32(i)
		i = p
	}
	h[i] = heapEntry{d, n}
	pos[n] = int32(i)
	t.heap = h
}

// run computes shortest costs from the sources (with initial costs) over arc
// costs (one per arc; +Inf closes an arc).
func (t *spt) run(g *graph, src []int32, init []float64, cost []float64) {
	t.runTo(g, src, init, cost, nil, 0)
}

// runTo is run that may stop early: once every node marked in target (the
// count of distinct marked nodes is ntarget) is settled. Nodes not settled
// by then keep a provisional cost and must not be read.
func (t *spt) runTo(g *graph, src []int32, init []float64, cost []float64, target []bool, ntarget int) {
	dist, pred := t.dist, t.pred
	for i := range dist {
		dist[i] = math.Inf(1)
		pred[i] = -1
	}
	t.heap = t.heap[:0]
	for i, s := range src {
		if init[i] < dist[s] {
			dist[s] = init[i]
			t.push(s, init[i])
		}
	}
	start, to := g.start, g.to
	left := ntarget
	h, pos := t.heap, t.pos
	for len(h) > 0 {
		// Pop the least node, written out here: calls are dear on js/wasm.
		top := h[0]
		u, du := top.n, top.d
		pos[u] = -1
		last := len(h) - 1
		if last > 0 {
			e := h[last]
			h = h[:last]
			i := 0
			for {
				l := 2*i + 1
				if l >= last {
					break
				}
				m := l
				if r := l + 1; r < last && h[r].d < h[l].d {
					m = r
				}
				if h[m].d >= e.d {
					break
				}
				h[i] = h[m]
				pos[h[i].n] = int32(i)
				i = m
			}
			h[i] = e
			pos[e.n] = int32(i)
		} else {
			h = h[:0]
		}
		if target != nil && target[u] {
			if left--; left == 0 {
				for _, e := range h {
					pos[e.n] = -1
				}
				h = h[:0]
				break
			}
		}
		for a, end := start[u], start[u+1]; a < end; a++ {
			nd := du + cost[a]
			v := to[a]
			if nd >= dist[v] {
				continue
			}
			dist[v] = nd
			pred[v] = a
			// Push v or lower its cost, written out as the pop is.
			i := int(pos[v])
			if i < 0 {
				h = append(h, heapEntry{})
				i = len(h) - 1
			}
			for i > 0 {
				p := (i - 1) / 2
				if h[p].d <= nd {
					break
				}
				h[i] = h[p]
				pos[h[i].n] = int32(i)
				i = p
			}
			h[i] = heapEntry{nd, v}
			pos[v] = int32(i)
		}
	}
	t.heap = h
}
