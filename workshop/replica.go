package workshop

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/barri-city/barri/sim"
)

// Replica is a client's copy of a workshop: the state derived from the
// events the server sent, in order, and the commands the client made that
// the server has not answered yet (its outbox). It holds no connection and
// no clock: the client tells it when a connection opens (Hello) or drops
// (Disconnected), feeds it what arrives (Receive), and sends what they
// return. A command made while offline waits in the outbox and goes on the
// next connection, with the client id (cid) it got when it was made, so that
// the server, which applies a cid once, never applies it twice. The browser
// keeps the outbox across a reload (Outbox, Restore).
//
// A Replica is used by one goroutine at a time.
type Replica struct {
	state   *State
	prefix  string // of the cids this replica makes
	next    int
	pending []*pendingCommand // in the order made
	conn    connState
	actor   string
	role    string
	head    int64  // the server's last sequence number when it welcomed us
	chain   string // the chain hash after the last event held ("" if unknown)
	window  int    // at most this many commands on the connection unanswered (0: no limit)
	held    bool   // a transient refusal came: nothing more goes until Flush
	due     bool   // Flush was called while commands were in flight: the outbox goes when they are answered
	requeue bool   // transient refusals stay in the outbox (SetRequeue)
}

// SetRequeue makes a command refused as transient (busy, unavailable,
// rate_limited) stay at its place in the outbox, unsent, and holds the
// outbox until Flush: the client retries all of them, in order, after one
// backoff. Without it such a refusal is an answer like any other.
func (r *Replica) SetRequeue(on bool) { r.requeue = on }

// SetWindow limits the commands on the connection that the server has not
// answered yet to n (0: no limit): after a welcome a long outbox goes n at
// a time, the rest as the answers come, so that it does not run into the
// server's rate limit. A client sets it to about half the server's burst.
func (r *Replica) SetWindow(n int) { r.window = n }

// inFlight counts the commands sent and not answered.
func (r *Replica) inFlight() int {
	n := 0
	for _, p := range r.pending {
		if p.sent {
			n++
		}
	}
	return n
}

// fill sends, in the order made, the commands that wait, as far as the
// window allows; nothing while held.
func (r *Replica) fill() []ClientMessage {
	if r.conn != welcomed || r.held {
		return nil
	}
	var out []ClientMessage
	n := r.inFlight()
	for _, p := range r.pending {
		if r.window > 0 && n >= r.window {
			break
		}
		if !p.sent {
			p.sent = true
			n++
			out = append(out, p.msg)
		}
	}
	return out
}

// Held reports whether a transient refusal holds the outbox until Flush.
func (r *Replica) Held() bool { return r.held }

// Flush ends the hold of a transient refusal (the client calls it after
// one backoff shared by all the refused commands) and returns what to send:
// the refused commands, at their places in the outbox, and those made
// since, in order. While commands sent before the hold are still
// unanswered it returns nothing and the hold ends with their last answer
// (Receive then returns the outbox to send): one of them may yet be
// refused, and its retry must go before the commands made after it.
func (r *Replica) Flush() []ClientMessage {
	if r.held && r.inFlight() > 0 {
		r.due = true
		return nil
	}
	r.held, r.due = false, false
	return r.fill()
}

// release ends a hold that Flush asked to end, once nothing is in flight.
func (r *Replica) release() []ClientMessage {
	if !r.held || !r.due || r.inFlight() > 0 {
		return nil
	}
	r.held, r.due = false, false
	return r.fill()
}

type connState int

const (
	offline   connState = iota
	connected           // hello sent, no welcome yet
	welcomed
)

type pendingCommand struct {
	msg  ClientMessage
	sent bool // on the connection now
}

// Sync is what a replica can say of itself to the person using it.
type Sync int

// The states of a replica: offline; online but catching up (events or
// answers still to come); in sync (caught up, nothing waiting).
const (
	Offline Sync = iota
	Syncing
	InSync
)

func (s Sync) String() string {
	return [...]string{"offline", "syncing", "in sync"}[s]
}

// NewReplica starts a replica with no state. cidPrefix starts every cid it
// makes, and must be unique to this replica: random, of at least 96 bits,
// drawn anew for each tab and page load (two tabs of one participant, or a
// reload, must never make the same cid: the server would take the second
// command for a retry of the first). Commands restored from a saved outbox
// keep the cids they were made with.
func NewReplica(cidPrefix string) *Replica {
	return &Replica{prefix: cidPrefix}
}

