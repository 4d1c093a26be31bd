package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// spentTTL is how long a spent challenge session or SRP secret block is
// remembered: longer than any session lives (AuthSessionValidity is at
// most 15 minutes), so a replay can never outlast its record.
const spentTTL = time.Hour

// Sweep deletes what can no longer matter: records of spent sessions and
// SRP proofs older than spentTTL, and expired refresh tokens. It pages
// through the store so memory stays flat however much there is, and
// returns how many records it deleted.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	deleted := 0
	for _, kind := range []string{kindSpentAuth, kindSRPUsed, kindRefresh} {
		after := ""
		for {
			rs, err := s.st.List(ctx, kind, "", after, 500)
			if err != nil {
				return deleted, err
			}
			for _, r := range rs {
				if !s.stale(kind, r, now) {
					continue
				}
				if err := s.st.Delete(ctx, kind, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return deleted, err
				}
				deleted++
			}
			if len(rs) < 500 {
				break
			}
			after = rs[len(rs)-1].ID
		}
	}
	return deleted, nil
}

func (s *Service) stale(kind string, r store.Record, now time.Time) bool {
	if kind != kindRefresh {
		return now.Sub(r.Updated) > spentTTL
	}
	var rec refreshRecord
	if json.Unmarshal(r.Data, &rec) != nil {
		return false
	}
	return now.After(rec.Expires)
}

// RunSweeper sweeps every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("user pool sweep failed", "err", err)
			} else if n > 0 {
				s.log.Info("user pool sweep", "deleted", n)
			}
		}
	}
}
