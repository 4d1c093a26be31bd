package gateway

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// RequestInfo is everything an event needs about one request.
type RequestInfo struct {
	Req  *http.Request
	Body []byte // already read; the caller enforces the size limit
	// RawPath is the path relative to the stage, as received (escaped),
	// e.g. "/items/42".
	RawPath    string
	Route      *Route
	PathParams map[string]string

	APIID, Stage, AccountID, Region string
	RequestID, ExtendedRequestID    string
	DomainName, DomainPrefix        string
	SourceIP                        string
	Time                            time.Time

	StageVariables   map[string]string
	BinaryMediaTypes []string
	// Authorizer is nil when the route is open.
	Authorizer *AuthorizerContext
}

// AuthorizerContext is what an authorizer passes to the integration.
type AuthorizerContext struct {
	// Claims are Cognito claims (REST, already stringified by
	// CognitoClaims) or JWT claims (HTTP).
	Claims map[string]string
	// Scopes are the JWT authorizer's scopes (HTTP).
	Scopes []string
	// PrincipalID is a Lambda authorizer's principalId.
	PrincipalID string
	// Context is a Lambda authorizer's context. Pass the values as the
	// authorizer returned them: REST events stringify them here (API
	// Gateway hands the integration strings only), HTTP events keep
	// their JSON types.
	Context map[string]any
	// IntegrationLatency is how long a Lambda authorizer took, in
	// milliseconds (REST shows it as authorizer.integrationLatency, 0
	// for a cached result).
	IntegrationLatency int64
	// Lambda marks a Lambda authorizer's context (PrincipalID, Context);
	// otherwise Claims and Scopes are a Cognito or JWT authorizer's.
	Lambda bool
}

// AppendRESTEvent appends the Lambda proxy event, payload format 1.0,
// for ri (REST APIs, and HTTP API integrations on payload 1.0). Empty
// maps and bodies are null, as API Gateway sends them (aws-sam-cli #338;
// LocalStack's snapshots recorded against AWS).
func AppendRESTEvent(dst []byte, ri *RequestInfo) []byte {
	dst = append(dst, '{')
	dst = appendRESTRequest(dst, ri, true)
	dst = append(dst, `,"body":`...)
	if len(ri.Body) == 0 {
		return append(dst, `null,"isBase64Encoded":false}`...)
	}
	if isBinaryMediaType(ri.Req.Header.Get("Content-Type"), ri.BinaryMediaTypes) {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, ri.Body)
		return append(dst, `","isBase64Encoded":true}`...)
	}
	dst = appendJSON(dst, unsafeString(ri.Body))
	return append(dst, `,"isBase64Encoded":false}`...)
}

// AppendAuthorizerRequestEvent appends a REST REQUEST authorizer's event:
// the proxy event without the body, plus type and methodArn
// (api-gateway-lambda-authorizer-input.md).
func AppendAuthorizerRequestEvent(dst []byte, ri *RequestInfo, methodARN string) []byte {
	dst = append(dst, `{"type":"REQUEST","methodArn":`...)
	dst = appendJSON(dst, methodARN)
	dst = append(dst, ',')
	// The authorizer has not run yet, so its context cannot be there.
	dst = appendRESTRequest(dst, ri, false)
	return append(dst, '}')
}

// appendRESTRequest appends the members a proxy event and a REQUEST
// authorizer event share, from resource to requestContext.
func appendRESTRequest(dst []byte, ri *RequestInfo, withAuthorizer bool) []byte {
	var hb [headerBufLen]eventHeader
	hs := collectHeaders(hb[:0], ri, headersREST)
	var qb [queryBufLen]queryPair
	qs := parseQuery(qb[:0], ri.Req.URL.RawQuery)

	dst = append(dst, `"resource":`...)
	dst = appendJSON(dst, eventResourcePath(ri))
	dst = append(dst, `,"path":`...)
	dst = appendJSON(dst, ri.RawPath)
	dst = append(dst, `,"httpMethod":`...)
	dst = appendJSON(dst, ri.Req.Method)
	dst = appendRESTHeaders(dst, ri, hs)
	dst = appendRESTQuery(dst, qs)
	dst = append(dst, `,"pathParameters":`...)
	dst = appendStringMap(dst, ri.PathParams)
	dst = append(dst, `,"stageVariables":`...)
	dst = appendStringMap(dst, ri.StageVariables)
	dst = append(dst, `,"requestContext":`...)
	return appendRESTContext(dst, ri, withAuthorizer)
}

