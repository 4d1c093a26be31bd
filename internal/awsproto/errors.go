// Package awsproto holds the AWS wire details every AWS-facing service
// shares: SigV4, request IDs, and AWS-shaped errors for the REST-JSON and
// JSON 1.1 protocols.
package awsproto

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error a client is meant to see. Code is the AWS error name
// (the x-amzn-ErrorType / __type value); Message is safe to show. Internal
// detail belongs in a wrapped error, which is logged but never rendered.
type Error struct {
	Status  int
	Code    string
	Message string
	// Fault is "User" or "Service", as Lambda's REST-JSON bodies say.
	Fault string
	// Header holds extra response headers (Retry-After on throttles).
	Header http.Header
	// Fields are extra top-level body members (Lambda's "Reason").
	Fields map[string]string
	cause  error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Wrap returns a copy of e carrying cause for the logs.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// Errorf builds a client error with status, code and a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	fault := "User"
	if status >= 500 {
		fault = "Service"
	}
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...), Fault: fault}
}

// AsError finds the client-facing error in err's chain; anything else is
// an internal failure and becomes a bare ServiceException-style error.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Errors shared by every signed AWS API.
var (
	ErrMissingAuthenticationToken = &Error{Status: http.StatusForbidden, Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Fault: "User"}
	ErrUnrecognizedClient         = &Error{Status: http.StatusForbidden, Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Fault: "User"}
	ErrInvalidSignature           = &Error{Status: http.StatusForbidden, Code: "InvalidSignatureException", Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", Fault: "User"}
	ErrIncompleteSignature        = &Error{Status: http.StatusBadRequest, Code: "IncompleteSignatureException", Message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.", Fault: "User"}
)
