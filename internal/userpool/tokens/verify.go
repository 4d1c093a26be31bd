package tokens

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors Verify returns, wrapped with detail: test with errors.Is.
var (
	ErrMalformed     = errors.New("malformed token")
	ErrUnknownKey    = errors.New("unknown signing key")
	ErrBadSignature  = errors.New("bad signature")
	ErrExpired       = errors.New("token expired")
	ErrNotYetValid   = errors.New("token not yet valid")
	ErrWrongIssuer   = errors.New("wrong issuer")
	ErrWrongAudience = errors.New("wrong audience")
	ErrWrongTokenUse = errors.New("wrong token use")
	ErrMissingScope  = errors.New("missing scope")
	ErrRevoked       = errors.New("token revoked")
)

// MaxTokenSize bounds the tokens Verify looks at; longer ones are
// ErrMalformed before any decoding. Cognito tokens are 1–4 KB.
const MaxTokenSize = 16 << 10

// DefaultCacheSize is how many verified signatures a Verifier remembers.
const DefaultCacheSize = 8192

// Expectations are what a caller requires of a token.
type Expectations struct {
	// Issuer must equal iss exactly. It also picks the key set: only keys
	// given to SetKeys for this issuer can verify the token.
	Issuer string
	// TokenUse is "id", "access", or "" for either.
	TokenUse string
	// ClientIDs: an ID token's aud, or an access token's client_id, must be
	// one of these. Empty: any client.
	ClientIDs []string
	// Scopes: an access token must hold at least one of these. Non-empty
	// Scopes reject ID tokens (they carry no scopes), as API Gateway does.
	Scopes []string
	// Now is the clock; zero means time.Now().
	Now time.Time
	// Leeway is the clock skew allowed on exp, iat and nbf.
	Leeway time.Duration
	// Revoked reports whether a token (by jti, origin_jti; "" when the
	// token has none) has been revoked; nil skips the check. It is called last, for tokens that pass
	// everything else, and must be fast (in memory).
	Revoked func(jti, originJTI string) bool
}

// verifyKey is a public key as the verifier holds it: immutable.
type verifyKey struct {
	kid     string
	use     string
	pub     *rsa.PublicKey
	retired time.Time
}

type issuerKeys map[string]*verifyKey

// Verifier checks tokens against the key sets it is given. The verify path
// takes no lock but a cache shard's: key sets are an immutable map swapped
// atomically by SetKeys, and successful signature checks are remembered by
// the SHA-256 of the signed part (bounded, dropped once the token has long
// expired), because an RSA-2048 verify costs ~25 µs.
type Verifier struct {
	mu    sync.Mutex // serialises SetKeys
	keys  atomic.Pointer[map[string]issuerKeys]
	cache *sigCache // nil: no cache
}

// VerifierOption configures NewVerifier.
type VerifierOption func(*Verifier)

// WithCacheSize sets how many verified signatures the verifier remembers
// (DefaultCacheSize without this option); n <= 0 turns the cache off.
func WithCacheSize(n int) VerifierOption {
	return func(v *Verifier) { v.cache = newSigCache(n) }
}

// NewVerifier makes a Verifier with no keys.
func NewVerifier(opts ...VerifierOption) *Verifier {
	v := &Verifier{cache: newSigCache(DefaultCacheSize)}
	for _, o := range opts {
		o(v)
	}
	empty := map[string]issuerKeys{}
	v.keys.Store(&empty)
	return v
}

