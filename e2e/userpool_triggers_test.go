package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/userpool/srp"
)

// cognito calls a user pool operation with a JSON body, signed with the root
// key when signed (the Admin and management operations), and returns the
// status and the decoded body.
func (s *server) cognito(t *testing.T, op string, body any, signed bool) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	r := rawReq{Path: "/", Body: b, Service: "cognito-idp", Header: http.Header{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {"AWSCognitoIdentityProviderService." + op},
	}}
	if signed {
		r.ID, r.Secret = s.AccessKey, s.SecretKey
	}
	resp := s.do(t, r)
	var out map[string]any
	json.Unmarshal(resp.Body, &out)
	return resp.Status, out
}

// cognitoOK is cognito for a call that must succeed.
func (s *server) cognitoOK(t *testing.T, op string, body any, signed bool) map[string]any {
	t.Helper()
	code, out := s.cognito(t, op, body, signed)
	if code != http.StatusOK {
		t.Fatalf("%s: HTTP %d %v", op, code, out)
	}
	return out
}

// cognitoFails requires op to fail with the error code and, when msg is not
// empty, that message.
func (s *server) cognitoFails(t *testing.T, code, msg, op string, body any, signed bool) {
	t.Helper()
	status, out := s.cognito(t, op, body, signed)
	if status != http.StatusBadRequest || out["__type"] != code || (msg != "" && out["message"] != msg) {
		t.Fatalf("%s: HTTP %d %v, want %s %q", op, status, out, code, msg)
	}
}

// nodeTrigger creates a nodejs20.x function whose index.mjs is src and
// returns its ARN.
func nodeTrigger(t *testing.T, s *server, prefix, src string) string {
	t.Helper()
	name := uniqueName(prefix)
	out := createFn(t, s.lambda(), name, "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.mjs", Body: src}), withTimeout(30))
	return *out.FunctionArn
}

// triggerPool creates a pool with lambdaConfig and a client with flows
// (plus any extra client settings), and returns their ids.
func triggerPool(t *testing.T, s *server, lambdaConfig map[string]any, flows []string, client map[string]any) (pool, clientID string) {
	t.Helper()
	p := s.cognitoOK(t, "CreateUserPool", map[string]any{"PoolName": "triggers", "LambdaConfig": lambdaConfig,
		"Schema": []map[string]any{{"Name": "email", "AttributeDataType": "String", "Mutable": true}}}, true)
	pool = p["UserPool"].(map[string]any)["Id"].(string)
	in := map[string]any{"UserPoolId": pool, "ClientName": "app", "ExplicitAuthFlows": flows}
	for k, v := range client {
		in[k] = v
	}
	c := s.cognitoOK(t, "CreateUserPoolClient", in, true)
	return pool, c["UserPoolClient"].(map[string]any)["ClientId"].(string)
}

// triggerUser creates a user with a permanent password.
func triggerUser(t *testing.T, s *server, pool, name, password string, attrs ...map[string]string) {
	t.Helper()
	if attrs == nil {
		attrs = []map[string]string{}
	}
	s.cognitoOK(t, "AdminCreateUser", map[string]any{"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS", "UserAttributes": attrs}, true)
	s.cognitoOK(t, "AdminSetUserPassword", map[string]any{"UserPoolId": pool, "Username": name, "Password": password, "Permanent": true}, true)
}

func passwordAuth(name, password string, clientID string, meta map[string]string) map[string]any {
	in := map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": clientID,
		"AuthParameters": map[string]string{"USERNAME": name, "PASSWORD": password}}
	if meta != nil {
		in["ClientMetadata"] = meta
	}
	return in
}

// tokenClaims decodes a JWT's payload (the signature is the tokens
// package's business, tested there and by the verifier tests).
func tokenClaims(t *testing.T, tok any) map[string]any {
	t.Helper()
	s, _ := tok.(string)
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", s)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(b, &c)
	return c
}

