//go:build !(js && wasm)

package sim

// labelCorrect is labelCorrectGo: only js/wasm has its own.
func labelCorrect(start []int32, arcs []arc, dist []float64, pred, q []int32, queued []bool, size int) {
	labelCorrectGo(start, arcs, dist, pred, q, queued, size)
}

// addPaths is addPathsGo: only js/wasm has its own.
func addPaths(g *graph, pred, dst []int32, val []float64, div float64, load []float64) {
	addPathsGo(g, pred, dst, val, div, load)
}
