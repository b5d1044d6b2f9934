//go:build !js

package web

// Workshop browser tests (issue 14): the built page in several headless
// Chromium browser contexts (a facilitator, two participants, a projector)
// against the real `barri serve` binary on 127.0.0.1.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/barri-city/barri/workshop"
)

// barriServer is a `barri serve` process on a loopback port and a data
// directory that survive a restart.
type barriServer struct {
	bin, addr, data string
	cmd             *exec.Cmd
}

func startBarri(t *testing.T) *barriServer {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "barri")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/barri").CombinedOutput(); err != nil {
		t.Fatalf("web: building barri: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &barriServer{bin: bin, addr: addr, data: t.TempDir()}
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *barriServer) url() string { return "http://" + s.addr + "/" }

func (s *barriServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "serve", "--addr", s.addr, "--data", s.data, "--log", "warn")
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if r, err := http.Get(s.url() + "healthz"); err == nil {
			r.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("web: barri serve did not answer /healthz within 10 s")
}

func (s *barriServer) stop(t *testing.T) {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s.cmd = nil
}

// state reads the workshop's derived state from the server.
func (s *barriServer) state(t *testing.T, id, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url()+"api/workshops/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("web: GET state: %d %v", resp.StatusCode, err)
	}
	return v
}

// metrics returns the server's /metrics text.
func (s *barriServer) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(s.url() + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

// countEvents counts the events of the given types by actor in log.json.
func (s *barriServer) countEvents(t *testing.T, id, token, actor string, types ...string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url()+"api/workshops/"+id+"/export/log.json", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log struct {
		Events []struct {
			Event struct {
				Type  string `json:"type"`
				Actor string `json:"actor"`
			} `json:"event"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatalf("web: log.json: %v", err)
	}
	n := 0
	for _, e := range log.Events {
		for _, ty := range types {
			if e.Event.Type == ty && e.Event.Actor == actor {
				n++
			}
		}
	}
	return n
}

// tabs opens n more browser contexts (own storage each) in ctx's browser.
func tabs(t *testing.T, ctx context.Context, n int) []context.Context {
	var out []context.Context
	for i := 0; i < n; i++ {
		c, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if err := chromedp.Do(c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// waitFor polls a JS condition until it holds, failing after d.
func waitFor(t *testing.T, ctx context.Context, what, cond string, d time.Duration) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void]("("+cond+") || undefined", chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#ws-msg")?.textContent || "") + " | " + (document.querySelector("#error")?.textContent || "") + " | badge " + (document.querySelector("#ws-badge")?.textContent || "")`))
		t.Fatalf("web: %s: not within %v (%v; page says %q)", what, d, err, msg)
	}
}

// waitNav waits through a navigation the page makes itself, until cond
// holds on the new page and its map is drawn.
func waitNav(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(`+cond+`) && performance.getEntriesByName("barri:ready").length > 0`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("web: %s did not open (%v)", what, err)
		}
	}
}

// wsOpen loads a workshop page and waits for it to be in sync.
func wsOpen(t *testing.T, ctx context.Context, url string, w, h int64) {
	t.Helper()
	open(t, ctx, url, w, h)
}

func inSync(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	waitFor(t, ctx, what+" in sync", `document.querySelector("#ws-badge").dataset.sync === "in sync"`, 20*time.Second)
}

// propHas is the JS condition: the proposal named name is in the list, with
// its server indicators.
func propHas(name string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#ws-list .ws-prop")].some(li => li.querySelector("h4").textContent === %q && li.querySelector(".ws-sums li"))`, name)
}

// inProp evaluates a JS expression with li bound to the proposal named name.
func inProp(name, expr string) string {
	return fmt.Sprintf(`(() => { const li = [...document.querySelectorAll("#ws-list .ws-prop")].find(li => li.querySelector("h4").textContent === %q); return li ? (%s) : undefined; })()`, name, expr)
}

func click(t *testing.T, ctx context.Context, jsElem string) {
	t.Helper()
	eval[any](t, ctx, "(() => { const e = "+jsElem+"; if (!e) throw new Error('no element: "+strings.ReplaceAll(jsElem, "'", "\\'")+"'); e.click(); return 0; })()")
}

