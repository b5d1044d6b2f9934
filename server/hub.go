package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/workshop"
)

// hub runs one workshop: one goroutine owns its state and decides every
// command in arrival order. Commands that arrive together are decided
// together and stored in one append (one group commit); only then are
// their events broadcast and their commands acknowledged. Publishing
// never blocks: a client whose queue is full is dropped and resumes.
type hub struct {
	s    *Server
	id   string
	w    store.Workshop
	st   *workshop.State
	base *sim.Scenario
	hash string // chain hash after the last stored event

	first  int64             // events before this one are not kept (the hub started from a snapshot)
	events []*workshop.Event // events[i] has seq first+i, with display names
	msgs   [][]byte          // the encoded event messages, alike
	hashes []string          // the chain hash after each, alike
	snapAt int64             // seq of the last snapshot saved
	// snapMsg is the snapshot message for resuming clients at seq
	// snapSeq, encoded once and shared by their queues.
	snapMsg []byte
	snapSeq int64

	clients map[*client]bool
	pending map[string]*pendingEval // evaluations in flight, by actor and cid
	// evalOf is the pending key of an update being evaluated, by
	// proposal; held the commands on that proposal that arrived since,
	// decided in arrival order once it is done.
	evalOf   map[string]string
	held     map[string][]*msgCommand
	actorLim map[string]*rate.Limiter
	// byActor: each actor's connections, oldest first; strikes: each
	// actor's budget of commands refused as over its rate.
	byActor map[string][]*client
	strikes map[string]*rate.Limiter

	in      chan any
	quit    chan struct{}
	stopped chan struct{}

	// sendMu: senders hold it shared; the hub takes it, idle, to unload
	// itself, so that no message is left in in.
	sendMu   sync.RWMutex
	unloaded bool

	commits    []commit // decided and applied, not yet stored
	afterFlush []func() // acks of retried commands whose events are not yet stored
	durable    int64    // the last stored sequence number
}

// commit is an event applied to the state and waiting for its append;
// after runs once it is stored (acks, replies).
type commit struct {
	ev    *workshop.Event
	rec   store.Record
	after func(ok bool)
}

// client is one WebSocket connection of an actor. Its queue is a slice
// bounded by Config.ClientQueue (memory only as used), filled by the hub
// and emptied by the connection's writer.
type client struct {
	conn  *websocket.Conn
	cork  *corkConn // the connection under conn (nil in tests without one)
	actor string
	role  workshop.Role
	lim   *rate.Limiter
	gone  bool // hub-only: dropped or left
	// Hub-only: the cids of this connection's commands refused for a
	// moment (busy, unavailable, rate_limited), since barrierAt, with the
	// first one's code. While it holds any, the connection's later
	// commands are refused with that code too, until one of them comes
	// again: a client retries in the order it sent, so the commands apply
	// in that order (see hub.blocked).
	barrier     []string
	barrierAt   time.Time
	barrierCode string
	barrierN    int // commands the barrier refused

	mu     sync.Mutex
	q      []outMsg // events, in order
	pri    []outMsg // answers to this client's commands: written before queued events
	closed bool
	code   websocket.StatusCode
	reason string
	wake   chan struct{} // capacity 1
}

func newClient(conn *websocket.Conn, actor string, lim *rate.Limiter) *client {
	return &client{conn: conn, actor: actor, lim: lim, wake: make(chan struct{}, 1)}
}

