package gateway

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
)

// maxTokenSize bounds the bearer tokens looked at (Cognito's are 1–4 KB;
// the user pool verifier refuses more than 16 KB too).
const maxTokenSize = 16 << 10

var errMalformedToken = errors.New("token contains an invalid number of segments")

// peekedToken is a JWT's header and claims read without verifying
// anything: only to route it (which pool, which key, which token_use).
// Nothing read here is trusted.
type peekedToken struct {
	alg, kid string
	claims   map[string]any
}

func peekJWT(tok string) (*peekedToken, error) {
	if len(tok) > maxTokenSize {
		return nil, errors.New("token too large")
	}
	// The compact form's alphabet only: encoding/base64 would skip \r and
	// \n and go-jose strips padding, letting one token be spelled many ways.
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return nil, errors.New("token contains characters outside base64url")
		}
	}
	h, rest, ok1 := strings.Cut(tok, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, errMalformedToken
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil || json.Unmarshal(hb, &header) != nil {
		return nil, errors.New("token header is not base64url JSON")
	}
	pb, err := base64.RawURLEncoding.DecodeString(p)
	var claims map[string]any
	if err != nil || json.Unmarshal(pb, &claims) != nil || claims == nil {
		return nil, errors.New("token payload is not a base64url JSON object")
	}
	return &peekedToken{alg: header.Alg, kid: header.Kid, claims: claims}, nil
}

// claimStr is a string claim, "" when absent or not a string.
func claimStr(c map[string]any, name string) string {
	s, _ := c[name].(string)
	return s
}

// claimTime is a NumericDate claim, to the second (claimSeconds); ok is
// false when it is present but not a usable date.
func claimTime(c map[string]any, name string) (t time.Time, present, ok bool) {
	v, present := c[name]
	if !present {
		return time.Time{}, false, true
	}
	sec, ok := claimSeconds(v)
	if !ok || sec < 0 {
		return time.Time{}, true, false
	}
	return time.Unix(sec, 0), true, true
}

// claimList reads a claim that is a string or an array of strings (aud).
func claimList(c map[string]any, name string) (list []string, present bool) {
	switch v := c[name].(type) {
	case string:
		return []string{v}, true
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				list = append(list, s)
			}
		}
		return list, true
	case nil:
		_, present = c[name]
		return nil, present
	}
	return nil, true
}

// tokenScopes are the scopes of an access token: scope (space-separated,
// Cognito and most issuers) or scp (a string or an array, Okta and Azure).
func tokenScopes(c map[string]any) []string {
	if s, ok := c["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch v := c["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// anyIn reports whether one of have is in want.
func anyIn(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// poolIDFromIssuer is the user pool id an issuer URL ends with
// (https://cognito-idp.REGION.amazonaws.com/POOL or gatehouse's
// http://HOST/POOL), "" when its last segment is not shaped like one.
func poolIDFromIssuer(iss string) string {
	i := strings.LastIndexByte(iss, '/')
	if i < 0 {
		return ""
	}
	id := iss[i+1:]
	region, suffix, ok := strings.Cut(id, "_")
	if !ok || region == "" || suffix == "" || len(id) > 55 {
		return ""
	}
	for _, c := range region {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return ""
		}
	}
	for _, c := range suffix {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return id
}

// jwtClaimStrings stringifies claims as an HTTP API's JWT authorizer
// delivers them in authorizer.jwt.claims: scalars as CognitoClaims renders
// them (numbers in plain decimal, so exp stays epoch digits), arrays as
// "[a b c]" with spaces (observed: aws-solutions-library-samples
// guidance-for-claude-code-with-amazon-bedrock #803 parses API Gateway's
// "[id1 id2 id3]" groups), objects as Go's fmt would print a map; null
// claims left out.
func jwtClaimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if v != nil {
			out[k] = string(appendJWTClaim(nil, v))
		}
	}
	return out
}

func appendJWTClaim(dst []byte, v any) []byte {
	if s, ok := scalarString(v); ok {
		return append(dst, s...)
	}
	switch x := v.(type) {
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendJWTClaim(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		dst = append(dst, "map["...)
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, k...)
			dst = append(dst, ':')
			dst = appendJWTClaim(dst, x[k])
		}
		return append(dst, ']')
	case nil:
		return append(dst, "<nil>"...)
	}
	return dst
}
