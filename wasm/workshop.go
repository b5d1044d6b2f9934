//go:build js && wasm

package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"syscall/js"
	"time"

	"github.com/paulmach/orb"

	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/wasm/proposal"
	"github.com/barri-city/barri/workshop"
)

// wsClient is the page's live connection to a workshop: the browser's
// WebSocket (through syscall/js, which adds nothing to the wasm) driving a
// workshop.Replica, the same pure session model the server decides with.
// Everything runs in the browser's event loop (WebSocket and timer
// callbacks), so the replica is used by one caller at a time. The outbox
// (commands made and not yet answered) is kept in localStorage after every
// change, so a vote or a proposal made offline survives a reload and goes
// once, with its cid, on the next connection.
type wsClient struct {
	a        *app
	id       string // the workshop
	token    string
	actor    string // from the token, before the server says
	rep      *workshop.Replica
	sock     js.Value
	attempt  int // failed connections since the last welcome
	retry    js.Value
	stopped  bool   // the server refused the token: no more reconnects
	fatal    string // why
	agree    map[string]bool
	funcs    []js.Func
	lastSync workshop.Sync
	skew     float64         // the server's clock less the page's, ms
	recvMs   []float64       // how long each server message took here (decode, apply, push), ms
	flushing bool            // a shared retry of the refused commands is due
	lastRecv float64         // when the server last sent anything (ms, page clock)
	pinged   float64         // when a ping went unanswered so far (0: none)
	baseInd  *sim.Indicators // the base scenario's indicators, evaluated once here (nil: none)
	baseOf   string          // the base scenario they are of
	retryFn  js.Func         // the pending reconnect's callback, released when it runs or is cleared
}

// baseIndicators are the indicators of the workshop's starting point (its
// base scenario), evaluated once on this page: a proposal's change is
// shown from them, not from today's city. Nil when the workshop has no
// base scenario (the server's delta is then from the same point).
func (c *wsClient) baseIndicators() *sim.Indicators {
	st := c.rep.State()
	if st == nil || len(st.Scenario) == 0 {
		return nil
	}
	if c.baseInd != nil && c.baseOf == string(st.Scenario) {
		return c.baseInd
	}
	sc, err := c.base()
	if err != nil {
		return nil
	}
	res, err := sim.Evaluate(c.a.city, sc)
	if err != nil {
		js.Global().Get("console").Call("warn", "wasm: the workshop's base scenario: "+err.Error())
		return nil
	}
	ind := res.Scenario.City
	c.baseInd, c.baseOf = &ind, string(st.Scenario)
	return c.baseInd
}

// change is an indicator of a proposal as residents read it: from the
// workshop's starting point when it has a base scenario, else the server's
// delta from today's city.
func (c *wsClient) change(p *workshop.ProposalView, k string) (rs, rd string, sign int) {
	v, d := p.Indicators.Get(k), p.Delta.Get(k)
	if b := c.baseIndicators(); b != nil {
		d = v - b.Get(k)
	}
	_, rs, rd, sign = proposal.Readable(k, v-d, v, d)
	return rs, rd, sign
}

func nowMs() float64 { return js.Global().Get("Date").Call("now").Float() }

// watch checks every 5 s that a connection the server has been quiet on
// for 20 s still answers a ping within 10 s; if not (Wi-Fi lost, a NAT
// that forgot the flow: no close comes), it is dropped and reconnected.
func (c *wsClient) watch() {
	f := js.FuncOf(func(js.Value, []js.Value) any {
		if !c.sock.Truthy() || c.sock.Get("readyState").Int() != 1 {
			return nil
		}
		now := nowMs()
		switch {
		case c.pinged > 0 && now-c.pinged > 10000:
			// No close may ever come on a dead connection: leave it now.
			old := c.sock
			c.sock = js.Undefined()
			old.Call("close")
			c.rep.Disconnected()
			c.push()
			c.schedule()
		case c.pinged == 0 && now-c.lastRecv > 20000:
			c.pinged = now
			c.sendNow(workshop.ClientMessage{Type: workshop.MsgPing})
		}
		return nil
	})
	c.funcs = append(c.funcs, f)
	js.Global().Call("setInterval", f, 5000)
}

