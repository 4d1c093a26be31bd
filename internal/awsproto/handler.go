package awsproto

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// Protocol is how a service renders errors on the wire.
type Protocol int

const (
	// RESTJSON is Lambda's protocol: x-amzn-ErrorType header plus a body of
	// {"Type","message"} (botocore reads the header first).
	RESTJSON Protocol = iota
	// JSON11 is the X-Amz-Target protocol (Cognito, CloudWatch Logs):
	// {"__type","message"}.
	JSON11
)

// Request is an AWS API request whose body has been read and whose
// signature has been verified.
type Request struct {
	*http.Request
	Body       []byte
	Credential Credential
	ID         string // x-amzn-RequestId
}

// HandlerFunc handles a verified request; a returned error is rendered by
// the API that owns the handler, so handlers never write errors themselves.
type HandlerFunc func(w http.ResponseWriter, r *Request) error

// API turns HandlerFuncs into http.Handlers that read the body (up to a
// limit), verify SigV4, assign a request ID and render errors.
type API struct {
	Protocol Protocol
	Verifier *Verifier
	Logger   *slog.Logger
	// MaxBody is the default body limit; TooLarge is the error for a body
	// over it (services name this differently).
	MaxBody  int64
	TooLarge *Error
	// Service and Region, when set, are what the credential scope must
	// name, as AWS rejects a request signed for another service or region.
	Service string
	Region  string
	// Public, when set, names the requests served without a signature
	// (Cognito's unauthenticated operations); they are not verified.
	Public func(*http.Request) bool
}

// NewRequestID returns a UUID-shaped random id, as AWS request ids are.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// Handle wraps h with the API's default body limit.
func (a *API) Handle(h HandlerFunc) http.Handler { return a.HandleLimit(a.MaxBody, a.TooLarge, h) }

// HandleLimit wraps h with a specific body limit and the error a body
// over it gets (operations word this differently).
func (a *API) HandleLimit(limit int64, tooLarge *Error, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		req := &Request{Request: hr, ID: NewRequestID()}
		w.Header()["X-Amzn-Requestid"] = []string{req.ID}
		if err := a.serve(w, req, limit, tooLarge, h); err != nil {
			a.WriteError(w, req, err)
		}
	})
}

func (a *API) serve(w http.ResponseWriter, req *Request, limit int64, tooLarge *Error, h HandlerFunc) error {
	if req.ContentLength > limit {
		return tooLarge
	}
	if req.ContentLength >= 0 {
		// The usual case: read exactly the declared length in one buffer.
		req.Body = make([]byte, req.ContentLength)
		if _, err := io.ReadFull(req.Request.Body, req.Body); err != nil {
			return Errorf(http.StatusBadRequest, "SerializationException", "could not read request body").Wrap(err)
		}
	} else {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(io.LimitReader(req.Request.Body, limit+1))
		if err != nil {
			return Errorf(http.StatusBadRequest, "SerializationException", "could not read request body").Wrap(err)
		}
		if n > limit {
			return tooLarge
		}
		req.Body = buf.Bytes()
	}
	if a.Public != nil && a.Public(req.Request) {
		return h(w, req)
	}
	cred, err := a.Verifier.Verify(req.Context(), req.Request, req.Body)
	if err != nil {
		return err
	}
	if a.Service != "" && cred.Service != a.Service {
		return &Error{Status: http.StatusForbidden, Code: "InvalidSignatureException", Fault: "User",
			Message: "Credential should be scoped to correct service: '" + a.Service + "'. "}
	}
	if a.Region != "" && cred.Region != a.Region {
		return &Error{Status: http.StatusForbidden, Code: "InvalidSignatureException", Fault: "User",
			Message: "Credential should be scoped to a valid region. "}
	}
	req.Credential = cred
	return h(w, req)
}

// WriteError renders err in the API's protocol. Errors that are not
// *Error are internal: logged in full, rendered as a bare service error.
func (a *API) WriteError(w http.ResponseWriter, r *Request, err error) {
	e, ok := AsError(err)
	log := a.Logger
	if log == nil {
		log = slog.Default()
	}
	if !ok {
		log.Error("internal error", "request_id", r.ID, "method", r.Method, "path", r.URL.Path, "err", err)
		e = &Error{Status: http.StatusInternalServerError, Code: "ServiceException", Message: "An internal error occurred. Request ID: " + r.ID, Fault: "Service"}
	} else if e.Status >= 500 || errors.Unwrap(e) != nil {
		log.Warn("request failed", "request_id", r.ID, "code", e.Code, "err", err)
	}
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h["Content-Type"] = []string{"application/json"}
	if a.Protocol == JSON11 {
		h["Content-Type"] = []string{"application/x-amz-json-1.1"}
	}
	h["X-Amzn-Errortype"] = []string{e.Code}
	body := make([]byte, 0, 96+len(e.Message))
	if a.Protocol == JSON11 {
		body = append(body, `{"__type":`...)
		body = appendJSONString(body, e.Code)
	} else {
		fault := e.Fault
		if fault == "" {
			fault = "User"
		}
		body = append(body, `{"Type":`...)
		body = appendJSONString(body, fault)
	}
	body = append(body, `,"message":`...)
	body = appendJSONString(body, e.Message)
	for k, v := range e.Fields {
		body = append(body, ',')
		body = appendJSONString(body, k)
		body = append(body, ':')
		body = appendJSONString(body, v)
	}
	body = append(body, '}')
	w.WriteHeader(e.Status)
	w.Write(body)
}
