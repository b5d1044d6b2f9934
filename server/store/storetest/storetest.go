// Package storetest is the conformance suite of store.Store: any store
// (SQLite today, PostgreSQL later) must pass Run.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/barri-city/barri/server/store"
)

// Open returns a fresh, empty store for one test. Reopen, if not nil,
// closes the store and opens it again on the same data (to check
// durability).
type Open func(t *testing.T) (s store.Store, reopen func() store.Store)

func rec(seq int64) store.Record {
	return store.Record{Seq: seq, Body: []byte(fmt.Sprintf(`{"seq":%d}`, seq)), Hash: fmt.Sprintf("h%d", seq)}
}

func workshop(id string) store.Workshop {
	return store.Workshop{ID: id, Code: "C" + id, FacilitatorHash: []byte("f" + id), ProjectorHash: []byte("v" + id), Created: 1}
}

func seqs(t *testing.T, s store.Store, id string, after int64) []int64 {
	t.Helper()
	var out []int64
	if err := s.Events(context.Background(), id, after, func(r store.Record) error {
		out = append(out, r.Seq)
		return nil
	}); err != nil {
		t.Fatalf("Events: %v", err)
	}
	return out
}

// Run runs the conformance suite.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	t.Run("CreateAndRead", func(t *testing.T) {
		s, _ := open(t)
		if err := s.Create(ctx, workshop("w1"), rec(1)); err != nil {
			t.Fatal(err)
		}
		w, err := s.Workshop(ctx, "w1")
		if err != nil || w.Code != "Cw1" || !bytes.Equal(w.FacilitatorHash, []byte("fw1")) {
			t.Fatalf("Workshop = %+v, %v", w, err)
		}
		if w, err := s.ByCode(ctx, "Cw1"); err != nil || w.ID != "w1" {
			t.Fatalf("ByCode = %+v, %v", w, err)
		}
		if _, err := s.Workshop(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown workshop: %v, want ErrNotFound", err)
		}
		if _, err := s.ByCode(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown code: %v, want ErrNotFound", err)
		}
	})
	t.Run("CreateTwiceFails", func(t *testing.T) {
		s, _ := open(t)
		if err := s.Create(ctx, workshop("w1"), rec(1)); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, workshop("w1"), rec(1)); !errors.Is(err, store.ErrExists) {
			t.Fatalf("same id: %v, want ErrExists", err)
		}
		other := workshop("w2")
		other.Code = "Cw1"
		if err := s.Create(ctx, other, rec(1)); !errors.Is(err, store.ErrExists) {
			t.Fatalf("same code: %v, want ErrExists", err)
		}
	})
	t.Run("AppendInOrder", func(t *testing.T) {
		s, _ := open(t)
		s.Create(ctx, workshop("w1"), rec(1))
		if err := s.Append(ctx, "w1", []store.Record{rec(2), rec(3)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, "w1", []store.Record{rec(4)}); err != nil {
			t.Fatal(err)
		}
		if got := seqs(t, s, "w1", 0); fmt.Sprint(got) != "[1 2 3 4]" {
			t.Fatalf("events %v", got)
		}
		if got := seqs(t, s, "w1", 2); fmt.Sprint(got) != "[3 4]" {
			t.Fatalf("events after 2: %v", got)
		}
	})
	t.Run("AppendGapOrRepeatConflicts", func(t *testing.T) {
		s, _ := open(t)
		s.Create(ctx, workshop("w1"), rec(1))
		for _, bad := range [][]store.Record{{rec(1)}, {rec(3)}, {rec(2), rec(4)}, {rec(2), rec(2)}} {
			if err := s.Append(ctx, "w1", bad); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("append %d..: %v, want ErrConflict", bad[0].Seq, err)
			}
		}
		if got := seqs(t, s, "w1", 0); fmt.Sprint(got) != "[1]" {
			t.Fatalf("a failed append left events: %v", got)
		}
	})
	t.Run("AppendUnknownWorkshop", func(t *testing.T) {
		s, _ := open(t)
		if err := s.Append(ctx, "nope", []store.Record{rec(1)}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%v, want ErrNotFound", err)
		}
	})
	t.Run("BodiesKeptExactly", func(t *testing.T) {
		s, _ := open(t)
		body := []byte("{\"text\":\"<script>alert(1)</script> \\u00e9\"}\n")
		s.Create(ctx, workshop("w1"), store.Record{Seq: 1, Body: body, Hash: "abc"})
		s.Events(ctx, "w1", 0, func(r store.Record) error {
			if !bytes.Equal(r.Body, body) || r.Hash != "abc" {
				t.Errorf("record %q %q", r.Body, r.Hash)
			}
			return nil
		})
	})
	t.Run("NamesBesideTheLogAndErasure", func(t *testing.T) {
		s, _ := open(t)
		s.Create(ctx, workshop("w1"), rec(1))
		j := rec(2)
		j.Name = &store.Name{Participant: "u2", Name: "Núria", Salt: []byte("salt")}
		j.Token = &store.Token{Actor: "u2", Hash: []byte("tok")}
		if err := s.Append(ctx, "w1", []store.Record{j}); err != nil {
			t.Fatal(err)
		}
		var got *store.Name
		s.Events(ctx, "w1", 1, func(r store.Record) error { got = r.Name; return nil })
		if got == nil {
			t.Fatalf("no name with the joined record")
		}
		if got == nil || got.Name != "Núria" || string(got.Salt) != "salt" {
			t.Fatalf("name %+v", got)
		}
		if h, err := s.Token(ctx, "w1", "u2"); err != nil || string(h) != "tok" {
			t.Fatalf("token %q %v", h, err)
		}
		if _, err := s.Token(ctx, "w1", "u9"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		j3 := rec(3)
		j3.Name = &store.Name{Participant: "u3", Name: "Pol", Salt: []byte("s3")}
		if err := s.Append(ctx, "w1", []store.Record{j3}); err != nil {
			t.Fatal(err)
		}
		if names, err := s.Names(ctx, "w1"); err != nil || len(names) != 2 || names[0].Name != "Núria" || names[1].Name != "Pol" {
			t.Fatalf("Names = %+v, %v", names, err)
		}
		e := rec(4)
		e.Erase = "u2"
		if err := s.Append(ctx, "w1", []store.Record{e}); err != nil {
			t.Fatal(err)
		}
		got = nil
		var n int
		s.Events(ctx, "w1", 0, func(r store.Record) error {
			n++
			if r.Name != nil {
				if r.Name.Participant == "u2" {
					t.Errorf("erased name returned")
				}
				got = r.Name
			}
			return nil
		})
		if got == nil || got.Name != "Pol" || n != 4 {
			t.Fatalf("after erasure: name %+v, %d events", got, n)
		}
		if names, _ := s.Names(ctx, "w1"); len(names) != 1 || names[0].Participant != "u3" {
			t.Fatalf("Names after erasure = %+v", names)
		}
	})
	t.Run("FailedAppendWritesNoName", func(t *testing.T) {
		s, _ := open(t)
		s.Create(ctx, workshop("w1"), rec(1))
		j := rec(5)
		j.Token = &store.Token{Actor: "u5", Hash: []byte("tok")}
		if err := s.Append(ctx, "w1", []store.Record{j}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("%v", err)
		}
		if _, err := s.Token(ctx, "w1", "u5"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused append stored its token: %v", err)
		}
	})
	t.Run("ConcurrentAppendsAcrossWorkshops", func(t *testing.T) {
		s, _ := open(t)
		const ws, each = 8, 40
		for i := 0; i < ws; i++ {
			s.Create(ctx, workshop(fmt.Sprint("w", i)), rec(1))
		}
		var wg sync.WaitGroup
		errs := make(chan error, ws)
		for i := 0; i < ws; i++ {
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				for seq := int64(2); seq < 2+each; seq++ {
					if err := s.Append(ctx, id, []store.Record{rec(seq)}); err != nil {
						errs <- err
						return
					}
				}
			}(fmt.Sprint("w", i))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := 0; i < ws; i++ {
			if got := seqs(t, s, fmt.Sprint("w", i), 0); len(got) != each+1 {
				t.Fatalf("workshop %d has %d events", i, len(got))
			}
		}
		ids, err := s.Workshops(ctx)
		if err != nil || len(ids) != ws {
			t.Fatalf("Workshops = %v, %v", ids, err)
		}
	})
	t.Run("RacingAppendsOneWins", func(t *testing.T) {
		s, _ := open(t)
		s.Create(ctx, workshop("w1"), rec(1))
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Append(ctx, "w1", []store.Record{rec(2)}); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, store.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d appends of record 2 succeeded, want 1", wins)
		}
	})
	t.Run("CreateWhileAppending", func(t *testing.T) {
		s, _ := open(t)
		for g := 0; g < 4; g++ {
			if err := s.Create(ctx, workshop(fmt.Sprint("busy", g)), rec(1)); err != nil {
				t.Fatal(err)
			}
		}
		// Four workshops append without a pause while 40 are created.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			id := fmt.Sprint("busy", g)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seq := int64(2); ; seq++ {
					select {
					case <-stop:
						return
					default:
					}
					if err := s.Append(ctx, id, []store.Record{rec(seq)}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		var cw sync.WaitGroup
		for i := 0; i < 40; i++ {
			cw.Add(1)
			go func(i int) {
				defer cw.Done()
				if err := s.Create(ctx, workshop(fmt.Sprint("new", i)), rec(1)); err != nil {
					t.Errorf("create %d while others append: %v", i, err)
				}
			}(i)
		}
		cw.Wait()
		close(stop)
		wg.Wait()
	})
	t.Run("Snapshots", func(t *testing.T) {
		s, _ := open(t)
		s.Create(ctx, workshop("w1"), rec(1))
		if _, _, err := s.Snapshot(ctx, "w1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no snapshot: %v", err)
		}
		s.SaveSnapshot(ctx, "w1", 10, []byte("ten"))
		s.SaveSnapshot(ctx, "w1", 5, []byte("five")) // older: ignored
		if seq, st, err := s.Snapshot(ctx, "w1"); err != nil || seq != 10 || string(st) != "ten" {
			t.Fatalf("snapshot %d %q %v", seq, st, err)
		}
	})
	t.Run("Durable", func(t *testing.T) {
		s, reopen := open(t)
		if reopen == nil {
			t.Skip("store cannot be reopened")
		}
		s.Create(ctx, workshop("w1"), rec(1))
		s.Append(ctx, "w1", []store.Record{rec(2), rec(3)})
		s = reopen()
		if got := seqs(t, s, "w1", 0); fmt.Sprint(got) != "[1 2 3]" {
			t.Fatalf("after reopening: %v", got)
		}
	})
	t.Run("ClosedRefuses", func(t *testing.T) {
		s, _ := open(t)
		s.Close()
		if err := s.Append(ctx, "w1", []store.Record{rec(1)}); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("append after close: %v", err)
		}
	})
}

