package tokens

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"
)

// fixedRandom is a deterministic reader for kids.
func fixedRandom() *mrand.ChaCha8 {
	return mrand.NewChaCha8([32]byte([]byte("gatehouse token layer test seed!")))
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	k, err := NewKey(fixedRandom(), UseID, t0)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(k.Kid)
	if err != nil || len(raw) != 32 || len(k.Kid) != 44 || !strings.HasSuffix(k.Kid, "=") {
		t.Fatalf("kid %q is not std base64 of 32 bytes", k.Kid)
	}
	if k.Kid != goldenKid {
		t.Errorf("kid from the fixed reader = %q, want %q", k.Kid, goldenKid)
	}
	if k.Private.N.BitLen() != 2048 || k.Private.E != 65537 {
		t.Errorf("key is %d bits, e=%d", k.Private.N.BitLen(), k.Private.E)
	}
	if k.Use != UseID || !k.Created.Equal(t0) || !k.Retired.IsZero() {
		t.Errorf("key fields %+v", k)
	}
	if _, err := NewKey(rand.Reader, "refresh", t0); err == nil {
		t.Error("NewKey accepted use refresh")
	}
	if _, err := NewKey(bytes.NewReader(make([]byte, 10)), UseID, t0); err == nil {
		t.Error("NewKey accepted a short random reader")
	}
}

