package gateway

import (
	"regexp"
	"strings"
	"time"
)

// Authorizer result caching: API Gateway's default and maximum TTL.
const (
	defaultAuthorizerTTL = 300
	maxAuthorizerTTL     = 3600
)

// scheme is what a security scheme can stand for in a requirement.
type scheme struct {
	kind schemeKind
	// refusal says why a scheme gatehouse cannot enforce is refused when
	// an operation uses it.
	refusal string
}

type schemeKind int

const (
	schemeAuthorizer schemeKind = iota + 1
	schemeAPIKey
	schemeOther
)

// securitySchemes reads securityDefinitions (Swagger 2) or
// components.securitySchemes (OpenAPI 3).
func (c *compiler) securitySchemes(root at) error {
	c.schemes = map[string]scheme{}
	schemes := root.get("securityDefinitions")
	if !c.swagger {
		components := root.get("components")
		if err := components.object(); err != nil {
			return err
		}
		schemes = components.get("securitySchemes")
	}
	if err := schemes.object(); err != nil || schemes.missing() {
		return err
	}
	return schemes.members(func(name string, s at) error {
		if err := s.object(); err != nil {
			return err
		}
		if ref := s.get("$ref"); !ref.missing() {
			return ref.errf("a $ref security scheme is not supported by gatehouse; define it inline")
		}
		if x := s.get("x-amazon-apigateway-authorizer"); !x.missing() {
			if name == noneAuthorizer {
				// In a security requirement NONE means "open" (SAM's
				// Authorizer: NONE); an authorizer by that name would
				// never be asked.
				return s.errf("an authorizer cannot be named NONE: in security requirements NONE means no authorizer")
			}
			a, err := c.authorizer(name, s, x)
			if err != nil {
				return err
			}
			if c.def.Authorizers == nil {
				c.def.Authorizers = map[string]*Authorizer{}
			}
			c.def.Authorizers[name] = a
			c.schemes[name] = scheme{kind: schemeAuthorizer}
			return nil
		}
		typ, _, _ := s.get("type").str()
		in, _, _ := s.get("in").str()
		key, _, _ := s.get("name").str()
		if typ == "apiKey" && in == "header" && strings.EqualFold(key, "x-api-key") {
			c.schemes[name] = scheme{kind: schemeAPIKey}
			return nil
		}
		refusal := "security scheme " + name + " is neither an x-amazon-apigateway-authorizer nor the x-api-key API key"
		if t, _, _ := s.get("x-amazon-apigateway-authtype").str(); strings.EqualFold(t, "awsSigv4") {
			refusal = "IAM (SigV4) authorization is not supported by gatehouse"
		}
		c.schemes[name] = scheme{kind: schemeOther, refusal: refusal}
		return nil
	})
}

