package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// recorderPy is a Python handler that proves it ran: it appends
// "start ID" and, once its work is done, "done ID" to $OUT_FILE.
const recorderPy = `import os
import time


def record(what, event):
    with open(os.environ["OUT_FILE"], "a") as f:
        f.write("%s %s\n" % (what, event["id"]))


def lambda_handler(event, context):
    record("start", event)
    time.sleep(event.get("sleep_ms", 0) / 1000.0)
    if event.get("fail"):
        raise RuntimeError("failing on purpose: %s" % event["id"])
    record("done", event)
    return {"id": event["id"]}
`

// recorder is one function writing to one record file.
type recorder struct {
	name string
	file string
}

func newRecorder(t *testing.T, c *lambda.Client, opts ...func(*lambda.CreateFunctionInput)) recorder {
	t.Helper()
	needTool(t, "python3")
	r := recorder{name: uniqueName("rec"), file: filepath.Join(t.TempDir(), "record.txt")}
	opts = append([]func(*lambda.CreateFunctionInput){withEnv("OUT_FILE", r.file)}, opts...)
	createFn(t, c, r.name, "python3.12", "app.lambda_handler", makeZip(t, zfile{Name: "app.py", Body: recorderPy}), opts...)
	return r
}

// counts returns how often each id was recorded as what ("start"/"done").
func (r recorder) counts(what string) map[string]int {
	b, _ := os.ReadFile(r.file)
	m := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if w, id, ok := strings.Cut(line, " "); ok && w == what {
			m[id]++
		}
	}
	return m
}

// invokeEvent sends an Event invoke and requires 202 Accepted.
func invokeEvent(t *testing.T, c *lambda.Client, name, payload string) {
	t.Helper()
	out, err := c.Invoke(ctxT(t, 30*time.Second), &lambda.InvokeInput{
		FunctionName: aws.String(name), InvocationType: types.InvocationTypeEvent, Payload: []byte(payload),
	})
	if err != nil {
		t.Fatalf("Event invoke: %v", err)
	}
	if out.StatusCode != 202 || len(out.Payload) != 0 {
		t.Fatalf("Event invoke: status %d, payload %q; want 202 and no payload", out.StatusCode, out.Payload)
	}
}

// TestEventInvokes checks asynchronous invocation: accepted at once, run
// once on success, run three times in all on failure.
func TestEventInvokes(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--async-retry-delay", "200ms")
	c := s.lambda()

	t.Run("accepted-and-run", func(t *testing.T) {
		t.Parallel()
		r := newRecorder(t, c)
		ids := []string{"ev-1", "ev-2", "ev-3"}
		for _, id := range ids {
			invokeEvent(t, c, r.name, fmt.Sprintf(`{"id":%q}`, id))
		}
		if !waitFor(30*time.Second, func() bool { return len(r.counts("done")) == len(ids) }) {
			t.Fatalf("after 30s the function recorded %v, want %v each once", r.counts("done"), ids)
		}
		for _, id := range ids {
			if n := r.counts("done")[id]; n != 1 {
				t.Errorf("event %s ran %d times, want once", id, n)
			}
		}
	})

	t.Run("failures-retried-twice", func(t *testing.T) {
		t.Parallel()
		r := newRecorder(t, c)
		invokeEvent(t, c, r.name, `{"id":"bad","fail":true}`)
		if !waitFor(30*time.Second, func() bool { return r.counts("start")["bad"] >= 3 }) {
			t.Fatalf("after 30s a failing event ran %d times, want 3 (one try and two retries)", r.counts("start")["bad"])
		}
		// Retries come after 200 ms and 400 ms; a fourth try would come
		// within 800 ms more. Give it twice that to show up.
		time.Sleep(1600 * time.Millisecond)
		if n := r.counts("start")["bad"]; n != 3 {
			t.Errorf("a failing event ran %d times, want exactly 3", n)
		}
	})
}

