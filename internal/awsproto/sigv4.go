package awsproto

// AWS Signature Version 4: the parts both sides of the wire share. The
// verifier (sigv4_verify.go) and the signer (sigv4_sign.go) build the
// canonical request, the string to sign and the signing key only here, so
// the two cannot drift apart.
//
// Canonical URI. Every AWS SDK signs the path exactly as it puts it on the
// wire, which is already percent-encoded once, and then (for every service
// but S3) URI-encodes it a second time:
//
//   - botocore (aws CLI v1, boto3): SigV4Auth._normalize_url_path is
//     quote(remove_dot_segments(urlsplit(url).path), safe='/~'): the wire
//     path, with "." / ".." segments and empty segments ("//") removed,
//     then every byte outside A-Z a-z 0-9 - _ . ~ / encoded again, so
//     "%3A" becomes "%253A". S3SigV4Auth returns the wire path unchanged.
//   - aws-sdk-go-v2 (aws/signer/v4): httpbinding.EscapePath(
//     GetURIPath(u), false) where GetURIPath is u.EscapedPath() (or the
//     path part of u.Opaque): the same second encoding, but no dot-segment
//     or "//" normalisation. S3 sets DisableURIPathEscaping and signs
//     EscapedPath() as is.
//
// A Lambda ARN in a path therefore goes on the wire as
// /2015-03-31/functions/arn%3Aaws%3Alambda%3A...%3Afunction%3Afoo/invocations
// and is signed by both SDKs as
// /2015-03-31/functions/arn%253Aaws%253Alambda%253A...%253Afunction%253Afoo/invocations.
// The server recomputes that from the path exactly as it arrived. The two
// SDKs only disagree for paths that contain "//", "/./" or "/../", so the
// verifier tries the normalised form (botocore, the SigV4 spec) and, only
// when normalising changed something, the raw form (aws-sdk-go-v2) too.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

const (
	sigV4Algorithm  = "AWS4-HMAC-SHA256"
	sigV4Terminator = "aws4_request"
	// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
	amzDateFormat = "20060102T150405Z"

	// emptySHA256 is the hex SHA-256 of an empty payload.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// unsignedPayload replaces the payload hash where the body is not signed
	// (S3, presigned URLs).
	unsignedPayload = "UNSIGNED-PAYLOAD"
)

// isS3Service reports whether service uses S3's flavour of SigV4: the
// canonical URI is the wire path as is (no second encoding, no
// normalisation) and unsigned payloads are allowed.
func isS3Service(service string) bool {
	return service == "s3" || service == "s3-object-lambda"
}

// deriveSigningKey is the SigV4 key chain:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveSigningKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSum([]byte("AWS4"+secret), []byte(date))
	k = hmacSum(k[:], []byte(region))
	k = hmacSum(k[:], []byte(service))
	return hmacSum(k[:], []byte(sigV4Terminator))
}

// hmacSum is HMAC-SHA256(key, msg) (RFC 2104) computed with sha256.Sum256
// over stack buffers, so that it does not allocate for the short messages
// SigV4 signs (crypto/hmac allocates three objects per call).
func hmacSum(key, msg []byte) [sha256.Size]byte {
	const blockSize = 64
	var k [blockSize]byte
	if len(key) > blockSize {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var buf [blockSize + 384]byte
	in := buf[:0]
	if blockSize+len(msg) > len(buf) {
		in = make([]byte, 0, blockSize+len(msg))
	}
	for _, c := range k {
		in = append(in, c^0x36)
	}
	in = append(in, msg...)
	inner := sha256.Sum256(in)
	var out [blockSize + sha256.Size]byte
	for i, c := range k {
		out[i] = c ^ 0x5c
	}
	copy(out[blockSize:], inner[:])
	return sha256.Sum256(out[:])
}

// signatureOf returns the raw HMAC-SHA256 signature of the string to sign
// for canonicalRequest:
//
//	AWS4-HMAC-SHA256\n<amzDate>\n<date>/<region>/<service>/aws4_request\n<hex sha256(canonicalRequest)>
func signatureOf(key *[sha256.Size]byte, amzDate, date, region, service string, canonicalRequest []byte) [sha256.Size]byte {
	crHash := sha256.Sum256(canonicalRequest)
	var sts [256]byte
	b := appendStringToSign(sts[:0], amzDate, date, region, service, &crHash)
	return hmacSum(key[:], b)
}

func appendStringToSign(b []byte, amzDate, date, region, service string, crHash *[sha256.Size]byte) []byte {
	b = append(b, sigV4Algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = appendScope(b, date, region, service)
	b = append(b, '\n')
	return hex.AppendEncode(b, crHash[:])
}

func appendScope(b []byte, date, region, service string) []byte {
	b = append(b, date...)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, service...)
	b = append(b, '/')
	return append(b, sigV4Terminator...)
}

// stringToSign is appendStringToSign as a string, for error causes and tests.
func stringToSign(amzDate, date, region, service string, canonicalRequest []byte) string {
	crHash := sha256.Sum256(canonicalRequest)
	return string(appendStringToSign(nil, amzDate, date, region, service, &crHash))
}

// bufPool recycles canonical-request buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // do not keep huge buffers alive
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// unreserved marks RFC 3986 unreserved bytes: A-Z a-z 0-9 - . _ ~.
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'], t['_'], t['~'] = true, true, true, true
	return t
}()

