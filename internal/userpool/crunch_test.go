package userpool

import (
	"sync"
	"testing"
	"time"
)

func TestCrunchQueuesThenTurnsAway(t *testing.T) {
	t.Parallel()
	c := newCrunch(1, 1)
	hold := make(chan struct{})
	running := make(chan struct{})
	go c.do(func() { close(running); <-hold })
	<-running
	var wg sync.WaitGroup
	wg.Add(1)
	var queuedErr error
	go func() { defer wg.Done(); queuedErr = c.do(func() {}) }()
	// Wait until the second caller is queued, then a third is refused.
	deadline := time.Now().Add(5 * time.Second)
	for c.waiting.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	wantErr(t, c.do(func() { t.Error("ran past the queue limit") }), "TooManyRequestsException", "Too many requests")
	close(hold)
	wg.Wait()
	if queuedErr != nil {
		t.Fatalf("queued caller: %v", queuedErr)
	}
	if err := c.do(func() {}); err != nil {
		t.Fatal(err)
	}
}
