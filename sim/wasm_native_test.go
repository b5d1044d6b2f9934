//go:build !js

package sim_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// wasmTests are the tests TestNativeAndWasmAgree runs under Node.
const wasmTests = "^(TestPrintDigests|TestDigestsPinned|TestRunMatchesDijkstra|TestEditUndoIsBitIdentical|TestEvaluatorMatchesFullCompute|TestEvaluatorEqualsEvaluate|TestEvaluateMatchesFullCompute)$"

// TestNativeAndWasmAgree runs the same scenarios natively and as js/wasm
// under Node, and compares the digests of every indicator, street and building.
// Under Node it also runs the tests that hold the WebAssembly kernels of
// graph_wasm.s to their references: searches against Dijkstra's algorithm,
// and random edit sequences through the Evaluator and random scenarios
// through Evaluate against full recomputes.
func TestNativeAndWasmAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the tests under Node: skipped with -short")
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed: CI must install nodejs to check native/wasm determinism")
		}
		t.Skip("node is not installed: cannot run js/wasm")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	execWrapper := filepath.Join(runtime.GOROOT(), "lib", "wasm", "go_js_wasm_exec")
	cmd := exec.Command(goBin, "test", "-v", "-count=1", "-run", wasmTests, "-exec", execWrapper, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("js/wasm run failed: %v\n%s", err, out.String())
	}
	var wasm []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "digest ") {
			wasm = append(wasm, sc.Text())
		}
	}
	native := digestLines(t)
	if len(wasm) != len(native) {
		t.Fatalf("js/wasm printed %d digests, native has %d:\n%s", len(wasm), len(native), out.String())
	}
	for i := range native {
		if native[i] != wasm[i] {
			t.Errorf("native %s\n   wasm %s", native[i], wasm[i])
		}
	}
	if !t.Failed() {
		t.Logf("%d results bit-identical between native %s and js/wasm", len(native), runtime.GOARCH)
	}
}