// AppendAuthorizerTokenEvent appends a REST TOKEN authorizer's event.
func AppendAuthorizerTokenEvent(dst []byte, token, methodARN string) []byte {
	dst = append(dst, `{"type":"TOKEN","authorizationToken":`...)
	dst = appendJSON(dst, token)
	dst = append(dst, `,"methodArn":`...)
	dst = appendJSON(dst, methodARN)
	return append(dst, '}')
}

// ResourceID is the stable six-character id a REST resource path gets in
// events (requestContext.resourceId), shaped like API Gateway's ("roq9wj").
func ResourceID(path string) string {
	var b [resourceIDLen]byte
	return string(appendResourceID(b[:0], path))
}

const resourceIDLen = 6

// appendResourceID derives the id from an FNV-1a hash so that it is the
// same on every node and across restarts without being stored.
func appendResourceID(dst []byte, path string) []byte {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	h := uint64(14695981039346656037)
	for i := 0; i < len(path); i++ {
		h ^= uint64(path[i])
		h *= 1099511628211
	}
	for range resourceIDLen {
		dst = append(dst, alphabet[h%36])
		h /= 36
	}
	return dst
}

func eventResourcePath(ri *RequestInfo) string {
	if ri.Route == nil {
		return ri.RawPath
	}
	return ri.Route.Path
}

func appendRESTHeaders(dst []byte, ri *RequestInfo, hs []eventHeader) []byte {
	if len(hs) == 0 {
		return append(dst, `,"headers":null,"multiValueHeaders":null`...)
	}
	// REST keeps one value per name in headers: the last, as for
	// query strings (LocalStack snapshots recorded against AWS).
	dst = append(dst, `,"headers":{`...)
	for i := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, hs[i].name)
		dst = append(dst, ':')
		dst = hs[i].appendLast(dst, ri)
	}
	dst = append(dst, `},"multiValueHeaders":{`...)
	for i := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, hs[i].name)
		dst = append(dst, ':', '[')
		dst = hs[i].appendAll(dst, ri)
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func appendRESTQuery(dst []byte, qs []queryPair) []byte {
	if len(qs) == 0 {
		return append(dst, `,"queryStringParameters":null,"multiValueQueryStringParameters":null`...)
	}
	dst = append(dst, `,"queryStringParameters":{`...)
	for i := 0; i < len(qs); {
		j := i + 1
		for j < len(qs) && qs[j].key == qs[i].key {
			j++
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, qs[i].key)
		dst = append(dst, ':')
		// A repeated parameter keeps its last value, as in AWS.
		dst = appendJSON(dst, qs[j-1].val)
		i = j
	}
	dst = append(dst, `},"multiValueQueryStringParameters":{`...)
	for i := 0; i < len(qs); {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, qs[i].key)
		dst = append(dst, ':', '[')
		j := i
		for ; j < len(qs) && qs[j].key == qs[i].key; j++ {
			if j > i {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, qs[j].val)
		}
		dst = append(dst, ']')
		i = j
	}
	return append(dst, '}')
}

