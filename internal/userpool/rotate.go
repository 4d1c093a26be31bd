package userpool

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// RotateSigningKeys gives a pool new ID and access token signing keys.
// The old keys stop signing but stay published and trusted until every
// token they signed has expired (tokens.MaxTokenLifetime), so live
// sessions carry on; keys past that window are dropped. It returns the
// new active kids.
func (s *Service) RotateSigningKeys(ctx context.Context, poolID string) (map[string]string, error) {
	if err := checkPoolID(poolID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	kids := map[string]string{}
	// Keys are made before the update: generating RSA keys takes long
	// enough that it should not hold the store's writer.
	fresh := map[string]*tokens.Key{}
	for _, use := range []string{tokens.UseID, tokens.UseAccess} {
		k, err := tokens.NewKey(rand.Reader, use, now)
		if err != nil {
			return nil, err
		}
		fresh[use] = k
	}
	_, err := updateJSON(ctx, s, kindPool, poolID, poolNotFound(poolID), func(rec *poolRecord) error {
		keys := make([]*tokens.Key, 0, len(rec.Keys)+2)
		for _, sealed := range rec.Keys {
			raw, err := s.opts.Box.Open(sealed, []byte("pool-key/"+poolID))
			if err != nil {
				return fmt.Errorf("open signing key of %s: %w", poolID, err)
			}
			k, err := tokens.UnmarshalKey(raw)
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		ks := tokens.NewKeySet(keys)
		for _, use := range []string{tokens.UseID, tokens.UseAccess} {
			ks.Rotate(use, fresh[use], now)
			kids[use] = fresh[use].Kid
		}
		ks.Prune(now, tokens.MaxTokenLifetime)
		rec.Keys = rec.Keys[:0]
		for _, k := range ks.Keys() {
			raw, err := tokens.MarshalKey(k)
			if err != nil {
				return err
			}
			rec.Keys = append(rec.Keys, s.opts.Box.Seal(raw, []byte("pool-key/"+poolID)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The next use reloads the set from the store.
	s.keys.Delete(poolID)
	if _, err := s.keySet(ctx, poolID); err != nil {
		return nil, err
	}
	return kids, nil
}