func tokensOf(t *testing.T, out map[string]any) (id, access map[string]any) {
	t.Helper()
	res, ok := out["AuthenticationResult"].(map[string]any)
	if !ok {
		t.Fatalf("no tokens: %v", out)
	}
	return tokenClaims(t, res["IdToken"]), tokenClaims(t, res["AccessToken"])
}

// TestUserPoolTriggersSignUpAndSignIn: real Node.js functions as
// PreSignUp (auto-confirming, and refusing), PreAuthentication (denying
// on ClientMetadata), PostAuthentication (printing the event it got) and
// PreTokenGeneration V1_0 and V2_0, seen in the decoded tokens.
func TestUserPoolTriggersSignUpAndSignIn(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)

	autoConfirm := nodeTrigger(t, s, "presignup", `export const handler = async (event) => {
  event.response.autoConfirmUser = true;
  event.response.autoVerifyEmail = event.request.validationData?.invite === "yes";
  return event;
};`)
	refuse := nodeTrigger(t, s, "presignup-no", `export const handler = async () => { throw new Error("Invite only"); };`)
	preAuth := nodeTrigger(t, s, "preauth", `export const handler = async (event) => {
  if (event.request.validationData?.deny === "yes") throw new Error("Sign-in blocked");
  return event;
};`)
	postAuthName := uniqueName("postauth")
	postAuth := *createFn(t, s.lambda(), postAuthName, "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.mjs",
		Body: `export const handler = async (event) => { console.log("POSTAUTH " + JSON.stringify(event)); return event; };`})).FunctionArn
	ptgV1 := nodeTrigger(t, s, "ptg1", `export const handler = async (event) => {
  event.response.claimsOverrideDetails = {
    claimsToAddOrOverride: { tenant: "acme", family_name: "Override", sub: "forged" },
    claimsToSuppress: ["email"],
    groupOverrideDetails: {
      groupsToOverride: ["from-trigger", ...event.request.groupConfiguration.groupsToOverride],
      iamRolesToOverride: ["arn:aws:iam::000000000000:role/trigger"],
      preferredRole: "arn:aws:iam::000000000000:role/trigger",
    },
  };
  return event;
};`)
	ptgV2 := nodeTrigger(t, s, "ptg2", `export const handler = async (event) => {
  event.response.claimsAndScopeOverrideDetails = {
    idTokenGeneration: { claimsToAddOrOverride: { roles: ["reader", "writer"] }, claimsToSuppress: ["email"] },
    accessTokenGeneration: {
      claimsToAddOrOverride: { tenant: { id: 7, name: "acme" } },
      scopesToAdd: ["api/read"],
      scopesToSuppress: ["aws.cognito.signin.user.admin"],
    },
  };
  return event;
};`)
	flows := []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}

	// PreSignUp: confirmed (and the email verified) by the trigger.
	pool, client := triggerPool(t, s, map[string]any{"PreSignUp": autoConfirm}, flows, nil)
	out := s.cognitoOK(t, "SignUp", map[string]any{"ClientId": client, "Username": "ann", "Password": "Ann-Passw0rd!",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": "ann@example.com"}},
		"ValidationData": []map[string]string{{"Name": "invite", "Value": "yes"}}}, false)
	if out["UserConfirmed"] != true || out["CodeDeliveryDetails"] != nil {
		t.Fatalf("SignUp with auto-confirm: %v", out)
	}
	u := s.cognitoOK(t, "AdminGetUser", map[string]any{"UserPoolId": pool, "Username": "ann"}, true)
	if u["UserStatus"] != "CONFIRMED" || !hasAttr(u["UserAttributes"], "email_verified", "true") {
		t.Fatalf("auto-confirmed user: %v", u)
	}
	s.cognitoOK(t, "InitiateAuth", passwordAuth("ann", "Ann-Passw0rd!", client, nil), false)

	// PreSignUp refusing: Cognito's wording, and no user.
	pool2, client2 := triggerPool(t, s, map[string]any{"PreSignUp": refuse}, flows, nil)
	s.cognitoFails(t, "UserLambdaValidationException", "PreSignUp failed with error Invite only.", "SignUp",
		map[string]any{"ClientId": client2, "Username": "bob", "Password": "Bob-Passw0rd!"}, false)
	s.cognitoFails(t, "UserNotFoundException", "", "AdminGetUser", map[string]any{"UserPoolId": pool2, "Username": "bob"}, true)

	// PreAuthentication denying, PostAuthentication seeing the sign-in,
	// PreTokenGeneration V1_0 shaping the tokens.
	pool3, client3 := triggerPool(t, s, map[string]any{"PreAuthentication": preAuth, "PostAuthentication": postAuth, "PreTokenGeneration": ptgV1}, flows, nil)
	triggerUser(t, s, pool3, "cat", "Cat-Passw0rd!", map[string]string{"Name": "email", "Value": "cat@example.com"},
		map[string]string{"Name": "family_name", "Value": "Jones"})
	s.cognitoOK(t, "CreateGroup", map[string]any{"UserPoolId": pool3, "GroupName": "staff"}, true)
	s.cognitoOK(t, "AdminAddUserToGroup", map[string]any{"UserPoolId": pool3, "Username": "cat", "GroupName": "staff"}, true)
	s.cognitoFails(t, "UserLambdaValidationException", "PreAuthentication failed with error Sign-in blocked.", "InitiateAuth",
		passwordAuth("cat", "Cat-Passw0rd!", client3, map[string]string{"deny": "yes"}), false)
	if strings.Contains(s.logText(t, postAuthName), "POSTAUTH") {
		t.Fatal("PostAuthentication ran for a denied sign-in")
	}
	out = s.cognitoOK(t, "InitiateAuth", passwordAuth("cat", "Cat-Passw0rd!", client3, map[string]string{"deny": "no"}), false)
	id, access := tokensOf(t, out)
	if id["tenant"] != "acme" || id["family_name"] != "Override" || id["email"] != nil || id["sub"] == "forged" ||
		id["cognito:preferred_role"] != "arn:aws:iam::000000000000:role/trigger" || id["cognito:username"] != "cat" {
		t.Fatalf("V1 ID token: %v", id)
	}
	if g, _ := json.Marshal(access["cognito:groups"]); string(g) != `["from-trigger","staff"]` || access["tenant"] != nil ||
		access["scope"] != "aws.cognito.signin.user.admin" {
		t.Fatalf("V1 access token (groups only): %v", access)
	}
	s.waitLog(t, postAuthName, "POSTAUTH ")
	var ev struct {
		Version, TriggerSource, UserPoolID, UserName string
		CallerContext                                struct{ ClientID string }
		Request                                      struct {
			UserAttributes map[string]string
			NewDeviceUsed  *bool
		}
	}
	logged := s.logText(t, postAuthName)
	line := logged[strings.Index(logged, "POSTAUTH ")+len("POSTAUTH "):]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("PostAuthentication event is not JSON: %v\n%s", err, logged)
	}
	if ev.Version != "1" || ev.TriggerSource != "PostAuthentication_Authentication" || ev.UserPoolID != pool3 || ev.UserName != "cat" ||
		ev.CallerContext.ClientID != client3 || ev.Request.UserAttributes["email"] != "cat@example.com" ||
		ev.Request.UserAttributes["cognito:user_status"] != "CONFIRMED" || ev.Request.NewDeviceUsed == nil || *ev.Request.NewDeviceUsed {
		t.Fatalf("PostAuthentication event: %+v\n%s", ev, line)
	}

	// PreTokenGeneration V2_0: both tokens, JSON claim values, scopes.
	pool4, client4 := triggerPool(t, s, map[string]any{"PreTokenGenerationConfig": map[string]any{"LambdaVersion": "V2_0", "LambdaArn": ptgV2}}, flows, nil)
	triggerUser(t, s, pool4, "dan", "Dan-Passw0rd!", map[string]string{"Name": "email", "Value": "dan@example.com"})
	out = s.cognitoOK(t, "InitiateAuth", passwordAuth("dan", "Dan-Passw0rd!", client4, nil), false)
	id, access = tokensOf(t, out)
	if g, _ := json.Marshal(id["roles"]); string(g) != `["reader","writer"]` || id["email"] != nil {
		t.Fatalf("V2 ID token: %v", id)
	}
	if tenant, _ := access["tenant"].(map[string]any); tenant["name"] != "acme" || access["scope"] != "api/read" || access["client_id"] != client4 {
		t.Fatalf("V2 access token: %v", access)
	}
	// Refreshing runs it again: the same shape.
	out = s.cognitoOK(t, "InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client4,
		"AuthParameters": map[string]string{"REFRESH_TOKEN": out["AuthenticationResult"].(map[string]any)["RefreshToken"].(string)}}, false)
	if _, access = tokensOf(t, out); access["scope"] != "api/read" {
		t.Fatalf("V2 access token after refresh: %v", access)
	}
}

