package sim

import (
	"sort"

	"github.com/paulmach/orb"
)

// ringSelfIntersectsSweep is the Shamos–Hoey sweep: edges enter the sweep
// status (ordered bottom to top along the sweep line) at their left end and
// leave at their right end; the first proper crossing from the left is
// between two edges that are neighbours in the status at some event, so only
// neighbours are tested, each with segmentsCross, the same test as the pair
// by pair check. At one point, edges leave before others enter.
func ringSelfIntersectsSweep(r orb.Ring) bool {
	n := len(r) - 1
	type event struct {
		p     orb.Point
		edge  int32
		enter bool
	}
	left := func(i int) (orb.Point, orb.Point) {
		a, b := r[i], r[i+1]
		if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
			a, b = b, a
		}
		return a, b
	}
	events := make([]event, 0, 2*n)
	for i := 0; i < n; i++ {
		a, b := left(i)
		if a == b {
			continue // a repeated point: no edge to cross
		}
		events = append(events, event{a, int32(i), true}, event{b, int32(i), false})
	}
	sort.Slice(events, func(x, y int) bool {
		ex, ey := events[x], events[y]
		if ex.p[0] != ey.p[0] {
			return ex.p[0] < ey.p[0]
		}
		if ex.p[1] != ey.p[1] {
			return ex.p[1] < ey.p[1]
		}
		if ex.enter != ey.enter {
			return !ex.enter // leave first
		}
		return ex.edge < ey.edge
	})
	cross := func(i, j int32) bool {
		if i > j {
			i, j = j, i
		}
		if j == i+1 || (i == 0 && int(j) == n-1) {
			return false // adjacent edges, as in the pair by pair check
		}
		return segmentsCross(r[i], r[i+1], r[j], r[j+1])
	}
	orient := func(p, q, s orb.Point) float64 {
		return float64((q[0]-p[0])*(s[1]-p[1])) - float64((q[1]-p[1])*(s[0]-p[0]))
	}
	// below reports whether edge e, entering at its left end p, goes below
	// edge t in the status.
	below := func(e, t int32, p orb.Point) bool {
		ta, tb := left(int(t))
		o := orient(ta, tb, p)
		if ta[0] == tb[0] { // t is vertical: p is on its line
			switch {
			case p[1] < ta[1]:
				return true
			case p[1] > tb[1]:
				return false
			}
			o = 0
		}
		if o != 0 {
			return o < 0
		}
		// p is on t: the edge's direction decides, then the index.
		_, eb := left(int(e))
		if d := orient(ta, tb, eb); d != 0 {
			return d < 0
		}
		return e < t
	}
	var st sweepStatus
	st.nodes = make([]sweepNode, n)
	for _, ev := range events {
		if ev.enter {
			st.insert(ev.edge, func(t int32) bool { return below(ev.edge, t, ev.p) })
			if a := st.above(ev.edge); a >= 0 && cross(ev.edge, a) {
				return true
			}
			if b := st.below(ev.edge); b >= 0 && cross(ev.edge, b) {
				return true
			}
			continue
		}
		a, b := st.above(ev.edge), st.below(ev.edge)
		st.remove(ev.edge)
		if a >= 0 && b >= 0 && cross(a, b) {
			return true
		}
	}
	return false
}

// sweepStatus is a treap of edge indexes, ordered bottom to top, with
// parent links so that an edge is found, removed and its neighbours read
// without comparing (the order of two edges is only decided when one
// enters). Priorities come from a fixed xorshift sequence: the same shape
// on every run.
type sweepStatus struct {
	nodes []sweepNode // by edge index
	root  int32       // -1 when empty
	rng   uint32
	init  bool
}

type sweepNode struct {
	left, right, parent int32
	prio                uint32
}

const noNode = -1

func (s *sweepStatus) insert(e int32, below func(t int32) bool) {
	if !s.init {
		s.root, s.rng, s.init = noNode, 2463534242, true
	}
	s.rng ^= s.rng << 13
	s.rng ^= s.rng >> 17
	s.rng ^= s.rng << 5
	s.nodes[e] = sweepNode{noNode, noNode, noNode, s.rng}
	if s.root == noNode {
		s.root = e
		return
	}
	cur := s.root
	for {
		nd := &s.nodes[cur]
		if below(cur) {
			if nd.left == noNode {
				nd.left = e
				break
			}
			cur = nd.left
		} else {
			if nd.right == noNode {
				nd.right = e
				break
			}
			cur = nd.right
		}
	}
	s.nodes[e].parent = cur
	for p := s.nodes[e].parent; p != noNode && s.nodes[p].prio < s.nodes[e].prio; p = s.nodes[e].parent {
		s.rotateUp(e)
	}
}

// rotateUp moves x above its parent, keeping the order.
func (s *sweepStatus) rotateUp(x int32) {
	p := s.nodes[x].parent
	g := s.nodes[p].parent
	if s.nodes[p].left == x {
		b := s.nodes[x].right
		s.nodes[p].left = b
		if b != noNode {
			s.nodes[b].parent = p
		}
		s.nodes[x].right = p
	} else {
		b := s.nodes[x].left
		s.nodes[p].right = b
		if b != noNode {
			s.nodes[b].parent = p
		}
		s.nodes[x].left = p
	}
	s.nodes[p].parent = x
	s.nodes[x].parent = g
	switch {
	case g == noNode:
		s.root = x
	case s.nodes[g].left == p:
		s.nodes[g].left = x
	default:
		s.nodes[g].right = x
	}
}

func (s *sweepStatus) remove(e int32) {
	for {
		l, r := s.nodes[e].left, s.nodes[e].right
		if l == noNode && r == noNode {
			break
		}
		if r == noNode || (l != noNode && s.nodes[l].prio > s.nodes[r].prio) {
			s.rotateUp(l)
		} else {
			s.rotateUp(r)
		}
	}
	p := s.nodes[e].parent
	switch {
	case p == noNode:
		s.root = noNode
	case s.nodes[p].left == e:
		s.nodes[p].left = noNode
	default:
		s.nodes[p].right = noNode
	}
	s.nodes[e].parent = noNode
}

// above returns the next edge up from e, -1 if none.
func (s *sweepStatus) above(e int32) int32 {
	if r := s.nodes[e].right; r != noNode {
		for s.nodes[r].left != noNode {
			r = s.nodes[r].left
		}
		return r
	}
	for x := e; ; {
		p := s.nodes[x].parent
		if p == noNode {
			return noNode
		}
		if s.nodes[p].left == x {
			return p
		}
		x = p
	}
}

// below returns the next edge down from e, -1 if none.
func (s *sweepStatus) below(e int32) int32 {
	if l := s.nodes[e].left; l != noNode {
		for s.nodes[l].right != noNode {
			l = s.nodes[l].right
		}
		return l
	}
	for x := e; ; {
		p := s.nodes[x].parent
		if p == noNode {
			return noNode
		}
		if s.nodes[p].right == x {
			return p
		}
		x = p
	}
}
