package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PoolTokens verifies tokens of gatehouse's own user pools: signature,
// issuer, expiry, token_use, and revocation. Claims are the token's, decoded.
type PoolTokens interface {
	VerifyPoolToken(ctx context.Context, poolID, token, tokenUse string) (map[string]any, error)
}

// FunctionInvoker runs a Lambda authorizer (as user pool triggers do).
type FunctionInvoker interface {
	InvokeFunction(ctx context.Context, arn string, payload []byte) (out []byte, failed bool, err error)
}

// ErrUnknownPool is what VerifyPoolToken should wrap when gatehouse has no
// pool of that id. A JWT authorizer whose issuer merely looks like a user
// pool's (…/us-east-1_AbC) then treats it as an external OIDC issuer, such
// as real Amazon Cognito, instead of refusing every token.
var ErrUnknownPool = errors.New("gateway: no such user pool")

// Gateway response types an authorizer decision can carry.
const (
	TypeUnauthorized     = "UNAUTHORIZED"
	TypeAccessDenied     = "ACCESS_DENIED"
	TypeAuthorizerFail   = "AUTHORIZER_FAILURE"
	TypeAuthorizerConfig = "AUTHORIZER_CONFIGURATION_ERROR"
	TypeDefault4XX       = "DEFAULT_4XX"
)

// Messages of the decisions. The body the caller writes (the default
// gateway responses, before any x-amazon-apigateway-gateway-responses
// override) is:
//
//	REST 401 UNAUTHORIZED                    {"message":"Unauthorized"}
//	REST 403 ACCESS_DENIED, explicit Deny    {"Message":"User is not authorized to access this resource with an explicit deny"}
//	REST 403 ACCESS_DENIED, no Allow         {"Message":"User is not authorized to access this resource"}
//	REST 500 AUTHORIZER_*                    {"message": null}       (Message is "")
//	HTTP 401 UNAUTHORIZED                    {"message":"Unauthorized"}
//	HTTP 403 ACCESS_DENIED                   {"message":"Forbidden"}
//	HTTP 500 AUTHORIZER_*                    {"message":"Internal Server Error"}
//	414 DEFAULT_4XX (method ARN too long)    {"message":"Request-URI Too Long"}
//
// with x-amzn-ErrorType UnauthorizedException, AccessDeniedException,
// AuthorizerConfigurationException or AuthorizerFailureException.
// Capital-M "Message" is REST's ACCESS_DENIED only: HTTP APIs always
// write a lower-case "message".
const (
	msgUnauthorized = "Unauthorized"
	msgExplicitDeny = "User is not authorized to access this resource with an explicit deny"
	msgImplicitDeny = "User is not authorized to access this resource"
	msgForbidden    = "Forbidden"
	msgHTTP500      = "Internal Server Error"
	msgURITooLong   = "Request-URI Too Long"
)

// Decision is an authorizer's verdict on one request.
type Decision struct {
	// Allowed: serve the request. Otherwise Status, ErrorType and Message
	// say which gateway error to answer (bodies in the comment above).
	Allowed   bool
	Status    int    // 401, 403, 500 (414 for an over-long method ARN) when not allowed
	ErrorType string // UNAUTHORIZED, ACCESS_DENIED, AUTHORIZER_FAILURE, AUTHORIZER_CONFIGURATION_ERROR, DEFAULT_4XX
	Message   string
	// WWWAuthenticate is the www-authenticate header of a JWT authorizer's
	// refusal (HTTP APIs), "" otherwise.
	WWWAuthenticate string
	// Context is what the integration sees as requestContext.authorizer;
	// set when allowed. Its maps and slices are shared with the authorizer
	// caches: read them, never change them.
	Context *AuthorizerContext
	// UsageIdentifierKey is a Lambda authorizer's API key (APIKeySource
	// AUTHORIZER).
	UsageIdentifierKey string
}

// AuthorizerOptions configure NewAuthorizers. Zero values are defaults.
type AuthorizerOptions struct {
	Now        func() time.Time // the clock of every TTL and token time check
	HTTPClient *http.Client     // fetches external issuers' discovery and JWKS documents
	// Region and Account are the server's. Nothing needs them yet: the
	// method ARN carries both, and providerARNs are matched by pool id.
	Region  string
	Account string
	Logger  *slog.Logger
	// CacheSize bounds each cache (Lambda results, verified Cognito and
	// JWT tokens); default 10,000 entries each.
	CacheSize int
	// LambdaTimeout is the authorizer response timeout (AWS: 10 s).
	LambdaTimeout time.Duration
	// JWKSTimeout bounds each discovery and JWKS request (AWS: 1,500 ms).
	JWKSTimeout time.Duration
}

// Defaults and limits (limits.md, §3 of the gateway reference).
const (
	DefaultAuthorizerCacheSize = 10000
	DefaultLambdaTimeout       = 10 * time.Second
	DefaultJWKSTimeout         = 1500 * time.Millisecond
	MaxAuthorizerResponse      = 8 << 10 // bytes of a Lambda authorizer's output
	MaxMethodARN               = 1600    // bytes
	maxCachedRegexps           = 1024
)