// sendEvents sends n Event invokes that each sleep sleepMS and returns
// their ids.
func sendEvents(t *testing.T, c *lambda.Client, name, prefix string, n, sleepMS int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%02d", prefix, i)
		ids = append(ids, id)
		invokeEvent(t, c, name, fmt.Sprintf(`{"id":%q,"sleep_ms":%d}`, id, sleepMS))
	}
	return ids
}

// waitAllDone waits until every id has completed at least once and
// fails the test naming the ones that did not.
func (r recorder) waitAllDone(t *testing.T, ids []string, d time.Duration) {
	t.Helper()
	start := time.Now()
	ok := waitFor(d, func() bool {
		done := r.counts("done")
		for _, id := range ids {
			if done[id] == 0 {
				return false
			}
		}
		return true
	})
	done := r.counts("done")
	var missing []string
	dups := 0
	for _, id := range ids {
		if done[id] == 0 {
			missing = append(missing, id)
		}
		if done[id] > 1 {
			dups += done[id] - 1
		}
	}
	sort.Strings(missing)
	if !ok {
		t.Fatalf("after %v, %d of %d events never completed: %v", d, len(missing), len(ids), missing)
	}
	t.Logf("all %d events completed within %v (%d duplicate runs)", len(ids), time.Since(start).Round(time.Millisecond), dups)
}

// setConcurrency reserves n concurrent executions for a function.
func setConcurrency(t *testing.T, c *lambda.Client, name string, n int32) {
	t.Helper()
	if _, err := c.PutFunctionConcurrency(ctxT(t, 30*time.Second), &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String(name), ReservedConcurrentExecutions: aws.Int32(n),
	}); err != nil {
		t.Fatal(err)
	}
}

// TestEventInvokesSurviveCrash SIGKILLs the server right after it accepted
// 20 events and checks that, after a restart on the same data dir, every
// event runs to completion at least once (duplicates are allowed).
func TestEventInvokesSurviveCrash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		reserved int32 // reserved concurrency; 0 means none
	}{
		{"reserved-concurrency-1", 1},
		{"unreserved", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			flags := []string{"--async-lease", "2s", "--async-retry-delay", "200ms"}
			s := startServer(t, flags...)
			c := s.lambda()
			r := newRecorder(t, c)
			if tc.reserved > 0 {
				setConcurrency(t, c, r.name, tc.reserved)
			}
			ids := sendEvents(t, c, r.name, "crash", 20, 300)
			s.stop(syscall.SIGKILL, 10*time.Second)
			if done := r.counts("done"); len(done) == len(ids) {
				t.Fatalf("all %d events finished before the server was killed; the test proves nothing", len(ids))
			} else {
				t.Logf("%d of %d events had finished when the server was killed", len(done), len(ids))
			}
			// The execution environments must not outlive their server.
			noLeftovers(t, r.name)
			s.restart(syscall.SIGKILL, flags...)
			// 20 x 300 ms one at a time is 6 s; the lease adds 2 s.
			r.waitAllDone(t, ids, 60*time.Second)
		})
	}
}

// TestEventBacklogWithReservedConcurrency queues 20 events for a function
// limited to one concurrent execution: they must drain at about the rate
// the limit allows, not starve behind throttling back-off.
func TestEventBacklogWithReservedConcurrency(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--async-retry-delay", "200ms")
	c := s.lambda()
	r := newRecorder(t, c)
	setConcurrency(t, c, r.name, 1)
	ids := sendEvents(t, c, r.name, "backlog", 20, 300)
	r.waitAllDone(t, ids, 60*time.Second)
}

