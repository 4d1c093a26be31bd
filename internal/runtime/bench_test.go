package runtime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkWarmInvoke is the supervisor's share of a warm invoke: hand an
// event to a warm aws-lambda-go environment and collect its result.
func BenchmarkWarmInvoke(b *testing.B) {
	s, err := New(Options{RuntimeDir: b.TempDir(), Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	fn := goFunction("bench", nil)
	inv := &Invocation{RequestID: "warmup", Payload: []byte(`{"action":"echo"}`)}
	if _, err := s.Invoke(context.Background(), fn, inv); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inv := &Invocation{RequestID: fmt.Sprint("r", i), Payload: []byte(`{"action":"sleep","n":0}`)}
		res, err := s.Invoke(context.Background(), fn, inv)
		if err != nil || res.FunctionError {
			b.Fatal(err, string(res.Payload))
		}
	}
}

// BenchmarkWarmInvokeParallel8 runs eight invokers at once.
func BenchmarkWarmInvokeParallel8(b *testing.B) {
	s, err := New(Options{RuntimeDir: b.TempDir(), Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	fn := goFunction("bench8", nil)
	var n atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/8 + 1
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				inv := &Invocation{RequestID: fmt.Sprint("r", n.Add(1)), Payload: []byte(`{"action":"sleep","n":0}`)}
				if res, err := s.Invoke(context.Background(), fn, inv); err != nil || res.FunctionError {
					b.Error(err, string(res.Payload))
					return
				}
			}
		}()
	}
	wg.Wait()
}
