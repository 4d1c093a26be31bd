package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

const kindRevoked = "userpool-revoked" // id: origin_jti of a revoked lineage

// accessUser verifies an access token for the token-authenticated
// operations (GetUser, GlobalSignOut, …): signature, issuer, expiry, the
// aws.cognito.signin.user.admin scope, and revocation by RevokeToken or a
// global sign-out.
func (s *Service) accessUser(ctx context.Context, raw string) (*Pool, userRecord, tokens.Claims, error) {
	var u userRecord
	bad := notAuthorized("Invalid Access Token")
	if raw == "" {
		return nil, u, nil, invalidParameter("1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null")
	}
	// The issuer names the pool; the signature check below proves it.
	poolID := unverifiedIssuerPool(raw)
	if poolID == "" || checkPoolID(poolID) != nil {
		return nil, u, nil, bad
	}
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, u, nil, bad
	}
	if _, err := s.keySet(ctx, poolID); err != nil {
		return nil, u, nil, err
	}
	claims, err := s.verifier.Verify(ctx, raw, tokens.Expectations{
		Issuer: s.Issuer(poolID), TokenUse: tokens.UseAccess, Scopes: []string{tokens.DefaultScope}, Now: s.now(),
	})
	switch {
	case errors.Is(err, tokens.ErrExpired):
		return nil, u, nil, notAuthorized("Access Token has expired")
	case err != nil:
		return nil, u, nil, bad
	}
	if _, err := s.st.Get(ctx, kindRevoked, claims.OriginJTI()); err == nil {
		return nil, u, nil, notAuthorized("Access Token has been revoked")
	}
	u, _, err = s.findUser(ctx, &rec.Pool, claims.Username())
	if err != nil {
		return nil, u, nil, notAuthorized("Access Token has been revoked")
	}
	// Access tokens carry whole seconds: one issued in the same second as
	// a global sign-out counts as ended too (the safe side).
	if !u.SignedOut.IsZero() && claims.IssuedAt().Unix() <= u.SignedOut.Unix() {
		return nil, u, nil, notAuthorized("Access Token has been revoked")
	}
	if !u.Enabled {
		return nil, u, nil, notAuthorized("User is disabled.")
	}
	return &rec.Pool, u, claims, nil
}

// unverifiedIssuerPool reads the pool id from a token's iss claim without
// trusting it: it only picks the keys the signature must then match.
func unverifiedIssuerPool(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || len(parts[1]) > 8192 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Iss[strings.LastIndexByte(c.Iss, '/')+1:]
}

// GetUser implements GetUser.
func (s *Service) GetUser(ctx context.Context, accessToken string) (map[string]any, error) {
	_, u, _, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	v := u.view(nil)
	out := map[string]any{"Username": v.Username, "UserAttributes": v.Attributes}
	u.mfaView(out)
	return out, nil
}

// signOut ends every session of a user: refresh tokens issued before now
// stop working, and so do access tokens issued before now.
func (s *Service) signOut(ctx context.Context, p *Pool, username string) error {
	defer s.forgetLive()
	now := s.now().UTC()
	_, err := s.updateUser(ctx, p, username, func(u *userRecord) error {
		u.SignedOut = now
		return nil
	})
	return err
}

// GlobalSignOut implements GlobalSignOut.
func (s *Service) GlobalSignOut(ctx context.Context, accessToken string) error {
	p, u, _, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return err
	}
	return s.signOut(ctx, p, u.Username)
}

// AdminUserGlobalSignOut implements AdminUserGlobalSignOut.
func (s *Service) AdminUserGlobalSignOut(ctx context.Context, poolID, username string) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	if _, _, err := s.findUser(ctx, &rec.Pool, username); err != nil {
		return err
	}
	return s.signOut(ctx, &rec.Pool, username)
}

// RevokeToken revokes a refresh token and every access token issued
// from it (they share its origin_jti).
func (s *Service) RevokeToken(ctx context.Context, token, clientID, clientSecret string) error {
	defer s.forgetLive()
	if token == "" {
		return invalidParameter("1 validation error detected: Value null at 'token' failed to satisfy constraint: Member must not be null")
	}
	p, c, err := s.caller(ctx, "", clientID, false)
	if err != nil {
		return err
	}
	if c.ClientSecret != "" && clientSecret != c.ClientSecret {
		return awsproto.Errorf(http.StatusBadRequest, "NotAuthorizedException", "Client secret is incorrect.")
	}
	if !c.EnableTokenRevocation {
		return awsproto.Errorf(http.StatusBadRequest, "UnsupportedOperationException", "Token revocation is not enabled for this client.")
	}
	var rec refreshRecord
	r, err := s.st.Get(ctx, kindRefresh, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil // an unknown or already revoked token: nothing to do, and nothing said
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return err
	}
	if rec.Pool != p.ID || rec.Client != c.ClientID {
		return awsproto.Errorf(http.StatusBadRequest, "UnauthorizedException", "The token was not issued to this client.")
	}
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if err := tx.Delete(kindRefresh, hashToken(token)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := tx.Create(kindRevoked, rec.OriginJTI, nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return err
		}
		return nil
	})
}

// setEnabled implements AdminEnableUser and AdminDisableUser.
func (s *Service) setEnabled(ctx context.Context, poolID, username string, enabled bool) error {
	defer s.forgetLive()
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	_, err = s.updateUser(ctx, &rec.Pool, username, func(u *userRecord) error {
		u.Enabled = enabled
		return nil
	})
	return err
}

// ChangePassword implements ChangePassword: the access token's user, the
// previous password checked, the new one held to the policy.
func (s *Service) ChangePassword(ctx context.Context, accessToken, previous, proposed string) error {
	p, u, _, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return err
	}
	if ok, err := s.checkPassword(p, &u, previous); err != nil {
		return err
	} else if !ok {
		s.recordFailure(ctx, p, u.Username)
		return notAuthorized("Incorrect username or password.")
	}
	if err := p.Policies.PasswordPolicy.Check(proposed); err != nil {
		return invalidPassword(err)
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *userRecord) error { return s.setPassword(p, u, proposed) })
	return err
}

// DeleteUser implements DeleteUser: users delete themselves.
func (s *Service) DeleteUser(ctx context.Context, accessToken string) error {
	p, u, _, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return err
	}
	return s.AdminDeleteUser(ctx, p.ID, u.Username)
}