// wsHeadline are the indicators the proposals list shows for each proposal:
// traffic's and buildings' CO₂ both, so that a retrofit or solar proposal
// shows what it does (with traffic's alone it read "no change" throughout).
var wsHeadline = []string{"mobility.share.car", "mobility.share.bike", "mobility.co2_t_year", "energy.co2_t_year", "access.15min_share", "housing.rent_burden_share"}

// newCidPrefix draws the per-tab, per-load prefix of the cids this page
// makes: 96 random bits.
func newCidPrefix() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "t" + base64.RawURLEncoding.EncodeToString(b) + "-"
}

func (c *wsClient) storeKey() string { return "barri.ws." + c.id + "." + c.actor + ".outbox" }

func storage() js.Value { return js.Global().Get("localStorage") }

// saveOutbox keeps the unanswered commands in this browser.
func (c *wsClient) saveOutbox() {
	ls := storage()
	if !ls.Truthy() {
		return
	}
	out := c.rep.Outbox()
	if len(out) == 0 {
		ls.Call("removeItem", c.storeKey())
		return
	}
	data, _ := json.Marshal(out)
	ls.Call("setItem", c.storeKey(), string(data))
}

// restoreOutbox puts back the commands a previous page load left unanswered.
func (c *wsClient) restoreOutbox() {
	ls := storage()
	if !ls.Truthy() {
		return
	}
	v := ls.Call("getItem", c.storeKey())
	if v.Type() != js.TypeString {
		return
	}
	var saved []workshop.ClientMessage
	if err := json.Unmarshal([]byte(v.String()), &saved); err != nil {
		js.Global().Get("console").Call("warn", "wasm: the saved workshop outbox is damaged and was dropped: "+err.Error())
		return
	}
	c.rep.Restore(saved, 0)
}

func (c *wsClient) fn(f func(this js.Value, args []js.Value) any) js.Func {
	jf := js.FuncOf(f)
	c.funcs = append(c.funcs, jf)
	return jf
}

// connect opens a WebSocket to the workshop and says hello with the last
// sequence number held.
func (c *wsClient) connect() {
	if c.stopped {
		return
	}
	c.retry = js.Undefined()
	loc := js.Global().Get("location")
	scheme := "ws://"
	if loc.Get("protocol").String() == "https:" {
		scheme = "wss://"
	}
	url := scheme + loc.Get("host").String() + "/ws/" + c.id
	sock := js.Global().Get("WebSocket").New(url)
	c.sock = sock
	var onOpen, onMsg, onClose js.Func
	onOpen = c.fn(func(js.Value, []js.Value) any {
		if !c.sock.Equal(sock) {
			return nil
		}
		c.lastRecv, c.pinged = nowMs(), 0
		c.sendNow(c.rep.Hello(c.token))
		c.push()
		return nil
	})
	onMsg = c.fn(func(_ js.Value, args []js.Value) any {
		if !c.sock.Equal(sock) || len(args) == 0 {
			return nil
		}
		data := args[0].Get("data")
		if data.Type() != js.TypeString {
			return nil
		}
		c.receive([]byte(data.String()))
		return nil
	})
	onClose = c.fn(func(js.Value, []js.Value) any {
		if !c.sock.Equal(sock) {
			return nil
		}
		c.sock = js.Undefined()
		c.rep.Disconnected()
		c.push()
		for _, f := range []js.Func{onOpen, onMsg, onClose} {
			c.release(f)
		}
		c.schedule()
		return nil
	})
	sock.Set("onopen", onOpen)
	sock.Set("onmessage", onMsg)
	sock.Set("onclose", onClose)
}

// release frees a callback of a closed socket.
func (c *wsClient) release(f js.Func) {
	for i, g := range c.funcs {
		if g.Value.Equal(f.Value) {
			c.funcs = append(c.funcs[:i], c.funcs[i+1:]...)
			break
		}
	}
	f.Release()
}