func TestWorkshopInBrowsers(t *testing.T) {
	env := needBrowser(t)
	srv := startBarri(t)
	base := srv.url()
	root := env.browser(t)
	all := tabs(t, root, 3)
	fac, pa, pb := root, all[0], all[1]
	proj := all[2]

	// The facilitator creates the workshop from the start page's form.
	wsOpen(t, fac, base+"?notour&lang=en", 1280, 800)
	click(t, fac, `document.querySelector("#ws-create-open")`)
	axe(t, map[string]context.Context{"the create form": fac})
	eval[any](t, fac, `(() => { document.querySelector("#ws-create-name").value = "Taller <b>Eixample</b>";
		document.querySelector("#ws-create-rule").value = "dots"; document.querySelector("#ws-create-dots").value = "3";
		document.querySelector("#ws-create-base").value = "eixos-verds";
		document.querySelector("#ws-create-form").requestSubmit(); return 0; })()`)
	// The page goes to the facilitator's link: wait through the navigation.
	waitNav(t, fac, "the facilitator's page", `location.search.startsWith("?workshop=")`)
	inSync(t, fac, "facilitator")
	waitFor(t, fac, "the facilitator bar", `!document.querySelector("#ws-fac").hidden && document.querySelector("#ws-title").textContent === "Taller <b>Eixample</b>"`, 5*time.Second)
	wid := eval[string](t, fac, `new URLSearchParams(location.search).get("workshop")`)
	// The base scenario's edits come first on every map (then each proposal's).
	baseN := eval[int](t, fac, `barriCore.wsBase().edits`)
	if baseN != 4 {
		t.Fatalf("web: the workshop's base scenario has %d edits, want eixos-verds' 4", baseN)
	}
	links := eval[map[string]string](t, fac, `JSON.parse(localStorage.getItem("barri.ws.links." + new URLSearchParams(location.search).get("workshop")))`)
	facToken := eval[string](t, fac, `location.hash.slice("#token=".length)`)
	code := links["code"]
	if len(code) != 6 || links["projector_url"] == "" {
		t.Fatalf("web: the created workshop's links: %v", links)
	}

	// The projector opens its link and shows the join code.
	wsOpen(t, proj, links["projector_url"], 1280, 800)
	inSync(t, proj, "projector")
	waitFor(t, proj, "the join code on the projector", `/^[A-Z0-9]{6}$/.test(document.querySelector("#ws-wall-code").textContent)`, 5*time.Second)
	if got := eval[string](t, proj, `document.querySelector("#ws-wall-code").textContent`); got != code {
		t.Fatalf("web: the projector shows code %q, the workshop's is %q", got, code)
	}

	// Ada opens the link with the code, but her browser holds a dead key for
	// it (as after the server's data was reset): the page forgets the key and
	// asks her name again, saying why; no send form meanwhile.
	wsOpen(t, pa, base+"?join="+code+"&lang=en", 1280, 800)
	waitFor(t, pa, "the join form", `document.querySelector("#ws-join").open && document.querySelector("#ws-join-code-box").hidden`, 5*time.Second)
	eval[any](t, pa, fmt.Sprintf(`localStorage.setItem("barri.ws.join.%s", JSON.stringify({workshop: %q, token: "dead"})); 0`, code, wid))
	wsOpen(t, pa, base+"?join="+code+"&lang=en", 1280, 800)
	waitFor(t, pa, "the join form again after a dead key", fmt.Sprintf(`document.querySelector("#ws-join").open && document.querySelector("#ws-join-err").textContent.includes("key is not valid") && localStorage.getItem("barri.ws.join.%s") === null && document.querySelector("#ws-submit").hidden`, code), 10*time.Second)
	eval[any](t, pa, `(() => { window.barriOld = true; document.querySelector("#ws-join-name").value = "Ada"; const f = document.querySelector("#ws-join-form"); f.requestSubmit(); f.requestSubmit(); return 0; })()`)
	waitNav(t, pa, "Ada's page after joining again", `!window.barriOld`)
	inSync(t, pa, "Ada")

	// Pau types the code from the projector on the start page (in Catalan):
	// first a wrong one, which the page says, then the right one. He taps
	// Join twice: one participant.
	wsOpen(t, pb, base+"?notour&lang=ca", 1280, 800)
	click(t, pb, `document.querySelector("#ws-join-open")`)
	waitFor(t, pb, "the join form with a code field", `document.querySelector("#ws-join").open && !document.querySelector("#ws-join-code-box").hidden`, 5*time.Second)
	axe(t, map[string]context.Context{"the join form (ca)": pb})
	eval[any](t, pb, `(() => { document.querySelector("#ws-join-code").value = "ZZZZZZ"; document.querySelector("#ws-join-name").value = "Pau\tPi"; document.querySelector("#ws-join-form").requestSubmit(); return 0; })()`)
	waitFor(t, pb, "the wrong code said", `document.querySelector("#ws-join-err").textContent === "Cap taller té el codi ZZZZZZ: comprova'l al projector."`, 5*time.Second)
	eval[any](t, pb, fmt.Sprintf(`(() => { document.querySelector("#ws-join-code").value = %q; document.querySelector("#ws-join-name").value = "Pau"; const f = document.querySelector("#ws-join-form"); f.requestSubmit(); f.requestSubmit(); return 0; })()`, strings.ToLower(code)))
	waitNav(t, pb, "Pau's page in the workshop", fmt.Sprintf(`location.search.startsWith("?join=%s")`, code))
	inSync(t, pb, "Pau")
	// Their drafts are named in their pages' languages.
	waitFor(t, pb, "Pau's draft under its Catalan name", `document.querySelector("#prop-name").value === "La meva proposta"`, 5*time.Second)
	waitFor(t, pa, "Ada's draft under its English name", `document.querySelector("#prop-name").value === "My proposal"`, 5*time.Second)
	waitFor(t, fac, "two participants", `document.querySelector("#ws-fac-people").textContent.startsWith("2 ")`, 5*time.Second)

	// A participant sees no facilitator bar, and the server refuses a
	// facilitator's command from their page.
	if !eval[bool](t, pa, `document.querySelector("#ws-fac").hidden && !document.body.classList.contains("ws-is-fac")`) {
		t.Error("a participant's page shows the facilitator bar")
	}
	eval[any](t, pa, `barriCore.wsSend(JSON.stringify({type: "phase", phase: "vote"}))`)
	waitFor(t, pa, "the refusal of a participant's phase command", `document.querySelector("#ws-msg").textContent === "Not done: only the facilitator can do this"`, 5*time.Second)

	// The facilitator opens the propose phase: every screen shows it.
	click(t, fac, `document.querySelector('#ws-fac [data-phase="propose"]')`)
	for _, c := range []context.Context{fac, pa, proj} {
		waitFor(t, c, "the propose phase", `document.querySelector("#ws-phase").textContent === "Phase: Propose" || document.querySelector("#ws-wall-phase").textContent.endsWith("Propose")`, 6*time.Second)
	}
	waitFor(t, pb, "the propose phase in Catalan", `document.querySelector("#ws-phase").textContent === "Fase: Proposar"`, 6*time.Second)
	refusedInCatalan(t, pa, pb)

	// Ada draws a proposal (a bike lane by name), evaluated on her page, and
	// sends it: within 2 s it is on every other screen with its indicators.
	applyByName(t, pa, "bike_lane", "Carrer de Mallorca")
	eval[any](t, pa, `(() => { document.querySelector("#ws-pname").value = "Bici a Mallorca"; document.querySelector("#ws-send").click(); return 0; })()`)
	sent := time.Now()
	for _, c := range []context.Context{fac, pb} {
		waitFor(t, c, "Ada's proposal on another screen", propHas("Bici a Mallorca"), 2*time.Second)
	}
	t.Logf("proposal → the other screens with indicators: %v", time.Since(sent).Round(time.Millisecond))
	// Its card gives six indicators, buildings' CO₂ beside traffic's (a
	// retrofit read "no change" on all five before).
	if n := eval[int](t, fac, inProp("Bici a Mallorca", `li.querySelectorAll(".ws-sums li").length`)); n != 6 {
		t.Errorf("a proposal's card lists %d indicators, want 6 (wsHeadline)", n)
	}
	// Her page's numbers and the server's agree bit for bit (the mark).
	waitFor(t, pa, "the agreement mark on Ada's page", inProp("Bici a Mallorca", `li.querySelector(".ws-agree.yes")`), 5*time.Second)
	// Pau opens it on his map: his page evaluates it and agrees too.
	click(t, pb, inProp("Bici a Mallorca", `li.querySelector("button")`))
	waitFor(t, pb, "the agreement mark on Pau's page", inProp("Bici a Mallorca", `li.querySelector(".ws-agree.yes")`), 10*time.Second)
	// The mark can fail: once his map differs from the proposal (one more
	// change), the page no longer takes it for Ada's numbers.
	applyByName(t, pb, "pedestrianize", "Carrer de Girona")
	if got := eval[string](t, pb, inProp("Bici a Mallorca", `(r => r.ok + " " + r.checked)(barriCore.wsCheck(li.dataset.id))`)); got != "true false" {
		t.Errorf("wsCheck of a proposal the map no longer holds: %s", got)
	}
	click(t, pb, `document.querySelector("#ws-back")`)
	// Sending before drawing: the page says so in Catalan.
	eval[any](t, pb, `(() => { document.querySelector("#ws-pname").value = "Res"; document.querySelector("#ws-send").click(); document.querySelector("#ws-pname").value = ""; return 0; })()`)
	waitFor(t, pb, "an empty draft refused in Catalan", `document.querySelector("#ws-msg").textContent === "el teu esborrany encara no té cap canvi: dibuixa'n un al mapa"`, 3*time.Second)
	applyByName(t, pb, "pedestrianize", "Carrer de Girona")
	// By keyboard: the name, then Enter sends it.
	eval[any](t, pb, `document.querySelector("#ws-pname").focus(); 0`)
	if err := chromedp.Do(pb, chromedp.KeyEvent("Girona per a vianants"), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []context.Context{fac, pa} {
		waitFor(t, c, "Pau's proposal on another screen", propHas("Girona per a vianants"), 5*time.Second)
	}
	screenshot(t, pa, "workshop-participant")

	// The facilitator compares the two: a table with both columns.
	click(t, fac, inProp("Bici a Mallorca", `li.querySelectorAll("button")[1]`))
	click(t, fac, inProp("Girona per a vianants", `li.querySelectorAll("button")[1]`))
	waitFor(t, fac, "the comparison table", `!document.querySelector("#ws-compare").hidden && document.querySelectorAll("#ws-cmp-table tbody tr").length > 10`, 10*time.Second)
	cells := eval[[]string](t, fac, `[...document.querySelectorAll('#ws-cmp-table tr[data-key="mobility.share.bike"] td')].map(td => td.textContent)`)
	if len(cells) != 2 || cells[0] == cells[1] {
		t.Errorf("the comparison's bike share cells: %q", cells)
	}
	// The changes are from the workshop's starting point (eixos-verds), not
	// from today's city: the page's sums differ from the server's delta.
	if got := eval[string](t, fac, `document.querySelector("#ws-cmp-note").textContent`); !strings.Contains(got, "starting point (not from today") {
		t.Errorf("the comparison's note: %q", got)
	}
	click(t, fac, `document.querySelector("#ws-cmp-b")`)
	waitFor(t, fac, "proposal B on the map", `document.querySelector("#ws-cmp-b").getAttribute("aria-pressed") === "true"`, 10*time.Second)
	eval[any](t, fac, `document.querySelector("#ws-compare").scrollIntoView(); 0`)
	screenshot(t, fac, "workshop-comparison")

	// Spotlight: every screen, the projector's map too.
	eval[any](t, fac, `(() => { const s = document.querySelector("#ws-fac-spot"); s.value = [...s.options].find(o => o.textContent === "Bici a Mallorca").value; s.dispatchEvent(new Event("change")); return 0; })()`)
	for _, c := range []context.Context{pa, pb} {
		waitFor(t, c, "the spotlight", `document.querySelector("#ws-spot-name").textContent === "Bici a Mallorca" && !document.querySelector("#ws-spot").hidden`, 6*time.Second)
	}
	waitFor(t, proj, "the spotlight on the projector", `document.querySelector("#ws-wall-spot").textContent.includes("Bici a Mallorca") && document.querySelectorAll("#edit-list li").length === `+fmt.Sprint(baseN+1), 10*time.Second)
	waitFor(t, proj, "the join code and QR on the projector", fmt.Sprintf(`document.querySelector("#ws-wall-code").textContent === %q && document.querySelector("#ws-wall-qr").naturalWidth > 0`, code), 5*time.Second)

	// The timer runs on every screen; a locked map takes no proposals.
	click(t, fac, `document.querySelector("#ws-fac-timer")`)
	for _, c := range []context.Context{pa, proj} {
		waitFor(t, c, "the timer", `/[45]:\d\d/.test(document.querySelector("#ws-timer").textContent + document.querySelector("#ws-wall-timer").textContent)`, 6*time.Second)
	}
	click(t, fac, `document.querySelector("#ws-fac-lock")`)
	waitFor(t, pa, "the lock", `!document.querySelector("#ws-locked").hidden && document.querySelector("#ws-submit").hidden && document.querySelector("#toolbar").inert`, 6*time.Second)
	waitFor(t, fac, "the lock on the facilitator's bar", `document.querySelector("#ws-fac-lock").getAttribute("aria-pressed") === "true"`, 6*time.Second)
	click(t, fac, `document.querySelector("#ws-fac-lock")`)
	waitFor(t, pa, "the unlock", `document.querySelector("#ws-locked").hidden && !document.querySelector("#toolbar").inert`, 6*time.Second)

	// A reload rejoins as the same participant, with the draft kept.
	ada := eval[string](t, pa, `barriWS.debug().actor`)
	wsOpen(t, pa, base+"?join="+code+"&lang=en", 1280, 800)
	inSync(t, pa, "Ada after a reload")
	if got, want := eval[string](t, pa, `barriWS.debug().actor + " " + document.querySelector("#ws-join").open + " " + document.querySelectorAll("#edit-list li").length`), fmt.Sprintf("%s false %d", ada, baseN+1); got != want {
		t.Errorf("after a reload Ada's page is %q, want %q (the same participant, no join form, the base's edits and her one)", got, want)
	}

	// A comment (shown as text, not HTML) reaches the others.
	click(t, pb, inProp("Bici a Mallorca", `li.querySelector("summary")`))
	eval[any](t, pb, inProp("Bici a Mallorca", `(() => { li.querySelector("textarea").value = "<b>Sí</b>,\tperò amb arbres"; li.querySelector("textarea").dispatchEvent(new Event("input")); li.querySelector(".ws-comments button").click(); return 0; })()`))
	waitFor(t, pa, "Pau's comment on Ada's page", inProp("Bici a Mallorca", `li.querySelector(".ws-ctext")?.textContent === "<b>Sí</b>, però amb arbres" && !li.querySelector(".ws-ctext b")`), 6*time.Second)
	// While Ada types a comment, her box is not replaced (a phone's
	// keyboard would lose the word) and keeps its caret, but the list
	// around it keeps up: another comment arrives in it (and its count),
	// and the vote phase brings the dots' buttons, her box still focused.
	click(t, pa, inProp("Bici a Mallorca", `li.querySelector("summary")`))
	eval[any](t, pa, inProp("Bici a Mallorca", `(() => { const ta = li.querySelector("textarea"); ta.focus(); window.barriTa = ta; return 0; })()`))
	if err := chromedp.Do(pa, chromedp.KeyEvent("Ho")); err != nil {
		t.Fatal(err)
	}
	typing := func(what, value string) {
		t.Helper()
		if got := eval[string](t, pa, `(ta => [document.activeElement === ta, ta.isConnected, ta.value, ta.selectionStart].join(" "))(window.barriTa)`); got != "true true "+value+" "+fmt.Sprint(len(value)) {
			t.Errorf("web: Ada's comment box %s (focused, in the page, text, caret): %s", what, got)
		}
	}
	eval[any](t, pb, `barriCore.wsSend(JSON.stringify({type: "comment", proposal: barriWS.debug().view.proposals.find(p => p.name === "Bici a Mallorca").id, text: "I tant"})); 0`)
	waitFor(t, pa, "Pau's second comment in Ada's list while she types", inProp("Bici a Mallorca", `li.querySelectorAll(".ws-ctext").length === 2 && li.querySelector("summary").textContent === "Comments (2)"`), 6*time.Second)
	typing("after a comment arrived", "Ho")

	// Voting: a dot from Ada reaches every screen.
	click(t, fac, `document.querySelector('#ws-fac [data-phase="vote"]')`)
	waitFor(t, pa, "the vote phase while Ada types", inProp("Girona per a vianants", `li.querySelector('[data-key^="dp-"]')`)+` && `+inProp("Bici a Mallorca", `li.querySelector('[data-key^="dp-"]')`), 6*time.Second)
	typing("after the vote phase came", "Ho")
	if err := chromedp.Do(pa, chromedp.KeyEvent("la")); err != nil {
		t.Fatal(err)
	}
	typing("after two more letters", "Hola")
	eval[any](t, pa, `document.activeElement.blur(); 0`)
	// Out of the propose phase a new spotlight goes on the participants' maps.
	eval[any](t, fac, `(() => { const s = document.querySelector("#ws-fac-spot"); s.value = [...s.options].find(o => o.textContent === "Girona per a vianants").value; s.dispatchEvent(new Event("change")); return 0; })()`)
	waitFor(t, pa, "the spotlight on Ada's map", `document.querySelector("#ws-viewing-text").textContent.includes("Girona per a vianants") && document.querySelectorAll("#edit-list li").length === `+fmt.Sprint(baseN+1)+` && document.querySelector("#edit-list li:last-child").textContent.includes("Girona")`, 10*time.Second)
	click(t, pa, inProp("Girona per a vianants", `li.querySelector('[data-key^="dp-"]')`))
	for _, c := range []context.Context{fac, pb, proj} {
		waitFor(t, c, "Ada's dot", `document.body.innerText.includes("Girona per a vianants: 1 dot") || `+inProp("Girona per a vianants", `/^(1 dot|1 punt)$/.test(li.querySelector(".ws-votes")?.textContent)`), 6*time.Second)
	}

	// Pau's Catalan page in the vote phase, with a comment box open and a
	// comparison shown: no English, and no serious accessibility fault.
	click(t, pb, inProp("Bici a Mallorca", `li.querySelector("summary")`))
	click(t, pb, inProp("Bici a Mallorca", `li.querySelector('[data-key^="cmp-"]')`))
	click(t, pb, inProp("Girona per a vianants", `li.querySelector('[data-key^="cmp-"]')`))
	waitFor(t, pb, "the comparison and a comment box while voting", `!document.querySelector("#ws-compare").hidden && document.querySelector("#ws-list textarea") && document.querySelector('[data-key^="dp-"]')`, 10*time.Second)
	// A comment the server refuses (a direction override, sent past the
	// page's cleaning as another client could): why in Catalan beside its
	// box, the text kept in it.
	eval[any](t, pb, `(() => { const id = barriWS.debug().view.proposals.find(p => p.name === "Bici a Mallorca").id;
		barriCore.wsSend(JSON.stringify({type: "comment", proposal: id, text: "Bé \u202e al revés"})); return 0; })()`)
	waitFor(t, pb, "a refused comment's reason in Catalan", inProp("Bici a Mallorca", `li.querySelector(".ws-cerr")?.textContent === "el comentari té un caràcter de control (U+202E), com els que canvien la direcció del text" && li.querySelector("textarea").value === "Bé \u202e al revés"`), 5*time.Second)
	// The workshop's own refusals say their numbers, as each language
	// writes them (the server's "rule": a code and its arguments): a
	// comment over the limit, and a proposal out of its phase.
	// (The box has the focus, which the page gave it: the list updates.)
	eval[any](t, pb, `(() => { const id = barriWS.debug().view.proposals.find(p => p.name === "Bici a Mallorca").id;
		barriCore.wsSend(JSON.stringify({type: "comment", proposal: id, text: "{0} <b>" + "a".repeat(12000)})); return 0; })()`)
	const caLong = "els comentaris tenen com a màxim 1000 caràcters; el teu en té 12.007"
	waitFor(t, pb, "a long comment's numbers in Catalan", inProp("Bici a Mallorca", `li.querySelector(".ws-cerr")?.textContent === `+fmt.Sprintf("%q", caLong)+` && li.querySelector("textarea").value.startsWith("{0} <b>aaa")`)+` && document.querySelector("#ws-msg").textContent === `+fmt.Sprintf("%q", "No s'ha fet: "+caLong), 5*time.Second)
	eval[any](t, pb, `(() => { barriCore.wsSend(JSON.stringify({type: "propose", name: "Fora de temps", edits: [{op: "park", area: {type: "Polygon", coordinates: [[[2.1520,41.3880],[2.1535,41.3880],[2.1535,41.3890],[2.1520,41.3880]]]}}]})); return 0; })()`)
	waitFor(t, pb, "a proposal out of its phase refused in Catalan", `document.querySelector("#ws-msg").textContent === "No s'ha fet: les propostes es fan a la fase de propostes; el taller és a la fase de votació"`, 5*time.Second)
	eval[any](t, pa, `(() => { const id = barriWS.debug().view.proposals.find(p => p.name === "Bici a Mallorca").id;
		barriCore.wsSend(JSON.stringify({type: "comment", proposal: id, text: "a".repeat(1234)})); return 0; })()`)
	waitFor(t, pa, "a long comment's numbers in English", `document.querySelector("#ws-msg").textContent === "Not done: comments are at most 1,000 characters; yours has 1,234"`, 5*time.Second)
	eval[any](t, pa, `document.activeElement.blur(); 0`) // the box took the focus back
	if got := eval[string](t, pb, `document.querySelector("#ws-list .ws-cerr").children.length + " " + document.querySelectorAll("#ws-list b").length`); got != "0 0" {
		t.Errorf("web: a refused comment's reason or text became markup: %s", got)
	}
	// Pau sends a comment from that box, which still has the focus: once
	// it is accepted, the reason goes from beside the box and the "Not
	// done" line from the top; the box stays focused and empty, and the
	// list still takes Ada's comment.
	if !eval[bool](t, pb, inProp("Bici a Mallorca", `document.activeElement === li.querySelector("textarea")`)) {
		t.Error("web: the refused comment's box does not have the focus")
	}
	eval[any](t, pb, inProp("Bici a Mallorca", `(() => { const ta = li.querySelector("textarea"); ta.value = "D'acord"; ta.dispatchEvent(new Event("input")); li.querySelector(".ws-comments button").click(); return 0; })()`))
	waitFor(t, pb, "an accepted comment clears its box's refusal and the Not done line", inProp("Bici a Mallorca", `!li.querySelector(".ws-cerr") && !li.querySelector("textarea").hasAttribute("aria-describedby") && [...li.querySelectorAll(".ws-ctext")].some(e => e.textContent === "D'acord")`)+` && document.querySelector("#ws-msg").textContent === ""`, 5*time.Second)
	eval[any](t, pa, `(() => { const id = barriWS.debug().view.proposals.find(p => p.name === "Bici a Mallorca").id;
		barriCore.wsSend(JSON.stringify({type: "comment", proposal: id, text: "Endavant"})); return 0; })()`)
	waitFor(t, pb, "Ada's comment while Pau's empty box has the focus", inProp("Bici a Mallorca", `[...li.querySelectorAll(".ws-ctext")].some(e => e.textContent === "Endavant") && document.activeElement === li.querySelector("textarea") && li.querySelector("textarea").value === ""`), 5*time.Second)
	waitFor(t, pa, "Ada's accepted comment clears her box's refusal", inProp("Bici a Mallorca", `!li.querySelector(".ws-cerr")`), 5*time.Second)
	noEnglish(t, pb)
	eval[any](t, pb, `document.activeElement.blur(); 0`) // the box took the focus: the list waits for it
	axe(t, map[string]context.Context{"participant (ca) voting": pb})
	click(t, pb, `document.querySelector("#ws-cmp-close")`)
	click(t, pb, `document.querySelector("#ws-back")`)

	// 60 comments at once: over the server's rate for a participant (10 a
	// second after a burst of 20; the page keeps 20 unanswered at a time, so
	// the 60 need three round trips at least, and the bucket cannot refill
	// 40 in them unless each takes over a second), the rest are refused for
	// a while and sent again; all arrive, each once.
	eval[any](t, pa, `(() => { const id = barriWS.debug().view.proposals.find(p => p.name === "Girona per a vianants").id;
		for (let i = 0; i < 60; i++) barriCore.wsSend(JSON.stringify({type: "comment", proposal: id, text: "ràpid " + i})); return 0; })()`)
	waitFor(t, fac, "60 quick comments", inProp("Girona per a vianants", `li.querySelectorAll(".ws-ctext").length === 60`), 20*time.Second)
	// In the order written: a comment sent after one refused over the rate
	// waits for its retry (before, comment 36 came before the retried 22–35).
	var written []string
	for i := range 60 {
		written = append(written, fmt.Sprint(i))
	}
	if got := eval[string](t, fac, inProp("Girona per a vianants", `[...li.querySelectorAll(".ws-ctext")].map(e => e.textContent.replace("ràpid ", "")).join(" ")`)); got != strings.Join(written, " ") {
		t.Errorf("web: the 60 comments arrived in the order %s, not as written", got)
	}
	if !strings.Contains(srv.metrics(t), `barri_commands_refused_total{code="rate_limited"}`) {
		t.Error("web: no command was refused over the rate: the retry was not exercised")
	}

	// Pau votes while offline: the page says so, keeps the vote, and sends
	// it once when the network is back.
	offline := func(c context.Context, off bool) {
		t.Helper()
		if _, err := chromedp.Call(c, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(c, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
			t.Fatal(err)
		}
	}
	offline(pb, true)
	waitFor(t, pb, "the offline badge", `document.querySelector("#ws-badge").dataset.sync === "offline"`, 5*time.Second)
	// Two dots, one click each: the page shows them as its own at once.
	click(t, pb, inProp("Bici a Mallorca", `li.querySelector('[data-key^="dp-"]')`))
	waitFor(t, pb, "the first dot shown offline", inProp("Bici a Mallorca", `li.querySelector(".ws-mydots").textContent === "teus: 1"`), 6*time.Second)
	click(t, pb, inProp("Bici a Mallorca", `li.querySelector('[data-key^="dp-"]')`))
	waitFor(t, pb, "the votes waiting offline", `/2 per enviar/.test(document.querySelector("#ws-badge").textContent)`, 6*time.Second)
	time.Sleep(700 * time.Millisecond) // a reconnect attempt fails meanwhile
	offline(pb, false)
	inSync(t, pb, "Pau after the network came back")
	waitFor(t, fac, "Pau's offline dots", inProp("Bici a Mallorca", `li.querySelector(".ws-votes")?.textContent === "2 dots"`), 5*time.Second)
	st := srv.state(t, wid, facToken)
	ballots, _ := st["ballots"].(map[string]any)
	if len(ballots) != 2 {
		t.Errorf("the server holds %d ballots, want Ada's and Pau's: %v", len(ballots), ballots)
	}
	// A proposal holds only its own edits: the base scenario's are not sent.
	for _, p := range st["proposals"].([]any) {
		if n := len(p.(map[string]any)["edits"].([]any)); n != 1 {
			t.Errorf("proposal %v holds %d edits, want its author's 1", p.(map[string]any)["name"], n)
		}
	}
	// Exactly once: Pau's two commands are two events in the log.
	pau := eval[string](t, pb, `barriWS.debug().actor`)
	if n := srv.countEvents(t, wid, facToken, pau, "vote_cast", "vote_changed"); n != 2 {
		t.Errorf("the log holds %d votes of Pau's, want his 2", n)
	}

	// The server restarts mid-workshop: every page reconnects to the same state.
	seq := st["seq"].(float64)
	srv.stop(t)
	for _, c := range []context.Context{fac, pa, pb, proj} {
		waitFor(t, c, "the offline badge while the server is down", `document.querySelector("#ws-badge").dataset.sync === "offline"`, 5*time.Second)
	}
	srv.start(t)
	for _, c := range []context.Context{fac, pa, pb, proj} {
		inSync(t, c, "a page after the restart")
		waitFor(t, c, "the same state after the restart", fmt.Sprintf(`document.querySelectorAll("#ws-list .ws-prop").length === 2 && barriWS.debug().seq === %v`, seq), 5*time.Second)
	}

	// Results: the projector shows the tallies.
	click(t, fac, `document.querySelector('#ws-fac [data-phase="results"]')`)
	waitFor(t, proj, "the tallies on the projector", `document.querySelector("#ws-wall-tally").textContent.includes("Bici a Mallorca: 2 dots")`, 6*time.Second)
	// The wall fits the projector's 1280×800: the tallies are above the fold.
	if b := eval[float64](t, proj, `document.querySelector("#ws-wall-tally").getBoundingClientRect().bottom - innerHeight`); b > 0 {
		t.Errorf("the projector's tallies end %v px below the fold", b)
	}
	// The bar's downloads: each export is fetched with the facilitator's
	// token and handed to the browser as a file.
	got := eval[[]string](t, fac, `(async () => {
		const seen = [];
		const click = HTMLAnchorElement.prototype.click;
		HTMLAnchorElement.prototype.click = function () { if (this.download) seen.push(fetch(this.href).then(r => r.text()).then(x => this.download + " " + x.length + " " + x.slice(0, 12))); else click.call(this); };
		for (const b of document.querySelectorAll("#ws-fac [data-export]")) b.click();
		for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise(r => setTimeout(r, 50));
		HTMLAnchorElement.prototype.click = click;
		return Promise.all(seen); })()`)
	if len(got) != 4 {
		t.Fatalf("web: the exports downloaded: %q", got)
	}
	t.Logf("exports: %q", got)
	for _, g := range got {
		f := strings.Fields(g)
		if len(f) < 3 || f[1] == "0" || !strings.HasPrefix(f[0], wid+"-") {
			t.Errorf("web: an export downloaded as %q", g)
		}
	}
	screenshot(t, proj, "workshop-projector")
	screenshot(t, fac, "workshop-facilitator")

	// Erase my name: the others show the participant without it.
	eval[any](t, pa, `window.confirm = () => true; document.querySelector("#ws-me").open = true; document.querySelector("#ws-erase").click(); 0`)
	waitFor(t, fac, "Ada's name erased", inProp("Bici a Mallorca", `li.querySelector(".ws-meta").textContent.startsWith("by (name erased)")`), 5*time.Second)

	// The phone layout of a participant.
	if err := chromedp.Do(pb, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	screenshot(t, pb, "workshop-phone")

	// The Catalan page has no English workshop string left.
	noEnglish(t, pb)
	// axe-core: no serious or critical violation on the workshop views.
	axe(t, map[string]context.Context{"participant": pa, "participant (ca)": pb, "facilitator": fac, "projector": proj})

	// Withdrawn proposals count toward the limit of 20 each: the refusal
	// says how many of the participant's are withdrawn, as the list shows
	// fewer. (Pau's page is given a state with his proposal withdrawn, as
	// Go would push it, then the server's refusal; last, as the page is
	// no longer the server's.)
	eval[any](t, pb, `(() => { const s = structuredClone(barriWS.debug());
		for (const p of s.view.proposals) if (p.author === s.actor) p.withdrawn = true;
		barriUI.wsState(JSON.stringify(s));
		barriUI.wsAnswer(JSON.stringify({cid: "c-x", type: "propose", code: "limit", message: "workshop: you have made 20 proposals, the most allowed",
			rule: {code: "proposals.max", args: [20, 20], text: "you have made 20 proposals, the most allowed"}})); return 0; })()`)
	waitFor(t, pb, "the proposals' limit with a withdrawn one", `document.querySelector("#ws-msg").textContent === "No s'ha fet: en aquest taller pots fer com a màxim 20 propostes; ja en tens 20; les retirades també hi compten (1 de les teves)"`, 3*time.Second)
}

// refusedInCatalan: the server refuses proposals whose edits the core finds
// invalid (sent past the page's own checks, as another client could): a
// Catalan participant reads why in Catalan, the core's arguments as text
// (a hostile value shown, never run or filled again) and its numbers as
// Catalan writes them, by the rules' check and by the server's evaluation
// against its city; an English participant reads the core's words.
func refusedInCatalan(t *testing.T, en, ca context.Context) {
	t.Helper()
	const area = `{"type":"Polygon","coordinates":[[[2.1520,41.3880],[2.1535,41.3880],[2.1535,41.3890],[2.1520,41.3880]]]}`
	const far = `{"type":"Polygon","coordinates":[[[2.0,41.0],[2.001,41.0],[2.001,41.001],[2.0,41.0]]]}`
	const hostile = `<img src=x onerror=window.pwned=1>{0}`
	propose := func(ctx context.Context, edits string) {
		eval[any](t, ctx, fmt.Sprintf(`(() => { document.querySelector("#ws-msg").textContent = ""; barriCore.wsSend(JSON.stringify({type: "propose", name: "Mala", edits: %s})); return 0; })()`, edits))
	}
	say := func(ctx context.Context, what, want string) {
		t.Helper()
		cond := fmt.Sprintf(`document.querySelector("#ws-msg").textContent === %q`, want)
		waitFor(t, ctx, what, cond, 5*time.Second)
		if got := eval[string](t, ctx, `document.querySelector("#ws-msg").children.length + " " + typeof window.pwned`); got != "0 undefined" {
			t.Errorf("web: %s: the message has elements or ran a value (%s)", what, got)
		}
	}
	propose(ca, `[{op: "park", area: `+area+`}, {op: "retrofit", level: `+fmt.Sprintf("%q", hostile)+`, area: `+area+`}]`)
	say(ca, "a refused retrofit level in Catalan", "No s'ha fet: el canvi 2 de la proposta: el nivell «"+hostile+"» ha de ser «light» o «deep»")
	propose(ca, `[{op: "park", area: `+far+`}]`)
	caFar := "No s'ha fet: el canvi 1 de la proposta: l'àrea és fora de la ciutat «eixample» (que va de la longitud 2,1414 a 2,1870 i de la latitud 41,3743 a 41,4119)"
	say(ca, "a park outside the city refused in Catalan", caFar)
	// Nowhere on the page, the live region too, are the server's English
	// words or the workshop's.
	if got := eval[string](t, ca, `document.body.innerText`); strings.Contains(got, "lies outside") || strings.Contains(got, "is invalid") {
		t.Errorf("web: the server's English is on the Catalan page: %q", got)
	}
	noEnglish(t, ca)
	propose(en, `[{op: "park", area: `+far+`}]`)
	say(en, "a park outside the city refused in English", `Not done: change 1 of the proposal: the area lies outside the city "eixample" (which spans lon 2.1414..2.1870, lat 41.3743..41.4119)`)
}

// noEnglish checks that no English text of the workshop's strings is on a
// Catalan page.
func noEnglish(t *testing.T, ctx context.Context) {
	t.Helper()
	text := eval[string](t, ctx, `[document.body.innerText,
		...[...document.querySelectorAll("[aria-label],[title],[alt]")].map(e => [e.getAttribute("aria-label"), e.title, e.getAttribute("alt")].join(" ")),
		...[...document.querySelectorAll("option")].map(o => o.textContent)].join("\n")`)
	dicts := readI18n(t)
	en, ca := dicts["en"], dicts["ca"]
	for k, e := range en {
		if !strings.HasPrefix(k, "ws.") || e == ca[k] {
			continue
		}
		if _, ok := ca[k]; !ok {
			t.Errorf("ca.json lacks %s", k)
		}
		for _, part := range strings.FieldsFunc(e, func(r rune) bool { return r == '{' || r == '}' }) {
			part = strings.TrimSpace(part)
			if len(part) < 5 || !strings.ContainsFunc(part, unicode.IsLetter) {
				continue
			}
			if containsWord(text, part) {
				t.Errorf("English text %q (%s) is on the Catalan workshop page", part, k)
				break
			}
		}
	}
}

func axe(t *testing.T, pages map[string]context.Context) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("web: %v (npm ci --prefix web installs axe-core)", err)
		}
		t.Logf("web: no axe-core (%v): accessibility not checked", err)
		return
	}
	for view, ctx := range pages {
		eval[any](t, ctx, string(src)+";0")
		res := eval[[]map[string]any](t, ctx, `axe.run(document, {resultTypes: ["violations"]}).then(r =>
			r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
				id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)})))`)
		for _, v := range res {
			t.Errorf("%s: axe %s (%s): %s %v", view, v["id"], v["impact"], v["help"], v["nodes"])
		}
	}
}