// appendRESTContext appends requestContext as REST APIs fill it for an
// open route (LocalStack's AWS-recorded snapshots): the identity keys
// other than sourceIp and userAgent are null, and authorizer is absent
// unless an authorizer ran.
func appendRESTContext(dst []byte, ri *RequestInfo, withAuthorizer bool) []byte {
	dst = append(dst, `{"accountId":`...)
	dst = appendJSON(dst, ri.AccountID)
	dst = append(dst, `,"apiId":`...)
	dst = appendJSON(dst, ri.APIID)
	if withAuthorizer && ri.Authorizer != nil {
		dst = append(dst, `,"authorizer":`...)
		dst = appendRESTAuthorizer(dst, ri.Authorizer)
	}
	dst = appendRequestIdentity(dst, ri, "null")
	if ri.Route != nil && ri.Route.OperationName != "" {
		dst = append(dst, `,"operationName":`...)
		dst = appendJSON(dst, ri.Route.OperationName)
	}
	dst = append(dst, `,"path":`...)
	dst = appendStagePath(dst, ri)
	dst = append(dst, `,"protocol":`...)
	dst = appendJSON(dst, ri.Req.Proto)
	dst = append(dst, `,"requestId":`...)
	dst = appendJSON(dst, ri.RequestID)
	dst = append(dst, `,"requestTime":"`...)
	dst = appendCLFTime(dst, ri.Time)
	dst = append(dst, `","requestTimeEpoch":`...)
	dst = strconv.AppendInt(dst, ri.Time.UnixMilli(), 10)
	dst = append(dst, `,"resourceId":"`...)
	dst = appendResourceID(dst, eventResourcePath(ri))
	dst = append(dst, `","resourcePath":`...)
	dst = appendJSON(dst, eventResourcePath(ri))
	dst = append(dst, `,"stage":`...)
	dst = appendJSON(dst, ri.Stage)
	return append(dst, '}')
}

// appendRequestIdentity appends the requestContext members payload
// format 1.0 shares between REST and HTTP APIs, from domainName through
// identity; noUserAgent is what identity.userAgent holds when the request
// has none (REST: null; HTTP API: "").
func appendRequestIdentity(dst []byte, ri *RequestInfo, noUserAgent string) []byte {
	dst = append(dst, `,"domainName":`...)
	dst = appendJSON(dst, ri.DomainName)
	dst = append(dst, `,"domainPrefix":`...)
	dst = appendJSON(dst, ri.DomainPrefix)
	dst = append(dst, `,"extendedRequestId":`...)
	dst = appendJSON(dst, ri.ExtendedRequestID)
	dst = append(dst, `,"httpMethod":`...)
	dst = appendJSON(dst, ri.Req.Method)
	dst = append(dst, `,"identity":{"accessKey":null,"accountId":null,"caller":null,`+
		`"cognitoAuthenticationProvider":null,"cognitoAuthenticationType":null,`+
		`"cognitoIdentityId":null,"cognitoIdentityPoolId":null,"principalOrgId":null,"sourceIp":`...)
	dst = appendJSON(dst, ri.SourceIP)
	dst = append(dst, `,"user":null,"userAgent":`...)
	if ua, ok := firstHeaderValue(ri.Req.Header, "User-Agent"); ok {
		dst = appendJSON(dst, ua)
	} else {
		dst = append(dst, noUserAgent...)
	}
	return append(dst, `,"userArn":null}`...)
}

// appendRESTAuthorizer appends requestContext.authorizer: {"claims": …}
// for Cognito (plus scopes for an HTTP API's JWT authorizer on payload
// 1.0); {"principalId": …, "integrationLatency": ms, context…} for a
// Lambda authorizer, every context value a string as API Gateway
// delivers them (api-gateway-lambda-authorizer-output.md; captured
// events show integrationLatency as a number).
func appendRESTAuthorizer(dst []byte, a *AuthorizerContext) []byte {
	if !a.Lambda {
		dst = append(dst, `{"claims":`...)
		if a.Claims == nil {
			dst = append(dst, "{}"...)
		} else {
			dst = appendStringMap(dst, a.Claims)
		}
		if a.Scopes != nil {
			dst = append(dst, `,"scopes":`...)
			dst = appendStringList(dst, a.Scopes)
		}
		return append(dst, '}')
	}
	dst = append(dst, `{"principalId":`...)
	dst = appendJSON(dst, a.PrincipalID)
	dst = append(dst, `,"integrationLatency":`...)
	dst = strconv.AppendInt(dst, a.IntegrationLatency, 10)
	var kb [keyBufLen]string
	for _, k := range sortedKeysInto(kb[:0], a.Context) {
		if k == "principalId" || k == "integrationLatency" {
			continue // API Gateway's own keys win
		}
		dst = append(dst, ',')
		dst = appendJSON(dst, k)
		dst = append(dst, ':')
		dst = appendAuthorizerValue(dst, a.Context[k], true)
	}
	return append(dst, '}')
}