// authorizer compiles an x-amazon-apigateway-authorizer.
func (c *compiler) authorizer(name string, s, x at) (*Authorizer, error) {
	if err := x.object(); err != nil {
		return nil, err
	}
	t := x.get("type")
	typ, ok, err := t.str()
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, x.errf("the authorizer has no type")
	}
	a := &Authorizer{Name: name, Type: strings.ToLower(typ)}
	switch {
	case a.Type == AuthCognito && c.proto == HTTP:
		return nil, t.errf("cognito_user_pools authorizers are for REST APIs; an HTTP API checks user pool tokens with a jwt authorizer")
	case a.Type == AuthToken && c.proto == HTTP:
		return nil, t.errf("token authorizers are for REST APIs; an HTTP API uses a request authorizer")
	case a.Type == AuthJWT && c.proto == REST:
		return nil, t.errf("jwt authorizers are for HTTP APIs; a REST API uses cognito_user_pools")
	}
	switch a.Type {
	case AuthCognito:
		err = c.cognitoAuthorizer(a, s, x)
	case AuthToken:
		err = c.tokenAuthorizer(a, s, x)
	case AuthRequest:
		err = c.requestAuthorizer(a, x)
	case AuthJWT:
		err = c.jwtAuthorizer(a, x)
	default:
		return nil, t.errf("authorizer type %q is not supported by gatehouse", typ)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (c *compiler) cognitoAuthorizer(a *Authorizer, s, x at) error {
	arns := x.get("providerARNs")
	var err error
	if a.ProviderARNs, err = arns.strings(); err != nil {
		return err
	}
	if len(a.ProviderARNs) == 0 {
		return x.errf("a cognito_user_pools authorizer needs providerARNs")
	}
	for i, arn := range a.ProviderARNs {
		// arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID
		p := strings.Split(arn, ":")
		if len(p) != 6 || p[0] != "arn" || p[2] != "cognito-idp" || !strings.HasPrefix(p[5], "userpool/") || len(p[5]) == len("userpool/") {
			return arns.index(i).errf("%q is not a user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)", arn)
		}
		if err := c.checkHome(arns.index(i), arn, p[3], p[4]); err != nil {
			return err
		}
	}
	return c.headerAuthorizer(a, s, x)
}

func (c *compiler) tokenAuthorizer(a *Authorizer, s, x at) error {
	if err := c.authorizerFunction(a, x); err != nil {
		return err
	}
	return c.headerAuthorizer(a, s, x)
}

// headerAuthorizer reads what Cognito and TOKEN authorizers share: the
// header with the token, the expression it must match, the cache TTL.
func (c *compiler) headerAuthorizer(a *Authorizer, s, x at) error {
	if err := c.headerIdentity(a, s, x); err != nil {
		return err
	}
	if err := validationExpression(a, x); err != nil {
		return err
	}
	return c.ttl(a, x, defaultAuthorizerTTL)
}

func (c *compiler) requestAuthorizer(a *Authorizer, x at) error {
	if err := c.authorizerFunction(a, x); err != nil {
		return err
	}
	is := x.get("identitySource")
	var err error
	if a.IdentitySource, err = identitySources(is); err != nil {
		return err
	}
	prefixes := []string{"method.request.header.", "method.request.querystring.", "stageVariables.", "context."}
	if c.proto == HTTP {
		prefixes = []string{"$request.header.", "$request.querystring.", "$context.", "$stageVariables."}
	}
	for _, src := range a.IdentitySource {
		if !hasSourcePrefix(src, prefixes) {
			return is.errf("identity source %q must start with one of %s", src, strings.Join(prefixes, ", "))
		}
	}
	// Caching is keyed by the identity sources, so API Gateway caches
	// only when there are some.
	def := 0
	if len(a.IdentitySource) > 0 {
		def = defaultAuthorizerTTL
	}
	if err := c.ttl(a, x, def); err != nil {
		return err
	}
	if a.TTL > 0 && len(a.IdentitySource) == 0 {
		return x.errf("a request authorizer that caches (authorizerResultTtlInSeconds > 0) needs an identitySource")
	}
	if c.proto == REST {
		return nil
	}
	pf := x.get("authorizerPayloadFormatVersion")
	if a.PayloadFormatVersion, err = pf.scalarText(); err != nil {
		return err
	}
	switch a.PayloadFormatVersion {
	case "1.0", "2.0":
	case "":
		return x.errf("an HTTP API Lambda authorizer needs authorizerPayloadFormatVersion (1.0 or 2.0)")
	default:
		return pf.errf("authorizerPayloadFormatVersion must be 1.0 or 2.0, found %q", a.PayloadFormatVersion)
	}
	sr := x.get("enableSimpleResponses")
	if a.SimpleResponses, _, err = sr.boolean(); err != nil {
		return err
	}
	if a.SimpleResponses && a.PayloadFormatVersion != "2.0" {
		return sr.errf("simple responses need authorizerPayloadFormatVersion 2.0")
	}
	return nil
}

func (c *compiler) jwtAuthorizer(a *Authorizer, x at) error {
	cfg := x.get("jwtConfiguration")
	if cfg.missing() {
		return x.errf("a jwt authorizer needs jwtConfiguration (issuer and audience)")
	}
	if err := cfg.object(); err != nil {
		return err
	}
	iss := cfg.get("issuer")
	issuer, ok, err := iss.str()
	switch {
	case err != nil:
		return err
	case !ok:
		return cfg.errf("jwtConfiguration needs an issuer")
	case !strings.HasPrefix(issuer, "https://") && !strings.HasPrefix(issuer, "http://") || len(issuer) <= len("https://"):
		return iss.errf("the issuer must be an https:// URL, found %q", issuer)
	}
	a.Issuer = issuer
	if a.Audience, err = cfg.get("audience").strings(); err != nil {
		return err
	}
	if len(a.Audience) == 0 {
		return cfg.errf("jwtConfiguration needs at least one audience")
	}
	is := x.get("identitySource")
	if a.IdentitySource, err = identitySources(is); err != nil {
		return err
	}
	switch {
	case len(a.IdentitySource) == 0:
		a.IdentitySource = []string{"$request.header.Authorization"}
	case len(a.IdentitySource) > 1:
		return is.errf("a jwt authorizer reads one identity source, found %d", len(a.IdentitySource))
	case !hasSourcePrefix(a.IdentitySource[0], []string{"$request.header.", "$request.querystring."}):
		return is.errf("identity source %q must be $request.header.NAME or $request.querystring.NAME", a.IdentitySource[0])
	}
	return nil
}

// authorizerFunction reads a Lambda authorizer's authorizerUri.
func (c *compiler) authorizerFunction(a *Authorizer, x at) error {
	u := x.get("authorizerUri")
	uri, ok, err := u.str()
	switch {
	case err != nil:
		return err
	case !ok:
		return x.errf("a Lambda authorizer needs an authorizerUri")
	}
	a.FunctionARN, err = c.lambdaURI(u, uri)
	return err
}

// headerIdentity reads the one header a Cognito or TOKEN authorizer takes
// its token from: identitySource, else the scheme's own header name (what
// SAM writes), else Authorization.
func (c *compiler) headerIdentity(a *Authorizer, s, x at) error {
	is := x.get("identitySource")
	sources, err := identitySources(is)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		header := "Authorization"
		if in, _, _ := s.get("in").str(); in == "header" {
			if name, ok, _ := s.get("name").str(); ok && name != "" {
				header = name
			}
		}
		sources = []string{"method.request.header." + header}
	}
	if len(sources) != 1 || !hasSourcePrefix(sources[0], []string{"method.request.header."}) {
		return is.errf("a %s authorizer reads one header (method.request.header.NAME), found %q", a.Type, strings.Join(sources, ", "))
	}
	a.IdentitySource = sources
	return nil
}

