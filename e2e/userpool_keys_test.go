package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUserPoolKeyRotation rotates a pool's signing keys with `gatehouse
// pools rotate-keys`: tokens signed before keep working, the JWKS
// publishes old and new keys, new tokens carry the new kid.
func TestUserPoolKeyRotation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(append([]string{"cognito-idp"}, args...), "--output", "text")...))
	}
	pool := text("create-user-pool", "--pool-name", "keys", "--query", "UserPool.Id")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "c",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	text("admin-create-user", "--user-pool-id", pool, "--username", "kay", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("admin-set-user-password", "--user-pool-id", pool, "--username", "kay", "--password", "Kay-Passw0rd!", "--permanent")
	login := func() string {
		return text("initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
			"--auth-parameters", "USERNAME=kay,PASSWORD=Kay-Passw0rd!", "--query", "AuthenticationResult.AccessToken")
	}
	before := login()

	stdout, stderr, code := runCmd(t, s.Env, time.Minute, binPath, "pools", "rotate-keys", pool, "--endpoint", s.URL, "--data", s.Data)
	if code != 0 || !strings.Contains(stdout, "rotated the signing keys of "+pool) {
		t.Fatalf("pools rotate-keys: exit %d\n%s%s", code, stdout, stderr)
	}
	text("get-user", "--access-token", before, "--query", "Username")
	after := login()
	if kid(t, after) == kid(t, before) {
		t.Fatal("a token issued after the rotation has the old kid")
	}
	res, err := http.Get(s.URL + "/" + pool + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var jwks struct{ Keys []struct{ Kid string } }
	json.Unmarshal(body, &jwks)
	kids := map[string]bool{}
	for _, k := range jwks.Keys {
		kids[k.Kid] = true
	}
	if len(jwks.Keys) != 4 || !kids[kid(t, before)] || !kids[kid(t, after)] {
		t.Fatalf("jwks after rotation: %s", body)
	}
}

// kid reads a JWT's key id.
func kid(t *testing.T, token string) string {
	t.Helper()
	var h struct{ Kid string }
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil || h.Kid == "" {
		t.Fatalf("token header: %v", err)
	}
	return h.Kid
}