// schedule reconnects after the replica's backoff.
func (c *wsClient) schedule() {
	if c.stopped || c.retry.Truthy() {
		return
	}
	d := workshop.Backoff(c.attempt, mrand.Float64())
	c.attempt++
	c.retryFn = js.FuncOf(func(js.Value, []js.Value) any {
		c.retryFn.Release()
		c.retryFn = js.Func{}
		if c.retry.Truthy() {
			c.retry = js.Undefined()
			c.connect()
		}
		return nil
	})
	c.retry = js.Global().Call("setTimeout", c.retryFn, d.Milliseconds())
}

// now reconnects at once (the browser says it is online again).
func (c *wsClient) now() {
	if c.retry.Truthy() {
		js.Global().Call("clearTimeout", c.retry)
		c.retry = js.Undefined()
		if c.retryFn.Truthy() {
			c.retryFn.Release() // its timer will not run
			c.retryFn = js.Func{}
		}
		c.attempt = 0
		c.connect()
	}
}

// drop closes the connection (the browser says it is offline): commands
// wait in the outbox until it is back.
func (c *wsClient) drop() {
	if c.sock.Truthy() {
		c.sock.Call("close")
	}
}

func (c *wsClient) sendNow(m workshop.ClientMessage) {
	if !c.sock.Truthy() || c.sock.Get("readyState").Int() != 1 {
		return
	}
	data, _ := json.Marshal(m)
	c.sock.Call("send", string(data))
}

// receive applies one server message and tells the page.
func (c *wsClient) receive(data []byte) {
	start := time.Now()
	defer func() {
		if len(c.recvMs) < 4096 {
			c.recvMs = append(c.recvMs, float64(time.Since(start).Microseconds())/1000)
		}
	}()
	m, err := workshop.DecodeServerMessage(data)
	if err != nil {
		js.Global().Get("console").Call("warn", err.Error())
		return
	}
	r, err := c.rep.Receive(m)
	switch {
	case errors.Is(err, workshop.ErrResync):
		c.drop()
		return
	case err != nil && m.Type == workshop.MsgError:
		// The server refused the connection itself (a bad or revoked
		// token, no such workshop): reconnecting will not help.
		c.stopped, c.fatal = true, m.Code
		c.drop()
		c.answer(map[string]any{"fatal": true, "code": m.Code, "message": m.Message})
		c.push()
		return
	case err != nil:
		// The server's events break the rules as this page knows them, or
		// its chain of hashes: start again from the server's state.
		js.Global().Get("console").Call("warn", err.Error())
		out := c.rep.Outbox()
		c.rep = newReplica()
		c.rep.Restore(out, 0)
		c.drop()
		return
	}
	c.lastRecv = nowMs()
	c.pinged = 0
	if (m.Type == workshop.MsgWelcome || m.Type == workshop.MsgPong) && m.Now > 0 {
		// The server's clock less this page's (a replayed event's stored
		// time would be old): the timer counts down on the server's time.
		c.skew = float64(m.Now)/1000 - nowMs()
	}
	if m.Type == workshop.MsgPong {
		c.push()
		return
	}
	if m.Type == workshop.MsgWelcome {
		c.attempt = 0
		c.actor, _ = c.rep.Actor()
	}
	for _, s := range r.Send {
		c.sendNow(s)
	}
	if r.Answer != nil && r.Answer.Requeued {
		// Busy, unavailable or over the rate: the command stays at its
		// place in the outbox, with its cid (the server applies a cid
		// once), and the outbox goes again in order after one backoff.
		c.saveOutbox()
		c.flushLater()
		c.push()
		return
	}
	if r.Answer != nil {
		c.saveOutbox()
		a := map[string]any{"cid": r.Answer.Cid, "type": r.Answer.Command.Type, "seq": r.Answer.Seq, "proposal": r.Answer.Proposal}
		if r.Answer.Command.Type == "comment" {
			// The proposal commented on, accepted or refused: an accepted
			// comment clears the reason of its proposal's last refusal.
			a["proposal"] = r.Answer.Command.Proposal
		}
		if r.Answer.Err != nil {
			a["code"], a["message"] = r.Answer.Err.Code, r.Answer.Err.Message
			if r.Answer.Err.Field != "" {
				a["field"] = r.Answer.Err.Field
			}
			if r.Answer.Command.Type == "comment" {
				a["text"] = r.Answer.Command.Text // put back in its box
			}
			if r.Answer.Err.Edit >= 0 {
				a["edit"] = r.Answer.Err.Edit
			}
			if r.Answer.Err.Rule != nil {
				// The workshop's own reason (workshop.RuleCodes), for the
				// page to say in its language with its numbers.
				a["rule"] = r.Answer.Err.Rule
			}
			if r.Answer.Err.Why != nil {
				// The core's message (its codes under "sim."), for the
				// page to say in its language as the solo page does.
				a["why"] = messageInfo(*r.Answer.Err.Why)
			}
		}
		c.answer(a)
	}
	if r.Changed || r.Answer != nil || m.Type == workshop.MsgWelcome || c.rep.Sync() != c.lastSync {
		c.push()
	}
}