// goParticipant is a participant driven from Go over a real WebSocket,
// with the same workshop.Replica as the page.
type goParticipant struct {
	conn *websocket.Conn
	rep  *workshop.Replica
	mu   sync.Mutex
	acks map[string]int64     // cid → the seq its ack named
	at   map[string]time.Time // cid → when its ack came
}

func postJSON(t *testing.T, url string, body, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("web: POST %s: %d %s", url, resp.StatusCode, msg)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func joinGo(t *testing.T, ctx context.Context, srv *barriServer, wid, code, name string) *goParticipant {
	t.Helper()
	var j struct{ Token string }
	postJSON(t, srv.url()+"api/join", map[string]string{"code": code, "name": name}, &j)
	conn, _, err := websocket.Dial(ctx, "ws://"+srv.addr+"/ws/"+wid, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(8 << 20)
	g := &goParticipant{conn: conn, rep: workshop.NewReplica(fmt.Sprintf("g%d-%s-", time.Now().UnixNano(), name)), acks: map[string]int64{}, at: map[string]time.Time{}}
	hello, _ := json.Marshal(g.rep.Hello(j.Token))
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			m, err := workshop.DecodeServerMessage(data)
			if err != nil {
				continue
			}
			g.mu.Lock()
			r, _ := g.rep.Receive(m)
			if r.Answer != nil {
				g.acks[r.Answer.Cid] = r.Answer.Seq
				g.at[r.Answer.Cid] = time.Now()
			}
			g.mu.Unlock()
			for _, s := range r.Send {
				d, _ := json.Marshal(s)
				conn.Write(ctx, websocket.MessageText, d)
			}
		}
	}()
	return g
}

