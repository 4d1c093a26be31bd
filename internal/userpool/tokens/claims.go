package tokens

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// DefaultScope is the one scope of tokens from InitiateAuth and
// AdminInitiateAuth.
const DefaultScope = "aws.cognito.signin.user.admin"

// DefaultValidity is the ID and access token lifetime when none is given.
const DefaultValidity = time.Hour

// Claims is the payload of a verified token, as decoded from JSON (numbers
// are float64, arrays []any). The typed helpers read the Cognito claims and
// also accept the Go types IDClaims and AccessClaims produce.
type Claims map[string]any

func (c Claims) str(name string) string {
	s, _ := c[name].(string)
	return s
}

// Issuer is iss.
func (c Claims) Issuer() string { return c.str("iss") }

// Subject is sub: the user's UUID (for client_credentials tokens, the client ID).
func (c Claims) Subject() string { return c.str("sub") }

// TokenUse is token_use: "id" or "access".
func (c Claims) TokenUse() string { return c.str("token_use") }

// ClientID is the app client the token was issued to: client_id in an
// access token, aud in an ID token.
func (c Claims) ClientID() string {
	if id := c.str("client_id"); id != "" {
		return id
	}
	if aud := c.Audience(); len(aud) == 1 {
		return aud[0]
	}
	return ""
}

// Audience is aud as a list (Cognito ID tokens carry one string; access
// tokens have none).
func (c Claims) Audience() []string { return stringList(c["aud"]) }

// Username is username (access token) or cognito:username (ID token).
func (c Claims) Username() string {
	if u := c.str("username"); u != "" {
		return u
	}
	return c.str("cognito:username")
}

// Groups is cognito:groups.
func (c Claims) Groups() []string { return stringList(c["cognito:groups"]) }

// Scopes is the space-separated scope claim split into a list.
func (c Claims) Scopes() []string {
	if s := c.str("scope"); s != "" {
		return strings.Fields(s)
	}
	return nil
}

// JTI is jti, the token's own ID.
func (c Claims) JTI() string { return c.str("jti") }

// OriginJTI is origin_jti, the ID of the authentication the token descends from.
func (c Claims) OriginJTI() string { return c.str("origin_jti") }

// Expiry is exp (zero if absent).
func (c Claims) Expiry() time.Time { return c.time("exp") }

// IssuedAt is iat (zero if absent).
func (c Claims) IssuedAt() time.Time { return c.time("iat") }

// AuthTime is auth_time, the original authentication (zero if absent).
func (c Claims) AuthTime() time.Time { return c.time("auth_time") }

func (c Claims) time(name string) time.Time {
	n, ok := numericDate(c[name])
	if !ok {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// maxNumericDate is 9999-12-31T23:59:59Z; larger dates are rejected.
const maxNumericDate = 253402300799

// numericDate reads a JWT NumericDate (seconds since the epoch) from any of
// the number types a claim can hold, truncating fractions.
func numericDate(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int64:
		return n, n >= 0 && n <= maxNumericDate
	case int:
		return int64(n), n >= 0 && n <= maxNumericDate
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, i >= 0 && i <= maxNumericDate
		}
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return 0, false
	}
	return int64(f), true
}

// stringList reads a string or a list of strings.
func stringList(v any) []string {
	switch l := v.(type) {
	case string:
		return []string{l}
	case []string:
		return slices.Clone(l)
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// clone deep-copies the JSON structure, so a caller can't change what the
// verifier's cache holds.
func (c Claims) clone() Claims {
	out := maps.Clone(c) // copies the table wholesale: cheaper than inserting
	for k, v := range c {
		switch v.(type) {
		case map[string]any, []any:
			out[k] = cloneJSON(v)
		}
	}
	return out
}

func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cloneJSON(e)
		}
		return l
	}
	return v
}

// IDTokenInput is what the user pool service knows when it issues an ID token.
type IDTokenInput struct {
	Issuer, ClientID, Sub, Username string
	// AuthTime is the original authentication, kept across refreshes
	// (IssuedAt when zero).
	AuthTime, IssuedAt time.Time
	// Validity is the client's IdTokenValidity (DefaultValidity when zero).
	Validity                time.Duration
	JTI, OriginJTI, EventID string
	Groups, Roles           []string
	PreferredRole           string
	// Attributes are the user's readable attributes (already filtered by the
	// client's ReadAttributes), as stored: email_verified and
	// phone_number_verified become booleans, identities (a JSON string)
	// becomes JSON, everything else (custom:* included) stays a string.
	// sub is taken from Sub, never from here.
	Attributes map[string]string
	Nonce      string
	// Extra are pre token generation claimsToAddOrOverride; Suppress are its
	// claimsToSuppress. Neither can touch the claims Cognito protects.
	Extra    map[string]any
	Suppress []string
}

