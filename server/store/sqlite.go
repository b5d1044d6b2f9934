package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

const schema = `
CREATE TABLE IF NOT EXISTS workshops (
	id TEXT PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	facilitator_hash BLOB NOT NULL,
	projector_hash BLOB NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
	workshop TEXT NOT NULL REFERENCES workshops(id),
	seq INTEGER NOT NULL,
	body BLOB NOT NULL,
	hash TEXT NOT NULL,
	PRIMARY KEY (workshop, seq)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
	BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
	BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE IF NOT EXISTS names (
	workshop TEXT NOT NULL,
	participant TEXT NOT NULL,
	name TEXT NOT NULL,
	salt BLOB NOT NULL,
	PRIMARY KEY (workshop, participant)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
	workshop TEXT NOT NULL,
	actor TEXT NOT NULL,
	hash BLOB NOT NULL,
	PRIMARY KEY (workshop, actor)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
	workshop TEXT PRIMARY KEY,
	seq INTEGER NOT NULL,
	state BLOB NOT NULL
);
`

// SQLite is the Store on one SQLite file in WAL mode with synchronous=FULL
// and secure_delete (after an erasure the WAL is checkpointed and emptied,
// so the erased name is in no file).
// Appends go through one writer goroutine that commits whatever has
// arrived meanwhile in one transaction (group commit: one fsync for many
// events, from any workshops); each append still succeeds or fails alone.
type SQLite struct {
	db *sql.DB
	// wmu is held by every write transaction of this process (the
	// writer's group commits, Create, SaveSnapshot), so that they take
	// turns here, in order, instead of in SQLite's busy handler: it retries
	// with sleeps and no queue, and under a steady stream of commits a
	// waiting Create could lose every retry for the whole busy_timeout.
	wmu      sync.Mutex
	reqs     chan *appendReq
	done     chan struct{}
	closeMu  sync.RWMutex
	closed   bool
	onCommit func(d time.Duration, appends int)
}

type appendReq struct {
	workshop string
	recs     []Record
	err      chan error
}

// Options tune a SQLite store.
type Options struct {
	// OnCommit, if set, is called after each group commit with its
	// duration and the number of appends it held (for metrics).
	OnCommit func(d time.Duration, appends int)
	// MaxBatch bounds the appends in one group commit (default 256).
	MaxBatch int
	// MaxPages, if set, bounds the database file to this many pages of
	// 4 KiB (PRAGMA max_page_count): a quota, and how the tests make a
	// full disk.
	MaxPages int
}

// Open opens (creating if needed) the SQLite store at path.
func Open(path string, opt Options) (*SQLite, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %v", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)",
		// Deleted content is overwritten with zeros, so that an erased
		// display name is not left readable in a free page.
		"secure_delete(1)"} {
		q.Add("_pragma", p)
	}
	if opt.MaxPages > 0 {
		q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", opt.MaxPages))
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %v", path, err)
	}
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: creating the schema: %v", path, err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("store: %s: journal mode %q, want wal (%v)", path, mode, err)
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	s := &SQLite{db: db, reqs: make(chan *appendReq, 1024), done: make(chan struct{}), onCommit: opt.OnCommit}
	go s.writer(opt.MaxBatch)
	return s, nil
}

