package awsproto

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrUnknownAccessKey is what a KeyLookup returns for an access key id it
// does not know. Verify turns it into ErrUnrecognizedClient on the wire.
var ErrUnknownAccessKey = errors.New("awsproto: unknown access key id")

// KeyLookup returns the secret for an access key id, or ErrUnknownAccessKey
// if none. Any other error is treated as an internal failure; a *Error is
// passed to the client as is.
type KeyLookup func(ctx context.Context, accessKeyID string) (secret string, err error)

// Verifier checks AWS Signature Version 4 signatures, in the Authorization
// header or in presigned-URL query parameters. It is safe for concurrent
// use and must not be copied after first use (it holds a signing-key cache).
type Verifier struct {
	Lookup KeyLookup
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may be from Now; 0 means 15 minutes,
	// as AWS.
	MaxSkew time.Duration

	keys signingKeyCache
}

// Credential is what a verified request was signed with.
type Credential struct {
	AccessKeyID string
	Date        string // yyyymmdd, from the credential scope
	Region      string
	Service     string
}

const (
	defaultMaxSkew = 15 * time.Minute
	// maxPresignExpires is AWS's limit on X-Amz-Expires: one week.
	maxPresignExpires = 7 * 24 * 60 * 60

	hdrAuthorization = "Authorization"
	hdrAmzDate       = "X-Amz-Date"
	hdrDate          = "Date"
	hdrContentSHA256 = "X-Amz-Content-Sha256"

	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qExpires       = "X-Amz-Expires"
)

// sigRequest is what Verify extracts from a request before checking it.
type sigRequest struct {
	presigned     bool
	authorization string // the header, for messages
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	amzDate       string // ISO 8601 basic, as signed
	expires       string // presigned only; "" if absent
	hasAlgorithm  bool
	hasCred       bool
	hasSigned     bool
	hasSig        bool
}

