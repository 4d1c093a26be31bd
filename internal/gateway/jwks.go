package gateway

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// How external issuers' keys are kept.
const (
	// jwksRefreshInterval: an unknown kid refetches the JWKS at most this
	// often, so tokens with made-up kids cannot make us hammer an issuer.
	jwksRefreshInterval = time.Minute
	// jwksRetryInterval: after a failed fetch, the next try waits this long.
	jwksRetryInterval = 10 * time.Second
	// jwksMaxAge: keys older than this are refetched on use (kept if the
	// refetch fails), so a key the issuer withdrew stops verifying.
	jwksMaxAge = time.Hour
	// maxJWKSDocument bounds the discovery and JWKS documents read.
	maxJWKSDocument = 1 << 20
	// maxIssuers bounds the issuers remembered (they come from API
	// definitions, so this is a safety net, not a working limit).
	maxIssuers = 1024
)

var errUnknownKid = errors.New("the token's kid is not in the issuer's JWKS")

// jwksCache holds the RSA signing keys of external OIDC issuers, found
// through {issuer}/.well-known/openid-configuration and its jwks_uri.
type jwksCache struct {
	client  *http.Client
	now     func() time.Time
	timeout time.Duration
	log     *slog.Logger

	// issuers maps an issuer to its *issuerJWKS: a sync.Map, so that
	// cached verifications check their key without taking a lock.
	issuers  sync.Map
	nIssuers atomic.Int64
}

// issuerJWKS is one issuer's keys: an immutable snapshot swapped whole,
// read without locks; fetches are serialised by lock (a channel, so that a
// waiting request can give up when its context ends).
type issuerJWKS struct {
	issuer string
	keys   atomic.Pointer[jwkSnapshot]
	lock   chan struct{}
	// noFetchUntil (unix nanoseconds) is when the next fetch may start:
	// read without the lock so that stale keys are served lock-free while
	// the issuer is down.
	noFetchUntil atomic.Int64
	// Guarded by lock.
	jwksURI string
	lastErr error
}

type jwkSnapshot struct {
	keys    map[string]*jose.JSONWebKey // RSA verification keys by kid
	fetched time.Time
}

func newJWKSCache(client *http.Client, now func() time.Time, timeout time.Duration, log *slog.Logger) *jwksCache {
	return &jwksCache{client: client, now: now, timeout: timeout, log: log}
}

func (c *jwksCache) issuer(iss string) *issuerJWKS {
	if ij, ok := c.issuers.Load(iss); ok {
		return ij.(*issuerJWKS)
	}
	ij, loaded := c.issuers.LoadOrStore(iss, &issuerJWKS{issuer: iss, lock: make(chan struct{}, 1)})
	if !loaded && c.nIssuers.Add(1) > maxIssuers {
		// Forget another one (Range order is unspecified: arbitrary).
		c.issuers.Range(func(k, _ any) bool {
			if k == iss {
				return true
			}
			if _, deleted := c.issuers.LoadAndDelete(k); deleted {
				c.nIssuers.Add(-1)
			}
			return false
		})
	}
	return ij.(*issuerJWKS)
}

// current is the key kid of iss as last fetched, without fetching: what a
// cached verification compares its key with, so that a rotation that
// withdrew or replaced the key invalidates it.
func (c *jwksCache) current(iss, kid string) *jose.JSONWebKey {
	ij, ok := c.issuers.Load(iss)
	if !ok {
		return nil
	}
	if snap := ij.(*issuerJWKS).keys.Load(); snap != nil {
		return snap.keys[kid]
	}
	return nil
}

// key returns issuer iss's key kid, fetching the JWKS when it has never
// been fetched, when kid is unknown (at most once per jwksRefreshInterval)
// or when the keys are older than jwksMaxAge.
func (c *jwksCache) key(ctx context.Context, iss, kid string) (*jose.JSONWebKey, error) {
	ij := c.issuer(iss)
	if k, ok := ij.cached(kid, c.now()); ok {
		return k, nil
	}
	select {
	case ij.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-ij.lock }()
	now := c.now()
	// Another request may have fetched while this one waited.
	if k, ok := ij.cached(kid, now); ok {
		return k, nil
	}
	snap := ij.keys.Load()
	if now.UnixNano() < ij.noFetchUntil.Load() {
		if snap == nil && ij.lastErr != nil {
			return nil, ij.lastErr
		}
		return nil, errUnknownKid
	}
	fresh, err := c.fetch(ctx, ij, snap)
	ij.lastErr = err
	if err != nil {
		ij.noFetchUntil.Store(now.Add(jwksRetryInterval).UnixNano())
		c.log.Warn("JWT authorizer cannot fetch the issuer's keys", "issuer", iss, "err", err)
		if snap != nil {
			if k := snap.keys[kid]; k != nil {
				return k, nil // stale, but better than refusing every token
			}
		}
		return nil, err
	}
	ij.noFetchUntil.Store(now.Add(jwksRefreshInterval).UnixNano())
	ij.keys.Store(fresh)
	if k := fresh.keys[kid]; k != nil {
		return k, nil
	}
	return nil, errUnknownKid
}

// cached returns key kid without fetching when the keys are fresh, or when
// they are stale but no fetch may start yet (the last one failed lately).
func (ij *issuerJWKS) cached(kid string, now time.Time) (*jose.JSONWebKey, bool) {
	snap := ij.keys.Load()
	if snap == nil {
		return nil, false
	}
	k := snap.keys[kid]
	if k == nil {
		return nil, false
	}
	if now.Sub(snap.fetched) < jwksMaxAge || now.UnixNano() < ij.noFetchUntil.Load() {
		return k, true
	}
	return nil, false
}

// fetch reads the issuer's discovery document (once; again when the JWKS
// fetch fails, in case jwks_uri moved) and its JWKS. Keys whose material
// did not change keep their identity, so tokens verified with them stay
// cached across a refresh.
func (c *jwksCache) fetch(ctx context.Context, ij *issuerJWKS, old *jwkSnapshot) (*jwkSnapshot, error) {
	// One request's cancellation must not fail the fetch its waiters share.
	ctx = context.WithoutCancel(ctx)
	if ij.jwksURI == "" {
		var disc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := c.getJSON(ctx, strings.TrimSuffix(ij.issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
			return nil, fmt.Errorf("discovery: %w", err)
		}
		if disc.JWKSURI == "" {
			return nil, errors.New("discovery: no jwks_uri")
		}
		ij.jwksURI = disc.JWKSURI
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := c.getJSON(ctx, ij.jwksURI, &set); err != nil {
		ij.jwksURI = ""
		return nil, fmt.Errorf("jwks: %w", err)
	}
	snap := &jwkSnapshot{keys: make(map[string]*jose.JSONWebKey, len(set.Keys)), fetched: c.now()}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		// A key this package cannot use (EC, symmetric, malformed) is
		// skipped, not a reason to refuse the others.
		if err := k.UnmarshalJSON(raw); err != nil || k.KeyID == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok {
			continue
		}
		if old != nil {
			if prev := old.keys[k.KeyID]; prev != nil && prev.Key.(*rsa.PublicKey).Equal(pub) && prev.Algorithm == k.Algorithm {
				snap.keys[k.KeyID] = prev
				continue
			}
		}
		snap.keys[k.KeyID] = &k
	}
	return snap, nil
}

func (c *jwksCache) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSDocument+1))
	if err != nil {
		return err
	}
	if len(body) > maxJWKSDocument {
		return fmt.Errorf("GET %s: more than %d bytes", url, maxJWKSDocument)
	}
	return json.Unmarshal(body, v)
}
