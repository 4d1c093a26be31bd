package tokens

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// A realistic ID token: a handful of attributes, two groups.
func benchToken(b *testing.B) (*pool, string) {
	a, _ := sharedPools()
	in := a.idInput()
	in.Groups = []string{"editors", "admins"}
	in.Attributes = map[string]string{
		"email": "jdoe@example.com", "email_verified": "true", "phone_number": "+15555550100",
		"phone_number_verified": "false", "name": "Jane Doe", "custom:tenant": "acme",
	}
	return a, mustSign(b, a.id, IDClaims(in))
}

func BenchmarkSign(b *testing.B) {
	a, _ := sharedPools()
	in := a.idInput()
	for b.Loop() {
		if _, err := Sign(a.id, IDClaims(in)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCold(b *testing.B) {
	a, tok := benchToken(b)
	v := NewVerifier(WithCacheSize(0))
	v.SetKeys(a.iss, a.ks)
	exp := Expectations{Issuer: issA, ClientIDs: []string{clientA}, TokenUse: UseID, Now: t0}
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		if _, err := v.Verify(context.Background(), tok, exp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCached(b *testing.B) {
	a, tok := benchToken(b)
	v := verifierFor(a)
	exp := Expectations{Issuer: issA, ClientIDs: []string{clientA}, TokenUse: UseID, Now: t0}
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		if _, err := v.Verify(context.Background(), tok, exp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCachedParallel(b *testing.B) {
	a, tok := benchToken(b)
	v := verifierFor(a)
	exp := Expectations{Issuer: issA, ClientIDs: []string{clientA}, TokenUse: UseID, Now: t0}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(context.Background(), tok, exp); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyGoJose is the alternative the hand-written parser was
// measured against: go-jose's ParseSigned with an RS256 allow-list, its
// Verify, and decoding the payload (claim checks not included).
func BenchmarkVerifyGoJose(b *testing.B) {
	a, tok := benchToken(b)
	jwk := jose.JSONWebKey{Key: &a.id.Private.PublicKey, KeyID: a.id.Kid}
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		obj, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			b.Fatal(err)
		}
		payload, err := obj.Verify(jwk)
		if err != nil {
			b.Fatal(err)
		}
		var c map[string]any
		if err := json.Unmarshal(payload, &c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRejectForged is the cost of turning away a well-formed
// token with a bad signature (an attacker's cheapest expensive request).
func BenchmarkVerifyRejectForged(b *testing.B) {
	a, tok := benchToken(b)
	forged := tok[:len(tok)-8] + "AAAAAAAA"
	v := verifierFor(a)
	exp := Expectations{Issuer: issA, Now: t0}
	for b.Loop() {
		if _, err := v.Verify(context.Background(), forged, exp); err == nil {
			b.Fatal("verified")
		}
	}
}

// The stdlib baselines, measured alongside so the figures above can be read
// against this machine's speed: the RSA operation alone, nothing else.
func BenchmarkBaselineRSASign(b *testing.B) {
	a, _ := sharedPools()
	d := sha256.Sum256([]byte("x"))
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, a.id.Private, crypto.SHA256, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineRSAVerify(b *testing.B) {
	a, _ := sharedPools()
	d := sha256.Sum256([]byte("x"))
	sig, err := rsa.SignPKCS1v15(nil, a.id.Private, crypto.SHA256, d[:])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(&a.id.Private.PublicKey, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
