// labelCorrectWasm: the loop of labelCorrectGo (graph.go), step for step,
// in WebAssembly's structured loops and blocks. See graph_wasm.go.

#include "go_asm.h"
#include "textflag.h"

// Registers: R0 start, R1 arcs, R2 dist, R3 pred, R4 q, R5 queued,
// R6 mask, R7 head, R8 size, R9 u, R10 a, R11 end, R12 v, R13 an address;
// F16 du, F17 nd. Addresses are 32 bits wide in js/wasm's memory.

// func labelCorrectWasm(start *int32, arcs *arc, dist *float64, pred *int32, q *int32, queued *bool, mask, size int)
TEXT ·labelCorrectWasm(SB), NOSPLIT, $0-64
	I64Load start+0(FP)
	Set R0
	I64Load arcs+8(FP)
	Set R1
	I64Load dist+16(FP)
	Set R2
	I64Load pred+24(FP)
	Set R3
	I64Load q+32(FP)
	Set R4
	I64Load queued+40(FP)
	Set R5
	I64Load mask+48(FP)
	Set R6
	I64Const $0
	Set R7
	I64Load size+56(FP)
	Set R8

	Block // nodes
	Loop
		// for size > 0
		Get R8
		I64Eqz
		BrIf $1

		// u := q[head&mask]; head++; size--
		Get R4
		Get R7
		Get R6
		I64And
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		I64Load32S $0
		Set R9
		Get R7
		I64Const $1
		I64Add
		Set R7
		Get R8
		I64Const $1
		I64Sub
		Set R8

		// queued[u] = false
		Get R5
		Get R9
		I64Add
		I32WrapI64
		I32Const $0
		I32Store8 $0

		// du := dist[u]
		Get R2
		Get R9
		I64Const $3
		I64Shl
		I64Add
		I32WrapI64
		F64Load $0
		Set F16

		// a, end := start[u], start[u+1]
		Get R0
		Get R9
		I64Const $2
		I64Shl
		I64Add
		Set R13
		Get R13
		I32WrapI64
		I64Load32S $0
		Set R10
		Get R13
		I32WrapI64
		I64Load32S $4
		Set R11

		Block // arcs
		Loop
			// for a < end
			Get R10
			Get R11
			I64GeS
			BrIf $1

			// e := &arcs[a]; v := e.to; nd := du + e.cost
			Get R1
			Get R10
			I64Const $arc__size
			I64Mul
			I64Add
			Set R13
			Get R13
			I32WrapI64
			I64Load32S $arc_to
			Set R12
			Get F16
			Get R13
			I32WrapI64
			F64Load $arc_cost
			F64Add
			Set F17

			Block // relax
				// if !(nd < dist[v]) { continue }
				Get R2
				Get R12
				I64Const $3
				I64Shl
				I64Add
				Set R13
				Get F17
				Get R13
				I32WrapI64
				F64Load $0
				F64Lt
				I32Eqz
				BrIf $0

				// dist[v] = nd; pred[v] = a
				Get R13
				I32WrapI64
				Get F17
				F64Store $0
				Get R3
				Get R12
				I64Const $2
				I64Shl
				I64Add
				I32WrapI64
				Get R10
				I64Store32 $0

				// if queued[v] { continue }; queued[v] = true
				Get R5
				Get R12
				I64Add
				Set R13
				Get R13
				I32WrapI64
				I32Load8U $0
				BrIf $0
				Get R13
				I32WrapI64
				I32Const $1
				I32Store8 $0

				Block // queued
					Block // back
						// if size > 0 && nd < dist[q[head&mask]]
						Get R8
						I64Eqz
						BrIf $0
						Get F17
						Get R2
						Get R4
						Get R7
						Get R6
						I64And
						I64Const $2
						I64Shl
						I64Add
						I32WrapI64
						I64Load32S $0
						I64Const $3
						I64Shl
						I64Add
						I32WrapI64
						F64Load $0
						F64Lt
						I32Eqz
						BrIf $0

						// head--; q[head&mask] = v
						Get R7
						I64Const $1
						I64Sub
						Set R7
						Get R4
						Get R7
						Get R6
						I64And
						I64Const $2
						I64Shl
						I64Add
						I32WrapI64
						Get R12
						I64Store32 $0
						Br $1
					End // back

					// q[(head+size)&mask] = v
					Get R4
					Get R7
					Get R8
					I64Add
					Get R6
					I64And
					I64Const $2
					I64Shl
					I64Add
					I32WrapI64
					Get R12
					I64Store32 $0
				End // queued

				// size++
				Get R8
				I64Const $1
				I64Add
				Set R8
			End // relax

			// a++
			Get R10
			I64Const $1
			I64Add
			Set R10
			Br $0
		End
		End // arcs

		Br $0
	End
	End // nodes
	RET

// Registers: R0 from, R1 seg, R2 pred, R3 dst, R4 val, R5 n, R6 load,
// R7 j, R8 node, R9 arc, R10 an address; F16 div, F17 x, then v.

// func addPathsWasm(from, seg, pred, dst *int32, val *float64, n int, div float64, load *float64)
TEXT ·addPathsWasm(SB), NOSPLIT, $0-64
	I64Load from+0(FP)
	Set R0
	I64Load seg+8(FP)
	Set R1
	I64Load pred+16(FP)
	Set R2
	I64Load dst+24(FP)
	Set R3
	I64Load val+32(FP)
	Set R4
	I64Load n+40(FP)
	Set R5
	F64Load div+48(FP)
	Set F16
	I64Load load+56(FP)
	Set R6
	I64Const $0
	Set R7

	Block // destinations
	Loop
		// for j < n
		Get R7
		Get R5
		I64GeS
		BrIf $1

		Block // next
			// if x := val[j]; x > 0
			Get R4
			Get R7
			I64Const $3
			I64Shl
			I64Add
			I32WrapI64
			F64Load $0
			Tee F17
			F64Const $(0.0)
			F64Gt
			I32Eqz
			BrIf $0

			// v := x / div; n := dst[j]
			Get F17
			Get F16
			F64Div
			Set F17
			Get R3
			Get R7
			I64Const $2
			I64Shl
			I64Add
			I32WrapI64
			I64Load32S $0
			Set R8

			Block // path
			Loop
				// a := pred[n]; if a < 0 { break }
				Get R2
				Get R8
				I64Const $2
				I64Shl
				I64Add
				I32WrapI64
				I64Load32S $0
				Tee R9
				I64Const $0
				I64LtS
				BrIf $1

				// load[seg[a]] += v
				Get R6
				Get R1
				Get R9
				I64Const $2
				I64Shl
				I64Add
				I32WrapI64
				I64Load32S $0
				I64Const $3
				I64Shl
				I64Add
				Set R10
				Get R10
				I32WrapI64
				Get R10
				I32WrapI64
				F64Load $0
				Get F17
				F64Add
				F64Store $0

				// n = from[a]
				Get R0
				Get R9
				I64Const $2
				I64Shl
				I64Add
				I32WrapI64
				I64Load32S $0
				Set R8
				Br $0
			End
			End // path
		End // next

		Get R7
		I64Const $1
		I64Add
		Set R7
		Br $0
	End
	End // destinations
	RET
