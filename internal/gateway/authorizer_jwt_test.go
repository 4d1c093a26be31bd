package gateway

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwtSetup is an external issuer with one key (kid k1), and authorizers
// on a clock.
type jwtSetup struct {
	clock *testClock
	iss   *oidcIssuer
	key   *rsa.PrivateKey
	a     *Authorizers
	auth  *Authorizer
}

func newJWTSetup(t *testing.T) *jwtSetup {
	t.Helper()
	keys := rsaKeys(t)
	s := &jwtSetup{clock: newTestClock(), key: keys[0]}
	s.iss = newOIDCIssuer(t, "/oidc", map[string]*rsa.PrivateKey{"k1": keys[0]})
	s.a = NewAuthorizers(nil, nil, AuthorizerOptions{Now: s.clock.Now})
	s.auth = &Authorizer{Name: "Jwt", Type: AuthJWT, Issuer: s.iss.issuer, Audience: []string{"api://gatehouse", "client-123"},
		IdentitySource: []string{"$request.header.Authorization"}}
	return s
}

func (s *jwtSetup) authorize(tok string, scopes ...string) Decision {
	return s.a.Authorize(context.Background(), "h77p", HTTP, s.auth, scopes, requestWith("/items", "Authorization: Bearer "+tok), nil, testMethodARN, nil)
}

func TestAuthorizeJWT(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	tests := []struct {
		name   string
		kid    string
		key    any
		alg    jose.SignatureAlgorithm
		claims map[string]any // over jwtClaims
		scopes []string
		status int // 0: allowed
		desc   string
	}{
		{name: "good token", kid: "k1"},
		{name: "RS512", kid: "k1", alg: jose.RS512},
		{name: "PS256", kid: "k1", alg: jose.PS256},
		{name: "wrong aud", kid: "k1", claims: map[string]any{"aud": "someone-else"}, status: 401, desc: "the token does not have a valid audience"},
		{name: "aud list with a match", kid: "k1", claims: map[string]any{"aud": []string{"x", "client-123"}}},
		{name: "client_id audience", kid: "k1", claims: map[string]any{"aud": nil, "client_id": "client-123"}},
		{name: "aud is evaluated before client_id", kid: "k1", claims: map[string]any{"aud": "x", "client_id": "client-123"}, status: 401, desc: "the token does not have a valid audience"},
		{name: "neither aud nor client_id", kid: "k1", claims: map[string]any{"aud": nil}, status: 401, desc: "the token does not have a valid audience"},
		{name: "expired", kid: "k1", claims: map[string]any{"exp": authT0.Add(-time.Second).Unix()}, status: 401, desc: "the token has expired"},
		{name: "no exp", kid: "k1", claims: map[string]any{"exp": nil}, status: 401, desc: "the token has no valid exp"},
		{name: "exp not a number", kid: "k1", claims: map[string]any{"exp": "tomorrow"}, status: 401, desc: "the token has no valid exp"},
		{name: "nbf in the future", kid: "k1", claims: map[string]any{"nbf": authT0.Add(time.Minute).Unix()}, status: 401, desc: "the token is not valid yet"},
		{name: "iat in the future", kid: "k1", claims: map[string]any{"iat": authT0.Add(time.Minute).Unix()}, status: 401, desc: "the token was issued in the future"},
		{name: "wrong issuer", kid: "k1", claims: map[string]any{"iss": "https://evil.example"}, status: 401, desc: "the token does not have a valid issuer"},
		{name: "unknown kid", kid: "nope", status: 401, desc: `the token's kid "nope" is not in the issuer's JWKS`},
		{name: "no kid", kid: "", status: 401, desc: "the token has no kid"},
		{name: "signed by another key under k1", kid: "k1", key: keys[1], status: 401, desc: "the token's signature is invalid"},
		{name: "scope", kid: "k1", scopes: []string{"admin", "read"}},
		{name: "scp string", kid: "k1", claims: map[string]any{"scope": nil, "scp": "read"}, scopes: []string{"read"}},
		{name: "scp array", kid: "k1", claims: map[string]any{"scope": nil, "scp": []string{"x", "read"}}, scopes: []string{"read"}},
		{name: "missing scope", kid: "k1", scopes: []string{"admin"}, status: 403},
		{name: "no scopes at all", kid: "k1", claims: map[string]any{"scope": nil}, scopes: []string{"read"}, status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newJWTSetup(t)
			key := tt.key
			if key == nil {
				key = keys[0]
			}
			tok := signJWT(t, key, tt.kid, tt.alg, jwtClaims(s.iss.issuer, tt.claims))
			d := s.authorize(tok, tt.scopes...)
			switch {
			case tt.status == 0:
				wantDecision(t, d, true, 0, "")
			case tt.status == 403:
				wantDecision(t, d, false, 403, TypeAccessDenied)
				want := `Bearer scope="` + strings.Join(tt.scopes, " ") + `" error="insufficient_scope" error_description="expected scopes: [` + strings.Join(tt.scopes, " ") + `]"`
				if d.WWWAuthenticate != want || d.Message != "Forbidden" {
					t.Fatalf("www-authenticate %q, message %q; want %q, Forbidden", d.WWWAuthenticate, d.Message, want)
				}
			default:
				wantDecision(t, d, false, tt.status, TypeUnauthorized)
				want := `Bearer scope="" error="invalid_token" error_description="` + strings.ReplaceAll(tt.desc, `"`, `'`) + `"`
				if d.WWWAuthenticate != want {
					t.Fatalf("www-authenticate %q, want %q", d.WWWAuthenticate, want)
				}
			}
		})
	}
}

