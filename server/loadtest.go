package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/barri-city/barri/workshop"
)

// LoadConfig configures Loadtest.
type LoadConfig struct {
	URL          string        // the server, http://host:port
	Participants int           // simulated participants (1 to 10000)
	Rate         float64       // commands per second from all participants together
	Duration     time.Duration // of the steady load
	Proposals    int           // proposals made before the load (default 10)
	VoteBurst    bool          // after the load, every participant votes at once
	BurstWindow  time.Duration // the burst's votes spread over this (default 2 s)
	// Restart, if set, kills the server (SIGKILL) and starts it again on
	// the same data; Loadtest calls it every KillEvery (±50%) during the
	// load until Kills is reached (the load lasts until then).
	Restart   func() error
	KillEvery time.Duration
	Kills     int
	Seed      uint64    // of the simulated participants' choices
	Log       io.Writer // progress lines (nil: none)
	// SelfCPU, if set, returns the CPU time this process has used: the
	// report gives the load generator's share of each phase.
	SelfCPU func() time.Duration
}

// LoadReport is what Loadtest measured.
type LoadReport struct {
	Participants int
	Workshop     string
	Commands     int64 // sent during the load (each until answered)
	Acked        int64
	Refused      int64 // refused by the rules (e.g. a vote already there)
	Events       int64 // the workshop's last sequence number
	Fanout       Percentiles
	Ack          Percentiles
	Lost         int // acked events missing from the log, or events a client skipped
	Duplicates   int // acked events applied twice, or events a client received twice
	Reconnects   int
	Snapshots    int
	Kills        int
	Converged    int // clients whose final state equals the server's
	// Distinct event messages, each decoded and hashed once for all the
	// participants; Variants of them repeat a seq with other bytes.
	Distinct, Variants int
	// The vote burst: BurstVotes votes, each sent at a random moment of
	// BurstWindow after the burst starts (BurstSpread from the first sent
	// to the last); BurstAcked of them acknowledged, the last BurstLastAck
	// after the first was sent; BurstAck from each vote's sending to its
	// ack.
	BurstVotes   int
	BurstAcked   int
	BurstWindow  time.Duration
	BurstSpread  time.Duration
	BurstLastAck time.Duration
	BurstAck     Percentiles
	TallyExact   bool
	// From the server's /metrics: its own fan-out (stored to written to
	// the socket) and group-commit durations during the steady load.
	ServerFanout      BucketQuantiles
	ServerCommit      BucketQuantiles
	ServerRSS         float64
	ServerConnections float64
	// CPU time used during the steady load and the burst (wall time
	// LoadWall and BurstWall): the server's (from /metrics), and the load
	// generator's (LoadConfig.SelfCPU); zero when not known.
	LoadWall, BurstWall           time.Duration
	ServerLoadCPU, ServerBurstCPU time.Duration
	GenLoadCPU, GenBurstCPU       time.Duration
	Problems                      []string
}

// cpuLine prints the CPU a phase used, as seconds and cores.
func cpuLine(w io.Writer, phase string, wall, server, gen time.Duration) {
	if wall <= 0 || (server <= 0 && gen <= 0) {
		return
	}
	share := func(d time.Duration) string {
		if d <= 0 {
			return "unknown"
		}
		return fmt.Sprintf("%.1f s (%.0f%% of a core)", d.Seconds(), 100*d.Seconds()/wall.Seconds())
	}
	fmt.Fprintf(w, "CPU during the %s (%.1f s): server %s, load generator %s\n", phase, wall.Seconds(), share(server), share(gen))
}

// Percentiles of a set of durations.
type Percentiles struct {
	N             int
	P50, P95, P99 time.Duration
	Max           time.Duration
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1)+0.5)] }
	return Percentiles{N: len(s), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: s[len(s)-1]}
}

func (p Percentiles) String() string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) }
	return fmt.Sprintf("p50 %s ms, p95 %s ms, p99 %s ms, max %s ms (n=%d)", ms(p.P50), ms(p.P95), ms(p.P99), ms(p.Max), p.N)
}

