package userpool

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/userpool/srp"
)

func TestPreAndPostAuthentication(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{PreAuthentication: "arn:pre", PostAuthentication: "arn:post"})
	e.user(t, "hal", Attribute{"email", "hal@example.com"})
	inv.fns["arn:pre"], inv.fns["arn:post"] = echo, echo
	// echo answers null: the handler returned nothing.
	_, err := e.login(t, "hal", "Passw0rd!")
	wantErr(t, err, "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON")

	pass := func(_ context.Context, ev map[string]any) (any, bool, error) { return ev, false, nil }
	inv.fns["arn:pre"], inv.fns["arn:post"] = pass, pass
	out, err := e.s.InitiateAuth(context.Background(), &AuthInput{ClientID: e.client.ClientID, AuthFlow: "USER_PASSWORD_AUTH",
		AuthParameters: map[string]string{"USERNAME": "hal@example.com", "PASSWORD": "Passw0rd!"}, ClientMetadata: map[string]string{"k": "v"}}, false)
	if err == nil {
		t.Fatalf("an unverified email is no alias: %+v", out)
	}
	out, err = e.s.InitiateAuth(context.Background(), &AuthInput{ClientID: e.client.ClientID, AuthFlow: "USER_PASSWORD_AUTH",
		AuthParameters: map[string]string{"USERNAME": "hal", "PASSWORD": "Passw0rd!"}, ClientMetadata: map[string]string{"k": "v"}}, false)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("%+v %v", out, err)
	}
	pre, post := inv.last("arn:pre"), inv.last("arn:post")
	preq, postq := pre["request"].(map[string]any), post["request"].(map[string]any)
	if pre["triggerSource"] != "PreAuthentication_Authentication" || preq["validationData"].(map[string]any)["k"] != "v" ||
		preq["userAttributes"].(map[string]any)["cognito:user_status"] != "CONFIRMED" || preq["userNotFound"] != nil {
		t.Fatalf("pre: %v", pre)
	}
	if post["triggerSource"] != "PostAuthentication_Authentication" || postq["newDeviceUsed"] != false ||
		postq["userAttributes"].(map[string]any)["email"] != "hal@example.com" {
		t.Fatalf("post: %v", post)
	}

	// Pre denies before the password is looked at; Post fails the sign-in.
	inv.fns["arn:pre"] = fnError("Blocked")
	_, err = e.login(t, "hal", "wrong")
	wantErr(t, err, "UserLambdaValidationException", "PreAuthentication failed with error Blocked.")
	inv.fns["arn:pre"], inv.fns["arn:post"] = pass, fnError("Audit down")
	_, err = e.login(t, "hal", "Passw0rd!")
	wantErr(t, err, "UserLambdaValidationException", "PostAuthentication failed with error Audit down.")

	// An unknown user reaches PreAuthentication only when the client
	// hides which users exist.
	n := inv.calls["arn:pre"]
	_, err = e.login(t, "nobody", "Passw0rd!")
	wantErr(t, err, "UserNotFoundException", "")
	if inv.calls["arn:pre"] != n {
		t.Fatal("PreAuthentication ran for an unknown user under LEGACY")
	}
	if _, err := e.s.UpdateClient(context.Background(), &ClientInput{UserPoolID: e.pool.ID, ClientID: e.client.ClientID, ClientName: ptr("app"),
		ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}, PreventUserExistenceErrors: ptr("ENABLED")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.login(t, "nobody", "Passw0rd!")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	if ev := inv.last("arn:pre"); ev["request"].(map[string]any)["userNotFound"] != true || ev["userName"] != "nobody" {
		t.Fatalf("pre for unknown user: %v", ev)
	}
}

