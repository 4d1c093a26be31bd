package gateway

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// AppendHTTPEvent appends the Lambda proxy event, payload format 2.0, for
// an HTTP API (http-api-develop-integrations-lambda.md): header names
// lower-cased with repeated values joined by commas, cookies in their
// own list, and empty maps and bodies left out rather than null.
func AppendHTTPEvent(dst []byte, ri *RequestInfo) []byte {
	var hb [headerBufLen]eventHeader
	hs := collectHeaders(hb[:0], ri, headersHTTPV2)
	var qb [queryBufLen]queryPair
	qs := parseQuery(qb[:0], ri.Req.URL.RawQuery)

	dst = append(dst, `{"version":"2.0","routeKey":`...)
	dst = appendRouteKey(dst, ri)
	dst = append(dst, `,"rawPath":`...)
	dst = appendHTTPPath(dst, ri)
	dst = append(dst, `,"rawQueryString":`...)
	dst = appendJSON(dst, ri.Req.URL.RawQuery)
	dst = appendCookies(dst, ri.Req.Header["Cookie"])
	dst = append(dst, `,"headers":`...)
	dst = appendHTTPHeaders(dst, ri, hs)
	if len(qs) > 0 {
		dst = append(dst, `,"queryStringParameters":`...)
		dst = appendHTTPQuery(dst, qs)
	}
	dst = append(dst, `,"requestContext":`...)
	dst = appendHTTPContext(dst, ri)
	binary := false
	if len(ri.Body) > 0 {
		dst = append(dst, `,"body":`...)
		dst, binary = appendHTTPBody(dst, ri)
	}
	if len(ri.PathParams) > 0 {
		dst = append(dst, `,"pathParameters":`...)
		dst = appendStringMap(dst, ri.PathParams)
	}
	dst = append(dst, `,"isBase64Encoded":`...)
	dst = strconv.AppendBool(dst, binary)
	if len(ri.StageVariables) > 0 {
		dst = append(dst, `,"stageVariables":`...)
		dst = appendStringMap(dst, ri.StageVariables)
	}
	return append(dst, '}')
}

// appendHTTPBody appends a non-empty body as an HTTP API passes it: text
// as a JSON string, anything else base64-encoded (binary true).
func appendHTTPBody(dst []byte, ri *RequestInfo) (_ []byte, binary bool) {
	if isHTTPAPIText(ri.Req.Header.Get("Content-Type")) {
		return appendJSON(dst, unsafeString(ri.Body)), false
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, ri.Body)
	return append(dst, '"'), true
}

// isHTTPAPIText reports whether an HTTP API passes a request body of this
// Content-Type as text. Everything else, a missing Content-Type and
// application/x-www-form-urlencoded included, arrives base64-encoded: the
// split ministack measured against AWS (ministackorg/ministack#766).
func isHTTPAPIText(contentType string) bool {
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.TrimSpace(mt)
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	if strings.EqualFold(typ, "text") {
		return true
	}
	return strings.EqualFold(typ, "application") &&
		(strings.EqualFold(sub, "json") || strings.EqualFold(sub, "xml") || strings.EqualFold(sub, "javascript"))
}

// appendRouteKey appends "GET /items/{id}" or "$default".
func appendRouteKey(dst []byte, ri *RequestInfo) []byte {
	if ri.Route == nil || ri.Route.Path == "$default" {
		return append(dst, `"$default"`...)
	}
	dst = appendJSON(dst, ri.Route.Method)
	return appendJSONContinue(appendJSONContinue(dst, " "), ri.Route.Path)
}

// appendHTTPPath appends rawPath (also requestContext.http.path): the
// path as received, which carries a named stage's prefix; the $default
// stage has none.
func appendHTTPPath(dst []byte, ri *RequestInfo) []byte {
	if ri.Stage == "" || ri.Stage == "$default" {
		return appendJSON(dst, ri.RawPath)
	}
	return appendStagePath(dst, ri)
}

// appendCookies appends the cookies field: each cookie of every Cookie
// header, in order; left out when there are none.
func appendCookies(dst []byte, headers []string) []byte {
	n := 0
	for _, h := range headers {
		for h != "" {
			var c string
			c, h, _ = strings.Cut(h, ";")
			if c = strings.TrimSpace(c); c == "" {
				continue
			}
			if n == 0 {
				dst = append(dst, `,"cookies":[`...)
			} else {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, c)
			n++
		}
	}
	if n > 0 {
		dst = append(dst, ']')
	}
	return dst
}

// appendHTTPHeaders appends the headers object: lower-case names, each
// name once, its values joined by commas. hs is sorted without regard
// to case, so the spellings of one name are adjacent.
func appendHTTPHeaders(dst []byte, ri *RequestInfo, hs []eventHeader) []byte {
	dst = append(dst, '{')
	for i := 0; i < len(hs); {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendLowerJSONString(dst, hs[i].name)
		dst = append(dst, ':')
		dst = hs[i].appendJoined(dst, ri, httpHeaderSep(&hs[i]))
		j := i + 1
		for ; j < len(hs) && compareHeaderFold(hs[j].name, hs[i].name) == 0; j++ {
			n := len(dst)
			dst = hs[j].appendJoined(dst, ri, httpHeaderSep(&hs[j]))
			dst = mergeJSONStrings(dst, n)
		}
		i = j
	}
	return append(dst, '}')
}

