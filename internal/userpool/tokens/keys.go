// Package tokens is the user pool token layer: Cognito-shaped RS256 JWTs,
// per-pool signing keys with rotation, the JWKS document, and the token
// verifier that the API gateway's authorizers call.
//
// Nothing here touches the database or the clock: keys are marshalled for
// the caller to seal and store, every time-dependent call takes "now", and
// the package holds no mutable state of its own.
//
// What the user pool service does with it:
//   - per pool, NewKey(rand.Reader, UseID, now) and (…, UseAccess, now);
//     MarshalKey, seal with the master key, store; on load UnmarshalKey and
//     NewKeySet.
//   - sign with Sign(ks.Active(use), IDClaims(…) / AccessClaims(…)).
//   - rotate with ks.Rotate(use, newKey, now), persist ks.Keys(), and
//     later ks.Prune(now, MaxTokenLifetime) and delete what it returns.
//   - after every change (and on every node, when it sees one), call
//     Verifier.SetKeys(issuer, ks): the verifier holds a snapshot.
//   - serve ks.JWKS(now, MaxTokenLifetime) at /<poolId>/.well-known/jwks.json.
//   - keep ID and access token validity within 5 minutes to 1 day
//     (MaxTokenLifetime): the verifier rejects longer-lived tokens.
package tokens

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"
)

// Key uses. Cognito signs ID tokens and access tokens with different keys.
const (
	UseID     = "id"
	UseAccess = "access"
)

// KeyBits is the size of the RSA keys NewKey makes (Cognito's size).
const KeyBits = 2048

// MaxTokenLifetime is the longest an ID or access token may live (Cognito
// allows 5 minutes to 1 day). A retired key stays in the JWKS and keeps
// verifying for this long after it was retired; the verifier rejects tokens
// whose exp-iat exceeds it, which is what makes that window sufficient.
const MaxTokenLifetime = 24 * time.Hour

// Key is one RSA-2048 signing key of a user pool.
type Key struct {
	// Kid looks like Cognito's: standard base64 (with padding) of 32 random bytes.
	Kid string
	// Use is UseID or UseAccess.
	Use     string
	Private *rsa.PrivateKey
	Created time.Time
	// Retired is when the key stopped signing; zero while it is active.
	Retired time.Time
}

// NewKey makes a fresh key for use ("id" or "access"). The kid is read from
// random; the RSA key comes from crypto/rand (since Go 1.26 rsa.GenerateKey
// ignores its reader), so a fixed reader gives a fixed kid only.
func NewKey(random io.Reader, use string, now time.Time) (*Key, error) {
	if use != UseID && use != UseAccess {
		return nil, fmt.Errorf("tokens: key use must be %q or %q, not %q", UseID, UseAccess, use)
	}
	var id [32]byte
	if _, err := io.ReadFull(random, id[:]); err != nil {
		return nil, fmt.Errorf("tokens: reading kid: %w", err)
	}
	priv, err := rsa.GenerateKey(random, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("tokens: generating RSA key: %w", err)
	}
	return &Key{
		Kid:     base64.StdEncoding.EncodeToString(id[:]),
		Use:     use,
		Private: priv,
		Created: now.UTC(),
	}, nil
}

// storedKey is the marshalled form of a Key. It holds the private key in
// clear, so the caller seals it with the master key before storing it.
type storedKey struct {
	V       int       `json:"v"`
	Kid     string    `json:"kid"`
	Use     string    `json:"use"`
	Created time.Time `json:"created"`
	Retired time.Time `json:"retired,omitzero"`
	PKCS8   []byte    `json:"pkcs8"`
}

// MarshalKey encodes k as JSON with the private key as PKCS#8 DER (base64).
// The result is secret: seal it before it goes anywhere.
func MarshalKey(k *Key) ([]byte, error) {
	if err := checkKey(k); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, fmt.Errorf("tokens: marshalling key %s: %w", k.Kid, err)
	}
	return json.Marshal(storedKey{V: 1, Kid: k.Kid, Use: k.Use, Created: k.Created.UTC(), Retired: k.Retired.UTC(), PKCS8: der})
}

