package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// rsaAlgorithms are the JWS algorithms a JWT authorizer accepts: API
// Gateway supports RSA-based algorithms only, so none, HMAC (the classic
// "public key as the HS256 secret" forgery) and EC are refused up front.
var rsaAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512}

// jwtToken is what verifying a token's signature and issuer establishes,
// cached per issuer and token until exp. Times, audience and scopes are
// checked on every request against the route and the clock.
type jwtToken struct {
	// own: one of gatehouse's pools verified it (asked again on every
	// request, for revocation); otherwise key is the issuer's key that did.
	own    bool
	poolID string
	use    string
	kid    string
	key    *jose.JSONWebKey

	exp, nbf, iat time.Time // nbf, iat zero when absent
	aud           []string
	hasAud        bool
	clientID      string
	scopes        []string
	claims        map[string]string
}

// jwtError is a refusal with the www-authenticate error_description AWS
// writes for it.
type jwtError struct{ desc string }

func (e *jwtError) Error() string { return e.desc }

func invalidToken(format string, args ...any) error {
	return &jwtError{desc: fmt.Sprintf(format, args...)}
}

// authorizeJWT is the HTTP API JWT authorizer (§2 of the gateway
// reference): iss, aud or client_id, exp/nbf/iat, an RSA signature by a
// key of the issuer's JWKS, and one of the route's scopes.
func (a *Authorizers) authorizeJWT(ctx context.Context, proto Protocol, auth *Authorizer, scopes []string, req *http.Request) Decision {
	tok := bearer(req.Header.Get(tokenHeader(auth)))
	if tok == "" {
		return unauthorized()
	}
	key := auth.Issuer + "\x00" + tok
	now := a.now()
	jt, ok := a.jwt.get(key, now)
	var err error
	switch {
	case !ok:
		jt, err = a.jwt.do(ctx, key, a.now, func() (*jwtToken, time.Time, error) {
			jt, err := a.verifyJWT(context.WithoutCancel(ctx), auth.Issuer, tok)
			if err != nil {
				return nil, time.Time{}, err
			}
			return jt, jt.exp, nil
		})
	case jt.own:
		// Revocation is the pool's to say on every request.
		if _, perr := a.pools.VerifyPoolToken(ctx, jt.poolID, tok, jt.use); perr != nil {
			err = poolRefusal(perr)
		}
	case a.jwks.current(auth.Issuer, jt.kid) != jt.key:
		// The issuer rotated the key away (or replaced it) since: verify
		// again against what it publishes now.
		jt, err = a.verifyJWT(ctx, auth.Issuer, tok)
		if err == nil {
			a.jwt.set(key, jt, jt.exp, now)
		}
	}
	if err != nil {
		a.log.Debug("JWT authorizer refused a token", "authorizer", auth.Name, "err", err)
		return jwtRefusal(err)
	}
	if err := jt.check(now, auth.Audience); err != nil {
		return jwtRefusal(err)
	}
	ac := &AuthorizerContext{Claims: jt.claims}
	if len(scopes) > 0 {
		if !anyIn(jt.scopes, scopes) {
			// As observed on AWS: 403 Forbidden, insufficient_scope.
			d := denied(proto, false)
			d.WWWAuthenticate = fmt.Sprintf(`Bearer scope=%q error="insufficient_scope" error_description="expected scopes: [%s]"`,
				strings.Join(scopes, " "), strings.Join(scopes, " "))
			return d
		}
		ac.Scopes = jt.scopes
	}
	return Decision{Allowed: true, Context: ac}
}

func jwtRefusal(err error) Decision {
	desc := "the token is invalid"
	var je *jwtError
	if errors.As(err, &je) {
		desc = je.desc
	}
	d := unauthorized()
	d.WWWAuthenticate = `Bearer scope="" error="invalid_token" error_description="` + strings.ReplaceAll(desc, `"`, `'`) + `"`
	return d
}

// check applies what depends on the clock and on the authorizer's
// audience. API Gateway compares client_id only when there is no aud.
func (jt *jwtToken) check(now time.Time, audience []string) error {
	if !now.Before(jt.exp) {
		return invalidToken("the token has expired")
	}
	if !jt.nbf.IsZero() && now.Before(jt.nbf) {
		return invalidToken("the token is not valid yet")
	}
	if !jt.iat.IsZero() && now.Before(jt.iat) {
		return invalidToken("the token was issued in the future")
	}
	if jt.hasAud {
		if !anyIn(jt.aud, audience) {
			return invalidToken("the token does not have a valid audience")
		}
	} else if jt.clientID == "" || !anyIn([]string{jt.clientID}, audience) {
		return invalidToken("the token does not have a valid audience")
	}
	return nil
}

