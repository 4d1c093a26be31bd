package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store"
)

// DefaultFrom is Cognito's default sender address.
const DefaultFrom = "no-reply@verificationemail.com"

// queueName is the store queue of messages waiting for delivery.
const queueName = "mail"

// Options configure a Service. Zero values of the tuning fields mean the
// production defaults.
type Options struct {
	Store  store.Store
	Box    *secrets.Box
	Logger *slog.Logger
	Now    func() time.Time
	// SMTP delivers email; nil keeps email in the outbox.
	SMTP *SMTPConfig
	// SMSWebhook is the URL SMS messages are POSTed to; empty keeps them
	// in the outbox.
	SMSWebhook string
	// From is the sender of email that names none (default DefaultFrom).
	From string

	// MaxAttempts is how many delivery attempts a message gets before it
	// is FAILED (default 8).
	MaxAttempts int
	// RetryBase is the delay after the first failed attempt; it doubles
	// after each further one up to RetryMax (defaults 5 s and 10 min,
	// so the default 8 attempts span about 11 minutes).
	RetryBase, RetryMax time.Duration
	// Workers deliver in parallel (default 2).
	Workers int
	// Lease is how long a claimed message is reserved for its worker; a
	// message whose worker died is retried after it (default: twice the
	// longest transport timeout, at least a minute).
	Lease time.Duration
	// Poll is how often idle workers look for due retries (default 1 s).
	Poll time.Duration
	// Retention is how long settled entries stay in the outbox (default
	// 7 days).
	Retention time.Duration
	// WebhookTimeout bounds one SMS webhook request (default 10 s).
	WebhookTimeout time.Duration
}

// Service accepts messages, keeps the outbox, and delivers in the
// background.
type Service struct {
	st    store.Store
	box   *secrets.Box
	log   *slog.Logger
	now   func() time.Time
	opts  Options
	email transport // nil: email stays in the outbox
	sms   transport // nil: SMS stays in the outbox

	wake      chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
	startOnce sync.Once
	stopOnce  sync.Once
	// writing maps the id of a message whose Send has queued it but not
	// yet recorded its entry to a channel closed when Send is done, so a
	// worker that claims it at once waits for the entry instead of taking
	// it for an orphan.
	writing sync.Map
	// lastPrune (UnixNano) lets one caller at a time prune, at most once
	// an hour.
	lastPrune atomic.Int64
}

// New checks the configuration and builds a Service; Start begins
// delivery.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Box == nil {
		return nil, errors.New("mail: Store and Box are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.From == "" {
		opts.From = DefaultFrom
	}
	if _, err := ParseAddress(opts.From); err != nil {
		return nil, fmt.Errorf("mail: sender address: %w", err)
	}
	setDefault(&opts.MaxAttempts, 8)
	setDefault(&opts.RetryBase, 5*time.Second)
	setDefault(&opts.RetryMax, 10*time.Minute)
	setDefault(&opts.Workers, 2)
	setDefault(&opts.Poll, time.Second)
	setDefault(&opts.Retention, 7*24*time.Hour)
	setDefault(&opts.WebhookTimeout, 10*time.Second)
	s := &Service{st: opts.Store, box: opts.Box, log: opts.Logger.With("component", "mail"), now: opts.Now,
		wake: make(chan struct{}, 1), stop: make(chan struct{})}
	longest := opts.WebhookTimeout
	if opts.SMTP != nil {
		smtp, err := newSMTPTransport(*opts.SMTP)
		if err != nil {
			return nil, fmt.Errorf("mail: SMTP: %w", err)
		}
		s.email = smtp
		longest = max(longest, smtp.cfg.Timeout)
	}
	if opts.SMSWebhook != "" {
		hook, err := newWebhook(opts.SMSWebhook, opts.WebhookTimeout)
		if err != nil {
			return nil, err
		}
		s.sms = hook
	}
	setDefault(&opts.Lease, max(time.Minute, 2*longest))
	s.opts = opts
	return s, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Describe says where each medium goes, for the start-up log; it never
// includes credentials.
func (s *Service) Describe() (email, sms string) {
	email, sms = "outbox", "outbox"
	if s.email != nil {
		email = s.email.String()
	}
	if s.sms != nil {
		sms = s.sms.String()
	}
	return email, sms
}

func (s *Service) transport(medium string) transport {
	if medium == SMS {
		return s.sms
	}
	return s.email
}

// Send validates m, records it (its text sealed) and queues it for
// delivery, durably, before returning its id. Delivery happens in the
// background; List shows how it went.
func (s *Service) Send(ctx context.Context, m Message) (string, error) {
	m, err := m.normalize(s.opts.From)
	if err != nil {
		return "", err
	}
	now := s.now()
	id := newID(now)
	sealed, err := s.seal(id, m)
	if err != nil {
		return "", err
	}
	r := record{Time: now.UTC(), Medium: m.Medium, To: m.To, From: m.From, Source: m.Source, Status: StatusQueued, Sealed: sealed}
	queued := s.transport(m.Medium) != nil
	if !queued {
		r.Status = StatusOutbox
	}
	// The queue message goes first: it is the promise of delivery, and a
	// crash before the entry exists leaves a message whose entry never
	// appears, which the worker drops (no one was told it was sent). The
	// other order could leave an entry QUEUED forever with nothing to
	// deliver it.
	if queued {
		done := make(chan struct{})
		s.writing.Store(id, done)
		defer func() {
			s.writing.Delete(id)
			close(done)
		}()
		if _, err := s.st.Enqueue(ctx, queueName, []byte(id), now); err != nil {
			return "", fmt.Errorf("mail: queue message: %w", err)
		}
	}
	if err := s.create(ctx, id, r); err != nil {
		return "", err
	}
	if queued {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	} else {
		s.log.Info("message kept in the outbox: no transport configured; read it with `gatehouse outbox`",
			"id", id, "medium", m.Medium, "to", m.To, "source", m.Source)
	}
	return id, nil
}

func (s *Service) create(ctx context.Context, id string, r record) error {
	data, err := encodeRecord(r)
	if err != nil {
		return err
	}
	if _, err := s.st.Create(ctx, recordKind, id, data); err != nil {
		return fmt.Errorf("mail: record message: %w", err)
	}
	return nil
}

// Start runs the delivery workers until Stop.
func (s *Service) Start() {
	s.startOnce.Do(func() {
		for i := 0; i < s.opts.Workers; i++ {
			s.wg.Add(1)
			go s.work()
		}
	})
}

// Stop stops taking messages and waits for attempts in progress until ctx
// ends. Undelivered messages stay queued for the next Start.
func (s *Service) Stop(ctx context.Context) {
	s.stopOnce.Do(func() { close(s.stop) })
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// maybePrune prunes the outbox if no one has in the last hour; it costs
// one atomic load otherwise.
func (s *Service) maybePrune(ctx context.Context) {
	now := s.now().UnixNano()
	last := s.lastPrune.Load()
	if now-last < int64(time.Hour) || !s.lastPrune.CompareAndSwap(last, now) {
		return
	}
	if err := s.prune(ctx); err != nil {
		s.log.Warn("prune outbox", "err", err)
	}
}