func hasAttr(attrs any, name, value string) bool {
	l, _ := attrs.([]any)
	return slices.ContainsFunc(l, func(a any) bool {
		m, _ := a.(map[string]any)
		return m["Name"] == name && m["Value"] == value
	})
}

// TestUserPoolTriggerUserMigration: an unknown user signing in with a
// password the UserMigration function accepts becomes a CONFIRMED user
// of the pool and gets tokens; a password it refuses does not.
func TestUserPoolTriggerUserMigration(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	migrate := nodeTrigger(t, s, "migrate", `export const handler = async (event) => {
  if (event.triggerSource === "UserMigration_Authentication" && event.request.password === "Legacy-Passw0rd!") {
    event.response.userAttributes = { email: event.userName + "@legacy.example", email_verified: "true" };
    event.response.finalUserStatus = "CONFIRMED";
    event.response.messageAction = "SUPPRESS";
    return event;
  }
  throw new Error("Bad credentials");
};`)
	pool, client := triggerPool(t, s, map[string]any{"UserMigration": migrate}, []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"}, nil)
	s.cognitoFails(t, "UserNotFoundException", "Exception migrating user in app client "+client, "InitiateAuth",
		passwordAuth("eve", "Wrong-Passw0rd!", client, nil), false)
	out := s.cognitoOK(t, "InitiateAuth", passwordAuth("eve", "Legacy-Passw0rd!", client, nil), false)
	if id, _ := tokensOf(t, out); id["cognito:username"] != "eve" || id["email"] != "eve@legacy.example" || id["email_verified"] != true {
		t.Fatalf("migrated user's ID token: %v", id)
	}
	u := s.cognitoOK(t, "AdminGetUser", map[string]any{"UserPoolId": pool, "Username": "eve"}, true)
	if u["UserStatus"] != "CONFIRMED" {
		t.Fatalf("migrated user: %v", u)
	}
	// Now an ordinary user: the old password still works, a wrong one
	// fails as for anyone.
	s.cognitoOK(t, "AdminInitiateAuth", map[string]any{"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": "eve", "PASSWORD": "Legacy-Passw0rd!"}}, true)
	s.cognitoFails(t, "NotAuthorizedException", "Incorrect username or password.", "InitiateAuth", passwordAuth("eve", "Wrong-Passw0rd!", client, nil), false)
}