const upperHex = "0123456789ABCDEF"

// appendURIEncode appends s with every byte outside the unreserved set
// percent-encoded with upper-case hex (and '/' kept when keepSlash).
func appendURIEncode(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] || (keepSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

// uriEncode is appendURIEncode returning s itself when nothing needs
// encoding (the common case, and allocation free).
func uriEncode(s string, keepSlash bool) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !unreserved[c] && !(keepSlash && c == '/') {
			b := make([]byte, 0, len(s)+16)
			b = append(b, s[:i]...)
			return string(appendURIEncode(b, s[i:], keepSlash))
		}
	}
	return s
}

// normalizePath removes "." and ".." segments and empty segments the way
// botocore's remove_dot_segments does (which is what AWS expects): the
// leading slash is kept, a trailing slash is kept if anything is left, and
// "" becomes "/". It returns path itself when nothing changes.
func normalizePath(path string) string {
	if path == "" {
		return "/"
	}
	if !needsNormalizing(path) {
		return path
	}
	segs := make([]string, 0, 8)
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	var b strings.Builder
	b.Grow(len(path))
	if path[0] == '/' {
		b.WriteByte('/')
	}
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s)
	}
	if path[len(path)-1] == '/' && len(segs) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// needsNormalizing reports whether normalizePath would change path: an
// empty segment anywhere but at the very start or end, a "." or ".."
// segment, or a path that does not start with '/'.
func needsNormalizing(path string) bool {
	if path[0] != '/' {
		return true
	}
	start := 1
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		seg := path[start:i]
		switch {
		case seg == "." || seg == "..":
			return true
		case seg == "" && i < len(path):
			return true // "//" inside the path
		}
		start = i + 1
	}
	// "/" alone is fine; "/a/" keeps its slash.
	return false
}

// canonicalPaths returns what goes in the canonical URI for wirePath (the
// path exactly as sent, still percent-encoded) and service, before the
// second URI-encoding that encode asks for: for S3 the wire path as is;
// otherwise the normalised path and, only when normalising changed
// something, the raw path aws-sdk-go-v2 signs as alt.
func canonicalPaths(wirePath, service string) (primary, alt string, encode bool) {
	if wirePath == "" {
		wirePath = "/"
	}
	if isS3Service(service) {
		return wirePath, "", false
	}
	primary = normalizePath(wirePath)
	if primary != wirePath {
		alt = wirePath
	}
	return primary, alt, true
}

// canonicalURIs is canonicalPaths, encoded.
func canonicalURIs(wirePath, service string) (primary, alt string) {
	primary, alt, encode := canonicalPaths(wirePath, service)
	if encode {
		primary = uriEncode(primary, true)
		if alt != "" {
			alt = uriEncode(alt, true)
		}
	}
	return primary, alt
}

func appendCanonicalPath(b []byte, path string, encode bool) []byte {
	if encode {
		return appendURIEncode(b, path, true)
	}
	return append(b, path...)
}

// queryPair is one query parameter as sent: still percent-encoded, but
// known to decode (parseQuery checked every escape).
type queryPair struct{ key, value string }

