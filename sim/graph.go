package sim

import (
	"math"
)

// graph is a compact street graph in CSR form: the arcs leaving node n are
// arcs[start[n]:start[n+1]], each naming its segment.
type graph struct {
	start []int32
	from  []int32
	to    []int32
	seg   []int32
}

// buildGraph builds a directed graph over the segments that keep(seg, forward)
// allows. Arcs are laid out by node, then by segment id: deterministic.
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

// heap is a binary min-heap of nodes keyed by distance, ties broken by node id.
type heap struct {
	node []int32
	key  []float64
}

func (h *heap) less(i, j int) bool {
	return h.key[i] < h.key[j] || (h.key[i] == h.key[j] && h.node[i] < h.node[j])
}

func (h *heap) push(n int32, k float64) {
	h.node = append(h.node, n)
	h.key = append(h.key, k)
	i := len(h.node) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.node[i], h.node[p] = h.node[p], h.node[i]
		h.key[i], h.key[p] = h.key[p], h.key[i]
		i = p
	}
}

func (h *heap) pop() (int32, float64) {
	n, k := h.node[0], h.key[0]
	last := len(h.node) - 1
	h.node[0], h.key[0] = h.node[last], h.key[last]
	h.node, h.key = h.node[:last], h.key[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && h.less(l, m) {
			m = l
		}
		if r < last && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.node[i], h.node[m] = h.node[m], h.node[i]
		h.key[i], h.key[m] = h.key[m], h.key[i]
		i = m
	}
	return n, k
}

// dijkstra computes shortest costs from the sources (with initial costs) over
// arc weights w[segment]. dist and pred (arc index, -1 for none) are filled;
// they must have one entry per node.
func (g *graph) dijkstra(src []int32, init []float64, w func(seg int32) float64, dist []float64, pred []int32) {
	for i := range dist {
		dist[i] = math.Inf(1)
		if pred != nil {
			pred[i] = -1
		}
	}
	h := &heap{}
	for i, s := range src {
		if init[i] < dist[s] {
			dist[s] = init[i]
			h.push(s, init[i])
		}
	}
	for len(h.node) > 0 {
		u, d := h.pop()
		if d > dist[u] {
			continue
		}
		for a := g.start[u]; a < g.start[u+1]; a++ {
			nd := d + w(g.seg[a])
			v := g.to[a]
			if nd < dist[v] {
				dist[v] = nd
				if pred != nil {
					pred[v] = a
				}
				h.push(v, nd)
			}
		}
	}
}