// verifyJWT is the cold path: header checks, then the issuer's own pool
// when gatehouse has it, else the issuer's published keys.
func (a *Authorizers) verifyJWT(ctx context.Context, issuer, tok string) (*jwtToken, error) {
	p, err := peekJWT(tok)
	if err != nil {
		return nil, invalidToken("%v", err)
	}
	if !isRSA(p.alg) {
		return nil, invalidToken("signing method %.20s is invalid", p.alg)
	}
	if poolID := poolIDFromIssuer(issuer); poolID != "" && a.pools != nil {
		jt, err := a.verifyOwnPool(ctx, poolID, tok, claimStr(p.claims, "token_use"))
		if !errors.Is(err, ErrUnknownPool) {
			return jt, err
		}
	}
	if p.kid == "" {
		return nil, invalidToken("the token has no kid")
	}
	key, err := a.jwks.key(ctx, issuer, p.kid)
	switch {
	case errors.Is(err, errUnknownKid):
		return nil, invalidToken("the token's kid %.64q is not in the issuer's JWKS", p.kid)
	case err != nil:
		return nil, invalidToken("unable to fetch the issuer's keys")
	}
	parsed, err := jwt.ParseSigned(tok, rsaAlgorithms)
	if err != nil {
		return nil, invalidToken("the token is malformed")
	}
	var claims map[string]any
	if err := parsed.Claims(key, &claims); err != nil || claims == nil {
		return nil, invalidToken("the token's signature is invalid")
	}
	if claimStr(claims, "iss") != issuer {
		return nil, invalidToken("the token does not have a valid issuer")
	}
	jt, err := newJWTToken(claims)
	if err != nil {
		return nil, err
	}
	jt.kid, jt.key = p.kid, key
	return jt, nil
}

// verifyOwnPool verifies a token of one of gatehouse's pools. The pool
// checks the token's iss is its own: a template written for AWS names
// https://cognito-idp.REGION.amazonaws.com/POOL as the issuer while
// gatehouse issues http://HOST/POOL, and both mean this pool.
func (a *Authorizers) verifyOwnPool(ctx context.Context, poolID, tok, use string) (*jwtToken, error) {
	claims, err := a.pools.VerifyPoolToken(ctx, poolID, tok, use)
	if errors.Is(err, ErrUnknownPool) {
		return nil, err
	}
	if err != nil {
		return nil, poolRefusal(err)
	}
	jt, err := newJWTToken(claims)
	if err != nil {
		return nil, err
	}
	jt.own, jt.poolID, jt.use = true, poolID, claimStr(claims, "token_use")
	return jt, nil
}

// poolRefusal words a pool's refusal as AWS would for any issuer, without
// echoing the pool's own error (it may name users, lineages or the store).
func poolRefusal(err error) error {
	for _, e := range []struct {
		err  error
		desc string
	}{
		{tokens.ErrExpired, "the token has expired"},
		{tokens.ErrNotYetValid, "the token is not valid yet"},
		{tokens.ErrWrongIssuer, "the token does not have a valid issuer"},
		{tokens.ErrUnknownKey, "the token's kid is not in the issuer's JWKS"},
		{tokens.ErrBadSignature, "the token's signature is invalid"},
		{tokens.ErrRevoked, "the token has been revoked"},
	} {
		if errors.Is(err, e.err) {
			return &jwtError{desc: e.desc}
		}
	}
	return &jwtError{desc: "the token is invalid"}
}

func newJWTToken(claims map[string]any) (*jwtToken, error) {
	jt := &jwtToken{clientID: claimStr(claims, "client_id"), scopes: tokenScopes(claims), claims: jwtClaimStrings(claims)}
	var present, ok bool
	if jt.exp, present, ok = claimTime(claims, "exp"); !present || !ok {
		return nil, invalidToken("the token has no valid exp")
	}
	if jt.nbf, _, ok = claimTime(claims, "nbf"); !ok {
		return nil, invalidToken("the token has no valid nbf")
	}
	if jt.iat, _, ok = claimTime(claims, "iat"); !ok {
		return nil, invalidToken("the token has no valid iat")
	}
	jt.aud, jt.hasAud = claimList(claims, "aud")
	return jt, nil
}

func isRSA(alg string) bool {
	for _, a := range rsaAlgorithms {
		if string(a) == alg {
			return true
		}
	}
	return false
}