func TestAuthorizeJWTContext(t *testing.T) {
	t.Parallel()
	s := newJWTSetup(t)
	tok := signJWT(t, s.key, "k1", "", jwtClaims(s.iss.issuer, map[string]any{"email_verified": true, "ratio": 1.5, "nested": map[string]any{"b": 1, "a": "x"}}))
	d := s.authorize(tok)
	wantDecision(t, d, true, 0, "")
	if d.Context.Scopes != nil {
		t.Errorf("scopes %q on a route that requires none", d.Context.Scopes)
	}
	for k, want := range map[string]string{
		"groups": "[admin ops]", "exp": "1795179600", "email_verified": "true", "ratio": "1.5",
		"nested": "map[a:x b:1]", "scope": "read write", "iss": s.iss.issuer,
	} {
		if got := d.Context.Claims[k]; got != want {
			t.Errorf("claims[%q] = %q, want %q", k, got, want)
		}
	}
	d = s.authorize(tok, "write")
	wantDecision(t, d, true, 0, "")
	if strings.Join(d.Context.Scopes, " ") != "read write" {
		t.Errorf("scopes = %q", d.Context.Scopes)
	}
}

// TestAuthorizeJWTCache: a token seen before costs no fetch and no
// verification, but its times are checked against the clock each time.
func TestAuthorizeJWTCache(t *testing.T) {
	t.Parallel()
	s := newJWTSetup(t)
	tok := signJWT(t, s.key, "k1", "", jwtClaims(s.iss.issuer, map[string]any{"exp": authT0.Add(2 * time.Minute).Unix()}))
	for range 5 {
		wantDecision(t, s.authorize(tok), true, 0, "")
	}
	if f, d := s.iss.fetches.Load(), s.iss.discovery.Load(); f != 1 || d != 1 {
		t.Fatalf("%d JWKS and %d discovery fetches for five requests", f, d)
	}
	s.clock.Advance(2 * time.Minute)
	if d := s.authorize(tok); d.Allowed || !strings.Contains(d.WWWAuthenticate, "the token has expired") {
		t.Fatalf("expired cached token: %+v", d)
	}
}

// TestAuthorizeJWTRotation: a new kid is fetched (at most once a minute),
// and a key the issuer withdrew stops verifying even tokens it verified
// before.
func TestAuthorizeJWTRotation(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	s := newJWTSetup(t)
	old := signJWT(t, keys[0], "k1", "", jwtClaims(s.iss.issuer, nil))
	wantDecision(t, s.authorize(old), true, 0, "")

	s.iss.setKeys(map[string]*rsa.PrivateKey{"k2": keys[1]})
	rotated := signJWT(t, keys[1], "k2", "", jwtClaims(s.iss.issuer, nil))
	// Fetched a moment ago: an unknown kid does not refetch yet.
	wantDecision(t, s.authorize(rotated), false, 401, TypeUnauthorized)
	wantDecision(t, s.authorize(old), true, 0, "")
	if n := s.iss.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches within the minute", n)
	}
	s.clock.Advance(61 * time.Second)
	wantDecision(t, s.authorize(rotated), true, 0, "")
	if n := s.iss.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after the minute", n)
	}
	// k1 is gone from the JWKS: its cached token is refused too.
	d := s.authorize(old)
	wantDecision(t, d, false, 401, TypeUnauthorized)
	if !strings.Contains(d.WWWAuthenticate, "is not in the issuer's JWKS") {
		t.Fatalf("www-authenticate %q", d.WWWAuthenticate)
	}
	// Made-up kids do not make it hammer the issuer.
	for i := range 20 {
		s.authorize(signJWT(t, keys[2], "made-up-"+string(rune('a'+i)), "", jwtClaims(s.iss.issuer, nil)))
	}
	if n := s.iss.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after made-up kids", n)
	}
}