// Verify checks r's SigV4 signature. body is the full request body,
// already read by the caller (nil for none). On failure it returns a
// *Error (wrapped with the detailed cause, for logs); a failing Lookup
// other than ErrUnknownAccessKey is returned as an internal error.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Credential, error) {
	if r == nil || r.URL == nil {
		return Credential{}, ErrMissingAuthenticationToken.Wrap(errors.New("sigv4: nil request"))
	}
	var qbuf [8]queryPair
	pairs, qerr := parseQuery(r.URL.RawQuery, qbuf[:0])

	var sr sigRequest
	authz := r.Header.Get(hdrAuthorization)
	presigned := qerr == nil && sr.fromQuery(pairs)
	switch {
	case authz == "" && !presigned:
		if qerr != nil && strings.Contains(r.URL.RawQuery, "X-Amz-") {
			return Credential{}, authError(ErrIncompleteSignature, "AWS query-string parameters could not be decoded. Re-examine the query-string parameters.", fmt.Errorf("sigv4: %w", qerr))
		}
		if qerr == nil && isSigV2Query(pairs) {
			return Credential{}, authError(ErrIncompleteSignature,
				"Signature Version 2 query authentication is not supported; presign with AWS4-HMAC-SHA256 (signature_version s3v4).",
				errors.New("sigv4: SigV2 presigned URL (AWSAccessKeyId/Signature/Expires)"))
		}
		return Credential{}, ErrMissingAuthenticationToken.Wrap(errors.New("sigv4: no Authorization header and no X-Amz-* query parameters"))
	case authz != "" && presigned:
		return Credential{}, authError(ErrIncompleteSignature, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.", errors.New("sigv4: both an Authorization header and presigned query parameters"))
	case authz != "":
		sr = sigRequest{} // a stray X-Amz-Date query parameter must not count
		if err := sr.fromHeader(authz, r.Header); err != nil {
			return Credential{}, err
		}
	default:
		if err := sr.checkQuery(); err != nil {
			return Credential{}, err
		}
	}

	// Date format, then its age.
	t, err := parseAmzDate(sr.amzDate)
	if err != nil {
		return Credential{}, authError(ErrIncompleteSignature,
			"Date must be in ISO-8601 'basic format'. Got '"+sr.amzDate+"'. See http://en.wikipedia.org/wiki/ISO_8601", err)
	}
	if err := v.checkTime(&sr, t); err != nil {
		return Credential{}, err
	}

	if !signsHost(sr.signedHeaders) {
		return Credential{}, authError(ErrInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
			errors.New("sigv4: host is not among SignedHeaders "+strconv.Quote(sr.signedHeaders)))
	}

	cred, err := parseCredential(sr.credential, sr.amzDate)
	if err != nil {
		return Credential{}, err
	}

	sig, ok := decodeHex32(sr.signature)
	if !ok {
		return Credential{}, ErrInvalidSignature.Wrap(errors.New("sigv4: signature is not 64 hex digits"))
	}

	if cred.AccessKeyID == "" {
		return Credential{}, ErrUnrecognizedClient.Wrap(errors.New("sigv4: empty access key id"))
	}
	if v.Lookup == nil {
		return Credential{}, errors.New("sigv4: Verifier has no Lookup")
	}
	secret, err := v.Lookup(ctx, cred.AccessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return Credential{}, ErrUnrecognizedClient.Wrap(fmt.Errorf("sigv4: access key id %q: %w", cred.AccessKeyID, err))
		}
		if _, ok := AsError(err); ok {
			return Credential{}, err
		}
		return Credential{}, fmt.Errorf("sigv4: looking up access key id %q: %w", cred.AccessKeyID, err)
	}

	if qerr != nil {
		return Credential{}, ErrInvalidSignature.Wrap(fmt.Errorf("sigv4: %w", qerr))
	}

	var payloadBuf [2 * sha256.Size]byte
	payload, err := requestPayloadHash(r, body, sr.presigned, cred.Service, &payloadBuf)
	if err != nil {
		return Credential{}, err
	}

	key := v.keys.get(secret, cred.Date, cred.Region, cred.Service)

	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	path, alt, encode := canonicalPaths(requestWirePath(r), cred.Service)
	skip := ""
	if sr.presigned {
		skip = qSignature
	}

	bp := getBuf()
	defer putBuf(bp)
	cr, tail := appendCanonicalRequest((*bp)[:0], r, method, path, encode, pairs, skip, sr.signedHeaders, payload)
	*bp = cr
	mac := signatureOf(&key, sr.amzDate, cred.Date, cred.Region, cred.Service, cr)
	if hmac.Equal(mac[:], sig[:]) {
		return cred, nil
	}
	if alt != "" {
		// The same canonical request with the un-normalised path, as
		// aws-sdk-go-v2 signs it.
		ap := getBuf()
		defer putBuf(ap)
		a := append((*ap)[:0], method...)
		a = append(a, '\n')
		a = appendCanonicalPath(a, alt, encode)
		a = append(a, cr[tail:]...)
		*ap = a
		mac = signatureOf(&key, sr.amzDate, cred.Date, cred.Region, cred.Service, a)
		if hmac.Equal(mac[:], sig[:]) {
			return cred, nil
		}
	}
	return Credential{}, ErrInvalidSignature.Wrap(signatureMismatch(sr.amzDate, cred, cr))
}

// fromQuery fills sr from presigned-URL parameters and reports whether
// there are any.
func (sr *sigRequest) fromQuery(pairs []queryPair) bool {
	for _, p := range pairs {
		switch queryUnescape(p.key) {
		case qAlgorithm:
			sr.algorithm, sr.hasAlgorithm = queryUnescape(p.value), true
		case qCredential:
			sr.credential, sr.hasCred = queryUnescape(p.value), true
		case qSignedHeaders:
			sr.signedHeaders, sr.hasSigned = queryUnescape(p.value), true
		case qSignature:
			sr.signature, sr.hasSig = queryUnescape(p.value), true
		case qDate:
			sr.amzDate = queryUnescape(p.value)
		case qExpires:
			sr.expires = queryUnescape(p.value)
		}
	}
	sr.presigned = sr.hasAlgorithm || sr.hasCred || sr.hasSig
	return sr.presigned
}

