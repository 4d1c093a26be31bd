package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// lambdaResult is a Lambda authorizer's answer, parsed once and cached
// whole: the policy is evaluated against each request's method ARN, so a
// policy written for one method denies the others while it is cached.
type lambdaResult struct {
	simple     bool // HTTP payload 2.0 simple response
	authorized bool // its isAuthorized
	policy     *Policy
	ctx        *AuthorizerContext
	usageKey   string
}

// lambdaError is an authorizer invocation that decided nothing: 401 when
// the function said "Unauthorized", else a 500 of type typ.
type lambdaError struct {
	unauthorized bool
	typ          string
	reason       string
}

func (e *lambdaError) Error() string { return e.reason }

func configError(format string, args ...any) error {
	return &lambdaError{typ: TypeAuthorizerConfig, reason: fmt.Sprintf(format, args...)}
}

// authorizeLambda is the Lambda TOKEN and REQUEST authorizer (§3 of the
// gateway reference).
func (a *Authorizers) authorizeLambda(ctx context.Context, apiID string, proto Protocol, auth *Authorizer, req *http.Request,
	stageVars map[string]string, methodARN string, requestEvent func() []byte) Decision {
	if len(methodARN) > MaxMethodARN {
		return Decision{Status: http.StatusRequestURITooLong, ErrorType: TypeDefault4XX, Message: msgURITooLong}
	}
	if a.fns == nil {
		a.log.Warn("Lambda authorizer without functions", "api", apiID, "authorizer", auth.Name)
		return failure(proto, TypeAuthorizerConfig)
	}
	var identity string
	var event func() []byte
	cacheable := auth.TTL > 0
	if auth.Type == AuthToken {
		tok := req.Header.Get(tokenHeader(auth))
		if tok == "" {
			return unauthorized()
		}
		if expr := auth.ValidationExpression; expr != "" {
			ok, err := a.fullMatch(expr, tok)
			if err != nil {
				a.log.Warn("TOKEN authorizer's validation expression does not compile", "api", apiID, "authorizer", auth.Name, "err", err)
				return failure(proto, TypeAuthorizerConfig)
			}
			if !ok {
				return unauthorized()
			}
		}
		identity = tok
		event = func() []byte { return AppendAuthorizerTokenEvent(nil, tok, methodARN) }
	} else {
		id, n, err := identityValues(apiID, proto, auth, req, stageVars, methodARN, requestEvent)
		if err != nil {
			a.log.Warn("REQUEST authorizer's identity source is not understood", "api", apiID, "authorizer", auth.Name, "err", err)
			return failure(proto, TypeAuthorizerConfig)
		}
		if id == nil {
			return unauthorized()
		}
		// Without identity sources there is nothing to key a cache on.
		cacheable = cacheable && n > 0
		identity, event = string(id), requestEvent
	}

	var res *lambdaResult
	var err error
	if cacheable {
		key := apiID + "\x00" + auth.Name + "\x00" + auth.FunctionARN + "\x00" + identity
		res, err = a.lambda.do(ctx, key, a.now, func() (*lambdaResult, time.Time, error) {
			r, err := a.invokeAuthorizer(ctx, proto, auth, event())
			return r, a.now().Add(auth.TTL), err
		})
	} else {
		res, err = a.invokeAuthorizer(ctx, proto, auth, event())
	}
	if err != nil {
		var le *lambdaError
		if errors.As(err, &le) && le.unauthorized {
			return unauthorized()
		}
		typ := TypeAuthorizerFail
		if le != nil {
			typ = le.typ
		}
		a.log.Info("Lambda authorizer failed", "api", apiID, "authorizer", auth.Name, "function", auth.FunctionARN, "err", err)
		return failure(proto, typ)
	}
	if res.simple {
		if !res.authorized {
			return denied(proto, false)
		}
	} else {
		switch res.policy.Evaluate(methodARN) {
		case ExplicitDeny:
			return denied(proto, true)
		case ImplicitDeny:
			return denied(proto, false)
		}
	}
	return Decision{Allowed: true, Context: res.ctx, UsageIdentifierKey: res.usageKey}
}

// invokeAuthorizer runs the function with API Gateway's 10 s authorizer
// timeout. It does not end with the request that started it: other
// requests may be waiting on the same cache key.
func (a *Authorizers) invokeAuthorizer(ctx context.Context, proto Protocol, auth *Authorizer, payload []byte) (*lambdaResult, error) {
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.lambdaTimeout)
	defer cancel()
	out, failed, err := a.fns.InvokeFunction(ictx, auth.FunctionARN, payload)
	switch {
	case errors.Is(ictx.Err(), context.DeadlineExceeded):
		return nil, &lambdaError{typ: TypeAuthorizerFail, reason: "authorizer timed out"}
	case err != nil:
		// Could not run it at all (no such function, …): API Gateway's
		// "failing to connect to the authorizer".
		return nil, configError("invoke: %v", err)
	case failed:
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(out, &fe) == nil && fe.ErrorMessage == msgUnauthorized {
			return nil, &lambdaError{unauthorized: true, reason: "the authorizer said Unauthorized"}
		}
		return nil, configError("function error: %.200s", out)
	}
	if len(out) > MaxAuthorizerResponse {
		return nil, configError("response of %d bytes, more than %d", len(out), MaxAuthorizerResponse)
	}
	if bytes.Equal(bytes.TrimSpace(out), []byte(`"Unauthorized"`)) {
		return nil, &lambdaError{unauthorized: true, reason: "the authorizer returned Unauthorized"}
	}
	if proto == HTTP && auth.PayloadFormatVersion == "2.0" && auth.SimpleResponses {
		return parseSimpleResponse(out)
	}
	return parsePolicyResponse(out)
}