func TestAuthorizeJWTIssuerDown(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hang) }) // runs first: lets the handler return
	clock := newTestClock()
	a := NewAuthorizers(nil, nil, AuthorizerOptions{Now: clock.Now})
	auth := &Authorizer{Name: "Jwt", Type: AuthJWT, Issuer: srv.URL, Audience: []string{"api://gatehouse"}}
	tok := signJWT(t, keys[0], "k1", "", jwtClaims(srv.URL, nil))
	start := time.Now()
	d := a.Authorize(context.Background(), "h77p", HTTP, auth, nil, requestWith("/", "Authorization: "+tok), nil, testMethodARN, nil)
	took := time.Since(start)
	wantDecision(t, d, false, 401, TypeUnauthorized)
	if took < DefaultJWKSTimeout-100*time.Millisecond || took > DefaultJWKSTimeout+time.Second {
		t.Fatalf("took %s; want about %s", took, DefaultJWKSTimeout)
	}
	// Within the retry interval the next request fails at once.
	start = time.Now()
	d = a.Authorize(context.Background(), "h77p", HTTP, auth, nil, requestWith("/", "Authorization: "+tok), nil, testMethodARN, nil)
	wantDecision(t, d, false, 401, TypeUnauthorized)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Fatalf("second request took %s", took)
	}

	// An issuer that is not there at all.
	dead := &Authorizer{Name: "Dead", Type: AuthJWT, Issuer: "http://127.0.0.1:1/nobody", Audience: []string{"api://gatehouse"}}
	d = a.Authorize(context.Background(), "h77p", HTTP, dead, nil, requestWith("/", "Authorization: "+signJWT(t, keys[0], "k1", "", jwtClaims(dead.Issuer, nil))), nil, testMethodARN, nil)
	wantDecision(t, d, false, 401, TypeUnauthorized)
}

// TestAuthorizeJWTOwnPool: an issuer that is one of gatehouse's pools is
// verified by the pool (revocation included), whichever host the issuer
// URL names; an issuer merely shaped like a pool's that gatehouse does not
// have is an external OIDC issuer.
func TestAuthorizeJWTOwnPool(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pools := newFakePools(t, clock)
	a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
	auth := &Authorizer{Name: "Pool", Type: AuthJWT, Issuer: "https://cognito-idp.us-east-1.amazonaws.com/" + poolA, Audience: []string{clientA}}
	authorize := func(auth *Authorizer, tok string, scopes ...string) Decision {
		return a.Authorize(context.Background(), "h77p", HTTP, auth, scopes, requestWith("/", "Authorization: Bearer "+tok), nil, testMethodARN, nil)
	}
	id := pools.idToken(t, poolA, "own-id")
	access := pools.accessToken(t, poolA, "own-access", "orders/read")
	wantDecision(t, authorize(auth, id), true, 0, "")
	wantDecision(t, authorize(auth, access), true, 0, "")
	wantDecision(t, authorize(auth, access, "orders/read"), true, 0, "")
	wantDecision(t, authorize(auth, access, "orders/write"), false, 403, TypeAccessDenied)
	wantDecision(t, authorize(auth, pools.idToken(t, poolB, "other-pool")), false, 401, TypeUnauthorized)
	calls := pools.calls.Load()
	pools.revoke("own-id")
	d := authorize(auth, id)
	wantDecision(t, d, false, 401, TypeUnauthorized)
	if !strings.HasSuffix(d.WWWAuthenticate, `error_description="the token has been revoked"`) {
		t.Fatalf("www-authenticate %q", d.WWWAuthenticate)
	}
	if pools.calls.Load() != calls+1 {
		t.Fatal("a cached own-pool token was not re-checked by the pool")
	}
	wrongAud := &Authorizer{Name: "PoolOther", Type: AuthJWT, Issuer: issuerA, Audience: []string{"other-client"}}
	wantDecision(t, authorize(wrongAud, access), false, 401, TypeUnauthorized)

	// Shaped like a pool, unknown to gatehouse: the issuer's JWKS decides.
	keys := rsaKeys(t)
	ext := newOIDCIssuer(t, "/"+poolGone, map[string]*rsa.PrivateKey{"k1": keys[0]})
	extAuth := &Authorizer{Name: "Ext", Type: AuthJWT, Issuer: ext.issuer, Audience: []string{"api://gatehouse"}}
	wantDecision(t, authorize(extAuth, signJWT(t, keys[0], "k1", "", jwtClaims(ext.issuer, nil))), true, 0, "")
	if ext.fetches.Load() != 1 {
		t.Fatal("the external issuer's JWKS was not used")
	}
}

func TestAuthorizeJWTMissingToken(t *testing.T) {
	t.Parallel()
	s := newJWTSetup(t)
	for _, h := range []string{"", "Authorization: ", "Authorization: Bearer", "X-Other: x"} {
		var headers []string
		if h != "" {
			headers = append(headers, h)
		}
		d := s.a.Authorize(context.Background(), "h77p", HTTP, s.auth, nil, requestWith("/", headers...), nil, testMethodARN, nil)
		wantDecision(t, d, false, 401, TypeUnauthorized)
	}
	if s.iss.discovery.Load() != 0 {
		t.Fatal("fetched the issuer for a request without a token")
	}
}

// publicKeyDER is the issuer's public key as an HS256 forger would use it.
func publicKeyDER(t testing.TB, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
