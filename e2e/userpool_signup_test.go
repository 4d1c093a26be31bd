package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// outboxMessage is one entry of `gatehouse outbox --json`.
type outboxMessage struct {
	Medium, To, Subject, Body, Status, Source string
}

// outbox reads the messages to an address with `gatehouse outbox`, newest
// first, waiting briefly for at least want of them.
func (s *server) outbox(t *testing.T, to string, want int) []outboxMessage {
	t.Helper()
	var msgs []outboxMessage
	waitFor(10*time.Second, func() bool {
		stdout, stderr, code := runCmd(t, s.Env, time.Minute, binPath, "outbox", "--endpoint", s.URL, "--to", to, "--json")
		if code != 0 {
			t.Fatalf("gatehouse outbox: exit %d: %s", code, stderr)
		}
		msgs = nil
		if err := json.Unmarshal([]byte(stdout), &msgs); err != nil {
			t.Fatalf("gatehouse outbox --json: %v\n%s", err, stdout)
		}
		return len(msgs) >= want
	})
	if len(msgs) < want {
		t.Fatalf("outbox for %s: %d messages, want %d", to, len(msgs), want)
	}
	return msgs
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// TestUserPoolSignUpCLI walks the second CLI flow and the code
// flows around it with the aws CLI: an admin-created user whose
// temporary password comes from the outbox and who finishes with
// admin-respond-to-auth-challenge; sign-up with attributes, confirmation
// by an administrator and by a code from the outbox; password reset.
func TestUserPoolSignUpCLI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	idp := func(out any, args ...string) string { return cli.ok(out, append([]string{"cognito-idp"}, args...)...) }
	text := func(args ...string) string {
		return strings.TrimSpace(idp(nil, append(args, "--output", "text")...))
	}
	pool := text("create-user-pool", "--pool-name", "signup", "--username-attributes", "email", "--auto-verified-attributes", "email",
		"--policies", "PasswordPolicy={MinimumLength=10,RequireUppercase=true,RequireLowercase=true,RequireNumbers=true,RequireSymbols=false}",
		"--query", "UserPool.Id")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "cli",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
		"--query", "UserPoolClient.ClientId")

	// An invitation: the temporary password arrives in the outbox.
	text("admin-create-user", "--user-pool-id", pool, "--username", "olga@example.com", "--desired-delivery-mediums", "EMAIL",
		"--user-attributes", "Name=email_verified,Value=true", "--query", "User.Username")
	invite := s.outbox(t, "olga@example.com", 1)[0]
	if invite.Subject != "Your temporary password" || invite.Medium != "EMAIL" {
		t.Fatalf("invitation: %+v", invite)
	}
	m := regexp.MustCompile(`temporary password is (\S+)\. `).FindStringSubmatch(invite.Body)
	if m == nil {
		t.Fatalf("no temporary password in %q", invite.Body)
	}
	var ch struct {
		ChallengeName, Session string
		ChallengeParameters    map[string]string
	}
	idp(&ch, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=olga@example.com,PASSWORD="+m[1])
	if ch.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("initiate-auth with the temporary password: %+v", ch)
	}
	var tok struct {
		AuthenticationResult struct{ AccessToken, IdToken, RefreshToken string }
	}
	idp(&tok, "admin-respond-to-auth-challenge", "--user-pool-id", pool, "--client-id", client, "--challenge-name", "NEW_PASSWORD_REQUIRED",
		"--session", ch.Session, "--challenge-responses", "USERNAME="+ch.ChallengeParameters["USER_ID_FOR_SRP"]+",NEW_PASSWORD=Olga-Passw0rd")
	if tok.AuthenticationResult.IdToken == "" || tok.AuthenticationResult.RefreshToken == "" {
		t.Fatalf("admin-respond-to-auth-challenge: %+v", tok)
	}

	// Sign-up with attributes, confirmed by an administrator.
	var su struct {
		UserConfirmed       bool
		UserSub             string
		CodeDeliveryDetails map[string]string
	}
	idp(&su, "sign-up", "--client-id", client, "--username", "pete@example.com", "--password", "Pete-Passw0rd",
		"--user-attributes", "Name=given_name,Value=Pete", "Name=family_name,Value=Sampras", "Name=gender,Value=male",
		"Name=phone_number,Value=+15555550100")
	if su.UserConfirmed || len(su.UserSub) != 36 || su.CodeDeliveryDetails["Destination"] != "p***@e***.com" {
		t.Fatalf("sign-up: %+v", su)
	}
	cli.fails("UserNotConfirmedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=pete@example.com,PASSWORD=Pete-Passw0rd")
	cli.fails("InvalidPasswordException", "cognito-idp", "sign-up", "--client-id", client, "--username", "weak@example.com", "--password", "Short1a")
	cli.fails("UsernameExistsException", "cognito-idp", "sign-up", "--client-id", client, "--username", "pete@example.com", "--password", "Pete-Passw0rd")
	text("admin-confirm-sign-up", "--user-pool-id", pool, "--username", "pete@example.com")
	cli.fails("NotAuthorizedException", "cognito-idp", "admin-confirm-sign-up", "--user-pool-id", pool, "--username", "pete@example.com")
	var user struct {
		UserStatus     string
		UserAttributes []struct{ Name, Value string }
	}
	idp(&user, "admin-get-user", "--user-pool-id", pool, "--username", "pete@example.com")
	attrs := map[string]string{}
	for _, a := range user.UserAttributes {
		attrs[a.Name] = a.Value
	}
	if user.UserStatus != "CONFIRMED" || attrs["family_name"] != "Sampras" || attrs["gender"] != "male" || attrs["phone_number"] != "+15555550100" || attrs["sub"] != su.UserSub {
		t.Fatalf("admin-get-user: %+v", user)
	}
	idp(&tok, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=pete@example.com,PASSWORD=Pete-Passw0rd")
	if tok.AuthenticationResult.AccessToken == "" {
		t.Fatal("no tokens after admin-confirm-sign-up")
	}

	// Sign-up confirmed with the emailed code; a wrong code first.
	idp(nil, "sign-up", "--client-id", client, "--username", "quinn@example.com", "--password", "Quinn-Passw0rd")
	code := sixDigits.FindString(s.outbox(t, "quinn@example.com", 1)[0].Body)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	cli.fails("CodeMismatchException", "cognito-idp", "confirm-sign-up", "--client-id", client, "--username", "quinn@example.com", "--confirmation-code", wrong)
	idp(nil, "confirm-sign-up", "--client-id", client, "--username", "quinn@example.com", "--confirmation-code", code)
	idp(&user, "admin-get-user", "--user-pool-id", pool, "--username", "quinn@example.com")
	if user.UserStatus != "CONFIRMED" {
		t.Fatalf("after confirm-sign-up: %+v", user)
	}

	// Password reset with the emailed code.
	var fp struct{ CodeDeliveryDetails map[string]string }
	idp(&fp, "forgot-password", "--client-id", client, "--username", "quinn@example.com")
	if fp.CodeDeliveryDetails["AttributeName"] != "email" {
		t.Fatalf("forgot-password: %+v", fp)
	}
	reset := s.outbox(t, "quinn@example.com", 2)[0]
	idp(nil, "confirm-forgot-password", "--client-id", client, "--username", "quinn@example.com",
		"--confirmation-code", sixDigits.FindString(reset.Body), "--password", "Quinn-N3w-Passw0rd")
	cli.fails("NotAuthorizedException", "cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=quinn@example.com,PASSWORD=Quinn-Passw0rd")
	idp(nil, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=quinn@example.com,PASSWORD=Quinn-N3w-Passw0rd")

	// A changed email is unverified until its code comes back.
	idp(&tok, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=quinn@example.com,PASSWORD=Quinn-N3w-Passw0rd")
	var upd struct{ CodeDeliveryDetailsList []map[string]string }
	idp(&upd, "update-user-attributes", "--access-token", tok.AuthenticationResult.AccessToken, "--user-attributes", "Name=email,Value=quinn2@example.com")
	if len(upd.CodeDeliveryDetailsList) != 1 {
		t.Fatalf("update-user-attributes: %+v", upd)
	}
	idp(nil, "verify-user-attribute", "--access-token", tok.AuthenticationResult.AccessToken, "--attribute-name", "email",
		"--code", sixDigits.FindString(s.outbox(t, "quinn2@example.com", 1)[0].Body))
	idp(&user, "admin-get-user", "--user-pool-id", pool, "--username", "quinn2@example.com")
	for _, a := range user.UserAttributes {
		if a.Name == "email_verified" && a.Value != "true" {
			t.Fatalf("email_verified after verify-user-attribute: %+v", user)
		}
	}
}
