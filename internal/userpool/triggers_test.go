package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// fakeFn is a trigger function: it gets the event and returns the answer
// (marshalled unless it is []byte), whether the function failed, or an
// invoke error.
type fakeFn func(ctx context.Context, ev map[string]any) (any, bool, error)

// fakeInvoker runs fakeFns by ARN and records the events they got.
type fakeInvoker struct {
	mu     sync.Mutex
	fns    map[string]fakeFn
	events map[string][]map[string]any
	calls  map[string]int
}

func newFakeInvoker() *fakeInvoker {
	return &fakeInvoker{fns: map[string]fakeFn{}, events: map[string][]map[string]any{}, calls: map[string]int{}}
}

func (f *fakeInvoker) InvokeFunction(ctx context.Context, arn string, payload []byte) ([]byte, bool, error) {
	var ev, seen map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, false, err
	}
	json.Unmarshal(payload, &seen) // a copy the function cannot change
	f.mu.Lock()
	fn := f.fns[arn]
	f.events[arn] = append(f.events[arn], seen)
	f.calls[arn]++
	f.mu.Unlock()
	if fn == nil {
		return nil, false, awsproto.Errorf(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", arn)
	}
	out, failed, err := fn(ctx, ev)
	if err != nil {
		return nil, false, err
	}
	if b, ok := out.([]byte); ok {
		return b, failed, nil
	}
	b, _ := json.Marshal(out)
	return b, failed, nil
}

func (f *fakeInvoker) last(arn string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	evs := f.events[arn]
	if len(evs) == 0 {
		return nil
	}
	return evs[len(evs)-1]
}

// respond sets ev.response to r and returns the event, as a handler does.
func respond(ev map[string]any, r map[string]any) map[string]any {
	ev["response"] = r
	return ev
}

func fnError(msg string) fakeFn {
	return func(context.Context, map[string]any) (any, bool, error) {
		return map[string]any{"errorMessage": msg, "errorType": "Error"}, true, nil
	}
}

func echo(context.Context, map[string]any) (any, bool, error) { return nil, false, nil }

func withTriggers(t *testing.T, lc LambdaConfig, flows ...string) (*accountsEnv, *fakeInvoker) {
	t.Helper()
	e := newAccounts(t, &PoolInput{LambdaConfig: &lc})
	inv := newFakeInvoker()
	e.s.opts.Invoker = inv
	if len(flows) > 0 {
		c, err := e.s.UpdateClient(context.Background(), &ClientInput{UserPoolID: e.pool.ID, ClientID: e.client.ClientID, ClientName: ptr("app"),
			ExplicitAuthFlows: flows})
		if err != nil {
			t.Fatal(err)
		}
		e.client = c
	}
	return e, inv
}

func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(b, &c)
	return c
}

func TestTriggerErrorsAreWordedAsCognito(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{PreSignUp: "arn:pre"})
	signUp := func() error {
		_, err := e.s.SignUp(context.Background(), &SignUpInput{ClientID: e.client.ClientID, Username: "ann", Password: ptr("Passw0rd!")})
		return err
	}
	inv.fns["arn:pre"] = fnError("No sign-ups on Sundays")
	wantErr(t, signUp(), "UserLambdaValidationException", "PreSignUp failed with error No sign-ups on Sundays.")

	for _, garbage := range []string{`"garbage"`, `null`, `not json`, ``} {
		inv.fns["arn:pre"] = func(context.Context, map[string]any) (any, bool, error) { return []byte(garbage), false, nil }
		wantErr(t, signUp(), "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON")
	}
	inv.fns["arn:pre"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		return respond(ev, map[string]any{"autoConfirmUser": "yes"}), false, nil
	}
	wantErr(t, signUp(), "InvalidLambdaResponseException", "Unrecognizable lambda output")

	// A deleted function: Cognito reports that it may not call it.
	delete(inv.fns, "arn:pre")
	wantErr(t, signUp(), "UnexpectedLambdaException", "PreSignUp invocation failed due to error AccessDeniedException.")
	if inv.calls["arn:pre"] != 7 {
		t.Fatalf("a missing function is not retried: %d calls", inv.calls["arn:pre"])
	}
}

