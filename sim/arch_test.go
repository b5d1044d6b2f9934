//go:build !js

package sim_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// corePackages are the packages whose numbers must agree bit for bit on
// every processor: the core, its elementary functions, the built-in cities
// and the importer.
var corePackages = []string{"./sim/...", "./maps/..."}

// fusedOps matches the fused multiply-add instructions of arm64 (FMADDD,
// FMSUBD, FNMADDD, FNMSUBD and their single-precision forms) and of amd64 with
// FMA3 (VFMADD231SD, VFNMSUB132SS, ...), as printed by the compiler's -S.
var fusedOps = regexp.MustCompile(`\s(F(N)?M(ADD|SUB)[DS]|VF(N)?M(ADD|SUB)(SUB|ADD)?[0-9]*[SP][DS])\s`)

// position finds an instruction's source position in a -S listing line.
var position = regexp.MustCompile(`\((/[^)]*\.go:[0-9]+)\)`)

// moduleRoot returns the repository root (sim's parent).
func moduleRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// TestNoFusedMultiplyAdd compiles the core for arm64 and for amd64 v3 (both
// have fused multiply-add instructions, which the Go compiler uses for
// x*y+z unless an explicit conversion rounds the product) and fails if any
// fused instruction comes from the core's source: a fused product rounds
// once instead of twice, and the numbers would differ from amd64 v1 and
// js/wasm. It reads the compiler's assembly listing (-gcflags=-S): go tool
// objdump does not decode amd64's VEX-encoded FMA forms. Instructions from
// outside the module (tidwall/rtree's generic code, instantiated in sim) are
// not counted: they only choose where the R-tree files a box, and every
// search's hits are sorted by id before use.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the core for two architectures: skipped with -short")
	}
	root := moduleRoot(t)
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, target := range []struct{ name, goarch, goamd64 string }{
		{"arm64", "arm64", ""},
		{"amd64-v3", "amd64", "v3"},
	} {
		t.Run(target.name, func(t *testing.T) {
			// Several packages that are not commands: go build compiles them
			// and writes nothing.
			args := append([]string{"build", "-gcflags=github.com/barri-city/barri/...=-S"}, corePackages...)
			cmd := exec.Command(goBin, args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+target.goarch, "GOAMD64="+target.goamd64, "CGO_ENABLED=0")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("go build for %s: %v\n%s", target.name, err, out.String())
			}
			found := map[string]int{}
			listed := 0
			sc := bufio.NewScanner(&out)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				if strings.Contains(line, "STEXT") {
					listed++
				}
				if !fusedOps.MatchString(line) {
					continue
				}
				m := position.FindStringSubmatch(line)
				if m == nil || !strings.HasPrefix(m[1], root+string(filepath.Separator)) {
					continue
				}
				rel, _ := filepath.Rel(root, m[1])
				found[rel]++
			}
			if listed == 0 {
				t.Fatalf("the compiler printed no listing for %s: is -gcflags=-S still how it is asked for?\n%.2000s", target.name, out.String())
			}
			if len(found) > 0 {
				var where []string
				for p, n := range found {
					where = append(where, p+" ("+itoa(n)+")")
				}
				sort.Strings(where)
				t.Errorf("%d source lines compile to fused multiply-add on %s; round the product explicitly, float64(x*y) + z (DESIGN.md §7):\n  %s",
					len(found), target.name, strings.Join(where, "\n  "))
			}
		})
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestDigestsOnOtherProcessors builds this package's tests for amd64 with
// GOAMD64=v3 (FMA3 and AVX2: run here when the processor has them) and for
// arm64 (run under qemu-user's qemu-aarch64 when it is installed), and runs
// TestDigestsPinned there: the example scenarios must give the pinned bits on
// every processor. Under CI both must run.
func TestDigestsOnOtherProcessors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the tests for other processors: skipped with -short")
	}
	root := moduleRoot(t)
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	ci := os.Getenv("CI") == "true"
	t.Run("amd64-v3", func(t *testing.T) {
		if runtime.GOARCH != "amd64" {
			t.Skip("needs an amd64 processor")
		}
		if !cpuHas("fma", "avx2", "bmi2") {
			if ci {
				t.Fatal("this processor lacks FMA/AVX2/BMI2: CI cannot check GOAMD64=v3")
			}
			t.Skip("this processor lacks FMA/AVX2/BMI2 (GOAMD64=v3)")
		}
		runPinned(t, root, goBin, []string{"GOARCH=amd64", "GOAMD64=v3"}, nil)
	})
	t.Run("arm64", func(t *testing.T) {
		var emu []string
		if runtime.GOARCH != "arm64" {
			q, err := exec.LookPath("qemu-aarch64")
			if err != nil {
				if ci {
					t.Fatal("qemu-aarch64 is not installed: CI must install Debian's qemu-user to run the arm64 check")
				}
				t.Skip("qemu-aarch64 is not installed (Debian package qemu-user): cannot run arm64 code here")
			}
			emu = []string{q}
		}
		runPinned(t, root, goBin, []string{"GOARCH=arm64"}, emu)
	})
}

// runPinned compiles sim's test binary with env and runs TestDigestsPinned
// in it, through emu when given.
func runPinned(t *testing.T, root, goBin string, env, emu []string) {
	bin := filepath.Join(t.TempDir(), "sim.test")
	build := exec.Command(goBin, "test", "-c", "-o", bin, "./sim")
	build.Dir = root
	build.Env = append(append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0"), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c (%s): %v\n%s", strings.Join(env, " "), err, out)
	}
	args := append(append([]string(nil), emu...), bin, "-test.run", "^TestDigestsPinned$", "-test.count", "1", "-test.v")
	run := exec.Command(args[0], args[1:]...)
	run.Dir = filepath.Join(root, "sim")
	out, err := run.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestDigestsPinned")) {
		t.Fatalf("TestDigestsPinned (%s): %v\n%s", strings.Join(env, " "), err, out)
	}
	t.Logf("%s: the pinned digests hold", strings.Join(env, " "))
}

// cpuHas reports whether /proc/cpuinfo lists every flag.
func cpuHas(flags ...string) bool {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "flags") {
			continue
		}
		have := map[string]bool{}
		for _, f := range strings.Fields(line) {
			have[f] = true
		}
		for _, f := range flags {
			if !have[f] {
				return false
			}
		}
		return true
	}
	return false
}