// Authorizers decides requests for every API of a server. It holds the
// caches (Lambda results per API and authorizer, verified tokens, issuers'
// keys), so there is one per server; it is safe for concurrent use.
type Authorizers struct {
	pools         PoolTokens
	fns           FunctionInvoker
	now           func() time.Time
	log           *slog.Logger
	lambdaTimeout time.Duration

	lambda  *resultCache[*lambdaResult]
	cognito *resultCache[*cognitoToken]
	jwt     *resultCache[*jwtToken]
	jwks    *jwksCache

	regexps  sync.Map // expression → *compiledRegexp
	nRegexps atomic.Int32
}

type compiledRegexp struct {
	re  *regexp.Regexp
	err error
}

// NewAuthorizers makes the authorizers of a server. pools and fns may be
// nil when no API uses Cognito (or own-pool JWT) or Lambda authorizers:
// those authorizers then fail with AUTHORIZER_CONFIGURATION_ERROR.
func NewAuthorizers(pools PoolTokens, fns FunctionInvoker, opts AuthorizerOptions) *Authorizers {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultAuthorizerCacheSize
	}
	if opts.LambdaTimeout <= 0 {
		opts.LambdaTimeout = DefaultLambdaTimeout
	}
	if opts.JWKSTimeout <= 0 {
		opts.JWKSTimeout = DefaultJWKSTimeout
	}
	return &Authorizers{
		pools:         pools,
		fns:           fns,
		now:           opts.Now,
		log:           opts.Logger,
		lambdaTimeout: opts.LambdaTimeout,
		lambda:        newResultCache[*lambdaResult](opts.CacheSize),
		cognito:       newResultCache[*cognitoToken](opts.CacheSize),
		jwt:           newResultCache[*jwtToken](opts.CacheSize),
		jwks:          newJWKSCache(opts.HTTPClient, opts.Now, opts.JWKSTimeout, opts.Logger),
	}
}

// Authorize decides one request. auth is the route's authorizer and scopes
// the route's authorization scopes; req gives the headers and query;
// methodARN is arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/VERB/path;
// requestEvent builds a REQUEST authorizer's event, only when it is
// invoked (or when an identity source names a $context variable this
// package does not compute itself).
func (a *Authorizers) Authorize(ctx context.Context, apiID string, proto Protocol, auth *Authorizer, scopes []string,
	req *http.Request, stageVars map[string]string, methodARN string, requestEvent func() []byte) Decision {
	switch auth.Type {
	case AuthCognito:
		return a.authorizeCognito(ctx, proto, auth, scopes, req)
	case AuthJWT:
		return a.authorizeJWT(ctx, proto, auth, scopes, req)
	case AuthToken, AuthRequest:
		return a.authorizeLambda(ctx, apiID, proto, auth, req, stageVars, methodARN, requestEvent)
	}
	a.log.Warn("authorizer of unknown type", "api", apiID, "authorizer", auth.Name, "type", auth.Type)
	return failure(proto, TypeAuthorizerConfig)
}

func unauthorized() Decision {
	return Decision{Status: http.StatusUnauthorized, ErrorType: TypeUnauthorized, Message: msgUnauthorized}
}

func denied(proto Protocol, explicit bool) Decision {
	d := Decision{Status: http.StatusForbidden, ErrorType: TypeAccessDenied, Message: msgImplicitDeny}
	switch {
	case proto == HTTP:
		d.Message = msgForbidden
	case explicit:
		d.Message = msgExplicitDeny
	}
	return d
}

func failure(proto Protocol, typ string) Decision {
	d := Decision{Status: http.StatusInternalServerError, ErrorType: typ}
	if proto == HTTP {
		d.Message = msgHTTP500
	}
	return d
}

// bearer strips an optional "Bearer " (any case) from an Authorization
// value: API Gateway accepts the raw token and the Bearer form alike.
func bearer(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}

// tokenHeader is the header named by a single-header identity source
// (method.request.header.X or $request.header.X), Authorization by default.
func tokenHeader(auth *Authorizer) string {
	for _, src := range auth.IdentitySource {
		for part := range strings.SplitSeq(src, ",") {
			part = strings.TrimSpace(part)
			for _, prefix := range [...]string{"method.request.header.", "$request.header."} {
				if name, ok := strings.CutPrefix(part, prefix); ok && name != "" {
					return name
				}
			}
		}
	}
	return "Authorization"
}

// fullMatch reports whether v matches expr as a whole, as Java's
// String.matches does for API Gateway's identityValidationExpression.
// Compiled expressions are remembered (a bounded number: expressions come
// from API definitions, not from requests).
func (a *Authorizers) fullMatch(expr, v string) (bool, error) {
	if c, ok := a.regexps.Load(expr); ok {
		c := c.(*compiledRegexp)
		return c.err == nil && c.re.MatchString(v), c.err
	}
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if a.nRegexps.Load() < maxCachedRegexps {
		if _, loaded := a.regexps.LoadOrStore(expr, &compiledRegexp{re: re, err: err}); !loaded {
			a.nRegexps.Add(1)
		}
	}
	return err == nil && re.MatchString(v), err
}
