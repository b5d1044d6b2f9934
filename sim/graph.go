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

// buildGraph builds a directed graph over the segments that keep(seg,
// forward) allows. It may reuse the arrays of old, a graph nothing uses any
// more (nil for none).
func buildGraph(c *City, keep func(seg int, forward bool) bool, old *graph) *graph {
	n := len(c.Nodes)
	if old == nil {
		old = &graph{}
	}
	// start counts each node's arcs at its next node's place, then sums
	// them up; filling moves each node's start to the next node's, and a
	// shift puts them back: no other array.
	g := &graph{start: grow(old.start, n+1)}
	start := g.start
	for i := range c.Segments {
		s := &c.Segments[i]
		if keep(i, true) {
			start[s.From+1]++
		}
		if keep(i, false) {
			start[s.To+1]++
		}
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	m := int(start[n])
	g.from = grow(old.from, m)
	g.to = grow(old.to, m)
	g.seg = grow(old.seg, m)
	for i := range c.Segments {
		s := &c.Segments[i]
		if keep(i, true) {
			k := start[s.From]
			g.from[k], g.to[k], g.seg[k] = int32(s.From), int32(s.To), int32(i)
			start[s.From]++
		}
		if keep(i, false) {
			k := start[s.To]
			g.from[k], g.to[k], g.seg[k] = int32(s.To), int32(s.From), int32(i)
			start[s.To]++
		}
	}
	copy(start[1:], start[:n])
	start[0] = 0
	return g
}

// arc is an arc's cost and head, side by side: the search's inner loop
// reads both from one place.
type arc struct {
	cost float64
	to   int32
}

// arcCosts fills one arc per arc of g, with its cost from a cost per segment.
func (g *graph) arcCosts(segCost []float64, out []arc) []arc {
	if cap(out) < len(g.seg) {
		out = make([]arc, len(g.seg))
	}
	out = out[:len(g.seg)]
	for a, s := range g.seg {
		out[a] = arc{segCost[s], g.to[a]}
	}
	return out
}

// spt is the workspace of shortest-path searches on one graph: reuse it
// across searches to avoid allocation.
type spt struct {
	dist   []float64
	pred   []int32 // arc into the node on the shortest path, -1 at sources and unreached nodes
	queue  []int32 // a ring of nodes to scan
	queued []bool
	// A search starts from copies of these: +Inf and -1 at every node
	// (one bulk copy, not a loop, on js/wasm).
	noDist []float64
	noPred []int32
}

func newSPT(nodes int) *spt {
	ring := 1
	for ring < nodes {
		ring *= 2
	}
	t := &spt{dist: make([]float64, nodes), pred: make([]int32, nodes), queue: make([]int32, ring), queued: make([]bool, nodes),
		noDist: make([]float64, nodes), noPred: make([]int32, nodes)}
	for i := range t.noDist {
		t.noDist[i] = math.Inf(1)
		t.noPred[i] = -1
	}
	return t
}

// run computes shortest costs from the sources (with initial costs) over
// arcs (from arcCosts; a cost of +Inf closes an arc) by label correcting: a ring of
// nodes to scan, in which a node goes to the front when its cost is below
// the front's (small label first), else to the back. It needs no heap: on
// the Eixample and on a synthetic city of 100,000 buildings it takes a third
// of the time of Dijkstra's algorithm with a binary heap
// (BenchmarkFreeFlow*), which the tests keep as its reference. It is
// deterministic: the same graph and costs give the same bits on every
// machine. Where a node has two shortest paths of exactly the same cost, the
// one found first wins; route costs carry a tie-break (see tieBreak).
func (t *spt) run(g *graph, src []int32, init []float64, arcs []arc) {
	dist, pred := t.dist, t.pred
	copy(dist, t.noDist)
	copy(pred, t.noPred)
	// The ring's size is a power of two, so that positions wrap by a mask.
	q, queued := t.queue, t.queued[:len(dist)]
	size := 0
	for i, s := range src {
		if init[i] < dist[s] {
			dist[s] = init[i]
			if !queued[s] {
				queued[s] = true
				q[size] = s
				size++
			}
		}
	}
	labelCorrect(g.start, arcs, dist, pred, q, queued, size)
}

// labelCorrectGo scans the ring of nodes q (size nodes from position 0,
// positions masked by len(q)-1) until it is empty, relaxing the arcs of
// each node it takes: the loop of spt.run, in Go. On js/wasm labelCorrect
// is the same loop in WebAssembly (graph_wasm.s), where Go's compiler
// turns every jump of a loop into a dispatch through a table; elsewhere it
// is this function.
func labelCorrectGo(start []int32, arcs []arc, dist []float64, pred, q []int32, queued []bool, size int) {
	mask, head := len(q)-1, 0
	for size > 0 {
		u := q[head&mask]
		head++
		size--
		queued[u] = false
		du := dist[u]
		for a, end := start[u], start[u+1]; a < end; a++ {
			e := &arcs[a]
			v := e.to
			nd := du + e.cost
			if !(nd < dist[v]) {
				continue
			}
			dist[v] = nd
			pred[v] = a
			if queued[v] {
				continue
			}
			queued[v] = true
			if size > 0 && nd < dist[q[head&mask]] {
				head--
				q[head&mask] = v
			} else {
				q[(head+size)&mask] = v
			}
			size++
		}
	}
}

// addPathsGo adds val[j]/div to load along the tree path (pred, a tree of a
// search on g) from the tree's source to node dst[j], for every j with
// val[j] > 0: the car trips of one origin to every destination. On js/wasm
// addPaths is the same loop in WebAssembly (graph_wasm.s); elsewhere it is
// this function.
func addPathsGo(g *graph, pred, dst []int32, val []float64, div float64, load []float64) {
	from, seg := g.from, g.seg
	for j, x := range val {
		if x > 0 {
			v := x / div
			for n := dst[j]; pred[n] >= 0; n = from[pred[n]] {
				load[seg[pred[n]]] += v
			}
		}
	}
}