// codeErr is an error of this page's workshop client with a code that the
// page translates (workshop.js: ws.wasm.CODE).
type codeErr struct{ code, msg string }

func (e codeErr) Error() string { return e.msg }

// window is how many commands may be on a connection unanswered: half
// the server's burst of messages a connection (40), so that a long outbox
// sent after a welcome does not run into its rate limit.
const window = 20

// newReplica is a replica with this page's pacing: at most window
// commands in flight, and transient refusals kept in the outbox in order.
func newReplica() *workshop.Replica {
	r := workshop.NewReplica(newCidPrefix())
	r.SetWindow(window)
	r.SetRequeue(true)
	return r
}

// flushLater sends the outbox again, in order, after one backoff shared by
// every command refused meanwhile (offline by then, the next welcome sends
// it).
func (c *wsClient) flushLater() {
	if c.flushing {
		return
	}
	c.flushing = true
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any {
		f.Release()
		c.flushing = false
		for _, m := range c.rep.Flush() {
			c.sendNow(m)
		}
		c.push()
		return nil
	})
	js.Global().Call("setTimeout", f, workshop.Backoff(1, mrand.Float64()).Milliseconds())
}

func (c *wsClient) answer(v map[string]any) {
	data, _ := json.Marshal(v)
	c.a.ui.Call("wsAnswer", string(data))
}

// send makes a command: it goes now when connected, else waits in the
// (saved) outbox.
func (c *wsClient) send(m workshop.ClientMessage) string {
	cid, out := c.rep.Send(m)
	c.saveOutbox()
	for _, s := range out {
		c.sendNow(s)
	}
	c.push()
	return cid
}

// base is the workshop's base scenario (seed, params and edits before
// every proposal's), or the city with seed 0 when it has none: what the
// server evaluates a proposal on (docs/WORKSHOPS.md). It has no name:
// the page names a new draft in its language (workshop.js loadDraft).
func (c *wsClient) base() (*sim.Scenario, error) {
	sc := &sim.Scenario{Version: sim.ScenarioVersion, City: c.a.city.Name, Edits: []sim.Edit{}}
	st := c.rep.State()
	if st == nil || len(st.Scenario) == 0 {
		return sc, nil
	}
	b, err := sim.ParseScenario(st.Scenario)
	if err != nil {
		return nil, fmt.Errorf("wasm: the workshop's base scenario: %v", err)
	}
	sc.Seed, sc.Params = b.Seed, b.Params
	sc.Edits = append(sc.Edits, b.Edits...)
	return sc, nil
}

// proposalScenario is the base scenario followed by a proposal's edits.
func (c *wsClient) proposalScenario(id string) (*sim.Scenario, *workshop.ProposalView, error) {
	st := c.rep.State()
	if st == nil {
		return nil, nil, codeErr{"not_arrived", "wasm: the workshop has not arrived yet"}
	}
	p := findProposal(st.View(), id)
	if p == nil {
		return nil, nil, fmt.Errorf("wasm: no proposal %q in this workshop", id)
	}
	sc, err := c.base()
	if err != nil {
		return nil, nil, err
	}
	var edits []sim.Edit
	if err := json.Unmarshal(p.Edits, &edits); err != nil {
		return nil, nil, fmt.Errorf("wasm: proposal %s: %v", id, err)
	}
	sc.Name = p.Name
	sc.Edits = append(sc.Edits, edits...)
	return sc, p, nil
}