func httpHeaderSep(h *eventHeader) string {
	if h.kind == headerXFF {
		return ", " // a proxy's own separator
	}
	return ","
}

// mergeJSONStrings joins the JSON string starting at dst[n] to the one
// ending just before it, with a comma between their contents.
func mergeJSONStrings(dst []byte, n int) []byte {
	dst[n-1] = ','
	copy(dst[n:], dst[n+1:])
	return dst[:len(dst)-1]
}

// appendLowerJSONString appends name lower-cased as a JSON string. Header
// names are tokens, so the fast path needs no escaping.
func appendLowerJSONString(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return appendJSON(dst, strings.ToLower(name))
		}
	}
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		dst = append(dst, lowerByte(name[i]))
	}
	return append(dst, '"')
}

// appendHTTPQuery appends queryStringParameters: repeated keys keep every
// value, joined by commas.
func appendHTTPQuery(dst []byte, qs []queryPair) []byte {
	dst = append(dst, '{')
	for i := 0; i < len(qs); {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, qs[i].key)
		dst = append(dst, ':')
		dst = appendJSON(dst, qs[i].val)
		j := i + 1
		for ; j < len(qs) && qs[j].key == qs[i].key; j++ {
			dst = appendJSONContinue(dst, ",")
			dst = appendJSONContinue(dst, qs[j].val)
		}
		i = j
	}
	return append(dst, '}')
}

func appendHTTPContext(dst []byte, ri *RequestInfo) []byte {
	dst = append(dst, `{"accountId":`...)
	dst = appendJSON(dst, ri.AccountID)
	dst = append(dst, `,"apiId":`...)
	dst = appendJSON(dst, ri.APIID)
	if a := ri.Authorizer; a != nil {
		dst = append(dst, `,"authorizer":`...)
		dst = appendHTTPAuthorizer(dst, a)
	}
	dst = append(dst, `,"domainName":`...)
	dst = appendJSON(dst, ri.DomainName)
	dst = append(dst, `,"domainPrefix":`...)
	dst = appendJSON(dst, ri.DomainPrefix)
	dst = append(dst, `,"http":{"method":`...)
	dst = appendJSON(dst, ri.Req.Method)
	dst = append(dst, `,"path":`...)
	dst = appendHTTPPath(dst, ri)
	dst = append(dst, `,"protocol":`...)
	dst = appendJSON(dst, ri.Req.Proto)
	dst = append(dst, `,"sourceIp":`...)
	dst = appendJSON(dst, ri.SourceIP)
	dst = append(dst, `,"userAgent":`...)
	ua, _ := firstHeaderValue(ri.Req.Header, "User-Agent")
	dst = appendJSON(dst, ua)
	dst = append(dst, `},"requestId":`...)
	dst = appendJSON(dst, ri.RequestID)
	dst = append(dst, `,"routeKey":`...)
	dst = appendRouteKey(dst, ri)
	dst = append(dst, `,"stage":`...)
	dst = appendJSON(dst, ri.Stage)
	dst = append(dst, `,"time":"`...)
	dst = appendCLFTime(dst, ri.Time)
	dst = append(dst, `","timeEpoch":`...)
	dst = strconv.AppendInt(dst, ri.Time.UnixMilli(), 10)
	return append(dst, '}')
}

// appendHTTPAuthorizer appends {"jwt":{"claims":…,"scopes":…}} or
// {"lambda":{…}}. A Lambda authorizer's context keeps its JSON types;
// principalId joins it when the authorizer returned one (payload 1.0
// policies), as SAM CLI does.
func appendHTTPAuthorizer(dst []byte, a *AuthorizerContext) []byte {
	if !a.Lambda {
		dst = append(dst, `{"jwt":{"claims":`...)
		if a.Claims == nil {
			dst = append(dst, "{}"...)
		} else {
			dst = appendStringMap(dst, a.Claims)
		}
		dst = append(dst, `,"scopes":`...)
		if a.Scopes == nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendStringList(dst, a.Scopes)
		}
		return append(dst, `}}`...)
	}
	dst = append(dst, `{"lambda":{`...)
	n := 0
	if a.PrincipalID != "" {
		dst = append(dst, `"principalId":`...)
		dst = appendJSON(dst, a.PrincipalID)
		n++
	}
	var kb [keyBufLen]string
	for _, k := range sortedKeysInto(kb[:0], a.Context) {
		if k == "principalId" && a.PrincipalID != "" {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSON(dst, k)
		dst = append(dst, ':')
		dst = appendAuthorizerValue(dst, a.Context[k], false)
		n++
	}
	return append(dst, `}}`...)
}
