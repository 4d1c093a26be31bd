package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// call is one invocation in flight inside an environment.
type call struct {
	inv       *Invocation
	timeout   time.Duration
	deadline  time.Time
	delivered chan struct{} // closed once the runtime has the event
	done      chan struct{} // closed once the outcome is set
	once      sync.Once

	deliverErr error

	payload   []byte
	errType   string
	fnError   bool
	started   time.Time
	completed time.Time
}

func (c *call) finish(payload []byte, fnError bool, errType string) bool {
	ok := false
	c.once.Do(func() {
		c.payload, c.fnError, c.errType = payload, fnError, errType
		c.completed = time.Now()
		close(c.done)
		ok = true
	})
	return ok
}

// env is one execution environment: a process speaking the Runtime API on
// a listener of its own, so that nothing in a request has to say which
// environment it comes from.
type env struct {
	id      string
	fn      *Function
	sup     *Supervisor
	ln      net.Listener
	proc    Process
	out     *output
	stream  string // log stream name
	created time.Time

	// Hand-off between an invoker and the runtime's GET next: whichever
	// arrives first leaves itself here for the other.
	mu      sync.Mutex
	parked  *rapiConn // a runtime waiting in GET next
	pending *call     // an event waiting for GET next

	initErr atomic.Pointer[[]byte] // body posted to /runtime/init/error
	current atomic.Pointer[call]
	ready   chan struct{} // closed on the first GET next: init is over
	readyAt time.Time
	dying   chan struct{} // closed when the environment is being torn down
	dieOnce sync.Once

	tailMu sync.Mutex
	tail   *tailBuffer // non-nil while an invocation wants its log tail
	peakMB int         // owned by the invocation in flight
	peakAt time.Time
	idleAt time.Time // owned by the pool
}

const (
	pathNext      = "/2018-06-01/runtime/invocation/next"
	pathInvoke    = "/2018-06-01/runtime/invocation/"
	pathInitError = "/2018-06-01/runtime/init/error"
	pathExtReg    = "/2020-01-01/extension/register"
	pathExtNext   = "/2020-01-01/extension/event/next"
)