func findProposal(v *workshop.View, id string) *workshop.ProposalView {
	for i := range v.Proposals {
		if v.Proposals[i].ID == id {
			return &v.Proposals[i]
		}
	}
	return nil
}

// sameEdits reports whether the session holds exactly the scenario: its
// seed, parameters and edits.
func (c *wsClient) sameEdits(sc *sim.Scenario) bool {
	if !sameSeedParams(c.a.s.Scenario(), sc) {
		return false
	}
	x, _ := json.Marshal(c.a.s.Edits())
	y, _ := json.Marshal(sc.Edits)
	if len(c.a.s.Edits()) == 0 && len(sc.Edits) == 0 {
		return true
	}
	return string(x) == string(y)
}

// sameSeedParams reports whether two scenarios have the same seed and
// parameters (a draft opened from a file may have others).
func sameSeedParams(a, b *sim.Scenario) bool {
	if a.Seed != b.Seed || len(a.Params) != len(b.Params) {
		return false
	}
	for k, v := range a.Params {
		if w, ok := b.Params[k]; !ok || math.Float64bits(v) != math.Float64bits(w) {
			return false
		}
	}
	return true
}

// check compares, bit for bit, the server's indicators of a proposal with
// the ones this page computed, when the session holds the proposal's
// scenario; it notes the answer per proposal version.
func (c *wsClient) check(id string) (checked, equal bool) {
	sc, p, err := c.proposalScenario(id)
	if err != nil || p.Indicators == nil || !c.sameEdits(sc) {
		return false, false
	}
	local := c.a.s.Result().Scenario.City
	diff := workshop.DifferentNumbers(&local, p.Indicators)
	equal = len(diff) == 0
	for _, k := range diff {
		js.Global().Get("console").Call("warn", fmt.Sprintf("wasm: proposal %s: %s is %v here, %v on the server",
			id, k, local.Get(k), p.Indicators.Get(k)))
	}
	c.agree[fmt.Sprintf("%s@%d", id, p.Version)] = equal
	return true, equal
}

// push sends the page the workshop as it stands: the connection's state,
// who this page is, and the derived view, with each proposal's headline
// indicators as residents read them and whether they were checked.
func (c *wsClient) push() {
	c.lastSync = c.rep.Sync()
	actor, role := c.rep.Actor()
	seq, head := c.rep.Head()
	type sum struct {
		K    string `json:"k"`
		V    string `json:"v"`
		D    string `json:"d"`
		Sign int    `json:"sign"`
	}
	out := struct {
		Sync     string                    `json:"sync"`
		Actor    string                    `json:"actor"`
		Role     string                    `json:"role"`
		Seq      int64                     `json:"seq"`
		Head     string                    `json:"head"`
		Pending  int                       `json:"pending"`
		Fatal    string                    `json:"fatal,omitempty"`
		Outbox   []workshop.ClientMessage  `json:"outbox"`
		Skew     float64                   `json:"skew"`
		View     *workshop.View            `json:"view"`
		Sums     map[string][]sum          `json:"sums"`
		Agree    map[string]map[string]any `json:"agree"`
		FromBase bool                      `json:"fromBase"`
	}{Sync: c.rep.Sync().String(), Actor: actor, Role: role, Seq: seq, Head: head, Pending: len(c.rep.Outbox()), Outbox: c.rep.Outbox(), Skew: c.skew,
		Fatal: c.fatal, Sums: map[string][]sum{}, Agree: map[string]map[string]any{}}
	if st := c.rep.State(); st != nil {
		out.View = st.View()
		out.FromBase = len(st.Scenario) > 0
		for _, p := range out.View.Proposals {
			if p.Indicators == nil || p.Delta == nil {
				continue
			}
			for _, k := range wsHeadline {
				rs, rd, sign := c.change(&p, k)
				out.Sums[p.ID] = append(out.Sums[p.ID], sum{k, rs, rd, sign})
			}
			if eq, ok := c.agree[fmt.Sprintf("%s@%d", p.ID, p.Version)]; ok {
				out.Agree[p.ID] = map[string]any{"equal": eq, "version": p.Version}
			}
		}
	}
	data, err := json.Marshal(out)
	if err != nil {
		c.a.ui.Call("showError", "wasm: workshop state: "+err.Error())
		return
	}
	c.a.ui.Call("wsState", string(data))
}

