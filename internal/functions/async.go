package functions

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

const asyncQueueName = "lambda-async"

// AsyncOptions tune the Event-invoke queue. Zero values mean Lambda's
// behaviour: two retries on function error, one and two minutes apart;
// throttled events retried with back-off for up to six hours.
type AsyncOptions struct {
	Workers    int
	RetryDelay time.Duration // first retry after a function error; doubles
	MaxRetries int           // retries after a function error (Lambda: 2)
	MaxAge     time.Duration // oldest event kept retrying throttles
	// Lease is how long a claimed event is reserved before another worker
	// (after a crash) may take it; it is renewed while the event runs.
	Lease time.Duration
	Poll  time.Duration
}

type asyncQueue struct {
	s    *Service
	opts AsyncOptions
	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// asyncEvent is what the queue stores for one Event invocation.
type asyncEvent struct {
	Function  string    `json:"fn"`
	Payload   []byte    `json:"payload"`
	RequestID string    `json:"requestId"`
	Received  time.Time `json:"received"`
	// Failures counts function errors so far; throttles do not count.
	Failures int `json:"failures"`
}

func newAsyncQueue(s *Service, o AsyncOptions) *asyncQueue {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Minute
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	} else if o.MaxRetries == 0 {
		o.MaxRetries = 2
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 6 * time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	return &asyncQueue{s: s, opts: o, wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

func (q *asyncQueue) enqueue(ctx context.Context, fn string, in *InvokeInput) error {
	ev := asyncEvent{Function: fn, Payload: in.Payload, RequestID: in.RequestID, Received: q.s.now().UTC()}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := q.s.st.Enqueue(ctx, asyncQueueName, b, q.s.now()); err != nil {
		return err
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Start runs the queue's workers until Stop.
func (s *Service) Start() {
	for i := 0; i < s.async.opts.Workers; i++ {
		s.async.wg.Add(1)
		go s.async.work()
	}
}

// Stop stops taking events and waits for the running ones until ctx ends.
// Events not finished stay in the queue for the next start.
func (s *Service) Stop(ctx context.Context) {
	s.async.once.Do(func() { close(s.async.stop) })
	done := make(chan struct{})
	go func() { s.async.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (q *asyncQueue) work() {
	defer q.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-q.stop:
			return
		default:
		}
		ms, err := q.s.st.Claim(context.Background(), asyncQueueName, 1, q.opts.Lease)
		if err != nil {
			q.s.log.Error("claim async event", "err", err)
		}
		if len(ms) == 1 {
			q.handle(ms[0])
			continue
		}
		timer.Reset(q.opts.Poll)
		select {
		case <-q.stop:
			return
		case <-q.wake:
		case <-timer.C:
		}
	}
}

func (q *asyncQueue) handle(m store.Message) {
	ctx := context.Background()
	var ev asyncEvent
	if err := json.Unmarshal(m.Payload, &ev); err != nil {
		q.s.log.Error("dropping undecodable async event", "id", m.ID, "err", err)
		q.s.st.Ack(ctx, m)
		return
	}
	log := q.s.log.With("function", ev.Function, "request_id", ev.RequestID)
	// Keep the claim alive while the function runs (up to 15 minutes).
	hb := make(chan struct{})
	go func() {
		t := time.NewTicker(q.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-hb:
				return
			case <-t.C:
				if err := q.s.st.Extend(ctx, m, q.opts.Lease); err != nil {
					log.Warn("extend async lease", "err", err)
				}
			}
		}
	}()
	out, err := q.s.Invoke(ctx, &InvokeInput{FunctionName: ev.Function, Payload: ev.Payload, RequestID: ev.RequestID})
	close(hb)
	now := q.s.now()
	var settle error
	switch {
	case err != nil && isThrottle(err):
		if now.Sub(ev.Received) > q.opts.MaxAge {
			log.Warn("async event expired while throttled", "age", now.Sub(ev.Received))
			settle = q.s.st.Ack(ctx, m)
			break
		}
		settle = q.s.st.Retry(ctx, m, now.Add(throttleDelay(m.Attempts)))
	case err != nil && isClientError(err):
		// The function is gone or the event can never run: drop it.
		log.Warn("async event dropped", "err", err)
		settle = q.s.st.Ack(ctx, m)
	case err != nil:
		// Our own failure (shutting down, storage): the event is not the
		// problem, so it goes back to the queue.
		log.Warn("async invoke failed; requeued", "err", err)
		settle = q.s.st.Retry(ctx, m, now.Add(time.Second))
	case out.FunctionError != "" && ev.Failures < q.opts.MaxRetries:
		ev.Failures++
		delay := q.opts.RetryDelay << (ev.Failures - 1)
		log.Info("async invoke failed; will retry", "error_type", out.ErrorType, "retry_in", delay)
		// The failure count must survive a crash, so the retry is a new
		// message written before the old one is settled.
		b, _ := json.Marshal(ev)
		if _, err := q.s.st.Enqueue(ctx, asyncQueueName, b, now.Add(delay)); err != nil {
			settle = q.s.st.Retry(ctx, m, now.Add(delay))
			break
		}
		settle = q.s.st.Ack(ctx, m)
	default:
		if out.FunctionError != "" {
			log.Warn("async invoke failed; retries exhausted", "error_type", out.ErrorType)
		}
		settle = q.s.st.Ack(ctx, m)
	}
	if settle != nil && !errors.Is(settle, store.ErrLeaseLost) {
		log.Error("settle async event", "err", settle)
	}
}

// throttleDelay is how long a throttled event waits before another try.
// Events throttled together must not stay in lockstep, or each round runs
// one of them while the rest back off further: the delay grows only to a
// few seconds and is jittered, so a backlog drains at the function's
// concurrency.
func throttleDelay(attempts int) time.Duration {
	d := 250 * time.Millisecond << min(attempts, 5)
	if d > 5*time.Second {
		d = 5 * time.Second
	}
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

// isClientError reports an error that says the event itself cannot run.
func isClientError(err error) bool {
	e, ok := awsproto.AsError(err)
	return ok && e.Status >= 400 && e.Status < 500
}

func isThrottle(err error) bool { return errorCode(err) == "TooManyRequestsException" }