// route answers one Runtime API request; false closes the connection.
func (e *env) route(rc *rapiConn, r *rapiRequest) bool {
	switch {
	case r.method == "GET" && r.path == pathNext:
		return e.next(rc)
	case r.method == "POST" && strings.HasPrefix(r.path, pathInvoke):
		id, verb, ok := strings.Cut(r.path[len(pathInvoke):], "/")
		if !ok || (verb != "response" && verb != "error") {
			return rc.reply(404, `{"errorMessage":"not found","errorType":"NotFound"}`, false) == nil
		}
		c := e.current.Load()
		if c == nil || c.inv.RequestID != id {
			return rc.reply(400, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`, false) == nil
		}
		if verb == "response" {
			return e.response(rc, c, r)
		}
		doc, errType := errorDoc(r.errorType, r.body)
		if r.tooBig {
			doc, errType = errorDoc(r.errorType, nil)
		}
		c.finish(doc, true, errType)
		return rc.reply(202, `{"status":"OK"}`, false) == nil
	case r.method == "POST" && r.path == pathInitError:
		doc, _ := errorDoc(r.errorType, r.body)
		e.initErr.Store(&doc)
		return rc.reply(202, `{"status":"OK"}`, false) == nil
	case r.method == "POST" && r.path == pathExtReg:
		body := `{"functionName":` + strconv.Quote(e.fn.Name) + `,"functionVersion":` + strconv.Quote(e.fn.Version) + `,"handler":` + strconv.Quote(e.fn.Handler) + `}`
		return rc.replyHeaders(200, []string{"Lambda-Extension-Identifier", e.id}, body, false) == nil
	case r.method == "GET" && r.path == pathExtNext:
		// Extensions wait here until the environment shuts down.
		<-e.dying
		return false
	case r.method == "GET" && r.path == "/ping":
		return rc.reply(200, `"pong"`, false) == nil
	}
	return rc.reply(404, `{"errorMessage":"not found","errorType":"NotFound"}`, false) == nil
}

func (e *env) next(rc *rapiConn) bool {
	select {
	case <-e.ready:
	default:
		e.readyAt = time.Now()
		close(e.ready)
	}
	// Asking for the next event ends the previous one, as in aws-lambda-go's
	// contract: a runtime that never posted a result returned nothing.
	if c := e.current.Load(); c != nil {
		c.finish([]byte("null"), false, "")
	}
	e.mu.Lock()
	c := e.pending
	e.pending = nil
	if c == nil {
		e.parked = rc
	}
	e.mu.Unlock()
	if c != nil {
		e.deliver(rc, c)
	}
	// Either way the connection goes back to reading: the event is written
	// by whoever completes the hand-off.
	return true
}

// unpark forgets a runtime connection that closed while waiting.
func (e *env) unpark(rc *rapiConn) {
	e.mu.Lock()
	if e.parked == rc {
		e.parked = nil
	}
	e.mu.Unlock()
}

// deliver starts an invocation on a runtime parked in GET next.
func (e *env) deliver(rc *rapiConn, c *call) {
	c.started = time.Now()
	c.deadline = c.started.Add(c.timeout)
	e.current.Store(c)
	e.logStart(c.inv.RequestID)
	if err := rc.deliver(c); err != nil {
		c.deliverErr = err
	}
	close(c.delivered)
}

func (e *env) response(rc *rapiConn, c *call, r *rapiRequest) bool {
	if r.tooBig {
		c.finish(errorBody(ErrTypeResponseTooLarge, "Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseSize), true, ErrTypeResponseTooLarge)
		rc.reply(413, `{"errorMessage":"Payload Too Large","errorType":"`+ErrTypeResponseTooLarge+`"}`, true)
		// Lambda resets the environment after an oversized response.
		e.die()
		return false
	}
	body := r.body
	if len(body) == 0 {
		body = []byte("null")
	}
	c.finish(body, false, "")
	return rc.reply(202, `{"status":"OK"}`, false) == nil
}

// errorDoc turns what a runtime posted as an error into the document the
// caller gets: the runtime's JSON as is (Node says "trace", Python and Go
// "stackTrace"), or a wrapped message when the body is not an object.
func errorDoc(headerType string, body []byte) ([]byte, string) {
	errType := headerType
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &doc) == nil {
		if doc.ErrorType != "" {
			errType = doc.ErrorType
		}
		return body, errType
	}
	if errType == "" {
		errType = ErrTypeUnknown
	}
	return errorBody(errType, "%s", string(trimmed)), errType
}

// log writes one record to the function's log and, during an invocation
// that asked for it, to the tail buffer.
func (e *env) log(t time.Time, line []byte) {
	e.fn.Logs.Log(e.stream, t, line)
	e.tailMu.Lock()
	if e.tail != nil {
		e.tail.write(line)
	}
	e.tailMu.Unlock()
}

func (e *env) logStart(requestID string) {
	line := make([]byte, 0, 96)
	line = append(line, "START RequestId: "...)
	line = append(line, requestID...)
	line = append(line, " Version: "...)
	line = append(line, e.fn.Version...)
	e.log(time.Now(), line)
}

// appendMillis renders d in milliseconds with two decimals (12.34).
func appendMillis(b []byte, d time.Duration) []byte {
	us := d.Microseconds()
	b = strconv.AppendInt(b, us/1000, 10)
	b = append(b, '.')
	cent := (us % 1000) / 10
	if cent < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, cent, 10)
}

func (e *env) logf(format string, args ...any) {
	e.log(time.Now(), fmt.Appendf(nil, format, args...))
}

// die tears the environment down: kill the process tree, stop the
// Runtime API listener. Safe to call more than once.
func (e *env) die() {
	e.dieOnce.Do(func() {
		close(e.dying)
		if e.proc != nil {
			e.proc.Kill()
		}
		if e.ln != nil {
			e.ln.Close()
		}
		e.mu.Lock()
		rc := e.parked
		e.parked = nil
		e.mu.Unlock()
		if rc != nil {
			rc.c.Close()
		}
	})
}

func (e *env) alive() bool {
	select {
	case <-e.dying:
		return false
	case <-e.proc.Done():
		return false
	default:
		return true
	}
}

// invoke runs one invocation to its end. The environment must be
// reserved for the caller. It returns a Result for every outcome that
// Lambda reports as a function error; the environment is unusable
// afterwards unless e.alive().
func (e *env) invoke(ctx context.Context, inv *Invocation, cold bool, initTimeout time.Duration) Result {
	c := &call{inv: inv, timeout: e.fn.Timeout, delivered: make(chan struct{}), done: make(chan struct{})}
	e.tailMu.Lock()
	switch {
	case !inv.Tail:
		e.tail = nil
	case e.tail == nil:
		e.tail = &tailBuffer{}
		// A new environment's tail is already running: it holds what the
		// runtime printed while starting, as Lambda's first tail does.
	}
	e.tailMu.Unlock()
	begin := time.Now()
	res := e.run(ctx, c, cold, initTimeout)
	if res.undelivered {
		e.tailMu.Lock()
		e.tail = nil
		e.tailMu.Unlock()
		return res
	}
	if cold {
		res.ColdStart = true
		if !e.readyAt.IsZero() {
			res.InitDuration = e.readyAt.Sub(e.created)
		}
	}
	e.out.Sync()
	if c.started.IsZero() {
		// Never delivered (the runtime died or hung in init): Lambda still
		// brackets the failure with START/END/REPORT.
		e.logStart(inv.RequestID)
		c.started = begin
	}
	end := c.completed
	if end.IsZero() {
		end = time.Now()
	}
	res.Duration = end.Sub(c.started)
	res.MaxMemoryMB = e.maxMemoryMB(end)
	now := time.Now()
	line := make([]byte, 0, 192)
	line = append(append(line, "END RequestId: "...), inv.RequestID...)
	e.log(now, line)
	// The REPORT line, formatted by hand: it is written on every invoke.
	billed := res.Duration.Milliseconds()
	if res.Duration%time.Millisecond != 0 || billed == 0 {
		billed++
	}
	line = append(line[:0], "REPORT RequestId: "...)
	line = append(line, inv.RequestID...)
	line = append(line, "\tDuration: "...)
	line = appendMillis(line, res.Duration)
	line = append(line, " ms\tBilled Duration: "...)
	line = strconv.AppendInt(line, billed, 10)
	line = append(line, " ms\tMemory Size: "...)
	line = strconv.AppendInt(line, int64(e.fn.MemoryMB), 10)
	line = append(line, " MB\tMax Memory Used: "...)
	line = strconv.AppendInt(line, int64(res.MaxMemoryMB), 10)
	line = append(line, " MB\t"...)
	if res.InitDuration > 0 {
		line = append(line, "Init Duration: "...)
		line = appendMillis(line, res.InitDuration)
		line = append(line, " ms\t"...)
	}
	e.log(now, line)
	if inv.Tail {
		e.tailMu.Lock()
		res.LogTail = e.tail.bytes()
		e.tail = nil
		e.tailMu.Unlock()
	}
	return res
}

func (e *env) run(ctx context.Context, c *call, cold bool, initTimeout time.Duration) Result {
	id := c.inv.RequestID
	// Phase 1: hand the event over. A warm environment is normally already
	// parked in GET next; a cold one gets the init limit on top.
	e.mu.Lock()
	rc := e.parked
	e.parked = nil
	if rc == nil {
		e.pending = c
	}
	e.mu.Unlock()
	if rc != nil {
		e.deliver(rc, c)
	}
	wait := e.fn.Timeout
	if cold {
		wait = initTimeout + e.fn.Timeout
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	withdraw := func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.pending == c {
			e.pending = nil
			return true
		}
		return false
	}
	select {
	case <-c.delivered:
	case <-e.proc.Done():
		if withdraw() {
			if !cold {
				// A warm environment that died between invocations never saw
				// this event: the caller retries on a fresh one.
				return Result{undelivered: true}
			}
			return e.exited(id)
		}
		<-c.delivered
	case <-timer.C:
		if withdraw() {
			e.die()
			return e.timedOut(id, e.fn.Timeout)
		}
		<-c.delivered
	case <-ctx.Done():
		if withdraw() {
			e.die()
			return e.exited(id)
		}
		<-c.delivered
	}
	if c.deliverErr != nil {
		// The runtime hung up while parked.
		e.die()
		if !cold {
			return Result{undelivered: true}
		}
		return e.exited(id)
	}
	// Phase 2: the function runs until its deadline.
	timer.Reset(time.Until(c.deadline))
	select {
	case <-c.done:
	case <-e.proc.Done():
		// The process may have posted its result just before exiting.
		select {
		case <-c.done:
		default:
			return e.exited(id)
		}
	case <-timer.C:
		if !c.finish(nil, true, ErrTypeTimeout) {
			break // the result raced the timer and won
		}
		e.die()
		return e.timedOut(id, e.fn.Timeout)
	case <-ctx.Done():
		e.die()
		return e.exited(id)
	}
	e.current.Store(nil)
	return Result{Payload: c.payload, FunctionError: c.fnError, ErrorType: c.errType}
}

func (e *env) timedOut(id string, timeout time.Duration) Result {
	msg := fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())
	e.logf("%s %s %s", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), id, msg)
	return Result{
		Payload:       errorBody(ErrTypeTimeout, "RequestId: %s Error: %s", id, msg),
		FunctionError: true,
		ErrorType:     ErrTypeTimeout,
	}
}

// exited reports an environment that ended without a result: the init
// error it posted if there was one, else Runtime.ExitError.
func (e *env) exited(id string) Result {
	select {
	case <-e.proc.Done():
	case <-time.After(2 * time.Second):
		e.die()
		<-e.proc.Done()
	}
	if doc := e.initErr.Load(); doc != nil {
		var d struct {
			ErrorType string `json:"errorType"`
		}
		json.Unmarshal(*doc, &d)
		return Result{Payload: *doc, FunctionError: true, ErrorType: d.ErrorType}
	}
	if d, ok := e.proc.(*deadProcess); ok {
		e.logf("RequestId: %s Error: %v\nRuntime.InvalidEntrypoint", id, d.err)
		return Result{
			Payload:       errorBody(ErrTypeInvalidEntry, "RequestId: %s Error: %v", id, d.err),
			FunctionError: true,
			ErrorType:     ErrTypeInvalidEntry,
		}
	}
	desc := exitDescription(e.proc.Err())
	e.logf("RequestId: %s Error: Runtime exited with error: %s\nRuntime.ExitError", id, desc)
	return Result{
		Payload:       errorBody(ErrTypeExit, "RequestId: %s Error: Runtime exited with error: %s", id, desc),
		FunctionError: true,
		ErrorType:     ErrTypeExit,
	}
}

// maxMemoryMB reads the environment's peak memory, at most every 100 ms:
// the figure only feeds REPORT lines, and reading cgroup files on every
// warm invocation would cost more than the invocation itself.
func (e *env) maxMemoryMB(now time.Time) int {
	if e.peakAt.IsZero() || now.Sub(e.peakAt) > 100*time.Millisecond || !e.alive() {
		e.peakMB = int((e.proc.MaxMemoryBytes() + (1<<20 - 1)) >> 20)
		e.peakAt = now
	}
	return e.peakMB
}

// tailBuffer keeps the last 4 KB written to it.
type tailBuffer struct{ b []byte }

const tailSize = 4096

func (t *tailBuffer) write(line []byte) {
	t.b = append(t.b, line...)
	t.b = append(t.b, '\n')
	if len(t.b) > 2*tailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-tailSize:]...)
	}
}

func (t *tailBuffer) bytes() []byte {
	if t == nil {
		return nil
	}
	if len(t.b) > tailSize {
		return t.b[len(t.b)-tailSize:]
	}
	return t.b
}