// isSigV2Query reports a Signature Version 2 presigned URL.
func isSigV2Query(pairs []queryPair) bool {
	var key, sig bool
	for _, p := range pairs {
		k := queryUnescape(p.key)
		key = key || k == "AWSAccessKeyId"
		sig = sig || k == "Signature"
	}
	return key && sig
}

// checkQuery checks that a presigned URL has every parameter it needs.
func (sr *sigRequest) checkQuery() error {
	var msg strings.Builder
	for _, p := range [...]struct {
		name string
		ok   bool
	}{
		{qAlgorithm, sr.hasAlgorithm},
		{qCredential, sr.hasCred},
		{qSignature, sr.hasSig},
		{qSignedHeaders, sr.hasSigned},
		{qDate, sr.amzDate != ""},
	} {
		if !p.ok {
			msg.WriteString("AWS query-string parameters must include '" + p.name + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return authError(ErrIncompleteSignature, msg.String(), errors.New("sigv4: presigned URL is missing parameters"))
	}
	if sr.algorithm != sigV4Algorithm {
		return authError(ErrIncompleteSignature, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
			errors.New("sigv4: unsupported X-Amz-Algorithm "+strconv.Quote(sr.algorithm)))
	}
	return nil
}

// fromHeader fills sr from an Authorization header value:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>
func (sr *sigRequest) fromHeader(authz string, h http.Header) error {
	sr.authorization = authz
	alg, rest, _ := strings.Cut(strings.TrimLeft(authz, " "), " ")
	if alg != sigV4Algorithm {
		return authError(ErrIncompleteSignature, "Unsupported AWS 'algorithm': '"+alg+"' (only AWS4-HMAC-SHA256 for now). ",
			errors.New("sigv4: Authorization does not start with \"AWS4-HMAC-SHA256 \""))
	}
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.Trim(part, " ")
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return authError(ErrIncompleteSignature,
				"'"+part+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+authz+"'.",
				errors.New("sigv4: malformed Authorization parameter"))
		}
		switch k {
		case "Credential":
			if !sr.hasCred {
				sr.credential, sr.hasCred = val, val != ""
			}
		case "SignedHeaders":
			if !sr.hasSigned {
				sr.signedHeaders, sr.hasSigned = val, val != ""
			}
		case "Signature":
			if !sr.hasSig {
				sr.signature, sr.hasSig = val, val != ""
			}
		}
	}
	if d := h[hdrAmzDate]; len(d) > 0 {
		sr.amzDate = d[0]
	} else if d := h[hdrDate]; len(d) > 0 && d[0] != "" {
		t, err := parseHTTPDate(d[0])
		if err != nil {
			return authError(ErrIncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '"+d[0]+"'. See http://en.wikipedia.org/wiki/ISO_8601", err)
		}
		sr.amzDate = t.UTC().Format(amzDateFormat)
	}

	var msg strings.Builder
	if !sr.hasCred {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if !sr.hasSig {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !sr.hasSigned {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if sr.amzDate == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + authz)
		return authError(ErrIncompleteSignature, msg.String(), errors.New("sigv4: incomplete Authorization header"))
	}
	return nil
}

// checkTime enforces the clock: header-signed requests must be within
// MaxSkew of now; presigned URLs must not be past X-Amz-Date+X-Amz-Expires
// (or MaxSkew old without X-Amz-Expires), nor more than MaxSkew in the
// future.
func (v *Verifier) checkTime(sr *sigRequest, t time.Time) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	n := now().UTC().Truncate(time.Second)
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	if t.After(n.Add(skew)) {
		return authError(ErrInvalidSignature, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			sr.amzDate, n.Add(skew).Format(amzDateFormat), n.Format(amzDateFormat), skewString(skew)),
			errors.New("sigv4: request date is in the future"))
	}
	if sr.presigned && sr.expires != "" {
		exp, err := strconv.ParseInt(sr.expires, 10, 64)
		switch {
		case err != nil && strings.HasPrefix(sr.expires, "-"):
			return authError(ErrIncompleteSignature, "X-Amz-Expires must be non-negative", err)
		case err != nil:
			return authError(ErrIncompleteSignature, "X-Amz-Expires should be a number", err)
		case exp < 0:
			return authError(ErrIncompleteSignature, "X-Amz-Expires must be non-negative", errors.New("sigv4: negative X-Amz-Expires"))
		case exp > maxPresignExpires:
			return authError(ErrIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800",
				errors.New("sigv4: X-Amz-Expires too large"))
		}
		if limit := n.Add(-time.Duration(exp) * time.Second); t.Before(limit) {
			return authError(ErrInvalidSignature, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)",
				sr.amzDate, limit.Format(amzDateFormat), n.Format(amzDateFormat), exp),
				errors.New("sigv4: presigned URL expired"))
		}
		return nil
	}
	if limit := n.Add(-skew); t.Before(limit) {
		return authError(ErrInvalidSignature, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			sr.amzDate, limit.Format(amzDateFormat), n.Format(amzDateFormat), skewString(skew)),
			errors.New("sigv4: request date is too old"))
	}
	return nil
}

