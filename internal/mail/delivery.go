package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// transport delivers one message; an error means this attempt failed.
type transport interface {
	deliver(ctx context.Context, d delivery) error
	// String names where messages go, without credentials.
	String() string
}

// delivery is one message on its way out.
type delivery struct {
	ID   string
	Time time.Time // when it was accepted: the email's Date
	Message
}

// permanentError is a failure no retry can fix, such as a recipient the
// server refuses: the message is FAILED at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// orphanGrace is how long a queued message may wait for its outbox entry:
// Send queues the message first and records the entry just after.
const orphanGrace = time.Minute

func (s *Service) work() {
	defer s.wg.Done()
	ctx := context.Background()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		s.maybePrune(ctx)
		ms, err := s.st.Claim(ctx, queueName, 1, s.opts.Lease)
		if err != nil {
			s.log.Error("claim queued message", "err", err)
		}
		if len(ms) == 1 {
			s.attempt(ctx, ms[0])
			continue
		}
		timer.Reset(s.opts.Poll)
		select {
		case <-s.stop:
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// attempt makes one delivery attempt of a claimed message and settles it.
func (s *Service) attempt(ctx context.Context, m store.Message) {
	id := string(m.Payload)
	log := s.log.With("id", id)
	rec, err := s.st.Get(ctx, recordKind, id)
	if errors.Is(err, store.ErrNotFound) {
		if done, ok := s.writing.Load(id); ok {
			select {
			case <-done.(chan struct{}):
			case <-time.After(orphanGrace):
			}
		}
		// Read again either way: Send may have finished (and forgotten
		// the id) between the first read and the lookup above.
		rec, err = s.st.Get(ctx, recordKind, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		// Another node's Send may still be writing the entry.
		if s.now().Sub(m.Enqueued) < orphanGrace {
			s.settle(log, s.st.Retry(ctx, m, s.now().Add(s.opts.Poll)))
			return
		}
		log.Warn("dropping a queued message that has no outbox entry: its Send never finished")
		s.settle(log, s.st.Ack(ctx, m))
		return
	}
	if err != nil {
		log.Error("read outbox entry; will retry", "err", err)
		s.settle(log, s.st.Retry(ctx, m, s.now().Add(s.opts.RetryBase)))
		return
	}
	r, err := decodeRecord(rec)
	if err != nil {
		log.Error("dropping a queued message whose outbox entry is corrupt", "err", err)
		s.settle(log, s.st.Ack(ctx, m))
		return
	}
	log = log.With("medium", r.Medium, "to", r.To, "source", r.Source)
	if r.Status != StatusQueued {
		// Settled by an attempt whose Ack a crash cut off.
		s.settle(log, s.st.Ack(ctx, m))
		return
	}
	tr := s.transport(r.Medium)
	if tr == nil {
		// Queued under a configuration that had a transport; this one
		// has none, so the message is the developer's to read.
		s.setStatus(ctx, log, id, func(r *record) { r.Status = StatusOutbox })
		log.Info("message kept in the outbox: no transport configured now; read it with `gatehouse outbox`")
		s.settle(log, s.st.Ack(ctx, m))
		return
	}
	msg, err := s.open(id, r)
	if err == nil {
		// Half the lease, so a slow server cannot outlive the claim and
		// have another worker send the message a second time meanwhile.
		dctx, cancel := context.WithTimeout(ctx, s.opts.Lease/2)
		err = tr.deliver(dctx, delivery{ID: id, Time: r.Time, Message: msg})
		cancel()
	} else {
		err = &permanentError{err}
	}
	s.finish(ctx, log, m, r, err)
}

// finish records how an attempt went and settles the queue message: Ack
// when the message is done (SENT or FAILED), Retry after a back-off
// otherwise. The entry is written first, so a crash in between repeats
// nothing but the Ack.
func (s *Service) finish(ctx context.Context, log *slog.Logger, m store.Message, r record, err error) {
	id := string(m.Payload)
	now := s.now()
	attempts := r.Attempts + 1
	var perm *permanentError
	switch {
	case err == nil:
		s.setStatus(ctx, log, id, func(r *record) {
			r.Status, r.Attempts, r.LastError, r.NextAttempt = StatusSent, attempts, "", time.Time{}
		})
		log.Info("message delivered", "attempts", attempts)
		s.settle(log, s.st.Ack(ctx, m))
	case errors.As(err, &perm) || attempts >= s.opts.MaxAttempts:
		s.setStatus(ctx, log, id, func(r *record) {
			r.Status, r.Attempts, r.LastError, r.NextAttempt = StatusFailed, attempts, err.Error(), time.Time{}
		})
		log.Error("message delivery failed; giving up", "attempts", attempts, "err", err)
		s.settle(log, s.st.Ack(ctx, m))
	default:
		delay := s.backoff(attempts)
		next := now.Add(delay)
		s.setStatus(ctx, log, id, func(r *record) {
			r.Attempts, r.LastError, r.NextAttempt = attempts, err.Error(), next.UTC()
		})
		log.Warn("message delivery failed; will retry", "attempts", attempts, "retry_in", delay, "err", err)
		s.settle(log, s.st.Retry(ctx, m, next))
	}
}

// backoff is the wait after the given number of failed attempts.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opts.RetryBase
	for i := 1; i < attempts && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opts.RetryMax)
}

func (s *Service) setStatus(ctx context.Context, log *slog.Logger, id string, fn func(*record)) {
	if err := s.update(ctx, id, fn); err != nil {
		log.Error("update outbox entry", "err", err)
	}
}

// settle logs a failed Ack or Retry. A lost lease is not a failure: the
// claim lapsed and another worker owns the message now.
func (s *Service) settle(log *slog.Logger, err error) {
	if err != nil && !errors.Is(err, store.ErrLeaseLost) {
		log.Error("settle queued message", "err", err)
	}
}