// SetKeys replaces the keys that verify tokens of issuer with a snapshot of
// ks (nil removes the issuer). Call it again after ks changes (Rotate,
// Prune, a reload from the store): the verifier never reads ks afterwards.
func (v *Verifier) SetKeys(issuer string, ks *KeySet) {
	var snap issuerKeys
	if ks != nil {
		ks.mu.RLock()
		snap = make(issuerKeys, len(ks.keys))
		for _, k := range ks.keys {
			snap[k.Kid] = &verifyKey{kid: k.Kid, use: k.Use, pub: &k.Private.PublicKey, retired: k.Retired}
		}
		ks.mu.RUnlock()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	next := maps.Clone(*v.keys.Load())
	if snap == nil {
		delete(next, issuer)
	} else {
		next[issuer] = snap
	}
	v.keys.Store(&next)
}

// token is what a good signature establishes about a token; the cache holds these.
type token struct {
	sig      string // the signature segment, compared on a cache hit
	kid      string
	pub      *rsa.PublicKey
	claims   Claims
	iss      string
	use      string
	aud      []string
	clientID string
	scopes   []string
	jti      string
	ojti     string
	exp, iat int64
	nbf      int64 // -1 if absent
}

// Verify checks token's signature and claims against exp and returns its
// claims (a copy the caller may keep and change).
func (v *Verifier) Verify(ctx context.Context, tok string, exp Expectations) (Claims, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if exp.Issuer == "" {
		return nil, fmt.Errorf("%w: no issuer expected", ErrWrongIssuer)
	}
	if len(tok) > MaxTokenSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(tok), MaxTokenSize)
	}
	// Only the compact form's alphabet: encoding/base64 would skip \r and
	// \n, letting one token be spelled many ways.
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return nil, fmt.Errorf("%w: byte %#x at %d is not base64url", ErrMalformed, c, i)
		}
	}
	d1 := strings.IndexByte(tok, '.')
	if d1 < 0 {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	d2 := strings.IndexByte(tok[d1+1:], '.') + d1 + 1
	if d2 == d1 || strings.IndexByte(tok[d2+1:], '.') >= 0 {
		return nil, fmt.Errorf("%w: not three parts", ErrMalformed)
	}
	keys := (*v.keys.Load())[exp.Issuer]
	if keys == nil {
		return nil, fmt.Errorf("%w: no keys for issuer %q", ErrUnknownKey, exp.Issuer)
	}
	digest := sha256.Sum256([]byte(tok[:d2]))
	var t *token
	var key *verifyKey
	if v.cache != nil {
		if t = v.cache.get(&digest, tok[d2+1:]); t != nil {
			// The key that verified it must still be this issuer's.
			if key = keys[t.kid]; key == nil || key.pub != t.pub {
				t = nil
			}
		}
	}
	now := exp.Now
	if now.IsZero() {
		now = time.Now()
	}
	if t == nil {
		var err error
		if t, key, err = parseAndVerify(keys, tok, d1, d2, &digest); err != nil {
			return nil, err
		}
		if v.cache != nil && now.Unix() < t.exp {
			v.cache.put(&digest, t, now.Unix())
		}
	}
	if err := check(t, key, &exp, now); err != nil {
		return nil, err
	}
	return t.claims.clone(), nil
}

