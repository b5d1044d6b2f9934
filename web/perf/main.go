//go:build !js

// Command perf measures the built page (web/dist) in headless Chromium with
// the Performance API and prints the figures of issue 13: app.wasm's size raw
// and compressed, navigation to the barri:ready mark, the barri:edit measure
// of every op (median and p95) with where its time goes (the core, Go, the
// panel, the map's frame, and barri:edit-painted, the end of that frame's
// rendering), the frame time while panning the whole Eixample (p95), and the
// wasm memory after 100 edits.
//
//	make web && go run ./web/perf [-runs 5] [-edits 15] [-ops superblock,transit_stop] [-rest=false] [-dist DIR]
//
// -dist compares builds: run it on two dists in turn, in one session.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

func run() error {
	dist := flag.String("dist", "web/dist", "the built page")
	runs := flag.Int("runs", 5, "page loads to time")
	edits := flag.Int("edits", 15, "applications of each op to time")
	rest := flag.Bool("rest", true, "also time a pan and measure the memory after 100 edits")
	ops := flag.String("ops", "", "only these ops (comma-separated; transit_stop included), for a quick look")
	flag.Parse()
	for _, f := range []string{"app.wasm", "app.wasm.gz"} {
		st, err := os.Stat(filepath.Join(*dist, f))
		if err != nil {
			return fmt.Errorf("%v: run make web first", err)
		}
		fmt.Printf("%-12s %6.2f MB\n", f, float64(st.Size())/1e6)
	}
	chrome := ""
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			chrome = p
			break
		}
	}
	if chrome == "" {
		return errors.New("no chromium on PATH")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, http.FileServer(http.Dir(*dist)))
	url := "http://" + ln.Addr().String() + "/?notour&lang=en"

	// Navigation to the first drawn map, each in a fresh browser.
	var ready []float64
	for range *runs {
		ctx, done, err := browser(chrome)
		if err != nil {
			return err
		}
		if err := load(ctx, url); err != nil {
			done()
			return err
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`["barri:wasm-compiled", "barri:go-started", "barri:city-built", "barri:baseline", "barri:panels", "barri:ready"].map(n => performance.getEntriesByName(n)[0].startTime)`))
		done()
		if err != nil {
			return err
		}
		ready = append(ready, v[5])
		fmt.Printf("load: wasm fetched and compiled %.0f, Go started %.0f, city built %.0f, baseline %.0f, panels %.0f, first map drawn %.0f ms\n", v[0], v[1], v[2], v[3], v[4], v[5])
	}
	fmt.Printf("navigation → barri:ready: median %.0f ms, p95 %.0f ms (%d loads: %v)\n", q(ready, 0.5), q(ready, 0.95), len(ready), round(ready))

	ctx, done, err := browser(chrome)
	if err != nil {
		return err
	}
	defer done()
	if err := load(ctx, url); err != nil {
		return err
	}
	// Every op through the page's own controls, each applied and undone.
	type opCase struct{ op, setup string }
	block := func(op string, size int) string {
		return fmt.Sprintf(`(() => { const k = document.querySelector("#list-kind"); k.value = "block"; k.dispatchEvent(new Event("change"));
			const i = document.querySelector("#list-item"); i.selectedIndex = 120; i.dispatchEvent(new Event("change"));
			const s = document.querySelector("#list-size"); s.value = "%d"; s.dispatchEvent(new Event("change"));
			const o = document.querySelector("#list-op"); o.value = %q; o.dispatchEvent(new Event("change")); return "#list-apply" })()`, size, op)
	}
	street := func(op string) string {
		return fmt.Sprintf(`(() => { const k = document.querySelector("#list-kind"); k.value = "street"; k.dispatchEvent(new Event("change"));
			const i = document.querySelector("#list-item"); i.value = "Carrer d'Enric Granados"; i.dispatchEvent(new Event("change"));
			const o = document.querySelector("#list-op"); o.value = %q; o.dispatchEvent(new Event("change")); return "#list-apply" })()`, op)
	}
	cases := []opCase{
		{"superblock", block("superblock", 3)}, {"park", block("park", 1)}, {"rezone", block("rezone", 1)},
		{"add_housing", block("add_housing", 1)}, {"retrofit", block("retrofit", 3)}, {"solar", block("solar", 3)},
		{"pedestrianize", street("pedestrianize")}, {"green_axis", street("green_axis")}, {"bike_lane", street("bike_lane")},
		{"param", `(() => { document.querySelector('.tool[data-op="param"]').click(); document.querySelector("#tool-opts-value").value = "0.4"; return "#tool-apply" })()`},
	}
	parts := breakdown{}
	fmt.Printf("\nbarri:edit (user's click → indicators in the panel, map recoloured), %d times each:\n", *edits)
	fmt.Printf("%-14s %8s %8s %8s %8s %10s %10s\n", "op", "median", "p95", "undo med", "undo p95", "core med", "Go med")
	only := func(op string) bool { return *ops == "" || slices.Contains(strings.Split(*ops, ","), op) }
	for _, c := range cases {
		if !only(c.op) {
			continue
		}
		sel, err := chromedp.Run(ctx, chromedp.Evaluate[string](c.setup))
		if err != nil {
			return fmt.Errorf("%s: %v", c.op, err)
		}
		var apply, undo, core, goMs []float64
		for range *edits {
			a, err := timedClick(ctx, sel)
			if err != nil {
				return fmt.Errorf("%s: %v", c.op, err)
			}
			d, err := lastDetail(ctx)
			if err != nil {
				return err
			}
			parts.add(c.op, d)
			core, goMs = append(core, num(d["coreMs"])), append(goMs, num(d["goMs"]))
			u, err := timedClick(ctx, "#undo")
			if err != nil {
				return fmt.Errorf("%s undo: %v", c.op, err)
			}
			apply, undo = append(apply, a), append(undo, u)
		}
		fmt.Printf("%-14s %6.1f ms %6.1f ms %6.1f ms %6.1f ms %7.1f ms %7.1f ms\n", c.op, q(apply, 0.5), q(apply, 0.95), q(undo, 0.5), q(undo, 0.95), q(core, 0.5), q(goMs, 0.5))
	}
	// transit_stop: the Bus stop tool, a click on the map.
	if err := func() error {
		if !only("transit_stop") {
			return nil
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.tool[data-op="transit_stop"]').click()`)); err != nil {
			return err
		}
		var stop, stopCore []float64
		var missed []string
		// A click the page does not take as a stop (the core refused it,
		// or it did not reach the map) is noted and the next place tried:
		// one such click used to end the whole run.
		for i := 0; len(stop) < *edits && i < 2**edits; i++ {
			n := count(ctx)
			x, y := 420.0+float64(i%5)*20, 420.0+float64(i/5%5)*20
			if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, x, y),
				chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)), chromedp.Sleep(30*time.Millisecond),
				chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))); err != nil {
				return err
			}
			v, err := lastEditWithin(ctx, n, 3*time.Second)
			if err != nil {
				why, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#error").textContent`))
				missed = append(missed, fmt.Sprintf("(%.0f, %.0f): %q", x, y, why))
				continue
			}
			stop = append(stop, v)
			d, err := lastDetail(ctx)
			if err != nil {
				return err
			}
			parts.add("transit_stop", d)
			stopCore = append(stopCore, num(d["coreMs"]))
			if _, err := timedClick(ctx, "#undo"); err != nil {
				return err
			}
		}
		fmt.Printf("%-14s %6.1f ms %6.1f ms %19s %7.1f ms\n", "transit_stop", q(stop, 0.5), q(stop, 0.95), "", q(stopCore, 0.5))
		if len(missed) > 0 {
			fmt.Printf("  %d clicks placed no stop: %s\n", len(missed), strings.Join(missed, "; "))
		}
		if len(stop) < *edits {
			return fmt.Errorf("transit_stop: %d of %d clicks placed a stop", len(stop), len(stop)+len(missed))
		}
		return nil
	}(); err != nil {
		return err
	}
	parts.print()
	if !*rest {
		return nil
	}

	// Frame time while panning the whole Eixample.
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.tool[data-op="select"]').click(); barriCore.view("fit")`))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.__frames = []; (function f(t) { window.__frames.push(t); if (window.__frames.length < 100000) requestAnimationFrame(f) })(performance.now())`)); err != nil {
		return err
	}
	chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond))
	idle, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`new Promise(r => { window.__frames = []; setTimeout(() => r(window.__frames.slice(1).map((t, i) => t - window.__frames[i])), 2000) })`, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	fmt.Printf("\nidle page (no input, nothing drawn by Barri): %d frames in 2 s, frame time median %.1f ms, p95 %.1f ms\n", len(idle)+1, q(idle, 0.5), q(idle, 0.95))
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MouseMoved, 300, 400),
		chromedp.MouseEvent(chromedp.MousePressed, 300, 400, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 120; i++ {
		x := 300 + 250*float64(i%60)/60
		if (i/60)%2 == 1 {
			x = 550 - 250*float64(i%60)/60
		}
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, 400, chromedp.ButtonLeft), chromedp.Sleep(16*time.Millisecond))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, 300, 400, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.__frames = []; barriCore.frameStats()`)); err != nil {
		return err
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		return err
	}
	frames, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`window.__frames.slice(1).map((t, i) => t - window.__frames[i])`))
	if err != nil {
		return err
	}
	fmt.Printf("pan of the whole Eixample: %d frames, frame time median %.1f ms, p95 %.1f ms\n", len(frames), q(frames, 0.5), q(frames, 0.95))
	fs, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]float64](`barriCore.frameStats()`))
	if err != nil {
		return err
	}
	fmt.Printf("  of which Go: Update median %.2f ms, p95 %.2f ms (%d); Draw median %.2f ms, p95 %.2f ms (%d)\n",
		q(fs["update"], 0.5), q(fs["update"], 0.95), len(fs["update"]), q(fs["draw"], 0.5), q(fs["draw"], 0.95), len(fs["draw"]))

	// Memory after 100 edits (superblock, retrofit and bike lane in turn, none undone).
	for i := range 100 {
		var setup string
		switch i % 3 {
		case 0:
			setup = block("retrofit", 1)
		case 1:
			setup = block("solar", 1)
		default:
			setup = street("bike_lane")
		}
		sel, err := chromedp.Run(ctx, chromedp.Evaluate[string](setup))
		if err != nil {
			return err
		}
		if _, err := timedClick(ctx, sel); err != nil {
			return fmt.Errorf("edit %d: %v", i, err)
		}
	}
	mem, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`Object.assign({wasm: barriWasm.exports.mem.buffer.byteLength}, barriCore.memStats())`))
	if err != nil {
		return err
	}
	fmt.Printf("after 100 edits kept (and %d edits and undos timed before them): wasm memory %.1f MB (Go heap in use %.1f MB, heap reserved %.1f MB, %v collections)\n",
		count(ctx)-100, mem["wasm"]/1e6, mem["heapAlloc"]/1e6, mem["heapSys"]/1e6, mem["numGC"])
	return nil
}

// breakdown collects where each op's barri:edit went (its detail's parts).
type breakdown struct {
	ops  []string
	vals map[string]map[string][]float64
}

// breakdownParts are the detail's fields, in the order of the page's work.
var breakdownParts = []struct{ key, head string }{
	{"toRender", "input→panel"}, {"coreMs", "core"}, {"goMs", "Go"}, {"domMs", "panel DOM"},
	{"renderMs", "renderMap"}, {"updateMs", "Update"}, {"drawMs", "Draw"}, {"frames", "frames"}, {"total", "barri:edit"}, {"painted", "painted"},
}

func (b *breakdown) add(op string, d map[string]any) {
	if b.vals == nil {
		b.vals = map[string]map[string][]float64{}
	}
	if b.vals[op] == nil {
		b.ops = append(b.ops, op)
		b.vals[op] = map[string][]float64{}
	}
	for _, p := range breakdownParts {
		b.vals[op][p.key] = append(b.vals[op][p.key], num(d[p.key]))
	}
	b.vals[op]["gcs"] = append(b.vals[op]["gcs"], num(d["gcs"]))
}

func (b *breakdown) print() {
	fmt.Printf("\nwhere an edit's time goes (medians, ms; input→panel: from the input to the panel's update starting, after the core and Go; panel DOM: the panel's update; renderMap, Update, Draw: Go's share of the frame that shows the edit; frames: animation frames waited for it; barri:edit: to that frame's content; painted: barri:edit-painted, to the end of its rendering):\n%-14s", "op")
	for _, p := range breakdownParts {
		fmt.Printf(" %11s", p.head)
	}
	fmt.Println()
	for _, op := range b.ops {
		fmt.Printf("%-14s", op)
		for _, p := range breakdownParts {
			fmt.Printf(" %11.1f", q(b.vals[op][p.key], 0.5))
		}
		fmt.Printf("   (p95: barri:edit %.1f, painted %.1f", q(b.vals[op]["total"], 0.95), q(b.vals[op]["painted"], 0.95))
		// Edits during which Go collected garbage, against the others.
		var with, without []float64
		for i, g := range b.vals[op]["gcs"] {
			if g > 0 {
				with = append(with, b.vals[op]["total"][i])
			} else {
				without = append(without, b.vals[op]["total"][i])
			}
		}
		if len(with) > 0 {
			fmt.Printf("; a GC in %d of %d: barri:edit median %.1f with, %.1f without", len(with), len(with)+len(without), q(with, 0.5), q(without, 0.5))
		}
		fmt.Println(")")
	}
}

func lastDetail(ctx context.Context) (map[string]any, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(e => Object.assign({total: e[e.length-1].duration, painted: performance.getEntriesByName("barri:edit-painted").at(-1).duration}, e[e.length-1].detail))(performance.getEntriesByName("barri:edit"))`))
}

