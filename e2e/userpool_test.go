package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUserPoolManagement drives pools and app clients with the aws CLI:
// the shapes, defaults and errors Cognito reports.
func TestUserPoolManagement(t *testing.T) {
	t.Parallel()
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: startServer(t)}
	idp := func(out any, args ...string) string { return cli.ok(out, append([]string{"cognito-idp"}, args...)...) }

	var created struct{ UserPool map[string]any }
	idp(&created, "create-user-pool", "--pool-name", "demo pool", "--username-attributes", "email",
		"--policies", "PasswordPolicy={MinimumLength=10,RequireUppercase=true,RequireLowercase=true,RequireNumbers=true,RequireSymbols=false}",
		"--schema", "Name=team,AttributeDataType=String", "Name=level,AttributeDataType=Number", "Name=email,Required=true",
		"--mfa-configuration", "OPTIONAL")
	pool := created.UserPool
	id, _ := pool["Id"].(string)
	if !strings.HasPrefix(id, "us-east-1_") || len(id) != len("us-east-1_")+9 {
		t.Fatalf("pool id %q is not REGION_ plus nine characters", id)
	}
	if pool["Arn"] != "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"+id || pool["MfaConfiguration"] != "OPTIONAL" ||
		pool["EstimatedNumberOfUsers"] != float64(0) || pool["UserPoolTier"] != "ESSENTIALS" || pool["DeletionProtection"] != "INACTIVE" {
		t.Fatalf("pool: %v", pool)
	}
	if _, ok := pool["CreationDate"].(float64); !ok {
		t.Fatalf("CreationDate %T is not epoch seconds", pool["CreationDate"])
	}
	schema, _ := pool["SchemaAttributes"].([]any)
	names := map[string]map[string]any{}
	for _, a := range schema {
		m := a.(map[string]any)
		names[m["Name"].(string)] = m
	}
	if len(schema) != 22 || names["custom:team"] == nil || names["custom:level"]["AttributeDataType"] != "Number" ||
		names["email"]["Required"] != true || names["sub"]["Mutable"] != false {
		t.Fatalf("schema (%d attributes): %v", len(schema), names)
	}

	// UpdateUserPool: what is left out returns to its default, what cannot
	// change is kept.
	idp(nil, "update-user-pool", "--user-pool-id", id, "--deletion-protection", "ACTIVE")
	var described struct{ UserPool map[string]any }
	idp(&described, "describe-user-pool", "--user-pool-id", id)
	if d := described.UserPool; d["MfaConfiguration"] != "OFF" || d["DeletionProtection"] != "ACTIVE" || d["Name"] != "demo pool" || len(d["SchemaAttributes"].([]any)) != 22 {
		t.Fatalf("after update: %v", d)
	}
	cli.fails("InvalidParameterException", "cognito-idp", "delete-user-pool", "--user-pool-id", id)

	var web, backend struct{ UserPoolClient map[string]any }
	idp(&web, "create-user-pool-client", "--user-pool-id", id, "--client-name", "web",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--access-token-validity", "2")
	wc := web.UserPoolClient
	if cid, _ := wc["ClientId"].(string); len(cid) != 26 || strings.ToLower(cid) != cid {
		t.Fatalf("client id %q", cid)
	}
	if wc["ClientSecret"] != nil || wc["AccessTokenValidity"] != float64(2) || wc["TokenValidityUnits"].(map[string]any)["AccessToken"] != "hours" ||
		wc["EnableTokenRevocation"] != true || wc["AuthSessionValidity"] != float64(3) || wc["RefreshTokenValidity"] != float64(30) {
		t.Fatalf("web client: %v", wc)
	}
	idp(&backend, "create-user-pool-client", "--user-pool-id", id, "--client-name", "backend", "--generate-secret")
	secret, _ := backend.UserPoolClient["ClientSecret"].(string)
	if len(secret) != 51 {
		t.Fatalf("generated secret %q", secret)
	}
	bid := backend.UserPoolClient["ClientId"].(string)
	var again struct{ UserPoolClient map[string]any }
	idp(&again, "describe-user-pool-client", "--user-pool-id", id, "--client-id", bid)
	if again.UserPoolClient["ClientSecret"] != secret {
		t.Fatal("DescribeUserPoolClient does not return the secret it generated")
	}
	idp(&again, "update-user-pool-client", "--user-pool-id", id, "--client-id", bid, "--client-name", "backend2")
	if again.UserPoolClient["ClientName"] != "backend2" || again.UserPoolClient["ClientSecret"] != secret {
		t.Fatalf("after update: %v", again.UserPoolClient)
	}
	var page struct {
		UserPoolClients []map[string]any
		NextToken       string
	}
	idp(&page, "list-user-pool-clients", "--user-pool-id", id, "--max-results", "1", "--no-paginate")
	if len(page.UserPoolClients) != 1 || page.NextToken == "" {
		t.Fatalf("first page: %+v", page)
	}
	out := idp(nil, "list-user-pool-clients", "--user-pool-id", id, "--query", "UserPoolClients[].ClientName", "--output", "text")
	if f := strings.Fields(out); len(f) != 2 {
		t.Fatalf("all clients: %q", out)
	}

	cli.fails("ResourceNotFoundException", "cognito-idp", "describe-user-pool", "--user-pool-id", "us-east-1_missing1")
	cli.fails("InvalidParameterException", "cognito-idp", "describe-user-pool", "--user-pool-id", "not-a-pool-id")
	cli.fails("InvalidParameterException", "cognito-idp", "create-user-pool-client", "--user-pool-id", id, "--client-name", "x",
		"--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "USER_PASSWORD_AUTH")
	cli.fails("InvalidParameterException", "cognito-idp", "create-user-pool-client", "--user-pool-id", id, "--client-name", "x",
		"--access-token-validity", "2", "--token-validity-units", "AccessToken=days")
	cli.fails("InvalidParameterException", "cognito-idp", "create-user-pool-client", "--user-pool-id", id, "--client-name", "x",
		"--callback-urls", `["http://example.com/cb"]`)
	cli.fails("ResourceNotFoundException", "cognito-idp", "describe-user-pool-client", "--user-pool-id", id, "--client-id", "nosuchclient000000000000000")

	idp(nil, "update-user-pool", "--user-pool-id", id, "--deletion-protection", "INACTIVE")
	idp(nil, "delete-user-pool-client", "--user-pool-id", id, "--client-id", bid)
	cli.fails("ResourceNotFoundException", "cognito-idp", "describe-user-pool-client", "--user-pool-id", id, "--client-id", bid)
	idp(nil, "delete-user-pool", "--user-pool-id", id)
	var list struct{ UserPools []any }
	idp(&list, "list-user-pools", "--max-results", "60")
	if len(list.UserPools) != 0 {
		t.Fatalf("pools after delete: %v", list.UserPools)
	}

	// Management operations are signed; an unsigned one is refused the
	// way AWS refuses it.
	resp := s2raw(t, cli.s, "ListUserPools", `{"MaxResults":1}`)
	if !strings.Contains(resp, "MissingAuthenticationTokenException") {
		t.Fatalf("unsigned ListUserPools: %s", resp)
	}
}

// s2raw posts an unsigned JSON 1.1 user pool request and returns the body.
func s2raw(t *testing.T, s *server, op, body string) string {
	t.Helper()
	stdout, _, _ := runCmd(t, s.Env, time.Minute, "curl", "-s", "-X", "POST", s.URL+"/",
		"-H", "X-Amz-Target: AWSCognitoIdentityProviderService."+op, "-H", "Content-Type: application/x-amz-json-1.1", "-d", body)
	var v map[string]any
	if json.Unmarshal([]byte(stdout), &v) != nil {
		t.Fatalf("%s: not JSON: %q", op, stdout)
	}
	return stdout
}

// TestUserPoolDiscovery checks what token verifiers fetch: the discovery
// document and a JWKS with the pool's two RS256 keys (ID and access).
func TestUserPoolDiscovery(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	var created struct{ UserPool struct{ Id string } }
	cli.ok(&created, "cognito-idp", "create-user-pool", "--pool-name", "disco")
	id := created.UserPool.Id

	get := func(path string) (int, map[string]any) {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	code, doc := get("/" + id + "/.well-known/openid-configuration")
	if code != 200 || doc["issuer"] != s.URL+"/"+id || doc["jwks_uri"] != s.URL+"/"+id+"/.well-known/jwks.json" {
		t.Fatalf("discovery %d: %v", code, doc)
	}
	code, jwks := get("/" + id + "/.well-known/jwks.json")
	keys, _ := jwks["keys"].([]any)
	if code != 200 || len(keys) != 2 {
		t.Fatalf("jwks %d: %v", code, jwks)
	}
	kids := map[string]bool{}
	for _, k := range keys {
		m := k.(map[string]any)
		if m["alg"] != "RS256" || m["kty"] != "RSA" || m["use"] != "sig" || m["e"] != "AQAB" || len(m["n"].(string)) < 300 {
			t.Fatalf("key %v", m)
		}
		kids[m["kid"].(string)] = true
	}
	if len(kids) != 2 {
		t.Fatal("ID and access keys share a kid")
	}
	// Keys survive a restart unchanged (they are stored, sealed).
	s.restart(syscall.SIGTERM)
	_, again := get("/" + id + "/.well-known/jwks.json")
	if b1, _ := json.Marshal(jwks); string(mustJSON(t, again)) != string(b1) {
		t.Fatal("signing keys changed across a restart")
	}
	if code, _ := get("/us-east-1_nosuchpool/.well-known/jwks.json"); code != 404 {
		t.Fatalf("unknown pool jwks: %d", code)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