// State returns the replica's state, nil before the first event or
// snapshot. Treat it as read-only.
func (r *Replica) State() *State { return r.state }

// Seq returns the sequence number of the last event the replica holds.
func (r *Replica) Seq() int64 {
	if r.state == nil {
		return 0
	}
	return r.state.Seq
}

// Head returns the sequence number of the last event held and the chain
// hash after it ("" if the server did not send it, or the replica started
// from a saved state): what a participant keeps to check a published log
// later (VerifyLog's head must be this hash at this seq).
func (r *Replica) Head() (seq int64, hash string) { return r.Seq(), r.chain }

// Actor returns who the server says this client is, and its role, once
// welcomed.
func (r *Replica) Actor() (actor, role string) { return r.actor, r.role }

// Sync reports whether the replica is offline, catching up, or in sync.
func (r *Replica) Sync() Sync {
	switch {
	case r.conn == offline:
		return Offline
	case r.conn == welcomed && r.Seq() >= r.head && len(r.pending) == 0:
		return InSync
	}
	return Syncing
}

// Hello returns the first message of a new connection: hello with the
// token and the last sequence number held, so that the server sends only
// what the replica missed (or a snapshot when it missed much). The
// commands waiting in the outbox go once the server welcomes the client.
func (r *Replica) Hello(token string) ClientMessage {
	r.conn = connected
	for _, p := range r.pending {
		p.sent = false
	}
	since := r.Seq()
	return ClientMessage{Type: "hello", Token: token, Since: &since}
}

// Disconnected records that the connection dropped: the commands sent on
// it and not answered will go again, with the same cids, on the next one.
func (r *Replica) Disconnected() {
	r.conn = offline
	for _, p := range r.pending {
		p.sent = false
	}
}

// Send makes a command (m's Type and fields; its Cid is set here when
// empty) and returns its cid and the messages to send now: the command
// itself when the client is welcomed, nothing when offline (it waits in the
// outbox).
func (r *Replica) Send(m ClientMessage) (cid string, out []ClientMessage) {
	if m.Cid == "" {
		r.next++
		m.Cid = r.prefix + strconv.Itoa(r.next)
	}
	r.pending = append(r.pending, &pendingCommand{msg: m})
	return m.Cid, r.fill()
}

// Answer is the server's answer to a command the replica made: its ack
// (Err nil; Seq the event it made, Proposal the id a propose created) or its
// refusal.
type Answer struct {
	Cid      string
	Command  ClientMessage
	Seq      int64
	Proposal string
	Err      *RuleError
	Requeued bool // a transient refusal: the command is still in the outbox, to go on Flush
}

// Received is what one server message did to the replica.
type Received struct {
	Changed bool            // the state moved (an event or a snapshot)
	Event   *Event          // the event applied, if one was
	Answer  *Answer         // the answer to one of our commands, if it was one
	Send    []ClientMessage // messages to send now (after a welcome: the outbox)
}

// ErrResync is returned by Receive when events are missing between the
// replica and a new event: the client drops the connection and connects
// again (Hello asks for what it missed).
var ErrResync = errors.New("workshop: events are missing: reconnect to catch up")