// UnmarshalKey decodes what MarshalKey produced and checks the key.
func UnmarshalKey(b []byte) (*Key, error) {
	var s storedKey
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("tokens: decoding key: %w", err)
	}
	if s.V != 1 {
		return nil, fmt.Errorf("tokens: unsupported key format version %d", s.V)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(s.PKCS8)
	if err != nil {
		return nil, fmt.Errorf("tokens: decoding key %s: %w", s.Kid, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("tokens: key %s is %T, not RSA", s.Kid, parsed)
	}
	k := &Key{Kid: s.Kid, Use: s.Use, Private: priv, Created: s.Created, Retired: s.Retired}
	if err := checkKey(k); err != nil {
		return nil, err
	}
	return k, nil
}

func checkKey(k *Key) error {
	switch {
	case k == nil || k.Private == nil:
		return errors.New("tokens: nil key")
	case k.Kid == "":
		return errors.New("tokens: key has no kid")
	case k.Use != UseID && k.Use != UseAccess:
		return fmt.Errorf("tokens: key %s has use %q", k.Kid, k.Use)
	case k.Private.N == nil || k.Private.N.BitLen() < KeyBits:
		return fmt.Errorf("tokens: key %s is shorter than %d bits", k.Kid, KeyBits)
	}
	return nil
}

// KeySet is one pool's keys: one active key per use, plus retired keys kept
// until every token they signed has expired. It is safe for concurrent use.
// Keys in it are never modified: Rotate replaces a retired key by a copy.
type KeySet struct {
	mu   sync.RWMutex
	keys []*Key
}

// NewKeySet makes a set from stored keys. A later key with a kid already
// seen is dropped. If several unretired keys share a use, the newest
// (by Created) is the active one and the others still verify.
func NewKeySet(keys []*Key) *KeySet {
	ks := &KeySet{}
	for _, k := range keys {
		if k == nil || ks.find(k.Kid) >= 0 {
			continue
		}
		ks.keys = append(ks.keys, k)
	}
	return ks
}

func (ks *KeySet) find(kid string) int {
	return slices.IndexFunc(ks.keys, func(k *Key) bool { return k.Kid == kid })
}

// Active is the key that signs new tokens of use, or nil if there is none.
func (ks *KeySet) Active(use string) *Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.active(use)
}

func (ks *KeySet) active(use string) *Key {
	var best *Key
	for _, k := range ks.keys {
		if k.Use == use && k.Retired.IsZero() && (best == nil || k.Created.After(best.Created)) {
			best = k
		}
	}
	return best
}

// Keys returns every key in the set (for persisting after Rotate or Prune).
func (ks *KeySet) Keys() []*Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return slices.Clone(ks.keys)
}

// Rotate retires every unretired key of use (as of now) and adds next as
// the active one. Tokens signed by a retired key keep verifying until
// Retired + MaxTokenLifetime. next must be a fresh key of the same use with
// a new kid; anything else is a programming error and panics.
func (ks *KeySet) Rotate(use string, next *Key, now time.Time) {
	if next == nil || next.Use != use || !next.Retired.IsZero() {
		panic("tokens: Rotate needs an unretired key of the same use")
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.find(next.Kid) >= 0 {
		panic("tokens: Rotate with a kid already in the set")
	}
	keys := make([]*Key, 0, len(ks.keys)+1)
	for _, k := range ks.keys {
		if k.Use == use && k.Retired.IsZero() {
			c := *k
			c.Retired = now.UTC()
			k = &c
		}
		keys = append(keys, k)
	}
	ks.keys = append(keys, next)
}

// Prune drops retired keys whose window (Retired + maxTokenLifetime) has
// passed and returns them, so the caller can delete them from the store.
func (ks *KeySet) Prune(now time.Time, maxTokenLifetime time.Duration) []*Key {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	var gone []*Key
	keys := ks.keys[:0:0]
	for _, k := range ks.keys {
		if !k.Retired.IsZero() && !now.Before(k.Retired.Add(maxTokenLifetime)) {
			gone = append(gone, k)
			continue
		}
		keys = append(keys, k)
	}
	ks.keys = keys
	return gone
}

// jwk is one entry of the JWKS, fields in Cognito's (alphabetical) order.
type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

func publicJWK(k *Key) jwk {
	pub := &k.Private.PublicKey
	return jwk{
		Alg: "RS256",
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		Kid: k.Kid,
		Kty: "RSA",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		Use: "sig",
	}
}

// JWKS returns the JSON Web Key Set document served at
// /<poolId>/.well-known/jwks.json: the active ID key first, then the active
// access key, then other unretired keys, then retired keys still inside
// their window (Retired + maxTokenLifetime), most recently retired first.
// The output depends only on the set and now.
func (ks *KeySet) JWKS(now time.Time, maxTokenLifetime time.Duration) []byte {
	ks.mu.RLock()
	id, access := ks.active(UseID), ks.active(UseAccess)
	var rest []*Key
	for _, k := range ks.keys {
		if k == id || k == access {
			continue
		}
		if !k.Retired.IsZero() && !now.Before(k.Retired.Add(maxTokenLifetime)) {
			continue
		}
		rest = append(rest, k)
	}
	ks.mu.RUnlock()
	slices.SortFunc(rest, func(a, b *Key) int {
		// Unretired (zero Retired) first, then latest retired first; ties by
		// newest Created, then kid.
		if c := b.Retired.Compare(a.Retired); c != 0 {
			if a.Retired.IsZero() {
				return -1
			}
			if b.Retired.IsZero() {
				return 1
			}
			return c
		}
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Kid, b.Kid)
	})
	doc := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range append([]*Key{id, access}, rest...) {
		if k != nil {
			doc.Keys = append(doc.Keys, publicJWK(k))
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // only strings: cannot fail
	}
	return b
}
