package gateway

import (
	"context"
	"crypto/rsa"
	"testing"
	"time"
)

// BenchmarkAuthorizeCached measures a decision served from the caches:
// no RSA verification, no function invocation, no fetch. The cognito and
// jwt-own-pool cases include the pool's own check (the real token
// verifier, whose signature cache makes it cheap), which runs on every
// request for revocation; cognito-layer replaces the pool with one that
// answers at once, to show this package's share.
//
//	go test ./internal/gateway/ -run '^$' -bench AuthorizeCached -benchmem
func BenchmarkAuthorizeCached(b *testing.B) {
	clock := newTestClock()
	pools := newFakePools(b, clock)
	keys := rsaKeys(b)
	iss := newOIDCIssuer(b, "/oidc", map[string]*rsa.PrivateKey{"k1": keys[0]})
	fn := returning(policyOutput("Allow", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/*", `{"tenant":"t1"}`))
	a := NewAuthorizers(pools, fn, AuthorizerOptions{Now: clock.Now})

	cases := []struct {
		name  string
		proto Protocol
		auth  *Authorizer
		token string
	}{
		{"cognito", REST, &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}, pools.idToken(b, poolA, "bench")},
		{"cognito-layer", REST, &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}, pools.idToken(b, poolA, "bench")},
		{"jwt", HTTP, &Authorizer{Name: "Jwt", Type: AuthJWT, Issuer: iss.issuer, Audience: []string{"api://gatehouse"}},
			signJWT(b, keys[0], "k1", "", jwtClaims(iss.issuer, nil))},
		{"jwt-own-pool", HTTP, &Authorizer{Name: "JwtPool", Type: AuthJWT, Issuer: issuerA, Audience: []string{clientA}}, pools.accessToken(b, poolA, "bench-access")},
		{"lambda-token", REST, tokenAuthorizer(300 * time.Second), "Bearer opaque-token-123"},
		{"lambda-request", REST, &Authorizer{Name: "Req", Type: AuthRequest, FunctionARN: testFunctionARN, TTL: 300 * time.Second,
			IdentitySource: []string{"method.request.header.Authorization", "context.httpMethod"}}, "Bearer opaque-token-123"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "cognito-layer" {
				a.pools = instantPools{}
				defer func() { a.pools = pools }()
			}
			req := requestWith("/items/42", "Authorization: "+c.token)
			event := func() []byte { return []byte(`{}`) }
			ctx := context.Background()
			if d := a.Authorize(ctx, "a1b2c3", c.proto, c.auth, nil, req, nil, testMethodARN, event); !d.Allowed {
				b.Fatalf("warm-up refused: %+v", d)
			}
			invokes := fn.calls.Load()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if d := a.Authorize(ctx, "a1b2c3", c.proto, c.auth, nil, req, nil, testMethodARN, event); !d.Allowed {
						b.Fatalf("refused: %+v", d)
					}
				}
			})
			if fn.calls.Load() != invokes {
				b.Fatal("a cached decision invoked the function")
			}
		})
	}
}

// instantPools says every token is good, at no cost.
type instantPools struct{}

func (instantPools) VerifyPoolToken(context.Context, string, string, string) (map[string]any, error) {
	return nil, nil
}
