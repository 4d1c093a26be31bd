package gateway

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// CognitoClaims stringifies verified token claims as a REST API's Cognito
// authorizer delivers them in requestContext.authorizer.claims (captured
// events; /work/shared/reference/gateway.md §1.1): every value a string,
// exp and iat as Java's Date.toString in UTC ("Thu Nov 28 04:24:11 UTC
// 2019") while auth_time stays epoch digits, booleans "true"/"false",
// arrays such as cognito:groups joined by commas, numbers without an
// exponent, objects (the identities of federated users) as JSON. A null
// claim is left out: it carries nothing a string could say.
func CognitoClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if v == nil {
			continue
		}
		if k == "exp" || k == "iat" {
			if sec, ok := claimSeconds(v); ok {
				out[k] = time.Unix(sec, 0).UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
				continue
			}
		}
		out[k] = claimString(v)
	}
	return out
}

// claimSeconds reads a NumericDate claim as whole seconds.
func claimSeconds(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, false
		}
	case int64:
		return n, true
	case int:
		return int64(n), true
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// claimString renders one claim value; arrays join their elements'
// renderings with commas ("anotherGroup,admin").
func claimString(v any) string {
	if s, ok := scalarString(v); ok {
		return s
	}
	switch l := v.(type) {
	case []any:
		parts := make([]string, 0, len(l))
		for _, e := range l {
			if e != nil {
				parts = append(parts, claimString(e))
			}
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(l, ",")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// scalarString renders a string, boolean or number as API Gateway
// stringifies it: numbers in plain decimal, never with an exponent.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case json.Number:
		if strings.ContainsAny(string(x), "eE") {
			if f, err := x.Float64(); err == nil {
				return strconv.FormatFloat(f, 'f', -1, 64), true
			}
		}
		return string(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	}
	return "", false
}

// appendAuthorizerValue appends one Lambda authorizer context value:
// as a string when stringify (REST hands the integration strings only),
// else with its JSON type (HTTP APIs). Objects and arrays, which REST
// authorizers may not return, fall back to their JSON text.
func appendAuthorizerValue(dst []byte, v any, stringify bool) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	if s, ok := scalarString(v); ok {
		if _, isString := v.(string); stringify || isString {
			return appendJSON(dst, s)
		}
		if _, isBool := v.(bool); isBool || isJSONNumber(s) {
			return append(dst, s...)
		}
		return append(dst, "null"...) // NaN, ±Inf: JSON has no such numbers

	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	if stringify {
		return appendJSON(dst, string(b))
	}
	return append(dst, b...)
}

// isJSONNumber reports whether s is a number as JSON spells it.
func isJSONNumber(s string) bool {
	p := proxyJSON{b: []byte(s)}
	return s != "" && p.number() == nil && p.pos == len(s)
}
