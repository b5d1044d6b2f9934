//go:build js && wasm

// Command wasm is Barri's browser app: the sim core evaluating a resident's
// proposal on the built-in Eixample, an Ebiten map view, and the bridge to the
// page's HTML panels (web/). Build it with `make web`.
package main

import (
	"strings"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/wasm/proposal"
)

func main() {
	ui := js.Global().Get("barriUI")
	if !ui.Truthy() {
		js.Global().Get("console").Call("error", "wasm: the page has no barriUI: load app.js before app.wasm")
		return
	}
	ui.Call("progress", "city")
	perf := js.Global().Get("performance")
	perf.Call("mark", "barri:go-started")
	city := maps.Eixample()
	perf.Call("mark", "barri:city-built")
	a := newApp(city, ui)
	ui.Call("progress", "baseline")
	s, err := proposal.New(city, &sim.Scenario{Version: sim.ScenarioVersion, City: city.Name, Seed: 42})
	if err != nil {
		ui.Call("showError", err.Error())
		return
	}
	a.s = s
	perf.Call("mark", "barri:baseline")
	a.g = newGame(a)
	a.register()
	// A share link's proposal (a workshop link's fragment holds a token instead).
	if frag := js.Global().Get("location").Get("hash").String(); len(frag) > 1 && !strings.HasPrefix(frag, "#token=") {
		data, err := proposal.Unshare(frag)
		if err == nil {
			err = a.load(data)
		} else {
			err = linkError(err)
		}
		if err != nil {
			ui.Call("showError", errorInfo(err))
		}
	}
	if err := a.setLayer("plain", false); err != nil {
		ui.Call("showError", err.Error())
	}
	ui.Call("started", a.catalog(), a.stateJSON())
	perf.Call("mark", "barri:panels")
	ebiten.SetRunnableOnUnfocused(true)
	// One Update per animation frame: an edit made between two frames is
	// drawn in the next one (at a fixed 60 a second, a frame that came early
	// had no Update, and the edit waited a frame more). Nothing in Update
	// counts ticks as time.
	ebiten.SetTPS(ebiten.SyncWithFPS)
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetWindowTitle("Barri")
	if err := ebiten.RunGame(a.g); err != nil {
		ui.Call("showError", "wasm: "+err.Error())
	}
}
