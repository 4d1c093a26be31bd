package gateway

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCognitoClaims checks the rendering against the captured REST event
// in the gateway reference (§1.1), decoded the way a verifier decodes a
// token payload (float64 numbers) and with json.Number.
func TestCognitoClaims(t *testing.T) {
	payload := `{"sub":"10b4786a-a220-4476-90ce-df95cb18fe74","aud":"5aa218vcdflmohh3qhrtr0mj78",
		"cognito:groups":["anotherGroup","admin"],"event_id":"638c4d7b","token_use":"id",
		"auth_time":1574911451,"iss":"https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_AAPZcQ593",
		"cognito:username":"10b4786a","exp":1574915051,"iat":1574911451,"email":"admin@test.com",
		"email_verified":true,"custom:score":12.5,"custom:big":1e21,"nothing":null,
		"identities":[{"userId":"1","providerName":"Google","primary":"true"}]}`
	want := map[string]string{
		"sub": "10b4786a-a220-4476-90ce-df95cb18fe74", "aud": "5aa218vcdflmohh3qhrtr0mj78",
		"cognito:groups": "anotherGroup,admin", "event_id": "638c4d7b", "token_use": "id",
		"auth_time": "1574911451", "iss": "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_AAPZcQ593",
		"cognito:username": "10b4786a", "exp": "Thu Nov 28 04:24:11 UTC 2019", "iat": "Thu Nov 28 03:24:11 UTC 2019",
		"email": "admin@test.com", "email_verified": "true", "custom:score": "12.5",
		"custom:big": "1000000000000000000000",
		"identities": `{"primary":"true","providerName":"Google","userId":"1"}`,
	}
	var plain map[string]any
	if err := json.Unmarshal([]byte(payload), &plain); err != nil {
		t.Fatal(err)
	}
	assertSame(t, CognitoClaims(plain), want)

	d := json.NewDecoder(strings.NewReader(payload))
	d.UseNumber()
	var numbers map[string]any
	if err := d.Decode(&numbers); err != nil {
		t.Fatal(err)
	}
	assertSame(t, CognitoClaims(numbers), want)
}

func TestCognitoClaimsDates(t *testing.T) {
	got := CognitoClaims(map[string]any{
		"exp": int64(1575244800), // a single-digit day keeps its zero: "Mon Dec 02"
		"iat": "already a string",
		"nbf": float64(1575244800),
	})
	assertSame(t, got, map[string]string{
		"exp": "Mon Dec 02 00:00:00 UTC 2019", "iat": "already a string", "nbf": "1575244800",
	})
}

func TestClaimsAppendAuthorizerValue(t *testing.T) {
	cases := []struct {
		v         any
		rest, raw string
	}{
		{"s", `"s"`, `"s"`},
		{true, `"true"`, `true`},
		{float64(3), `"3"`, `3`},
		{json.Number("1e3"), `"1000"`, `1000`},
		{nil, `null`, `null`},
		{[]any{"a"}, `"[\"a\"]"`, `["a"]`},
		{json.Number("bad"), `"bad"`, `null`},
	}
	for _, c := range cases {
		if got := string(appendAuthorizerValue(nil, c.v, true)); got != c.rest {
			t.Errorf("REST %#v = %s, want %s", c.v, got, c.rest)
		}
		if got := string(appendAuthorizerValue(nil, c.v, false)); got != c.raw {
			t.Errorf("HTTP %#v = %s, want %s", c.v, got, c.raw)
		}
	}
}
