// Package server is Barri's workshop server (DESIGN.md §6): the HTTP API
// and WebSocket endpoint, one hub per workshop that decides commands with
// the pure session model (package workshop), stores each event durably
// before acknowledging or broadcasting it, evaluates proposals with sim on a
// bounded worker pool, and exports a workshop's record.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/barri-city/barri/server/store"
)

// Config configures a Server. The zero value of each field takes the
// default in its comment.
type Config struct {
	// Store keeps the workshops (required).
	Store store.Store
	// BaseURL is the server's public address, for the links it hands out
	// (default "http://127.0.0.1:8080").
	BaseURL string
	// Cities the workshops may use (default: "eixample").
	Cities []string
	// Origins are extra host patterns allowed as a WebSocket Origin
	// besides the server's own host (coder/websocket OriginPatterns).
	Origins []string
	// Workers evaluate proposals (default 2); EvalQueue bounds the
	// evaluations waiting (default 64): beyond, a proposal is refused as
	// busy and can be retried.
	Workers, EvalQueue int
	// ClientQueue bounds the messages waiting for one client (default
	// 4096): a client that falls further behind is dropped and resumes.
	ClientQueue int
	// SnapshotGap: a client resuming further behind than this gets a
	// snapshot instead of the events (default 512).
	SnapshotGap int
	// SnapshotEvery: a workshop's state is saved for a fast start every
	// this many events (default 1000).
	SnapshotEvery int
	// MsgRate and MsgBurst limit the messages one connection sends
	// (default 20/s, burst 40); ActorRate and ActorBurst the commands one
	// participant sends over all their connections (default 10/s, burst
	// 20); CreateRate and JoinRate the workshops created and joins over
	// the whole server (default 2/s burst 20, and 200/s burst 1000).
	MsgRate, ActorRate, CreateRate, JoinRate     rate.Limit
	MsgBurst, ActorBurst, CreateBurst, JoinBurst int
	// HubIdle: a workshop without clients for about this long is unloaded
	// from memory (default 10 minutes); the next request loads it again.
	HubIdle time.Duration
	// WriteTimeout bounds one write to a client (default 5 s).
	WriteTimeout time.Duration
	// Logger receives structured logs (default: discard). Logs never hold
	// an IP address or a display name.
	Logger *slog.Logger
	// Now is the clock for event times (default time.Now).
	Now func() time.Time
	// Random is the source of tokens, salts and ids (default crypto/rand).
	Random io.Reader
}

func (c *Config) defaults() {
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8080"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if len(c.Cities) == 0 {
		c.Cities = []string{"eixample"}
	}
	setInt := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	setRate := func(p *rate.Limit, v rate.Limit) {
		if *p <= 0 {
			*p = v
		}
	}
	setInt(&c.Workers, 2)
	setInt(&c.EvalQueue, 64)
	setInt(&c.ClientQueue, 4096)
	setInt(&c.SnapshotGap, 512)
	setInt(&c.SnapshotEvery, 1000)
	setRate(&c.MsgRate, 20)
	setInt(&c.MsgBurst, 40)
	setRate(&c.ActorRate, 10)
	setInt(&c.ActorBurst, 20)
	setRate(&c.CreateRate, 2)
	setInt(&c.CreateBurst, 20)
	setRate(&c.JoinRate, 200)
	setInt(&c.JoinBurst, 1000)
	if c.HubIdle <= 0 {
		c.HubIdle = 10 * time.Minute
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Random == nil {
		c.Random = rand.Reader
	}
}

// Server serves workshops. Create it with New, serve its Handler, and
// Close it to stop (after http.Server.Shutdown).
type Server struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	metrics *metrics
	eval    *evaluator
	mux     *http.ServeMux

	createLim, joinLim *rate.Limiter

	mu      sync.Mutex
	hubs    map[string]*hub
	loading map[string]*loadCall // hubs being loaded, without holding mu
	closing bool
	wg      sync.WaitGroup // hubs running
	bg      sync.WaitGroup // snapshots being saved
}

// New returns a server on cfg.Store.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	cfg.defaults()
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger, hubs: map[string]*hub{}, loading: map[string]*loadCall{},
		createLim: rate.NewLimiter(cfg.CreateRate, cfg.CreateBurst), joinLim: rate.NewLimiter(cfg.JoinRate, cfg.JoinBurst)}
	s.metrics = newMetrics()
	s.eval = newEvaluator(cfg.Workers, cfg.EvalQueue, cfg.Cities, s.metrics)
	s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// errClosing refuses work once the server is closing.
var errClosing = errors.New("server: shutting down: retry in a moment")

// loadCall is a hub being loaded: the requests that want it meanwhile
// wait for done.
type loadCall struct {
	done chan struct{}
	h    *hub
	err  error
}

// hub returns the running hub of a workshop, loading it from the store on
// first use. The load (a replay of the log) holds no lock that other
// workshops' requests need: requests for the same workshop wait for it.
func (s *Server) hub(ctx context.Context, id string) (*hub, error) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil, errClosing
	}
	if h := s.hubs[id]; h != nil {
		s.mu.Unlock()
		return h, nil
	}
	if call := s.loading[id]; call != nil {
		s.mu.Unlock()
		select {
		case <-call.done:
			return call.h, call.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	call := &loadCall{done: make(chan struct{})}
	s.loading[id] = call
	s.mu.Unlock()

	// The load goes on if this request ends: others may wait for it.
	h, err := loadHub(context.WithoutCancel(ctx), s, id)
	s.mu.Lock()
	delete(s.loading, id)
	switch {
	case err != nil:
	case s.closing:
		s.metrics.workshopsRun.Dec()
		h, err = nil, errClosing
	default:
		s.hubs[id] = h
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			h.run()
		}()
	}
	s.mu.Unlock()
	call.h, call.err = h, err
	close(call.done)
	return h, err
}

// workshop returns a workshop's identity and secrets' hashes, from its
// hub if it is loaded, else from the store (without loading the hub: a
// request is authenticated first).
func (s *Server) workshop(ctx context.Context, id string) (store.Workshop, error) {
	s.mu.Lock()
	h := s.hubs[id]
	s.mu.Unlock()
	if h != nil {
		return h.w, nil
	}
	return s.store.Workshop(ctx, id)
}

// forget removes an unloaded hub from the table.
func (s *Server) forget(h *hub) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hubs[h.id] == h {
		delete(s.hubs, h.id)
	}
}

// deliver hands a first message to a workshop's hub, loading the hub
// again if it unloaded itself meanwhile.
func (s *Server) deliver(ctx context.Context, id string, m any) (*hub, error) {
	for try := 0; try < 3; try++ {
		h, err := s.hub(ctx, id)
		if err != nil {
			return nil, err
		}
		if h.send(m) {
			return h, nil
		}
	}
	return nil, errClosing
}

// Close stops the server: every hub finishes the commands it holds (their
// events are stored and acknowledged), closes its clients' sockets with a
// reason, and stops; then the evaluation workers stop. It does not close
// the store.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closing = true
	hubs := make([]*hub, 0, len(s.hubs))
	for _, h := range s.hubs {
		hubs = append(hubs, h)
	}
	s.mu.Unlock()
	for _, h := range hubs {
		h.stop()
	}
	s.wg.Wait()
	s.bg.Wait()
	s.eval.close()
	return nil
}

func (s *Server) random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Random, b); err != nil {
		panic(fmt.Sprintf("server: no randomness: %v", err)) // crypto/rand does not fail
	}
	return b
}
