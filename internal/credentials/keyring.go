// Package credentials issues and checks access keys: the root key written
// for the aws CLI on first start, and one key per function. Secrets are
// sealed at rest; lookups are served from memory after the first use.
package credentials

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store"
)

const kind = "accesskey"

// Key is a stored access key.
type Key struct {
	ID        string    `json:"id"`
	Sealed    []byte    `json:"sealed"`
	Principal string    `json:"principal"` // "root" or "function:NAME"
	Created   time.Time `json:"created"`
}

// Keyring creates, revokes and looks up access keys.
type Keyring struct {
	store store.Store
	box   *secrets.Box
	now   func() time.Time
	// ttl bounds how long another node's revocation can go unseen here.
	ttl time.Duration

	mu    sync.RWMutex
	cache map[string]cached
}

type cached struct {
	secret    string
	principal string
	until     time.Time
}

// New returns a Keyring over st.
func New(st store.Store, box *secrets.Box, now func() time.Time) *Keyring {
	if now == nil {
		now = time.Now
	}
	return &Keyring{store: st, box: box, now: now, ttl: time.Minute, cache: map[string]cached{}}
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Create issues a new key pair for principal.
func (k *Keyring) Create(ctx context.Context, principal string) (id, secret string, err error) {
	var raw [10]byte
	rand.Read(raw[:])
	id = "AKIA" + b32.EncodeToString(raw[:])
	var sec [30]byte
	rand.Read(sec[:])
	secret = base64.StdEncoding.EncodeToString(sec[:])
	rec := Key{ID: id, Sealed: k.box.Seal([]byte(secret), []byte(id)), Principal: principal, Created: k.now().UTC()}
	data, err := json.Marshal(rec)
	if err != nil {
		return "", "", err
	}
	if _, err := k.store.Create(ctx, kind, id, data); err != nil {
		return "", "", fmt.Errorf("store access key: %w", err)
	}
	return id, secret, nil
}

// Revoke deletes a key; requests signed with it fail from now on.
func (k *Keyring) Revoke(ctx context.Context, id string) error {
	k.mu.Lock()
	delete(k.cache, id)
	k.mu.Unlock()
	err := k.store.Delete(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Lookup implements awsproto.KeyLookup.
func (k *Keyring) Lookup(ctx context.Context, id string) (string, error) {
	now := k.now()
	k.mu.RLock()
	c, ok := k.cache[id]
	k.mu.RUnlock()
	if ok && now.Before(c.until) {
		return c.secret, nil
	}
	rec, err := k.get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		k.mu.Lock()
		delete(k.cache, id)
		k.mu.Unlock()
		return "", awsproto.ErrUnknownAccessKey
	}
	if err != nil {
		return "", err
	}
	secret, err := k.box.Open(rec.Sealed, []byte(id))
	if err != nil {
		return "", fmt.Errorf("open access key %s: %w", id, err)
	}
	k.mu.Lock()
	if len(k.cache) > 100000 {
		clear(k.cache)
	}
	k.cache[id] = cached{secret: string(secret), principal: rec.Principal, until: now.Add(k.ttl)}
	k.mu.Unlock()
	return string(secret), nil
}

func (k *Keyring) get(ctx context.Context, id string) (Key, error) {
	var rec Key
	r, err := k.store.Get(ctx, kind, id)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return rec, fmt.Errorf("decode access key %s: %w", id, err)
	}
	return rec, nil
}

// Principal returns who a key belongs to.
func (k *Keyring) Principal(ctx context.Context, id string) (string, error) {
	k.mu.RLock()
	c, ok := k.cache[id]
	k.mu.RUnlock()
	if ok {
		return c.principal, nil
	}
	rec, err := k.get(ctx, id)
	return rec.Principal, err
}