// customAuthJS are Define/Create/Verify for a one-question challenge
// (after the password, when the client starts with SRP_A): the right
// answer issues tokens, two wrong ones fail the sign-in.
const (
	defineJS = `export const handler = async (event) => {
  const s = event.request.session;
  const last = s[s.length - 1];
  if (s.length === 1 && last.challengeName === "SRP_A") event.response.challengeName = "PASSWORD_VERIFIER";
  else if (last && last.challengeName === "CUSTOM_CHALLENGE" && last.challengeResult === true) event.response.issueTokens = true;
  else if (s.filter((c) => c.challengeName === "CUSTOM_CHALLENGE").length >= 2) event.response.failAuthentication = true;
  else event.response.challengeName = "CUSTOM_CHALLENGE";
  return event;
};`
	createJS = `export const handler = async (event) => {
  event.response.publicChallengeParameters = { question: "What is 6 x 7?" };
  event.response.privateChallengeParameters = { answer: "42" };
  event.response.challengeMetadata = "QUESTION-" + event.request.session.length;
  return event;
};`
	verifyJS = `export const handler = async (event) => {
  console.log("VERIFY " + JSON.stringify(event.request));
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
};`
)

// TestUserPoolCustomAuth drives CUSTOM_AUTH through real Define, Create
// and Verify functions: a right answer gets tokens, wrong answers fail,
// an answered session cannot be replayed, and CHALLENGE_NAME=SRP_A puts
// a real SRP password check first.
func TestUserPoolCustomAuth(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	verifyName := uniqueName("verify")
	verify := *createFn(t, s.lambda(), verifyName, "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.mjs", Body: verifyJS})).FunctionArn
	lc := map[string]any{"DefineAuthChallenge": nodeTrigger(t, s, "define", defineJS), "CreateAuthChallenge": nodeTrigger(t, s, "create", createJS),
		"VerifyAuthChallengeResponse": verify}
	pool, client := triggerPool(t, s, lc, []string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, nil)
	triggerUser(t, s, pool, "fay", "Fay-Passw0rd!")

	start := func() map[string]any {
		out := s.cognitoOK(t, "InitiateAuth", map[string]any{"AuthFlow": "CUSTOM_AUTH", "ClientId": client,
			"AuthParameters": map[string]string{"USERNAME": "fay"}}, false)
		p, _ := out["ChallengeParameters"].(map[string]any)
		if out["ChallengeName"] != "CUSTOM_CHALLENGE" || p["question"] != "What is 6 x 7?" || p["USERNAME"] != "fay" || out["Session"] == "" {
			t.Fatalf("CUSTOM_AUTH start: %v", out)
		}
		return out
	}
	answer := func(session any, ans string) (int, map[string]any) {
		return s.cognito(t, "RespondToAuthChallenge", map[string]any{"ChallengeName": "CUSTOM_CHALLENGE", "ClientId": client, "Session": session,
			"ChallengeResponses": map[string]string{"USERNAME": "fay", "ANSWER": ans}}, false)
	}

	// The right answer: tokens.
	ch := start()
	code, out := answer(ch["Session"], "42")
	if code != 200 {
		t.Fatalf("right answer: %d %v", code, out)
	}
	if id, _ := tokensOf(t, out); id["cognito:username"] != "fay" {
		t.Fatalf("ID token: %v", id)
	}
	s.waitLog(t, verifyName, `"challengeAnswer":"42"`)
	if logged := s.logText(t, verifyName); !strings.Contains(logged, `"privateChallengeParameters":{"answer":"42"}`) {
		t.Fatalf("Verify event: %s", logged)
	}
	// The answered session cannot be used again.
	s.cognitoFails(t, "NotAuthorizedException", "Invalid session for the user.", "RespondToAuthChallenge",
		map[string]any{"ChallengeName": "CUSTOM_CHALLENGE", "ClientId": client, "Session": ch["Session"],
			"ChallengeResponses": map[string]string{"USERNAME": "fay", "ANSWER": "42"}}, false)

	// A wrong answer gets another question; a second wrong one fails.
	ch = start()
	code, out = answer(ch["Session"], "41")
	if code != 200 || out["ChallengeName"] != "CUSTOM_CHALLENGE" {
		t.Fatalf("first wrong answer: %d %v", code, out)
	}
	s.cognitoFails(t, "NotAuthorizedException", "Incorrect username or password.", "RespondToAuthChallenge",
		map[string]any{"ChallengeName": "CUSTOM_CHALLENGE", "ClientId": client, "Session": out["Session"],
			"ChallengeResponses": map[string]string{"USERNAME": "fay", "ANSWER": "40"}}, false)

	// CHALLENGE_NAME=SRP_A: PASSWORD_VERIFIER (a real SRP proof) first,
	// then the question.
	c, err := srp.NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	out = s.cognitoOK(t, "InitiateAuth", map[string]any{"AuthFlow": "CUSTOM_AUTH", "ClientId": client,
		"AuthParameters": map[string]string{"USERNAME": "fay", "CHALLENGE_NAME": "SRP_A", "SRP_A": c.A()}}, false)
	if out["ChallengeName"] != "PASSWORD_VERIFIER" {
		t.Fatalf("CUSTOM_AUTH with SRP_A: %v", out)
	}
	p := out["ChallengeParameters"].(map[string]any)
	ts := srp.FormatTimestamp(time.Now())
	sig, err := c.Respond(srp.PoolName(pool), p["USER_ID_FOR_SRP"].(string), "Fay-Passw0rd!", p["SRP_B"].(string), p["SALT"].(string), p["SECRET_BLOCK"].(string), ts)
	if err != nil {
		t.Fatal(err)
	}
	out = s.cognitoOK(t, "RespondToAuthChallenge", map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client,
		"ChallengeResponses": map[string]string{"USERNAME": "fay", "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"].(string),
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}}, false)
	if out["ChallengeName"] != "CUSTOM_CHALLENGE" || out["AuthenticationResult"] != nil {
		t.Fatalf("after PASSWORD_VERIFIER: %v", out)
	}
	if code, out = answer(out["Session"], "42"); code != 200 || out["AuthenticationResult"] == nil {
		t.Fatalf("right answer after SRP: %d %v", code, out)
	}
}