// compare returns the indicator table of two proposals, the server's
// numbers side by side as residents read them.
func (c *wsClient) compare(ids []string) (string, error) {
	st := c.rep.State()
	if st == nil {
		return "", codeErr{"not_arrived", "wasm: the workshop has not arrived yet"}
	}
	v := st.View()
	type cell struct {
		V    string `json:"v"`
		D    string `json:"d"`
		Sign int    `json:"sign"`
	}
	type row struct {
		K     string `json:"k"`
		Share bool   `json:"share"`
		Cells []cell `json:"cells"`
	}
	var rows []row
	var props []*workshop.ProposalView
	for _, id := range ids {
		p := findProposal(v, id)
		if p == nil || p.Indicators == nil || p.Delta == nil {
			return "", fmt.Errorf("wasm: proposal %q has no indicators yet", id)
		}
		props = append(props, p)
	}
	for _, k := range sim.IndicatorKeys() {
		r := row{K: k, Share: proposal.IsShare(k)}
		for _, p := range props {
			rs, rd, sign := c.change(p, k)
			r.Cells = append(r.Cells, cell{rs, rd, sign})
		}
		rows = append(rows, r)
	}
	data, err := json.Marshal(rows)
	return string(data), err
}

// registerWorkshop adds the workshop client's functions to barriCore:
// wsStart(id, token), wsSend(command JSON) → cid, wsSubmit(name,
// description, proposal) (the draft's edits beyond the base scenario's:
// propose, or update when proposal is given), wsShow(proposal) (its
// scenario into the session; the state and whether the numbers agree),
// wsBase() (the base scenario, for a new draft), wsCheck(proposal),
// wsCompare(a, b), wsOnline(bool).
func (a *app) registerWorkshop(core js.Value) {
	var c *wsClient
	str := func(args []js.Value, i int) string {
		if i < len(args) && args[i].Type() == js.TypeString {
			return args[i].String()
		}
		return ""
	}
	fail := func(err error) any {
		out := map[string]any{"ok": false, "error": err.Error()}
		var ce codeErr
		if errors.As(err, &ce) {
			out["code"] = ce.code
		}
		return out
	}
	need := func() error {
		if c == nil {
			return codeErr{"no_workshop", "wasm: no workshop: call wsStart first"}
		}
		return nil
	}
	fns := map[string]func(args []js.Value) any{
		"wsStart": func(args []js.Value) any {
			id, token := str(args, 0), str(args, 1)
			if id == "" || token == "" {
				return fail(errors.New("wasm: wsStart needs the workshop id and a token"))
			}
			if c != nil {
				return fail(codeErr{"already_in", "wasm: this page is already in a workshop"})
			}
			actor, _, _ := strings.Cut(token, ".")
			c = &wsClient{a: a, id: id, token: token, actor: actor, rep: newReplica(),
				agree: map[string]bool{}, sock: js.Undefined(), retry: js.Undefined()}
			c.restoreOutbox()
			c.connect()
			c.watch()
			c.push()
			return map[string]any{"ok": true}
		},
		"wsSend": func(args []js.Value) any {
			if err := need(); err != nil {
				return fail(err)
			}
			var m workshop.ClientMessage
			if err := json.Unmarshal([]byte(str(args, 0)), &m); err != nil {
				return fail(fmt.Errorf("wasm: command: %v", err))
			}
			if m.Type == "hello" || m.Token != "" || m.Since != nil {
				return fail(errors.New("wasm: a command cannot be a hello"))
			}
			return map[string]any{"ok": true, "cid": c.send(m)}
		},
		"wsSubmit": func(args []js.Value) any {
			if err := need(); err != nil {
				return fail(err)
			}
			base, err := c.base()
			if err != nil {
				return fail(err)
			}
			if !sameSeedParams(a.s.Scenario(), base) {
				return fail(codeErr{"base_seed", "wasm: your draft has another seed or parameters than the workshop's starting point (opened from a file?): start a new draft from it"})
			}
			all := a.s.Edits()
			if len(all) < len(base.Edits) {
				return fail(codeErr{"no_base", "wasm: the map does not hold the workshop's base scenario: open your draft first"})
			}
			x, _ := json.Marshal(all[:len(base.Edits)])
			y, _ := json.Marshal(base.Edits)
			if string(x) != string(y) {
				return fail(codeErr{"base_changed", "wasm: your draft undid or changed the workshop's starting point, which every proposal builds on: redo it, or start a new draft from it"})
			}
			own := all[len(base.Edits):]
			if len(own) == 0 {
				return fail(codeErr{"draft_empty", "wasm: your draft has no changes yet"})
			}
			edits, _ := json.Marshal(own)
			name, desc, id := str(args, 0), str(args, 1), str(args, 2)
			m := workshop.ClientMessage{Type: "propose", Name: &name, Edits: edits}
			if desc != "" {
				m.Description = &desc
			}
			if id != "" {
				m.Type, m.Proposal = "update", id
			}
			return map[string]any{"ok": true, "cid": c.send(m)}
		},
		"wsShow": func(args []js.Value) any {
			if err := need(); err != nil {
				return fail(err)
			}
			sc, _, err := c.proposalScenario(str(args, 0))
			if err != nil {
				return fail(err)
			}
			data, _ := json.Marshal(sc)
			if err := a.load(data); err != nil {
				return fail(err)
			}
			// Comparing: the other proposal's places are outlined over
			// this one's changes.
			a.g.highlight = nil
			if other := str(args, 1); other != "" {
				if osc, _, err := c.proposalScenario(other); err == nil {
					base, _ := c.base()
					a.g.highlight = a.placesOf(osc.Edits[len(base.Edits):])
				}
			}
			checked, equal := c.check(str(args, 0))
			c.push()
			return map[string]any{"ok": true, "state": a.stateJSON(), "checked": checked, "equal": equal}
		},
		"wsCheck": func(args []js.Value) any {
			if err := need(); err != nil {
				return fail(err)
			}
			checked, equal := c.check(str(args, 0))
			if checked {
				c.push()
			}
			return map[string]any{"ok": true, "checked": checked, "equal": equal}
		},
		"wsBase": func([]js.Value) any {
			if err := need(); err != nil {
				return fail(err)
			}
			sc, err := c.base()
			if err != nil {
				return fail(err)
			}
			data, _ := json.Marshal(sc)
			return map[string]any{"ok": true, "scenario": string(data), "edits": len(sc.Edits)}
		},
		"wsCompare": func(args []js.Value) any {
			if err := need(); err != nil {
				return fail(err)
			}
			rows, err := c.compare([]string{str(args, 0), str(args, 1)})
			if err != nil {
				return fail(err)
			}
			return map[string]any{"ok": true, "rows": rows}
		},
		// wsStats returns and clears how long each server message took
		// the page (ms), for the performance figures.
		"wsStats": func([]js.Value) any {
			if c == nil {
				return []any{}
			}
			out := make([]any, len(c.recvMs))
			for i, v := range c.recvMs {
				out[i] = v
			}
			c.recvMs = c.recvMs[:0]
			return out
		},
		"wsOnline": func(args []js.Value) any {
			if c == nil {
				return nil
			}
			if len(args) > 0 && args[0].Truthy() {
				c.now()
			} else {
				c.drop()
			}
			return nil
		},
	}
	for name, f := range fns {
		core.Set(name, js.FuncOf(func(this js.Value, args []js.Value) any { return f(args) }))
	}
}

// placesOf returns the outlines, in metres, of the places edits touch:
// areas, streets (by id or name) and buildings.
func (a *app) placesOf(edits []sim.Edit) [][]orb.Point {
	var out [][]orb.Point
	for _, e := range edits {
		out = append(out, a.editPlaces(&e)...)
		if e.Building != nil && *e.Building >= 0 && *e.Building < len(a.city.Buildings) {
			for _, r := range a.city.Buildings[*e.Building].Footprint {
				out = append(out, r)
			}
		}
	}
	return out
}
