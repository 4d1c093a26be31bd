// Package store is gatehouse's persistence seam. Every backend (SQLite now,
// PostgreSQL later) implements Store and must pass storetest.Run. Nothing
// outside a backend writes SQL, and nothing may assume one process or one
// writer: updates are compare-and-swap, and queue claims are leased.
package store

import (
	"context"
	"errors"
	"time"
)

// Typed errors every backend returns (wrapped with %w where useful).
var (
	ErrNotFound      = errors.New("store: not found")
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrConflict means a compare-and-swap lost: the record changed since it
	// was read. Update retries on it; Tx callers see it and may retry.
	ErrConflict = errors.New("store: conflict")
	// ErrLeaseLost means a queue message was re-claimed by someone else.
	ErrLeaseLost = errors.New("store: lease lost")
)

// Record is one stored document: a kind (a table in spirit), an id unique
// within the kind, opaque data, and a version that changes on every write.
type Record struct {
	Kind    string
	ID      string
	Data    []byte
	Version int64
	Updated time.Time
}

// Message is a durable queue entry claimed under a lease.
type Message struct {
	ID       int64
	Queue    string
	Payload  []byte
	Attempts int // claims before this one
	Enqueued time.Time
	// Lease identifies this claim; Ack and Retry need it so a worker whose
	// lease expired cannot settle a message someone else now holds.
	Lease string
}

// Store is the whole persistence interface.
type Store interface {
	// Get returns ErrNotFound if there is no such record.
	Get(ctx context.Context, kind, id string) (Record, error)
	// Create returns ErrAlreadyExists if the id is taken.
	Create(ctx context.Context, kind, id string, data []byte) (Record, error)
	// Update applies fn to the current data and writes the result if no one
	// wrote in between, calling fn again otherwise; fn may run several times
	// and must have no side effects. An error from fn aborts the update and
	// is returned as is. ErrNotFound if the record does not exist.
	Update(ctx context.Context, kind, id string, fn func(old []byte) ([]byte, error)) (Record, error)
	// Delete returns ErrNotFound if there is no such record.
	Delete(ctx context.Context, kind, id string) error
	// List returns records of kind whose id starts with prefix and sorts
	// after `after`, in id order, at most limit (0 = no limit).
	List(ctx context.Context, kind, prefix, after string, limit int) ([]Record, error)

	// Tx runs fn in one serializable transaction; it commits if fn returns
	// nil. Backends may run fn again on a serialization failure, so fn must
	// have no side effects outside tx.
	Tx(ctx context.Context, fn func(tx Tx) error) error

	// PutBlob stores immutable content under a key (a content hash);
	// storing the same key twice is not an error.
	PutBlob(ctx context.Context, key string, data []byte) error
	GetBlob(ctx context.Context, key string) ([]byte, error)
	DeleteBlob(ctx context.Context, key string) error

	// Enqueue makes a message durable before returning; it becomes
	// claimable at notBefore.
	Enqueue(ctx context.Context, queue string, payload []byte, notBefore time.Time) (int64, error)
	// Claim leases up to max due messages for lease; a message whose lease
	// lapses (its worker died) becomes claimable again.
	Claim(ctx context.Context, queue string, max int, lease time.Duration) ([]Message, error)
	// Ack removes a claimed message. ErrLeaseLost if the lease is gone.
	Ack(ctx context.Context, m Message) error
	// Retry releases a claimed message to be claimed again at notBefore.
	Retry(ctx context.Context, m Message, notBefore time.Time) error
	// Extend renews a claim's lease while its work goes on.
	Extend(ctx context.Context, m Message, lease time.Duration) error

	Close() error
}

// Tx is the view of the store inside a transaction.
type Tx interface {
	Get(kind, id string) (Record, error)
	Create(kind, id string, data []byte) (Record, error)
	// Put writes data if the record is still at version (0: must not exist).
	Put(kind, id string, data []byte, version int64) (Record, error)
	Delete(kind, id string) error
	List(kind, prefix, after string, limit int) ([]Record, error)
}
