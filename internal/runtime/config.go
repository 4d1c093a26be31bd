package runtime

import (
	"time"
)

// Function is everything the supervisor needs to run one revision of a
// function. It is immutable once handed over: a change to the function
// comes as a new Function with a new Revision, and environments of the old
// revision are retired.
type Function struct {
	Name     string
	Revision string // changes whenever code or configuration changes
	Version  string // "$LATEST" or a number
	ARN      string
	Runtime  string
	Handler  string
	TaskRoot string // unpacked code, absolute path
	MemoryMB int
	Timeout  time.Duration
	// Env holds the function's own variables plus the ones the functions
	// service adds (credentials, endpoint); the supervisor adds the
	// reserved Lambda variables on top, which win.
	Env map[string]string
	// Concurrency caps concurrent invocations; negative means unreserved.
	Concurrency int
	// Logs receives every line the environments print, plus the
	// START/END/REPORT lines.
	Logs LogSink
}

// LogSink receives log records for one function. line is only valid
// during the call: implementations copy what they keep.
type LogSink interface {
	Log(stream string, t time.Time, line []byte)
}

// Invocation is one event to deliver.
type Invocation struct {
	RequestID       string
	Payload         []byte
	InvokedARN      string
	TraceID         string
	ClientContext   string // JSON, already base64-decoded
	CognitoIdentity string // JSON
	// Tail asks for the last 4 KB of this invocation's log.
	Tail bool
}

// Result is what an invocation produced.
type Result struct {
	Payload []byte
	// ErrorType is set when the function failed; Payload then holds the
	// error document.
	ErrorType     string
	FunctionError bool
	LogTail       []byte
	Duration      time.Duration
	InitDuration  time.Duration // non-zero on a cold start
	ColdStart     bool
	MaxMemoryMB   int

	undelivered bool
}

// nopSink discards logs.
type nopSink struct{}

func (nopSink) Log(string, time.Time, []byte) {}

var _ LogSink = nopSink{}
