package tokens

import (
	"bytes"
	"encoding/json"
	"flag"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenKid is the kid NewKey reads from fixedRandom().
const goldenKid = "mEWFj+vii61tgPCgcRlmlDf74EcuwQGyxpppta3Oft4="

func seeded(seed string) *mrand.ChaCha8 {
	var s [32]byte
	copy(s[:], seed)
	return mrand.NewChaCha8(s)
}

// TestGoldenTokens pins the decoded header and claims of tokens built from
// fixed inputs, a fixed clock and fixed kids, then verifies each.
func TestGoldenTokens(t *testing.T) {
	t.Parallel()
	idKey, err := NewKey(fixedRandom(), UseID, t0)
	if err != nil {
		t.Fatal(err)
	}
	accessKey, err := NewKey(seeded("access key"), UseAccess, t0)
	if err != nil {
		t.Fatal(err)
	}
	ks := NewKeySet([]*Key{idKey, accessKey})
	v := NewVerifier()
	v.SetKeys(issA, ks)
	const roleArn = "arn:aws:iam::123456789012:role/editors"

	for _, tc := range []struct {
		name   string
		key    *Key
		claims map[string]any
	}{
		{"id_token", idKey, IDClaims(IDTokenInput{
			Issuer: issA, ClientID: clientA, Sub: subA, Username: "jdoe",
			AuthTime: t0.Add(-2 * time.Hour), IssuedAt: t0, Validity: time.Hour,
			JTI: "11111111-1111-4111-8111-111111111111", OriginJTI: "22222222-2222-4222-8222-222222222222",
			EventID: "33333333-3333-4333-8333-333333333333",
			Groups:  []string{"editors", "admins"}, Roles: []string{roleArn}, PreferredRole: roleArn,
			Attributes: map[string]string{
				"email": "jdoe@example.com", "email_verified": "true",
				"phone_number": "+15555550100", "phone_number_verified": "false",
				"name": "Jane <Doe> & Co", "custom:tenant": "acme", "custom:tier": "7",
				"sub": "not-this", "cognito:username": "not-this", "aud": "not-this",
			},
			Nonce: "n-0S6_WzA2Mj",
			Extra: map[string]any{
				"pet_preference": "dogs", "tier_level": 3, "custom:tier": "8",
				"sub": "evil", "aud": "evil", "token_use": "access", "exp": 99999999999, "cognito:groups": []string{"root"},
			},
			Suppress: []string{"phone_number", "iss", "jti"},
		})},
		{"id_token_minimal", idKey, IDClaims(IDTokenInput{
			Issuer: issA, ClientID: clientA, Sub: subA, Username: subA, IssuedAt: t0,
		})},
		{"id_token_federated", idKey, IDClaims(IDTokenInput{
			Issuer: issA, ClientID: clientA, Sub: subA, Username: "google_1234567890", IssuedAt: t0,
			Validity: 5 * time.Minute, JTI: "j", OriginJTI: "o", EventID: "e",
			Attributes: map[string]string{
				"identities": `[{"userId":"1234567890","providerName":"Google","providerType":"Google","issuer":null,"primary":"true","dateCreated":"1763640000000"}]`,
				"email":      "jdoe@gmail.com", "email_verified": "TRUE",
			},
		})},
		{"access_token", accessKey, AccessClaims(AccessTokenInput{
			Issuer: issA, ClientID: clientA, Sub: subA, Username: "jdoe",
			AuthTime: t0.Add(-2 * time.Hour), IssuedAt: t0, Validity: time.Hour,
			JTI: "44444444-4444-4444-8444-444444444444", OriginJTI: "22222222-2222-4222-8222-222222222222",
			EventID: "33333333-3333-4333-8333-333333333333",
			Groups:  []string{"editors"}, DeviceKey: "us-east-1_0f5ea9b3-24a4-4bd9-a2d8-3e0c1a1d2b3c",
			Extra: map[string]any{"tenant": "acme", "scope": "admin", "client_id": "evil", "aud": "evil", "username": "root", "version": 9},
		})},
		{"access_token_oauth", accessKey, AccessClaims(AccessTokenInput{
			Issuer: issA, ClientID: clientA, Sub: subA, Username: "jdoe", IssuedAt: t0, Validity: 24 * time.Hour,
			JTI: "j", OriginJTI: "o",
			Scopes: []string{"openid", "email", "https://api.example.com/read"},
		})},
		{"access_token_m2m", accessKey, AccessClaims(AccessTokenInput{
			Issuer: issA, ClientID: clientA, IssuedAt: t0, JTI: "j",
			Scopes: []string{"https://api.example.com/read", "https://api.example.com/write"},
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := mustSign(t, tc.key, tc.claims)
			header, payload := parts(t, tok)
			if want := `{"kid":` + mustJSON(t, tc.key.Kid) + `,"alg":"RS256"}`; header != want {
				t.Errorf("header %s, want %s", header, want)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, []byte(payload), "", "  "); err != nil {
				t.Fatal(err)
			}
			got := "header: " + header + "\nclaims:\n" + pretty.String() + "\n"
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test -update to rewrite):\n got:\n%s\nwant:\n%s", path, got, want)
			}

			claims, err := v.Verify(t.Context(), tok, Expectations{Issuer: issA, ClientIDs: []string{clientA}, Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			var enc bytes.Buffer
			e := json.NewEncoder(&enc)
			e.SetEscapeHTML(false)
			if err := e.Encode(claims); err != nil || strings.TrimSpace(enc.String()) != payload {
				t.Errorf("verified claims %s\n differ from the payload %s", enc.String(), payload)
			}
		})
	}
}

func TestClaimsPresenceRules(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	id := IDClaims(a.idInput())
	access := AccessClaims(a.accessInput())
	for _, name := range []string{"sub", "aud", "iss", "token_use", "cognito:username", "auth_time", "iat", "exp", "jti", "origin_jti", "event_id", "email", "email_verified"} {
		if _, ok := id[name]; !ok {
			t.Errorf("ID token lacks %s", name)
		}
	}
	for _, name := range []string{"client_id", "scope", "username", "version", "cognito:groups", "nonce", "device_key"} {
		if _, ok := id[name]; ok {
			t.Errorf("ID token has %s", name)
		}
	}
	for _, name := range []string{"sub", "iss", "client_id", "token_use", "scope", "auth_time", "iat", "exp", "jti", "origin_jti", "event_id", "username", "version"} {
		if _, ok := access[name]; !ok {
			t.Errorf("access token lacks %s", name)
		}
	}
	for _, name := range []string{"aud", "cognito:username", "email", "cognito:groups", "device_key", "nonce"} {
		if _, ok := access[name]; ok {
			t.Errorf("access token has %s", name)
		}
	}
	if id["email_verified"] != true || access["scope"] != DefaultScope || id["token_use"] != "id" || access["token_use"] != "access" {
		t.Errorf("id %v\naccess %v", id, access)
	}
	if id["exp"].(int64)-id["iat"].(int64) != 3600 || id["auth_time"].(int64) != t0.Add(-10*time.Minute).Unix() {
		t.Errorf("ID token times %v %v %v", id["iat"], id["exp"], id["auth_time"])
	}
	// Zero validity and auth time take the defaults.
	in := a.accessInput()
	in.Validity, in.AuthTime = 0, time.Time{}
	c := AccessClaims(in)
	if c["exp"].(int64)-c["iat"].(int64) != int64(DefaultValidity/time.Second) || c["auth_time"] != c["iat"] {
		t.Errorf("defaults: %v", c)
	}
	// The builders copy their slices.
	groups := []string{"g"}
	in.Groups = groups
	c = AccessClaims(in)
	groups[0] = "changed"
	if c["cognito:groups"].([]string)[0] != "g" {
		t.Error("AccessClaims kept the caller's slice")
	}
	// Bad identities JSON is left out, not passed on as a string.
	idIn := a.idInput()
	idIn.Attributes = map[string]string{"identities": "[{"}
	if _, ok := IDClaims(idIn)["identities"]; ok {
		t.Error("malformed identities attribute became a claim")
	}
}

func TestClaimsHelpers(t *testing.T) {
	t.Parallel()
	a, _ := sharedPools()
	v := verifierFor(a)
	idIn := a.idInput()
	idIn.Groups = []string{"g1", "g2"}
	accessIn := a.accessInput()
	accessIn.Scopes = []string{"openid", "email"}
	accessIn.Groups = []string{"g1"}
	for _, tc := range []struct {
		name   string
		claims Claims
	}{
		{"built id", IDClaims(idIn)},
		{"built access", AccessClaims(accessIn)},
	} {
		// Built (Go types) and verified (JSON types) claims read the same.
		key := a.id
		if tc.claims["token_use"] == UseAccess {
			key = a.access
		}
		verified, err := v.Verify(t.Context(), mustSign(t, key, map[string]any(tc.claims)), expectFor(a))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []Claims{tc.claims, verified} {
			if c.Issuer() != issA || c.Subject() != subA || c.ClientID() != clientA || c.Username() != "jdoe" ||
				!c.IssuedAt().Equal(t0) || !c.Expiry().Equal(t0.Add(time.Hour)) || !c.AuthTime().Equal(t0.Add(-10*time.Minute)) ||
				c.OriginJTI() != "22222222-2222-4222-8222-222222222222" || c.JTI() == "" {
				t.Errorf("%s: helpers read %+v", tc.name, c)
			}
			if c.TokenUse() == UseID {
				if !slices.Equal(c.Audience(), []string{clientA}) || !slices.Equal(c.Groups(), []string{"g1", "g2"}) || c.Scopes() != nil {
					t.Errorf("%s: aud %q groups %q scopes %q", tc.name, c.Audience(), c.Groups(), c.Scopes())
				}
			} else if c.Audience() != nil || !slices.Equal(c.Scopes(), []string{"openid", "email"}) || !slices.Equal(c.Groups(), []string{"g1"}) {
				t.Errorf("%s: aud %q scopes %q groups %q", tc.name, c.Audience(), c.Scopes(), c.Groups())
			}
		}
	}
	// Odd shapes read as absent, never panic.
	odd := Claims{"exp": "soon", "iat": -5.0, "auth_time": 1e300, "aud": 3.0, "cognito:groups": []any{1.0, "g"}, "sub": 7.0}
	if !odd.Expiry().IsZero() || !odd.IssuedAt().IsZero() || !odd.AuthTime().IsZero() || odd.Audience() != nil ||
		!slices.Equal(odd.Groups(), []string{"g"}) || odd.Subject() != "" {
		t.Errorf("odd claims read as %v %v %v %q %q %q", odd.Expiry(), odd.IssuedAt(), odd.AuthTime(), odd.Audience(), odd.Groups(), odd.Subject())
	}
	if n, ok := numericDate(json.Number("1763640000")); !ok || n != 1763640000 {
		t.Error("json.Number date")
	}
	if n, ok := numericDate(json.Number("1.5e3")); !ok || n != 1500 {
		t.Error("json.Number float date")
	}
}