func TestTriggerRetriesThrottlesNotFailures(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{PreSignUp: "arn:pre"})
	throttles := 2
	inv.fns["arn:pre"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		if throttles > 0 {
			throttles--
			return nil, false, awsproto.Errorf(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		}
		return respond(ev, map[string]any{"autoConfirmUser": true}), false, nil
	}
	out, err := e.s.SignUp(context.Background(), &SignUpInput{ClientID: e.client.ClientID, Username: "bo", Password: ptr("Passw0rd!")})
	if err != nil || !out.UserConfirmed || inv.calls["arn:pre"] != 3 {
		t.Fatalf("%+v %v after %d calls", out, err, inv.calls["arn:pre"])
	}
	inv.fns["arn:pre"] = func(context.Context, map[string]any) (any, bool, error) {
		return nil, false, awsproto.Errorf(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
	}
	_, err = e.s.SignUp(context.Background(), &SignUpInput{ClientID: e.client.ClientID, Username: "cy", Password: ptr("Passw0rd!")})
	wantErr(t, err, "UnexpectedLambdaException", "PreSignUp invocation failed due to error TooManyRequestsException.")
	if inv.calls["arn:pre"] != 6 {
		t.Fatalf("three attempts each: %d calls", inv.calls["arn:pre"])
	}
	inv.fns["arn:pre"] = fnError("no")
	e.s.SignUp(context.Background(), &SignUpInput{ClientID: e.client.ClientID, Username: "di", Password: ptr("Passw0rd!")})
	if inv.calls["arn:pre"] != 7 {
		t.Fatalf("a function error is not retried: %d calls", inv.calls["arn:pre"])
	}
}

func TestTriggerTimeout(t *testing.T) {
	old := triggerTimeout
	triggerTimeout = 200 * time.Millisecond
	defer func() { triggerTimeout = old }()
	e, inv := withTriggers(t, LambdaConfig{PreSignUp: "arn:pre"})
	inv.fns["arn:pre"] = func(ctx context.Context, _ map[string]any) (any, bool, error) {
		<-ctx.Done()
		// What the runtime reports for an environment it stopped.
		return map[string]any{"errorMessage": "Runtime exited", "errorType": "Runtime.ExitError"}, true, nil
	}
	start := time.Now()
	_, err := e.s.SignUp(context.Background(), &SignUpInput{ClientID: e.client.ClientID, Username: "ed", Password: ptr("Passw0rd!")})
	wantErr(t, err, "UnexpectedLambdaException", "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestPreSignUpEvent(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{PreSignUp: "arn:pre"})
	inv.fns["arn:pre"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		return respond(ev, map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true}), false, nil
	}
	out, err := e.s.SignUp(context.Background(), &SignUpInput{ClientID: e.client.ClientID, Username: "fay", Password: ptr("Passw0rd!"),
		UserAttributes: []Attribute{{"email", "fay@example.com"}}, ValidationData: []Attribute{{"invite", "x1"}},
		ClientMetadata: map[string]string{"app": "web"}})
	if err != nil || !out.UserConfirmed {
		t.Fatalf("%+v %v", out, err)
	}
	ev := inv.last("arn:pre")
	req := ev["request"].(map[string]any)
	if ev["triggerSource"] != "PreSignUp_SignUp" || ev["userName"] != "fay" || ev["version"] != "1" || ev["region"] != "us-east-1" ||
		ev["callerContext"].(map[string]any)["clientId"] != e.client.ClientID ||
		req["userAttributes"].(map[string]any)["email"] != "fay@example.com" || req["userAttributes"].(map[string]any)["sub"] != nil ||
		req["validationData"].(map[string]any)["invite"] != "x1" || req["clientMetadata"].(map[string]any)["app"] != "web" {
		t.Fatalf("event: %v", ev)
	}
	if r := ev["response"].(map[string]any); r["autoConfirmUser"] != false || r["autoVerifyPhone"] != false {
		t.Fatalf("response defaults: %v", r)
	}
	u, _ := e.s.AdminGetUser(context.Background(), e.pool.ID, "fay")
	if u.UserStatus != "CONFIRMED" || attrOf(u, "email_verified") != "true" {
		t.Fatalf("%+v", u)
	}
	// Administrator-created users: no client, and the answer is ignored.
	if _, err := e.s.AdminCreateUser(context.Background(), &AdminCreateUserInput{UserPoolID: e.pool.ID, Username: "gus", MessageAction: ptr("SUPPRESS")}); err != nil {
		t.Fatal(err)
	}
	ev = inv.last("arn:pre")
	if ev["triggerSource"] != "PreSignUp_AdminCreateUser" || ev["callerContext"].(map[string]any)["clientId"] != clientNotApplicable {
		t.Fatalf("event: %v", ev)
	}
	if u, _ := e.s.AdminGetUser(context.Background(), e.pool.ID, "gus"); u.UserStatus != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("%+v", u)
	}
}
