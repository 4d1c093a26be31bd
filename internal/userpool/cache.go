package userpool

import (
	"context"
	"time"
)

// configTTL is how long a pool or client read from the store is served
// from memory. Sign-in reads both on every call; they change rarely.
// Writes through this node forget the cached copies at once; a write by
// another node sharing the store is seen within configTTL.
const configTTL = time.Second

type cachedRecord struct {
	v  any
	at time.Time
}

// cachedJSON is getJSON through the configuration cache. The value is
// shared: callers must not modify what it points to (records are
// changed only through updateJSON and transactions, which read afresh).
func cachedJSON[T any](ctx context.Context, s *Service, kind, id string, notFound error) (T, error) {
	key := kind + "\x00" + id
	now := time.Now()
	if c, ok := s.configCache.Load(key); ok {
		if e := c.(cachedRecord); now.Sub(e.at) < configTTL {
			return e.v.(T), nil
		}
	}
	var v T
	if _, err := s.getJSON(ctx, kind, id, &v, notFound); err != nil {
		return v, err
	}
	s.configCache.Store(key, cachedRecord{v: v, at: now})
	return v, nil
}

// forgetConfig drops every cached pool and client: called after any
// write to one, which is rare enough that precision is not worth it.
func (s *Service) forgetConfig() { s.configCache.Clear() }
