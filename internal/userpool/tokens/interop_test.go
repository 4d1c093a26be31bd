package tokens

import (
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestInteropGoJose verifies our tokens with go-jose's jwt package against
// nothing but the JWKS document we publish, and verifies go-jose-signed
// tokens with our Verifier.
func TestInteropGoJose(t *testing.T) {
	t.Parallel()
	p := newPool(t, issA)
	_, b := sharedPools()
	idTok := p.token(t, UseID, nil)
	accessTok := p.token(t, UseAccess, nil)
	oldKid := p.id.Kid
	next, err := NewKey(rand.Reader, UseID, t0)
	if err != nil {
		t.Fatal(err)
	}
	p.ks.Rotate(UseID, next, t0.Add(time.Minute))
	newIDTok := mustSign(t, next, IDClaims(p.idInput()))

	jwksDoc := p.ks.JWKS(t0.Add(2*time.Minute), MaxTokenLifetime)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwksDoc, &set); err != nil {
		t.Fatalf("go-jose cannot read our JWKS: %v\n%s", err, jwksDoc)
	}
	if len(set.Keys) != 3 {
		t.Fatalf("JWKS has %d keys", len(set.Keys))
	}
	for i, want := range []*Key{next, p.access} {
		k := set.Keys[i]
		if k.KeyID != want.Kid || k.Use != "sig" || k.Algorithm != "RS256" || !k.Valid() || !k.IsPublic() {
			t.Errorf("JWK %d: kid %q use %q alg %q valid %v public %v", i, k.KeyID, k.Use, k.Algorithm, k.Valid(), k.IsPublic())
		}
		if !want.Private.PublicKey.Equal(k.Key) {
			t.Errorf("JWK %d is not the key's public half", i)
		}
	}
	if set.Keys[2].KeyID != oldKid {
		t.Errorf("third JWK is %q, want the retired %q", set.Keys[2].KeyID, oldKid)
	}

	for name, tc := range map[string]struct {
		tok string
		use string
	}{
		"id (retired key)": {idTok, UseID},
		"id (new key)":     {newIDTok, UseID},
		"access":           {accessTok, UseAccess},
	} {
		parsed, err := jwt.ParseSigned(tc.tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatalf("%s: go-jose cannot parse: %v", name, err)
		}
		if h := parsed.Headers[0]; h.Algorithm != "RS256" || h.KeyID == "" {
			t.Errorf("%s: header %+v", name, h)
		}
		var std jwt.Claims
		var all map[string]any
		if err := parsed.Claims(&set, &std, &all); err != nil {
			t.Fatalf("%s: go-jose rejects the signature: %v", name, err)
		}
		want := jwt.Expected{Issuer: issA, Subject: subA, Time: t0.Add(time.Minute)}
		if tc.use == UseID {
			want.AnyAudience = jwt.Audience{clientA}
		}
		if err := std.ValidateWithLeeway(want, 0); err != nil {
			t.Errorf("%s: go-jose claim validation: %v", name, err)
		}
		if all["token_use"] != tc.use {
			t.Errorf("%s: token_use %v", name, all["token_use"])
		}
		// Another pool's JWKS does not verify it.
		var other jose.JSONWebKeySet
		if err := json.Unmarshal(b.ks.JWKS(t0, MaxTokenLifetime), &other); err != nil {
			t.Fatal(err)
		}
		if err := parsed.Claims(&other, &std); err == nil {
			t.Errorf("%s: verified with pool B's JWKS", name)
		}
	}
	// go-jose's allow-list: our token is refused if RS256 is not on it.
	if _, err := jwt.ParseSigned(idTok, []jose.SignatureAlgorithm{jose.ES256}); err == nil {
		t.Error("go-jose parsed an RS256 token with an ES256-only allow-list")
	}

	// The other direction: a token go-jose signs (its own header layout,
	// typ JWT) with our key verifies with our Verifier.
	v := verifierFor(p)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: next.Private, KeyID: next.Kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	joseTok, err := jwt.Signed(signer).Claims(IDClaims(p.idInput())).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), joseTok, expectFor(p)); err != nil {
		t.Errorf("our Verifier rejects a go-jose token: %v", err)
	}
}