func browser(chrome string) (context.Context, func(), error) {
	dir, err := os.MkdirTemp("", "barri-perf-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome),
		chromedp.Flag("headless", "new"), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("use-angle", "swiftshader"), chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(dir))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 10*time.Minute)
	return ctx, func() { cancelT(); cancelC(); cancelA(); os.RemoveAll(dir) }, nil
}

func load(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`performance.getEntriesByName("barri:ready").length > 0 || undefined`, chromedp.WithPollingTimeout(60*time.Second)),
		chromedp.Sleep(500*time.Millisecond))
}

func count(ctx context.Context) int {
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByName("barri:edit-painted").length`))
	return n
}

// timedClick clicks an element with the mouse and returns the barri:edit
// measure it produced.
func timedClick(ctx context.Context, sel string) (float64, error) {
	n := count(ctx)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		return 0, err
	}
	return lastEdit(ctx, n)
}

// lastEdit waits for the edit's barri:edit-painted measure (the later of
// the two) and returns its barri:edit measure.
func lastEdit(ctx context.Context, n int) (float64, error) {
	return lastEditWithin(ctx, n, 10*time.Second)
}

// lastEditWithin is lastEdit, waiting at most d.
func lastEditWithin(ctx context.Context, n int, d time.Duration) (float64, error) {
	return chromedp.Run(ctx, chromedp.Poll[float64](fmt.Sprintf(`(e => performance.getEntriesByName("barri:edit-painted").length > %d ? e[e.length-1].duration : undefined)(performance.getEntriesByName("barri:edit"))`, n),
		chromedp.WithPollingTimeout(d)))
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func q(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func round(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x + 0.5)
	}
	return out
}