// send makes a command and returns its cid.
func (g *goParticipant) send(ctx context.Context, m workshop.ClientMessage) string {
	g.mu.Lock()
	cid, out := g.rep.Send(m)
	g.mu.Unlock()
	for _, s := range out {
		d, _ := json.Marshal(s)
		g.conn.Write(ctx, websocket.MessageText, d)
	}
	return cid
}

func (g *goParticipant) ack(cid string) (int64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.acks[cid]
	return s, ok
}

// TestRehearsal is a 30-participant rehearsal (make rehearsal; skipped
// unless BARRI_REHEARSAL is set): five pages in headless Chromium (the
// facilitator, the projector, three participants) and 25 participants
// over WebSockets from Go go through a whole workshop; every screen must
// end with the server's tallies, and the time from a vote's sending to
// every page having it is reported (p50, p95, max).
func TestRehearsal(t *testing.T) {
	if os.Getenv("BARRI_REHEARSAL") == "" {
		t.Skip("the rehearsal runs with make rehearsal (BARRI_REHEARSAL=1)")
	}
	env := needBrowser(t)
	srv := startBarri(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var cr struct {
		ID             string `json:"id"`
		Code           string `json:"code"`
		FacilitatorURL string `json:"facilitator_url"`
		ProjectorURL   string `json:"projector_url"`
	}
	postJSON(t, srv.url()+"api/workshops", map[string]any{"title": "Assaig", "city": "eixample", "voting": map[string]any{"rule": "approval"}}, &cr)
	fix := func(u string) string { return strings.Replace(u, "#", "&lang=en#", 1) }
	root := env.browser(t)
	pages := append([]context.Context{root}, tabs(t, root, 4)...)
	urls := []string{fix(cr.FacilitatorURL), fix(cr.ProjectorURL)}
	for i, u := range urls {
		wsOpen(t, pages[i], u, 1280, 800)
	}
	for i := 2; i < 5; i++ {
		wsOpen(t, pages[i], srv.url()+"?join="+cr.Code+"&lang=en", 1280, 800)
		eval[any](t, pages[i], fmt.Sprintf(`(() => { document.querySelector("#ws-join-name").value = "Veí %d"; document.querySelector("#ws-join-form").requestSubmit(); return 0; })()`, i))
	}
	for _, p := range pages {
		inSync(t, p, "a rehearsal page")
		// Note when each event reaches the page (wall clock, ms).
		eval[any](t, p, `window.__seen = {}; window.__ms = []; { const orig = barriUI.wsState; barriUI.wsState = (j) => { const t0 = performance.now(); orig(j); __ms.push(performance.now() - t0); const s = barriWS.debug().seq; for (let q = s; q > 0 && !(q in __seen); q--) __seen[q] = Date.now(); }; } 0`)
	}
	var gos []*goParticipant
	for i := 0; i < 25; i++ {
		gos = append(gos, joinGo(t, ctx, srv, cr.ID, cr.Code, fmt.Sprintf("go%02d", i)))
	}
	fac := pages[0]
	phase := func(p string) {
		click(t, fac, `document.querySelector('#ws-fac [data-phase="`+p+`"]')`)
		waitFor(t, pages[4], "phase "+p, `barriWS.debug().view.phase === "`+p+`"`, 5*time.Second)
	}
	phase("propose")
	streets := eval[[]string](t, fac, `JSON.parse(barriCore.catalog()).streets.filter(s => s.startsWith("Carrer")).slice(0, 6)`)
	var cids []string
	for i := 0; i < 5; i++ {
		name := "Proposta " + streets[i]
		edits, _ := json.Marshal([]map[string]any{{"op": "bike_lane", "streets": map[string]any{"name": streets[i]}}})
		cids = append(cids, gos[i].send(ctx, workshop.ClientMessage{Type: "propose", Name: &name, Edits: edits}))
	}
	for i, cid := range cids {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if _, ok := gos[i].ack(cid); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("web: a rehearsal proposal was not acknowledged within 60 s")
			}
		}
	}
	phase("discuss")
	props := eval[[]string](t, fac, `barriWS.debug().view.proposals.map(p => p.id)`)
	if len(props) != 5 {
		t.Fatalf("web: %d proposals, want 5", len(props))
	}
	for i, g := range gos {
		g.send(ctx, workshop.ClientMessage{Type: "comment", Proposal: props[i%5], Text: fmt.Sprintf("comentari %d", i)})
	}
	phase("vote")
	// Every Go participant approves two proposals, about 25 votes a second.
	type sent struct {
		g   *goParticipant
		cid string
		at  time.Time
	}
	var votes []sent
	for round := 0; round < 2; round++ {
		for i, g := range gos {
			at := time.Now()
			votes = append(votes, sent{g, g.send(ctx, workshop.ClientMessage{Type: "vote", Proposal: props[(i+round*2)%5]}), at})
			time.Sleep(40 * time.Millisecond)
		}
	}
	for i := 2; i < 5; i++ {
		click(t, pages[i], `document.querySelector("#ws-list .ws-vote")`)
	}
	// Every page converges to the server's tallies.
	time.Sleep(500 * time.Millisecond)
	want := srv.state(t, cr.ID, jsonToken(cr.FacilitatorURL))
	tallies := func(v map[string]any) string {
		var b strings.Builder
		for _, p := range v["proposals"].([]any) {
			pm := p.(map[string]any)
			fmt.Fprintf(&b, "%s=%v ", pm["id"], pm["votes"])
		}
		return b.String()
	}
	wantT := tallies(want)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		want = srv.state(t, cr.ID, jsonToken(cr.FacilitatorURL))
		wantT = tallies(want)
		same := 0
		for _, p := range pages {
			if got := tallies(eval[map[string]any](t, p, `barriWS.debug().view`)); got == wantT {
				same++
			}
		}
		if same == len(pages) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web: %d of %d pages show the server's tallies %s", same, len(pages), wantT)
		}
	}
	// Vote → every page.
	var lat []time.Duration
	seen := make([]map[string]float64, len(pages))
	for i, p := range pages {
		seen[i] = eval[map[string]float64](t, p, `__seen`)
	}
	for _, v := range votes {
		seq, ok := v.g.ack(v.cid)
		if !ok {
			t.Fatalf("web: a vote was not acknowledged")
		}
		var last float64
		for i := range pages {
			at, ok := seen[i][fmt.Sprint(seq)]
			if !ok {
				t.Fatalf("web: page %d never had event %d", i, seq)
			}
			last = math.Max(last, at)
		}
		lat = append(lat, time.Duration(last*1e6)-time.Duration(v.at.UnixNano()))
	}
	// The server's share: a vote's ack (sent once stored) to its sender.
	var ackLat []time.Duration
	for _, v := range votes {
		v.g.mu.Lock()
		ackLat = append(ackLat, v.g.at[v.cid].Sub(v.at))
		v.g.mu.Unlock()
	}
	slices.Sort(ackLat)
	t.Logf("rehearsal: vote → its ack (stored) p50 %v, p95 %v", ackLat[len(ackLat)/2].Round(time.Millisecond), ackLat[len(ackLat)*95/100].Round(time.Millisecond))
	// The page's own share: one state update (JSON, panel), median per page.
	var pageMs []string
	for _, p := range pages {
		ms := eval[[]float64](t, p, `__ms`)
		goMs := eval[[]float64](t, p, `barriCore.wsStats()`)
		slices.Sort(ms)
		slices.Sort(goMs)
		pageMs = append(pageMs, fmt.Sprintf("%.1f/%.1f", goMs[len(goMs)/2], ms[len(ms)/2]))
	}
	t.Logf("rehearsal: a server message takes the page %v ms (median per page, Go's whole handling / the panel's share; facilitator, projector, 3 participants)", pageMs)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Millisecond) }
	t.Logf("rehearsal: 30 participants (5 pages, 25 over WebSockets), %d votes: vote → every page p50 %v, p95 %v, max %v; tallies %s",
		len(lat), pct(0.5), pct(0.95), lat[len(lat)-1].Round(time.Millisecond), wantT)
	phase("results")
}