// parsePolicyResponse reads {principalId, policyDocument, context,
// usageIdentifierKey}.
func parsePolicyResponse(out []byte) (*lambdaResult, error) {
	var o struct {
		PrincipalID        *string         `json:"principalId"`
		PolicyDocument     json.RawMessage `json:"policyDocument"`
		Context            json.RawMessage `json:"context"`
		UsageIdentifierKey *string         `json:"usageIdentifierKey"`
	}
	if err := json.Unmarshal(out, &o); err != nil {
		return nil, configError("response is not an authorizer output object: %v", err)
	}
	if o.PolicyDocument == nil {
		return nil, configError("response has no policyDocument")
	}
	p, err := ParsePolicy(o.PolicyDocument)
	if err != nil {
		return nil, configError("%v", err)
	}
	c, err := authorizerContextValues(o.Context)
	if err != nil {
		return nil, err
	}
	r := &lambdaResult{policy: p, ctx: &AuthorizerContext{Lambda: true, Context: c}}
	if o.PrincipalID != nil {
		r.ctx.PrincipalID = *o.PrincipalID
	}
	if o.UsageIdentifierKey != nil {
		r.usageKey = *o.UsageIdentifierKey
	}
	return r, nil
}

// parseSimpleResponse reads an HTTP API's {isAuthorized, context}.
func parseSimpleResponse(out []byte) (*lambdaResult, error) {
	var o struct {
		IsAuthorized *bool           `json:"isAuthorized"`
		Context      json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(out, &o); err != nil {
		return nil, configError("response is not a simple authorizer response: %v", err)
	}
	if o.IsAuthorized == nil {
		return nil, configError("response has no boolean isAuthorized")
	}
	c, err := authorizerContextValues(o.Context)
	if err != nil {
		return nil, err
	}
	return &lambdaResult{simple: true, authorized: *o.IsAuthorized, ctx: &AuthorizerContext{Lambda: true, Context: c}}, nil
}

// authorizerContextValues reads the context map: strings, numbers (kept
// as written) and booleans; an object or an array is an error (API
// Gateway refuses them with a 500).
func authorizerContextValues(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, configError("context is not an object")
	}
	for k, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			return nil, configError("context value %.64q is an object or an array", k)
		}
	}
	return m, nil
}

// identityValues gathers a REQUEST authorizer's identity sources, each
// written as method.request.header.X, method.request.querystring.Y,
// stageVariables.Z, context.W (REST) or $request.header.X,
// $request.querystring.Y, $stageVariables.Z, $context.W (HTTP), joined
// into one cache key. key is nil when one is missing or empty (401 without
// invoking); n counts the sources.
func identityValues(apiID string, proto Protocol, auth *Authorizer, req *http.Request, stageVars map[string]string,
	methodARN string, requestEvent func() []byte) (key []byte, n int, err error) {
	var query url.Values
	var event map[string]any
	eventRead := false
	key = []byte{}
	for _, src := range auth.IdentitySource {
		for part := range strings.SplitSeq(src, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			kind, name := splitIdentitySource(part)
			var v string
			switch kind {
			case "header":
				vs := req.Header.Values(name)
				if proto == HTTP {
					v = strings.Join(vs, ",")
				} else if len(vs) > 0 {
					v = vs[0]
				}
			case "querystring":
				if query == nil {
					query = req.URL.Query()
				}
				vs := query[name]
				if proto == HTTP {
					v = strings.Join(vs, ",")
				} else if len(vs) > 0 {
					v = vs[len(vs)-1] // REST's queryStringParameters keeps the last
				}
			case "stageVariables":
				v = stageVars[name]
			case "context":
				var ok bool
				if v, ok = contextVariable(name, apiID, req, methodARN); !ok {
					if !eventRead && requestEvent != nil {
						eventRead = true
						_ = json.Unmarshal(requestEvent(), &event) // unreadable: no value, so 401
					}
					v = eventContextValue(event, name)
				}
			default:
				return nil, 0, fmt.Errorf("identity source %.100q", part)
			}
			if v == "" {
				return nil, n, nil
			}
			n++
			key = append(key, v...)
			key = append(key, 0)
		}
	}
	return key, n, nil
}

func splitIdentitySource(s string) (kind, name string) {
	for _, p := range [...]struct{ prefix, kind string }{
		{"method.request.header.", "header"}, {"$request.header.", "header"},
		{"method.request.querystring.", "querystring"}, {"$request.querystring.", "querystring"},
		{"stageVariables.", "stageVariables"}, {"$stageVariables.", "stageVariables"},
		{"context.", "context"}, {"$context.", "context"},
	} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok && name != "" {
			return p.kind, name
		}
	}
	return "", ""
}

// contextVariable computes the $context variables that need no event.
func contextVariable(name, apiID string, req *http.Request, methodARN string) (string, bool) {
	switch name {
	case "httpMethod", "http.method":
		return req.Method, true
	case "apiId":
		return apiID, true
	case "stage", "accountId":
		// arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path
		parts := strings.SplitN(methodARN, ":", 6)
		if len(parts) < 6 {
			return "", false
		}
		if name == "accountId" {
			return parts[4], true
		}
		segs := strings.SplitN(parts[5], "/", 3)
		if len(segs) < 2 {
			return "", false
		}
		return segs[1], true
	}
	return "", false
}

// eventContextValue looks name (dotted: identity.sourceIp) up in the
// event's requestContext; only scalars count.
func eventContextValue(event map[string]any, name string) string {
	var v any = event["requestContext"]
	for part := range strings.SplitSeq(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	if s, ok := scalarString(v); ok {
		return s
	}
	return ""
}
