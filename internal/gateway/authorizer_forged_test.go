package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// forgeTarget is what a forger knows of an authorizer's issuer: a real
// token (header, claims, signature), the issuer and the public key.
type forgeTarget struct {
	legit  string
	kid    string
	claims map[string]any
	pub    *rsa.PublicKey
	priv   *rsa.PrivateKey // the issuer's own: for tokens it signed but must not be taken
}

func b64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestAuthorizeForgedTokens runs the classic JWT forgeries against the
// Cognito (REST) and JWT (HTTP) authorizers: every one is a 401, and the
// real token passes (so each refusal is the forgery's doing).
func TestAuthorizeForgedTokens(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	attacker := keys[2]
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forgeries := []struct {
		name  string
		forge func(t *testing.T, tg *forgeTarget) string
	}{
		{"alg none, no signature", func(t *testing.T, tg *forgeTarget) string {
			return b64JSON(t, map[string]any{"alg": "none", "kid": tg.kid}) + "." + b64JSON(t, tg.claims) + "."
		}},
		{"alg none, real signature", func(t *testing.T, tg *forgeTarget) string {
			sig := tg.legit[strings.LastIndexByte(tg.legit, '.')+1:]
			return b64JSON(t, map[string]any{"alg": "none", "kid": tg.kid}) + "." + b64JSON(t, tg.claims) + "." + sig
		}},
		{"alg NONE", func(t *testing.T, tg *forgeTarget) string {
			return b64JSON(t, map[string]any{"alg": "NONE", "kid": tg.kid}) + "." + b64JSON(t, tg.claims) + "."
		}},
		{"HS256 keyed with the public key (DER)", func(t *testing.T, tg *forgeTarget) string {
			return signJWT(t, publicKeyDERFrom(t, tg.pub), tg.kid, jose.HS256, tg.claims)
		}},
		{"HS256 keyed with the public key (PEM)", func(t *testing.T, tg *forgeTarget) string {
			der := publicKeyDERFrom(t, tg.pub)
			return signJWT(t, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), tg.kid, jose.HS256, tg.claims)
		}},
		{"HS256 keyed with the modulus", func(t *testing.T, tg *forgeTarget) string {
			return signJWT(t, tg.pub.N.Bytes(), tg.kid, jose.HS256, tg.claims)
		}},
		{"ES256 under the real kid", func(t *testing.T, tg *forgeTarget) string {
			return signJWT(t, ecKey, tg.kid, jose.ES256, tg.claims)
		}},
		{"RS256 by another key under the real kid", func(t *testing.T, tg *forgeTarget) string {
			return signJWT(t, attacker, tg.kid, jose.RS256, tg.claims)
		}},
		{"embedded jwk of the forger", func(t *testing.T, tg *forgeTarget) string {
			return signJWTWith(t, attacker, jose.RS256, (&jose.SignerOptions{EmbedJWK: true}).WithHeader("kid", "forger"), tg.claims)
		}},
		{"jku pointing at the forger's keys", func(t *testing.T, tg *forgeTarget) string {
			return signJWTWith(t, attacker, jose.RS256, (&jose.SignerOptions{}).WithHeader("kid", "forger").WithHeader("jku", "https://evil.example/jwks.json"), tg.claims)
		}},
		{"claims swapped under a real signature", func(t *testing.T, tg *forgeTarget) string {
			parts := strings.Split(tg.legit, ".")
			c := map[string]any{}
			for k, v := range tg.claims {
				c[k] = v
			}
			c["sub"] = "admin"
			c["cognito:groups"] = []string{"admin"}
			return parts[0] + "." + b64JSON(t, c) + "." + parts[2]
		}},
		{"signature stripped", func(t *testing.T, tg *forgeTarget) string {
			return tg.legit[:strings.LastIndexByte(tg.legit, '.')+1]
		}},
		{"two segments", func(t *testing.T, tg *forgeTarget) string {
			return tg.legit[:strings.LastIndexByte(tg.legit, '.')]
		}},
		{"four segments", func(t *testing.T, tg *forgeTarget) string { return tg.legit + ".x" }},
		{"JWS JSON serialization", func(t *testing.T, tg *forgeTarget) string {
			parts := strings.Split(tg.legit, ".")
			return `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`
		}},
		{"padding in the signature", func(t *testing.T, tg *forgeTarget) string { return tg.legit + "==" }},
		{"crit header the verifier does not understand", func(t *testing.T, tg *forgeTarget) string {
			return signJWTWith(t, tg.priv, jose.RS256, (&jose.SignerOptions{}).WithHeader("kid", tg.kid).WithHeader("crit", []string{"exp"}), tg.claims)
		}},
		{"oversized", func(t *testing.T, tg *forgeTarget) string {
			c := map[string]any{"pad": strings.Repeat("x", 20<<10)}
			for k, v := range tg.claims {
				c[k] = v
			}
			return signJWT(t, attacker, tg.kid, jose.RS256, c)
		}},
		{"control characters", func(t *testing.T, tg *forgeTarget) string {
			return strings.Replace(tg.legit, ".", ".\n", 1)
		}},
	}

	clock := newTestClock()
	pools := newFakePools(t, clock)
	cognitoLegit := pools.idToken(t, poolA, "legit")
	peeked, err := peekJWT(cognitoLegit)
	if err != nil {
		t.Fatal(err)
	}
	s := newJWTSetup(t)
	jwtLegit := signJWT(t, s.key, "k1", "", jwtClaims(s.iss.issuer, nil))
	jwtPeeked, err := peekJWT(jwtLegit)
	if err != nil {
		t.Fatal(err)
	}
	targets := []struct {
		name      string
		tg        *forgeTarget
		authorize func(tok string) Decision
	}{
		{"cognito", &forgeTarget{legit: cognitoLegit, kid: peeked.kid, claims: peeked.claims, pub: &pools.pools[poolA].id.Private.PublicKey, priv: pools.pools[poolA].id.Private},
			func(tok string) Decision {
				a := NewAuthorizers(pools, nil, AuthorizerOptions{Now: clock.Now})
				auth := &Authorizer{Name: "Pool", Type: AuthCognito, ProviderARNs: []string{arnPoolA}}
				return a.Authorize(context.Background(), "a1b2c3", REST, auth, nil, requestWith("/", "Authorization: "+tok), nil, testMethodARN, nil)
			}},
		{"jwt", &forgeTarget{legit: jwtLegit, kid: "k1", claims: jwtPeeked.claims, pub: &s.key.PublicKey, priv: s.key},
			func(tok string) Decision {
				a := NewAuthorizers(nil, nil, AuthorizerOptions{Now: s.clock.Now})
				return a.Authorize(context.Background(), "h77p", HTTP, s.auth, nil, requestWith("/", "Authorization: Bearer "+tok), nil, testMethodARN, nil)
			}},
	}
	for _, target := range targets {
		t.Run(target.name+"/legit", func(t *testing.T) {
			t.Parallel()
			wantDecision(t, target.authorize(target.tg.legit), true, 0, "")
		})
		for _, f := range forgeries {
			t.Run(target.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				tok := f.forge(t, target.tg)
				d := target.authorize(tok)
				wantDecision(t, d, false, 401, TypeUnauthorized)
			})
		}
	}
}

func publicKeyDERFrom(t testing.TB, pub *rsa.PublicKey) []byte {
	t.Helper()
	return publicKeyDER(t, &rsa.PrivateKey{PublicKey: *pub})
}
