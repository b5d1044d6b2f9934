package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/server/store/storetest"
)

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, func() store.Store) {
		path := filepath.Join(t.TempDir(), "barri.db")
		s, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cur := store.Store(s)
		t.Cleanup(func() { cur.Close() })
		return s, func() store.Store {
			cur.Close()
			s2, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cur = s2
			return s2
		}
	})
}

// TestSQLiteFullConformance runs the full-disk cases on a file bounded by
// PRAGMA max_page_count.
func TestSQLiteFullConformance(t *testing.T) {
	storetest.RunFull(t, func(t *testing.T) store.Store {
		s, err := store.Open(filepath.Join(t.TempDir(), "barri.db"), store.Options{MaxPages: 50})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestGroupCommit checks that appends arriving together share commits:
// 200 concurrent appends take far fewer than 200 transactions.
func TestGroupCommit(t *testing.T) {
	var mu sync.Mutex
	commits, appends := 0, 0
	s, err := store.Open(filepath.Join(t.TempDir(), "barri.db"), store.Options{OnCommit: func(d time.Duration, n int) {
		mu.Lock()
		commits++
		appends += n
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const n = 200
	for i := 0; i < n; i++ {
		id := fmt.Sprint("w", i)
		if err := s.Create(ctx, store.Workshop{ID: id, Code: id, FacilitatorHash: []byte{1}, ProjectorHash: []byte{2}},
			store.Record{Seq: 1, Body: []byte("{}"), Hash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			if err := s.Append(ctx, id, []store.Record{{Seq: 2, Body: []byte("{}"), Hash: "h2"}}); err != nil {
				t.Error(err)
			}
		}(fmt.Sprint("w", i))
	}
	wg.Wait()
	if appends != n || commits >= n/2 {
		t.Fatalf("%d appends in %d commits: not grouped", appends, commits)
	}
	t.Logf("%d appends in %d commits", appends, commits)
}