// parseAndVerify is the cold path: header, key, RSA signature, payload.
func parseAndVerify(keys issuerKeys, tok string, d1, d2 int, digest *[32]byte) (*token, *verifyKey, error) {
	header, err := b64.Strict().DecodeString(tok[:d1])
	if err != nil || len(header) == 0 {
		return nil, nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	kid, err := parseHeader(header)
	if err != nil {
		return nil, nil, err
	}
	key := keys[kid]
	if key == nil {
		return nil, nil, fmt.Errorf("%w: kid %.64q", ErrUnknownKey, kid)
	}
	sig, err := b64.Strict().DecodeString(tok[d2+1:])
	if err != nil || len(sig) != key.pub.Size() {
		return nil, nil, fmt.Errorf("%w: signature is not %d bytes of base64url", ErrBadSignature, key.pub.Size())
	}
	if err := rsa.VerifyPKCS1v15(key.pub, crypto.SHA256, digest[:], sig); err != nil {
		return nil, nil, fmt.Errorf("%w: kid %.64q", ErrBadSignature, kid)
	}
	payload, err := b64.Strict().DecodeString(tok[d1+1 : d2])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	t, err := parseClaims(payload)
	if err != nil {
		return nil, nil, err
	}
	t.sig, t.kid, t.pub = tok[d2+1:], kid, key.pub
	return t, key, nil
}

// parseHeader accepts alg RS256 only, requires a kid, and rejects crit (no
// extension is understood). Other header parameters are ignored, as RFC 7515
// says; in particular jwk, jku, x5u and x5c are never used to find a key.
func parseHeader(b []byte) (string, error) {
	// Fast path: exactly the header Sign writes, with a kid that needs no
	// JSON unescaping.
	const pre, post = `{"kid":"`, `","alg":"RS256"}`
	if len(b) > len(pre)+len(post) && string(b[:len(pre)]) == pre && string(b[len(b)-len(post):]) == post {
		kid := b[len(pre) : len(b)-len(post)]
		if !slices.ContainsFunc(kid, func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x7f }) {
			return string(kid), nil
		}
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b, &h); err != nil || h == nil {
		return "", fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	if _, ok := h["crit"]; ok {
		return "", fmt.Errorf("%w: crit header parameter not supported", ErrMalformed)
	}
	var alg, kid string
	if json.Unmarshal(h["alg"], &alg) != nil || alg != "RS256" {
		return "", fmt.Errorf("%w: alg %.40q not allowed (RS256 only)", ErrMalformed, h["alg"])
	}
	if json.Unmarshal(h["kid"], &kid) != nil || kid == "" {
		return "", fmt.Errorf("%w: no kid", ErrMalformed)
	}
	return kid, nil
}

// parseClaims decodes the payload and the claims Verify checks, which must
// be present and well-typed: iss, token_use, exp and iat.
func parseClaims(payload []byte) (*token, error) {
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	t := &token{claims: c, nbf: -1}
	var bad []string
	str := func(name string, required bool) string {
		v, present := c[name]
		s, ok := v.(string)
		if (present || required) && (!ok || s == "") {
			bad = append(bad, name)
		}
		return s
	}
	date := func(name string) int64 {
		n, ok := numericDate(c[name])
		if !ok {
			bad = append(bad, name)
		}
		return n
	}
	t.iss = str("iss", true)
	t.use = str("token_use", true)
	t.jti = str("jti", false)
	t.ojti = str("origin_jti", false)
	t.exp = date("exp")
	t.iat = date("iat")
	if _, ok := c["nbf"]; ok {
		t.nbf = date("nbf")
	}
	switch t.use {
	case UseID:
		switch aud := c["aud"].(type) {
		case string:
			t.aud = []string{aud}
		case []any:
			t.aud = stringList(aud)
			if len(t.aud) != len(aud) {
				bad = append(bad, "aud")
			}
		default:
			bad = append(bad, "aud")
		}
	case UseAccess:
		t.clientID = str("client_id", true)
		if _, ok := c["scope"]; ok {
			t.scopes = strings.Fields(str("scope", false))
		}
	default:
		if t.use != "" {
			bad = append(bad, "token_use")
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: missing or invalid claims %s", ErrMalformed, strings.Join(bad, ", "))
	}
	if t.exp-t.iat > int64(MaxTokenLifetime/time.Second) {
		return nil, fmt.Errorf("%w: lifetime %ds exceeds %s", ErrMalformed, t.exp-t.iat, MaxTokenLifetime)
	}
	return t, nil
}

// check applies the expectations to a token whose signature is good.
func check(t *token, key *verifyKey, exp *Expectations, now time.Time) error {
	if !key.retired.IsZero() && !now.Before(key.retired.Add(MaxTokenLifetime+exp.Leeway)) {
		return fmt.Errorf("%w: kid %q retired at %s", ErrUnknownKey, key.kid, key.retired.Format(time.RFC3339))
	}
	if t.iss != exp.Issuer {
		return fmt.Errorf("%w: %.200q", ErrWrongIssuer, t.iss)
	}
	if exp.TokenUse != "" && t.use != exp.TokenUse {
		return fmt.Errorf("%w: %.20q, want %q", ErrWrongTokenUse, t.use, exp.TokenUse)
	}
	if t.use != key.use {
		return fmt.Errorf("%w: %s token signed with the %s key", ErrWrongTokenUse, t.use, key.use)
	}
	if !now.Before(time.Unix(t.exp, 0).Add(exp.Leeway)) {
		return fmt.Errorf("%w: at %s", ErrExpired, time.Unix(t.exp, 0).UTC().Format(time.RFC3339))
	}
	if late := now.Add(exp.Leeway); time.Unix(t.iat, 0).After(late) || (t.nbf >= 0 && time.Unix(t.nbf, 0).After(late)) {
		return fmt.Errorf("%w: issued at %s", ErrNotYetValid, time.Unix(t.iat, 0).UTC().Format(time.RFC3339))
	}
	if len(exp.ClientIDs) > 0 {
		if t.use == UseID {
			if !slices.ContainsFunc(t.aud, func(a string) bool { return slices.Contains(exp.ClientIDs, a) }) {
				return fmt.Errorf("%w: aud %q", ErrWrongAudience, t.aud)
			}
		} else if !slices.Contains(exp.ClientIDs, t.clientID) {
			return fmt.Errorf("%w: client_id %.64q", ErrWrongAudience, t.clientID)
		}
	}
	if len(exp.Scopes) > 0 {
		if t.use != UseAccess {
			return fmt.Errorf("%w: an ID token has no scopes", ErrMissingScope)
		}
		if !slices.ContainsFunc(t.scopes, func(s string) bool { return slices.Contains(exp.Scopes, s) }) {
			return fmt.Errorf("%w: has %q, needs one of %q", ErrMissingScope, t.scopes, exp.Scopes)
		}
	}
	if exp.Revoked != nil && exp.Revoked(t.jti, t.ojti) {
		return fmt.Errorf("%w: jti %.64q, origin_jti %.64q", ErrRevoked, t.jti, t.ojti)
	}
	return nil
}

// sigCache remembers tokens whose signature verified, keyed by the SHA-256
// of their signed part. It is sharded so concurrent verifies rarely meet on
// a lock, and bounded: a full shard first drops entries that expired more
// than cacheGrace ago, then arbitrary ones.
type sigCache struct {
	perShard int
	shards   [cacheShards]cacheShard
}

const (
	cacheShards = 64
	cacheGrace  = 10 * 60 // seconds past exp an entry may linger
)

type cacheShard struct {
	mu sync.RWMutex
	m  map[[32]byte]*token
	_  [40]byte // keep shards on separate cache lines
}

func newSigCache(n int) *sigCache {
	if n <= 0 {
		return nil
	}
	c := &sigCache{perShard: max(1, (n+cacheShards-1)/cacheShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]*token)
	}
	return c
}

func (c *sigCache) get(digest *[32]byte, sig string) *token {
	s := &c.shards[digest[0]%cacheShards]
	s.mu.RLock()
	t := s.m[*digest]
	s.mu.RUnlock()
	if t == nil || t.sig != sig {
		return nil
	}
	return t
}

func (c *sigCache) put(digest *[32]byte, t *token, now int64) {
	s := &c.shards[digest[0]%cacheShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[*digest]; ok {
		return
	}
	if len(s.m) >= c.perShard {
		for d, e := range s.m {
			if e.exp+cacheGrace < now {
				delete(s.m, d)
			}
		}
		for d := range s.m { // map order is random: evict arbitrary entries
			if len(s.m) < c.perShard {
				break
			}
			delete(s.m, d)
		}
	}
	s.m[*digest] = t
}

func (c *sigCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