// appendStagePath appends requestContext.path: the stage, then the path.
func appendStagePath(dst []byte, ri *RequestInfo) []byte {
	dst = append(dst, `"/"`...)
	return appendJSONContinue(appendJSONContinue(dst, ri.Stage), ri.RawPath)
}

// appendJSON appends s as a JSON string exactly as
// awsproto.AppendJSONString does, but copies runs that need no escaping
// in one go: event strings are mostly plain ASCII, and this is where an
// event spends most of its time.
func appendJSON(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if jsonPlain[s[i]] != '1' {
			dst = append(dst, '"')
			dst = append(dst, s[:i]...)
			n := len(dst)
			dst = awsproto.AppendJSONString(dst, s[i:])
			copy(dst[n:], dst[n+1:]) // its opening quote
			return dst[:len(dst)-1]
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// jsonPlain marks ('1') the bytes awsproto.AppendJSONString copies as
// they are: printable ASCII but for '"', '&', '<', '>' and the backslash.
const jsonPlain = "" +
	"0000000000000000" + // 0x00
	"0000000000000000" + // 0x10
	"1101110111111111" + // 0x20 " &
	"1111111111110101" + // 0x30 < >
	"1111111111111111" + // 0x40
	"1111111111110111" + // 0x50 backslash
	"1111111111111111" + // 0x60
	"1111111111111111" + // 0x70
	"0000000000000000000000000000000000000000000000000000000000000000" + // 0x80–0xbf
	"0000000000000000000000000000000000000000000000000000000000000000" //   0xc0–0xff

// appendCLFTime appends t in the Common Log Format API Gateway uses for
// requestTime and time: "04/Mar/2020:19:15:17 +0000".
func appendCLFTime(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, "02/Jan/2006:15:04:05 -0700")
}

// appendStringMap appends m with sorted keys, or null when it is empty.
func appendStringMap(dst []byte, m map[string]string) []byte {
	if len(m) == 0 {
		return append(dst, "null"...)
	}
	// Pairs rather than keys: sorting them spares a map lookup per key.
	var pb [keyBufLen]queryPair
	ps := pb[:0]
	for k, v := range m {
		ps = append(ps, queryPair{k, v})
	}
	slices.SortFunc(ps, func(a, b queryPair) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, p.key)
		dst = append(dst, ':')
		dst = appendJSON(dst, p.val)
	}
	return append(dst, '}')
}

func appendStringList(dst []byte, l []string) []byte {
	dst = append(dst, '[')
	for i, s := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, s)
	}
	return append(dst, ']')
}

// isBinaryMediaType reports whether a Content-Type matches one of an
// API's binaryMediaTypes. Parameters are ignored, names compare without
// case, and either half of a pattern may be "*" ("image/*", "*/*"). A
// missing Content-Type matches only "*/*".
func isBinaryMediaType(contentType string, patterns []string) bool {
	for _, p := range patterns {
		if mediaTypeMatches(contentType, p) {
			return true
		}
	}
	return false
}

func mediaTypeMatches(contentType, pattern string) bool {
	pt, ps, ok := strings.Cut(strings.TrimSpace(pattern), "/")
	if !ok {
		return false
	}
	if pt == "*" && ps == "*" {
		return true
	}
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	ct, cs, ok := strings.Cut(strings.TrimSpace(mt), "/")
	if !ok {
		return false
	}
	return (pt == "*" || strings.EqualFold(pt, ct)) && (ps == "*" || strings.EqualFold(ps, cs))
}

