package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/barri-city/barri/server"
	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/workshop"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--addr 127.0.0.1:8080] [--data ./barri-data] [flags]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", "./barri-data", "directory of the workshop database (SQLite, WAL)")
	public := fs.String("url", "", "public base URL for the links handed out (default http://ADDR)")
	cities := fs.String("cities", "eixample", "comma-separated cities workshops may use")
	workers := fs.Int("workers", 2, "proposal evaluation workers")
	logLevel := fs.String("log", "info", "log level: debug, info, warn, error")
	demo := fs.Bool("demo", false, "create a demo workshop and print its facilitator link")
	cpuProfile := fs.String("cpuprofile", "", "write the server's CPU profile to this file (from start to shutdown by SIGTERM or SIGINT)")
	var origins stringList
	fs.Var(&origins, "origin", "extra allowed WebSocket Origin host pattern (repeatable), e.g. barri.example.org")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badInput("serve takes no arguments, got %q", pos[0])
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return badInput("serve: --log %q: use debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return badInput("serve: --cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return badInput("serve: --cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return badInput("serve: --addr %s: %v", *addr, err)
	}
	// local is where this process reaches its own server; base is the
	// address the links it hands out carry (--url, else the listening
	// address, else, listening on every interface, this machine's
	// first LAN address: 0.0.0.0 in a link or a QR code reaches nothing).
	local, base := "http://"+ln.Addr().String(), *public
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		port := strconv.Itoa(tcp.Port)
		local = "http://127.0.0.1:" + port
		if base == "" {
			lan := lanAddress()
			base = "http://" + net.JoinHostPort(lan, port)
			fmt.Fprintf(stdout, "barri serve: listening on every interface; links use %s (set --url to another)\n", lan)
		}
	}
	if base == "" {
		base = local
	}
	var srvRef atomic.Pointer[server.Server]
	st, err := store.Open(filepath.Join(*data, "barri.db"), store.Options{OnCommit: func(d time.Duration, n int) {
		if s := srvRef.Load(); s != nil {
			s.ObserveCommit(d.Seconds(), n)
		}
	}})
	if err != nil {
		ln.Close()
		return err
	}
	srv, err := server.New(server.Config{Store: st, BaseURL: base, Cities: strings.Split(*cities, ","),
		Origins: origins, Workers: *workers, Logger: logger})
	if err != nil {
		st.Close()
		ln.Close()
		return err
	}
	srvRef.Store(srv)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: 64 << 10, ErrorLog: server.ErrorLog(logger)}

	fmt.Fprintf(stdout, "barri serve: %s (data in %s)\n", base, *data)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	if *demo {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		w, err := server.CreateWorkshop(ctx, nil, local, server.CreateRequest{
			Title: "Taller de demostració", City: strings.Split(*cities, ",")[0], Voting: workshop.Voting{Rule: workshop.RuleDots, Dots: 3}})
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "barri serve: demo workshop: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "demo workshop %s: facilitator %s\n  participants join with code %s at %s\n  projector %s\n",
				w.ID, w.FacilitatorURL, w.Code, w.JoinURL, w.ProjectorURL)
		}
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sig)
	select {
	case err := <-served:
		srv.Close()
		st.Close()
		return fmt.Errorf("serve: %v", err)
	case s := <-sig:
		logger.Info("shutting down", "signal", s.String())
	}
	// Stop accepting, let plain requests finish, then let every hub store
	// what it holds and close its sockets with a reason; then the store.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("shutdown", "err", err)
	}
	srv.Close()
	if err := st.Close(); err != nil {
		return fmt.Errorf("serve: closing the store: %v", err)
	}
	fmt.Fprintln(stdout, "barri serve: stopped")
	return nil
}

func cmdVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", "verify [--head SEQ:HASH] LOG.json...", stderr)
	headFlag := fs.String("head", "", "also check that the log's event SEQ has chain hash HASH (the head a participant's device kept)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var headSeq int64
	var headHash string
	if *headFlag != "" {
		s, h, ok := strings.Cut(*headFlag, ":")
		n, perr := strconv.ParseInt(s, 10, 64)
		if !ok || perr != nil || n < 1 || len(h) != 64 {
			return badInput("verify: --head %q: give SEQ:HASH, a sequence number and a 64-digit hex hash", *headFlag)
		}
		headSeq, headHash = n, strings.ToLower(h)
	}
	if len(pos) == 0 {
		fs.Usage()
		return badInput("verify: name an exported log.json")
	}
	for _, path := range pos {
		data, err := os.ReadFile(path)
		if err != nil {
			return badInput("verify: %v", err)
		}
		id, st, err := workshop.VerifyLog(data)
		if err != nil {
			return badInput("%s: %v", path, err)
		}
		if headSeq > 0 {
			var l struct{ Events []workshop.LogEntry }
			json.Unmarshal(data, &l) // VerifyLog read it
			if headSeq > int64(len(l.Events)) {
				return badInput("%s: the log has %d events, none at the head's %d: events were dropped", path, len(l.Events), headSeq)
			}
			if got := l.Events[headSeq-1].Hash; got != headHash {
				return badInput("%s: event %d has hash %s, not the head's %s: the log was changed", path, headSeq, got, headHash)
			}
			fmt.Fprintf(stdout, "%s: event %d matches the head %.12s…\n", path, headSeq, headHash)
		}
		fmt.Fprintf(stdout, "%s: workshop %s: %d events verify (hash chain and rules); phase %s, %d participants, %d proposals\n",
			path, id, st.Seq, st.Phase, len(st.Participants()), len(st.Proposals()))
	}
	return nil
}

// lanAddress returns this machine's first IPv4 address outside loopback
// (in the interfaces' order), or 127.0.0.1 when it has none.
func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "127.0.0.1"
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return "127.0.0.1"
}
