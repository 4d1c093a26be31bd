package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/userpool/srp"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestUserPoolPasswordSignIn walks the CLI flow: a pool with
// email as username, a client with USER_PASSWORD_AUTH, an admin-created
// user with a temporary password, NEW_PASSWORD_REQUIRED, tokens (checked
// against the pool's JWKS), refresh, and the errors on the way.
func TestUserPoolPasswordSignIn(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	idp := func(out any, args ...string) string { return cli.ok(out, append([]string{"cognito-idp"}, args...)...) }
	text := func(args ...string) string {
		return strings.TrimSpace(idp(nil, append(args, "--output", "text")...))
	}

	pool := text("create-user-pool", "--pool-name", "signin", "--username-attributes", "email", "--query", "UserPool.Id")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	srpOnly := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "srp-only", "--query", "UserPoolClient.ClientId")
	created := text("admin-create-user", "--user-pool-id", pool, "--username", "alice@example.com", "--temporary-password", "Temp-Passw0rd!",
		"--user-attributes", "Name=given_name,Value=Alice", "--message-action", "SUPPRESS", "--query", "User.[Username,UserStatus]")
	f := strings.Fields(created)
	if len(f) != 2 || len(f[0]) != 36 || f[1] != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("admin-create-user: %q (want a UUID username in FORCE_CHANGE_PASSWORD)", created)
	}
	sub := f[0]

	cli.fails("UsernameExistsException", "cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "alice@example.com",
		"--temporary-password", "Temp-Passw0rd!", "--message-action", "SUPPRESS")
	cli.fails("InvalidPasswordException", "cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "bob@example.com",
		"--temporary-password", "short", "--message-action", "SUPPRESS")
	cli.fails("InvalidParameterException", "cognito-idp", "initiate-auth", "--client-id", srpOnly, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=alice@example.com,PASSWORD=Temp-Passw0rd!")
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=alice@example.com,PASSWORD=Wrong-Passw0rd!")
	cli.fails("UserNotFoundException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=nobody@example.com,PASSWORD=Temp-Passw0rd!")

	var ch struct {
		ChallengeName       string
		Session             string
		ChallengeParameters map[string]string
	}
	idp(&ch, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=alice@example.com,PASSWORD=Temp-Passw0rd!")
	if ch.ChallengeName != "NEW_PASSWORD_REQUIRED" || ch.Session == "" || ch.ChallengeParameters["USER_ID_FOR_SRP"] != sub ||
		ch.ChallengeParameters["requiredAttributes"] != "[]" || !strings.Contains(ch.ChallengeParameters["userAttributes"], `"given_name":"Alice"`) {
		t.Fatalf("challenge: %+v", ch)
	}
	cli.fails("NotAuthorizedException", "cognito-idp", "respond-to-auth-challenge", "--client-id", client, "--challenge-name", "NEW_PASSWORD_REQUIRED",
		"--session", ch.Session[:len(ch.Session)-4]+"AAAA", "--challenge-responses", "USERNAME=alice@example.com,NEW_PASSWORD=N3w-Passw0rd!")
	cli.fails("InvalidPasswordException", "cognito-idp", "respond-to-auth-challenge", "--client-id", client, "--challenge-name", "NEW_PASSWORD_REQUIRED",
		"--session", ch.Session, "--challenge-responses", "USERNAME=alice@example.com,NEW_PASSWORD=weak")
	var tok struct {
		ChallengeParameters  map[string]string
		AuthenticationResult struct {
			AccessToken, IdToken, RefreshToken, TokenType string
			ExpiresIn                                     int
		}
	}
	idp(&tok, "respond-to-auth-challenge", "--client-id", client, "--challenge-name", "NEW_PASSWORD_REQUIRED",
		"--session", ch.Session, "--challenge-responses", "USERNAME=alice@example.com,NEW_PASSWORD=N3w-Passw0rd!")
	res := tok.AuthenticationResult
	if res.TokenType != "Bearer" || res.ExpiresIn != 3600 || res.RefreshToken == "" {
		t.Fatalf("tokens: %+v", res)
	}

	// The tokens verify against the published JWKS, with Cognito's claims.
	resp, err := http.Get(s.URL + "/" + pool + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(body, &jwks); err != nil {
		t.Fatal(err)
	}
	verify := func(raw string) map[string]any {
		tk, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		keys := jwks.Key(tk.Headers[0].KeyID)
		if len(keys) != 1 {
			t.Fatalf("kid %s not in the JWKS", tk.Headers[0].KeyID)
		}
		var claims map[string]any
		var std jwt.Claims
		if err := tk.Claims(keys[0].Key, &claims, &std); err != nil {
			t.Fatalf("signature: %v", err)
		}
		if err := std.ValidateWithLeeway(jwt.Expected{Issuer: s.URL + "/" + pool, Time: time.Now()}, time.Minute); err != nil {
			t.Fatal(err)
		}
		return claims
	}
	id := verify(res.IdToken)
	if id["token_use"] != "id" || id["aud"] != client || id["sub"] != sub || id["cognito:username"] != sub || id["email"] != "alice@example.com" || id["given_name"] != "Alice" {
		t.Fatalf("id token claims: %v", id)
	}
	access := verify(res.AccessToken)
	if access["token_use"] != "access" || access["client_id"] != client || access["scope"] != "aws.cognito.signin.user.admin" || access["aud"] != nil {
		t.Fatalf("access token claims: %v", access)
	}

	// Password sign-in now gives tokens directly; refresh keeps the lineage.
	var direct struct {
		AuthenticationResult struct{ IdToken, RefreshToken string }
	}
	idp(&direct, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=alice@example.com,PASSWORD=N3w-Passw0rd!")
	var refreshed struct {
		AuthenticationResult struct{ IdToken, AccessToken, RefreshToken string }
	}
	idp(&refreshed, "initiate-auth", "--client-id", client, "--auth-flow", "REFRESH_TOKEN_AUTH", "--auth-parameters", "REFRESH_TOKEN="+res.RefreshToken)
	if refreshed.AuthenticationResult.RefreshToken != "" {
		t.Fatal("REFRESH_TOKEN_AUTH returned a new refresh token")
	}
	if r := verify(refreshed.AuthenticationResult.IdToken); r["origin_jti"] != id["origin_jti"] || r["auth_time"] != id["auth_time"] {
		t.Fatalf("refresh broke the lineage: %v vs %v", r, id)
	}
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "REFRESH_TOKEN_AUTH",
		"--auth-parameters", "REFRESH_TOKEN=not-a-real-token")

	// ListUsers finds the user through the indexes.
	for _, filter := range []string{`email = "alice@example.com"`, `email ^= "ali"`, `cognito:user_status = "confirmed"`, `given_name = "Alice"`, `sub = "` + sub + `"`} {
		if got := text("list-users", "--user-pool-id", pool, "--filter", filter, "--query", "Users[].Username"); got != sub {
			t.Errorf("list-users --filter %s: %q", filter, got)
		}
	}
	if got := text("list-users", "--user-pool-id", pool, "--filter", `email = "bob@example.com"`, "--query", "length(Users)"); got != "0" {
		t.Errorf("filter for a missing user: %q", got)
	}
	cli.fails("InvalidParameterException", "cognito-idp", "list-users", "--user-pool-id", pool, "--filter", "nonsense")

	idp(nil, "admin-set-user-password", "--user-pool-id", pool, "--username", "alice@example.com", "--password", "Th1rd-Passw0rd!", "--permanent")
	idp(nil, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=alice@example.com,PASSWORD=Th1rd-Passw0rd!")
	idp(nil, "admin-delete-user", "--user-pool-id", pool, "--username", "alice@example.com")
	cli.fails("UserNotFoundException", "cognito-idp", "admin-get-user", "--user-pool-id", pool, "--username", "alice@example.com")
	if got := text("list-users", "--user-pool-id", pool, "--filter", `email = "alice@example.com"`, "--query", "length(Users)"); got != "0" {
		t.Errorf("deleted user still indexed: %q", got)
	}
}

// TestUserPoolSRPSignIn signs in with USER_SRP_AUTH through the API, the
// way amazon-cognito-identity-js does (the srp package's client computes
// exactly what its AuthenticationHelper computes, checked there against
// the real library): a right password gets tokens, a wrong one and a
// replayed proof get NotAuthorizedException.
func TestUserPoolSRPSignIn(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(append([]string{"cognito-idp"}, args...), "--output", "text")...))
	}
	pool := text("create-user-pool", "--pool-name", "srp", "--query", "UserPool.Id")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "spa", "--query", "UserPoolClient.ClientId")
	text("admin-create-user", "--user-pool-id", pool, "--username", "carol", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("admin-set-user-password", "--user-pool-id", pool, "--username", "carol", "--password", "Carol-Passw0rd!", "--permanent")

	call := func(op string, body map[string]any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	login := func(password string) (int, map[string]any, map[string]any) {
		c, err := srp.NewClient(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		code, ch := call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": client,
			"AuthParameters": map[string]string{"USERNAME": "carol", "SRP_A": c.A()}})
		if code != 200 || ch["ChallengeName"] != "PASSWORD_VERIFIER" {
			t.Fatalf("InitiateAuth USER_SRP_AUTH: %d %v", code, ch)
		}
		p := ch["ChallengeParameters"].(map[string]any)
		ts := srp.FormatTimestamp(time.Now())
		sig, err := c.Respond(srp.PoolName(pool), p["USER_ID_FOR_SRP"].(string), password, p["SRP_B"].(string), p["SALT"].(string), p["SECRET_BLOCK"].(string), ts)
		if err != nil {
			t.Fatal(err)
		}
		answer := map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client, "ChallengeResponses": map[string]string{
			"USERNAME": p["USERNAME"].(string), "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"].(string), "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}}
		code, out := call("RespondToAuthChallenge", answer)
		return code, out, answer
	}
	code, out, answer := login("Carol-Passw0rd!")
	if code != 200 || out["AuthenticationResult"] == nil {
		t.Fatalf("right password: %d %v", code, out)
	}
	if code, again := call("RespondToAuthChallenge", answer); code != 400 || again["__type"] != "NotAuthorizedException" {
		t.Fatalf("replayed proof: %d %v", code, again)
	}
	if code, out, _ := login("Wrong-Passw0rd!"); code != 400 || out["__type"] != "NotAuthorizedException" || out["message"] != "Incorrect username or password." {
		t.Fatalf("wrong password: %d %v", code, out)
	}
	answer["ChallengeResponses"].(map[string]string)["TIMESTAMP"] = "yesterday"
	if code, out := call("RespondToAuthChallenge", answer); code != 400 || out["__type"] != "InvalidParameterException" {
		t.Fatalf("bad TIMESTAMP: %d %v", code, out)
	}
}