// AccessTokenInput is what the user pool service knows when it issues an
// access token. For a client_credentials (M2M) token leave Sub and Username
// empty: sub becomes the client ID and username is left out.
type AccessTokenInput struct {
	Issuer, ClientID, Sub, Username string
	AuthTime, IssuedAt              time.Time
	Validity                        time.Duration
	JTI, OriginJTI, EventID         string
	Groups                          []string
	// Scopes default to DefaultScope when nil; an empty list leaves the
	// scope claim out (pre token generation suppressed every scope).
	Scopes    []string
	DeviceKey string
	// Extra and Suppress are as in IDTokenInput, for the access token.
	Extra    map[string]any
	Suppress []string
}

// protectedClaim reports the claims that pre token generation cannot
// change (Cognito's documented list) plus those this package derives from
// dedicated inputs. access selects the access token's extra ones.
func protectedClaim(name string, access bool) bool {
	switch name {
	case "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat",
		"identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use",
		"cognito:groups", "cognito:roles", "cognito:preferred_role", "event_id":
		return true
	case "client_id", "scope", "username", "version", "device_key":
		return access
	}
	// Cognito keeps its own namespace: no cognito:* claim can be added,
	// changed or suppressed.
	return strings.HasPrefix(name, "cognito:")
}

// IDClaims builds the claims of a Cognito ID token.
func IDClaims(in IDTokenInput) map[string]any {
	c := make(map[string]any, 16+len(in.Attributes)+len(in.Extra))
	for name, val := range in.Attributes {
		switch name {
		case "email_verified", "phone_number_verified":
			c[name] = strings.EqualFold(val, "true")
		case "identities":
			var ids any
			if json.Unmarshal([]byte(val), &ids) == nil {
				c[name] = ids
			}
		default:
			if !protectedClaim(name, false) {
				c[name] = val
			}
		}
	}
	for name, val := range in.Extra {
		if !protectedClaim(name, false) {
			c[name] = val
		}
	}
	for _, name := range in.Suppress {
		if !protectedClaim(name, false) {
			delete(c, name)
		}
	}
	iat, authTime, exp := times(in.IssuedAt, in.AuthTime, in.Validity)
	c["sub"] = in.Sub
	c["aud"] = in.ClientID
	c["iss"] = in.Issuer
	c["token_use"] = UseID
	c["cognito:username"] = in.Username
	c["auth_time"] = authTime
	c["iat"] = iat
	c["exp"] = exp
	setString(c, "jti", in.JTI)
	setString(c, "origin_jti", in.OriginJTI)
	setString(c, "event_id", in.EventID)
	setList(c, "cognito:groups", in.Groups)
	setList(c, "cognito:roles", in.Roles)
	setString(c, "cognito:preferred_role", in.PreferredRole)
	setString(c, "nonce", in.Nonce)
	return c
}

// AccessClaims builds the claims of a Cognito access token: client_id and
// scope, no aud, and version 2 as real Cognito access tokens carry.
func AccessClaims(in AccessTokenInput) map[string]any {
	c := make(map[string]any, 16+len(in.Extra))
	for name, val := range in.Extra {
		if !protectedClaim(name, true) {
			c[name] = val
		}
	}
	iat, authTime, exp := times(in.IssuedAt, in.AuthTime, in.Validity)
	sub := in.Sub
	if sub == "" && in.Username == "" {
		sub = in.ClientID
	}
	for _, name := range in.Suppress {
		if !protectedClaim(name, true) {
			delete(c, name)
		}
	}
	scopes := in.Scopes
	if scopes == nil {
		scopes = []string{DefaultScope}
	}
	c["sub"] = sub
	c["iss"] = in.Issuer
	c["version"] = 2
	c["client_id"] = in.ClientID
	c["token_use"] = UseAccess
	if len(scopes) > 0 {
		c["scope"] = strings.Join(scopes, " ")
	}
	c["auth_time"] = authTime
	c["iat"] = iat
	c["exp"] = exp
	setString(c, "jti", in.JTI)
	setString(c, "origin_jti", in.OriginJTI)
	setString(c, "event_id", in.EventID)
	setString(c, "username", in.Username)
	setList(c, "cognito:groups", in.Groups)
	setString(c, "device_key", in.DeviceKey)
	return c
}

func times(issuedAt, authTime time.Time, validity time.Duration) (iat, auth, exp int64) {
	if validity <= 0 {
		validity = DefaultValidity
	}
	if authTime.IsZero() {
		authTime = issuedAt
	}
	iat = issuedAt.Unix()
	return iat, authTime.Unix(), iat + int64(validity/time.Second)
}

func setString(c map[string]any, name, v string) {
	if v != "" {
		c[name] = v
	}
}

func setList(c map[string]any, name string, v []string) {
	if len(v) > 0 {
		c[name] = slices.Clone(v)
	}
}