func firstHeaderValue(h http.Header, name string) (string, bool) {
	if vs := h[name]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// unsafeString views b as a string without copying, for appending a body
// that may be megabytes long. Safe because the callee only reads it and
// nothing writes b meanwhile.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Stack buffer sizes: a request with more headers, parameters or keys
// than this still works, it just allocates.
const (
	headerBufLen = 32
	queryBufLen  = 16
	keyBufLen    = 32
)

// headerKind says where an event header's value comes from.
type headerKind uint8

const (
	headerPlain headerKind = iota // the client's values
	headerXFF                     // the client's X-Forwarded-For, then the source IP
	headerTrace                   // an X-Amzn-Trace-Id made from the request
)

// eventHeader is one header as an event shows it. Values API Gateway
// adds are written straight into the event rather than built as
// strings, to keep the hot path free of allocations.
type eventHeader struct {
	name string
	vals []string
	one  string // the value of an added header without vals
	kind headerKind
}

// headerMode says which event a header list is for.
type headerMode uint8

const (
	headersREST   headerMode = iota // REST payload 1.0
	headersHTTPV1                   // HTTP API payload 1.0
	headersHTTPV2                   // HTTP API payload 2.0
)

// collectHeaders gathers the request's headers plus the ones API Gateway
// adds (Host, X-Forwarded-For/-Port/-Proto, X-Amzn-Trace-Id), without
// hop-by-hop headers. REST drops Content-Length (AWS-recorded events
// have none); HTTP APIs keep it, and payload 2.0 moves Cookie to the
// cookies field.
//
// Go's server has already canonicalized header names, so the client's
// own spelling ("tEsT-HEADeR") cannot be reproduced.
func collectHeaders(buf []eventHeader, ri *RequestInfo, mode headerMode) []eventHeader {
	h := ri.Req.Header
	v2 := mode != headersREST // HTTP APIs lower-case names
	for name, vals := range h {
		switch name {
		case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
			"Host", "X-Forwarded-For":
			continue
		case "Content-Length":
			if mode == headersREST {
				continue
			}
		case "Cookie":
			if mode == headersHTTPV2 {
				continue
			}
		}
		if len(vals) > 0 {
			buf = append(buf, eventHeader{name: name, vals: vals})
		}
	}
	host := ri.Req.Host
	if host == "" {
		host, _ = firstHeaderValue(h, "Host")
	}
	if host != "" {
		buf = append(buf, eventHeader{name: "Host", one: host})
	}
	buf = append(buf, eventHeader{name: "X-Forwarded-For", vals: h["X-Forwarded-For"], kind: headerXFF})
	// A proxy in front of gatehouse knows the client's port and scheme
	// better than this connection does, so its values stay.
	if len(h["X-Forwarded-Port"]) == 0 {
		buf = append(buf, eventHeader{name: "X-Forwarded-Port", one: forwardedPort(ri.Req)})
	}
	if len(h["X-Forwarded-Proto"]) == 0 {
		proto := "http"
		if ri.Req.TLS != nil {
			proto = "https"
		}
		buf = append(buf, eventHeader{name: "X-Forwarded-Proto", one: proto})
	}
	if len(h["X-Amzn-Trace-Id"]) == 0 {
		buf = append(buf, eventHeader{name: "X-Amzn-Trace-Id", kind: headerTrace})
	}
	// Sorted for deterministic events; HTTP APIs lower-case names, so
	// they sort and later merge without regard to case.
	if v2 {
		slices.SortFunc(buf, func(a, b eventHeader) int {
			if c := compareHeaderFold(a.name, b.name); c != 0 {
				return c
			}
			return strings.Compare(a.name, b.name)
		})
	} else {
		slices.SortFunc(buf, func(a, b eventHeader) int { return strings.Compare(a.name, b.name) })
	}
	return buf
}

// compareHeaderFold compares ASCII strings as their lower-case forms do.
func compareHeaderFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lowerByte(a[i]), lowerByte(b[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func forwardedPort(r *http.Request) string {
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[i+1:]
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// appendLast appends the header's last value as a JSON string.
func (h *eventHeader) appendLast(dst []byte, ri *RequestInfo) []byte {
	switch {
	case h.kind == headerXFF:
		return h.appendJoined(dst, ri, ", ")
	case h.kind == headerTrace:
		return appendTraceID(dst, ri)
	case len(h.vals) > 0:
		return appendJSON(dst, h.vals[len(h.vals)-1])
	}
	return appendJSON(dst, h.one)
}

// appendAll appends the header's values as JSON strings separated by
// commas (a multiValueHeaders list).
func (h *eventHeader) appendAll(dst []byte, ri *RequestInfo) []byte {
	if h.kind != headerPlain || len(h.vals) == 0 {
		return h.appendLast(dst, ri)
	}
	for i, v := range h.vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, v)
	}
	return dst
}

// appendJoined appends the header's values as one JSON string, joined by
// sep; X-Forwarded-For gets the source IP last, as a proxy appends it.
func (h *eventHeader) appendJoined(dst []byte, ri *RequestInfo, sep string) []byte {
	if h.kind == headerTrace {
		return appendTraceID(dst, ri)
	}
	if len(h.vals) == 0 {
		if h.kind == headerXFF {
			return appendJSON(dst, ri.SourceIP)
		}
		return appendJSON(dst, h.one)
	}
	dst = appendJSON(dst, h.vals[0])
	for _, v := range h.vals[1:] {
		dst = appendJSONContinue(dst, sep)
		dst = appendJSONContinue(dst, v)
	}
	if h.kind == headerXFF {
		dst = appendJSONContinue(dst, sep)
		dst = appendJSONContinue(dst, ri.SourceIP)
	}
	return dst
}

// appendJSONContinue appends s to the JSON string that dst ends with.
func appendJSONContinue(dst []byte, s string) []byte {
	dst = dst[:len(dst)-1] // the closing quote
	n := len(dst)
	dst = appendJSON(dst, s)
	copy(dst[n:], dst[n+1:]) // the new opening quote
	return dst[:len(dst)-1]
}

// appendTraceID appends an X-Amzn-Trace-Id ("Root=1-{epoch hex}-{24 hex}")
// made from the request's time and id, so one request always shows the
// same trace in its events and logs.
func appendTraceID(dst []byte, ri *RequestInfo) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, `"Root=1-`...)
	sec := uint32(ri.Time.Unix())
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, hex[sec>>uint(shift)&0xf])
	}
	dst = append(dst, '-')
	n := 0
	for i := 0; i < len(ri.RequestID) && n < 24; i++ {
		c := ri.RequestID[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			continue
		}
		dst = append(dst, c)
		n++
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(ri.RequestID); i++ {
		h ^= uint64(ri.RequestID[i])
		h *= 1099511628211
	}
	for ; n < 24; n++ {
		dst = append(dst, hex[h&0xf])
		h = h>>4 | h<<60
	}
	return append(dst, '"')
}

// queryPair is one decoded query parameter.
type queryPair struct{ key, val string }

// parseQuery decodes a raw query string ("+" is a space, %XX escapes)
// into pairs stably sorted by key, so that repeated keys are adjacent
// and keep their order. ";" separates parameters as "&" does: API
// Gateway splits query data there (known-issues.md). A malformed escape
// is kept as written rather than failing the request.
func parseQuery(buf []queryPair, raw string) []queryPair {
	for raw != "" {
		var part string
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			part, raw = raw[:i], raw[i+1:]
		} else {
			part, raw = raw, ""
		}
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		buf = append(buf, queryPair{key: unescapeQuery(k), val: unescapeQuery(v)})
	}
	slices.SortStableFunc(buf, func(a, b queryPair) int { return strings.Compare(a.key, b.key) })
	return buf
}

func unescapeQuery(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isQueryHex(s[i+1]) && isQueryHex(s[i+2]):
			b = append(b, queryUnhex(s[i+1])<<4|queryUnhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isQueryHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func queryUnhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// sortedKeysInto returns m's keys in order, in buf when it is large enough.
func sortedKeysInto[V any](buf []string, m map[string]V) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}
