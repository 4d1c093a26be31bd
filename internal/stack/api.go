package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// API calls a gatehouse's AWS-shaped operations, as CloudFormation calls
// AWS's: a stack can do nothing the public API cannot, and every
// resource goes through the same validation a CLI call would.
type API interface {
	// REST calls a REST-JSON operation (Lambda, API Gateway).
	REST(ctx context.Context, service, method, path string, in, out any) error
	// Target calls a JSON 1.1 operation (Cognito user pools).
	Target(ctx context.Context, service, target string, in, out any) error
}

// APIError is an AWS error answer.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	return e.Code + ": " + e.Message
}

// HandlerAPI serves calls in process through the server's own front
// handler, signed with the root key like any client's, without a network
// round trip.
type HandlerAPI struct {
	Handler http.Handler
	Signer  awsproto.Signer
	// Host is the Host header calls carry (the server's address), so that
	// answers naming URLs (API endpoints, issuers) name the real ones.
	Host string
}

func (a *HandlerAPI) REST(ctx context.Context, service, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		if raw, ok := in.([]byte); ok {
			body = raw
		} else {
			var err error
			if body, err = json.Marshal(in); err != nil {
				return err
			}
		}
	}
	h := http.Header{"Content-Type": {"application/json"}}
	return a.do(ctx, service, method, path, h, body, out)
}

func (a *HandlerAPI) Target(ctx context.Context, service, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {target}}
	return a.do(ctx, service, http.MethodPost, "/", h, body, out)
}

func (a *HandlerAPI) do(ctx context.Context, service, method, path string, h http.Header, body []byte, out any) error {
	host := a.Host
	if host == "" {
		host = "127.0.0.1"
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+host+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = h
	req.RemoteAddr = "127.0.0.1:0"
	s := a.Signer
	s.Service = service
	if err := s.Sign(req, body); err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	data := rec.Body.Bytes()
	if rec.Code >= 300 {
		var e struct {
			Message  string `json:"message"`
			Message2 string `json:"Message"`
			Type     string `json:"__type"`
		}
		json.Unmarshal(data, &e)
		if e.Message == "" {
			e.Message = e.Message2
		}
		code := rec.Header().Get("X-Amzn-Errortype")
		if code == "" {
			code = e.Type
		}
		if i := bytes.IndexByte([]byte(code), ':'); i >= 0 {
			code = code[:i]
		}
		if i := bytes.LastIndexByte([]byte(code), '#'); i >= 0 {
			code = code[i+1:]
		}
		return &APIError{Status: rec.Code, Code: code, Message: e.Message}
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}