// TestGracefulShutdown sends SIGTERM while a synchronous invoke runs: the
// invoke must complete normally and the server then exit with status 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.lambda()
	name := uniqueName("slow")
	createGoFn(t, c, name)

	type result struct {
		payload string
		err     error
		at      time.Time
	}
	res := make(chan result, 1)
	go func() {
		out, err := tryInvoke(c, name, `{"action":"sleep","n":2000}`)
		r := result{err: err, at: time.Now()}
		if err == nil {
			r.payload = string(out.Payload)
			if out.FunctionError != nil {
				r.err = fmt.Errorf("function error %s: %s", *out.FunctionError, out.Payload)
			}
		}
		res <- r
	}()
	s.waitStarted(t, name)
	sent := time.Now()
	exitErr := s.stop(syscall.SIGTERM, 30*time.Second)
	exited := time.Now()
	if exitErr != nil {
		t.Errorf("gatehouse exited with %v after SIGTERM, want status 0", exitErr)
	}
	var r result
	select {
	case r = <-res:
	case <-time.After(30 * time.Second):
		t.Fatal("the invoke did not return after the server exited")
	}
	if r.err != nil || r.payload != `"slept"` {
		t.Errorf("invoke in flight during SIGTERM: %q, %v; want \"slept\"", r.payload, r.err)
	}
	if exited.Before(r.at.Add(-time.Second)) {
		t.Errorf("server exited %v before the in-flight invoke finished", r.at.Sub(exited))
	}
	t.Logf("server exited %v after SIGTERM", exited.Sub(sent).Round(time.Millisecond))
	noLeftovers(t, name)
}

// TestRestartKeepsState restarts the server (cleanly and by crash) and
// checks that functions, their settings, the root key and queued events
// all survive.
func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			flags := []string{"--async-lease", "2s"}
			s := startServer(t, flags...)
			c := s.lambda()
			r := newRecorder(t, c, withTimeout(7), withMemory(192))
			arn := "arn:aws:lambda:us-east-1:000000000000:function:" + r.name
			if _, err := c.TagResource(ctxT(t, 30*time.Second), &lambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"keep": "me"}}); err != nil {
				t.Fatal(err)
			}
			setConcurrency(t, c, r.name, 3)
			if _, err := c.AddPermission(ctxT(t, 30*time.Second), &lambda.AddPermissionInput{
				FunctionName: aws.String(r.name), StatementId: aws.String("keep"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com"),
			}); err != nil {
				t.Fatal(err)
			}
			before, err := c.GetFunction(ctxT(t, 30*time.Second), &lambda.GetFunctionInput{FunctionName: aws.String(r.name)})
			if err != nil {
				t.Fatal(err)
			}
			oldKey := s.AccessKey
			ids := sendEvents(t, c, r.name, "restart", 8, 500)

			s.restart(sig, flags...)
			if s.AccessKey != oldKey {
				t.Errorf("root access key changed across a restart: %s -> %s", oldKey, s.AccessKey)
			}
			// The client made before the restart still works: same key, same port.
			after, err := c.GetFunction(ctxT(t, 30*time.Second), &lambda.GetFunctionInput{FunctionName: aws.String(r.name)})
			if err != nil {
				t.Fatalf("GetFunction after restart: %v", err)
			}
			b, a := before.Configuration, after.Configuration
			if aws.ToString(a.RevisionId) != aws.ToString(b.RevisionId) || aws.ToString(a.CodeSha256) != aws.ToString(b.CodeSha256) ||
				aws.ToInt32(a.Timeout) != 7 || aws.ToInt32(a.MemorySize) != 192 || a.Environment == nil || a.Environment.Variables["OUT_FILE"] != r.file {
				t.Errorf("configuration changed across a restart:\nbefore %+v\nafter  %+v", b, a)
			}
			if after.Tags["keep"] != "me" || after.Concurrency == nil || aws.ToInt32(after.Concurrency.ReservedConcurrentExecutions) != 3 {
				t.Errorf("tags %v / concurrency %+v lost across a restart", after.Tags, after.Concurrency)
			}
			if pol, err := c.GetPolicy(ctxT(t, 30*time.Second), &lambda.GetPolicyInput{FunctionName: aws.String(r.name)}); err != nil || !strings.Contains(aws.ToString(pol.Policy), `"keep"`) {
				t.Errorf("policy lost across a restart: %v", err)
			}
			r.waitAllDone(t, ids, 60*time.Second)
			if out := invoke(t, c, r.name, `{"id":"sync-after-restart"}`); string(wantOK(t, out)) != `{"id": "sync-after-restart"}` {
				t.Errorf("sync invoke after restart returned %s", out.Payload)
			}
		})
	}
}
