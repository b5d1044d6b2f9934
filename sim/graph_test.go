package sim

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"testing"
)

// dijkstra is the reference for spt.run: Dijkstra's algorithm with a binary
// heap, from container/heap.
func dijkstra(g *graph, src []int32, init []float64, cost []arc, n int) (dist []float64, pred []int32) {
	dist = make([]float64, n)
	pred = make([]int32, n)
	for i := range dist {
		dist[i], pred[i] = math.Inf(1), -1
	}
	q := &refHeap{}
	for i, s := range src {
		if init[i] < dist[s] {
			dist[s] = init[i]
			heap.Push(q, refItem{init[i], s})
		}
	}
	done := make([]bool, n)
	for q.Len() > 0 {
		it := heap.Pop(q).(refItem)
		if done[it.n] {
			continue
		}
		done[it.n] = true
		for a := g.start[it.n]; a < g.start[it.n+1]; a++ {
			if nd := it.d + cost[a].cost; nd < dist[g.to[a]] {
				dist[g.to[a]], pred[g.to[a]] = nd, a
				heap.Push(q, refItem{nd, g.to[a]})
			}
		}
	}
	return dist, pred
}

type refItem struct {
	d float64
	n int32
}
type refHeap []refItem

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(refItem)) }
func (h *refHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// TestRunMatchesDijkstra: on random grids with one-way and closed streets,
// run finds the costs and, where shortest paths are unique, the trees of
// Dijkstra's algorithm, bit for bit, from one source and from many.
func TestRunMatchesDijkstra(t *testing.T) {
	seed := uint64(7)
	rng := rand.New(rand.NewPCG(seed, 1))
	for trial := 0; trial < 20; trial++ {
		w, h := 5+rng.IntN(30), 5+rng.IntN(30)
		var nodes []Node
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				nodes = append(nodes, Node{})
			}
		}
		var segs []Segment
		add := func(a, b int) {
			segs = append(segs, Segment{From: a, To: b, Oneway: rng.IntN(3) == 0})
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if x+1 < w {
					add(y*w+x, y*w+x+1)
				}
				if y+1 < h {
					add(y*w+x, (y+1)*w+x)
				}
			}
		}
		c := &City{Nodes: nodes, Segments: segs}
		g := buildGraph(c, func(i int, fwd bool) bool { return fwd || !segs[i].Oneway }, nil)
		segCost := make([]float64, len(segs))
		for i := range segCost {
			segCost[i] = (0.1 + rng.Float64()) * tieBreak(i)
			if rng.IntN(20) == 0 {
				segCost[i] = math.Inf(1)
			}
		}
		cost := g.arcCosts(segCost, nil)
		tree := newSPT(len(nodes))
		for k := 0; k < 5; k++ {
			var src []int32
			var init []float64
			for range 1 + k*rng.IntN(4) {
				src = append(src, int32(rng.IntN(len(nodes))))
				init = append(init, rng.Float64())
			}
			tree.run(g, src, init, cost)
			dist, pred := dijkstra(g, src, init, cost, len(nodes))
			for v := range dist {
				if math.Float64bits(dist[v]) != math.Float64bits(tree.dist[v]) || pred[v] != tree.pred[v] {
					t.Fatalf("seed %d trial %d node %d: run gives %v via arc %d, Dijkstra %v via arc %d",
						seed, trial, v, tree.dist[v], tree.pred[v], dist[v], pred[v])
				}
			}
		}
	}
}