// identitySources reads identitySource: a comma-separated string (REST,
// and SAM's HTTP JWT) or an array (HTTP Lambda authorizers).
func identitySources(is at) ([]string, error) {
	if is.missing() {
		return nil, nil
	}
	var parts []string
	if is.n.kind == kindArray {
		list, err := is.strings()
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			parts = append(parts, strings.Split(s, ",")...)
		}
	} else {
		s, _, err := is.str()
		if err != nil {
			return nil, err
		}
		parts = strings.Split(s, ",")
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func hasSourcePrefix(src string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(src, p) && len(src) > len(p) {
			return true
		}
	}
	return false
}

// validationExpression reads identityValidationExpression, refusing one
// that gatehouse's regexp engine (RE2) cannot run, rather than letting
// every request fail later.
func validationExpression(a *Authorizer, x at) error {
	v := x.get("identityValidationExpression")
	expr, _, err := v.str()
	if err != nil {
		return err
	}
	if _, err := regexp.Compile(expr); err != nil {
		return v.errf("identityValidationExpression %q is not a regular expression gatehouse can run: %v", expr, err)
	}
	a.ValidationExpression = expr
	return nil
}

// ttl reads authorizerResultTtlInSeconds.
func (c *compiler) ttl(a *Authorizer, x at, def int) error {
	t := x.get("authorizerResultTtlInSeconds")
	secs, ok, err := t.integer()
	switch {
	case err != nil:
		return err
	case !ok:
		secs = def
	case secs < 0 || secs > maxAuthorizerTTL:
		return t.errf("authorizerResultTtlInSeconds must be between 0 and %d, found %d", maxAuthorizerTTL, secs)
	}
	a.TTL = time.Duration(secs) * time.Second
	return nil
}
