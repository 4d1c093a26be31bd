package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// maxBatch bounds how many write transactions share one commit.
const maxBatch = 64

// errClosed answers writes after Close.
var errClosed = errors.New("sqlite: store closed")

// writeReq is one write transaction waiting for the writer.
type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// The writer is the one goroutine that writes. SQLite allows one writer
// at a time anyway; doing it in Go instead of through SQLite's busy
// handler means no waiter sleeps on a back-off while the lock is free,
// and it allows group commit: transactions that arrive while a commit
// is on its way to disk are run together, each in its own savepoint (so
// each still commits or fails alone), and share the next commit's fsync.
// synchronous=FULL stays: nothing is acknowledged before it is on disk.
func (s *Store) writer() {
	defer close(s.writerDone)
	for first := range s.writes {
		batch := []*writeReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.writes:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.runBatch(batch)
	}
}

// runBatch commits a batch, retrying while another process holds the
// database; every request gets its own outcome.
func (s *Store) runBatch(batch []*writeReq) {
	results := make([]error, len(batch))
	for attempt := 0; ; attempt++ {
		err := s.commitBatch(batch, results)
		if err == nil {
			break
		}
		if !isBusy(err) || attempt >= 5 {
			for i := range results {
				if results[i] == nil {
					results[i] = err
				}
			}
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// commitBatch runs each request in a savepoint of one transaction and
// commits. It returns an error only when the whole batch failed (begin,
// commit, or a savepoint that cannot be rolled back), with results then
// holding only the requests' own errors.
func (s *Store) commitBatch(batch []*writeReq, results []error) error {
	clear(results)
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		sp := "w" + strconv.Itoa(i)
		if _, err := tx.Exec("SAVEPOINT " + sp); err != nil {
			tx.Rollback()
			return fmt.Errorf("savepoint: %w", err)
		}
		if err := runFn(r, tx); err != nil {
			results[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO " + sp); rerr != nil {
				tx.Rollback()
				return fmt.Errorf("roll back a failed write: %w (after %w)", rerr, err)
			}
		}
		if _, err := tx.Exec("RELEASE " + sp); err != nil {
			tx.Rollback()
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// runFn runs a request's function, turning a panic into its error: the
// writer serves everyone and must not die with one caller's bug.
func runFn(r *writeReq, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: write transaction panicked: %v", p)
		}
	}()
	return r.fn(tx)
}

// tx runs fn as a write transaction through the writer and returns its
// outcome once committed (or failed). It waits for the outcome even when
// ctx ends, so an error never hides a commit.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	// The read lock keeps Close from closing the channel under a sender.
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	select {
	case s.writes <- r:
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return ctx.Err()
	}
	s.closeMu.RUnlock()
	return <-r.done
}