// TestUserPoolTriggerFailures: a trigger that hangs is cut off at
// Cognito's 5 s with Cognito's words (and its environment stopped), one
// that answers garbage is an InvalidLambdaResponseException.
func TestUserPoolTriggerFailures(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	hangName := uniqueName("hang")
	hang := *createFn(t, s.lambda(), hangName, "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.mjs",
		Body: `export const handler = async () => { await new Promise((r) => setTimeout(r, 60000)); };`}), withTimeout(60)).FunctionArn
	garbage := nodeTrigger(t, s, "garbage", `export const handler = async () => "garbage";`)
	flows := []string{"ALLOW_USER_PASSWORD_AUTH"}

	_, client := triggerPool(t, s, map[string]any{"PreSignUp": hang}, flows, nil)
	began := time.Now()
	s.cognitoFails(t, "UnexpectedLambdaException", "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.", "SignUp",
		map[string]any{"ClientId": client, "Username": "gil", "Password": "Gil-Passw0rd!"}, false)
	if d := time.Since(began); d < 5*time.Second || d > 8*time.Second {
		t.Fatalf("the hanging trigger answered after %v, want about 5 s", d)
	}
	if !waitFor(5*time.Second, func() bool { return len(fnProcesses(hangName)) == 0 }) {
		t.Fatalf("the hanging trigger's environment is still running: %v", fnProcesses(hangName))
	}

	pool, client := triggerPool(t, s, map[string]any{"PostAuthentication": garbage}, flows, nil)
	triggerUser(t, s, pool, "hana", "Hana-Passw0rd!")
	s.cognitoFails(t, "InvalidLambdaResponseException", "Invalid lambda function output : Invalid JSON", "InitiateAuth",
		passwordAuth("hana", "Hana-Passw0rd!", client, nil), false)
}
