package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const testFunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:authz"

func tokenAuthorizer(ttl time.Duration) *Authorizer {
	return &Authorizer{Name: "Tok", Type: AuthToken, FunctionARN: testFunctionARN, TTL: ttl,
		IdentitySource: []string{"method.request.header.Authorization"}}
}

func TestAuthorizeLambdaToken(t *testing.T) {
	t.Parallel()
	allowAll := policyOutput("Allow", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*", `{"tenant":"t1","n":42,"ok":true}`)
	fnError := func(msg string) *fakeFunctions {
		return &fakeFunctions{fn: func(context.Context, string, []byte) ([]byte, bool, error) {
			return []byte(`{"errorMessage":"` + msg + `","errorType":"Error"}`), true, nil
		}}
	}
	withRegexp := tokenAuthorizer(0)
	withRegexp.ValidationExpression = `Bearer [a-z]+`
	badRegexp := tokenAuthorizer(0)
	badRegexp.ValidationExpression = `[`
	tests := []struct {
		name      string
		fn        *fakeFunctions
		auth      *Authorizer
		headers   []string
		methodARN string
		allowed   bool
		status    int
		typ       string
		message   string
		invokes   int64
	}{
		{"allow", returning(allowAll), nil, []string{"Authorization: good"}, "", true, 0, "", "", 1},
		{"no header", returning(allowAll), nil, nil, "", false, 401, TypeUnauthorized, "Unauthorized", 0},
		{"empty header", returning(allowAll), nil, []string{"Authorization: "}, "", false, 401, TypeUnauthorized, "Unauthorized", 0},
		{"expression matches", returning(allowAll), withRegexp, []string{"Authorization: Bearer abc"}, "", true, 0, "", "", 1},
		{"expression mismatch", returning(allowAll), withRegexp, []string{"Authorization: Bearer ABC"}, "", false, 401, TypeUnauthorized, "Unauthorized", 0},
		{"expression must match whole token", returning(allowAll), withRegexp, []string{"Authorization: Bearer abc!"}, "", false, 401, TypeUnauthorized, "Unauthorized", 0},
		{"expression does not compile", returning(allowAll), badRegexp, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 0},
		{"explicit deny", returning(policyOutput("Deny", "*", "")), nil, []string{"Authorization: x"}, "", false, 403, TypeAccessDenied, msgExplicitDeny, 1},
		{"no matching allow", returning(policyOutput("Allow", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/POST/*", "")), nil, []string{"Authorization: x"}, "", false, 403, TypeAccessDenied, msgImplicitDeny, 1},
		{"throws Unauthorized", fnError("Unauthorized"), nil, []string{"Authorization: x"}, "", false, 401, TypeUnauthorized, "Unauthorized", 1},
		{"throws unauthorized (case)", fnError("unauthorized"), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"throws something else", fnError("boom"), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"returns Unauthorized", returning(`"Unauthorized"`), nil, []string{"Authorization: x"}, "", false, 401, TypeUnauthorized, "Unauthorized", 1},
		{"malformed JSON", returning(`{"principalId":`), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"not an object", returning(`[1,2]`), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"no policyDocument", returning(`{"principalId":"u"}`), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"malformed policy", returning(`{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Perhaps","Action":"*","Resource":"*"}]}}`), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"principalId not a string", returning(`{"principalId":7,"policyDocument":{"Statement":[]}}`), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"context object value", returning(policyOutput("Allow", "*", `{"user":{"id":1}}`)), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"context array value", returning(policyOutput("Allow", "*", `{"roles":["a"]}`)), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"context not an object", returning(policyOutput("Allow", "*", `"x"`)), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"response over 8 KB", returning(policyOutput("Allow", "*", `{"pad":"`+strings.Repeat("x", 8<<10)+`"}`)), nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"invoke error", &fakeFunctions{fn: func(context.Context, string, []byte) ([]byte, bool, error) {
			return nil, false, errors.New("no such function")
		}}, nil, []string{"Authorization: x"}, "", false, 500, TypeAuthorizerConfig, "", 1},
		{"method ARN too long", returning(allowAll), nil, []string{"Authorization: x"}, testMethodARN + "/" + strings.Repeat("a", MaxMethodARN), false, 414, TypeDefault4XX, msgURITooLong, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth := tt.auth
			if auth == nil {
				auth = tokenAuthorizer(0)
			}
			arn := tt.methodARN
			if arn == "" {
				arn = testMethodARN
			}
			a := NewAuthorizers(nil, tt.fn, AuthorizerOptions{Now: newTestClock().Now})
			d := a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/items/42", tt.headers...), nil, arn, nil)
			wantDecision(t, d, tt.allowed, tt.status, tt.typ)
			if !tt.allowed && d.Message != tt.message {
				t.Fatalf("message %q, want %q", d.Message, tt.message)
			}
			if n := tt.fn.calls.Load(); n != tt.invokes {
				t.Fatalf("%d invocations, want %d", n, tt.invokes)
			}
		})
	}
}

func TestAuthorizeLambdaTokenOutput(t *testing.T) {
	t.Parallel()
	fn := returning(`{"principalId":"user-1","usageIdentifierKey":"key-123","policyDocument":{"Version":"2012-10-17",` +
		`"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":["arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/*"]}]},` +
		`"context":{"tenant":"t1","n":42,"big":12345678901234567890,"ok":true,"nothing":null}}`)
	a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
	d := a.Authorize(context.Background(), "a1b2c3", REST, tokenAuthorizer(0), nil, requestWith("/", "Authorization: tok-1"), nil, testMethodARN, nil)
	wantDecision(t, d, true, 0, "")
	if d.UsageIdentifierKey != "key-123" || d.Context.PrincipalID != "user-1" || !d.Context.Lambda {
		t.Fatalf("decision %+v, context %+v", d, d.Context)
	}
	if c := d.Context.Context; c["tenant"] != "t1" || c["n"] != json.Number("42") || c["big"] != json.Number("12345678901234567890") || c["ok"] != true || c["nothing"] != nil {
		t.Fatalf("context %#v", c)
	}
	var event map[string]string
	if err := json.Unmarshal(fn.lastPayload(), &event); err != nil {
		t.Fatal(err)
	}
	if event["type"] != "TOKEN" || event["authorizationToken"] != "tok-1" || event["methodArn"] != testMethodARN {
		t.Fatalf("TOKEN event %v", event)
	}
}

func TestAuthorizeLambdaTimeout(t *testing.T) {
	t.Parallel()
	fn := &fakeFunctions{fn: func(ctx context.Context, _ string, _ []byte) ([]byte, bool, error) {
		<-ctx.Done()
		return nil, false, ctx.Err()
	}}
	a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now, LambdaTimeout: 50 * time.Millisecond})
	// The request's own context ending does not cut the authorizer short.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	d := a.Authorize(ctx, "a1b2c3", REST, tokenAuthorizer(0), nil, requestWith("/", "Authorization: x"), nil, testMethodARN, nil)
	wantDecision(t, d, false, 500, TypeAuthorizerFail)
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Fatalf("gave up after %s", took)
	}
	if a.lambdaTimeout != 50*time.Millisecond || NewAuthorizers(nil, nil, AuthorizerOptions{}).lambdaTimeout != 10*time.Second {
		t.Fatal("timeouts")
	}
}

func TestAuthorizeLambdaRequest(t *testing.T) {
	t.Parallel()
	restAuth := &Authorizer{Name: "Req", Type: AuthRequest, FunctionARN: testFunctionARN, TTL: 300 * time.Second,
		IdentitySource: []string{"method.request.header.X-Tenant, method.request.querystring.key", "stageVariables.env", "context.httpMethod"}}
	httpAuth := &Authorizer{Name: "Req", Type: AuthRequest, FunctionARN: testFunctionARN, TTL: 300 * time.Second,
		IdentitySource: []string{"$request.header.x-tenant", "$request.querystring.key", "$stageVariables.env", "$context.stage"}}
	vars := map[string]string{"env": "prod"}
	tests := []struct {
		name    string
		proto   Protocol
		auth    *Authorizer
		target  string
		headers []string
		vars    map[string]string
		allowed bool
	}{
		{"REST all present", REST, restAuth, "/items?key=k1", []string{"X-Tenant: t1"}, vars, true},
		{"REST header missing", REST, restAuth, "/items?key=k1", nil, vars, false},
		{"REST header empty", REST, restAuth, "/items?key=k1", []string{"X-Tenant: "}, vars, false},
		{"REST query missing", REST, restAuth, "/items", []string{"X-Tenant: t1"}, vars, false},
		{"REST query empty", REST, restAuth, "/items?key=", []string{"X-Tenant: t1"}, vars, false},
		{"REST stage variable missing", REST, restAuth, "/items?key=k1", []string{"X-Tenant: t1"}, nil, false},
		{"HTTP all present", HTTP, httpAuth, "/items?key=k1", []string{"X-Tenant: t1"}, vars, true},
		{"HTTP header missing", HTTP, httpAuth, "/items?key=k1", nil, vars, false},
		{"HTTP stage variable missing", HTTP, httpAuth, "/items?key=k1", []string{"X-Tenant: t1"}, map[string]string{"other": "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn := returning(policyOutput("Allow", "*", ""))
			a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
			event := []byte(`{"type":"REQUEST","methodArn":"` + testMethodARN + `"}`)
			d := a.Authorize(context.Background(), "a1b2c3", tt.proto, tt.auth, nil, requestWith(tt.target, tt.headers...), tt.vars, testMethodARN,
				func() []byte { return event })
			if tt.allowed {
				wantDecision(t, d, true, 0, "")
				if string(fn.lastPayload()) != string(event) {
					t.Fatalf("invoked with %s", fn.lastPayload())
				}
			} else {
				wantDecision(t, d, false, 401, TypeUnauthorized)
				if fn.calls.Load() != 0 {
					t.Fatal("invoked despite a missing identity source")
				}
			}
		})
	}
}

// TestAuthorizeLambdaRequestContextSource: a $context variable this
// package does not compute is read from the request event.
func TestAuthorizeLambdaRequestContextSource(t *testing.T) {
	t.Parallel()
	fn := returning(policyOutput("Allow", "*", ""))
	a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
	auth := &Authorizer{Name: "Req", Type: AuthRequest, FunctionARN: testFunctionARN, TTL: time.Minute,
		IdentitySource: []string{"$context.routeKey", "$context.identity.sourceIp"}}
	eventFor := func(route string) func() []byte {
		return func() []byte {
			return []byte(`{"requestContext":{"routeKey":"` + route + `","identity":{"sourceIp":"10.0.0.1"}}}`)
		}
	}
	for _, route := range []string{"GET /a", "GET /b", "GET /a"} {
		d := a.Authorize(context.Background(), "h77p", HTTP, auth, nil, requestWith("/"), nil, testMethodARN, eventFor(route))
		wantDecision(t, d, true, 0, "")
	}
	if n := fn.calls.Load(); n != 2 {
		t.Fatalf("%d invocations; $context.routeKey should key the cache per route", n)
	}
	noIP := func() []byte { return []byte(`{"requestContext":{"routeKey":"GET /a"}}`) }
	d := a.Authorize(context.Background(), "h77p", HTTP, auth, nil, requestWith("/"), nil, testMethodARN, noIP)
	wantDecision(t, d, false, 401, TypeUnauthorized)

	bad := &Authorizer{Name: "Bad", Type: AuthRequest, FunctionARN: testFunctionARN, IdentitySource: []string{"method.request.path.id"}}
	d = a.Authorize(context.Background(), "h77p", REST, bad, nil, requestWith("/"), nil, testMethodARN, noIP)
	wantDecision(t, d, false, 500, TypeAuthorizerConfig)
}

func TestAuthorizeLambdaSimpleResponses(t *testing.T) {
	t.Parallel()
	auth := &Authorizer{Name: "Simple", Type: AuthRequest, FunctionARN: testFunctionARN, PayloadFormatVersion: "2.0", SimpleResponses: true,
		IdentitySource: []string{"$request.header.Authorization"}}
	tests := []struct {
		out     string
		allowed bool
		status  int
		message string
	}{
		{`{"isAuthorized":true,"context":{"user":"u1","admin":false}}`, true, 0, ""},
		{`{"isAuthorized":true}`, true, 0, ""},
		{`{"isAuthorized":false}`, false, 403, "Forbidden"},
		{`{"context":{}}`, false, 500, "Internal Server Error"},
		{`{"isAuthorized":"yes"}`, false, 500, "Internal Server Error"},
		{`{"isAuthorized":true,"context":{"o":{}}}`, false, 500, "Internal Server Error"},
		// A policy-shaped answer is not a simple response.
		{policyOutput("Allow", "*", ""), false, 500, "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.out, func(t *testing.T) {
			t.Parallel()
			a := NewAuthorizers(nil, returning(tt.out), AuthorizerOptions{Now: newTestClock().Now})
			d := a.Authorize(context.Background(), "h77p", HTTP, auth, nil, requestWith("/", "Authorization: x"), nil, testMethodARN, func() []byte { return []byte(`{}`) })
			if tt.allowed {
				wantDecision(t, d, true, 0, "")
				if !d.Context.Lambda {
					t.Fatal("context not marked as a Lambda authorizer's")
				}
				return
			}
			if d.Allowed || d.Status != tt.status || d.Message != tt.message {
				t.Fatalf("decision %+v; want %d %q", d, tt.status, tt.message)
			}
		})
	}
	// Without simple responses, HTTP API authorizers answer with a policy.
	policy := *auth
	policy.SimpleResponses = false
	a := NewAuthorizers(nil, returning(policyOutput("Deny", "*", "")), AuthorizerOptions{Now: newTestClock().Now})
	d := a.Authorize(context.Background(), "h77p", HTTP, &policy, nil, requestWith("/", "Authorization: x"), nil, testMethodARN, func() []byte { return []byte(`{}`) })
	if d.Allowed || d.Status != 403 || d.Message != "Forbidden" {
		t.Fatalf("HTTP deny: %+v", d)
	}
}

// TestAuthorizeLambdaCache: hits, TTL expiry, TTL 0, API Gateway's
// cross-route pitfall, isolation between APIs and authorizers.
func TestAuthorizeLambdaCache(t *testing.T) {
	t.Parallel()
	const itemsARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items"
	const ordersARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/orders"
	newFn := func() *fakeFunctions {
		// The common mistake: a policy for the method being called only.
		return &fakeFunctions{fn: func(_ context.Context, _ string, payload []byte) ([]byte, bool, error) {
			var e struct{ MethodArn string }
			json.Unmarshal(payload, &e)
			return []byte(policyOutput("Allow", e.MethodArn, "")), false, nil
		}}
	}
	authorize := func(a *Authorizers, apiID string, auth *Authorizer, token, arn string) Decision {
		return a.Authorize(context.Background(), apiID, REST, auth, nil, requestWith("/", "Authorization: "+token), nil, arn, nil)
	}

	t.Run("hit and expiry", func(t *testing.T) {
		t.Parallel()
		clock, fn := newTestClock(), newFn()
		a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: clock.Now})
		auth := tokenAuthorizer(300 * time.Second)
		for range 3 {
			wantDecision(t, authorize(a, "a1b2c3", auth, "tok", itemsARN), true, 0, "")
		}
		if fn.calls.Load() != 1 {
			t.Fatalf("%d invocations for three requests", fn.calls.Load())
		}
		wantDecision(t, authorize(a, "a1b2c3", auth, "other", itemsARN), true, 0, "")
		clock.Advance(299 * time.Second)
		wantDecision(t, authorize(a, "a1b2c3", auth, "tok", itemsARN), true, 0, "")
		if fn.calls.Load() != 2 {
			t.Fatalf("%d invocations before the TTL", fn.calls.Load())
		}
		clock.Advance(time.Second)
		wantDecision(t, authorize(a, "a1b2c3", auth, "tok", itemsARN), true, 0, "")
		if fn.calls.Load() != 3 {
			t.Fatalf("%d invocations after the TTL", fn.calls.Load())
		}
	})
	t.Run("TTL 0", func(t *testing.T) {
		t.Parallel()
		fn := newFn()
		a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
		for range 3 {
			wantDecision(t, authorize(a, "a1b2c3", tokenAuthorizer(0), "tok", itemsARN), true, 0, "")
		}
		if fn.calls.Load() != 3 {
			t.Fatalf("%d invocations with caching off", fn.calls.Load())
		}
	})
	t.Run("cross-route pitfall", func(t *testing.T) {
		t.Parallel()
		fn := newFn()
		a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
		auth := tokenAuthorizer(300 * time.Second)
		wantDecision(t, authorize(a, "a1b2c3", auth, "tok", itemsARN), true, 0, "")
		// Same token, other route: the cached /items policy is evaluated
		// against /orders and denies, without asking the function again.
		d := authorize(a, "a1b2c3", auth, "tok", ordersARN)
		wantDecision(t, d, false, 403, TypeAccessDenied)
		if d.Message != msgImplicitDeny || fn.calls.Load() != 1 {
			t.Fatalf("decision %+v after %d invocations", d, fn.calls.Load())
		}
		// Without caching, each route gets its own policy.
		wantDecision(t, authorize(a, "a1b2c3", tokenAuthorizer(0), "tok", ordersARN), true, 0, "")
	})
	t.Run("isolated per API and authorizer", func(t *testing.T) {
		t.Parallel()
		fn := newFn()
		a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
		other := tokenAuthorizer(300 * time.Second)
		other.Name = "Other"
		authorize(a, "a1b2c3", tokenAuthorizer(300*time.Second), "tok", itemsARN)
		authorize(a, "zzzzzz", tokenAuthorizer(300*time.Second), "tok", itemsARN)
		authorize(a, "a1b2c3", other, "tok", itemsARN)
		if fn.calls.Load() != 3 {
			t.Fatalf("%d invocations; caches leak across APIs or authorizers", fn.calls.Load())
		}
	})
	t.Run("deny cached, errors not", func(t *testing.T) {
		t.Parallel()
		fails := true
		var mu sync.Mutex
		fn := &fakeFunctions{fn: func(context.Context, string, []byte) ([]byte, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if fails {
				fails = false
				return []byte(`{"errorMessage":"boom"}`), true, nil
			}
			return []byte(policyOutput("Deny", "*", "")), false, nil
		}}
		a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
		auth := tokenAuthorizer(300 * time.Second)
		wantDecision(t, authorize(a, "a1b2c3", auth, "tok", itemsARN), false, 500, TypeAuthorizerConfig)
		for range 2 {
			wantDecision(t, authorize(a, "a1b2c3", auth, "tok", itemsARN), false, 403, TypeAccessDenied)
		}
		if fn.calls.Load() != 2 {
			t.Fatalf("%d invocations", fn.calls.Load())
		}
	})
	t.Run("REQUEST without identity sources", func(t *testing.T) {
		t.Parallel()
		fn := returning(policyOutput("Allow", "*", ""))
		a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
		auth := &Authorizer{Name: "Req", Type: AuthRequest, FunctionARN: testFunctionARN, TTL: 300 * time.Second}
		for range 2 {
			d := a.Authorize(context.Background(), "h77p", HTTP, auth, nil, requestWith("/"), nil, itemsARN, func() []byte { return []byte(`{}`) })
			wantDecision(t, d, true, 0, "")
		}
		if fn.calls.Load() != 2 {
			t.Fatalf("%d invocations; nothing to key a cache on", fn.calls.Load())
		}
	})
}

// TestAuthorizeLambdaSingleFlight: fifty requests with one new token
// invoke the authorizer once.
func TestAuthorizeLambdaSingleFlight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	fn := &fakeFunctions{fn: func(context.Context, string, []byte) ([]byte, bool, error) {
		<-release
		return []byte(policyOutput("Allow", "*", "")), false, nil
	}}
	a := NewAuthorizers(nil, fn, AuthorizerOptions{Now: newTestClock().Now})
	auth := tokenAuthorizer(300 * time.Second)
	var wg sync.WaitGroup
	decisions := make([]Decision, 50)
	for i := range decisions {
		wg.Go(func() {
			decisions[i] = a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: same"), nil, testMethodARN, nil)
		})
	}
	for fn.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the others pile up on the flight
	close(release)
	wg.Wait()
	if n := fn.calls.Load(); n != 1 {
		t.Fatalf("%d invocations for fifty concurrent requests", n)
	}
	for i, d := range decisions {
		if !d.Allowed {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
}

func TestAuthorizeUnknownTypeAndNoFunctions(t *testing.T) {
	t.Parallel()
	a := NewAuthorizers(nil, nil, AuthorizerOptions{})
	d := a.Authorize(context.Background(), "a1b2c3", HTTP, &Authorizer{Name: "X", Type: "aws_iam"}, nil, requestWith("/"), nil, testMethodARN, nil)
	if d.Allowed || d.Status != http.StatusInternalServerError || d.ErrorType != TypeAuthorizerConfig || d.Message != "Internal Server Error" {
		t.Fatalf("unknown type: %+v", d)
	}
	d = a.Authorize(context.Background(), "a1b2c3", REST, tokenAuthorizer(0), nil, requestWith("/", "Authorization: x"), nil, testMethodARN, nil)
	if d.Allowed || d.Status != http.StatusInternalServerError || d.Message != "" {
		t.Fatalf("no functions: %+v", d)
	}
}
