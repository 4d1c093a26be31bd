package functions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

// Payload limits, as Lambda enforces them.
const (
	MaxSyncPayload  = 6 * 1024 * 1024
	MaxAsyncPayload = 1024 * 1024
)

// InvokeInput is one call to a function from any caller: the Invoke API,
// the gateway, user pool triggers, authorizers.
type InvokeInput struct {
	FunctionName string // name, ARN or partial ARN
	Qualifier    string
	Payload      []byte
	// ClientContext is base64 JSON, as the X-Amz-Client-Context header.
	ClientContext   string
	CognitoIdentity string
	Tail            bool
	RequestID       string // generated when empty
	// Trusted marks a payload gatehouse built itself (gateway events,
	// trigger events): valid JSON by construction, so not re-validated.
	Trusted bool
}

// InvokeOutput is a synchronous invocation's outcome.
type InvokeOutput struct {
	Payload         []byte
	FunctionError   string // "Unhandled" when the function failed
	ErrorType       string
	LogResult       string // base64 log tail when asked for
	ExecutedVersion string
	RequestID       string
}

// Invoke runs a function synchronously. Function failures are reported in
// the output; the error is for invocation failures (not found, throttled,
// bad request) and is an *awsproto.Error for those.
func (s *Service) Invoke(ctx context.Context, in *InvokeInput) (*InvokeOutput, error) {
	l, err := s.prepare(ctx, in)
	if err != nil {
		return nil, err
	}
	if len(in.Payload) > MaxSyncPayload {
		return nil, awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", MaxSyncPayload)
	}
	cc := ""
	if in.ClientContext != "" {
		b, err := base64.StdEncoding.DecodeString(in.ClientContext)
		if err != nil || !json.Valid(b) {
			return nil, invalidParameter("Client context must be a valid Base64-encoded JSON object.")
		}
		cc = string(b)
	}
	return s.run(ctx, l, in, cc)
}

func (s *Service) prepare(ctx context.Context, in *InvokeInput) (*live, error) {
	r, err := s.parseName(in.FunctionName, "functionName")
	if err != nil {
		return nil, err
	}
	q := in.Qualifier
	if q == "" {
		q = r.Qualifier
	} else if r.Qualifier != "" && r.Qualifier != q {
		return nil, invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if q != "" && q != "$LATEST" {
		if !qualifierRe.MatchString(q) {
			return nil, validationError("Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)", q)
		}
		return nil, notFound(s.arn(r.Name) + ":" + q)
	}
	if len(in.Payload) > 0 && !in.Trusted && !json.Valid(in.Payload) {
		return nil, awsproto.Errorf(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value")
	}
	if in.RequestID == "" {
		in.RequestID = awsproto.NewRequestID()
	}
	return s.resolve(ctx, r.Name)
}

func (s *Service) run(ctx context.Context, l *live, in *InvokeInput, clientContext string) (*InvokeOutput, error) {
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	m := s.opts.Metrics.function(l.fn.Name)
	res, err := s.opts.Supervisor.Invoke(ctx, l.fn, &runtime.Invocation{
		RequestID:       in.RequestID,
		Payload:         payload,
		InvokedARN:      invokedARN(l.fn.ARN, in),
		TraceID:         traceID(s.now(), in.RequestID),
		ClientContext:   clientContext,
		CognitoIdentity: in.CognitoIdentity,
		Tail:            in.Tail,
	})
	var te *runtime.ThrottleError
	if errors.As(err, &te) {
		m.throttles.Inc()
		return nil, &awsproto.Error{
			Status: http.StatusTooManyRequests, Code: "TooManyRequestsException", Fault: "User",
			Message: "Rate Exceeded.",
			Header:  http.Header{"Retry-After": []string{"1"}},
			Fields:  map[string]string{"Reason": te.Reason},
		}
	}
	if err != nil {
		return nil, err
	}
	m.observe(res)
	out := &InvokeOutput{Payload: res.Payload, ExecutedVersion: "$LATEST", RequestID: in.RequestID}
	if res.FunctionError {
		out.FunctionError = "Unhandled"
		out.ErrorType = res.ErrorType
	}
	if in.Tail {
		out.LogResult = base64.StdEncoding.EncodeToString(res.LogTail)
	}
	return out, nil
}

func invokedARN(arn string, in *InvokeInput) string {
	if in.Qualifier != "" {
		return arn + ":" + in.Qualifier
	}
	return arn
}

// traceID makes an X-Ray-shaped trace header: Root=1-<hex time>-<24 hex>.
func traceID(now time.Time, requestID string) string {
	id := make([]byte, 0, 24)
	for i := 0; i < len(requestID) && len(id) < 24; i++ {
		if requestID[i] != '-' {
			id = append(id, requestID[i])
		}
	}
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + string(id) + ";Parent=" + string(id[:16]) + ";Sampled=0"
}

// DryRun checks that a function exists and the caller may invoke it.
func (s *Service) DryRun(ctx context.Context, in *InvokeInput) error {
	_, err := s.prepare(ctx, in)
	return err
}

// InvokeAsync queues an Event invocation durably and returns its request
// id once the queue has it on disk.
func (s *Service) InvokeAsync(ctx context.Context, in *InvokeInput) (string, error) {
	l, err := s.prepare(ctx, in)
	if err != nil {
		return "", err
	}
	if len(in.Payload) > MaxAsyncPayload {
		return "", awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", MaxAsyncPayload)
	}
	if l.fn.Concurrency == 0 {
		// Lambda drops events for a function throttled to zero; there is no
		// DLQ here, so refuse instead of losing the event silently.
		return "", &awsproto.Error{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException", Fault: "User", Message: "Rate Exceeded.", Fields: map[string]string{"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}}
	}
	if err := s.async.enqueue(ctx, l.fn.Name, in); err != nil {
		return "", err
	}
	return in.RequestID, nil
}

// errorCode is the AWS error code of err, if it has one.
func errorCode(err error) string {
	if e, ok := awsproto.AsError(err); ok {
		return e.Code
	}
	return ""
}
