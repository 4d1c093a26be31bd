package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestHostileUserPoolPublicOperations sends the unsigned operations
// anyone on the network can reach malformed, oversized and racing
// requests: each gets a clear AWS-shaped error, races settle exactly
// once, and the server keeps serving.
func TestHostileUserPoolPublicOperations(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(append([]string{"cognito-idp"}, args...), "--output", "text")...))
	}
	pool := text("create-user-pool", "--pool-name", "hostile", "--auto-verified-attributes", "email", "--query", "UserPool.Id")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "c",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "--query", "UserPoolClient.ClientId")

	call := func(op string, body []byte) rawResponse {
		return s.do(t, rawReq{Path: "/", Body: body, Header: http.Header{
			"X-Amz-Target": {"AWSCognitoIdentityProviderService." + op}, "Content-Type": {"application/x-amz-json-1.1"}}})
	}
	for _, tc := range []struct {
		name, op string
		body     []byte
		status   int
		code     string
	}{
		{"malformed JSON", "SignUp", []byte(`{"ClientId":`), 400, "SerializationException"},
		{"wrong types", "SignUp", []byte(`{"ClientId": 5, "Username": ["x"]}`), 400, "SerializationException"},
		{"not an object", "InitiateAuth", []byte(`[1,2,3]`), 400, "SerializationException"},
		{"oversized", "SignUp", []byte(`{"ClientId":"` + strings.Repeat("a", 2<<20) + `"}`), 413, "RequestEntityTooLargeException"},
		{"unknown client", "SignUp", []byte(`{"ClientId":"nope","Username":"a","Password":"Passw0rd!"}`), 400, "ResourceNotFoundException"},
		{"huge attribute", "SignUp", []byte(fmt.Sprintf(`{"ClientId":%q,"Username":"a","Password":"Passw0rd!","UserAttributes":[{"Name":"name","Value":%q}]}`,
			client, strings.Repeat("x", 5000))), 400, "InvalidParameterException"},
		{"control characters in name", "SignUp", []byte(fmt.Sprintf(`{"ClientId":%q,"Username":"a\nb","Password":"Passw0rd!"}`, client)), 400, "InvalidParameterException"},
		{"store key separator in name", "SignUp", []byte(fmt.Sprintf(`{"ClientId":%q,"Username":"a/b","Password":"Passw0rd!"}`, client)), 400, "InvalidParameterException"},
		{"bad session", "RespondToAuthChallenge", []byte(fmt.Sprintf(`{"ClientId":%q,"ChallengeName":"SOFTWARE_TOKEN_MFA","Session":"%s","ChallengeResponses":{"USERNAME":"a","SOFTWARE_TOKEN_MFA_CODE":"123456"}}`,
			client, strings.Repeat("A", 400))), 400, "NotAuthorizedException"},
		{"garbage access token", "GetUser", []byte(`{"AccessToken":"a.b.c"}`), 400, "NotAuthorizedException"},
		{"unknown operation, unsigned", "MakeMeAdmin", []byte(`{}`), 403, "MissingAuthenticationTokenException"},
		{"signed operation unsigned", "AdminCreateUser", []byte(fmt.Sprintf(`{"UserPoolId":%q,"Username":"x"}`, pool)), 403, "MissingAuthenticationTokenException"},
	} {
		r := call(tc.op, tc.body)
		if r.Status != tc.status || r.ErrorType() != tc.code {
			t.Errorf("%s: %d %s, want %d %s: %.200s", tc.name, r.Status, r.ErrorType(), tc.status, tc.code, r.Body)
		}
	}

	// Twenty sign-ups of one name at once: one wins, the rest are told it
	// exists; nothing in between.
	const n = 20
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call("SignUp", []byte(fmt.Sprintf(`{"ClientId":%q,"Username":"racer","Password":"Passw0rd!%d","UserAttributes":[{"Name":"email","Value":"racer@example.com"}]}`, client, i)))
			codes[i] = r.ErrorType()
			if r.Status == 200 {
				codes[i] = "OK"
			}
		}()
	}
	wg.Wait()
	ok, exists := 0, 0
	for _, c := range codes {
		switch c {
		case "OK":
			ok++
		case "UsernameExistsException":
			exists++
		}
	}
	if ok != 1 || exists != n-1 {
		t.Fatalf("concurrent sign-ups: %v", codes)
	}

	// The same code answered twenty times at once confirms once.
	code := sixDigits.FindString(s.outbox(t, "racer@example.com", 1)[0].Body)
	results := make([]rawResponse, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = call("ConfirmSignUp", []byte(fmt.Sprintf(`{"ClientId":%q,"Username":"racer","ConfirmationCode":%q}`, client, code)))
		}()
	}
	wg.Wait()
	confirmed := 0
	for _, r := range results {
		if r.Status == 200 {
			confirmed++
		} else if r.ErrorType() != "NotAuthorizedException" {
			t.Errorf("racing confirm: %d %s", r.Status, r.Body)
		}
	}
	if confirmed != 1 {
		t.Fatalf("%d confirmations of one code", confirmed)
	}
	r := call("InitiateAuth", []byte(fmt.Sprintf(`{"ClientId":%q,"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"racer","PASSWORD":"nope"}}`, client)))
	var doc struct{ Message string }
	json.Unmarshal(r.Body, &doc)
	if r.ErrorType() != "NotAuthorizedException" || doc.Message != "Incorrect username or password." {
		t.Fatalf("server after the storm: %d %s", r.Status, r.Body)
	}
}
