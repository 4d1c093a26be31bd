package userpool

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// newPoolKeys makes a pool's two signing keys (ID and access tokens are
// signed with different keys, as in Cognito), sealed for the store.
func (s *Service) newPoolKeys(poolID string) ([][]byte, error) {
	var sealed [][]byte
	for _, use := range []string{tokens.UseID, tokens.UseAccess} {
		k, err := tokens.NewKey(rand.Reader, use, s.now())
		if err != nil {
			return nil, err
		}
		raw, err := tokens.MarshalKey(k)
		if err != nil {
			return nil, err
		}
		sealed = append(sealed, s.opts.Box.Seal(raw, []byte("pool-key/"+poolID)))
	}
	return sealed, nil
}

// loadedKeys is a pool's parsed key set and the stored form it came from.
type loadedKeys struct {
	ks *tokens.KeySet
	fp [32]byte
}

// keysFingerprint identifies a pool's stored keys.
func keysFingerprint(sealed [][]byte) [32]byte {
	h := sha256.New()
	for _, k := range sealed {
		h.Write(k)
		h.Write([]byte{0})
	}
	var fp [32]byte
	h.Sum(fp[:0])
	return fp
}

// keySet returns a pool's signing keys. Parsed keys stay in memory; the
// pool record (itself cached for at most a second) says whether they are
// still current, so a rotation by another node is picked up too.
func (s *Service) keySet(ctx context.Context, poolID string) (*tokens.KeySet, error) {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	fp := keysFingerprint(rec.Keys)
	if v, ok := s.keys.Load(poolID); ok && v.(loadedKeys).fp == fp {
		return v.(loadedKeys).ks, nil
	}
	keys := make([]*tokens.Key, 0, len(rec.Keys))
	for _, sealed := range rec.Keys {
		raw, err := s.opts.Box.Open(sealed, []byte("pool-key/"+poolID))
		if err != nil {
			return nil, fmt.Errorf("open signing key of %s: %w", poolID, err)
		}
		k, err := tokens.UnmarshalKey(raw)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	ks := tokens.NewKeySet(keys)
	s.keys.Store(poolID, loadedKeys{ks: ks, fp: fp})
	s.verifier.SetKeys(s.Issuer(poolID), ks)
	return ks, nil
}

// Issuer is a pool's token issuer: the configured base (this server's
// URL by default, or e.g. https://cognito-idp.REGION.amazonaws.com) and
// the pool id.
func (s *Service) Issuer(poolID string) string {
	return strings.TrimRight(s.opts.IssuerBase, "/") + "/" + poolID
}

// ServeJWKS answers GET /{poolId}/.well-known/jwks.json.
func (s *Service) ServeJWKS(w http.ResponseWriter, r *http.Request) {
	ks, err := s.keySet(r.Context(), r.PathValue("poolId"))
	if err != nil {
		wellKnownError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(ks.JWKS(s.now(), tokens.MaxTokenLifetime))
}

// ServeDiscovery answers GET /{poolId}/.well-known/openid-configuration.
func (s *Service) ServeDiscovery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("poolId")
	if _, err := s.pool(r.Context(), id); err != nil {
		wellKnownError(w, err)
		return
	}
	self := strings.TrimRight(s.opts.Endpoint, "/") + "/" + id
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	reply(w, map[string]any{
		"issuer":                                s.Issuer(id),
		"jwks_uri":                              self + "/.well-known/jwks.json",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "token"},
		"subject_types_supported":               []string{"public"},
		"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "cognito:username", "cognito:groups", "email", "email_verified", "phone_number", "phone_number_verified"},
	})
}

func wellKnownError(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	if e, ok := asNotFound(err); ok {
		w.WriteHeader(http.StatusNotFound)
		reply(w, map[string]string{"message": e})
		return
	}
	w.WriteHeader(http.StatusBadRequest)
	reply(w, map[string]string{"message": "invalid user pool id"})
}