var errBadQueryEscape = errors.New("malformed percent-encoding in query string")

// parseQuery splits a raw query string into pairs the way AWS reads it:
// pairs split on '&', key and value on the first '=', empty pairs
// skipped. Unlike url.ParseQuery it keeps ';' as data and keeps the order.
// It fails on a malformed escape.
func parseQuery(raw string, dst []queryPair) ([]queryPair, error) {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if !validEscapes(k) || !validEscapes(v) {
			return dst, errBadQueryEscape
		}
		dst = append(dst, queryPair{k, v})
	}
	return dst, nil
}

func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// queryUnescape decodes %XX and '+' (a space) in s, which parseQuery
// validated; it returns s itself when there is nothing to decode.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// canonicalQueryComponent is the canonical (decoded, then RFC 3986
// encoded) form of a raw query key or value. When the raw form already is
// canonical (the common case, and what SDKs send) it is returned as is.
func canonicalQueryComponent(raw string) string {
	if isCanonicalEncoded(raw) {
		return raw
	}
	return uriEncode(queryUnescape(raw), false)
}

// isCanonicalEncoded reports whether s consists of unreserved bytes and
// upper-case %XX escapes of bytes that are not unreserved.
func isCanonicalEncoded(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			continue
		}
		if c != '%' || i+2 >= len(s) || !isUpperHex(s[i+1]) || !isUpperHex(s[i+2]) || unreserved[unhex(s[i+1])<<4|unhex(s[i+2])] {
			return false
		}
		i += 2
	}
	return true
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// appendCanonicalQuery appends the canonical query string of pairs: every
// key and value decoded and URI-encoded (RFC 3986, "%20" for a space),
// sorted by encoded key then encoded value, joined with '&'. A pair whose
// key is skipKey (X-Amz-Signature for presigned URLs) is left out. pairs is
// overwritten with the encoded forms.
func appendCanonicalQuery(b []byte, pairs []queryPair, skipKey string) []byte {
	if len(pairs) == 0 {
		return b
	}
	enc := pairs[:0]
	for _, p := range pairs {
		k := canonicalQueryComponent(p.key)
		if skipKey != "" && k == skipKey {
			continue
		}
		enc = append(enc, queryPair{k, canonicalQueryComponent(p.value)})
	}
	if len(enc) > 1 {
		slices.SortFunc(enc, func(a, b queryPair) int {
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
			return strings.Compare(a.value, b.value)
		})
	}
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

// appendHeaderValue appends v trimmed of surrounding spaces and tabs with
// inner runs of spaces collapsed to one ("Trimall" in the SigV4 spec, as
// aws-sdk-go-v2's StripExcessSpaces does it).
func appendHeaderValue(b []byte, v string) []byte {
	i, j := 0, len(v)
	for i < j && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	for j > i && (v[j-1] == ' ' || v[j-1] == '\t') {
		j--
	}
	v = v[i:j]
	if !strings.Contains(v, "  ") {
		return append(b, v...)
	}
	space := false
	for k := 0; k < len(v); k++ {
		c := v[k]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// appendHeaderValues appends the canonical form of a header's values:
// each trimmed, joined by ','.
func appendHeaderValues(b []byte, vals []string) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendHeaderValue(b, v)
	}
	return b
}

// payloadHash returns the lower-case hex SHA-256 of body.
func payloadHash(body []byte) string {
	if len(body) == 0 {
		return emptySHA256
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// appendCanonicalHeaders appends one "name:value\n" line per name in
// signed (the ';'-separated SignedHeaders list, in its order) with values
// taken from r. host (and HTTP/2's :authority) come from r.Host, falling
// back to r.URL.Host; Content-Length and Transfer-Encoding, which net/http
// moves out of r.Header, come from r.ContentLength and r.TransferEncoding
// when the header itself is absent.
func appendCanonicalHeaders(b []byte, r *http.Request, signed string) []byte {
	for signed != "" {
		var name string
		name, signed, _ = strings.Cut(signed, ";")
		b = append(b, name...)
		b = append(b, ':')
		b = appendRequestHeader(b, r, name)
		b = append(b, '\n')
	}
	return b
}

func appendRequestHeader(b []byte, r *http.Request, name string) []byte {
	switch name {
	case "host", ":authority":
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return appendHeaderValue(b, host)
	}
	if vals := headerValues(r.Header, name); len(vals) > 0 {
		return appendHeaderValues(b, vals)
	}
	switch name {
	case "content-length":
		if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Body != nil && r.Body != http.NoBody) {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	case "transfer-encoding":
		return appendHeaderValues(b, r.TransferEncoding)
	}
	return b
}

// commonHeaderKeys maps the lower-case names SDKs sign to their canonical
// MIME form, sparing an allocation per header on the hot path.
var commonHeaderKeys = map[string]string{
	"x-amz-date":            "X-Amz-Date",
	"x-amz-security-token":  "X-Amz-Security-Token",
	"x-amz-content-sha256":  "X-Amz-Content-Sha256",
	"x-amz-target":          "X-Amz-Target",
	"x-amz-user-agent":      "X-Amz-User-Agent",
	"x-amz-invocation-type": "X-Amz-Invocation-Type",
	"x-amz-log-type":        "X-Amz-Log-Type",
	"x-amz-client-context":  "X-Amz-Client-Context",
	"content-type":          "Content-Type",
	"content-length":        "Content-Length",
	"content-md5":           "Content-Md5",
	"content-encoding":      "Content-Encoding",
	"amz-sdk-invocation-id": "Amz-Sdk-Invocation-Id",
	"amz-sdk-request":       "Amz-Sdk-Request",
	"date":                  "Date",
	"accept":                "Accept",
	"accept-encoding":       "Accept-Encoding",
}

// headerValues returns h's values for the lower-case header name.
func headerValues(h http.Header, name string) []string {
	key, ok := commonHeaderKeys[name]
	if !ok {
		key = textproto.CanonicalMIMEHeaderKey(name)
	}
	if v, ok := h[key]; ok {
		return v
	}
	// A key set directly in the map, not in canonical form.
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendCanonicalRequest appends the canonical request of r:
//
//	Method\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\n\nSignedHeaders\nPayloadHash
//
// path is URI-encoded into the canonical URI when encodePath (see
// canonicalPaths); pairs is the raw query (overwritten; skipKey left out),
// signedHeaders the ';'-separated header list and payload the payload hash
// line. tail is the offset just past the canonical URI, so that the request
// can be rebuilt with another URI.
func appendCanonicalRequest(b []byte, r *http.Request, method, path string, encodePath bool, pairs []queryPair, skipKey, signedHeaders string, payload []byte) (out []byte, tail int) {
	b = append(b, method...)
	b = append(b, '\n')
	b = appendCanonicalPath(b, path, encodePath)
	tail = len(b)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, pairs, skipKey)
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, r, signedHeaders)
	b = append(b, '\n')
	b = append(b, signedHeaders...)
	b = append(b, '\n')
	return append(b, payload...), tail
}

// decodeHex32 decodes exactly 64 hex digits.
func decodeHex32(s string) (out [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return out, false
	}
	for i := range out {
		hi, lo := s[2*i], s[2*i+1]
		if !isHex(hi) || !isHex(lo) {
			return out, false
		}
		out[i] = unhex(hi)<<4 | unhex(lo)
	}
	return out, true
}

// wirePath returns u's path as it is (or was) sent on the wire, still
// percent-encoded: the path part of an opaque URL, else EscapedPath.
func wirePath(u *url.URL) string {
	if u.Opaque != "" {
		opaque := u.Opaque
		if i := strings.IndexByte(opaque, '?'); i >= 0 {
			opaque = opaque[:i]
		}
		opaque = strings.TrimPrefix(opaque, "//")
		if i := strings.IndexByte(opaque, '/'); i >= 0 {
			return opaque[i:]
		}
		return "/"
	}
	if u.RawPath == "" {
		// EscapedPath would re-escape Path; when Path needs no escaping
		// that is Path itself, without the allocation.
		if p := u.Path; p != "" && !needsPathEscape(p) {
			return p
		}
	}
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// needsPathEscape reports whether net/url would escape any byte of p in a
// path: it leaves unreserved bytes, '/' and $ & + , : ; = @ alone.
func needsPathEscape(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if unreserved[c] || c == '/' {
			continue
		}
		switch c {
		case '$', '&', '+', ',', ';', '=', ':', '@':
			continue
		}
		return true
	}
	return false
}
