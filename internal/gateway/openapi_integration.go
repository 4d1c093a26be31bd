package gateway

import (
	"strings"
	"time"
)

// Integration timeouts: API Gateway's limits (REST 50 ms–29 s, HTTP up to
// 30 s), which are also the defaults.
const (
	restMaxTimeoutMillis = 29000
	httpMaxTimeoutMillis = 30000
	minTimeoutMillis     = 50
)

func (c *compiler) integration(x at) (Integration, error) {
	if err := x.object(); err != nil {
		return Integration{}, err
	}
	t := x.get("type")
	typ, ok, err := t.str()
	switch {
	case err != nil:
		return Integration{}, err
	case !ok:
		return Integration{}, x.errf("the integration has no type")
	}
	switch strings.ToLower(typ) {
	case "aws_proxy":
		return c.lambdaIntegration(x)
	case "mock":
		if c.proto == HTTP {
			return Integration{}, t.errf("integration type %q is for REST APIs; HTTP APIs have no mock integrations", typ)
		}
		return mockIntegration(x)
	}
	return Integration{}, t.errf("integration type %q is not supported by gatehouse", typ)
}

func (c *compiler) lambdaIntegration(x at) (Integration, error) {
	in := Integration{Type: "aws_proxy", PayloadFormatVersion: "1.0"}
	u := x.get("uri")
	uri, ok, err := u.str()
	switch {
	case err != nil:
		return in, err
	case !ok:
		return in, x.errf("an aws_proxy integration needs a uri (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)")
	}
	if in.FunctionARN, err = c.lambdaURI(u, uri); err != nil {
		return in, err
	}

	hm := x.get("httpMethod")
	method, ok, err := hm.str()
	switch {
	case err != nil:
		return in, err
	case ok && !strings.EqualFold(method, "POST"):
		return in, hm.errf("an aws_proxy integration calls Lambda with POST, not %s", method)
	case !ok && c.proto == REST:
		return in, x.errf("an aws_proxy integration needs httpMethod: POST")
	}

	maxMillis := restMaxTimeoutMillis
	if c.proto == HTTP {
		maxMillis = httpMaxTimeoutMillis
	}
	tm := x.get("timeoutInMillis")
	millis, ok, err := tm.integer()
	switch {
	case err != nil:
		return in, err
	case !ok:
		millis = maxMillis
	case millis < minTimeoutMillis || millis > maxMillis:
		return in, tm.errf("timeoutInMillis must be between %d and %d, found %d", minTimeoutMillis, maxMillis, millis)
	}
	in.Timeout = time.Duration(millis) * time.Millisecond

	pf := x.get("payloadFormatVersion")
	version, err := pf.scalarText()
	if err != nil {
		return in, err
	}
	switch {
	case c.proto == HTTP && version == "":
		in.PayloadFormatVersion = "2.0"
	case c.proto == HTTP && (version == "1.0" || version == "2.0"):
		in.PayloadFormatVersion = version
	case c.proto == HTTP:
		return in, pf.errf("payloadFormatVersion must be 1.0 or 2.0, found %q", version)
	case version != "" && version != "1.0":
		return in, pf.errf("payloadFormatVersion %s is for HTTP APIs; a REST API sends payload format 1.0", version)
	}

	// HTTP APIs apply parameter mapping to Lambda integrations too; REST
	// proxy integrations pass the request through whatever is written.
	if c.proto == HTTP {
		for _, k := range []string{"requestParameters", "responseParameters"} {
			if p := x.get(k); !p.missing() {
				return in, p.errf("parameter mapping (%s) is not supported by gatehouse", k)
			}
		}
	}
	return in, nil
}

// lambdaURI returns the function ARN in an integration or authorizer uri.
// HTTP APIs also take the function ARN itself.
func (c *compiler) lambdaURI(u at, uri string) (string, error) {
	const prefix, suffix = "path/2015-03-31/functions/", "/invocations"
	if p := strings.SplitN(uri, ":", 6); len(p) == 6 && p[0] == "arn" && p[2] == "apigateway" {
		rest := p[5]
		if p[3] != "" && p[4] == "lambda" && strings.HasPrefix(rest, prefix) && strings.HasSuffix(rest, suffix) && len(rest) > len(prefix)+len(suffix) {
			fn := rest[len(prefix) : len(rest)-len(suffix)]
			return fn, c.checkFunctionARN(u, fn)
		}
	} else if len(p) >= 3 && p[0] == "arn" && p[2] == "lambda" && c.proto == HTTP {
		return uri, c.checkFunctionARN(u, uri)
	}
	return "", u.errf("uri %q is not a Lambda invocation (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", uri)
}