// jsonToken is the token in a link's fragment.
func jsonToken(u string) string { _, tok, _ := strings.Cut(u, "#token="); return tok }

// TestWorkshopCodesTranslated: every code a server's refusal can carry
// (workshop.ErrorCodes) has its text in Catalan, Spanish and English, and
// the Catalan and Spanish ones are not the English.
func TestWorkshopCodesTranslated(t *testing.T) {
	dicts := readI18n(t)
	for _, c := range workshop.ErrorCodes {
		k := "ws.err." + c
		for l, d := range dicts {
			if s, ok := d[k]; !ok || strings.TrimSpace(s) == "" {
				t.Errorf("src/i18n/%s.json lacks %s", l, k)
			}
		}
		if en := dicts["en"][k]; en != "" && (dicts["ca"][k] == en || dicts["es"][k] == en) {
			t.Errorf("%s is in English in ca.json or es.json: %q", k, en)
		}
	}
}

var rulePlace = regexp.MustCompile(`\{(\d+)(?::([a-z]+))?\}`)

// TestWorkshopRulesTranslated: every reason the workshop's refusals can
// carry (workshop.RuleCodes) has its template ws.rule.CODE in Catalan,
// Spanish and English, not the English in ca or es; each place is an
// argument of the code, written {i:phase} or {i:proposal} for a phase or a
// proposal (workshop.js says them by name) and {i} otherwise; every number
// the reason carries is said in every language. Each phase has its name
// for inside a sentence, and no template is left for a code the workshop
// no longer has.
func TestWorkshopRulesTranslated(t *testing.T) {
	dicts := readI18n(t)
	// A key given twice would hide its first text (JSON keeps the last).
	for l := range dicts {
		data, err := os.ReadFile(filepath.Join("src", "i18n", l+".json"))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		seen := map[string]bool{}
		for i := 0; ; i++ {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			if k, ok := tok.(string); ok && i%2 == 1 {
				if seen[k] {
					t.Errorf("src/i18n/%s.json has %s twice", l, k)
				}
				seen[k] = true
			}
		}
	}
	known := map[string]bool{}
	for _, p := range workshop.Phases {
		k := "ws.phaseIn." + string(p)
		known[k] = true
		for l, d := range dicts {
			if strings.TrimSpace(d[k]) == "" {
				t.Errorf("src/i18n/%s.json lacks %s", l, k)
			}
		}
	}
	for _, c := range workshop.RuleCodes() {
		k := "ws.rule." + c.Code
		known[k] = true
		for l, d := range dicts {
			tpl, ok := d[k]
			if !ok || strings.TrimSpace(tpl) == "" {
				t.Errorf("src/i18n/%s.json lacks %s (arguments %v)", l, k, c.Args)
				continue
			}
			used := map[int]bool{}
			for _, m := range rulePlace.FindAllStringSubmatch(tpl, -1) {
				i, _ := strconv.Atoi(m[1])
				if i >= len(c.Args) {
					t.Errorf("src/i18n/%s.json: %s has the place %s; the reason has %d arguments", l, k, m[0], len(c.Args))
					continue
				}
				want := ""
				if c.Args[i] == workshop.ArgPhase || c.Args[i] == workshop.ArgProposal {
					want = c.Args[i]
				}
				if m[2] != want {
					t.Errorf("src/i18n/%s.json: %s has the place %s for an argument of kind %s (write {%d%s})", l, k, m[0], c.Args[i], i, map[bool]string{true: ":" + want}[want != ""])
				}
				used[i] = true
			}
			if rest := rulePlace.ReplaceAllString(tpl, ""); strings.ContainsAny(rest, "{}") {
				t.Errorf("src/i18n/%s.json: %s has a brace that is no place: %q", l, k, tpl)
			}
			for i, kind := range c.Args {
				if kind == workshop.ArgNumber && !used[i] {
					t.Errorf("src/i18n/%s.json: %s does not say its number {%d}", l, k, i)
				}
			}
		}
		if en := dicts["en"][k]; en != "" && (dicts["ca"][k] == en || dicts["es"][k] == en) {
			t.Errorf("%s is in English in ca.json or es.json: %q", k, en)
		}
	}
	for l, d := range dicts {
		for k := range d {
			if strings.HasPrefix(k, "ws.rule.") && !known[k] {
				t.Errorf("src/i18n/%s.json has %s, a reason the workshop does not give", l, k)
			}
		}
	}
}