// Write prints the report.
func (r *LoadReport) Write(w io.Writer) {
	fmt.Fprintf(w, "workshop %s: %d participants, %d events\n", r.Workshop, r.Participants, r.Events)
	fmt.Fprintf(w, "commands: %d sent, %d acked, %d refused by the rules\n", r.Commands, r.Acked, r.Refused)
	fmt.Fprintf(w, "fan-out (event stored to received): %s\n", r.Fanout)
	fmt.Fprintf(w, "ack (command sent to ack): %s\n", r.Ack)
	if r.ServerFanout.N > 0 {
		fmt.Fprintf(w, "server side: fan-out (stored to written) %s; group commit %s\n", r.ServerFanout, r.ServerCommit)
	}
	fmt.Fprintf(w, "lost: %d, duplicates: %d, reconnects: %d, snapshots: %d, kills: %d\n", r.Lost, r.Duplicates, r.Reconnects, r.Snapshots, r.Kills)
	fmt.Fprintf(w, "converged: %d of %d clients equal the server's state\n", r.Converged, r.Participants+1)
	if r.Distinct > 0 {
		fmt.Fprintf(w, "events: %d distinct messages, each decoded and hashed once for all participants (%d repeat a seq in other bytes)\n", r.Distinct, r.Variants)
	}
	if r.BurstVotes > 0 {
		fmt.Fprintf(w, "vote burst: %d votes sent over %.2f s (each at a random moment of a %v window); %d of them acked, the last %.2f s after the first vote was sent (%.2f s after the last); ack %s; tally exact: %v\n",
			r.BurstVotes, r.BurstSpread.Seconds(), r.BurstWindow, r.BurstAcked, r.BurstLastAck.Seconds(), (r.BurstLastAck - r.BurstSpread).Seconds(), r.BurstAck, r.TallyExact)
		verdict := "met"
		if r.BurstAcked < r.BurstVotes || r.BurstSpread > r.BurstWindow || !r.TallyExact {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "vote burst target (all %d vote within %v, every vote acknowledged, tally exact): %s\n", r.BurstVotes, r.BurstWindow, verdict)
	}
	cpuLine(w, "steady load", r.LoadWall, r.ServerLoadCPU, r.GenLoadCPU)
	cpuLine(w, "vote burst", r.BurstWall, r.ServerBurstCPU, r.GenBurstCPU)
	if r.ServerRSS > 0 {
		fmt.Fprintf(w, "server: RSS %.1f MB at %.0f connections\n", r.ServerRSS/(1<<20), r.ServerConnections)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
}

// agent is one simulated participant (or the facilitator).
type agent struct {
	lt      *loadtest
	id      string
	token   string
	mu      sync.Mutex
	c       *feedClient
	head    replicaHead  // of the last connection, to resume from
	since   atomic.Int64 // ms of the current connection: fan-out counts live events only
	n       int          // cid counter
	votes   map[string]bool
	fmu     sync.Mutex      // guards fanout, appended by the client's reader
	fanout  []time.Duration // fan-out latencies seen by this agent
	dups    int
	gaps    int
	snaps   int
	redials int
}

type loadtest struct {
	cfg     LoadConfig
	hc      *http.Client
	feed    *feed
	ws      string
	ctx     context.Context
	measure atomic.Bool

	mu       sync.Mutex
	fanout   []time.Duration
	acks     []time.Duration
	acked    map[string]int64 // actor\x00cid -> seq
	tally    map[string]int   // expected, from acked votes and unvotes
	commands atomic.Int64
	refused  atomic.Int64
	kills    atomic.Int64
}

func (lt *loadtest) logf(format string, a ...any) {
	if lt.cfg.Log != nil {
		fmt.Fprintf(lt.cfg.Log, format+"\n", a...)
	}
}

// conn returns a live connection, redialling (and resuming) as needed.
func (a *agent) conn(ctx context.Context) (*feedClient, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.c != nil {
		select {
		case <-a.c.Done():
			a.head = a.c.Head()
			d, g, s := a.c.Stats()
			a.dups, a.gaps, a.snaps = a.dups+d, a.gaps+g, a.snaps+s
			a.c = nil
			a.redials++
		default:
			return a.c, nil
		}
	}
	backoff := 20 * time.Millisecond
	for {
		// Events stored from now on are live for this connection (its
		// backlog may arrive before Dial returns).
		a.since.Store(time.Now().UnixMilli())
		c, err := dialFeed(ctx, a.lt.feed, a.lt.hc, a.lt.cfg.URL, a.lt.ws, a.token, a.head, a.onEvent)
		if err == nil {
			a.c = c
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		time.Sleep(backoff + time.Duration(rand.Int64N(int64(backoff))))
		if backoff < 500*time.Millisecond {
			backoff *= 2
		}
	}
}

// onEvent measures fan-out: from the moment the server stored an event
// (durable) to its arrival here.
func (a *agent) onEvent(stored, now time.Time) {
	if !a.lt.measure.Load() {
		return
	}
	if stored.UnixMilli() < a.since.Load() {
		return // backlog after a reconnect, not fan-out
	}
	a.fmu.Lock()
	a.fanout = append(a.fanout, now.Sub(stored))
	a.fmu.Unlock()
}

func (a *agent) cid() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	return "lt-" + strconv.Itoa(a.n)
}

// do sends a command until it is answered: a lost connection or a
// transient refusal (busy, unavailable, rate limited) is retried with the
// same cid, so the command is applied at most once.
func (a *agent) do(ctx context.Context, m *workshop.ClientMessage) (*workshop.ServerMessage, time.Duration, error) {
	start := time.Now()
	for {
		c, err := a.conn(ctx)
		if err != nil {
			return nil, 0, err
		}
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		r, err := c.Do(dctx, m)
		cancel()
		if err == nil {
			switch r.Code {
			case workshop.CodeBusy, workshop.CodeUnavailable, workshop.CodeRateLimited:
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if r.Type == workshop.MsgAck {
				a.lt.mu.Lock()
				a.lt.acked[a.id+"\x00"+m.Cid] = r.Seq
				a.lt.mu.Unlock()
			}
			return r, time.Since(start), nil
		}
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Loadtest runs simulated participants against a server over real
// WebSockets: they join, propose, comment and vote; it reports fan-out and
// ack latencies, events lost and duplicated, and reconnects, and checks
// that every client converges to the server's state. It is bounded in
// participants (10000), rate and time.
func Loadtest(ctx context.Context, cfg LoadConfig) (*LoadReport, error) {
	switch {
	case cfg.Participants < 1 || cfg.Participants > 10000:
		return nil, fmt.Errorf("server: loadtest: --participants %d: use 1 to 10000", cfg.Participants)
	case cfg.Rate <= 0 || cfg.Rate > 5000:
		return nil, fmt.Errorf("server: loadtest: --rate %g: use more than 0 and at most 5000 commands/s", cfg.Rate)
	case cfg.Duration < 0 || cfg.Duration > time.Hour:
		return nil, fmt.Errorf("server: loadtest: --duration %v: use at most 1h", cfg.Duration)
	case cfg.Restart != nil && (cfg.KillEvery <= 0 || cfg.Kills < 1 || cfg.Kills > 10000):
		return nil, errors.New("server: loadtest: killing needs --kill-every > 0 and --kills from 1 to 10000")
	}
	if cfg.Proposals <= 0 {
		cfg.Proposals = 10
	}
	cfg.Proposals = min(cfg.Proposals, cfg.Participants, workshop.MaxProposalsPerActor*cfg.Participants)
	if cfg.BurstWindow <= 0 {
		cfg.BurstWindow = 2 * time.Second
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 0}
	defer tr.CloseIdleConnections()
	lt := &loadtest{cfg: cfg, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, ctx: ctx, feed: newFeed(),
		acked: map[string]int64{}, tally: map[string]int{}}
	rep := &LoadReport{Participants: cfg.Participants}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6c74))

	w, err := CreateWorkshop(ctx, lt.hc, cfg.URL, CreateRequest{Title: "barri loadtest", City: "eixample",
		Voting: workshop.Voting{Rule: workshop.RuleApproval}})
	if err != nil {
		return nil, fmt.Errorf("server: loadtest: creating the workshop: %w", err)
	}
	lt.ws, rep.Workshop = w.ID, w.ID
	fac := &agent{lt: lt, id: workshop.FacilitatorID, token: w.FacilitatorToken}
	lt.logf("workshop %s; joining %d participants", w.ID, cfg.Participants)

	agents := make([]*agent, cfg.Participants)
	if err := parallel(ctx, cfg.Participants, 32, func(i int) error {
		j, err := JoinWorkshop(ctx, lt.hc, cfg.URL, w.Code, fmt.Sprintf("Participant %d", i+1))
		for err != nil {
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || ctx.Err() != nil {
				return fmt.Errorf("server: loadtest: joining: %w", err)
			}
			time.Sleep(100 * time.Millisecond)
			j, err = JoinWorkshop(ctx, lt.hc, cfg.URL, w.Code, fmt.Sprintf("Participant %d", i+1))
		}
		agents[i] = &agent{lt: lt, id: j.Participant, token: j.Token, votes: map[string]bool{}}
		_, err = agents[i].conn(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	all := append([]*agent{fac}, agents...)
	command := func(a *agent, m workshop.ClientMessage) (*workshop.ServerMessage, error) {
		m.Cid = a.cid()
		r, _, err := a.do(ctx, &m)
		if err == nil && r.Type != workshop.MsgAck {
			err = fmt.Errorf("server: loadtest: %s refused: %s", m.Type, r.Message)
		}
		return r, err
	}
	if _, err := command(fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhasePropose}); err != nil {
		return nil, err
	}
	var props []string
	for i := 0; i < cfg.Proposals; i++ {
		lon, lat := 2.150+0.0015*float64(i%8), 41.384+0.0012*float64(i/8%6)
		edits := fmt.Sprintf(`[{"op":"park","area":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}}]`,
			lon, lat, lon+0.0008, lat, lon+0.0008, lat+0.0006, lon, lat+0.0006, lon, lat)
		name := fmt.Sprintf("Parc %d", i+1)
		r, err := command(agents[i], workshop.ClientMessage{Type: "propose", Name: &name, Edits: json.RawMessage(edits)})
		if err != nil {
			return nil, err
		}
		props = append(props, r.Proposal)
	}
	if _, err := command(fac, workshop.ClientMessage{Type: "phase", Phase: workshop.PhaseVote}); err != nil {
		return nil, err
	}
	lt.logf("%d proposals; load: %.0f commands/s for %v", len(props), cfg.Rate, cfg.Duration)

	// The steady load, and the kills.
	before := scrape(ctx, lt.hc, cfg.URL)
	selfCPU := func() time.Duration {
		if cfg.SelfCPU == nil {
			return 0
		}
		return cfg.SelfCPU()
	}
	loadStart, genStart := time.Now(), selfCPU()
	lt.measure.Store(true)
	loadCtx, stopLoad := context.WithCancel(ctx)
	var killWG sync.WaitGroup
	var restartErr error
	var killFailed atomic.Bool
	if cfg.Restart != nil {
		killWG.Add(1)
		go func() {
			defer killWG.Done()
			krng := rand.New(rand.NewPCG(cfg.Seed, 0x6b696c6c))
			for int(lt.kills.Load()) < cfg.Kills && ctx.Err() == nil {
				d := cfg.KillEvery/2 + time.Duration(krng.Int64N(int64(cfg.KillEvery)))
				time.Sleep(d)
				if err := cfg.Restart(); err != nil {
					restartErr = fmt.Errorf("restart %d: %v", lt.kills.Load()+1, err)
					killFailed.Store(true) // stops the load
					return
				}
				if k := lt.kills.Add(1); k%10 == 0 {
					lt.logf("%d kills", k)
				}
			}
		}()
	}
	var cmdWG sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	tick := time.NewTicker(interval)
	end := time.Now().Add(cfg.Duration)
	for {
		if time.Now().After(end) && (cfg.Restart == nil || int(lt.kills.Load()) >= cfg.Kills || killFailed.Load()) {
			break
		}
		if ctx.Err() != nil {
			break
		}
		<-tick.C
		a := agents[rng.IntN(len(agents))]
		p := props[rng.IntN(len(props))]
		var m workshop.ClientMessage
		a.mu.Lock()
		switch {
		case rng.IntN(10) < 7:
			m = workshop.ClientMessage{Type: "comment", Proposal: p, Text: fmt.Sprintf("Comentari %d: m'agrada <b>molt</b>", rng.IntN(1000))}
		case a.votes[p]:
			m = workshop.ClientMessage{Type: "unvote", Proposal: p}
		default:
			m = workshop.ClientMessage{Type: "vote", Proposal: p}
		}
		a.mu.Unlock()
		m.Cid = a.cid()
		lt.commands.Add(1)
		cmdWG.Add(1)
		go func(a *agent, m workshop.ClientMessage) {
			defer cmdWG.Done()
			r, d, err := a.do(loadCtx, &m)
			if err != nil {
				errMu.Lock()
				if firstErr == nil && !errors.Is(err, context.Canceled) {
					firstErr = err
				}
				errMu.Unlock()
				return
			}
			lt.record(a, &m, r, d)
		}(a, m)
	}
	tick.Stop()
	killWG.Wait()
	waitDone := make(chan struct{})
	go func() { cmdWG.Wait(); close(waitDone) }()
	select {
	case <-waitDone:
	case <-time.After(60 * time.Second):
		rep.Problems = append(rep.Problems, "commands still unanswered 60 s after the load")
	}
	stopLoad()
	lt.measure.Store(false)
	rep.Kills = int(lt.kills.Load())
	if restartErr != nil {
		rep.Problems = append(rep.Problems, restartErr.Error())
	}
	if firstErr != nil {
		rep.Problems = append(rep.Problems, firstErr.Error())
	}
	for _, a := range all {
		a.fmu.Lock()
		lt.fanout = append(lt.fanout, a.fanout...)
		a.fmu.Unlock()
	}
	rep.Fanout, rep.Ack = percentiles(lt.fanout), percentiles(lt.acks)
	rep.LoadWall = time.Since(loadStart)
	if g := selfCPU(); g > 0 {
		rep.GenLoadCPU = g - genStart
	}
	after := scrape(ctx, lt.hc, cfg.URL)
	if cfg.Restart == nil { // a restarted server's histograms and CPU start again
		rep.ServerFanout = bucketQuantiles(before.fanout, after.fanout)
		rep.ServerCommit = bucketQuantiles(before.commit, after.commit)
		rep.ServerLoadCPU = after.cpu - before.cpu
	}

	// The vote burst: every participant votes for a proposal it has not
	// voted for, all within the window.
	if cfg.VoteBurst {
		lt.logf("vote burst: %d participants within %v", len(agents), cfg.BurstWindow)
		burstStart, genBurst := time.Now(), selfCPU()
		var burst []time.Duration
		var first, lastSent, lastAck time.Time
		var bmu sync.Mutex
		var bwg sync.WaitGroup
		for i, a := range agents {
			var p string
			for k := 0; k < len(props); k++ {
				if q := props[(i+k)%len(props)]; !a.votes[q] {
					p = q
					break
				}
			}
			if p == "" {
				continue
			}
			rep.BurstVotes++
			delay := time.Duration(rng.Int64N(int64(cfg.BurstWindow)))
			bwg.Add(1)
			go func(a *agent, p string) {
				defer bwg.Done()
				time.Sleep(delay)
				m := workshop.ClientMessage{Type: "vote", Proposal: p, Cid: a.cid()}
				sent := time.Now()
				bmu.Lock()
				if first.IsZero() || sent.Before(first) {
					first = sent
				}
				if sent.After(lastSent) {
					lastSent = sent
				}
				bmu.Unlock()
				r, d, err := a.do(ctx, &m)
				if err != nil {
					return
				}
				acked := time.Now()
				lt.record(a, &m, r, d)
				if r.Type == workshop.MsgAck {
					bmu.Lock()
					burst = append(burst, d)
					if acked.After(lastAck) {
						lastAck = acked
					}
					bmu.Unlock()
				}
			}(a, p)
		}
		bwg.Wait() // (each goroutine records only into its own agent's votes)
		rep.BurstWall = time.Since(burstStart)
		if g := selfCPU(); g > 0 {
			rep.GenBurstCPU = g - genBurst
		}
		if end := scrape(ctx, lt.hc, cfg.URL); cfg.Restart == nil && end.cpu > 0 {
			rep.ServerBurstCPU = end.cpu - after.cpu
		}
		rep.BurstWindow = cfg.BurstWindow
		rep.BurstSpread = lastSent.Sub(first)
		if !lastAck.IsZero() {
			rep.BurstLastAck = lastAck.Sub(first)
		}
		rep.BurstAcked = len(burst)
		rep.BurstAck = percentiles(burst)
	}
	rep.Commands, rep.Refused = lt.commands.Load(), lt.refused.Load()
	rep.Acked = int64(len(lt.acked))

	// Convergence: every client reaches the server's last event, with its
	// chain hash, from checked starting points; the events they received
	// build the server's state (feed.verify).
	final, err := GetState(ctx, lt.hc, cfg.URL, w.ID, w.FacilitatorToken)
	if err != nil {
		return rep, fmt.Errorf("server: loadtest: final state: %w", err)
	}
	rep.Events = final.Seq
	// Every acked command is in the exported log exactly once, at its
	// acked sequence number; the log verifies and its tallies are exact.
	logData, err := GetExport(ctx, lt.hc, cfg.URL, w.ID, w.FacilitatorToken, "log.json")
	if err != nil {
		return rep, fmt.Errorf("server: loadtest: exporting the log: %w", err)
	}
	var entries []workshop.LogEntry
	_, replay, err := workshop.VerifyLog(logData)
	if err != nil {
		rep.Problems = append(rep.Problems, "the exported log does not verify: "+err.Error())
	} else {
		var l struct {
			Events []workshop.LogEntry `json:"events"`
		}
		json.Unmarshal(logData, &l) // VerifyLog read it
		entries = l.Events
		lost, dup := checkAcked(logData, lt.acked)
		rep.Lost += lost
		rep.Duplicates += dup
		rep.TallyExact = true
		for _, p := range final.Proposals {
			if p.Votes != replay.Tally(p.ID) || p.Votes != lt.tally[p.ID] {
				rep.TallyExact = false
				rep.Problems = append(rep.Problems, fmt.Sprintf("tally of %s: state %d, log %d, acked votes %d", p.ID, p.Votes, replay.Tally(p.ID), lt.tally[p.ID]))
			}
		}
	}
	parallel(ctx, len(all), 64, func(i int) error {
		a := all[i]
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for wctx.Err() == nil {
			c, err := a.conn(wctx)
			if err != nil {
				return nil
			}
			if c.WaitSeq(wctx, final.Seq) == nil {
				a.mu.Lock()
				a.head = c.Head()
				a.mu.Unlock()
				return nil
			}
		}
		return nil
	})
	rep.Problems = append(rep.Problems, lt.feed.Problems()...)
	if entries != nil {
		head, equal, problems := lt.feed.verify(final, entries)
		rep.Problems = append(rep.Problems, problems...)
		if equal {
			for _, a := range all {
				a.mu.Lock()
				if a.head.converged(final.Seq, head) {
					rep.Converged++
				}
				a.mu.Unlock()
			}
		}
	}
	rep.Distinct, rep.Variants = lt.feed.counts()
	if cfg.Restart == nil && rep.Variants > 0 {
		// One server, never restarted: it encodes each event once and
		// sends every client the same bytes.
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d events reached participants as different bytes", rep.Variants))
	}
	for _, a := range all {
		a.mu.Lock()
		if a.c != nil {
			d, g, s := a.c.Stats()
			a.dups, a.gaps, a.snaps = a.dups+d, a.gaps+g, a.snaps+s
		}
		rep.Duplicates += a.dups
		rep.Lost += a.gaps
		rep.Snapshots += a.snaps
		rep.Reconnects += a.redials
		a.mu.Unlock()
	}
	if rep.Converged != len(all) {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d clients did not converge to the server's state", len(all)-rep.Converged))
	}
	last := scrape(ctx, lt.hc, cfg.URL)
	rep.ServerRSS, rep.ServerConnections = last.rss, last.conns
	for _, a := range all {
		if a.c != nil {
			a.c.Close()
		}
	}
	return rep, nil
}

func (lt *loadtest) record(a *agent, m *workshop.ClientMessage, r *workshop.ServerMessage, d time.Duration) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if r.Type != workshop.MsgAck {
		lt.refused.Add(1)
		return
	}
	if lt.measure.Load() {
		lt.acks = append(lt.acks, d)
	}
	switch m.Type {
	case "vote":
		lt.tally[m.Proposal]++
		a.mu.Lock()
		a.votes[m.Proposal] = true
		a.mu.Unlock()
	case "unvote":
		lt.tally[m.Proposal]--
		a.mu.Lock()
		delete(a.votes, m.Proposal)
		a.mu.Unlock()
	}
}

// checkAcked compares the acked commands with the log: lost are acked
// commands missing at their sequence number, dup commands found twice.
func checkAcked(logData []byte, acked map[string]int64) (lost, dup int) {
	var log struct {
		Events []workshop.LogEntry `json:"events"`
	}
	if json.Unmarshal(logData, &log) != nil {
		return len(acked), 0
	}
	at := map[string][]int64{}
	for _, e := range log.Events {
		var ev workshop.Event
		if json.Unmarshal(e.Event, &ev) == nil && ev.Cid != "" {
			k := ev.Actor + "\x00" + ev.Cid
			at[k] = append(at[k], ev.Seq)
		}
	}
	for k, seq := range acked {
		switch s := at[k]; {
		case len(s) == 0 || s[0] != seq:
			lost++
		case len(s) > 1:
			dup++
		}
	}
	return lost, dup
}

// serverMetrics is what the load test reads from the server's /metrics.
type serverMetrics struct {
	rss, conns float64
	cpu        time.Duration // process_cpu_seconds_total
	// Cumulative bucket counts by upper bound (seconds) of the fan-out
	// and commit histograms.
	fanout, commit map[float64]float64
}

// scrape reads the server's /metrics.
func scrape(ctx context.Context, hc *http.Client, base string) serverMetrics {
	m := serverMetrics{fanout: map[float64]float64{}, commit: map[float64]float64{}}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return m
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		name, labels, _ := strings.Cut(f[0], "{")
		switch name {
		case "process_resident_memory_bytes":
			m.rss = v
		case "barri_connections":
			m.conns = v
		case "process_cpu_seconds_total":
			m.cpu = time.Duration(v * float64(time.Second))
		case "barri_fanout_seconds_bucket", "barri_store_commit_seconds_bucket":
			le := strings.TrimSuffix(strings.TrimPrefix(labels, `le="`), `"}`)
			b, err := strconv.ParseFloat(le, 64)
			if err != nil {
				continue // +Inf
			}
			if name == "barri_fanout_seconds_bucket" {
				m.fanout[b] = v
			} else {
				m.commit[b] = v
			}
		}
	}
	return m
}

// BucketQuantiles are quantiles read from a server histogram: each is the
// upper bound of the bucket that holds it (an upper estimate).
type BucketQuantiles struct {
	N        float64
	P50, P99 time.Duration
}

func (q BucketQuantiles) String() string {
	return fmt.Sprintf("p50 ≤ %v, p99 ≤ %v (n=%.0f)", q.P50, q.P99, q.N)
}

// bucketQuantiles takes the quantiles of the observations between two
// scrapes of a histogram.
func bucketQuantiles(before, after map[float64]float64) BucketQuantiles {
	var bounds []float64
	for b := range after {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	if len(bounds) == 0 {
		return BucketQuantiles{}
	}
	total := after[bounds[len(bounds)-1]] - before[bounds[len(bounds)-1]]
	at := func(q float64) time.Duration {
		for _, b := range bounds {
			if after[b]-before[b] >= q*total {
				return time.Duration(b * float64(time.Second))
			}
		}
		return time.Duration(bounds[len(bounds)-1] * float64(time.Second))
	}
	return BucketQuantiles{N: total, P50: at(0.5), P99: at(0.99)}
}

// parallel runs f(0..n-1) on at most k goroutines; the first error wins.
func parallel(ctx context.Context, n, k int, f func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := atomic.Int64{}
	for w := 0; w < k; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
