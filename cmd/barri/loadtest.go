package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/barri-city/barri/server"
)

func cmdLoadtest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest", "loadtest [--participants N] [--rate R] [--duration D] [--vote-burst] [--kill-every D --kills K --data DIR] URL", stderr)
	n := fs.Int("participants", 100, "simulated participants (1 to 10000)")
	rate := fs.Float64("rate", 10, "commands per second from all participants together")
	duration := fs.Duration("duration", 10*time.Second, "duration of the steady load")
	proposals := fs.Int("proposals", 10, "proposals made before the load")
	burst := fs.Bool("vote-burst", false, "after the load, every participant votes at once (within --burst-window)")
	window := fs.Duration("burst-window", 2*time.Second, "the vote burst's votes spread over this")
	killEvery := fs.Duration("kill-every", 0, "crash test: run `barri serve` on URL's address and SIGKILL and restart it about this often (±50%)")
	kills := fs.Int("kills", 50, "crash test: how many times to kill the server")
	data := fs.String("data", "", "crash test: the server's data directory (required with --kill-every)")
	seed := fs.Uint64("seed", 1, "seed of the participants' choices")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	cpuProfile := fs.String("cpuprofile", "", "write the load generator's CPU profile to this file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return badInput("loadtest: give the server's URL, e.g. http://127.0.0.1:8080")
	}
	u, err := url.Parse(pos[0])
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return badInput("loadtest: %q is not an http://host:port URL", pos[0])
	}
	// The generator shares the machine's cores with the server it
	// measures: collect garbage less often (its heap is small: the
	// participants share one decoding of each event).
	debug.SetGCPercent(400)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return badInput("loadtest: --cpuprofile: %v", err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cfg := server.LoadConfig{URL: pos[0], Participants: *n, Rate: *rate, Duration: *duration, Proposals: *proposals,
		VoteBurst: *burst, BurstWindow: *window, Seed: *seed, Log: stderr, SelfCPU: selfCPU}
	if *killEvery > 0 {
		if *data == "" {
			return badInput("loadtest: --kill-every needs --data, the directory the server keeps its database in")
		}
		sv := &child{addr: u.Host, data: *data, log: stderr}
		if err := sv.start(ctx); err != nil {
			return err
		}
		defer sv.stop()
		cfg.Restart = func() error { return sv.restart(ctx) }
		cfg.KillEvery, cfg.Kills = *killEvery, *kills
	}
	rep, err := server.Loadtest(ctx, cfg)
	if rep != nil {
		rep.Write(stdout)
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 || rep.Lost > 0 || rep.Duplicates > 0 {
		return fmt.Errorf("loadtest: %d problems, %d lost, %d duplicated", len(rep.Problems), rep.Lost, rep.Duplicates)
	}
	return nil
}

// child is a `barri serve` process of this binary that the crash test
// kills and restarts.
type child struct {
	addr, data string
	log        io.Writer
	mu         sync.Mutex
	cmd        *exec.Cmd
	exited     chan struct{}
}

func (c *child) start(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("loadtest: %v", err)
	}
	// Binding the address may fail for a moment after a kill: retry.
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command(exe, "serve", "--addr", c.addr, "--data", c.data, "--log", "warn")
		cmd.Stdout, cmd.Stderr = io.Discard, c.log
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("loadtest: starting the server: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if waitHealthy(ctx, "http://"+c.addr, exited, 10*time.Second) == nil {
			c.mu.Lock()
			c.cmd, c.exited = cmd, exited
			c.mu.Unlock()
			return nil
		}
		cmd.Process.Kill()
		<-exited
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("loadtest: the server on %s did not become healthy", c.addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitHealthy polls /healthz until it answers or the process exits.
func waitHealthy(ctx context.Context, base string, exited <-chan struct{}, limit time.Duration) error {
	hc := &http.Client{Timeout: time.Second}
	end := time.Now().Add(limit)
	for time.Now().Before(end) && ctx.Err() == nil {
		resp, err := hc.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("loadtest: the server exited")
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("loadtest: the server did not answer /healthz within %v", limit)
}

// restart SIGKILLs the server and starts it again on the same data.
func (c *child) restart(ctx context.Context) error {
	c.stop()
	return c.start(ctx)
}

func (c *child) stop() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.cmd = nil
	c.mu.Unlock()
	if cmd != nil {
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
}
