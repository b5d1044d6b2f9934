package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/barri-city/barri/server"
	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/workshop"
)

// buildBarri builds the real binary once per test run.
func buildBarri(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "barri")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestCrash is the short crash test: the real `barri serve` under load
// from participants is SIGKILLed at random moments and restarted on the
// same data; no acknowledged event may be lost or applied twice and every
// client must converge to the server's state (barri loadtest checks all
// three and exits 1 otherwise). The long version: make crash.
func TestCrash(t *testing.T) {
	bin := buildBarri(t)
	kills := 8
	if s := os.Getenv("BARRI_CRASH_KILLS"); s != "" {
		kills, _ = strconv.Atoi(s)
	}
	addr := freeAddr(t)
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "loadtest", "--participants", "12", "--rate", "30", "--duration", "2s", "--proposals", "4",
		"--kill-every", "400ms", "--kills", strconv.Itoa(kills), "--data", t.TempDir(), "--timeout", "5m", "http://"+addr)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	t.Logf("barri loadtest:\n%s", out.String())
	if err != nil {
		t.Fatalf("crash test failed: %v\n%s", err, errb.String())
	}
	for _, want := range []string{"lost: 0, duplicates: 0", "kills: " + strconv.Itoa(kills), "converged: 13 of 13"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestServeShutsDownOnSIGTERM runs the real binary, makes a workshop and
// a join, and stops it with SIGTERM: it exits 0 after closing sockets.
func TestServeShutsDownOnSIGTERM(t *testing.T) {
	bin := buildBarri(t)
	addr := freeAddr(t)
	data := t.TempDir()
	var out bytes.Buffer
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data)
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitHealthy(ctx, "http://"+addr, make(chan struct{}), 20*time.Second); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	w, err := server.CreateWorkshop(ctx, nil, "http://"+addr, server.CreateRequest{Title: "T", City: "eixample", Voting: workshop.Voting{Rule: "single"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := server.Dial(ctx, "http://"+addr, w.ID, w.FacilitatorToken, server.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("barri serve after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("barri serve did not stop within 20 s of SIGTERM")
	}
	<-c.Done()
	if !strings.Contains(out.String(), "barri serve: stopped") {
		t.Errorf("output %q", out.String())
	}
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	// A log made by a real server.
	st := newLogFixture(t)
	good := filepath.Join(dir, "log.json")
	os.WriteFile(good, st, 0o600)
	out, stderr, code := barri(t, "verify", good)
	if code != 0 || !strings.Contains(out, "events verify") {
		t.Fatalf("verify a good log: exit %d\n%s%s", code, out, stderr)
	}
	// The head a participant kept: matched, or not.
	var l struct{ Events []workshop.LogEntry }
	if err := json.Unmarshal(st, &l); err != nil || len(l.Events) < 3 {
		t.Fatalf("log fixture: %v", err)
	}
	head := l.Events[2]
	if out, stderr, code := barri(t, "verify", "--head", fmt.Sprintf("%d:%s", head.Seq, head.Hash), good); code != 0 || !strings.Contains(out, "matches the head") {
		t.Fatalf("verify with the kept head: exit %d\n%s%s", code, out, stderr)
	}
	other := l.Events[1].Hash
	if _, stderr, code := barri(t, "verify", "--head", fmt.Sprintf("%d:%s", head.Seq, other), good); code != 2 || !strings.Contains(stderr, "not the head's") {
		t.Fatalf("verify with another head: exit %d %q, want 2", code, stderr)
	}
	if _, stderr, code := barri(t, "verify", "--head", fmt.Sprintf("%d:%s", 99999, head.Hash), good); code != 2 || !strings.Contains(stderr, "events were dropped") {
		t.Fatalf("verify with a head beyond the log: exit %d %q, want 2", code, stderr)
	}
	// One byte changed inside event 3's record.
	lines := bytes.Split(st, []byte("\n"))
	i := bytes.Index(lines[3], []byte(`"type":"`)) + len(`"type":"`)
	lines[3][i] ^= 0x20
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Join(lines, []byte("\n")), 0o600)
	_, stderr, code = barri(t, "verify", bad)
	if code != 2 || !strings.Contains(stderr, "event 3:") {
		t.Fatalf("verify a changed log: exit %d, %q; want 2 naming event 3", code, stderr)
	}
	_, stderr, code = barri(t, "verify", filepath.Join(dir, "missing.json"))
	if code != 2 {
		t.Fatalf("verify a missing file: exit %d %s", code, stderr)
	}
}

// newLogFixture runs a small workshop on an in-process server and returns
// its exported log.json.
func newLogFixture(t *testing.T) []byte {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "barri.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, _ := server.New(server.Config{Store: st})
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := server.CreateWorkshop(ctx, nil, hs.URL, server.CreateRequest{Title: "T", City: "eixample", Voting: workshop.Voting{Rule: "single"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Pau", "Laia"} {
		if _, err := server.JoinWorkshop(ctx, nil, hs.URL, w.Code, n); err != nil {
			t.Fatal(err)
		}
	}
	c, err := server.Dial(ctx, hs.URL, w.ID, w.FacilitatorToken, server.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Do(ctx, &workshop.ClientMessage{Type: "phase", Cid: "1", Phase: workshop.PhasePropose}); err != nil || r.Type != "ack" {
		t.Fatalf("phase: %v %+v", err, r)
	}
	data, err := server.GetExport(ctx, nil, hs.URL, w.ID, w.FacilitatorToken, "log.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestServeAndLoadtestBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "extra"},
		{"serve", "--addr", "not an address"},
		{"serve", "--log", "loud"},
		{"loadtest"},
		{"loadtest", "ftp://127.0.0.1:1"},
		{"loadtest", "--kill-every", "1s", "http://127.0.0.1:1"},
		{"verify"},
	} {
		if _, stderr, code := barri(t, args...); code != 2 {
			t.Errorf("barri %v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}