// OpenFull returns a fresh, empty store that refuses to grow past about
// 200 KiB (a full disk): an append of 400 KB fails for want of space.
type OpenFull func(t *testing.T) store.Store

// RunFull runs the cases that need a store with little room left. An
// append that fails for want of space in a group commit must fail alone:
// every append reported stored is on disk, and every append reported
// failed wrote nothing.
func RunFull(t *testing.T, open OpenFull) {
	ctx := context.Background()
	t.Run("FullDiskFailsOnlyTheAppendThatDoesNotFit", func(t *testing.T) {
		s := open(t)
		const ws = 8
		big := make([]byte, 400<<10)
		for i := range big {
			big[i] = 'a' + byte(i%26)
		}
		next := make([]int64, ws)
		for i := 0; i < ws; i++ {
			if err := s.Create(ctx, workshop(fmt.Sprint("w", i)), rec(1)); err != nil {
				t.Fatal(err)
			}
			next[i] = 2
		}
		stored, refused := 0, 0
		for round := 0; round < 6; round++ {
			// Every workshop appends at once, one of them far too much:
			// the appends share group commits, the big one in the middle.
			errs := make([]error, ws)
			var wg sync.WaitGroup
			for i := 0; i < ws; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					r := rec(next[i])
					if i == ws/2 {
						r.Body = big
					}
					errs[i] = s.Append(ctx, fmt.Sprint("w", i), []store.Record{r})
				}(i)
			}
			wg.Wait()
			for i := 0; i < ws; i++ {
				on := seqs(t, s, fmt.Sprint("w", i), 0)
				onDisk := len(on) > 0 && on[len(on)-1] == next[i]
				switch {
				case errs[i] == nil && !onDisk:
					t.Fatalf("round %d, workshop w%d: append of %d reported stored, but the log holds %v", round, i, next[i], on)
				case errs[i] != nil && onDisk:
					t.Fatalf("round %d, workshop w%d: append of %d reported failed (%v), but it is on disk", round, i, next[i], errs[i])
				case errs[i] == nil:
					stored++
					next[i]++
				default:
					refused++
				}
				if int64(len(on)) != next[i]-1 {
					t.Fatalf("round %d, workshop w%d: log %v is not dense up to %d", round, i, on, next[i]-1)
				}
			}
			if errs[ws/2] == nil {
				t.Fatalf("round %d: an append of 400 KB fitted in a store of about 200 KiB", round)
			}
		}
		if stored == 0 {
			t.Fatalf("no append was stored beside the one that did not fit (%d refused)", refused)
		}
		t.Logf("%d appends stored, %d refused", stored, refused)
	})
}