// push queues a message; false if the queue already holds max.
func (c *client) push(m outMsg, max int) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return true
	}
	if len(c.q)+len(c.pri) >= max {
		c.mu.Unlock()
		return false
	}
	if m.pri {
		c.pri = append(c.pri, m)
	} else {
		c.q = append(c.q, m)
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// shut tells the writer to close the connection with a status and reason.
func (c *client) shut(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	c.closed, c.code, c.reason = true, code, reason
	c.q, c.pri = nil, nil
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// takeMax bounds the events the writer takes at once, so that an answer
// queued meanwhile waits for at most that many writes.
const takeMax = 32

// take appends to buf the answers queued, then up to takeMax events; closed
// once shut. An answer may thus reach its client before events stored
// before it: the ack still follows the commit, and the events follow in
// order.
func (c *client) take(buf []outMsg) (batch []outMsg, closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, true
	}
	batch = append(buf[:0], c.pri...)
	c.pri = c.pri[:0]
	n := min(len(c.q), takeMax)
	batch = append(batch, c.q[:n]...)
	rest := copy(c.q, c.q[n:])
	clear(c.q[rest:])
	c.q = c.q[:rest]
	if rest == 0 && cap(c.q) > 2*takeMax {
		c.q = nil // a backlog's queue is not kept for an idle client
	}
	return batch, false
}

type outMsg struct {
	data []byte
	at   time.Time // when the event was stored (zero for other messages)
	pri  bool      // an answer (ack or error): goes before queued events
}

// Messages to a hub.
type (
	msgHello struct {
		c     *client
		since int64
		reply chan error
	}
	msgCommand struct {
		c *client
		m *workshop.ClientMessage
	}
	msgEvaluated struct {
		actor, cid string
		m          *workshop.ClientMessage
		ind, delta *sim.Indicators
		err        error
	}
	msgJoin struct {
		name  string
		reply chan joinReply
	}
	msgView struct {
		actor string
		reply chan viewReply
	}
	msgLeave struct{ c *client }
	// msgRefused tells the hub that the connection's reader refused a
	// command over the connection's rate: the commands after it wait for
	// its retry (hub.blocked).
	msgRefused struct {
		c   *client
		cid string
	}
	// msgErase erases a participant's name outside a connection (POST
	// /api/workshops/{id}/erase_name): also after they have left.
	msgErase struct {
		actor string
		reply chan eraseReply
	}
)

type eraseReply struct {
	seq int64
	err error
}

type joinReply struct {
	participant, token string
	err                error
}

type viewReply struct {
	view *workshop.View
	err  error
}

// errStale refuses a token whose actor is no longer in the workshop.
var errStale = errors.New("server: this token no longer belongs to the workshop (its participant left): join again (POST /api/workshops/{id}/erase_name with it still erases the name)")

func loadHub(ctx context.Context, s *Server, id string) (*hub, error) {
	w, err := s.store.Workshop(ctx, id)
	if err != nil {
		return nil, err
	}
	h := &hub{s: s, id: id, w: w, clients: map[*client]bool{}, pending: map[string]*pendingEval{}, evalOf: map[string]string{}, held: map[string][]*msgCommand{},
		actorLim: map[string]*rate.Limiter{},
		byActor:  map[string][]*client{}, strikes: map[string]*rate.Limiter{}, in: make(chan any, 4096), quit: make(chan struct{}), stopped: make(chan struct{})}
	if err := h.load(ctx); err != nil {
		return nil, err
	}
	s.metrics.workshopsRun.Inc()
	return h, nil
}

// snapshotBlob is what the hub keeps in the store's snapshots: the whole
// state without display names (they stay in the names table, so erasure
// reaches them) and the chain hash at its sequence number.
type snapshotBlob struct {
	Hash  string             `json:"hash"`
	State *workshop.Snapshot `json:"state"`
}

// load rebuilds the state from the store: from the latest snapshot, if
// any, then the events after it, checking the hash chain of those.
func (h *hub) load(ctx context.Context) error {
	st, hash, first := &workshop.State{}, workshop.GenesisHash, int64(1)
	if seq, data, err := h.s.store.Snapshot(ctx, h.id); err == nil {
		var b snapshotBlob
		if jerr := json.Unmarshal(data, &b); jerr == nil && b.State != nil && b.State.Seq == seq {
			if snap, ferr := workshop.FromView(&b.State.View, b.State.Cids); ferr == nil {
				names, nerr := h.s.store.Names(ctx, h.id)
				if nerr != nil {
					return nerr
				}
				for _, n := range names {
					snap.SetName(n.Participant, n.Name)
				}
				st, hash, first = snap, b.Hash, seq+1
			}
		}
		if first == 1 {
			h.s.log.Warn("unreadable snapshot: replaying the whole log", "workshop", h.id, "seq", seq)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var events []*workshop.Event
	var msgs [][]byte
	var hashes []string
	err := h.s.store.Events(ctx, h.id, first-1, func(r store.Record) error {
		if got := workshop.ChainHash(hash, r.Body); got != r.Hash {
			return fmt.Errorf("server: workshop %s: event %d breaks the hash chain: the store was changed", h.id, r.Seq)
		}
		hash = r.Hash
		ev := &workshop.Event{}
		if err := json.Unmarshal(r.Body, ev); err != nil {
			return fmt.Errorf("server: workshop %s: event %d: %v", h.id, r.Seq, err)
		}
		if r.Name != nil && ev.Type == workshop.EvJoined {
			ev.DisplayName = r.Name.Name
		}
		if err := st.Apply(ev); err != nil {
			return fmt.Errorf("server: workshop %s: stored event %d: %v", h.id, r.Seq, err)
		}
		events = append(events, ev)
		msgs = append(msgs, encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: ev.Seq, Event: ev, Hash: r.Hash}))
		hashes = append(hashes, r.Hash)
		return nil
	})
	if err != nil {
		return err
	}
	if st.Seq == 0 {
		return fmt.Errorf("server: workshop %s has no events", h.id)
	}
	base, err := parseBase(st.Scenario)
	if err != nil {
		return fmt.Errorf("server: workshop %s: base scenario: %v", h.id, err)
	}
	h.st, h.hash, h.first, h.events, h.msgs, h.hashes, h.base, h.durable = st, hash, first, events, msgs, hashes, base, st.Seq
	h.snapAt = first - 1
	h.snapMsg = nil
	h.trim()
	return nil
}

// trim drops the kept events that no resuming client will be sent (one
// further behind than SnapshotGap gets a snapshot), once there are twice
// as many as needed, so that a long workshop's memory stays bounded.
func (h *hub) trim() {
	keep := h.s.cfg.SnapshotGap
	n := len(h.msgs) - keep
	if len(h.msgs) < 2*keep || n <= 0 {
		return
	}
	h.events = append([]*workshop.Event(nil), h.events[n:]...)
	h.msgs = append([][]byte(nil), h.msgs[n:]...)
	h.hashes = append([]string(nil), h.hashes[n:]...)
	h.first += int64(n)
}

// saveSnapshot keeps the state for a fast start, in the background.
func (h *hub) saveSnapshot() {
	snap := h.st.Snapshot()
	for i := range snap.Participants {
		snap.Participants[i].Name = ""
	}
	data := encode(&snapshotBlob{Hash: h.hash, State: snap})
	h.snapAt = h.st.Seq
	h.s.bg.Add(1)
	go func(seq int64) {
		defer h.s.bg.Done()
		if err := h.s.store.SaveSnapshot(context.Background(), h.id, seq, data); err != nil {
			h.s.log.Warn("snapshot not saved", "workshop", h.id, "seq", seq, "err", err)
		}
	}(h.st.Seq)
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("server: encoding a message: %v", err)) // our own types always encode
	}
	return b
}

