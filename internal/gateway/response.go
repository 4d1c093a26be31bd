package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Response is what the gateway writes back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// MaxProxyResponse is the largest integration response the parsers take:
// Lambda's limit for a synchronous response (6 MB), so no real function
// could send more.
const MaxProxyResponse = 6 << 20

// responseError is a malformed integration response; the caller answers
// 502 (REST) or 500 (HTTP) without showing it to the client.
type responseError string

func (e responseError) Error() string { return "gateway: malformed proxy response: " + string(e) }

const (
	errTooLarge  = responseError("larger than 6 MB")
	errNotObject = responseError("not a JSON object")
	errSyntax    = responseError("invalid JSON")
)

// ParseRESTResponse maps a REST API's Lambda proxy response
// ({statusCode, headers, multiValueHeaders, body, isBase64Encoded}). Any
// error means 502 {"message": "Internal server error"}. The rules, from
// set-up-lambda-proxy-integrations.md and LocalStack's tests recorded
// against AWS (test_aws_proxy_response_payload_format_validation):
//   - any top-level key but those (and base64Encoded, which REST also
//     takes, as SAM CLI found) is an error, as is a payload that is not
//     an object;
//   - statusCode is an integer or a numeric string; a missing one means
//     200 (AWS answers {"headers": {…}} with 200);
//   - header values are strings or booleans ("true"/"false");
//     multiValueHeaders values must be lists; a name in both keeps only
//     the multiValueHeaders values;
//   - body is a string or null;
//   - Content-Type defaults to application/json;
//   - a base64 body is decoded only when the client's first Accept
//     media type (or "*/*") is in binaryMediaTypes; otherwise the client
//     gets the base64 text (api-gateway-payload-encodings.md).
func ParseRESTResponse(payload []byte, binaryMediaTypes []string, accept string) (*Response, error) {
	f, err := scanProxyObject(payload, false)
	if err != nil {
		return nil, err
	}
	if f.cookies.set {
		return nil, responseError(`unknown key "cookies"`) // payload format 2.0 only
	}
	b64Field := f.isBase64Encoded
	if !f.null(f.base64Encoded) {
		b64Field = f.base64Encoded
	}
	r, b64, err := f.v1Response(b64Field)
	if err != nil {
		return nil, err
	}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if b64 && restWantsBinary(binaryMediaTypes, accept) {
		if r.Body, err = decodeBase64Body(r.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ParseHTTPResponseV1 maps the response of an HTTP API integration on
// payload format 1.0. HTTP APIs make no assumptions there: statusCode is
// required (a malformed response is a 500, re:Post KC
// "api-gateway-status-codes-http-api"), unknown keys are ignored (SAM
// CLI's reading of AWS) and isBase64Encoded always decodes the body, as
// HTTP APIs have no binaryMediaTypes.
func ParseHTTPResponseV1(payload []byte) (*Response, error) {
	f, err := scanProxyObject(payload, true)
	if err != nil {
		return nil, err
	}
	r, b64, err := f.v1Response(f.isBase64Encoded)
	if err != nil {
		return nil, err
	}
	if r.Status == 0 {
		return nil, responseError("no statusCode")
	}
	if b64 {
		if r.Body, err = decodeBase64Body(r.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ParseHTTPResponse maps an HTTP API's payload format 2.0 response
// (http-api-develop-integrations-lambda.md). A JSON object with a
// statusCode key is a structured response: {statusCode, headers,
// cookies (each a Set-Cookie header), body, isBase64Encoded}, other keys
// ignored. Any other valid JSON is the body of a 200 application/json
// response, as the function returned it, except that a JSON string is
// the body unquoted (the docs' "Hello from Lambda!" example) and null is
// an empty body. Invalid JSON is an error.
func ParseHTTPResponse(payload []byte) (*Response, error) {
	if len(payload) > MaxProxyResponse {
		return nil, errTooLarge
	}
	p := bytes.Trim(payload, " \t\r\n") // JSON's white space, no other
	if len(p) > 0 && p[0] == '{' {
		f, err := scanProxyObject(p, true)
		if err != nil {
			return nil, err
		}
		if f.statusCode.set {
			return f.v2Response()
		}
	} else if !json.Valid(p) {
		return nil, errSyntax
	}
	r := &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
	switch {
	case p[0] == '"':
		s, err := (&proxyJSON{b: p}).stringValue()
		if err != nil {
			return nil, err
		}
		r.Body = []byte(s)
	case string(p) != "null":
		r.Body = bytes.Clone(p)
	}
	return r, nil
}

// span is where a top-level field's value lies in the payload.
type span struct {
	start, end int
	set        bool
}

// proxyFields are the top-level fields of a proxy response, found in one
// validating pass; a repeated key keeps its last value, as with
// encoding/json.
type proxyFields struct {
	b                                            []byte
	statusCode, headers, multiValueHeaders, body span
	isBase64Encoded, base64Encoded, cookies      span
}

func (f *proxyFields) null(s span) bool {
	return !s.set || string(f.b[s.start:s.end]) == "null"
}

func (f *proxyFields) reader(s span) *proxyJSON {
	return &proxyJSON{b: f.b[s.start:s.end]}
}

// scanProxyObject validates payload as one JSON object and records its
// known fields. REST refuses other keys; HTTP APIs skip them.
func scanProxyObject(payload []byte, allowUnknown bool) (*proxyFields, error) {
	if len(payload) > MaxProxyResponse {
		return nil, errTooLarge
	}
	f := &proxyFields{b: payload}
	p := &proxyJSON{b: payload}
	p.ws()
	if p.pos >= len(p.b) || p.b[p.pos] != '{' {
		if json.Valid(payload) {
			return nil, errNotObject
		}
		return nil, errSyntax
	}
	p.pos++
	if !p.eat('}') {
		for {
			p.ws()
			ks, ke, complex, err := p.str()
			if err != nil {
				return nil, err
			}
			key := string(p.b[ks:ke]) // compared only: no copy is made
			if complex {
				if key, err = decodeJSONString(p.b[ks-1 : ke+1]); err != nil {
					return nil, err
				}
			}
			if !p.eat(':') {
				return nil, errSyntax
			}
			start, end, err := p.value(1)
			if err != nil {
				return nil, err
			}
			if dst := f.field(key); dst != nil {
				*dst = span{start: start, end: end, set: true}
			} else if !allowUnknown {
				return nil, responseError(fmt.Sprintf("unknown key %q", key))
			}
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return nil, errSyntax
		}
	}
	if p.ws(); p.pos != len(p.b) {
		return nil, errSyntax
	}
	return f, nil
}

func (f *proxyFields) field(key string) *span {
	switch key {
	case "statusCode":
		return &f.statusCode
	case "headers":
		return &f.headers
	case "multiValueHeaders":
		return &f.multiValueHeaders
	case "body":
		return &f.body
	case "isBase64Encoded":
		return &f.isBase64Encoded
	case "base64Encoded":
		return &f.base64Encoded
	case "cookies":
		return &f.cookies
	}
	return nil
}

// v1Response builds a payload format 1.0 response (REST and HTTP APIs);
// Status is 0 when statusCode is missing or null. A cookies key (payload
// 2.0) was refused before for REST; HTTP APIs on 1.0 ignore it.
func (f *proxyFields) v1Response(b64Field span) (r *Response, b64 bool, err error) {
	r = &Response{Header: http.Header{}}
	if r.Status, err = f.status(); err != nil {
		return nil, false, err
	}
	if err = f.addHeaders(r.Header, false); err != nil {
		return nil, false, err
	}
	if !f.null(f.multiValueHeaders) {
		multi := http.Header{}
		if err = f.addMultiValueHeaders(multi); err != nil {
			return nil, false, err
		}
		for k, vs := range multi {
			r.Header[k] = vs // the multiValueHeaders values win
		}
	}
	if r.Body, err = f.bodyBytes(); err != nil {
		return nil, false, err
	}
	if b64, err = f.boolean(b64Field); err != nil {
		return nil, false, err
	}
	setDefaultContentType(r.Header)
	return r, b64, nil
}

func (f *proxyFields) v2Response() (*Response, error) {
	status, err := f.status()
	if err != nil {
		return nil, err
	}
	if status == 0 {
		status = http.StatusOK
	}
	r := &Response{Status: status, Header: http.Header{}}
	// HTTP APIs are lenient with header values: numbers pass as written
	// and null ones are dropped.
	if err = f.addHeaders(r.Header, true); err != nil {
		return nil, err
	}
	if !f.null(f.cookies) {
		p := f.reader(f.cookies)
		if !p.eat('[') {
			return nil, responseError("cookies is not a list")
		}
		for more := !p.eat(']'); more; more = p.eat(',') {
			c, err := p.stringValue()
			if err != nil || !validResponseHeaderValue(c) {
				return nil, responseError("a cookie is not a valid string")
			}
			r.Header.Add("Set-Cookie", c)
		}
	}
	if r.Body, err = f.bodyBytes(); err != nil {
		return nil, err
	}
	b64, err := f.boolean(f.isBase64Encoded)
	if err != nil {
		return nil, err
	}
	if b64 {
		if r.Body, err = decodeBase64Body(r.Body); err != nil {
			return nil, err
		}
	}
	setDefaultContentType(r.Header)
	return r, nil
}

// status reads an integer or a numeric string ("201" works on AWS,
// "test" does not) in 100–599; 0 means missing or null.
func (f *proxyFields) status() (int, error) {
	if f.null(f.statusCode) {
		return 0, nil
	}
	raw := f.b[f.statusCode.start:f.statusCode.end]
	n, err := -1, error(nil)
	switch {
	case raw[0] == '"':
		var s string
		if s, err = f.reader(f.statusCode).stringValue(); err == nil {
			n, err = strconv.Atoi(s)
		}
	case len(raw) == 3 && isDigits(raw): // the usual 200
		n = int(raw[0]-'0')*100 + int(raw[1]-'0')*10 + int(raw[2]-'0')
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		var x float64
		if x, err = strconv.ParseFloat(string(raw), 64); err == nil && x == math.Trunc(x) && x >= 0 && x < 1000 {
			n = int(x)
		}
	}
	if err != nil || n < 100 || n > 599 {
		return 0, responseError("statusCode is not an HTTP status code")
	}
	return n, nil
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// addHeaders adds the headers object to h: values are strings or
// booleans ("true"/"false", what AWS answers for {"header-bool": true}),
// and with lenient also numbers (as written) or null (dropped). A later
// spelling of a name replaces an earlier one.
func (f *proxyFields) addHeaders(h http.Header, lenient bool) error {
	if f.null(f.headers) {
		return nil
	}
	p := f.reader(f.headers)
	if !p.eat('{') {
		return responseError("headers is not an object")
	}
	for more := !p.eat('}'); more; more = p.eat(',') {
		k, err := p.headerName()
		if err != nil {
			return err
		}
		v, skip, err := p.headerValue(k, lenient)
		if err != nil {
			return err
		}
		if !skip {
			h.Set(k, v)
		}
	}
	return nil
}

// addMultiValueHeaders adds the {"name": [values]} object to h; a value
// that is not a list is an error on AWS (LocalStack's recorded test).
func (f *proxyFields) addMultiValueHeaders(h http.Header) error {
	p := f.reader(f.multiValueHeaders)
	if !p.eat('{') {
		return responseError("multiValueHeaders is not an object")
	}
	for more := !p.eat('}'); more; more = p.eat(',') {
		k, err := p.headerName()
		if err != nil {
			return err
		}
		if p.ws(); p.b[p.pos] == 'n' {
			p.value(1) // null: no values
			continue
		}
		if !p.eat('[') {
			return responseError(fmt.Sprintf("multiValueHeaders %q is not a list", k))
		}
		for more := !p.eat(']'); more; more = p.eat(',') {
			v, _, err := p.headerValue(k, false)
			if err != nil {
				return err
			}
			h.Add(k, v)
		}
		p.eat(']') // the loop stopped before it, unless the list was empty
	}
	return nil
}

func (f *proxyFields) bodyBytes() ([]byte, error) {
	if f.null(f.body) {
		return nil, nil
	}
	p := f.reader(f.body)
	s, e, complex, err := p.str()
	if err != nil {
		return nil, responseError("body is not a string")
	}
	if !complex && utf8.Valid(p.b[s:e]) {
		return bytes.Clone(p.b[s:e]), nil
	}
	v, err := decodeJSONString(p.b[s-1 : e+1])
	return []byte(v), err
}

func (f *proxyFields) boolean(s span) (bool, error) {
	switch {
	case f.null(s):
		return false, nil
	case string(f.b[s.start:s.end]) == "true":
		return true, nil
	case string(f.b[s.start:s.end]) == "false":
		return false, nil
	}
	return false, responseError("isBase64Encoded is not a boolean")
}

func setDefaultContentType(h http.Header) {
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = []string{"application/json"}
	}
}

// restWantsBinary reports whether a REST API turns a base64 body back
// into bytes: API Gateway looks at the first media type of the client's
// Accept header only, so "*/*" in binaryMediaTypes is how an API says
// "always" (api-gateway-payload-encodings.md).
func restWantsBinary(binaryMediaTypes []string, accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	first = strings.TrimSpace(first)
	for _, p := range binaryMediaTypes {
		if strings.TrimSpace(p) == "*/*" || (first != "" && mediaTypeMatches(first, p)) {
			return true
		}
	}
	return false
}

// decodeBase64Body decodes standard base64, padded or not; line breaks
// (MIME encoders add them) are ignored.
func decodeBase64Body(b []byte) ([]byte, error) {
	// Sized for the unpadded reading, the larger of the two.
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil && bytes.IndexByte(b, '=') < 0 {
		n, err = base64.RawStdEncoding.Decode(out, b)
	}
	if err != nil {
		return nil, responseError("body is not valid base64")
	}
	return out[:n], nil
}

// validResponseHeaderName reports whether k is an HTTP token (RFC 9110
// §5.6.2).
func validResponseHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validResponseHeaderValue refuses what would split or truncate a header
// line.
func validResponseHeaderValue(v string) bool {
	return !strings.ContainsAny(v, "\r\n\x00")
}

// proxyJSON reads a proxy response with encoding/json's grammar (and
// nesting limit) but builds nothing the response does not keep: on the
// hot path, decoding into generic maps cost 75 allocations a response.
type proxyJSON struct {
	b   []byte
	pos int
}

const maxJSONDepth = 10000 // encoding/json's

func (p *proxyJSON) ws() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// eat skips white space and then c, if c is next.
func (p *proxyJSON) eat(c byte) bool {
	p.ws()
	if p.pos < len(p.b) && p.b[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// value validates and passes over one value; depth is how many
// containers are open around it.
func (p *proxyJSON) value(depth int) (start, end int, err error) {
	p.ws()
	start = p.pos
	if p.pos >= len(p.b) {
		return start, p.pos, errSyntax
	}
	switch c := p.b[p.pos]; {
	case c == '{' || c == '[':
		if depth >= maxJSONDepth {
			return start, p.pos, responseError("nested too deeply")
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		p.pos++
		if p.eat(closer) {
			return start, p.pos, nil
		}
		for {
			if c == '{' {
				p.ws()
				if _, _, _, err = p.str(); err != nil {
					return start, p.pos, err
				}
				if !p.eat(':') {
					return start, p.pos, errSyntax
				}
			}
			if _, _, err = p.value(depth + 1); err != nil {
				return start, p.pos, err
			}
			if p.eat(',') {
				continue
			}
			if p.eat(closer) {
				return start, p.pos, nil
			}
			return start, p.pos, errSyntax
		}
	case c == '"':
		_, _, _, err = p.str()
	case c == '-' || c >= '0' && c <= '9':
		err = p.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(p.b[p.pos:], []byte(lit)) {
				p.pos += len(lit)
				return start, p.pos, nil
			}
		}
		err = errSyntax
	}
	return start, p.pos, err
}

// str passes over a string, returning where its contents lie and
// whether they hold escapes or bytes beyond ASCII (to decode them as
// encoding/json does).
func (p *proxyJSON) str() (s, e int, complex bool, err error) {
	if p.pos >= len(p.b) || p.b[p.pos] != '"' {
		return 0, 0, false, errSyntax
	}
	p.pos++
	s = p.pos
	for p.pos < len(p.b) {
		switch c := p.b[p.pos]; {
		case c == '"':
			p.pos++
			return s, p.pos - 1, complex, nil
		case c == '\\':
			complex = true
			if p.pos+1 >= len(p.b) {
				return 0, 0, false, errSyntax
			}
			switch p.b[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				if p.pos+6 > len(p.b) || !isQueryHex(p.b[p.pos+2]) || !isQueryHex(p.b[p.pos+3]) ||
					!isQueryHex(p.b[p.pos+4]) || !isQueryHex(p.b[p.pos+5]) {
					return 0, 0, false, errSyntax
				}
				p.pos += 6
			default:
				return 0, 0, false, errSyntax
			}
		case c < 0x20:
			return 0, 0, false, errSyntax
		default:
			complex = complex || c >= utf8.RuneSelf
			p.pos++
		}
	}
	return 0, 0, false, errSyntax
}

// number passes over a number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (p *proxyJSON) number() error {
	if p.b[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.b) && p.b[p.pos] == '0':
		p.pos++
	case !p.digits():
		return errSyntax
	}
	if p.pos < len(p.b) && p.b[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return errSyntax
		}
	}
	if p.pos < len(p.b) && (p.b[p.pos] == 'e' || p.b[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.b) && (p.b[p.pos] == '+' || p.b[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return errSyntax
		}
	}
	return nil
}

func (p *proxyJSON) digits() bool {
	start := p.pos
	for p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// stringValue reads a string value into a new string.
func (p *proxyJSON) stringValue() (string, error) {
	p.ws()
	s, e, complex, err := p.str()
	if err != nil {
		return "", responseError("a value is not a string")
	}
	if !complex || (bytes.IndexByte(p.b[s:e], '\\') < 0 && utf8.Valid(p.b[s:e])) {
		return string(p.b[s:e]), nil
	}
	return decodeJSONString(p.b[s-1 : e+1])
}

// headerValue reads one header value: a string, or a boolean as
// "true"/"false"; with lenient also a number as written, or null to
// skip.
func (p *proxyJSON) headerValue(name string, lenient bool) (v string, skip bool, err error) {
	p.ws()
	switch c := p.b[p.pos]; {
	case c == '"':
		if v, err = p.stringValue(); err != nil {
			return "", false, err
		}
	case c == 't' || c == 'f', lenient && (c == '-' || c >= '0' && c <= '9'):
		s, e, _ := p.value(1) // the scan validated it
		v = string(p.b[s:e])
	case lenient && c == 'n':
		p.value(1)
		return "", true, nil
	default:
		return "", false, responseError(fmt.Sprintf("header %q has a value that is not a string", name))
	}
	if !validResponseHeaderValue(v) {
		return "", false, responseError(fmt.Sprintf("invalid header %q", name))
	}
	return v, false, nil
}

// headerName reads an object key that must be a header name, and the
// colon after it.
func (p *proxyJSON) headerName() (string, error) {
	k, err := p.stringValue()
	if err != nil {
		return "", err
	}
	if !validResponseHeaderName(k) {
		return "", responseError(fmt.Sprintf("invalid header %q", k))
	}
	if !p.eat(':') {
		return "", errSyntax
	}
	return k, nil
}

// decodeJSONString decodes a quoted string with escapes or non-ASCII
// bytes: encoding/json's rules (surrogate pairs, U+FFFD for invalid
// UTF-8) are the ones function authors' tools follow.
func decodeJSONString(quoted []byte) (string, error) {
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return "", errSyntax
	}
	return s, nil
}
