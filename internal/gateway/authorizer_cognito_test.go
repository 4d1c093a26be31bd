package gateway

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestAuthorizeCognito(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pools := newFakePools(t, clock)
	id := pools.idToken(t, poolA, "jti-id", "anotherGroup", "admin")
	idB := pools.idToken(t, poolB, "jti-idB")
	access := pools.accessToken(t, poolA, "jti-access", "openid", "orders/read")
	cognito := &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
	both := &Authorizer{Name: "Both", Type: AuthCognito, ProviderARNs: []string{arnPoolGo, arnPoolA, arnPoolB}}
	custom := &Authorizer{Name: "Custom", Type: AuthCognito, ProviderARNs: []string{arnPoolA}, IdentitySource: []string{"method.request.header.X-Token"}}
	audOK := &Authorizer{Name: "Aud", Type: AuthCognito, ProviderARNs: []string{arnPoolA}, ValidationExpression: `1example.*`}
	audPartial := &Authorizer{Name: "AudPartial", Type: AuthCognito, ProviderARNs: []string{arnPoolA}, ValidationExpression: `1example`}
	badRegexp := &Authorizer{Name: "BadRegexp", Type: AuthCognito, ProviderARNs: []string{arnPoolA}, ValidationExpression: `(`}

	tests := []struct {
		name    string
		auth    *Authorizer
		scopes  []string
		headers []string
		allowed bool
		status  int
		typ     string
		calls   int64 // pool verifications expected (-1: any)
	}{
		{"no header", cognito, nil, nil, false, 401, TypeUnauthorized, 0},
		{"empty header", cognito, nil, []string{"Authorization: "}, false, 401, TypeUnauthorized, 0},
		{"bare Bearer", cognito, nil, []string{"Authorization: Bearer "}, false, 401, TypeUnauthorized, 0},
		{"raw ID token", cognito, nil, []string{"Authorization: " + id}, true, 0, "", 1},
		{"Bearer ID token", cognito, nil, []string{"Authorization: Bearer " + id}, true, 0, "", 1},
		{"lower-case bearer", cognito, nil, []string{"Authorization: bearer " + id}, true, 0, "", 1},
		{"access token without scopes", cognito, nil, []string{"Authorization: " + access}, false, 401, TypeUnauthorized, -1},
		{"ID token where scopes are required", cognito, []string{"orders/read"}, []string{"Authorization: " + id}, false, 401, TypeUnauthorized, -1},
		{"access token with a scope", cognito, []string{"orders/write", "orders/read"}, []string{"Authorization: " + access}, true, 0, "", 1},
		{"access token without the scope", cognito, []string{"orders/write"}, []string{"Authorization: " + access}, false, 401, TypeUnauthorized, -1},
		{"pool not named", cognito, nil, []string{"Authorization: " + idB}, false, 401, TypeUnauthorized, 0},
		{"second of several pools", both, nil, []string{"Authorization: " + idB}, true, 0, "", 1},
		{"custom header", custom, nil, []string{"X-Token: " + id}, true, 0, "", 1},
		{"custom header, token in Authorization", custom, nil, []string{"Authorization: " + id}, false, 401, TypeUnauthorized, 0},
		{"aud matches the expression", audOK, nil, []string{"Authorization: " + id}, true, 0, "", 1},
		{"expression must match all of aud", audPartial, nil, []string{"Authorization: " + id}, false, 401, TypeUnauthorized, -1},
		{"access token has no aud for the expression", audOK, []string{"orders/read"}, []string{"Authorization: " + access}, false, 401, TypeUnauthorized, -1},
		{"expression does not compile", badRegexp, nil, []string{"Authorization: " + id}, false, 500, TypeAuthorizerConfig, -1},
		{"garbage", cognito, nil, []string{"Authorization: not-a-jwt"}, false, 401, TypeUnauthorized, 0},
		{"truncated signature", cognito, nil, []string{"Authorization: " + id[:len(id)-4]}, false, 401, TypeUnauthorized, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pools := newFakePools(t, clock)
			a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
			d := a.Authorize(context.Background(), "a1b2c3", REST, tt.auth, tt.scopes, requestWith("/items/42", tt.headers...), nil, testMethodARN, nil)
			wantDecision(t, d, tt.allowed, tt.status, tt.typ)
			if tt.calls >= 0 && pools.calls.Load() != tt.calls {
				t.Fatalf("%d pool verifications, want %d", pools.calls.Load(), tt.calls)
			}
		})
	}
}

func TestAuthorizeCognitoClaims(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pools := newFakePools(t, clock)
	a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
	auth := &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
	id := pools.idToken(t, poolA, "jti-claims", "anotherGroup", "admin")
	d := a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: "+id), nil, testMethodARN, nil)
	wantDecision(t, d, true, 0, "")
	c := d.Context.Claims
	for k, want := range map[string]string{
		"cognito:groups": "anotherGroup,admin",
		"email_verified": "true",
		"token_use":      "id",
		"aud":            clientA,
		"exp":            "Fri Nov 20 12:59:00 UTC 2026",
		"iss":            issuerA,
	} {
		if c[k] != want {
			t.Errorf("claims[%q] = %q, want %q (all: %v)", k, c[k], want, c)
		}
	}
	if d.Context.Lambda || d.Context.PrincipalID != "" {
		t.Errorf("Cognito context looks like a Lambda one: %+v", d.Context)
	}
}