// TestUserPoolSessions: GetUser with an access token, RevokeToken ending
// a refresh token and the access tokens issued from it, GlobalSignOut
// ending everything, and a disabled user shut out.
func TestUserPoolSessions(t *testing.T) {
	t.Parallel()
	cli, idp, text := newIDP(t)
	pool, client := passwordPool(text, "sessions", "frank", "Frank-Passw0rd!", "Name=email,Value=frank@example.com")
	signIn := func() (access, refresh string) {
		var out struct {
			AuthenticationResult struct{ AccessToken, RefreshToken string }
		}
		idp(&out, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=frank,PASSWORD=Frank-Passw0rd!")
		return out.AuthenticationResult.AccessToken, out.AuthenticationResult.RefreshToken
	}

	a1, r1 := signIn()
	if got := text("get-user", "--access-token", a1, "--query", "[Username, UserAttributes[?Name=='email'].Value | [0]]"); got != "frank\tfrank@example.com" {
		t.Fatalf("get-user: %q", got)
	}
	cli.fails("NotAuthorizedException", "cognito-idp", "get-user", "--access-token", a1[:len(a1)-6]+"AAAAAA")
	cli.fails("NotAuthorizedException", "cognito-idp", "get-user", "--access-token", "not.a.token")

	// RevokeToken ends the refresh token and the access tokens from it,
	// and leaves another session alone.
	time.Sleep(1100 * time.Millisecond)
	a2, r2 := signIn()
	idp(nil, "revoke-token", "--token", r1, "--client-id", client)
	idp(nil, "revoke-token", "--token", r1, "--client-id", client) // again: still fine
	cli.fails("NotAuthorizedException", "cognito-idp", "get-user", "--access-token", a1)
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "REFRESH_TOKEN_AUTH", "--auth-parameters", "REFRESH_TOKEN="+r1)
	text("get-user", "--access-token", a2, "--query", "Username")

	// GlobalSignOut ends every session of the user.
	idp(nil, "global-sign-out", "--access-token", a2)
	cli.fails("NotAuthorizedException", "cognito-idp", "get-user", "--access-token", a2)
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "REFRESH_TOKEN_AUTH", "--auth-parameters", "REFRESH_TOKEN="+r2)

	// A new sign-in after the sign-out works; a disabled user cannot.
	time.Sleep(1100 * time.Millisecond)
	a3, _ := signIn()
	text("get-user", "--access-token", a3, "--query", "Username")
	idp(nil, "admin-disable-user", "--user-pool-id", pool, "--username", "frank")
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=frank,PASSWORD=Frank-Passw0rd!")
	cli.fails("NotAuthorizedException", "cognito-idp", "get-user", "--access-token", a3)
	idp(nil, "admin-enable-user", "--user-pool-id", pool, "--username", "frank")
	signIn()
	idp(nil, "admin-user-global-sign-out", "--user-pool-id", pool, "--username", "frank")
	cli.fails("NotAuthorizedException", "cognito-idp", "get-user", "--access-token", a3)

	// ChangePassword checks the old password and the policy; DeleteUser
	// removes the caller.
	time.Sleep(1100 * time.Millisecond)
	a4, _ := signIn()
	cli.fails("NotAuthorizedException", "cognito-idp", "change-password", "--access-token", a4, "--previous-password", "Wrong-Passw0rd!", "--proposed-password", "Frank-Passw0rd2!")
	cli.fails("InvalidPasswordException", "cognito-idp", "change-password", "--access-token", a4, "--previous-password", "Frank-Passw0rd!", "--proposed-password", "weakweak")
	idp(nil, "change-password", "--access-token", a4, "--previous-password", "Frank-Passw0rd!", "--proposed-password", "Frank-Passw0rd2!")
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=frank,PASSWORD=Frank-Passw0rd!")
	idp(nil, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=frank,PASSWORD=Frank-Passw0rd2!")
	idp(nil, "delete-user", "--access-token", a4)
	cli.fails("UserNotFoundException", "cognito-idp", "admin-get-user", "--user-pool-id", pool, "--username", "frank")
}