// TestWorkshopPhasesInSentences: every template that names a phase
// ({i:phase}, filled with ws.phaseIn.PHASE) reads right with each phase in
// each language. Catalan elides "de" before a vowel ("la fase d'exploració",
// never "de exploració"), so its phase words carry their preposition and
// the templates say "la fase {0:phase}"; Spanish says "la fase de
// exploración", English "the explore phase".
func TestWorkshopPhasesInSentences(t *testing.T) {
	dicts := readI18n(t)
	bad := map[string]*regexp.Regexp{
		// "de" before a vowel or a mute h, or a preposition twice.
		"ca": regexp.MustCompile(`(?i)\bde [aeiouàèéíïòóúüh]|\b(?:de|d') ?(?:de|d')\b|fase d'[^aeiouàèéíïòóúüh]`),
		"es": regexp.MustCompile(`(?i)\bde (?:de|el)\b|\ba el\b`),
		"en": regexp.MustCompile(`(?i)\bphase phase\b|\bthe the\b|\bin in\b`),
	}
	// Where the phase stands in the sentence.
	around := map[string]func(in string) string{
		"ca": func(in string) string { return "la fase " + in },
		"es": func(in string) string { return "la fase de " + in },
		"en": func(in string) string { return "the " + in + " phase" },
	}
	n := 0
	for _, c := range workshop.RuleCodes() {
		if !slices.Contains(c.Args, workshop.ArgPhase) {
			continue
		}
		for l, d := range dicts {
			tpl := d["ws.rule."+c.Code]
			for _, p := range workshop.Phases {
				in := d["ws.phaseIn."+string(p)]
				s := rulePlace.ReplaceAllStringFunc(tpl, func(m string) string {
					if strings.HasSuffix(m, ":phase}") {
						return in
					}
					return "x"
				})
				n++
				if m := bad[l].FindString(s); m != "" {
					t.Errorf("src/i18n/%s.json: ws.rule.%s in the %s phase reads %q (%q)", l, c.Code, p, s, m)
				}
				if !strings.Contains(s, around[l](in)) {
					t.Errorf("src/i18n/%s.json: ws.rule.%s in the %s phase reads %q, without %q", l, c.Code, p, s, around[l](in))
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("web: no workshop reason names a phase: the test checks nothing")
	}
}