// send hands a message to the hub unless it has stopped or unloaded
// itself (Server.deliver then loads it again).
func (h *hub) send(m any) bool {
	h.sendMu.RLock()
	defer h.sendMu.RUnlock()
	if h.unloaded {
		return false
	}
	select {
	case <-h.stopped: // first: select picks at random among ready cases
		return false
	default:
	}
	select {
	case h.in <- m:
		return true
	case <-h.stopped:
		return false
	}
}

// await waits for a hub's reply to a message it accepted, unless the hub
// stops first (a message it took as it stopped gets no reply) or the
// request ends.
func await[T any](ctx context.Context, h *hub, reply chan T) (T, error) {
	var zero T
	select {
	case r := <-reply:
		return r, nil
	case <-h.stopped:
		select {
		case r := <-reply:
			return r, nil
		default:
			return zero, errClosing
		}
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// unload stops an idle hub (no client, nothing pending, nothing queued):
// it leaves the server's table and its memory goes; the next request
// loads it again from the store. It reports whether it did.
func (h *hub) unload() bool {
	if len(h.clients) > 0 || len(h.pending) > 0 || len(h.commits) > 0 {
		return false
	}
	if !h.sendMu.TryLock() { // a sender is waiting: not idle
		return false
	}
	defer h.sendMu.Unlock()
	if len(h.in) > 0 {
		return false
	}
	h.unloaded = true
	h.s.forget(h)
	h.s.log.Debug("unloaded an idle workshop", "workshop", h.id)
	return true
}

func (h *hub) stop() {
	select {
	case <-h.quit:
	default:
		close(h.quit)
	}
	<-h.stopped
}

func (h *hub) run() {
	defer close(h.stopped)
	defer h.s.metrics.workshopsRun.Dec()
	idle := time.NewTicker(h.s.cfg.HubIdle)
	defer idle.Stop()
	busy := true
	for {
		select {
		case <-idle.C:
			if !busy && h.unload() {
				return
			}
			busy = false
		case m := <-h.in:
			busy = true
			h.handle(m)
			// Take whatever else has arrived: decided together, stored
			// in one append.
			for n := 0; n < 512; n++ {
				select {
				case m := <-h.in:
					h.handle(m)
					continue
				default:
				}
				break
			}
			h.flush()
		case <-h.quit:
			for {
				select {
				case m := <-h.in:
					h.handle(m)
					continue
				default:
				}
				break
			}
			h.flush()
			for c := range h.clients {
				h.drop(c, websocket.StatusGoingAway, "server shutting down: reconnect in a moment", "shutdown")
			}
			return
		}
	}
}

func (h *hub) handle(m any) {
	switch m := m.(type) {
	case *msgCommand:
		h.command(m.c, m.m)
	case *msgEvaluated:
		h.evaluated(m)
	case *msgJoin:
		h.join(m)
	case *msgHello:
		h.flush()
		m.reply <- h.hello(m.c, m.since)
	case *msgView:
		h.flush()
		if h.st.RoleOf(m.actor) == workshop.RoleNone {
			m.reply <- viewReply{err: errStale}
			return
		}
		m.reply <- viewReply{view: h.st.View()}
	case *msgErase:
		h.erase(m)
	case *msgRefused:
		if !m.c.gone && m.cid != "" {
			h.hold(m.c, m.cid, workshop.CodeRateLimited)
		}
	case *msgLeave:
		if h.clients[m.c] {
			h.drop(m.c, websocket.StatusNormalClosure, "", "")
		}
	}
}

// hello registers a client and sends what it missed since seq: the events,
// or a snapshot when it is far behind (or ahead: another server's log).
func (h *hub) hello(c *client, since int64) error {
	c.role = h.st.RoleOf(c.actor)
	if c.role == workshop.RoleNone {
		return errStale
	}
	if conns := h.byActor[c.actor]; len(conns) >= maxConnsPerActor {
		h.drop(conns[0], websocket.StatusPolicyViolation, "too many connections with this token: the oldest is closed", "connections")
	}
	h.clients[c] = true
	h.byActor[c.actor] = append(h.byActor[c.actor], c)
	h.s.metrics.connections.Inc()
	h.queue(c, outMsg{data: encode(&workshop.ServerMessage{Type: workshop.MsgWelcome, Actor: c.actor, Role: c.role.String(), Seq: h.st.Seq, Hash: h.hash, Now: time.Now().UnixMicro()})})
	if since > h.st.Seq || since < h.first-1 || h.st.Seq-since > int64(h.s.cfg.SnapshotGap) {
		if h.snapMsg == nil || h.snapSeq != h.st.Seq {
			h.snapMsg, h.snapSeq = encode(&workshop.ServerMessage{Type: workshop.MsgSnapshot, Seq: h.st.Seq, State: h.st.View(), Hash: h.hash}), h.st.Seq
		}
		h.queue(c, outMsg{data: h.snapMsg})
		return nil
	}
	for _, b := range h.msgs[since-(h.first-1):] {
		h.queue(c, outMsg{data: b})
	}
	return nil
}

// queue gives a client a message without waiting: a client whose queue is
// full is dropped (it reconnects and resumes from its last event).
func (h *hub) queue(c *client, m outMsg) {
	if c.gone {
		return
	}
	if !c.push(m, h.s.cfg.ClientQueue) {
		h.drop(c, websocket.StatusPolicyViolation, "too slow: reconnect and resume", "slow")
	}
}

func (h *hub) drop(c *client, code websocket.StatusCode, reason, metric string) {
	if c.gone {
		return
	}
	c.gone = true
	if h.clients[c] {
		delete(h.clients, c)
		h.s.metrics.connections.Dec()
		conns := h.byActor[c.actor]
		for i, o := range conns {
			if o == c {
				conns = append(conns[:i:i], conns[i+1:]...)
				break
			}
		}
		if len(conns) == 0 {
			delete(h.byActor, c.actor)
		} else {
			h.byActor[c.actor] = conns
		}
	}
	c.shut(code, reason)
	if metric != "" {
		h.s.metrics.dropped.WithLabelValues(metric).Inc()
	}
}

func (h *hub) reply(c *client, m *workshop.ServerMessage) {
	if m.Type == workshop.MsgError {
		h.s.metrics.refused.WithLabelValues(m.Code).Inc()
	}
	h.queue(c, outMsg{data: encode(m), pri: true})
}

func (h *hub) refuse(c *client, cid string, err error) {
	h.reply(c, workshop.ErrorMessage(cid, err))
}

func pendingKey(actor, cid string) string { return actor + "\x00" + cid }

// pendingEval is a command being evaluated: its digest, and the clients
// that sent it (a retry while it is evaluated waits for the same ack).
type pendingEval struct {
	digest  string
	clients []*client
}

// errCidReused refuses a command whose cid the actor already used for
// another command (two tabs, or a counter restarted by a reload).
func errCidReused(cid string, seq int64) error {
	msg := fmt.Sprintf("server: cid %q was already used for another command", cid)
	if seq > 0 {
		msg += fmt.Sprintf(" (event %d)", seq)
	}
	msg += ": send this one with a new cid (cids are unique per actor for the workshop's life)"
	return &workshop.RuleError{Code: workshop.CodeCidReused, Edit: -1, Message: msg, Rule: workshop.NewRule("cid.reused", strings.TrimPrefix(msg, "server: "))}
}

func (h *hub) command(c *client, m *workshop.ClientMessage) {
	if c.gone {
		return
	}
	lim := h.actorLim[c.actor]
	if lim == nil {
		lim = rate.NewLimiter(h.s.cfg.ActorRate, h.s.cfg.ActorBurst)
		h.actorLim[c.actor] = lim
	}
	// A retried command is answered with its first ack, before any limit;
	// another command with the same cid is refused.
	if d, ok := h.st.Done(c.actor, m.Cid); ok {
		if !d.Same(m.Command()) {
			h.refuse(c, m.Cid, errCidReused(m.Cid, d.Seq))
			return
		}
		ack := func() {
			h.reply(c, &workshop.ServerMessage{Type: workshop.MsgAck, Cid: m.Cid, Seq: d.Seq, Proposal: d.Proposal})
		}
		if d.Seq > h.durable {
			h.afterFlush = append(h.afterFlush, ack)
		} else {
			ack()
		}
		return
	}
	key := pendingKey(c.actor, m.Cid)
	if waiting, ok := h.pending[key]; ok {
		if waiting.digest != m.Command().Digest() {
			h.refuse(c, m.Cid, errCidReused(m.Cid, 0))
			return
		}
		waiting.clients = append(waiting.clients, c)
		return
	}
	if h.blocked(c, m.Cid) {
		// The commands a client had in flight when one was refused are
		// refused free; beyond them each is a strike, as a refusal over
		// the rate is (a flood through several connections is closed
		// the same).
		if c.barrierN++; c.barrierN > freeBarrier && !h.strike(c) {
			return
		}
		h.transient(c, m.Cid, c.barrierCode, "order.wait", "server: an earlier command on this connection was refused for a moment: send it again first, then this one (a connection's commands apply in the order sent)")
		return
	}
	// An update or withdrawal of a proposal whose update is being
	// evaluated waits for it: one author's changes apply in the order sent.
	if (m.Type == "update" || m.Type == "withdraw") && h.evalOf[m.Proposal] != "" {
		if len(h.held[m.Proposal]) >= maxHeld {
			h.transient(c, m.Cid, workshop.CodeBusy, "busy.held", "server: this proposal has too many changes waiting: retry in a moment", maxHeld)
			return
		}
		h.held[m.Proposal] = append(h.held[m.Proposal], &msgCommand{c: c, m: m})
		return
	}
	if !lim.Allow() {
		if !h.strike(c) {
			return
		}
		h.transient(c, m.Cid, workshop.CodeRateLimited, "rate.participant", "server: too many commands: slow down and retry", float64(h.s.cfg.ActorRate), h.s.cfg.ActorBurst)
		return
	}
	ev, err := h.st.Decide(c.actor, m.Command())
	if err != nil {
		h.refuse(c, m.Cid, err)
		return
	}
	if ev.Type == workshop.EvProposalCreated || (ev.Type == workshop.EvProposalUpdated && ev.Edits != nil) {
		edits, err := workshop.DecodeEdits(ev.Edits)
		if err != nil {
			h.refuse(c, m.Cid, err)
			return
		}
		actor, cid := c.actor, m.Cid
		job := evalJob{city: h.st.City, base: h.base, edits: edits, done: func(ind, delta *sim.Indicators, err error) {
			h.send(&msgEvaluated{actor: actor, cid: cid, m: m, ind: ind, delta: delta, err: err})
		}}
		if err := h.s.eval.submit(job); err != nil {
			h.transient(c, m.Cid, workshop.CodeBusy, "busy.evaluations", err.Error(), cap(h.s.eval.jobs))
			return
		}
		h.pending[key] = &pendingEval{digest: m.Command().Digest(), clients: []*client{c}}
		if m.Type == "update" {
			h.evalOf[m.Proposal] = key
		}
		return
	}
	h.commit(ev, nil, func(ok bool) { h.ack(c, ev, ok) })
}

func (h *hub) ack(c *client, ev *workshop.Event, ok bool) {
	if !ok {
		h.transient(c, ev.Cid, workshop.CodeUnavailable, "store.unavailable", "server: the event could not be stored: retry the command")
		return
	}
	m := &workshop.ServerMessage{Type: workshop.MsgAck, Cid: ev.Cid, Seq: ev.Seq}
	if ev.Type == workshop.EvProposalCreated {
		m.Proposal = ev.Proposal
	}
	h.reply(c, m)
}

// strike counts a command of c's actor refused as over their rate: each is
// a strike against the actor, and a flood over several connections, each
// under its own limit, closes them all. It reports whether c is still
// served.
func (h *hub) strike(c *client) bool {
	sl := h.strikes[c.actor]
	if sl == nil {
		sl = rate.NewLimiter(1, maxStrikes)
		h.strikes[c.actor] = sl
	}
	if sl.Allow() {
		return true
	}
	for _, o := range append([]*client(nil), h.byActor[c.actor]...) {
		h.drop(o, websocket.StatusPolicyViolation, "too many commands from this participant", "flood")
	}
	h.drop(c, websocket.StatusPolicyViolation, "too many commands from this participant", "flood")
	return false
}

// transient refuses a client's command for a moment (busy, unavailable,
// rate_limited), with the reason rule (a code of workshop.RuleCodes) and
// its arguments: the client retries it with the same cid, and the
// connection's later commands wait for that retry.
func (h *hub) transient(c *client, cid, code, rule, msg string, args ...any) {
	h.hold(c, cid, code)
	h.reply(c, &workshop.ServerMessage{Type: workshop.MsgError, Cid: cid, Code: code, Message: msg,
		Rule: workshop.NewRule(rule, strings.TrimPrefix(msg, "server: "), args...)})
}

// barrierMax is how long a connection's commands wait behind one refused
// for a moment whose retry does not come (a client that gave it up).
const barrierMax = 30 * time.Second

// maxBarrier bounds the cids a barrier keeps (a page keeps 20 in flight).
const maxBarrier = 64

// freeBarrier is how many of a connection's commands a barrier refuses
// before each further one counts as a strike against the actor: the
// commands a page has in flight (20) when one is refused.
const freeBarrier = 20

// hold records that command cid of c was refused for a moment with code.
func (h *hub) hold(c *client, cid, code string) {
	if len(c.barrier) == 0 {
		c.barrierAt, c.barrierCode, c.barrierN = time.Now(), code, 0
	}
	if len(c.barrier) < maxBarrier && !slices.Contains(c.barrier, cid) {
		c.barrier = append(c.barrier, cid)
	}
}

// blocked reports whether command cid of c must wait behind a command of
// the same connection refused for a moment. Without it a command sent
// after a refused one could be taken (the rate's bucket refilled
// meanwhile) before the refused one's retry: a participant's comments
// would be stored out of the order written. The retry of any refused cid
// lifts the barrier (the client sends them again in order, the first
// first); so does barrierMax without one.
func (h *hub) blocked(c *client, cid string) bool {
	if len(c.barrier) == 0 {
		return false
	}
	if slices.Contains(c.barrier, cid) || time.Since(c.barrierAt) > barrierMax {
		c.barrier = c.barrier[:0]
		return false
	}
	return true
}

// maxHeld bounds the commands held behind one proposal's evaluation.
const maxHeld = 16

func (h *hub) evaluated(m *msgEvaluated) {
	key := pendingKey(m.actor, m.cid)
	var waiting []*client
	if p := h.pending[key]; p != nil {
		waiting = p.clients
	}
	delete(h.pending, key)
	if prop := m.m.Proposal; m.m.Type == "update" && h.evalOf[prop] == key {
		// Then the commands held behind it, in order (one may be
		// evaluated in turn and hold the rest again).
		delete(h.evalOf, prop)
		held := h.held[prop]
		delete(h.held, prop)
		defer func() {
			for _, hm := range held {
				h.command(hm.c, hm.m)
			}
		}()
	}
	fail := func(err error) {
		for _, c := range waiting {
			h.refuse(c, m.cid, err)
		}
	}
	if m.err != nil {
		fail(m.err)
		return
	}
	// Decide again: the state may have moved on while the proposal was
	// evaluated (a phase change, a lock, a withdrawal).
	ev, err := h.st.Decide(m.actor, m.m.Command())
	if err != nil {
		fail(err)
		return
	}
	ev.Indicators, ev.Delta = m.ind, m.delta
	h.commit(ev, nil, func(ok bool) {
		for _, c := range waiting {
			h.ack(c, ev, ok)
		}
	})
}

func (h *hub) join(m *msgJoin) {
	ev, err := h.st.Decide("", &workshop.Command{Type: "join", Name: &m.name})
	if err != nil {
		m.reply <- joinReply{err: err}
		return
	}
	salt := h.s.random(16)
	ev.NameHash = workshop.NameHash(salt, ev.DisplayName)
	token, hash := h.s.newToken(ev.Participant)
	side := &store.Record{
		Name:  &store.Name{Participant: ev.Participant, Name: ev.DisplayName, Salt: salt},
		Token: &store.Token{Actor: ev.Participant, Hash: hash},
	}
	h.commit(ev, side, func(ok bool) {
		if !ok {
			m.reply <- joinReply{err: errors.New("server: the join could not be stored: retry")}
			return
		}
		m.reply <- joinReply{participant: ev.Participant, token: token}
	})
}

func (h *hub) erase(m *msgErase) {
	ev, err := h.st.Decide(m.actor, &workshop.Command{Type: "erase_name"})
	if err != nil {
		m.reply <- eraseReply{err: err}
		return
	}
	h.commit(ev, nil, func(ok bool) {
		if !ok {
			m.reply <- eraseReply{err: errors.New("server: the erasure could not be stored: retry")}
			return
		}
		m.reply <- eraseReply{seq: ev.Seq}
	})
}

// commit applies a decided event to the state and queues it for the next
// append. side carries what is stored beside the event (name, token).
func (h *hub) commit(ev *workshop.Event, side *store.Record, after func(ok bool)) {
	ev.At = h.s.cfg.Now().UnixMilli()
	body, err := ev.Record()
	if err != nil {
		after(false)
		return
	}
	if err := h.st.Apply(ev); err != nil {
		// Decide accepted it; Apply runs the same rules. Refuse rather
		// than store an event the state does not hold.
		h.s.log.Error("event refused after Decide", "workshop", h.id, "type", ev.Type, "err", err)
		after(false)
		return
	}
	rec := store.Record{Seq: ev.Seq, Body: body}
	if side != nil {
		rec.Name, rec.Token = side.Name, side.Token
	}
	if ev.Type == workshop.EvNameErased {
		rec.Erase = ev.Actor
	}
	h.hash = workshop.ChainHash(h.hash, body)
	rec.Hash = h.hash
	h.commits = append(h.commits, commit{ev: ev, rec: rec, after: after})
}

// flush stores the pending events in one append, then broadcasts them and
// runs their acks. If the store fails, the state is reloaded from it and
// every pending command is answered "unavailable".
func (h *hub) flush() {
	if len(h.commits) == 0 {
		return
	}
	batch, later := h.commits, h.afterFlush
	h.commits, h.afterFlush = nil, nil
	recs := make([]store.Record, len(batch))
	for i, c := range batch {
		recs[i] = c.rec
	}
	err := h.s.store.Append(context.Background(), h.id, recs)
	if err != nil {
		h.s.log.Error("append failed: reloading the workshop", "workshop", h.id, "events", len(recs), "err", err)
		h.reload(batch)
		return // the retried commands in later get no answer: they retry again
	}
	h.durable = batch[len(batch)-1].ev.Seq
	now := time.Now()
	for _, c := range batch {
		ev := c.ev
		h.events = append(h.events, ev)
		msg := encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: ev.Seq, Event: ev, Stored: now.UnixMicro(), Hash: c.rec.Hash})
		h.msgs = append(h.msgs, msg)
		h.hashes = append(h.hashes, c.rec.Hash)
		if ev.Type == workshop.EvNameErased {
			h.forgetName(ev.Actor)
		}
		h.s.metrics.events.WithLabelValues(ev.Type).Inc()
		for cl := range h.clients {
			h.queue(cl, outMsg{data: msg, at: now})
		}
		c.after(true)
	}
	for _, f := range later {
		f()
	}
	h.trim()
	if h.st.Seq-h.snapAt >= int64(h.s.cfg.SnapshotEvery) {
		h.saveSnapshot()
	}
	h.s.log.Debug("stored", "workshop", h.id, "events", len(batch), "seq", h.st.Seq)
}

