package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/barri-city/barri/workshop"
)

// feed is what the load test's simulated participants share. The server
// encodes each event message once and sends every client the same bytes,
// so a thousand participants need not decode and hash a thousand copies:
// each distinct message is decoded, its record rebuilt and its chain link
// checked once, here. What stays with each participant is what could
// differ between them: that it received every sequence number exactly
// once and in order, that each event links to the chain head it had (the
// genesis, a snapshot's or its previous event's), and where it ended.
//
// At the end, verify replays the events the participants received, once
// and with the rules, into a reference state, which must equal the
// server's; every snapshot a participant started from must equal the
// reference at its sequence number. A participant's replica is a function
// of its starting point and the events it applied (Apply is
// deterministic), so one whose head (seq and chain hash) is the server's
// head, from checked starting points, holds the server's state: that is
// the load test's convergence, a state digest instead of a thousand
// replicas on the cores the server needs.
type feed struct {
	mu    sync.RWMutex
	msgs  map[string]*feedEvent // by the message's exact bytes
	bySeq map[int64]*feedEvent  // the first message received for each seq
	// variants counts event messages whose bytes differ from the first
	// received for their seq (with the same content: a restarted server
	// re-encodes its backlog without the stored time).
	variants int
	snaps    map[snapKey]*feedSnap

	pmu      sync.Mutex
	problems []string
	nProb    int
}

type snapKey struct {
	seq int64
	sum [32]byte // SHA-256 of the message
}

// feedEvent is one distinct event message, decoded and checked.
type feedEvent struct {
	seq    int64
	hash   string // the chain hash after it, as the server sent it
	rec    []byte // its record, as hashed
	ev     *workshop.Event
	stored time.Time
	bad    error // it contradicts the first message received for its seq
	// linked is a head from which ChainHash(head, rec) == hash was
	// checked: every participant that follows the same chain passes with
	// a comparison.
	linked atomic.Pointer[string]
}

// feedSnap is one distinct snapshot a participant started from.
type feedSnap struct {
	seq    int64
	digest [32]byte // SHA-256 of the encoded view of the replica rebuilt from it
	ok     bool     // set by verify: equal to the reference at seq
}

func newFeed() *feed {
	return &feed{msgs: map[string]*feedEvent{}, bySeq: map[int64]*feedEvent{}, snaps: map[snapKey]*feedSnap{}}
}

// problem records a check that failed (the first few are kept verbatim).
func (f *feed) problem(format string, a ...any) {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	f.nProb++
	if len(f.problems) < 10 {
		f.problems = append(f.problems, fmt.Sprintf(format, a...))
	}
}

// Problems returns the checks that failed during the run.
func (f *feed) Problems() []string {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	p := append([]string(nil), f.problems...)
	if f.nProb > len(f.problems) {
		p = append(p, fmt.Sprintf("and %d more problems of the participants' connections", f.nProb-len(f.problems)))
	}
	return p
}

