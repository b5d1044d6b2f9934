//go:build js && wasm

package sim

import "unsafe"

// labelCorrect is labelCorrectGo written in WebAssembly (graph_wasm.s).
// Go's js/wasm compiler turns every jump of a loop into a return to the
// top of the function and a dispatch through a table of its blocks; the
// hand-written loop uses WebAssembly's own loops and blocks, which V8
// compiles as a native compiler would. It has no bounds checks, so the
// slices are checked here, once per search: every arc's head and every
// start must lie within the nodes, as buildGraph makes them.
func labelCorrect(start []int32, arcs []arc, dist []float64, pred, q []int32, queued []bool, size int) {
	n := len(dist)
	if len(arcs) == 0 || len(start) != n+1 || len(pred) != n || len(queued) != n ||
		len(q) < n || len(q)&(len(q)-1) != 0 || int(start[n]) != len(arcs) {
		labelCorrectGo(start, arcs, dist, pred, q, queued, size)
		return
	}
	labelCorrectWasm(unsafe.SliceData(start), unsafe.SliceData(arcs), unsafe.SliceData(dist),
		unsafe.SliceData(pred), unsafe.SliceData(q), unsafe.SliceData(queued), len(q)-1, size)
}

// labelCorrectWasm is in graph_wasm.s.
//
//go:noescape
func labelCorrectWasm(start *int32, arcs *arc, dist *float64, pred *int32, q *int32, queued *bool, mask, size int)

// addPaths is addPathsGo written in WebAssembly (graph_wasm.s). The tree
// and the load must belong to g (as the searches make them); the
// destinations are checked here.
func addPaths(g *graph, pred, dst []int32, val []float64, div float64, load []float64) {
	ok := len(dst) == len(val) && len(g.from) == len(g.seg) && len(g.start) == len(pred)+1 && len(g.seg) > 0
	for _, n := range dst {
		ok = ok && uint(n) < uint(len(pred))
	}
	if !ok || len(val) == 0 {
		addPathsGo(g, pred, dst, val, div, load)
		return
	}
	addPathsWasm(unsafe.SliceData(g.from), unsafe.SliceData(g.seg), unsafe.SliceData(pred), unsafe.SliceData(dst),
		unsafe.SliceData(val), len(val), div, unsafe.SliceData(load))
}

// addPathsWasm is in graph_wasm.s.
//
//go:noescape
func addPathsWasm(from, seg, pred, dst *int32, val *float64, n int, div float64, load *float64)