// reload rebuilds the state from the store after a failed append. An
// append reported failed may still be on disk (its commit's outcome was
// lost): the events the store holds beyond what was known to be durable
// are broadcast, and their commands acknowledged; the others are answered
// "unavailable".
func (h *hub) reload(batch []commit) {
	from := h.durable
	if err := h.load(context.Background()); err != nil {
		h.s.log.Error("reload failed", "workshop", h.id, "err", err)
		for _, c := range batch {
			c.after(false)
		}
		return
	}
	now := time.Now()
	for seq := from + 1; seq <= h.st.Seq; seq++ {
		i := seq - h.first
		if i < 0 || i >= int64(len(h.msgs)) {
			continue
		}
		h.s.log.Warn("an append reported failed was stored: broadcasting it", "workshop", h.id, "seq", seq)
		for cl := range h.clients {
			h.queue(cl, outMsg{data: h.msgs[i], at: now})
		}
	}
	for _, c := range batch {
		c.after(c.ev.Seq <= h.st.Seq)
	}
}

// forgetName rewrites the kept message of a participant's joined event
// without their name, so that no client resuming later receives it.
func (h *hub) forgetName(participant string) {
	seq, err := strconv.ParseInt(strings.TrimPrefix(participant, "u"), 10, 64)
	i := seq - h.first
	if err != nil || i < 0 || i >= int64(len(h.events)) {
		return
	}
	ev := *h.events[i]
	ev.DisplayName = ""
	h.events[i] = &ev
	h.msgs[i] = encode(&workshop.ServerMessage{Type: workshop.MsgEvent, Seq: ev.Seq, Event: &ev, Hash: h.hashes[i]})
}