func (s *SQLite) writer(maxBatch int) {
	defer close(s.done)
	for first := range s.reqs {
		batch := []*appendReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// commit writes a batch of appends in one transaction, each inside its own
// savepoint so that one failing append does not take the others with it.
// SQLite rolls back the whole transaction by itself on some errors (a full
// disk, an I/O error): when an append's savepoint cannot be rolled back,
// that append fails and the others are written again in a new transaction,
// so that no append is ever reported failed though stored, or stored
// outside the batch's transaction.
func (s *SQLite) commit(batch []*appendReq) {
	for len(batch) > 0 {
		batch = s.commitOnce(batch)
	}
}

// commitOnce tries a batch once. It answers every append and returns nil,
// or answers the one append that broke the transaction and returns the
// others, none of them written, to be tried again.
func (s *SQLite) commitOnce(batch []*appendReq) (again []*appendReq) {
	start := time.Now()
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, r := range batch {
			r.err <- err
		}
	}
	ctx := context.Background()
	s.wmu.Lock() // before taking a connection: a writer waiting here holds none
	defer s.wmu.Unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		fail(fmt.Errorf("store: %v", err))
		return nil
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		fail(fmt.Errorf("store: begin: %v", err))
		return nil
	}
	broken := func(i int, err error) []*appendReq {
		conn.ExecContext(ctx, "ROLLBACK") // fails if SQLite rolled back already
		batch[i].err <- err
		return append(append([]*appendReq(nil), batch[:i]...), batch[i+1:]...)
	}
	for i, r := range batch {
		if _, err := conn.ExecContext(ctx, "SAVEPOINT a"); err != nil {
			return broken(i, fmt.Errorf("store: %v", err))
		}
		errs[i] = appendTx(ctx, conn, r.workshop, r.recs)
		if errs[i] != nil {
			// The savepoint is gone if SQLite rolled back the whole
			// transaction: this append broke the batch.
			if _, err := conn.ExecContext(ctx, "ROLLBACK TO a"); err != nil {
				return broken(i, errs[i])
			}
		}
		if _, err := conn.ExecContext(ctx, "RELEASE a"); err != nil {
			return broken(i, fmt.Errorf("store: %v", err))
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		conn.ExecContext(ctx, "ROLLBACK")
		fail(fmt.Errorf("store: commit: %v", err))
		return nil
	}
	if s.onCommit != nil {
		s.onCommit(time.Since(start), len(batch))
	}
	erased := false
	for i, r := range batch {
		r.err <- errs[i]
		for _, rec := range r.recs {
			erased = erased || (errs[i] == nil && rec.Erase != "")
		}
	}
	if erased {
		// The WAL still holds the pages as they were before the erasure:
		// copy it into the database and empty it. Best effort: a
		// checkpoint that fails now is done by a later one.
		conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func appendTx(ctx context.Context, tx execer, workshop string, recs []Record) error {
	var last sql.NullInt64
	var exists int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM workshops WHERE id = ?", workshop).Scan(&exists); err != nil {
		return fmt.Errorf("store: %v", err)
	}
	if exists == 0 {
		return fmt.Errorf("store: workshop %q: %w", workshop, ErrNotFound)
	}
	if err := tx.QueryRowContext(ctx, "SELECT max(seq) FROM events WHERE workshop = ?", workshop).Scan(&last); err != nil {
		return fmt.Errorf("store: %v", err)
	}
	next := last.Int64 + 1
	for _, r := range recs {
		if r.Seq != next {
			return fmt.Errorf("store: workshop %s: record %d does not follow %d: %w", workshop, r.Seq, next-1, ErrConflict)
		}
		if len(r.Body) == 0 || r.Hash == "" {
			return fmt.Errorf("store: workshop %s: record %d has no body or hash", workshop, r.Seq)
		}
		next++
		if _, err := tx.ExecContext(ctx, "INSERT INTO events (workshop, seq, body, hash) VALUES (?, ?, ?, ?)",
			workshop, r.Seq, r.Body, r.Hash); err != nil {
			return fmt.Errorf("store: %v", err)
		}
		if n := r.Name; n != nil {
			if _, err := tx.ExecContext(ctx, "INSERT INTO names (workshop, participant, name, salt) VALUES (?, ?, ?, ?)",
				workshop, n.Participant, n.Name, n.Salt); err != nil {
				return fmt.Errorf("store: %v", err)
			}
		}
		if t := r.Token; t != nil {
			if _, err := tx.ExecContext(ctx, "INSERT INTO tokens (workshop, actor, hash) VALUES (?, ?, ?)",
				workshop, t.Actor, t.Hash); err != nil {
				return fmt.Errorf("store: %v", err)
			}
		}
		if r.Erase != "" {
			if _, err := tx.ExecContext(ctx, "DELETE FROM names WHERE workshop = ? AND participant = ?", workshop, r.Erase); err != nil {
				return fmt.Errorf("store: %v", err)
			}
		}
	}
	return nil
}

func (s *SQLite) enter() error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	return nil
}

func (s *SQLite) leave() { s.closeMu.RUnlock() }

// Append implements Store: it waits for the group commit that holds it.
func (s *SQLite) Append(ctx context.Context, workshop string, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := s.enter(); err != nil {
		return err
	}
	r := &appendReq{workshop: workshop, recs: recs, err: make(chan error, 1)}
	s.reqs <- r
	s.leave()
	// The append is committed or not whatever the context says: wait for
	// the outcome so that the caller never mistakes a durable event for a
	// lost one.
	return <-r.err
}

// Create implements Store.
func (s *SQLite) Create(ctx context.Context, w Workshop, first Record) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if first.Seq != 1 {
		return fmt.Errorf("store: a workshop's first record is 1, not %d: %w", first.Seq, ErrConflict)
	}
	// BEGIN IMMEDIATE takes the write lock first (waiting busy_timeout
	// for it): a deferred transaction that read first could not upgrade
	// while the writer commits, and would fail with SQLITE_BUSY at once.
	s.wmu.Lock() // before taking a connection: a writer waiting here holds none
	defer s.wmu.Unlock()
	tx, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %v", err)
	}
	defer tx.Close()
	if _, err := tx.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("store: begin: %v", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM workshops WHERE id = ? OR code = ?", w.ID, w.Code).Scan(&n); err != nil {
		return fmt.Errorf("store: %v", err)
	}
	if n > 0 {
		return fmt.Errorf("store: workshop %s or code %s: %w", w.ID, w.Code, ErrExists)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO workshops (id, code, facilitator_hash, projector_hash, created) VALUES (?, ?, ?, ?, ?)",
		w.ID, w.Code, w.FacilitatorHash, w.ProjectorHash, w.Created); err != nil {
		return fmt.Errorf("store: %v", err)
	}
	if err := appendTx(ctx, tx, w.ID, []Record{first}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("store: commit: %v", err)
	}
	committed = true
	return nil
}