// Receive applies one server message: a welcome sends the outbox, an event
// or snapshot moves the state (an event already held is ignored: it may
// come again after a reconnect), an ack or error answers a command of the
// outbox. It returns ErrResync when events are missing, and an error when
// an event breaks the rules (the server and the replica disagree: reload).
func (r *Replica) Receive(m *ServerMessage) (Received, error) {
	var out Received
	switch m.Type {
	case MsgWelcome:
		r.conn, r.actor, r.role, r.head = welcomed, m.Actor, m.Role, m.Seq
		r.held, r.due = false, false // a new connection: the outbox goes again
		out.Send = r.fill()
	case MsgSnapshot:
		if m.Seq < r.Seq() {
			return out, nil // older than what is held
		}
		st, err := FromView(m.State, nil)
		if err != nil {
			return out, fmt.Errorf("workshop: the server's snapshot: %w", err)
		}
		r.state, r.chain, out.Changed = st, m.Hash, true
	case MsgEvent:
		e := m.Event
		switch {
		case e.Seq <= r.Seq():
			return out, nil
		case e.Seq > r.Seq()+1:
			return out, ErrResync
		}
		prev := r.chain
		if r.Seq() == 0 {
			prev = GenesisHash
		}
		chain, err := FollowChain(prev, m)
		if err != nil {
			return out, err
		}
		if r.state == nil {
			r.state = &State{}
		}
		if err := r.state.Apply(e); err != nil {
			return out, fmt.Errorf("workshop: the replica refuses event %d from the server: %w", e.Seq, err)
		}
		r.chain, out.Changed, out.Event = chain, true, e
	case MsgAck, MsgError:
		if m.Cid == "" {
			// A transient refusal that names no command (the server could
			// not read which) is no refusal of the connection: the
			// commands it may have dropped are sent again on the next
			// connection, and the client stays.
			if m.Type == MsgError && !transientCodes[m.Code] {
				return out, fmt.Errorf("workshop: the server refused the connection: %s: %s", m.Code, m.Message)
			}
			return out, nil
		}
		for i, p := range r.pending {
			if p.msg.Cid != m.Cid {
				continue
			}
			a := &Answer{Cid: m.Cid, Command: p.msg, Seq: m.Seq, Proposal: m.Proposal}
			if m.Type == MsgError && transientCodes[m.Code] && r.requeue {
				// Refused for a while: it stays at its place, unsent, and
				// the outbox is held until the client's Flush.
				p.sent, r.held = false, true
				a.Err, a.Requeued = &RuleError{Code: m.Code, Message: m.Message, Edit: -1, Field: m.Field, Rule: m.Rule}, true
				out.Answer = a
				out.Send = r.release()
				break
			}
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			out.Send = r.fill()
			if r.held {
				out.Send = r.release()
			}
			if m.Type == MsgError {
				a.Err = &RuleError{Code: m.Code, Message: m.Message, Edit: -1, Field: m.Field, Why: m.Why, Rule: m.Rule}
				if m.Edit != nil {
					a.Err.Edit = *m.Edit
				}
			}
			out.Answer = a
			break
		}
	}
	return out, nil
}

// transientCodes are the refusals to retry with the same cid (busy,
// unavailable, rate_limited).
var transientCodes = map[string]bool{CodeBusy: true, CodeUnavailable: true, CodeRateLimited: true}

// Outbox returns the commands made and not yet answered, in order: what
// the browser saves so that they survive a reload.
func (r *Replica) Outbox() []ClientMessage {
	out := make([]ClientMessage, len(r.pending))
	for i, p := range r.pending {
		out[i] = p.msg
	}
	return out
}

// Restore puts saved commands back in the outbox (before those made since),
// to go on the next connection with their cids. next is the number of cids
// the replica had made, so that new cids do not repeat saved ones.
func (r *Replica) Restore(saved []ClientMessage, next int) {
	ps := make([]*pendingCommand, 0, len(saved)+len(r.pending))
	for _, m := range saved {
		ps = append(ps, &pendingCommand{msg: m})
	}
	r.pending = append(ps, r.pending...)
	r.next = max(r.next, next)
}

// Made returns the number of cids the replica has made (for Restore).
func (r *Replica) Made() int { return r.next }

// Backoff returns how long to wait before reconnecting after attempt
// failed attempts: doubling from half a second to at most 30 seconds, and a
// random part (jitter, drawn by the caller from [0, 1)) of up to a half more,
// so that a hundred phones that lost the same network do not all come back
// at once.
func Backoff(attempt int, jitter float64) time.Duration {
	d := 500 * time.Millisecond
	for i := 0; i < attempt && d < 30*time.Second; i++ {
		d *= 2
	}
	d = min(d, 30*time.Second)
	return d + time.Duration(float64(d)*0.5*min(max(jitter, 0), 1))
}

// DifferentNumbers lists the indicators (by key, in sim.IndicatorKeys'
// order) whose values in a and b differ bit for bit: the page's check that
// its numbers are the server's (the same-numbers mark holds when it is
// empty). NaNs with the same bits count as equal.
func DifferentNumbers(a, b *sim.Indicators) []string {
	var out []string
	keys := sim.IndicatorKeys()
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			out = append(out, keys[i])
		}
	}
	return out
}
