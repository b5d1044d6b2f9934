// Package store keeps workshops durably: an append-only log of events per
// workshop with a hash chain, the display names and token hashes kept
// beside it (outside the hashed record), and snapshots for a fast start.
// Store is the interface; Open returns the SQLite implementation, and
// package storetest is the conformance suite any other store must pass.
package store

import (
	"context"
	"errors"
)

// Errors a Store returns (test with errors.Is).
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	// ErrConflict is an append whose first sequence number does not follow
	// the log's last: another writer got there first, or the caller's view
	// of the log is stale.
	ErrConflict = errors.New("store: sequence number conflict")
	ErrClosed   = errors.New("store: closed")
)

// Workshop is a workshop's identity and secrets (hashed).
type Workshop struct {
	ID              string
	Code            string // the short join code
	FacilitatorHash []byte // SHA-256 of the facilitator's secret
	ProjectorHash   []byte // SHA-256 of the projector view's secret
	Created         int64  // milliseconds since 1970
}

// Record is one stored event: its sequence number, its hashed record (the
// event's JSON without the display name) and the chain hash after it.
// Name and Token are kept beside the log, written in the same transaction;
// Erase deletes a participant's name and salt in that transaction.
type Record struct {
	Seq   int64
	Body  []byte
	Hash  string
	Name  *Name
	Token *Token
	Erase string
}

// Name is a participant's display name and the salt of its hash.
type Name struct {
	Participant string
	Name        string
	Salt        []byte
}

// Token is the hash of an actor's secret token.
type Token struct {
	Actor string
	Hash  []byte
}

// Store keeps workshops. Every method is safe for concurrent use. Append
// returns only once the records are durable (on disk, synced).
type Store interface {
	// Create stores a new workshop with its first record (sequence 1).
	// ErrExists if the id or the code is taken.
	Create(ctx context.Context, w Workshop, first Record) error
	// Workshop returns a workshop by id, ByCode by join code (ErrNotFound).
	Workshop(ctx context.Context, id string) (Workshop, error)
	ByCode(ctx context.Context, code string) (Workshop, error)
	// Workshops lists the ids of all workshops, in order.
	Workshops(ctx context.Context) ([]string, error)
	// Append adds records to a workshop's log in one atomic step. The
	// first record's Seq must follow the log's last and the rest follow
	// on (ErrConflict otherwise; nothing is written). ErrNotFound for an
	// unknown workshop.
	Append(ctx context.Context, workshop string, recs []Record) error
	// Events calls fn for each record after sequence number after, in
	// order, with its Name (nil when none or erased). Token is not set.
	Events(ctx context.Context, workshop string, after int64, fn func(Record) error) error
	// Names returns the display names kept for a workshop's
	// participants (erased ones are gone), in participant order.
	Names(ctx context.Context, workshop string) ([]Name, error)
	// Token returns the hash of an actor's token (ErrNotFound).
	Token(ctx context.Context, workshop, actor string) ([]byte, error)
	// SaveSnapshot keeps a state at sequence number seq (replacing an
	// older one); Snapshot returns the latest (ErrNotFound if none).
	SaveSnapshot(ctx context.Context, workshop string, seq int64, state []byte) error
	Snapshot(ctx context.Context, workshop string) (seq int64, state []byte, err error)
	// Close flushes and closes the store.
	Close() error
}