// skewString renders a skew the way AWS does ("15 min.").
func skewString(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}

// parseAmzDate parses exactly yyyymmddThhmmssZ.
func parseAmzDate(s string) (time.Time, error) {
	if len(s) != len(amzDateFormat) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, errors.New("sigv4: date is not yyyymmddThhmmssZ")
	}
	for i := 0; i < 15; i++ {
		if i != 8 && (s[i] < '0' || s[i] > '9') {
			return time.Time{}, errors.New("sigv4: date is not yyyymmddThhmmssZ")
		}
	}
	t, err := time.Parse(amzDateFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sigv4: %w", err)
	}
	return t, nil
}

// parseHTTPDate parses a Date header: the HTTP formats, and RFC 1123 with
// a numeric zone as botocore's formatdate writes it.
func parseHTTPDate(s string) (time.Time, error) {
	if t, err := http.ParseTime(s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sigv4: Date header: %w", err)
	}
	return t, nil
}

// signsHost reports whether host (or :authority) is a signed header.
func signsHost(signed string) bool {
	for signed != "" {
		var name string
		name, signed, _ = strings.Cut(signed, ";")
		if strings.EqualFold(name, "host") || name == ":authority" {
			return true
		}
	}
	return false
}

// parseCredential checks <key>/<yyyymmdd>/<region>/<service>/aws4_request
// against the request date.
func parseCredential(s, amzDate string) (Credential, error) {
	trimmed := strings.TrimRight(s, "/")
	var parts [5]string
	n := 0
	for rest := trimmed; ; {
		if n == len(parts) {
			n++ // too many
			break
		}
		var ok bool
		parts[n], rest, ok = strings.Cut(rest, "/")
		n++
		if !ok {
			break
		}
	}
	if n != len(parts) {
		return Credential{}, authError(ErrIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+s+"'",
			errors.New("sigv4: malformed credential scope"))
	}
	c := Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	var msg strings.Builder
	if !validScopeName(c.Region) {
		msg.WriteString("Credential should be scoped to a valid region, not '" + c.Region + "'. ")
	}
	if !validScopeName(c.Service) {
		msg.WriteString("Credential should be scoped to a valid service, not '" + c.Service + "'. ")
	}
	if parts[4] != sigV4Terminator {
		msg.WriteString("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'. ")
	}
	if len(amzDate) < 8 || c.Date != amzDate[:8] {
		msg.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			c.Date + "' != '" + amzDate[:min(8, len(amzDate))] + "', from '" + amzDate + "'.")
	}
	if msg.Len() > 0 {
		return Credential{}, authError(ErrInvalidSignature, strings.TrimSuffix(msg.String(), " "),
			errors.New("sigv4: invalid credential scope "+strconv.Quote(s)))
	}
	return c, nil
}

