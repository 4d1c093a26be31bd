package userpool

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// liveTTL is how long the API gateway trusts what it last read about a
// token lineage's revocation and its user's sign-out, disabling or
// deletion. This node's own revocations and sign-outs take effect at
// once (they clear the memory); another node's within liveTTL.
const liveTTL = time.Second

type liveEntry struct {
	err error // nil: live
	at  time.Time
}

// VerifyPoolToken verifies a token of one of this server's pools for the
// API gateway's authorizers: signature with the pool's keys, issuer,
// expiry, token_use ("id", "access" or "" for either), then revocation —
// the refresh lineage revoked (RevokeToken), a global sign-out since it
// was issued, the user disabled or gone. A token seen before costs no RSA
// verification and, within liveTTL, no store read.
func (s *Service) VerifyPoolToken(ctx context.Context, poolID, token, tokenUse string) (map[string]any, error) {
	if err := checkPoolID(poolID); err != nil {
		return nil, err
	}
	if _, err := s.keySet(ctx, poolID); err != nil {
		return nil, err
	}
	claims, err := s.verifier.Verify(ctx, token, tokens.Expectations{Issuer: s.Issuer(poolID), TokenUse: tokenUse, Now: s.now()})
	if err != nil {
		return nil, err
	}
	if err := s.tokenLive(ctx, poolID, claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// tokenLive checks revocation through a short-lived memory of answers.
func (s *Service) tokenLive(ctx context.Context, poolID string, c tokens.Claims) error {
	key := poolID + "\x00" + c.OriginJTI() + "\x00" + c.Username() + "\x00" + strconv.FormatInt(c.IssuedAt().Unix(), 10)
	now := time.Now()
	if v, ok := s.liveCache.Load(key); ok {
		if e := v.(liveEntry); now.Sub(e.at) < liveTTL {
			return e.err
		}
	}
	err := s.checkLive(ctx, poolID, c)
	if err != nil && !errors.Is(err, tokens.ErrRevoked) {
		return err // a store failure is not remembered
	}
	s.liveCache.Store(key, liveEntry{err: err, at: now})
	return err
}

func (s *Service) checkLive(ctx context.Context, poolID string, c tokens.Claims) error {
	if ojti := c.OriginJTI(); ojti != "" {
		_, err := s.st.Get(ctx, kindRevoked, ojti)
		if err == nil {
			return fmt.Errorf("%w: lineage revoked", tokens.ErrRevoked)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	u, _, err := s.findUser(ctx, &rec.Pool, c.Username())
	if err != nil {
		return fmt.Errorf("%w: user gone", tokens.ErrRevoked)
	}
	if !u.Enabled {
		return fmt.Errorf("%w: user disabled", tokens.ErrRevoked)
	}
	if !u.SignedOut.IsZero() && c.IssuedAt().Unix() <= u.SignedOut.Unix() {
		return fmt.Errorf("%w: signed out", tokens.ErrRevoked)
	}
	return nil
}

// forgetLive drops the memory of live tokens: after a revocation, a
// sign-out, or a user disabled or deleted on this node.
func (s *Service) forgetLive() {
	s.liveGen.Add(1)
	s.liveCache.Clear()
}

// RevocationGeneration changes whenever this node revokes tokens, signs
// a user out, or disables or deletes a user. A caller that remembers a
// token as live (the gateway) may keep trusting that for up to liveTTL
// while the generation is unchanged.
func (s *Service) RevocationGeneration() uint64 { return s.liveGen.Load() }
