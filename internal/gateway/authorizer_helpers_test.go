package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// authT0 is the fixed start of the authorizer tests' clocks.
var authT0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// testClock is an injectable clock the tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: authT0} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Pools the fake PoolTokens knows: gatehouse's issuer form, not AWS's.
const (
	poolA     = "us-east-1_AAAAAAAAA"
	poolB     = "us-east-1_BBBBBBBBB"
	poolGone  = "us-east-1_GGGGGGGGG" // named by authorizers, unknown to the pools
	issuerA   = "http://127.0.0.1:4566/" + poolA
	issuerB   = "http://127.0.0.1:4566/" + poolB
	clientA   = "1example23456789abcdefghij"
	arnPoolA  = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolA
	arnPoolB  = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolB
	arnPoolGo = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolGone
)

// testPool is a user pool's signing keys.
type testPool struct {
	iss        string
	ks         *tokens.KeySet
	id, access *tokens.Key
}

// sharedTestPools are made once: RSA key generation is the slow part.
var sharedTestPools = sync.OnceValues(func() (map[string]*testPool, error) {
	out := map[string]*testPool{}
	for id, iss := range map[string]string{poolA: issuerA, poolB: issuerB} {
		idKey, err := tokens.NewKey(rand.Reader, tokens.UseID, authT0.Add(-time.Hour))
		if err != nil {
			return nil, err
		}
		accessKey, err := tokens.NewKey(rand.Reader, tokens.UseAccess, authT0.Add(-time.Hour))
		if err != nil {
			return nil, err
		}
		out[id] = &testPool{iss: iss, ks: tokens.NewKeySet([]*tokens.Key{idKey, accessKey}), id: idKey, access: accessKey}
	}
	return out, nil
})

// fakePools is PoolTokens over the real token verifier (so its signature
// cache is exercised as the server's is), with revocation by jti and a
// call counter.
type fakePools struct {
	pools    map[string]*testPool
	verifier *tokens.Verifier
	clock    *testClock
	calls    atomic.Int64
	mu       sync.Mutex
	revoked  map[string]bool
}

func newFakePools(t testing.TB, clock *testClock) *fakePools {
	t.Helper()
	pools, err := sharedTestPools()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePools{pools: pools, verifier: tokens.NewVerifier(), clock: clock, revoked: map[string]bool{}}
	for _, p := range pools {
		f.verifier.SetKeys(p.iss, p.ks)
	}
	return f
}

func (f *fakePools) VerifyPoolToken(ctx context.Context, poolID, token, tokenUse string) (map[string]any, error) {
	f.calls.Add(1)
	p := f.pools[poolID]
	if p == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownPool, poolID)
	}
	return f.verifier.Verify(ctx, token, tokens.Expectations{Issuer: p.iss, TokenUse: tokenUse, Now: f.clock.Now(),
		Revoked: func(jti, _ string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.revoked[jti]
		}})
}

func (f *fakePools) revoke(jti string) {
	f.mu.Lock()
	f.revoked[jti] = true
	f.mu.Unlock()
}