func (s *SQLite) workshop(ctx context.Context, where string, arg string) (Workshop, error) {
	if err := s.enter(); err != nil {
		return Workshop{}, err
	}
	defer s.leave()
	var w Workshop
	err := s.db.QueryRowContext(ctx, "SELECT id, code, facilitator_hash, projector_hash, created FROM workshops WHERE "+where+" = ?", arg).
		Scan(&w.ID, &w.Code, &w.FacilitatorHash, &w.ProjectorHash, &w.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("store: workshop %s %q: %w", where, arg, ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("store: %v", err)
	}
	return w, nil
}

// Workshop implements Store.
func (s *SQLite) Workshop(ctx context.Context, id string) (Workshop, error) {
	return s.workshop(ctx, "id", id)
}

// ByCode implements Store.
func (s *SQLite) ByCode(ctx context.Context, code string) (Workshop, error) {
	return s.workshop(ctx, "code", code)
}

// Workshops implements Store.
func (s *SQLite) Workshops(ctx context.Context) ([]string, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM workshops ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: %v", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: %v", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Events implements Store.
func (s *SQLite) Events(ctx context.Context, workshop string, after int64, fn func(Record) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	rows, err := s.db.QueryContext(ctx, `SELECT e.seq, e.body, e.hash, n.participant, n.name, n.salt
		FROM events e LEFT JOIN names n ON n.workshop = e.workshop AND n.participant = 'u' || e.seq
		WHERE e.workshop = ? AND e.seq > ? ORDER BY e.seq`, workshop, after)
	if err != nil {
		return fmt.Errorf("store: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Record
		var part, name sql.NullString
		var salt []byte
		if err := rows.Scan(&r.Seq, &r.Body, &r.Hash, &part, &name, &salt); err != nil {
			return fmt.Errorf("store: %v", err)
		}
		if part.Valid {
			r.Name = &Name{Participant: part.String, Name: name.String, Salt: salt}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Names implements Store.
func (s *SQLite) Names(ctx context.Context, workshop string) ([]Name, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	rows, err := s.db.QueryContext(ctx, `SELECT participant, name, salt FROM names WHERE workshop = ?
		ORDER BY CAST(substr(participant, 2) AS INTEGER)`, workshop)
	if err != nil {
		return nil, fmt.Errorf("store: %v", err)
	}
	defer rows.Close()
	var out []Name
	for rows.Next() {
		var n Name
		if err := rows.Scan(&n.Participant, &n.Name, &n.Salt); err != nil {
			return nil, fmt.Errorf("store: %v", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Token implements Store.
func (s *SQLite) Token(ctx context.Context, workshop, actor string) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	var h []byte
	err := s.db.QueryRowContext(ctx, "SELECT hash FROM tokens WHERE workshop = ? AND actor = ?", workshop, actor).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: token of %s in %s: %w", actor, workshop, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %v", err)
	}
	return h, nil
}

// SaveSnapshot implements Store.
func (s *SQLite) SaveSnapshot(ctx context.Context, workshop string, seq int64, state []byte) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO snapshots (workshop, seq, state) VALUES (?, ?, ?)
		ON CONFLICT (workshop) DO UPDATE SET seq = excluded.seq, state = excluded.state WHERE excluded.seq > snapshots.seq`,
		workshop, seq, state)
	if err != nil {
		return fmt.Errorf("store: %v", err)
	}
	return nil
}

// Snapshot implements Store.
func (s *SQLite) Snapshot(ctx context.Context, workshop string) (int64, []byte, error) {
	if err := s.enter(); err != nil {
		return 0, nil, err
	}
	defer s.leave()
	var seq int64
	var state []byte
	err := s.db.QueryRowContext(ctx, "SELECT seq, state FROM snapshots WHERE workshop = ?", workshop).Scan(&seq, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("store: snapshot of %s: %w", workshop, ErrNotFound)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: %v", err)
	}
	return seq, state, nil
}

// Close implements Store: pending appends are committed first.
func (s *SQLite) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.closeMu.Unlock()
	<-s.done
	return s.db.Close()
}