func TestPreTokenGenerationV1(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{PreTokenGeneration: "arn:ptg"})
	e.user(t, "ivy", Attribute{"email", "ivy@example.com"}, Attribute{"family_name", "Ng"})
	ctx := context.Background()
	e.s.CreateGroup(ctx, &GroupInput{UserPoolID: e.pool.ID, GroupName: "staff"})
	if err := e.s.membership(ctx, e.pool.ID, "ivy", "staff", true); err != nil {
		t.Fatal(err)
	}
	inv.fns["arn:ptg"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		return respond(ev, map[string]any{"claimsOverrideDetails": map[string]any{
			"claimsToAddOrOverride": map[string]any{"tenant": "acme", "level": 3, "family_name": "Ngo", "sub": "forged", "cognito:username": "x"},
			"claimsToSuppress":      []string{"email", "iss"},
			"groupOverrideDetails":  map[string]any{"groupsToOverride": []string{"a", "b"}, "iamRolesToOverride": []string{"arn:r"}, "preferredRole": "arn:r"},
		}}), false, nil
	}
	out, err := e.login(t, "ivy", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	ev := inv.last("arn:ptg")
	gc := ev["request"].(map[string]any)["groupConfiguration"].(map[string]any)
	if ev["triggerSource"] != "TokenGeneration_Authentication" || ev["version"] != "1" || gc["preferredRole"] != nil ||
		len(gc["groupsToOverride"].([]any)) != 1 || ev["request"].(map[string]any)["scopes"] != nil {
		t.Fatalf("event: %v", ev)
	}
	id, access := claimsOf(t, out.AuthenticationResult.IDToken), claimsOf(t, out.AuthenticationResult.AccessToken)
	if id["tenant"] != "acme" || id["level"] != "3" || id["family_name"] != "Ngo" || id["email"] != nil || id["iss"] == nil ||
		id["sub"] == "forged" || id["cognito:username"] != "ivy" || id["cognito:preferred_role"] != "arn:r" {
		t.Fatalf("id token: %v", id)
	}
	if g, _ := json.Marshal(access["cognito:groups"]); string(g) != `["a","b"]` || access["tenant"] != nil {
		t.Fatalf("access token: %v", access)
	}
	// Refreshing runs it again with its own source.
	if _, err := e.s.InitiateAuth(ctx, &AuthInput{ClientID: e.client.ClientID, AuthFlow: "REFRESH_TOKEN_AUTH",
		AuthParameters: map[string]string{"REFRESH_TOKEN": out.AuthenticationResult.RefreshToken}}, false); err != nil {
		t.Fatal(err)
	}
	if ev := inv.last("arn:ptg"); ev["triggerSource"] != "TokenGeneration_RefreshTokens" {
		t.Fatalf("refresh: %v", ev["triggerSource"])
	}
	// Arrays need V2.
	inv.fns["arn:ptg"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		return respond(ev, map[string]any{"claimsOverrideDetails": map[string]any{"claimsToAddOrOverride": map[string]any{"l": []int{1}}}}), false, nil
	}
	_, err = e.login(t, "ivy", "Passw0rd!")
	wantErr(t, err, "InvalidLambdaResponseException", "")
}