// idToken signs an ID token of pool for clientA, issued a minute before
// the clock's start and valid an hour.
func (f *fakePools) idToken(t testing.TB, pool, jti string, groups ...string) string {
	t.Helper()
	p := f.pools[pool]
	tok, err := tokens.Sign(p.id, tokens.IDClaims(tokens.IDTokenInput{Issuer: p.iss, ClientID: clientA, Sub: "sub-" + jti,
		Username: "ada", IssuedAt: authT0.Add(-time.Minute), Validity: time.Hour, JTI: jti, Groups: groups,
		Attributes: map[string]string{"email": "ada@example.com", "email_verified": "true"}}))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fakePools) accessToken(t testing.TB, pool, jti string, scopes ...string) string {
	t.Helper()
	p := f.pools[pool]
	tok, err := tokens.Sign(p.access, tokens.AccessClaims(tokens.AccessTokenInput{Issuer: p.iss, ClientID: clientA, Sub: "sub-" + jti,
		Username: "ada", IssuedAt: authT0.Add(-time.Minute), Validity: time.Hour, JTI: jti, Scopes: scopes}))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// fakeFunctions is a FunctionInvoker running a Go func, counting calls.
type fakeFunctions struct {
	calls atomic.Int64
	fn    func(ctx context.Context, arn string, payload []byte) ([]byte, bool, error)
	mu    sync.Mutex
	last  []byte // the last payload
}

func (f *fakeFunctions) InvokeFunction(ctx context.Context, arn string, payload []byte) ([]byte, bool, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.last = append([]byte(nil), payload...)
	f.mu.Unlock()
	return f.fn(ctx, arn, payload)
}

func (f *fakeFunctions) lastPayload() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// returning makes a function that answers out.
func returning(out string) *fakeFunctions {
	return &fakeFunctions{fn: func(context.Context, string, []byte) ([]byte, bool, error) { return []byte(out), false, nil }}
}

// policyOutput is a Lambda authorizer's output with one statement.
func policyOutput(effect, resource string, context string) string {
	out := `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"` +
		effect + `","Resource":"` + resource + `"}]}`
	if context != "" {
		out += `,"context":` + context
	}
	return out + `}`
}

// oidcIssuer is an external OpenID provider: discovery, a JWKS it can
// rotate, and counters of what was fetched.
type oidcIssuer struct {
	srv       *httptest.Server
	issuer    string
	mu        sync.Mutex
	keys      map[string]*rsa.PrivateKey // published, by kid
	fetches   atomic.Int64               // JWKS documents served
	discovery atomic.Int64
}

// Keys shared by the OIDC tests (generated once).
var sharedRSAKeys = sync.OnceValues(func() ([]*rsa.PrivateKey, error) {
	var out []*rsa.PrivateKey
	for range 3 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
})

func rsaKeys(t testing.TB) []*rsa.PrivateKey {
	t.Helper()
	ks, err := sharedRSAKeys()
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// newOIDCIssuer serves an issuer at srv.URL+path publishing keys.
func newOIDCIssuer(t testing.TB, path string, keys map[string]*rsa.PrivateKey) *oidcIssuer {
	t.Helper()
	o := &oidcIssuer{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		o.discovery.Add(1)
		json.NewEncoder(w).Encode(map[string]string{"issuer": o.issuer, "jwks_uri": o.srv.URL + path + "/keys"})
	})
	mux.HandleFunc("GET "+path+"/keys", func(w http.ResponseWriter, r *http.Request) {
		o.fetches.Add(1)
		o.mu.Lock()
		var set jose.JSONWebKeySet
		for kid, k := range o.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
		}
		o.mu.Unlock()
		json.NewEncoder(w).Encode(set)
	})
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	o.issuer = o.srv.URL + path
	return o
}

func (o *oidcIssuer) setKeys(keys map[string]*rsa.PrivateKey) {
	o.mu.Lock()
	o.keys = keys
	o.mu.Unlock()
}

// signJWT signs claims with key under kid and alg (RS256 when "").
func signJWT(t testing.TB, key any, kid string, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	if alg == "" {
		alg = jose.RS256
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	return signJWTWith(t, key, alg, opts, claims)
}

// signJWTWith signs with the header options given.
func signJWTWith(t testing.TB, key any, alg jose.SignatureAlgorithm, opts *jose.SignerOptions, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// jwtClaims are an external issuer's usual access token claims, valid
// around the clock's start; over replaces or (nil values) removes some.
func jwtClaims(iss string, over map[string]any) map[string]any {
	c := map[string]any{
		"iss": iss, "sub": "user-1", "aud": "api://gatehouse", "scope": "read write",
		"iat": authT0.Add(-time.Minute).Unix(), "nbf": authT0.Add(-time.Minute).Unix(), "exp": authT0.Add(time.Hour).Unix(),
		"groups": []string{"admin", "ops"},
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// requestWith is a GET with headers given as "Name: value" pairs.
func requestWith(target string, headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		r.Header.Add(name, strings.TrimSpace(value))
	}
	return r
}

const testMethodARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items/42"

// wantDecision compares the parts of a decision a test cares about.
func wantDecision(t *testing.T, got Decision, allowed bool, status int, typ string) {
	t.Helper()
	if got.Allowed != allowed || (!allowed && (got.Status != status || got.ErrorType != typ)) {
		t.Fatalf("decision = %+v; want allowed=%v status=%d type=%s", got, allowed, status, typ)
	}
	if allowed && got.Context == nil {
		t.Fatalf("allowed without a context: %+v", got)
	}
}