// checkFunctionARN checks arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
// and that it is a function this gatehouse can run. An ARN built from
// stage variables is only known per stage, and is kept as written.
func (c *compiler) checkFunctionARN(u at, fn string) error {
	if strings.Contains(fn, "${") {
		return nil
	}
	p := strings.Split(fn, ":")
	if len(p) < 7 || len(p) > 8 || p[0] != "arn" || p[1] == "" || p[2] != "lambda" || p[5] != "function" ||
		!nameChars(p[6], 64, "") || len(p) == 8 && !nameChars(p[7], 128, "$") {
		return u.errf("%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", fn)
	}
	return c.checkHome(u, fn, p[3], p[4])
}

// checkHome refuses a resource in another region or account: gatehouse
// serves one of each, so it could never be reached.
func (c *compiler) checkHome(u at, arn, region, account string) error {
	if c.region != "" && region != c.region {
		return u.errf("%s is in region %q; this gatehouse serves %q", arn, region, c.region)
	}
	if c.account != "" && account != c.account {
		return u.errf("%s is in account %q; this gatehouse serves %q", arn, account, c.account)
	}
	return nil
}

// nameChars reports whether s is 1 to max letters, digits, - and _, plus
// the extra characters.
func nameChars(s string, max int, extra string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}

// mockIntegration reads what a mock integration answers: SAM's CORS
// preflights are mock methods whose default response carries the
// Access-Control-* headers as quoted literals.
func mockIntegration(x at) (Integration, error) {
	in := Integration{Type: "mock"}
	responses := x.get("responses")
	if err := responses.object(); err != nil {
		return in, err
	}
	d := responses.get("default")
	if d.missing() {
		return in, x.errf("a mock integration needs responses.default")
	}
	if err := d.object(); err != nil {
		return in, err
	}
	m := &MockResponse{}
	sc := d.get("statusCode")
	status, ok, err := sc.integer()
	switch {
	case err != nil:
		return in, err
	case !ok:
		return in, d.errf("the mock response needs a statusCode")
	case status < 100 || status > 599:
		return in, sc.errf("statusCode must be an HTTP status (100-599), found %d", status)
	}
	m.Status = status
	if m.Headers, err = staticHeaders(d.get("responseParameters"), "method.response.header."); err != nil {
		return in, err
	}
	if m.Body, err = jsonTemplate(d.get("responseTemplates")); err != nil {
		return in, err
	}
	if b := d.get("responseTemplates").get("application/json"); hasVTL(m.Body) {
		return in, b.errf("mapping templates (VTL) are not supported by gatehouse; a mock response body must be literal")
	}
	in.Mock = m
	return in, nil
}

// staticHeaders reads response parameters that set headers to quoted
// literals ('value'), the only kind gatehouse can apply.
func staticHeaders(params at, prefix string) (map[string]string, error) {
	if err := params.object(); err != nil || params.missing() {
		return nil, err
	}
	var headers map[string]string
	err := params.members(func(key string, v at) error {
		name, ok := strings.CutPrefix(key, prefix)
		if !ok || name == "" {
			return v.errf("gatehouse sets only headers here (%sNAME), not %q", prefix, key)
		}
		s, _, err := v.str()
		if err != nil {
			return err
		}
		if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
			return v.errf("gatehouse supports only static values in single quotes ('value'), found %q", s)
		}
		if headers == nil {
			headers = map[string]string{}
		}
		headers[name] = s[1 : len(s)-1]
		return nil
	})
	return headers, err
}

// jsonTemplate returns the application/json response template, the one
// gatehouse answers with.
func jsonTemplate(templates at) (string, error) {
	if err := templates.object(); err != nil || templates.missing() {
		return "", err
	}
	body := ""
	err := templates.members(func(ct string, v at) error {
		if ct != "application/json" {
			return v.errf("gatehouse answers with the application/json template only, not %s", ct)
		}
		s, _, err := v.str()
		body = s
		return err
	})
	return body, err
}

// hasVTL spots Velocity template syntax that a literal body would
// reproduce wrongly.
func hasVTL(s string) bool {
	for _, mark := range []string{"$input", "$context", "$util", "$stageVariables", "$method", "${", "$!", "#set", "#if", "#foreach", "#macro"} {
		if strings.Contains(s, mark) {
			return true
		}
	}
	return false
}
