// Package sqlite is the embedded default store: pure-Go SQLite in WAL mode
// with synchronous=FULL, so a write is on disk before it is acknowledged.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store implements store.Store on one SQLite database file.
type Store struct {
	db  *sql.DB
	now func() time.Time

	writes     chan *writeReq
	writerDone chan struct{}
	closeMu    sync.RWMutex
	closed     bool
	stmts      sync.Map // query text -> *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and migrates it.
// now is the clock for timestamps; nil means time.Now.
func Open(ctx context.Context, path string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Write transactions take the write lock up front: a deferred one that
	// upgrades from read to write fails at once with SQLITE_BUSY in WAL mode.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, now: now, writes: make(chan *writeReq, maxBatch), writerDone: make(chan struct{})}
	go s.writer()
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return s.tx(ctx, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		for i := version; i < len(names); i++ {
			body, err := migrations.ReadFile("migrations/" + names[i])
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", names[i], err)
			}
		}
		if version > len(names) {
			return fmt.Errorf("database schema version %d is newer than this binary (%d)", version, len(names))
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(names)))
		return err
	})
}

// Close stops the writer (writes already handed to it finish first) and
// closes the database.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.writes)
	}
	s.closeMu.Unlock()
	<-s.writerDone
	return s.db.Close()
}

func isBusy(err error) bool {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3lib.SQLITE_BUSY || c == sqlite3lib.SQLITE_LOCKED
	}
	return false
}

func isUnique(err error) bool {
	var se *sqlite3.Error
	return errors.As(err, &se) && (se.Code() == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func get(ctx context.Context, q querier, kind, id string) (store.Record, error) {
	r := store.Record{Kind: kind, ID: id}
	var updated int64
	err := q.QueryRowContext(ctx, "SELECT data, version, updated FROM records WHERE kind = ? AND id = ?", kind, id).Scan(&r.Data, &r.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get %s/%s: %w", kind, id, err)
	}
	r.Updated = time.UnixMicro(updated).UTC()
	return r, nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, kind, id string) (store.Record, error) {
	return get(ctx, s.q(nil), kind, id)
}

func (s *Store) create(ctx context.Context, q querier, kind, id string, data []byte) (store.Record, error) {
	now := s.now().UTC()
	if data == nil {
		data = []byte{}
	}
	_, err := q.ExecContext(ctx, "INSERT INTO records (kind, id, data, version, updated) VALUES (?, ?, ?, 1, ?)", kind, id, data, now.UnixMicro())
	if isUnique(err) {
		return store.Record{}, store.ErrAlreadyExists
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("create %s/%s: %w", kind, id, err)
	}
	return store.Record{Kind: kind, ID: id, Data: data, Version: 1, Updated: now.Truncate(time.Microsecond)}, nil
}

// Create implements store.Store.
func (s *Store) Create(ctx context.Context, kind, id string, data []byte) (store.Record, error) {
	var rec store.Record
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		rec, err = s.create(ctx, s.q(tx), kind, id, data)
		return err
	})
	return rec, err
}

func (s *Store) put(ctx context.Context, q querier, kind, id string, data []byte, version int64) (store.Record, error) {
	if version == 0 {
		return s.create(ctx, q, kind, id, data)
	}
	now := s.now().UTC()
	if data == nil {
		data = []byte{}
	}
	res, err := q.ExecContext(ctx, "UPDATE records SET data = ?, version = version + 1, updated = ? WHERE kind = ? AND id = ? AND version = ?", data, now.UnixMicro(), kind, id, version)
	if err != nil {
		return store.Record{}, fmt.Errorf("put %s/%s: %w", kind, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := get(ctx, q, kind, id); errors.Is(err, store.ErrNotFound) {
			return store.Record{}, store.ErrNotFound
		}
		return store.Record{}, store.ErrConflict
	}
	return store.Record{Kind: kind, ID: id, Data: data, Version: version + 1, Updated: now.Truncate(time.Microsecond)}, nil
}

// Update implements store.Store. The read and the conditional write happen
// in one immediate transaction, so on SQLite the CAS never loses; the
// version check still guards other backends and other processes.
func (s *Store) Update(ctx context.Context, kind, id string, fn func(old []byte) ([]byte, error)) (store.Record, error) {
	var rec store.Record
	err := s.tx(ctx, func(tx *sql.Tx) error {
		old, err := get(ctx, s.q(tx), kind, id)
		if err != nil {
			return err
		}
		data, err := fn(old.Data)
		if err != nil {
			return err
		}
		rec, err = s.put(ctx, s.q(tx), kind, id, data, old.Version)
		return err
	})
	return rec, err
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, kind, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return del(ctx, s.q(tx), kind, id) })
}