// TestAuthorizeCognitoCachedTokenStillChecked: a token seen before is
// not decoded again, but the pool still says whether it is revoked or
// expired, every time.
func TestAuthorizeCognitoCachedTokenStillChecked(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pools := newFakePools(t, clock)
	a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
	auth := &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
	id := pools.idToken(t, poolA, "jti-revoke")
	other := pools.idToken(t, poolA, "jti-expire")
	authorize := func(tok string) Decision {
		return a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: "+tok), nil, testMethodARN, nil)
	}
	for range 3 {
		wantDecision(t, authorize(id), true, 0, "")
	}
	wantDecision(t, authorize(other), true, 0, "")
	if n := pools.calls.Load(); n != 4 {
		t.Fatalf("%d pool calls for 4 requests", n)
	}
	pools.revoke("jti-revoke")
	wantDecision(t, authorize(id), false, http.StatusUnauthorized, TypeUnauthorized)
	wantDecision(t, authorize(other), true, 0, "")
	clock.Advance(time.Hour)
	wantDecision(t, authorize(other), false, http.StatusUnauthorized, TypeUnauthorized)
}

// TestAuthorizeCognitoCachedTokenOtherAuthorizer: a token cached through
// an authorizer naming its pool is still refused by one that does not.
func TestAuthorizeCognitoCachedTokenOtherAuthorizer(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pools := newFakePools(t, clock)
	a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
	both := &Authorizer{Name: "Both", Type: AuthCognito, ProviderARNs: []string{arnPoolA, arnPoolB}}
	onlyA := &Authorizer{Name: "OnlyA", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
	idB := pools.idToken(t, poolB, "jti-b")
	req := requestWith("/", "Authorization: "+idB)
	wantDecision(t, a.Authorize(context.Background(), "a1b2c3", REST, both, nil, req, nil, testMethodARN, nil), true, 0, "")
	wantDecision(t, a.Authorize(context.Background(), "a1b2c3", REST, onlyA, nil, req, nil, testMethodARN, nil), false, 401, TypeUnauthorized)
	if n := pools.calls.Load(); n != 1 {
		t.Fatalf("%d pool calls; the foreign pool's token should be refused before asking", n)
	}
}

func TestAuthorizeCognitoWithoutPools(t *testing.T) {
	t.Parallel()
	a := NewAuthorizers(nil, nil, AuthorizerOptions{})
	auth := &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
	d := a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: x.y.z"), nil, testMethodARN, nil)
	wantDecision(t, d, false, 500, TypeAuthorizerConfig)
}

// clockedPools is fakePools with a revocation generation, as the
// server's pools offer.
type clockedPools struct {
	*fakePools
	gen atomic.Uint64
}

func (c *clockedPools) RevocationGeneration() uint64 { return c.gen.Load() }

// TestAuthorizeCognitoLiveAnswerReused: with a revocation clock, a token
// the pool just called live is not asked about again within a second,
// unless something was revoked since.
func TestAuthorizeCognitoLiveAnswerReused(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pools := &clockedPools{fakePools: newFakePools(t, clock)}
	a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
	auth := &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
	id := pools.idToken(t, poolA, "jti-live")
	authorize := func() Decision {
		return a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: "+id), nil, testMethodARN, nil)
	}
	wantDecision(t, authorize(), true, 0, "") // verified (cold)
	wantDecision(t, authorize(), true, 0, "") // live check, remembered
	for range 5 {
		wantDecision(t, authorize(), true, 0, "")
	}
	if n := pools.calls.Load(); n != 2 {
		t.Fatalf("%d pool calls, want 2 (the cold verification and one live check)", n)
	}
	// A revocation on this node changes the generation: asked at once.
	pools.revoke("jti-live")
	pools.gen.Add(1)
	wantDecision(t, authorize(), false, http.StatusUnauthorized, TypeUnauthorized)
	// Without a local revocation, the answer is asked again after a second.
	other := pools.idToken(t, poolA, "jti-other")
	call := func() Decision {
		return a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: "+other), nil, testMethodARN, nil)
	}
	wantDecision(t, call(), true, 0, "")
	wantDecision(t, call(), true, 0, "")
	before := pools.calls.Load()
	wantDecision(t, call(), true, 0, "")
	if pools.calls.Load() != before {
		t.Fatal("asked the pool within the reuse window")
	}
	clock.Advance(2 * time.Second)
	wantDecision(t, call(), true, 0, "")
	if pools.calls.Load() != before+1 {
		t.Fatal("did not ask the pool after the reuse window")
	}
}