// validScopeName accepts the characters of AWS region and service names.
func validScopeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// requestPayloadHash returns the payload line of the canonical request,
// rendered into buf: the X-Amz-Content-Sha256 header when present (checked
// against body), else the hash of body, or UNSIGNED-PAYLOAD for S3
// presigned URLs.
func requestPayloadHash(r *http.Request, body []byte, presigned bool, service string, buf *[2 * sha256.Size]byte) ([]byte, error) {
	var claimed string
	if v := r.Header[hdrContentSHA256]; len(v) > 0 {
		claimed = v[0]
	}
	switch {
	case claimed == "":
		if presigned && isS3Service(service) {
			return buf[:copy(buf[:], unsignedPayload)], nil
		}
		sum := sha256.Sum256(body)
		hex.Encode(buf[:], sum[:])
		return buf[:], nil
	case claimed == unsignedPayload:
		if presigned || isS3Service(service) {
			return buf[:copy(buf[:], unsignedPayload)], nil
		}
		return nil, ErrInvalidSignature.Wrap(errors.New("sigv4: UNSIGNED-PAYLOAD is only accepted for S3 and presigned URLs"))
	case strings.HasPrefix(claimed, "STREAMING-"):
		return nil, ErrInvalidSignature.Wrap(errors.New("sigv4: streaming payload signing (" + claimed + ") is not supported"))
	}
	want, ok := decodeHex32(claimed)
	if !ok {
		return nil, authError(ErrInvalidSignature, "The provided 'x-amz-content-sha256' header must be a valid SHA256.",
			errors.New("sigv4: X-Amz-Content-Sha256 is not 64 hex digits"))
	}
	if sha256.Sum256(body) != want {
		return nil, authError(ErrInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.",
			errors.New("sigv4: body does not match X-Amz-Content-Sha256"))
	}
	return buf[:copy(buf[:], claimed)], nil
}

// requestWirePath is the path the client sent, percent-encoded as it was
// on the wire: from r.RequestURI on a server request (so a handler that
// rewrote r.URL does not change what is verified), else from r.URL.
func requestWirePath(r *http.Request) string {
	if r.URL.Opaque == "" && r.RequestURI != "" {
		p := r.RequestURI
		if p[0] != '/' {
			// absolute-form: scheme://authority/path
			if i := strings.Index(p, "://"); i >= 0 {
				p = p[i+3:]
				if j := strings.IndexAny(p, "/?"); j >= 0 && p[j] == '/' {
					p = p[j:]
				} else {
					p = "/"
				}
			} else {
				p = ""
			}
		}
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p != "" && p[0] == '/' {
			return p
		}
	}
	return wirePath(r.URL)
}

// signatureMismatch is the cause logged for a bad signature: what the
// server signed, so a client-side canonicalisation bug can be diagnosed.
// The session token, if signed, is redacted.
func signatureMismatch(amzDate string, c Credential, cr []byte) error {
	creq := string(cr)
	if i := strings.Index(creq, "\nx-amz-security-token:"); i >= 0 {
		end := strings.IndexByte(creq[i+1:], '\n')
		if end >= 0 {
			creq = creq[:i] + "\nx-amz-security-token:<redacted>" + creq[i+1+end:]
		}
	}
	return fmt.Errorf("sigv4: signature mismatch for access key id %q; canonical request:\n%s\nstring to sign:\n%s",
		c.AccessKeyID, creq, stringToSign(amzDate, c.Date, c.Region, c.Service, cr))
}

// authError is base with a more precise message, wrapping cause.
func authError(base *Error, msg string, cause error) *Error {
	e := *base
	e.Message = msg
	return e.Wrap(cause)
}

// signingKeyCache holds derived signing keys (4 HMACs each) per
// (secret, date, region, service). It is bounded: when full an arbitrary
// entry is evicted.
type signingKeyCache struct {
	mu sync.RWMutex
	m  map[signingKeyID][sha256.Size]byte
}

type signingKeyID struct{ secret, date, region, service string }

const signingKeyCacheSize = 512

func (c *signingKeyCache) get(secret, date, region, service string) [sha256.Size]byte {
	id := signingKeyID{secret, date, region, service}
	c.mu.RLock()
	k, ok := c.m[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	// Clone: the scope strings point into the request's header.
	id = signingKeyID{strings.Clone(secret), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[signingKeyID][sha256.Size]byte)
	}
	if len(c.m) >= signingKeyCacheSize {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}
