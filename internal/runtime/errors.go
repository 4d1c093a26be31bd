package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Lambda's own error type names, verbatim: clients and tests match on them.
const (
	ErrTypeExit             = "Runtime.ExitError"
	ErrTypeInvalidEntry     = "Runtime.InvalidEntrypoint"
	ErrTypeTimeout          = "Sandbox.Timedout"
	ErrTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
	ErrTypeUnknown          = "Runtime.Unknown"
)

// MaxResponseSize is the largest response a function may return: 6 MB,
// plus the 100 bytes of slack the Runtime API itself allows.
const MaxResponseSize = 6*1024*1024 + 100

// ErrThrottled is returned (wrapped in *ThrottleError) when no execution
// environment may be started for an invocation.
var ErrThrottled = errors.New("throttled")

// ThrottleError says why an invocation was refused.
type ThrottleError struct {
	// Reason is Lambda's throttle reason, e.g.
	// ReservedFunctionConcurrentInvocationLimitExceeded.
	Reason string
}

func (e *ThrottleError) Error() string { return "throttled: " + e.Reason }
func (e *ThrottleError) Unwrap() error { return ErrThrottled }

// errorBody renders a function error the way Lambda reports platform
// failures: {"errorType","errorMessage"}.
func errorBody(errType, format string, args ...any) []byte {
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{errType, fmt.Sprintf(format, args...)})
	return b
}