func del(ctx context.Context, q querier, kind, id string) error {
	res, err := q.ExecContext(ctx, "DELETE FROM records WHERE kind = ? AND id = ?", kind, id)
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", kind, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func list(ctx context.Context, q querier, kind, prefix, after string, limit int) ([]store.Record, error) {
	query := "SELECT id, data, version, updated FROM records WHERE kind = ? AND id > ?"
	args := []any{kind, after}
	if prefix != "" {
		// Range scan on the primary key instead of LIKE, which would need
		// escaping and could not use the index.
		if after < prefix {
			args[1] = prefix
			query = "SELECT id, data, version, updated FROM records WHERE kind = ? AND id >= ?"
		}
		if end, ok := prefixEnd(prefix); ok {
			query += " AND id < ?"
			args = append(args, end)
		}
	}
	query += " ORDER BY id"
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind, err)
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		r := store.Record{Kind: kind}
		var updated int64
		if err := rows.Scan(&r.ID, &r.Data, &r.Version, &updated); err != nil {
			return nil, fmt.Errorf("list %s: %w", kind, err)
		}
		r.Updated = time.UnixMicro(updated).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// prefixEnd is the smallest string greater than every string with prefix p.
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, kind, prefix, after string, limit int) ([]store.Record, error) {
	return list(ctx, s.q(nil), kind, prefix, after, limit)
}

// Tx implements store.Store.
func (s *Store) Tx(ctx context.Context, fn func(store.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&sqliteTx{s: s, ctx: ctx, tx: tx}) })
}

type sqliteTx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
}

func (t *sqliteTx) Get(kind, id string) (store.Record, error) {
	return get(t.ctx, t.s.q(t.tx), kind, id)
}
func (t *sqliteTx) Create(kind, id string, data []byte) (store.Record, error) {
	return t.s.create(t.ctx, t.s.q(t.tx), kind, id, data)
}
func (t *sqliteTx) Put(kind, id string, data []byte, version int64) (store.Record, error) {
	return t.s.put(t.ctx, t.s.q(t.tx), kind, id, data, version)
}
func (t *sqliteTx) Delete(kind, id string) error { return del(t.ctx, t.s.q(t.tx), kind, id) }
func (t *sqliteTx) List(kind, prefix, after string, limit int) ([]store.Record, error) {
	return list(t.ctx, t.s.q(t.tx), kind, prefix, after, limit)
}

// PutBlob implements store.Store.
func (s *Store) PutBlob(ctx context.Context, key string, data []byte) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO blobs (key, data) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, data)
		if err != nil {
			return fmt.Errorf("put blob %s: %w", key, err)
		}
		return nil
	})
}

// GetBlob implements store.Store.
func (s *Store) GetBlob(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM blobs WHERE key = ?", key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", key, err)
	}
	return data, nil
}

// DeleteBlob implements store.Store.
func (s *Store) DeleteBlob(ctx context.Context, key string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM blobs WHERE key = ?", key)
		if err != nil {
			return fmt.Errorf("delete blob %s: %w", key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// Enqueue implements store.Store.
func (s *Store) Enqueue(ctx context.Context, queue string, payload []byte, notBefore time.Time) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if payload == nil {
			payload = []byte{}
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO queue (queue, payload, enqueued, not_before) VALUES (?, ?, ?, ?)",
			queue, payload, s.now().UnixMicro(), notBefore.UnixMicro())
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", queue, err)
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, queue string, max int, lease time.Duration) ([]store.Message, error) {
	if max <= 0 {
		return nil, nil
	}
	var b [12]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	now := s.now()
	var out []store.Message
	err := s.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE queue SET lease = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM queue WHERE queue = ? AND not_before <= ? AND lease_until <= ? ORDER BY not_before, id LIMIT ?)
			RETURNING id, payload, attempts, enqueued`,
			token, now.Add(lease).UnixMicro(), queue, now.UnixMicro(), now.UnixMicro(), max)
		if err != nil {
			return fmt.Errorf("claim %s: %w", queue, err)
		}
		defer rows.Close()
		for rows.Next() {
			m := store.Message{Queue: queue, Lease: token}
			var enq int64
			if err := rows.Scan(&m.ID, &m.Payload, &m.Attempts, &enq); err != nil {
				return fmt.Errorf("claim %s: %w", queue, err)
			}
			m.Attempts--
			m.Enqueued = time.UnixMicro(enq).UTC()
			out = append(out, m)
		}
		return rows.Err()
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// Ack implements store.Store.
func (s *Store) Ack(ctx context.Context, m store.Message) error {
	return s.settle(ctx, m, "DELETE FROM queue WHERE id = ? AND lease = ?", m.ID, m.Lease)
}

// Retry implements store.Store.
func (s *Store) Retry(ctx context.Context, m store.Message, notBefore time.Time) error {
	return s.settle(ctx, m, "UPDATE queue SET lease = '', lease_until = 0, not_before = ? WHERE id = ? AND lease = ?", notBefore.UnixMicro(), m.ID, m.Lease)
}

// Extend implements store.Store.
func (s *Store) Extend(ctx context.Context, m store.Message, lease time.Duration) error {
	return s.settle(ctx, m, "UPDATE queue SET lease_until = ? WHERE id = ? AND lease = ?", s.now().Add(lease).UnixMicro(), m.ID, m.Lease)
}

func (s *Store) settle(ctx context.Context, m store.Message, query string, args ...any) error {
	if m.Lease == "" {
		return store.ErrLeaseLost
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("settle message %d: %w", m.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}

// String names the backend for logs.
func (s *Store) String() string { return "sqlite" }
