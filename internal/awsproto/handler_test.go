package awsproto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func testAPI(p Protocol) *API {
	return &API{
		Protocol: p,
		Verifier: &Verifier{Lookup: func(ctx context.Context, id string) (string, error) {
			if id == "AKIDTEST" {
				return "secret", nil
			}
			return "", ErrUnknownAccessKey
		}},
		MaxBody:  1024,
		TooLarge: Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "too large"),
		Service:  "lambda",
		Region:   "us-east-1",
	}
}

func signed(t *testing.T, service, region string, body []byte) *http.Request {
	r := httptest.NewRequest("POST", "http://127.0.0.1:4566/x", bytes.NewReader(body))
	s := Signer{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Region: region, Service: service}
	if err := s.Sign(r, body); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAPIRendersErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		proto    Protocol
		req      func() *http.Request
		handler  HandlerFunc
		status   int
		code     string
		bodyHas  string
		noDetail string
	}{
		{"unsigned", RESTJSON, func() *http.Request { return httptest.NewRequest("GET", "/x", nil) }, nil, 403, "MissingAuthenticationTokenException", `"Type":"User"`, ""},
		{"client error rest", RESTJSON, func() *http.Request { return signed(t, "lambda", "us-east-1", nil) },
			func(w http.ResponseWriter, r *Request) error {
				return Errorf(404, "ResourceNotFoundException", "Function not found: <x>")
			}, 404, "ResourceNotFoundException", `"message":"Function not found: \u003cx\u003e"`, ""},
		{"client error json11", JSON11, func() *http.Request { return signed(t, "lambda", "us-east-1", nil) },
			func(w http.ResponseWriter, r *Request) error {
				return Errorf(400, "InvalidParameterException", "bad")
			}, 400, "InvalidParameterException", `"__type":"InvalidParameterException"`, ""},
		{"internal error hidden", RESTJSON, func() *http.Request { return signed(t, "lambda", "us-east-1", nil) },
			func(w http.ResponseWriter, r *Request) error { return errors.New("database password is hunter2") },
			500, "ServiceException", "Request ID", "hunter2"},
		{"body over limit", RESTJSON, func() *http.Request { return signed(t, "lambda", "us-east-1", bytes.Repeat([]byte("x"), 2000)) },
			func(w http.ResponseWriter, r *Request) error { return nil }, 413, "RequestTooLargeException", "too large", ""},
		{"wrong service", RESTJSON, func() *http.Request { return signed(t, "s3", "us-east-1", nil) },
			func(w http.ResponseWriter, r *Request) error { return nil }, 403, "InvalidSignatureException", "correct service", ""},
		{"wrong region", RESTJSON, func() *http.Request { return signed(t, "lambda", "eu-west-1", nil) },
			func(w http.ResponseWriter, r *Request) error { return nil }, 403, "InvalidSignatureException", "valid region", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.handler
			if h == nil {
				h = func(w http.ResponseWriter, r *Request) error { t.Fatal("handler ran"); return nil }
			}
			rec := httptest.NewRecorder()
			testAPI(tc.proto).Handle(h).ServeHTTP(rec, tc.req())
			if rec.Code != tc.status || rec.Header().Get("X-Amzn-Errortype") != tc.code {
				t.Fatalf("status %d type %q, want %d %q; body %s", rec.Code, rec.Header().Get("X-Amzn-Errortype"), tc.status, tc.code, rec.Body)
			}
			if rec.Header().Get("X-Amzn-Requestid") == "" {
				t.Fatal("no request id")
			}
			body := rec.Body.String()
			if !json.Valid([]byte(body)) || !strings.Contains(body, tc.bodyHas) {
				t.Fatalf("body %s lacks %s", body, tc.bodyHas)
			}
			if tc.noDetail != "" && strings.Contains(body, tc.noDetail) {
				t.Fatalf("internal detail leaked: %s", body)
			}
		})
	}
}

func TestAPIPassesBodyAndCredential(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	rec := httptest.NewRecorder()
	testAPI(RESTJSON).Handle(func(w http.ResponseWriter, r *Request) error {
		if string(r.Body) != string(body) || r.Credential.AccessKeyID != "AKIDTEST" {
			t.Errorf("body %q cred %+v", r.Body, r.Credential)
		}
		w.WriteHeader(204)
		return nil
	}).ServeHTTP(rec, signed(t, "lambda", "us-east-1", body))
	if rec.Code != 204 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"plain", "quote\"back\\slash", "ctl\x00\x1f\n\r\t", "<script>&", "ünï\u2028", "bad\xffutf8"} {
		b := appendJSONString(nil, s)
		var out string
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%q rendered as invalid JSON %s: %v", s, b, err)
		}
	}
}