// lookup returns the checked event of an event message (data is not kept),
// or the decoded message of any other.
func (f *feed) lookup(data []byte) (*feedEvent, *workshop.ServerMessage, error) {
	f.mu.RLock()
	fe := f.msgs[string(data)] // no copy: the compiler looks up without one
	f.mu.RUnlock()
	if fe != nil {
		return fe, nil, nil
	}
	m, err := workshop.DecodeServerMessage(data)
	if err != nil {
		return nil, nil, err
	}
	if m.Type != workshop.MsgEvent {
		return nil, m, nil
	}
	if m.Hash == "" {
		return nil, nil, fmt.Errorf("server: event %d came without its chain hash", m.Seq)
	}
	rec, err := m.Event.Record()
	if err != nil {
		return nil, nil, fmt.Errorf("server: event %d: %v", m.Seq, err)
	}
	fe = &feedEvent{seq: m.Seq, hash: m.Hash, rec: rec, ev: m.Event}
	if m.Stored > 0 {
		fe.stored = time.UnixMicro(m.Stored)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := f.msgs[string(data)]; got != nil {
		return got, nil, nil
	}
	if first := f.bySeq[fe.seq]; first == nil {
		f.bySeq[fe.seq] = fe
	} else {
		// Another message for this seq: the same event (the hash covers
		// the record) with the same display name, or a contradiction.
		f.variants++
		if first.hash != fe.hash || first.ev.DisplayName != fe.ev.DisplayName {
			fe.bad = fmt.Errorf("server: two participants received different events %d (chain hash %.12s… and %.12s…)", fe.seq, first.hash, fe.hash)
		}
	}
	f.msgs[string(data)] = fe
	return fe, nil, nil
}

// link checks that the event follows the chain head prev.
func (fe *feedEvent) link(prev string) error {
	if p := fe.linked.Load(); p != nil && *p == prev {
		return nil
	}
	if got := workshop.ChainHash(prev, fe.rec); got != fe.hash {
		return fmt.Errorf("server: event %d does not follow the chain of hashes the server sent before (hash %.12s…, computed %.12s…): the server's record changed", fe.seq, fe.hash, got)
	}
	fe.linked.Store(&prev)
	return nil
}

// snapshot checks a snapshot message (it rebuilds into a replica) and
// returns the record of it that verify compares with the reference.
func (f *feed) snapshot(data []byte, m *workshop.ServerMessage) (*feedSnap, error) {
	key := snapKey{seq: m.Seq, sum: sha256.Sum256(data)}
	f.mu.RLock()
	s := f.snaps[key]
	f.mu.RUnlock()
	if s != nil {
		return s, nil
	}
	st, err := workshop.FromView(m.State, nil)
	if err != nil {
		return nil, err
	}
	s = &feedSnap{seq: m.Seq, digest: viewDigest(st.View())}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := f.snaps[key]; got != nil {
		return got, nil
	}
	f.snaps[key] = s
	return s, nil
}

func viewDigest(v *workshop.View) [32]byte { return sha256.Sum256(encode(v)) }

// verify replays the events the participants received (any that none
// received comes from the server's log, with the name the server's view
// gives a joined participant) into a reference state, with the
// rules, and checks every received event against the log, every snapshot
// against the reference at its seq, and the reference against the
// server's final view. It returns the reference's head hash and whether
// the reference equals final, and the problems found.
func (f *feed) verify(final *workshop.View, log []workshop.LogEntry) (head string, equal bool, problems []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if int64(len(log)) != final.Seq {
		return "", false, []string{fmt.Sprintf("the exported log has %d events, the server's state %d", len(log), final.Seq)}
	}
	bySeq := map[int64][]*feedSnap{}
	for _, s := range f.snaps {
		bySeq[s.seq] = append(bySeq[s.seq], s)
	}
	ref := &workshop.State{}
	names := map[string]string{}
	for _, p := range final.Participants {
		names[p.ID] = p.Name
	}
	for i, entry := range log {
		seq := int64(i + 1)
		ev := &workshop.Event{}
		if fe := f.bySeq[seq]; fe != nil {
			if fe.hash != entry.Hash {
				problems = append(problems, fmt.Sprintf("event %d reached participants with chain hash %.12s…, the log has %.12s…", seq, fe.hash, entry.Hash))
			}
			ev = fe.ev
		} else if err := json.Unmarshal(entry.Event, ev); err != nil {
			return "", false, append(problems, fmt.Sprintf("the log's event %d: %v", seq, err))
		} else if ev.Type == workshop.EvJoined {
			// No participant received it (they all started from a later
			// snapshot): the log keeps no names, the server's view does.
			ev.DisplayName = names[ev.Participant]
		}
		if err := ref.Apply(ev); err != nil {
			return "", false, append(problems, fmt.Sprintf("the replicas refuse event %d: %v", seq, err))
		}
		if ss := bySeq[seq]; len(ss) > 0 {
			d := viewDigest(ref.View())
			for _, s := range ss {
				s.ok = s.digest == d
				if !s.ok {
					problems = append(problems, fmt.Sprintf("a snapshot at event %d differs from the state the events build", seq))
				}
			}
			delete(bySeq, seq)
		}
	}
	var beyond []int64
	for seq := range bySeq {
		beyond = append(beyond, seq)
	}
	sort.Slice(beyond, func(i, j int) bool { return beyond[i] < beyond[j] })
	for _, seq := range beyond {
		problems = append(problems, fmt.Sprintf("a snapshot at event %d, beyond the log's last", seq))
	}
	equal = reflect.DeepEqual(ref.View(), final)
	if !equal {
		problems = append(problems, "the state the received events build differs from the server's")
	}
	return log[len(log)-1].Hash, equal, problems
}

// replicaHead is a participant's replica as the load test keeps it: the
// sequence number and chain hash it reached and the snapshots it started
// from (its state is the reference's at seq once verify has checked them).
type replicaHead struct {
	seq   int64
	hash  string
	snaps []*feedSnap
}

// converged reports whether the replica holds the server's state at seq
// with chain hash head (after feed.verify).
func (r replicaHead) converged(seq int64, head string) bool {
	if r.seq != seq || r.hash != head {
		return false
	}
	for _, s := range r.snaps {
		if !s.ok {
			return false
		}
	}
	return true
}

// feedClient is a load-test participant's connection: like Client, but
// its replica is a replicaHead and the events are checked through the
// shared feed; one read buffer is reused for every message.
type feedClient struct {
	conn *websocket.Conn
	feed *feed

	mu         sync.Mutex
	head       replicaHead
	waiting    map[string]chan *workshop.ServerMessage
	duplicates int
	gaps       int
	snapshots  int
	err        error
	onEvent    func(stored, received time.Time)

	welcome chan struct{}
	done    chan struct{}
}

// dialFeed connects like Dial, resuming from head.
func dialFeed(ctx context.Context, f *feed, hc *http.Client, base, id, token string, head replicaHead, onEvent func(stored, received time.Time)) (*feedClient, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws/" + id
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}, HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("server: dial %s: %w", u, err)
	}
	conn.SetReadLimit(64 << 20)
	c := &feedClient{conn: conn, feed: f, head: head, waiting: map[string]chan *workshop.ServerMessage{},
		onEvent: onEvent, welcome: make(chan struct{}), done: make(chan struct{})}
	since := head.seq
	hello, _ := json.Marshal(&workshop.ClientMessage{Type: "hello", Since: &since})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("server: hello: %w", err)
	}
	go c.read()
	select {
	case <-c.welcome:
		return c, nil
	case <-c.done:
		return nil, c.Err()
	case <-ctx.Done():
		conn.CloseNow()
		return nil, ctx.Err()
	}
}

