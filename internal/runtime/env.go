package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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
	srv     *http.Server
	proc    Process
	out     *output
	stream  string // log stream name
	created time.Time

	calls   chan *call
	initErr atomic.Pointer[[]byte] // body posted to /runtime/init/error
	current atomic.Pointer[call]
	ready   chan struct{} // closed on the first GET next: init is over
	readyAt time.Time
	dying   chan struct{} // closed when the environment is being torn down
	dieOnce sync.Once

	tailMu  sync.Mutex
	tail    *tailBuffer // non-nil while an invocation wants its log tail
	invokes int         // completed invocations, owned by the pool
	peakMB  int         // owned by the invocation in flight
	peakAt  time.Time
	idleAt  time.Time // owned by the pool
}

func (e *env) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", e.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", e.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", e.fnError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", e.initError)
	// Extensions API: enough for aws-lambda-go's SIGTERM helper and simple
	// extensions to register; event/next blocks until shutdown.
	mux.HandleFunc("POST /2020-01-01/extension/register", e.extRegister)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", e.extNext)
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("pong")) })
	return mux
}

func rapiError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errorMessage":%q,"errorType":%q}`, msg, errType)
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`{"status":"OK"}`))
}

func (e *env) next(w http.ResponseWriter, r *http.Request) {
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
	var c *call
	select {
	case c = <-e.calls:
	case <-e.dying:
		return
	case <-r.Context().Done():
		return
	}
	c.started = time.Now()
	c.deadline = c.started.Add(c.timeout)
	e.logf("START RequestId: %s Version: %s", c.inv.RequestID, e.fn.Version)
	e.current.Store(c)
	close(c.delivered)
	h := w.Header()
	h["Lambda-Runtime-Aws-Request-Id"] = []string{c.inv.RequestID}
	h["Lambda-Runtime-Deadline-Ms"] = []string{strconv.FormatInt(c.deadline.UnixMilli(), 10)}
	h["Lambda-Runtime-Invoked-Function-Arn"] = []string{c.inv.InvokedARN}
	h["Lambda-Runtime-Trace-Id"] = []string{c.inv.TraceID}
	if c.inv.ClientContext != "" {
		h["Lambda-Runtime-Client-Context"] = []string{c.inv.ClientContext}
	}
	if c.inv.CognitoIdentity != "" {
		h["Lambda-Runtime-Cognito-Identity"] = []string{c.inv.CognitoIdentity}
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(c.inv.Payload))}
	w.WriteHeader(http.StatusOK)
	w.Write(c.inv.Payload)
}

// callFor finds the in-flight call a runtime names in its URL.
func (e *env) callFor(w http.ResponseWriter, r *http.Request) *call {
	c := e.current.Load()
	if c == nil || c.inv.RequestID != r.PathValue("id") {
		rapiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return nil
	}
	return c
}

// readBody reads at most MaxResponseSize bytes; chunked bodies with
// trailers (aws-lambda-go declares them) are handled by net/http.
func readBody(r *http.Request) ([]byte, bool, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= MaxResponseSize {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, MaxResponseSize+1))
	if err != nil {
		return nil, false, err
	}
	return buf.Bytes(), n > MaxResponseSize, nil
}

func (e *env) response(w http.ResponseWriter, r *http.Request) {
	c := e.callFor(w, r)
	if c == nil {
		return
	}
	body, tooBig, err := readBody(r)
	if err != nil {
		rapiError(w, http.StatusBadRequest, "InvalidPayload", err.Error())
		return
	}
	if tooBig {
		// Lambda resets the environment after an oversized response.
		defer e.die()
		c.finish(errorBody(ErrTypeResponseTooLarge, "Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseSize), true, ErrTypeResponseTooLarge)
		rapiError(w, http.StatusRequestEntityTooLarge, ErrTypeResponseTooLarge, "Payload Too Large")
		return
	}
	if len(body) == 0 {
		body = []byte("null")
	}
	c.finish(body, false, "")
	accepted(w)
}

// errorDoc turns what a runtime posted as an error into the document the
// caller gets: the runtime's JSON as is (Node says "trace", Python and Go
// "stackTrace"), or a wrapped message when the body is not an object.
func errorDoc(r *http.Request, body []byte) ([]byte, string) {
	errType := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &doc) == nil && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		if doc.ErrorType != "" {
			errType = doc.ErrorType
		}
		return body, errType
	}
	if errType == "" {
		errType = ErrTypeUnknown
	}
	return errorBody(errType, "%s", strings.TrimSpace(string(body))), errType
}

func (e *env) fnError(w http.ResponseWriter, r *http.Request) {
	c := e.callFor(w, r)
	if c == nil {
		return
	}
	body, tooBig, err := readBody(r)
	if err != nil || tooBig {
		body = nil
	}
	doc, errType := errorDoc(r, body)
	c.finish(doc, true, errType)
	accepted(w)
}

func (e *env) initError(w http.ResponseWriter, r *http.Request) {
	body, _, err := readBody(r)
	if err != nil {
		body = nil
	}
	doc, _ := errorDoc(r, body)
	e.initErr.Store(&doc)
	accepted(w)
}

func (e *env) extRegister(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Lambda-Extension-Identifier", e.id)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"functionName":%q,"functionVersion":%q,"handler":%q}`, e.fn.Name, e.fn.Version, e.fn.Handler)
}

func (e *env) extNext(w http.ResponseWriter, r *http.Request) {
	select {
	case <-e.dying:
	case <-r.Context().Done():
	}
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
		e.srv.Close()
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
	if inv.Tail {
		e.tailMu.Lock()
		e.tail = &tailBuffer{}
		e.tailMu.Unlock()
	}
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
		e.logf("START RequestId: %s Version: %s", inv.RequestID, e.fn.Version)
		c.started = begin
	}
	end := c.completed
	if end.IsZero() {
		end = time.Now()
	}
	res.Duration = end.Sub(c.started)
	res.MaxMemoryMB = e.maxMemoryMB(end)
	e.logf("END RequestId: %s", inv.RequestID)
	billed := res.Duration.Milliseconds()
	if res.Duration%time.Millisecond != 0 || billed == 0 {
		billed++
	}
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		inv.RequestID, float64(res.Duration.Microseconds())/1000, billed, e.fn.MemoryMB, res.MaxMemoryMB)
	if res.InitDuration > 0 {
		report += fmt.Sprintf("Init Duration: %.2f ms\t", float64(res.InitDuration.Microseconds())/1000)
	}
	e.logf("%s", report)
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
	// blocked in GET next; a cold one gets the init limit on top.
	wait := e.fn.Timeout
	if cold {
		wait = initTimeout + e.fn.Timeout
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case e.calls <- c:
		<-c.delivered
	case <-e.proc.Done():
		if !cold {
			// A warm environment that died between invocations never saw
			// this event: the caller retries on a fresh one.
			return Result{undelivered: true}
		}
		return e.exited(id)
	case <-timer.C:
		e.die()
		return e.timedOut(id, e.fn.Timeout)
	case <-ctx.Done():
		e.die()
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

var errEnvGone = errors.New("execution environment is gone")
