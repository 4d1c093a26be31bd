package tokens

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	issA    = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AAAAAAAAA"
	issB    = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BBBBBBBBB"
	clientA = "1example23456789abcdefghij"
	subA    = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// pool is a user pool's keys as the tests use them.
type pool struct {
	iss        string
	ks         *KeySet
	id, access *Key
}

func newPool(t testing.TB, iss string) *pool {
	t.Helper()
	p, err := makePool(iss)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func makePool(iss string) (*pool, error) {
	id, err := NewKey(rand.Reader, UseID, t0.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	access, err := NewKey(rand.Reader, UseAccess, t0.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	return &pool{iss: iss, ks: NewKeySet([]*Key{id, access}), id: id, access: access}, nil
}

// sharedPools are two pools the read-only tests share (key generation is
// the slow part of this suite).
var sharedPools = sync.OnceValues(func() (*pool, *pool) {
	var a, b *pool
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { a, errA = makePool(issA) })
	wg.Go(func() { b, errB = makePool(issB) })
	wg.Wait()
	if errA != nil || errB != nil {
		panic(fmt.Sprint(errA, errB))
	}
	return a, b
})

func (p *pool) idInput() IDTokenInput {
	return IDTokenInput{
		Issuer: p.iss, ClientID: clientA, Sub: subA, Username: "jdoe",
		AuthTime: t0.Add(-10 * time.Minute), IssuedAt: t0, Validity: time.Hour,
		JTI: "11111111-1111-4111-8111-111111111111", OriginJTI: "22222222-2222-4222-8222-222222222222",
		EventID:    "33333333-3333-4333-8333-333333333333",
		Attributes: map[string]string{"email": "jdoe@example.com", "email_verified": "true"},
	}
}

func (p *pool) accessInput() AccessTokenInput {
	return AccessTokenInput{
		Issuer: p.iss, ClientID: clientA, Sub: subA, Username: "jdoe",
		AuthTime: t0.Add(-10 * time.Minute), IssuedAt: t0, Validity: time.Hour,
		JTI: "44444444-4444-4444-8444-444444444444", OriginJTI: "22222222-2222-4222-8222-222222222222",
		EventID: "33333333-3333-4333-8333-333333333333",
	}
}

// token signs an ID or access token of p, after mutate edits its claims.
func (p *pool) token(t testing.TB, use string, mutate func(map[string]any)) string {
	t.Helper()
	c, key := IDClaims(p.idInput()), p.id
	if use == UseAccess {
		c, key = AccessClaims(p.accessInput()), p.access
	}
	if mutate != nil {
		mutate(c)
	}
	return mustSign(t, key, c)
}

func mustSign(t testing.TB, key *Key, claims any) string {
	t.Helper()
	tok, err := Sign(key, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rawToken signs arbitrary header and payload text with RS256.
func rawToken(t testing.TB, key *Key, header, payload string) string {
	t.Helper()
	tok, err := signRaw(key.Private, []byte(header), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func verifierFor(pools ...*pool) *Verifier {
	v := NewVerifier()
	for _, p := range pools {
		v.SetKeys(p.iss, p.ks)
	}
	return v
}

func expectFor(p *pool) Expectations {
	return Expectations{Issuer: p.iss, Now: t0.Add(time.Minute)}
}

// parts decodes a token's header and payload.
func parts(t testing.TB, tok string) (header, payload string) {
	t.Helper()
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		t.Fatalf("token has %d parts", len(seg))
	}
	h, err := b64.DecodeString(seg[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := b64.DecodeString(seg[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(h), string(p)
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
