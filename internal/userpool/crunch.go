package userpool

import (
	"net/http"
	"runtime"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// crunch bounds the CPU-heavy work of sign-in: SRP and verifier modular
// exponentiations (3072-bit) and RSA signatures. Running more of them at
// once than there are cores only adds memory and latency, so a login
// storm queues here, and past maxWaiting callers it is turned away with
// Cognito's throttling error instead of piling up goroutines and heap.
type crunch struct {
	slots   chan struct{}
	waiting atomic.Int64
	max     int64
}

func newCrunch(slots, maxWaiting int) *crunch {
	if slots <= 0 {
		slots = 2 * runtime.GOMAXPROCS(0)
	}
	if maxWaiting <= 0 {
		maxWaiting = 1024
	}
	return &crunch{slots: make(chan struct{}, slots), max: int64(maxWaiting)}
}

func tooManyRequests() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "TooManyRequestsException", "Too many requests")
}

// do runs fn in a slot.
func (c *crunch) do(fn func()) error {
	select {
	case c.slots <- struct{}{}:
	default:
		if c.waiting.Add(1) > c.max {
			c.waiting.Add(-1)
			return tooManyRequests()
		}
		c.slots <- struct{}{}
		c.waiting.Add(-1)
	}
	defer func() { <-c.slots }()
	fn()
	return nil
}