func (c *feedClient) read() {
	defer close(c.done)
	var buf bytes.Buffer
	welcomed := false
	for {
		_, r, err := c.conn.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			c.fail(err)
			return
		}
		received := time.Now()
		fe, m, err := c.feed.lookup(buf.Bytes())
		if err == nil && fe != nil {
			err = fe.bad
		}
		if err == nil && m != nil && m.Type == workshop.MsgSnapshot {
			var s *feedSnap
			if s, err = c.feed.snapshot(buf.Bytes(), m); err == nil {
				c.mu.Lock()
				c.head = replicaHead{seq: m.Seq, hash: m.Hash, snaps: append(c.head.snaps, s)}
				c.snapshots++
				c.mu.Unlock()
			}
		}
		if buf.Cap() > 64<<10 {
			buf = bytes.Buffer{} // a snapshot's buffer is not kept
		}
		if err != nil {
			c.feed.problem("%v", err)
			c.fail(err)
			c.conn.CloseNow()
			return
		}
		if fe != nil {
			if err := c.event(fe, received); err != nil {
				c.conn.CloseNow()
				return
			}
			continue
		}
		c.mu.Lock()
		switch m.Type {
		case workshop.MsgWelcome:
			if !welcomed {
				welcomed = true
				close(c.welcome)
			}
		case workshop.MsgAck, workshop.MsgError:
			if ch := c.waiting[m.Cid]; ch != nil {
				delete(c.waiting, m.Cid)
				ch <- m
			} else if m.Type == workshop.MsgError && m.Cid == "" && !welcomed {
				c.err = fmt.Errorf("server: %s: %s", m.Code, m.Message)
			}
		}
		c.mu.Unlock()
	}
}

// event applies one event to the replica's head: exactly once, in order,
// linked to the chain.
func (c *feedClient) event(fe *feedEvent, received time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case fe.seq <= c.head.seq:
		c.duplicates++
		return nil
	case fe.seq > c.head.seq+1:
		c.gaps++
		c.err = fmt.Errorf("server: event %d after %d: events were lost", fe.seq, c.head.seq)
		return c.err
	}
	prev := c.head.hash
	if c.head.seq == 0 {
		prev = workshop.GenesisHash
	}
	if err := fe.link(prev); err != nil {
		c.feed.problem("%v", err)
		c.err = err
		return err
	}
	c.head.seq, c.head.hash = fe.seq, fe.hash
	if c.onEvent != nil && !fe.stored.IsZero() {
		c.onEvent(fe.stored, received)
	}
	return nil
}

func (c *feedClient) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	for cid, ch := range c.waiting {
		delete(c.waiting, cid)
		close(ch)
	}
	c.mu.Unlock()
}

// Do sends a command (m.Cid must be set) and waits for its ack or error.
func (c *feedClient) Do(ctx context.Context, m *workshop.ClientMessage) (*workshop.ServerMessage, error) {
	return roundTrip(ctx, c.conn, &c.mu, &c.err, c.waiting, m)
}

// Head returns the replica's head.
func (c *feedClient) Head() replicaHead {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.head
}

// Stats returns the events received twice, the events skipped and the
// snapshots received.
func (c *feedClient) Stats() (duplicates, gaps, snapshots int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.duplicates, c.gaps, c.snapshots
}

// WaitSeq waits until the replica has reached seq.
func (c *feedClient) WaitSeq(ctx context.Context, seq int64) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if c.Head().seq >= seq {
			return nil
		}
		select {
		case <-t.C:
		case <-c.done:
			if c.Head().seq >= seq {
				return nil
			}
			return fmt.Errorf("server: connection closed at event %d, waiting for %d: %v", c.Head().seq, seq, c.Err())
		case <-ctx.Done():
			return fmt.Errorf("server: at event %d, waiting for %d: %w", c.Head().seq, seq, ctx.Err())
		}
	}
}

// Done is closed when the connection ends.
func (c *feedClient) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended.
func (c *feedClient) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection.
func (c *feedClient) Close() error {
	err := c.conn.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}

// counts returns the distinct event messages and those that repeat a
// seq in other bytes.
func (f *feed) counts() (distinct, variants int) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.msgs), f.variants
}