func TestPreTokenGenerationV2(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{PreTokenGenerationConfig: &PreTokenGenerationConfig{LambdaVersion: "V2_0", LambdaArn: "arn:ptg"}})
	e.user(t, "jo", Attribute{"email", "jo@example.com"})
	inv.fns["arn:ptg"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		return respond(ev, map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"roles": []string{"x", "y"}, "n": 1}, "claimsToSuppress": []string{"email"}},
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": map[string]any{"id": 7}, "client_id": "evil"},
				"claimsToSuppress": []string{"username"}, "scopesToAdd": []string{"api/read", "api/write"}, "scopesToSuppress": []string{"aws.cognito.signin.user.admin", "api/write"}},
		}}), false, nil
	}
	out, err := e.login(t, "jo", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	ev := inv.last("arn:ptg")
	if ev["version"] != "2" || !slices.Equal(anyStrings(ev["request"].(map[string]any)["scopes"]), []string{"aws.cognito.signin.user.admin"}) {
		t.Fatalf("event: %v", ev)
	}
	id, access := claimsOf(t, out.AuthenticationResult.IDToken), claimsOf(t, out.AuthenticationResult.AccessToken)
	if g, _ := json.Marshal(id["roles"]); string(g) != `["x","y"]` || id["n"] != 1.0 || id["email"] != nil {
		t.Fatalf("id token: %v", id)
	}
	if access["scope"] != "api/read" || access["tenant"].(map[string]any)["id"] != 7.0 || access["client_id"] != e.client.ClientID || access["username"] != "jo" {
		t.Fatalf("access token: %v", access)
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestUserMigrationOnSignInAndForgotPassword(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, LambdaConfig{UserMigration: "arn:mig", PreAuthentication: "arn:pre"})
	inv.fns["arn:pre"] = func(_ context.Context, ev map[string]any) (any, bool, error) { return ev, false, nil }
	inv.fns["arn:mig"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		req := ev["request"].(map[string]any)
		switch {
		case ev["triggerSource"] == "UserMigration_Authentication" && ev["userName"] == "kim" && req["password"] == "legacy-pw":
			return respond(ev, map[string]any{"userAttributes": map[string]string{"email": "kim@example.com", "email_verified": "true"},
				"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}), false, nil
		case ev["triggerSource"] == "UserMigration_ForgotPassword" && ev["userName"] == "lou" && req["password"] == nil:
			return respond(ev, map[string]any{"userAttributes": map[string]string{"email": "lou@example.com", "email_verified": "true"}}), false, nil
		}
		return map[string]any{"errorMessage": "Bad credentials"}, true, nil
	}
	_, err := e.login(t, "kim", "wrong-pw")
	wantErr(t, err, "UserNotFoundException", "Exception migrating user in app client "+e.client.ClientID)
	out, err := e.login(t, "kim", "legacy-pw")
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("%+v %v", out, err)
	}
	if ev := inv.last("arn:pre"); ev["userName"] != "kim" {
		t.Fatalf("PreAuthentication after migration: %v", ev)
	}
	u, _ := e.s.AdminGetUser(context.Background(), e.pool.ID, "kim")
	if u.UserStatus != "CONFIRMED" || attrOf(u, "email") != "kim@example.com" {
		t.Fatalf("%+v", u)
	}
	// Migrated once: the next sign-in is an ordinary one.
	n := inv.calls["arn:mig"]
	if _, err := e.login(t, "kim", "legacy-pw"); err != nil || inv.calls["arn:mig"] != n {
		t.Fatalf("%v, %d migrations", err, inv.calls["arn:mig"]-n)
	}

	d, err := e.s.ForgotPassword(context.Background(), &ResendInput{ClientID: e.client.ClientID, Username: "lou"})
	if err != nil || d.AttributeName != "email" {
		t.Fatalf("%+v %v", d, err)
	}
	u, _ = e.s.AdminGetUser(context.Background(), e.pool.ID, "lou")
	if u.UserStatus != "RESET_REQUIRED" {
		t.Fatalf("%+v", u)
	}
	_, code := e.box.last(t, "lou@example.com")
	if err := e.s.ConfirmForgotPassword(context.Background(), &ConfirmForgotInput{ClientID: e.client.ClientID, Username: "lou",
		ConfirmationCode: code, Password: "N3w-Passw0rd!"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(t, "lou", "N3w-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
}

// customAuthTriggers are Define/Create/Verify for a one-question
// challenge: two wrong answers fail, a right one issues tokens.
func customAuthTriggers(inv *fakeInvoker) {
	inv.fns["arn:define"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		session := ev["request"].(map[string]any)["session"].([]any)
		r := map[string]any{}
		last := map[string]any{}
		if len(session) > 0 {
			last = session[len(session)-1].(map[string]any)
		}
		switch {
		case len(session) == 1 && last["challengeName"] == "SRP_A":
			r["challengeName"] = "PASSWORD_VERIFIER"
		case last["challengeName"] == "CUSTOM_CHALLENGE" && last["challengeResult"] == true:
			r["issueTokens"] = true
		case len(session) >= 3:
			r["failAuthentication"] = true
		default:
			r["challengeName"] = "CUSTOM_CHALLENGE"
		}
		return respond(ev, r), false, nil
	}
	inv.fns["arn:create"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		return respond(ev, map[string]any{"publicChallengeParameters": map[string]string{"question": "2+2?"},
			"privateChallengeParameters": map[string]string{"answer": "4"}, "challengeMetadata": "MATH"}), false, nil
	}
	inv.fns["arn:verify"] = func(_ context.Context, ev map[string]any) (any, bool, error) {
		req := ev["request"].(map[string]any)
		ok := req["challengeAnswer"] == req["privateChallengeParameters"].(map[string]any)["answer"]
		return respond(ev, map[string]any{"answerCorrect": ok}), false, nil
	}
}

var customLC = LambdaConfig{DefineAuthChallenge: "arn:define", CreateAuthChallenge: "arn:create", VerifyAuthChallengeResponse: "arn:verify"}

func (e *accountsEnv) custom(t *testing.T, params map[string]string) (*AuthOutput, error) {
	t.Helper()
	return e.s.InitiateAuth(context.Background(), &AuthInput{ClientID: e.client.ClientID, AuthFlow: "CUSTOM_AUTH", AuthParameters: params}, false)
}

func TestCustomAuthLoop(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, customLC, "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH")
	customAuthTriggers(inv)
	e.user(t, "max")
	ch, err := e.custom(t, map[string]string{"USERNAME": "max"})
	if err != nil || ch.ChallengeName != "CUSTOM_CHALLENGE" || ch.ChallengeParameters["question"] != "2+2?" || ch.ChallengeParameters["USERNAME"] != "max" || ch.Session == "" {
		t.Fatalf("%+v %v", ch, err)
	}
	if ev := inv.last("arn:define"); len(ev["request"].(map[string]any)["session"].([]any)) != 0 {
		t.Fatalf("first define: %v", ev)
	}
	answer := func(session, ans string) (*AuthOutput, error) {
		return e.respond("CUSTOM_CHALLENGE", session, map[string]string{"USERNAME": "max", "ANSWER": ans})
	}
	// Wrong, then right: tokens.
	ch2, err := answer(ch.Session, "5")
	if err != nil || ch2.ChallengeName != "CUSTOM_CHALLENGE" {
		t.Fatalf("%+v %v", ch2, err)
	}
	verify := inv.last("arn:verify")["request"].(map[string]any)
	if verify["challengeAnswer"] != "5" || verify["privateChallengeParameters"].(map[string]any)["answer"] != "4" {
		t.Fatalf("verify: %v", verify)
	}
	hist := inv.last("arn:create")["request"].(map[string]any)["session"].([]any)
	if len(hist) != 1 || hist[0].(map[string]any)["challengeResult"] != false || hist[0].(map[string]any)["challengeMetadata"] != "MATH" {
		t.Fatalf("create session: %v", hist)
	}
	// A session answers once.
	_, err = answer(ch.Session, "4")
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	done, err := answer(ch2.Session, "4")
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("%+v %v", done, err)
	}

	// Three wrong answers: Define fails the sign-in.
	ch, _ = e.custom(t, map[string]string{"USERNAME": "max"})
	for range 2 {
		if ch, err = answer(ch.Session, "1"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = answer(ch.Session, "1")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

	// Sessions are bound to the client and the user, and expire.
	ch, _ = e.custom(t, map[string]string{"USERNAME": "max"})
	other, err := e.s.CreateClient(context.Background(), &ClientInput{UserPoolID: e.pool.ID, ClientName: ptr("other"),
		ExplicitAuthFlows: []string{"ALLOW_CUSTOM_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.RespondToAuthChallenge(context.Background(), &ChallengeInput{ClientID: other.ClientID, ChallengeName: "CUSTOM_CHALLENGE",
		Session: ch.Session, ChallengeResponses: map[string]string{"USERNAME": "max", "ANSWER": "4"}}, false)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	e.user(t, "nia")
	_, err = e.respond("CUSTOM_CHALLENGE", ch.Session, map[string]string{"USERNAME": "nia", "ANSWER": "4"})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	*e.now = e.now.Add(4 * time.Minute)
	_, err = answer(ch.Session, "4")
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	*e.now = e.now.Add(-4 * time.Minute)

	// Define answering nothing usable.
	inv.fns["arn:define"] = func(_ context.Context, ev map[string]any) (any, bool, error) { return ev, false, nil }
	_, err = e.custom(t, map[string]string{"USERNAME": "max"})
	wantErr(t, err, "InvalidLambdaResponseException", "")
}

func TestCustomAuthAfterSRP(t *testing.T) {
	t.Parallel()
	e, inv := withTriggers(t, customLC, "ALLOW_CUSTOM_AUTH")
	customAuthTriggers(inv)
	e.user(t, "oz")
	start := func(pw string) (*AuthOutput, error) {
		c, err := srp.NewClient(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := e.custom(t, map[string]string{"USERNAME": "oz", "CHALLENGE_NAME": "SRP_A", "SRP_A": c.A()})
		if err != nil || ch.ChallengeName != "PASSWORD_VERIFIER" {
			t.Fatalf("%+v %v", ch, err)
		}
		p := ch.ChallengeParameters
		ts := srp.FormatTimestamp(time.Now())
		sig, err := c.Respond(srp.PoolName(e.pool.ID), p["USER_ID_FOR_SRP"], pw, p["SRP_B"], p["SALT"], p["SECRET_BLOCK"], ts)
		if err != nil {
			t.Fatal(err)
		}
		return e.respond("PASSWORD_VERIFIER", "", map[string]string{"USERNAME": "oz", "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts})
	}
	if _, err := start("Wrong-Passw0rd!"); err == nil {
		t.Fatal("wrong password accepted")
	}
	ch, err := start("Passw0rd!")
	if err != nil || ch.ChallengeName != "CUSTOM_CHALLENGE" {
		t.Fatalf("%+v %v", ch, err)
	}
	hist := inv.last("arn:create")["request"].(map[string]any)["session"].([]any)
	if len(hist) != 2 || hist[0].(map[string]any)["challengeName"] != "SRP_A" || hist[1].(map[string]any)["challengeName"] != "PASSWORD_VERIFIER" ||
		hist[1].(map[string]any)["challengeResult"] != true {
		t.Fatalf("session after SRP: %v", hist)
	}
	done, err := e.respond("CUSTOM_CHALLENGE", ch.Session, map[string]string{"USERNAME": "oz", "ANSWER": "4"})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("%+v %v", done, err)
	}
}

func TestCustomAuthRefusals(t *testing.T) {
	t.Parallel()
	e, _ := withTriggers(t, LambdaConfig{}, "ALLOW_USER_PASSWORD_AUTH")
	_, err := e.custom(t, map[string]string{"USERNAME": "x"})
	wantErr(t, err, "InvalidParameterException", "CUSTOM_AUTH flow not enabled for this client")
	e2, _ := withTriggers(t, LambdaConfig{}, "ALLOW_CUSTOM_AUTH")
	_, err = e2.custom(t, map[string]string{"USERNAME": "x"})
	wantErr(t, err, "InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool.")

	// An unknown user: UserNotFoundException, or, when the client hides
	// which users exist, challenges that lead nowhere.
	e3, inv3 := withTriggers(t, customLC, "ALLOW_CUSTOM_AUTH")
	customAuthTriggers(inv3)
	_, err = e3.custom(t, map[string]string{"USERNAME": "ghost"})
	wantErr(t, err, "UserNotFoundException", "")
	if _, err := e3.s.UpdateClient(context.Background(), &ClientInput{UserPoolID: e3.pool.ID, ClientID: e3.client.ClientID, ClientName: ptr("app"),
		ExplicitAuthFlows: []string{"ALLOW_CUSTOM_AUTH"}, PreventUserExistenceErrors: ptr("ENABLED")}); err != nil {
		t.Fatal(err)
	}
	ch, err := e3.custom(t, map[string]string{"USERNAME": "ghost"})
	if err != nil || ch.ChallengeName != "CUSTOM_CHALLENGE" {
		t.Fatalf("%+v %v", ch, err)
	}
	if ev := inv3.last("arn:define"); ev["request"].(map[string]any)["userNotFound"] != true {
		t.Fatalf("define: %v", ev)
	}
	_, err = e3.respond("CUSTOM_CHALLENGE", ch.Session, map[string]string{"USERNAME": "ghost", "ANSWER": "4"})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
}