// TestUserPoolGroups: groups and memberships, and what they put in tokens
// (cognito:groups in both, roles and the preferred role in the ID token).
func TestUserPoolGroups(t *testing.T) {
	t.Parallel()
	cli, idp, text := newIDP(t)
	pool, client := passwordPool(text, "groups", "gina", "Gina-Passw0rd!")

	idp(nil, "create-group", "--user-pool-id", pool, "--group-name", "admins", "--precedence", "1", "--role-arn", "arn:aws:iam::000000000000:role/admin")
	idp(nil, "create-group", "--user-pool-id", pool, "--group-name", "readers", "--precedence", "5", "--role-arn", "arn:aws:iam::000000000000:role/read")
	idp(nil, "create-group", "--user-pool-id", pool, "--group-name", "empty", "--description", "nobody")
	cli.fails("GroupExistsException", "cognito-idp", "create-group", "--user-pool-id", pool, "--group-name", "admins")
	cli.fails("ResourceNotFoundException", "cognito-idp", "get-group", "--user-pool-id", pool, "--group-name", "nope")
	idp(nil, "admin-add-user-to-group", "--user-pool-id", pool, "--username", "gina", "--group-name", "readers")
	idp(nil, "admin-add-user-to-group", "--user-pool-id", pool, "--username", "gina", "--group-name", "admins")
	idp(nil, "admin-add-user-to-group", "--user-pool-id", pool, "--username", "gina", "--group-name", "admins") // idempotent
	if got := text("admin-list-groups-for-user", "--user-pool-id", pool, "--username", "gina", "--query", "Groups[].GroupName"); got != "admins\treaders" {
		t.Fatalf("groups for user: %q", got)
	}
	if got := text("list-users-in-group", "--user-pool-id", pool, "--group-name", "admins", "--query", "Users[].Username"); got != "gina" {
		t.Fatalf("users in group: %q", got)
	}
	if got := text("list-groups", "--user-pool-id", pool, "--query", "Groups[].GroupName"); got != "admins\tempty\treaders" {
		t.Fatalf("list-groups: %q", got)
	}

	var out struct {
		AuthenticationResult struct{ IdToken, AccessToken string }
	}
	idp(&out, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=gina,PASSWORD=Gina-Passw0rd!")
	claims := func(tok string) map[string]any {
		parts := strings.Split(tok, ".")
		b, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		json.Unmarshal(b, &c)
		return c
	}
	id, access := claims(out.AuthenticationResult.IdToken), claims(out.AuthenticationResult.AccessToken)
	if g, _ := json.Marshal(id["cognito:groups"]); string(g) != `["admins","readers"]` || id["cognito:preferred_role"] != "arn:aws:iam::000000000000:role/admin" {
		t.Fatalf("id token groups: %v / %v", id["cognito:groups"], id["cognito:preferred_role"])
	}
	if g, _ := json.Marshal(access["cognito:groups"]); string(g) != `["admins","readers"]` {
		t.Fatalf("access token groups: %v", access["cognito:groups"])
	}

	idp(nil, "admin-remove-user-from-group", "--user-pool-id", pool, "--username", "gina", "--group-name", "readers")
	idp(nil, "delete-group", "--user-pool-id", pool, "--group-name", "admins")
	if got := text("admin-list-groups-for-user", "--user-pool-id", pool, "--username", "gina", "--query", "length(Groups)"); got != "0" {
		t.Fatalf("groups after removal and delete: %q", got)
	}
}

// newIDP starts a server and returns the aws CLI bound to it, with
// helpers for cognito-idp calls that decode JSON or return text output.
func newIDP(t *testing.T) (awsCLI, func(out any, args ...string) string, func(args ...string) string) {
	t.Helper()
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: startServer(t)}
	idp := func(out any, args ...string) string { return cli.ok(out, append([]string{"cognito-idp"}, args...)...) }
	text := func(args ...string) string {
		return strings.TrimSpace(idp(nil, append(args, "--output", "text")...))
	}
	return cli, idp, text
}

// passwordPool creates a pool, a client allowing password and refresh
// sign-in, and a confirmed user with the given password and attributes.
func passwordPool(text func(args ...string) string, name, user, password string, attrs ...string) (pool, client string) {
	pool = text("create-user-pool", "--pool-name", name, "--query", "UserPool.Id")
	client = text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "app",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")
	args := []string{"admin-create-user", "--user-pool-id", pool, "--username", user, "--message-action", "SUPPRESS", "--query", "User.Username"}
	if len(attrs) > 0 {
		args = append(args, append([]string{"--user-attributes"}, attrs...)...)
	}
	text(args...)
	text("admin-set-user-password", "--user-pool-id", pool, "--username", user, "--password", password, "--permanent")
	return pool, client
}
