package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Entry statuses.
const (
	StatusQueued = "QUEUED" // waiting for (another) delivery attempt
	StatusSent   = "SENT"   // the transport accepted it
	StatusFailed = "FAILED" // the last attempt failed; LastError says why
	// StatusOutbox means no transport is configured for the medium: the
	// message is kept here for the developer to read.
	StatusOutbox = "OUTBOX"
)

// recordKind is the store kind of outbox entries.
const recordKind = "mail-outbox"

// Entry is one message as the outbox shows it.
type Entry struct {
	ID      string
	Time    time.Time
	Medium  string
	To      string
	From    string
	Subject string
	Body    string
	HTML    bool
	Source  string
	Status  string
	// Attempts counts delivery attempts made so far.
	Attempts  int
	LastError string
	// NextAttempt is when a QUEUED message is tried again (zero before
	// the first attempt).
	NextAttempt time.Time
}

// Query selects outbox entries.
type Query struct {
	To    string // only messages to this address or number (case-insensitive)
	Limit int    // at most this many (0 means 100)
}

// record is an entry as stored: what is needed to find and route it in
// the clear, the text (subject, body) sealed under the entry's id.
type record struct {
	Time        time.Time `json:"time"`
	Medium      string    `json:"medium"`
	To          string    `json:"to"`
	From        string    `json:"from,omitempty"`
	Source      string    `json:"source,omitempty"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts,omitempty"`
	LastError   string    `json:"lastError,omitempty"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	Sealed      []byte    `json:"sealed"`
}

// content is the sealed part of a record.
type content struct {
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
	HTML    bool   `json:"html,omitempty"`
}

// newID returns an id that sorts before every id made earlier, so the
// store's id order is newest first and listing the outbox reads only the
// entries it returns.
func newID(now time.Time) string {
	var b [8]byte
	rand.Read(b[:])
	return timeKey(now) + "-" + hex.EncodeToString(b[:])
}

// timeKey is the part of an id that orders it by time, newest first.
func timeKey(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(math.MaxInt64-t.UnixNano()))
}

func sealContext(id string) []byte { return []byte(recordKind + "/" + id) }

func (s *Service) seal(id string, m Message) ([]byte, error) {
	plain, err := json.Marshal(content{Subject: m.Subject, Body: m.Body, HTML: m.HTML})
	if err != nil {
		return nil, err
	}
	return s.box.Seal(plain, sealContext(id)), nil
}

// open returns a record's message; it fails if the master key changed or
// the sealed text was moved from another record.
func (s *Service) open(id string, r record) (Message, error) {
	plain, err := s.box.Open(r.Sealed, sealContext(id))
	if err != nil {
		return Message{}, fmt.Errorf("open sealed message %s: %w", id, err)
	}
	var c content
	if err := json.Unmarshal(plain, &c); err != nil {
		return Message{}, fmt.Errorf("decode sealed message %s: %w", id, err)
	}
	return Message{Medium: r.Medium, To: r.To, From: r.From, Subject: c.Subject, Body: c.Body, HTML: c.HTML, Source: r.Source}, nil
}

func encodeRecord(r record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode outbox entry: %w", err)
	}
	return b, nil
}

func decodeRecord(rec store.Record) (record, error) {
	var r record
	if err := json.Unmarshal(rec.Data, &r); err != nil {
		return r, fmt.Errorf("decode outbox entry %s: %w", rec.ID, err)
	}
	return r, nil
}

// update rewrites a stored entry with fn (compare-and-swap).
func (s *Service) update(ctx context.Context, id string, fn func(*record)) error {
	_, err := s.st.Update(ctx, recordKind, id, func(old []byte) ([]byte, error) {
		var r record
		if err := json.Unmarshal(old, &r); err != nil {
			return nil, fmt.Errorf("decode outbox entry %s: %w", id, err)
		}
		fn(&r)
		return encodeRecord(r)
	})
	return err
}

// List returns outbox entries, newest first.
func (s *Service) List(ctx context.Context, q Query) ([]Entry, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	out := []Entry{}
	after := ""
	const page = 200
	for len(out) < limit {
		recs, err := s.st.List(ctx, recordKind, "", after, page)
		if err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		for _, rec := range recs {
			r, err := decodeRecord(rec)
			if err != nil {
				return nil, err
			}
			if q.To != "" && !strings.EqualFold(r.To, strings.TrimSpace(q.To)) {
				continue
			}
			out = append(out, s.entry(rec.ID, r))
			if len(out) == limit {
				break
			}
		}
		if len(recs) < page {
			break
		}
		after = recs[len(recs)-1].ID
	}
	return out, nil
}

func (s *Service) entry(id string, r record) Entry {
	e := Entry{ID: id, Time: r.Time, Medium: r.Medium, To: r.To, From: r.From, Source: r.Source,
		Status: r.Status, Attempts: r.Attempts, LastError: r.LastError, NextAttempt: r.NextAttempt}
	m, err := s.open(id, r)
	if err != nil {
		// The entry is still worth showing (its status, its recipient);
		// the text is lost only if the master key was replaced.
		s.log.Warn("outbox entry unreadable", "id", id, "err", err)
		e.Body = "(unreadable: sealed under a different master key)"
		return e
	}
	e.Subject, e.Body, e.HTML = m.Subject, m.Body, m.HTML
	return e
}

// prune deletes settled entries older than the retention period. Queued
// ones stay whatever their age: deleting them would drop a message that
// was promised delivery.
func (s *Service) prune(ctx context.Context) error {
	cutoff := s.now().Add(-s.opts.Retention)
	after := timeKey(cutoff)
	for {
		recs, err := s.st.List(ctx, recordKind, "", after, 500)
		if err != nil {
			return fmt.Errorf("prune outbox: %w", err)
		}
		for _, rec := range recs {
			r, err := decodeRecord(rec)
			if err == nil && r.Status == StatusQueued {
				continue
			}
			if err := s.st.Delete(ctx, recordKind, rec.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("prune outbox: %w", err)
			}
		}
		if len(recs) < 500 {
			return nil
		}
		after = recs[len(recs)-1].ID
	}
}
