package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// cognitoToken is what a verified user pool token establishes, kept (per
// token, until it expires) so that a token seen before costs neither
// decoding nor claim stringification; the pool is still asked on every
// request, for revocation.
type cognitoToken struct {
	poolID string
	use    string   // "id" or "access"
	aud    []string // an ID token's audience
	scopes []string // an access token's scopes
	claims map[string]string
	// liveAt and liveGen record the pool's last "still live" answer
	// (UnixNano, and the pool's revocation generation then).
	liveAt  atomic.Int64
	liveGen atomic.Uint64
}

// revocationClock is what a PoolTokens may offer so that a live answer
// can be reused: its generation changes on every local revocation.
type revocationClock interface{ RevocationGeneration() uint64 }

// liveReuse is how long a "still live" answer is reused while the pool's
// revocation generation is unchanged (the pool's own memory lasts as long).
const liveReuse = time.Second

// authorizeCognito is the REST COGNITO_USER_POOLS authorizer (§1.4 of the
// gateway reference): the token of the identity source header, raw or
// Bearer; an ID token when the method has no scopes, else an access token
// with one of them; a pool among providerARNs; the ID token's aud matching
// ValidationExpression when there is one.
func (a *Authorizers) authorizeCognito(ctx context.Context, proto Protocol, auth *Authorizer, scopes []string, req *http.Request) Decision {
	tok := bearer(req.Header.Get(tokenHeader(auth)))
	if tok == "" {
		return unauthorized()
	}
	if a.pools == nil {
		a.log.Warn("Cognito authorizer without user pools", "authorizer", auth.Name)
		return failure(proto, TypeAuthorizerConfig)
	}
	want := "id"
	if len(scopes) > 0 {
		want = "access"
	}
	ct, cached := a.cognito.get(tok, a.now())
	if cached {
		if !providerHasPool(auth.ProviderARNs, ct.poolID) {
			return unauthorized()
		}
	} else {
		// Tokens of pools this authorizer does not name are refused before
		// any verification.
		p, err := peekJWT(tok)
		if err != nil {
			return unauthorized()
		}
		poolID := poolIDFromIssuer(claimStr(p.claims, "iss"))
		if poolID == "" || !providerHasPool(auth.ProviderARNs, poolID) {
			return unauthorized()
		}
		ct, err = a.cognito.do(ctx, tok, a.now, func() (*cognitoToken, time.Time, error) {
			return a.verifyCognito(context.WithoutCancel(ctx), poolID, claimStr(p.claims, "token_use"), tok)
		})
		if err != nil {
			a.log.Debug("Cognito authorizer refused a token", "authorizer", auth.Name, "err", err)
			return unauthorized()
		}
	}
	if ct.use != want {
		return unauthorized()
	}
	if want == "access" && !anyIn(ct.scopes, scopes) {
		return unauthorized()
	}
	if expr := auth.ValidationExpression; expr != "" {
		// Matched against the ID token's aud: an access token has none and
		// never passes.
		matched := false
		for _, aud := range ct.aud {
			ok, err := a.fullMatch(expr, aud)
			if err != nil {
				a.log.Warn("Cognito authorizer's validation expression does not compile", "authorizer", auth.Name, "err", err)
				return failure(proto, TypeAuthorizerConfig)
			}
			if ok {
				matched = true
				break
			}
		}
		if !matched {
			return unauthorized()
		}
	}
	if cached {
		// The signature is known good, but revocation and expiry are the
		// pool's to say. A recent answer is reused while nothing was
		// revoked on this node since (another node's revocation is seen
		// within liveReuse, as the pool itself would see it).
		now := a.now()
		rc, clocked := a.pools.(revocationClock)
		var gen uint64
		if clocked {
			gen = rc.RevocationGeneration()
		}
		fresh := clocked && ct.liveGen.Load() == gen && now.Sub(time.Unix(0, ct.liveAt.Load())) < liveReuse
		if !fresh {
			if _, err := a.pools.VerifyPoolToken(ctx, ct.poolID, tok, ct.use); err != nil {
				a.log.Debug("Cognito authorizer refused a token", "authorizer", auth.Name, "err", err)
				return unauthorized()
			}
			if clocked {
				ct.liveGen.Store(gen)
				ct.liveAt.Store(now.UnixNano())
			}
		}
	}
	return Decision{Allowed: true, Context: &AuthorizerContext{Claims: ct.claims}}
}

// verifyCognito is the cold path: the pool verifies the token (its
// token_use as the token says; the caller checks what the method needs),
// and the claims are stringified once for every later request.
func (a *Authorizers) verifyCognito(ctx context.Context, poolID, use, tok string) (*cognitoToken, time.Time, error) {
	if use != "id" && use != "access" {
		return nil, time.Time{}, errors.New("token_use is neither id nor access")
	}
	claims, err := a.pools.VerifyPoolToken(ctx, poolID, tok, use)
	if err != nil {
		return nil, time.Time{}, err
	}
	exp, _, ok := claimTime(claims, "exp")
	if !ok || exp.IsZero() {
		return nil, time.Time{}, errors.New("token without exp")
	}
	ct := &cognitoToken{poolID: poolID, use: use, claims: CognitoClaims(claims)}
	if use == "id" {
		ct.aud, _ = claimList(claims, "aud")
	} else {
		ct.scopes = tokenScopes(claims)
	}
	return ct, exp, nil
}

// providerHasPool reports whether one of a Cognito authorizer's
// providerARNs (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID) is
// poolID. Region and account are not compared: a template written for AWS
// names its own account, and the pool id already says the region.
func providerHasPool(arns []string, poolID string) bool {
	for _, arn := range arns {
		if i := strings.LastIndex(arn, ":userpool/"); i >= 0 && arn[i+len(":userpool/"):] == poolID {
			return true
		}
	}
	return false
}
