package tokens

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// forge builds header.payload.signature from parts the test chooses.
func forge(header, payload string, sig []byte) string {
	return b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(sig)
}

func hs256(secret []byte, header, payload string) string {
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + b64.EncodeToString(m.Sum(nil))
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	v := verifierFor(a)
	scoped := a.token(t, UseAccess, func(c map[string]any) { c["scope"] = "openid email https://api.example.com/read" })
	for _, tc := range []struct {
		name string
		tok  string
		mod  func(*Expectations)
	}{
		{"id", a.token(t, UseID, nil), nil},
		{"access", a.token(t, UseAccess, nil), nil},
		{"id as id", a.token(t, UseID, nil), func(e *Expectations) { e.TokenUse = UseID }},
		{"access as access", a.token(t, UseAccess, nil), func(e *Expectations) { e.TokenUse = UseAccess }},
		{"id audience among several", a.token(t, UseID, nil), func(e *Expectations) { e.ClientIDs = []string{"other", clientA} }},
		{"access client among several", a.token(t, UseAccess, nil), func(e *Expectations) { e.ClientIDs = []string{clientA, "other"} }},
		{"id aud as a list", a.token(t, UseID, func(c map[string]any) { c["aud"] = []string{"x", clientA} }), func(e *Expectations) { e.ClientIDs = []string{clientA} }},
		{"one scope of several", scoped, func(e *Expectations) {
			e.Scopes = []string{"https://api.example.com/write", "https://api.example.com/read"}
		}},
		{"default scope", a.token(t, UseAccess, nil), func(e *Expectations) { e.Scopes = []string{DefaultScope} }},
		{"last second before exp", a.token(t, UseID, nil), func(e *Expectations) { e.Now = t0.Add(time.Hour - time.Nanosecond) }},
		{"expired within leeway", a.token(t, UseID, nil), func(e *Expectations) { e.Now = t0.Add(time.Hour + 4*time.Minute); e.Leeway = 5 * time.Minute }},
		{"iat at now", a.token(t, UseID, nil), func(e *Expectations) { e.Now = t0 }},
		{"iat in the future within leeway", a.token(t, UseID, nil), func(e *Expectations) { e.Now = t0.Add(-time.Minute); e.Leeway = 2 * time.Minute }},
		{"not revoked", a.token(t, UseAccess, nil), func(e *Expectations) { e.Revoked = func(string, string) bool { return false } }},
		{"typ header and unknown header ignored", rawToken(t, a.id, `{"kid":`+mustJSON(t, a.id.Kid)+`,"alg":"RS256","typ":"JWT","x-note":1}`, mustJSON(t, IDClaims(a.idInput()))), nil},
		{"day-long token", a.token(t, UseAccess, func(c map[string]any) { c["exp"] = t0.Add(MaxTokenLifetime).Unix() }), nil},
		{"zero Now uses the clock", a.token(t, UseID, func(c map[string]any) {
			c["iat"] = time.Now().Unix()
			c["exp"] = time.Now().Add(time.Hour).Unix()
		}), func(e *Expectations) { e.Now = time.Time{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exp := expectFor(a)
			if tc.mod != nil {
				tc.mod(&exp)
			}
			for _, v := range []*Verifier{v, verifierFor(a)} { // cached and fresh
				for range 2 {
					c, err := v.Verify(t.Context(), tc.tok, exp)
					if err != nil {
						t.Fatal(err)
					}
					if c.Subject() != subA || c.Issuer() != issA {
						t.Errorf("claims %v", c)
					}
				}
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	a, b := sharedPools()
	v := verifierFor(a, b)
	idTok := a.token(t, UseID, nil)
	accessTok := a.token(t, UseAccess, nil)
	idClaims := mustJSON(t, IDClaims(a.idInput()))
	kidA := mustJSON(t, a.id.Kid)
	goodHeader := `{"kid":` + kidA + `,"alg":"RS256"}`
	seg := strings.Split(idTok, ".")

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	es256 := func() string {
		in := b64.EncodeToString([]byte(`{"kid":`+kidA+`,"alg":"ES256"}`)) + "." + seg[1]
		d := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, ecKey, d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return in + "." + b64.EncodeToString(sig)
	}()
	ps256 := func() string {
		in := b64.EncodeToString([]byte(`{"kid":`+kidA+`,"alg":"PS256"}`)) + "." + seg[1]
		d := sha256.Sum256([]byte(in))
		sig, err := rsa.SignPSS(rand.Reader, a.id.Private, crypto.SHA256, d[:], nil)
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + b64.EncodeToString(sig)
	}()
	pubDER, _ := x509.MarshalPKIXPublicKey(&a.id.Private.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&a.id.Private.PublicKey)})
	jwksDoc := a.ks.JWKS(t0, MaxTokenLifetime)
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	attackerKey := &Key{Kid: "attacker", Use: UseID, Private: attacker}
	attackerJWK := mustJSON(t, publicJWK(attackerKey))
	tampered := func(f func(c map[string]any)) string {
		c := IDClaims(a.idInput())
		f(c)
		return seg[0] + "." + b64.EncodeToString([]byte(mustJSON(t, c))) + "." + seg[2]
	}
	flipSig := func(tok string, i int) string {
		s := strings.Split(tok, ".")
		sig, _ := b64.DecodeString(s[2])
		sig[i] ^= 1
		return s[0] + "." + s[1] + "." + b64.EncodeToString(sig)
	}
	big := a.token(t, UseID, func(c map[string]any) { c["blob"] = strings.Repeat("x", MaxTokenSize) })

	for _, tc := range []struct {
		name string
		tok  string
		mod  func(*Expectations)
		want error
	}{
		// Time.
		{"expired at exp", idTok, func(e *Expectations) { e.Now = t0.Add(time.Hour) }, ErrExpired},
		{"expired long ago", idTok, func(e *Expectations) { e.Now = t0.Add(48 * time.Hour) }, ErrExpired},
		{"expired beyond leeway", idTok, func(e *Expectations) { e.Now = t0.Add(time.Hour + 5*time.Minute); e.Leeway = 5 * time.Minute }, ErrExpired},
		{"iat in the future", idTok, func(e *Expectations) { e.Now = t0.Add(-time.Second) }, ErrNotYetValid},
		{"iat in the future beyond leeway", idTok, func(e *Expectations) { e.Now = t0.Add(-3 * time.Minute); e.Leeway = 2 * time.Minute }, ErrNotYetValid},
		{"nbf in the future", a.token(t, UseID, func(c map[string]any) { c["nbf"] = t0.Add(30 * time.Minute).Unix() }), nil, ErrNotYetValid},
		// Issuer, audience, use, scope.
		{"wrong iss claim", a.token(t, UseID, func(c map[string]any) { c["iss"] = issB }), nil, ErrWrongIssuer},
		{"iss with trailing slash", a.token(t, UseID, func(c map[string]any) { c["iss"] = issA + "/" }), nil, ErrWrongIssuer},
		{"no expected issuer", idTok, func(e *Expectations) { e.Issuer = "" }, ErrWrongIssuer},
		{"issuer with no keys", idTok, func(e *Expectations) { e.Issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_CCCCCCCCC" }, ErrUnknownKey},
		{"pool A token checked for pool B", idTok, func(e *Expectations) { e.Issuer = issB }, ErrUnknownKey},
		{"wrong aud", idTok, func(e *Expectations) { e.ClientIDs = []string{"otherclient"} }, ErrWrongAudience},
		{"wrong client_id", accessTok, func(e *Expectations) { e.ClientIDs = []string{"otherclient"} }, ErrWrongAudience},
		{"access token has no aud", a.token(t, UseAccess, func(c map[string]any) { c["aud"] = clientA; c["client_id"] = "x" }), func(e *Expectations) { e.ClientIDs = []string{clientA} }, ErrWrongAudience},
		{"id token as access", idTok, func(e *Expectations) { e.TokenUse = UseAccess }, ErrWrongTokenUse},
		{"access token as id", accessTok, func(e *Expectations) { e.TokenUse = UseID }, ErrWrongTokenUse},
		{"id token signed by the access key", mustSign(t, a.access, IDClaims(a.idInput())), nil, ErrWrongTokenUse},
		{"access token signed by the id key", mustSign(t, a.id, AccessClaims(a.accessInput())), nil, ErrWrongTokenUse},
		{"missing scope", accessTok, func(e *Expectations) { e.Scopes = []string{"https://api.example.com/read"} }, ErrMissingScope},
		{"scope prefix is not the scope", a.token(t, UseAccess, func(c map[string]any) { c["scope"] = "https://api.example.com/readwrite" }), func(e *Expectations) { e.Scopes = []string{"https://api.example.com/read"} }, ErrMissingScope},
		{"id token where scopes are required", idTok, func(e *Expectations) { e.Scopes = []string{DefaultScope} }, ErrMissingScope},
		// Revocation.
		{"revoked jti", accessTok, func(e *Expectations) {
			e.Revoked = func(jti, _ string) bool { return jti == "44444444-4444-4444-8444-444444444444" }
		}, ErrRevoked},
		{"revoked origin_jti", idTok, func(e *Expectations) {
			e.Revoked = func(_, origin string) bool { return origin == "22222222-2222-4222-8222-222222222222" }
		}, ErrRevoked},
		// Keys and signatures.
		{"unknown kid", rawToken(t, a.id, `{"kid":"bm9wZQ==","alg":"RS256"}`, idClaims), nil, ErrUnknownKey},
		{"another pool's key", mustSign(t, b.id, IDClaims(a.idInput())), nil, ErrUnknownKey},
		{"another pool's key, kid copied", rawToken(t, b.id, goodHeader, idClaims), nil, ErrBadSignature},
		{"attacker key with own kid and embedded jwk", rawToken(t, attackerKey, `{"kid":"attacker","alg":"RS256","jwk":`+attackerJWK+`}`, idClaims), nil, ErrUnknownKey},
		{"attacker key, kid copied, embedded jwk", rawToken(t, attackerKey, `{"kid":`+kidA+`,"alg":"RS256","jwk":`+attackerJWK+`}`, idClaims), nil, ErrBadSignature},
		{"attacker key, jku", rawToken(t, attackerKey, `{"kid":`+kidA+`,"alg":"RS256","jku":"http://127.0.0.1/jwks.json"}`, idClaims), nil, ErrBadSignature},
		{"tampered sub", tampered(func(c map[string]any) { c["sub"] = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" }), nil, ErrBadSignature},
		{"tampered exp", tampered(func(c map[string]any) { c["exp"] = t0.Add(2 * time.Hour).Unix() }), nil, ErrBadSignature},
		{"tampered groups", tampered(func(c map[string]any) { c["cognito:groups"] = []string{"admin"} }), nil, ErrBadSignature},
		{"header swapped to access kid", b64.EncodeToString([]byte(`{"kid":`+mustJSON(t, a.access.Kid)+`,"alg":"RS256"}`)) + "." + seg[1] + "." + seg[2], nil, ErrBadSignature},
		{"signature bit flipped (first byte)", flipSig(idTok, 0), nil, ErrBadSignature},
		{"signature bit flipped (last byte)", flipSig(idTok, 255), nil, ErrBadSignature},
		{"signature truncated", idTok[:len(idTok)-4], nil, ErrBadSignature},
		{"signature extended", idTok + "AAAA", nil, ErrBadSignature},
		{"signature empty", seg[0] + "." + seg[1] + ".", nil, ErrBadSignature},
		{"signature of another token", seg[0] + "." + seg[1] + "." + strings.Split(accessTok, ".")[2], nil, ErrBadSignature},
		{"signature non-canonical base64", nonCanonical(seg[0] + "." + seg[1] + "." + seg[2]), nil, ErrBadSignature},
		{"signature standard base64", seg[0] + "." + seg[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(seg[2]) + "+/", nil, ErrMalformed},
		// Algorithms and headers.
		{"alg none", forge(`{"kid":`+kidA+`,"alg":"none"}`, idClaims, nil), nil, ErrMalformed},
		{"alg None with signature", forge(`{"kid":`+kidA+`,"alg":"None"}`, idClaims, []byte("x")), nil, ErrMalformed},
		{"alg missing", forge(`{"kid":`+kidA+`}`, idClaims, nil), nil, ErrMalformed},
		{"alg rs256 lowercase", rawToken(t, a.id, `{"kid":`+kidA+`,"alg":"rs256"}`, idClaims), nil, ErrMalformed},
		{"alg as a list", rawToken(t, a.id, `{"kid":`+kidA+`,"alg":["RS256"]}`, idClaims), nil, ErrMalformed},
		{"HS256 with the PEM public key", hs256(pubPEM, `{"kid":`+kidA+`,"alg":"HS256"}`, idClaims), nil, ErrMalformed},
		{"HS256 with the PKCS#1 PEM", hs256(pkcs1PEM, `{"kid":`+kidA+`,"alg":"HS256"}`, idClaims), nil, ErrMalformed},
		{"HS256 with the DER public key", hs256(pubDER, `{"kid":`+kidA+`,"alg":"HS256"}`, idClaims), nil, ErrMalformed},
		{"HS256 with the JWKS", hs256(jwksDoc, `{"kid":`+kidA+`,"alg":"HS256"}`, idClaims), nil, ErrMalformed},
		{"HS256 with the modulus", hs256(a.id.Private.N.Bytes(), `{"kid":`+kidA+`,"alg":"HS256"}`, idClaims), nil, ErrMalformed},
		{"ES256", es256, nil, ErrMalformed},
		{"PS256 with the right key", ps256, nil, ErrMalformed},
		{"crit header, validly signed", rawToken(t, a.id, `{"kid":`+kidA+`,"alg":"RS256","crit":["exp"],"exp":1}`, idClaims), nil, ErrMalformed},
		{"crit b64 false", rawToken(t, a.id, `{"kid":`+kidA+`,"alg":"RS256","b64":false,"crit":["b64"]}`, idClaims), nil, ErrMalformed},
		{"kid missing", rawToken(t, a.id, `{"alg":"RS256"}`, idClaims), nil, ErrMalformed},
		{"kid empty", rawToken(t, a.id, `{"kid":"","alg":"RS256"}`, idClaims), nil, ErrMalformed},
		{"kid a number", rawToken(t, a.id, `{"kid":1,"alg":"RS256"}`, idClaims), nil, ErrMalformed},
		{"header names in capitals", rawToken(t, a.id, `{"KID":`+kidA+`,"ALG":"RS256"}`, idClaims), nil, ErrMalformed},
		{"header an array", rawToken(t, a.id, `[`+goodHeader+`]`, idClaims), nil, ErrMalformed},
		{"header null", rawToken(t, a.id, `null`, idClaims), nil, ErrMalformed},
		{"header not json", rawToken(t, a.id, `kid=x;alg=RS256`, idClaims), nil, ErrMalformed},
		{"header with trailing data", rawToken(t, a.id, goodHeader+`{}`, idClaims), nil, ErrMalformed},
		// Payloads that are signed but not a Cognito token.
		{"payload null", rawToken(t, a.id, goodHeader, `null`), nil, ErrMalformed},
		{"payload array", rawToken(t, a.id, goodHeader, `[`+idClaims+`]`), nil, ErrMalformed},
		{"payload string", rawToken(t, a.id, goodHeader, `"x"`), nil, ErrMalformed},
		{"payload truncated", rawToken(t, a.id, goodHeader, idClaims[:len(idClaims)-1]), nil, ErrMalformed},
		{"payload empty", rawToken(t, a.id, goodHeader, ``), nil, ErrMalformed},
		{"no exp", a.token(t, UseID, func(c map[string]any) { delete(c, "exp") }), nil, ErrMalformed},
		{"exp a string", a.token(t, UseID, func(c map[string]any) { c["exp"] = "1795179600" }), nil, ErrMalformed},
		{"exp negative", a.token(t, UseID, func(c map[string]any) { c["exp"] = -1 }), nil, ErrMalformed},
		{"exp huge", a.token(t, UseID, func(c map[string]any) { c["exp"] = 1e300 }), nil, ErrMalformed},
		{"no iat", a.token(t, UseID, func(c map[string]any) { delete(c, "iat") }), nil, ErrMalformed},
		{"nbf a string", a.token(t, UseID, func(c map[string]any) { c["nbf"] = "now" }), nil, ErrMalformed},
		{"no iss", a.token(t, UseID, func(c map[string]any) { delete(c, "iss") }), nil, ErrMalformed},
		{"iss a number", a.token(t, UseID, func(c map[string]any) { c["iss"] = 1 }), nil, ErrMalformed},
		{"no token_use", a.token(t, UseID, func(c map[string]any) { delete(c, "token_use") }), nil, ErrMalformed},
		{"token_use refresh", a.token(t, UseID, func(c map[string]any) { c["token_use"] = "refresh" }), nil, ErrMalformed},
		{"id token without aud", a.token(t, UseID, func(c map[string]any) { delete(c, "aud") }), nil, ErrMalformed},
		{"aud a number", a.token(t, UseID, func(c map[string]any) { c["aud"] = 5 }), nil, ErrMalformed},
		{"aud list with a number", a.token(t, UseID, func(c map[string]any) { c["aud"] = []any{clientA, 5} }), nil, ErrMalformed},
		{"access token without client_id", a.token(t, UseAccess, func(c map[string]any) { delete(c, "client_id") }), nil, ErrMalformed},
		{"scope a list", a.token(t, UseAccess, func(c map[string]any) { c["scope"] = []string{"a"} }), nil, ErrMalformed},
		{"jti a number", a.token(t, UseAccess, func(c map[string]any) { c["jti"] = 5 }), nil, ErrMalformed},
		{"lifetime over a day", a.token(t, UseID, func(c map[string]any) { c["exp"] = t0.Add(MaxTokenLifetime + time.Second).Unix() }), nil, ErrMalformed},
		// Size and garbage.
		{"oversized, validly signed", big, nil, ErrMalformed},
		{"empty", "", nil, ErrMalformed},
		{"one dot", ".", nil, ErrMalformed},
		{"two dots", "..", nil, ErrMalformed},
		{"three dots", "...", nil, ErrMalformed},
		{"no dots", "eyJhbGciOiJSUzI1NiJ9", nil, ErrMalformed},
		{"two parts", seg[0] + "." + seg[1], nil, ErrMalformed},
		{"four parts", idTok + ".x", nil, ErrMalformed},
		{"JWE-shaped", seg[0] + ".." + seg[1] + "." + seg[2] + "." + seg[2], nil, ErrMalformed},
		{"a.b.c", "a.b.c", nil, ErrMalformed},
		{"padded header", seg[0] + "=." + seg[1] + "." + seg[2], nil, ErrMalformed},
		{"space inside", seg[0] + " ." + seg[1] + "." + seg[2], nil, ErrMalformed},
		{"leading space", " " + idTok, nil, ErrMalformed},
		{"Bearer prefix", "Bearer " + idTok, nil, ErrMalformed},
		{"trailing newline", idTok + "\n", nil, ErrMalformed},
		{"newline inside the signature", seg[0] + "." + seg[1] + "." + seg[2][:10] + "\r\n" + seg[2][10:], nil, ErrMalformed},
		{"NUL bytes", "\x00.\x00.\x00", nil, ErrMalformed},
		{"unicode", "☃.☃.☃", nil, ErrMalformed},
		{"invalid UTF-8", "\xff\xfe.\xff.\xff", nil, ErrMalformed},
		{"just dots and base64", "AAAA.AAAA.AAAA", nil, ErrMalformed},
		{"oversized garbage", strings.Repeat("A", MaxTokenSize+1), nil, ErrMalformed},
		{"oversized dots", strings.Repeat(".", 100000), nil, ErrMalformed},
		{"json instead of a token", idClaims, nil, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exp := expectFor(a)
			if tc.mod != nil {
				tc.mod(&exp)
			}
			// Twice on the shared, caching verifier (a cached signature must
			// not change the answer) and once on one without a cache.
			for i, v := range []*Verifier{v, v, NewVerifier(WithCacheSize(0))} {
				if i == 2 {
					v.SetKeys(a.iss, a.ks)
					v.SetKeys(b.iss, b.ks)
				}
				c, err := v.Verify(t.Context(), tc.tok, exp)
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if c != nil {
					t.Fatalf("claims returned with an error: %v", c)
				}
			}
		})
	}
}

func TestVerifyContext(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := verifierFor(a).Verify(ctx, a.token(t, UseID, nil), expectFor(a)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestVerifyCache checks that a cached signature never outlives what made
// it valid: the exact signature bytes, the key, the key's issuer.
func TestVerifyCache(t *testing.T) {
	t.Parallel()
	p := newPool(t, issA)
	_, b := sharedPools()
	v := verifierFor(p, b)
	tok := p.token(t, UseID, nil)
	exp := expectFor(p)
	if _, err := v.Verify(t.Context(), tok, exp); err != nil {
		t.Fatal(err)
	}
	if n := v.cache.len(); n != 1 {
		t.Fatalf("cache holds %d entries", n)
	}
	// Same signed part, other signature: not a hit.
	seg := strings.Split(tok, ".")
	if _, err := v.Verify(t.Context(), seg[0]+"."+seg[1]+".AAAA", exp); !errors.Is(err, ErrBadSignature) {
		t.Errorf("bad signature after a cached good one: %v", err)
	}
	// The cached claims are a copy: changing them changes nothing.
	c, _ := v.Verify(t.Context(), tok, exp)
	c["sub"] = "changed"
	c["aud"] = "changed"
	if c2, _ := v.Verify(t.Context(), tok, exp); c2.Subject() != subA || c2.ClientID() != clientA {
		t.Errorf("changing returned claims changed the cache: %v", c2)
	}
	// Same cached token checked for another issuer: no.
	if _, err := v.Verify(t.Context(), tok, Expectations{Issuer: issB, Now: exp.Now}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("pool B accepted pool A's cached token: %v", err)
	}
	// Keys replaced (the pool lost its key): the cached token fails.
	other := newPool(t, issA)
	v.SetKeys(issA, other.ks)
	if _, err := v.Verify(t.Context(), tok, exp); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("cached token after its key was removed: %v", err)
	}
	// Same kid, different key material (a reload gone wrong): bad signature.
	swapped := *other.id
	swapped.Kid = p.id.Kid
	v.SetKeys(issA, NewKeySet([]*Key{&swapped}))
	if _, err := v.Verify(t.Context(), tok, exp); !errors.Is(err, ErrBadSignature) {
		t.Errorf("cached token after its kid got another key: %v", err)
	}
	// The original keys back (say, reloaded from the store): good again.
	v.SetKeys(issA, p.ks)
	if _, err := v.Verify(t.Context(), tok, exp); err != nil {
		t.Errorf("after restoring the keys: %v", err)
	}
	// Removing the issuer.
	v.SetKeys(issA, nil)
	if _, err := v.Verify(t.Context(), tok, exp); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("after removing the issuer: %v", err)
	}
	// Expired tokens are not cached.
	v.SetKeys(issA, p.ks)
	before := v.cache.len()
	late := exp
	late.Now = t0.Add(2 * time.Hour)
	tok2 := p.token(t, UseAccess, nil)
	if _, err := v.Verify(t.Context(), tok2, late); !errors.Is(err, ErrExpired) {
		t.Fatal(err)
	}
	if v.cache.len() != before {
		t.Error("an expired token was cached")
	}
}

func TestVerifyCacheBounded(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	v := NewVerifier(WithCacheSize(cacheShards)) // one entry per shard
	v.SetKeys(a.iss, a.ks)
	exp := expectFor(a)
	var toks []string
	for i := range 300 {
		toks = append(toks, a.token(t, UseAccess, func(c map[string]any) { c["jti"] = string(rune('a'+i%26)) + strings.Repeat("x", i) }))
	}
	for _, tok := range toks {
		if _, err := v.Verify(t.Context(), tok, exp); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.cache.len(); n > cacheShards {
		t.Errorf("cache holds %d entries, bound %d", n, cacheShards)
	}
}

func TestSigCacheEviction(t *testing.T) {
	t.Parallel()
	c := newSigCache(2 * cacheShards) // two entries per shard
	d := func(b0, b1 byte) *[32]byte { return &[32]byte{b0, b1} }
	c.put(d(0, 1), &token{sig: "a", exp: 100}, 50)
	c.put(d(cacheShards, 2), &token{sig: "c", exp: 10000}, 50) // same shard
	c.put(d(1, 3), &token{sig: "other shard", exp: 100}, 50)
	if c.get(d(0, 1), "a") == nil || c.get(d(0, 1), "b") != nil || c.get(d(0, 9), "a") != nil {
		t.Fatal("get")
	}
	// Shard 0 is full; at 100+cacheGrace+1 the first entry has long expired
	// and goes, the live one stays.
	c.put(d(2*cacheShards, 4), &token{sig: "b", exp: 10000}, 100+cacheGrace+1)
	if c.get(d(0, 1), "a") != nil || c.get(d(cacheShards, 2), "c") == nil || c.get(d(2*cacheShards, 4), "b") == nil {
		t.Error("eviction did not drop the expired entry first")
	}
	// Full of live entries: one goes, the bound holds.
	c.put(d(3*cacheShards, 5), &token{sig: "e", exp: 10000}, 200)
	if n := len(c.shards[0].m); n != 2 || c.get(d(3*cacheShards, 5), "e") == nil {
		t.Errorf("shard holds %d entries", n)
	}
	if c.len() != 3 {
		t.Errorf("len %d", c.len())
	}
	if newSigCache(0) != nil || newSigCache(-1) != nil {
		t.Error("size <= 0 must disable the cache")
	}
}

// TestRotation: a token signed before Rotate keeps verifying, a token from
// the new key verifies, and the retired key stops verifying once its window
// closes, even for a token that has not expired (as a stale node could sign).
func TestRotation(t *testing.T) {
	t.Parallel()
	p := newPool(t, issA)
	v := verifierFor(p)
	before := p.token(t, UseID, nil) // iat t0, exp t0+1h
	oldKey := p.id
	// A token signed with the old key a little after rotation, as a node
	// that had not yet seen the rotation would: iat t0+5m, exp t0+5m+24h.
	stale := mustSign(t, oldKey, IDClaims(IDTokenInput{
		Issuer: issA, ClientID: clientA, Sub: subA, Username: "jdoe",
		IssuedAt: t0.Add(5 * time.Minute), Validity: MaxTokenLifetime,
	}))

	next, err := NewKey(rand.Reader, UseID, t0)
	if err != nil {
		t.Fatal(err)
	}
	rotatedAt := t0.Add(time.Minute)
	p.ks.Rotate(UseID, next, rotatedAt)
	if _, err := Sign(p.ks.Active(UseID), IDClaims(p.idInput())); err != nil {
		t.Fatal(err)
	}
	for _, k := range p.ks.Keys() {
		if k.Kid == oldKey.Kid {
			if _, err := Sign(k, IDClaims(p.idInput())); err == nil {
				t.Error("the retired key signed")
			}
		}
	}
	after := mustSign(t, next, IDClaims(p.idInput()))

	verify := func(tok string, now time.Time) error {
		_, err := v.Verify(t.Context(), tok, Expectations{Issuer: issA, Now: now})
		return err
	}
	// Until SetKeys, the verifier knows only the old keys.
	if err := verify(after, t0.Add(2*time.Minute)); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("new key before SetKeys: %v", err)
	}
	v.SetKeys(issA, p.ks)
	for name, tok := range map[string]string{"before": before, "after": after, "stale": stale} {
		if err := verify(tok, t0.Add(10*time.Minute)); err != nil {
			t.Errorf("%s rotation: %v", name, err)
		}
	}
	windowEnd := rotatedAt.Add(MaxTokenLifetime)
	if err := verify(stale, windowEnd.Add(-time.Second)); err != nil {
		t.Errorf("stale token just inside the window: %v", err)
	}
	if err := verify(stale, windowEnd); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("stale token once the window closed: %v", err)
	}
	if err := verify(before, windowEnd); err == nil {
		t.Error("token of the retired key verified after the window")
	}
	// JWKS shows the retired key exactly while it can verify.
	if kids := jwksKids(t, p.ks.JWKS(windowEnd.Add(-time.Second), MaxTokenLifetime)); len(kids) != 3 || kids[2] != oldKey.Kid {
		t.Errorf("JWKS inside the window: %q", kids)
	}
	if kids := jwksKids(t, p.ks.JWKS(windowEnd, MaxTokenLifetime)); len(kids) != 2 || strings.Contains(strings.Join(kids, " "), oldKey.Kid) {
		t.Errorf("JWKS after the window: %q", kids)
	}
	// Pruned and pushed: gone for good, even with a huge leeway.
	p.ks.Prune(windowEnd, MaxTokenLifetime)
	v.SetKeys(issA, p.ks)
	if _, err := v.Verify(t.Context(), before, Expectations{Issuer: issA, Now: t0.Add(10 * time.Minute)}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("token of a pruned key: %v", err)
	}
	if err := verify(after, t0.Add(10*time.Minute)); err != nil {
		t.Errorf("new key after prune: %v", err)
	}
}

// TestVerifierConcurrency verifies from 8 goroutines while another rotates
// keys, pushes them to the verifier and serves the JWKS (run with -race).
func TestVerifierConcurrency(t *testing.T) {
	t.Parallel()
	p := newPool(t, issA)
	const rotations = 4
	spare := make([]*Key, rotations)
	var wg sync.WaitGroup
	for i := range spare {
		use := UseID
		if i%2 == 1 {
			use = UseAccess
		}
		wg.Go(func() {
			k, err := NewKey(rand.Reader, use, t0)
			if err != nil {
				panic(err)
			}
			spare[i] = k
		})
	}
	wg.Wait()

	v := NewVerifier(WithCacheSize(256)) // small: eviction runs too
	v.SetKeys(issA, p.ks)
	var current atomic.Pointer[[]string]
	first := []string{p.token(t, UseID, nil), p.token(t, UseAccess, nil)}
	current.Store(&first)
	exp := expectFor(p)
	exp.Now = t0.Add(30 * time.Minute)

	var done atomic.Bool
	var verified atomic.Int64
	errs := make(chan error, 9)
	for g := range 8 {
		wg.Go(func() {
			for i := 0; !done.Load() || i < 50; i++ {
				toks := *current.Load()
				tok := toks[(i+g)%len(toks)]
				if g%2 == 1 { // half of the goroutines make distinct tokens miss the cache
					tok = first[i%len(first)]
				}
				c, err := v.Verify(context.Background(), tok, exp)
				if err != nil {
					errs <- err
					return
				}
				c["sub"] = "mine" // the copy is the caller's
				verified.Add(1)
			}
		})
	}
	wg.Go(func() {
		defer done.Store(true)
		all := cloneStrings(first)
		for i, k := range spare {
			p.ks.Rotate(k.Use, k, t0.Add(time.Duration(i+1)*time.Minute))
			v.SetKeys(issA, p.ks)
			_ = p.ks.JWKS(exp.Now, MaxTokenLifetime)
			claims := map[string]any(IDClaims(p.idInput()))
			if k.Use == UseAccess {
				claims = AccessClaims(p.accessInput())
			}
			claims["jti"] = k.Kid
			tok, err := Sign(p.ks.Active(k.Use), claims)
			if err != nil {
				errs <- err
				return
			}
			all = append(all, tok)
			next := cloneStrings(all)
			current.Store(&next)
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if verified.Load() < 8*50 {
		t.Errorf("only %d verifications", verified.Load())
	}
	// Every token ever issued still verifies after all the rotations.
	for _, tok := range *current.Load() {
		if _, err := v.Verify(t.Context(), tok, exp); err != nil {
			t.Error(err)
		}
	}
}

// nonCanonical sets one of the unused low bits of the last base64url
// character of the signature: the same bytes, spelled differently.
func nonCanonical(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	if last%16 != 0 { // a 256-byte signature leaves 4 unused bits in the last character
		panic("signature does not end on a canonical character")
	}
	return tok[:len(tok)-1] + string(alphabet[last|1])
}

func cloneStrings(s []string) []string { return append([]string(nil), s...) }