func TestMarshalKey(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	retired := *a.access
	retired.Retired = t0.Add(time.Hour)
	for _, k := range []*Key{a.id, &retired} {
		b, err := MarshalKey(k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalKey(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kid != k.Kid || got.Use != k.Use || !got.Created.Equal(k.Created) || !got.Retired.Equal(k.Retired) ||
			!got.Private.Equal(k.Private) {
			t.Errorf("round trip changed the key: %+v", got)
		}
		// The token it signs verifies with the original's public key.
		if !got.Retired.IsZero() {
			continue
		}
		tok := mustSign(t, got, IDClaims(a.idInput()))
		if _, err := verifierFor(a).Verify(t.Context(), tok, expectFor(a)); err != nil {
			t.Errorf("token signed by the unmarshalled key: %v", err)
		}
	}

	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	goodDER, _ := x509.MarshalPKCS8PrivateKey(a.id.Private)
	stored := func(v int, kid, use string, der []byte) []byte {
		b, _ := json.Marshal(storedKey{V: v, Kid: kid, Use: use, Created: t0, PKCS8: der})
		return b
	}
	for name, b := range map[string][]byte{
		"empty":       nil,
		"not json":    []byte("\x30\x82"),
		"version 2":   stored(2, "k", UseID, goodDER),
		"no kid":      stored(1, "", UseID, goodDER),
		"bad use":     stored(1, "k", "refresh", goodDER),
		"bad der":     stored(1, "k", UseID, []byte("nope")),
		"ecdsa":       stored(1, "k", UseID, ecDER),
		"1024-bit":    stored(1, "k", UseID, smallDER),
		"json array":  []byte("[]"),
		"json number": []byte("1"),
	} {
		if _, err := UnmarshalKey(b); err == nil {
			t.Errorf("UnmarshalKey(%s) accepted it", name)
		}
	}
	if _, err := MarshalKey(&Key{Kid: "x", Use: UseID}); err == nil {
		t.Error("MarshalKey accepted a key without a private key")
	}
}

func TestKeySetRotateAndJWKS(t *testing.T) {
	t.Parallel()
	p := newPool(t, issA)
	next, err := NewKey(rand.Reader, UseID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p.ks.Active(UseID) != p.id || p.ks.Active(UseAccess) != p.access {
		t.Fatal("Active is not the pool's keys")
	}
	if got := jwksKids(t, p.ks.JWKS(t0, MaxTokenLifetime)); strings.Join(got, " ") != p.id.Kid+" "+p.access.Kid {
		t.Fatalf("JWKS kids %q", got)
	}

	rotatedAt := t0.Add(10 * time.Minute)
	p.ks.Rotate(UseID, next, rotatedAt)
	if p.ks.Active(UseID) != next {
		t.Fatal("Rotate did not make next active")
	}
	if !p.id.Retired.IsZero() {
		t.Fatal("Rotate modified the caller's old key (it must copy)")
	}
	var old *Key
	for _, k := range p.ks.Keys() {
		if k.Kid == p.id.Kid {
			old = k
		}
	}
	if old == nil || !old.Retired.Equal(rotatedAt) {
		t.Fatalf("old key after Rotate: %+v", old)
	}

	within := rotatedAt.Add(MaxTokenLifetime - time.Second)
	want := []string{next.Kid, p.access.Kid, p.id.Kid}
	if got := jwksKids(t, p.ks.JWKS(within, MaxTokenLifetime)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("JWKS before the window closes: %q, want %q", got, want)
	}
	after := rotatedAt.Add(MaxTokenLifetime)
	want = []string{next.Kid, p.access.Kid}
	if got := jwksKids(t, p.ks.JWKS(after, MaxTokenLifetime)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("JWKS after the window: %q, want %q", got, want)
	}
	// A shorter window given by the caller hides the retired key sooner.
	if got := jwksKids(t, p.ks.JWKS(rotatedAt.Add(2*time.Hour), time.Hour)); len(got) != 2 {
		t.Errorf("JWKS with a 1h window, 2h after rotation: %q", got)
	}
	if !bytes.Equal(p.ks.JWKS(within, MaxTokenLifetime), p.ks.JWKS(within, MaxTokenLifetime)) {
		t.Error("JWKS is not deterministic")
	}
	if gone := p.ks.Prune(within, MaxTokenLifetime); len(gone) != 0 {
		t.Errorf("Prune inside the window dropped %d keys", len(gone))
	}
	if gone := p.ks.Prune(after, MaxTokenLifetime); len(gone) != 1 || gone[0].Kid != p.id.Kid {
		t.Errorf("Prune after the window dropped %v", gone)
	}
	if n := len(p.ks.Keys()); n != 2 {
		t.Errorf("%d keys left after Prune", n)
	}

	for name, f := range map[string]func(){
		"nil":       func() { p.ks.Rotate(UseID, nil, t0) },
		"wrong use": func() { p.ks.Rotate(UseAccess, next, t0) },
		"same kid":  func() { p.ks.Rotate(UseID, next, t0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Rotate(%s) did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestKeySetSeveralUnretired(t *testing.T) {
	t.Parallel()
	a, b := sharedPools()
	older, newer := *a.id, *b.id
	older.Created, newer.Created = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
	dup := older
	ks := NewKeySet([]*Key{&older, nil, a.access, &newer, &dup})
	if ks.Active(UseID) != &newer || ks.Active(UseAccess) != a.access || len(ks.Keys()) != 3 {
		t.Fatalf("active %v, %d keys", ks.Active(UseID), len(ks.Keys()))
	}
	want := []string{newer.Kid, a.access.Kid, older.Kid}
	if got := jwksKids(t, ks.JWKS(t0, MaxTokenLifetime)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("JWKS %q, want %q", got, want)
	}
	// Both unretired ID keys verify.
	v := NewVerifier()
	v.SetKeys(issA, ks)
	for _, k := range []*Key{&older, &newer} {
		if _, err := v.Verify(t.Context(), mustSign(t, k, IDClaims(a.idInput())), expectFor(a)); err != nil {
			t.Error(err)
		}
	}
	if NewKeySet(nil).Active(UseID) != nil {
		t.Error("empty set has an active key")
	}
}

func TestJWKSFormat(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	doc := a.ks.JWKS(t0, MaxTokenLifetime)
	// Field set and order exactly as Cognito's.
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil || len(raw.Keys) != 2 {
		t.Fatalf("JWKS %s: %v", doc, err)
	}
	for i, k := range []*Key{a.id, a.access} {
		n := base64.RawURLEncoding.EncodeToString(k.Private.N.Bytes())
		want := `{"alg":"RS256","e":"AQAB","kid":` + mustJSON(t, k.Kid) + `,"kty":"RSA","n":"` + n + `","use":"sig"}`
		if string(raw.Keys[i]) != want {
			t.Errorf("key %d:\n got %s\nwant %s", i, raw.Keys[i], want)
		}
		// n round-trips to the modulus (no sign byte, no padding).
		nb, err := base64.RawURLEncoding.DecodeString(n)
		if err != nil || new(big.Int).SetBytes(nb).Cmp(k.Private.N) != 0 || len(nb) != 256 {
			t.Errorf("key %d: n does not decode to the modulus", i)
		}
	}
	if got := string(NewKeySet(nil).JWKS(t0, MaxTokenLifetime)); got != `{"keys":[]}` {
		t.Errorf("empty JWKS = %s", got)
	}
}

func jwksKids(t *testing.T, doc []byte) []string {
	t.Helper()
	var set struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}
