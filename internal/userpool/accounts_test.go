package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// outbox records what a Service sends, as the mail layer's outbox would.
type outbox struct {
	mu   sync.Mutex
	msgs []Message
}

func (o *outbox) Send(_ context.Context, m Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

var codeRe = regexp.MustCompile(`\b[0-9]{6}\b`)

// last returns the newest message to an address and the code in it.
func (o *outbox) last(t *testing.T, to string) (Message, string) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == to {
			return o.msgs[i], codeRe.FindString(o.msgs[i].Body)
		}
	}
	t.Fatalf("no message to %s", to)
	return Message{}, ""
}

type accountsEnv struct {
	s      *Service
	box    *outbox
	pool   Pool
	client Client
	now    *time.Time
}

func newAccounts(t *testing.T, in *PoolInput) *accountsEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := secrets.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	env := &accountsEnv{box: &outbox{}}
	now := time.Now().UTC()
	env.now = &now
	env.s = New(Options{Store: st, Box: key, Region: "us-east-1", Account: "000000000000", Endpoint: "http://127.0.0.1",
		Mailer: env.box, Now: func() time.Time { return *env.now }})
	if in.PoolName == nil {
		in.PoolName = ptr("accounts")
	}
	if env.pool, err = env.s.CreatePool(ctx, in); err != nil {
		t.Fatal(err)
	}
	if env.client, err = env.s.CreateClient(ctx, &ClientInput{UserPoolID: env.pool.ID, ClientName: ptr("app"),
		ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}); err != nil {
		t.Fatal(err)
	}
	return env
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	e, ok := awsproto.AsError(err)
	if !ok || e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("got %v, want %s %q", err, code, msg)
	}
}

func (e *accountsEnv) login(t *testing.T, name, pw string) (*AuthOutput, error) {
	t.Helper()
	return e.s.InitiateAuth(context.Background(), &AuthInput{ClientID: e.client.ClientID, AuthFlow: "USER_PASSWORD_AUTH",
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": pw}}, false)
}

func TestSignUpConfirmSignIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{UsernameAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email"}})
	out, err := e.s.SignUp(ctx, &SignUpInput{ClientID: e.client.ClientID, Username: "ada@example.com", Password: ptr("Passw0rd!"),
		UserAttributes: []Attribute{{"given_name", "Ada"}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.UserConfirmed || out.UserSub == "" || out.CodeDeliveryDetails == nil ||
		*out.CodeDeliveryDetails != (CodeDelivery{Destination: "a***@e***.com", DeliveryMedium: "EMAIL", AttributeName: "email"}) {
		t.Fatalf("SignUp: %+v %+v", out, out.CodeDeliveryDetails)
	}
	msg, code := e.box.last(t, "ada@example.com")
	if msg.Subject != defaultVerifySubject || code == "" {
		t.Fatalf("message: %+v", msg)
	}
	_, err = e.login(t, "ada@example.com", "Passw0rd!")
	wantErr(t, err, "UserNotConfirmedException", "User is not confirmed.")

	_, err = e.s.SignUp(ctx, &SignUpInput{ClientID: e.client.ClientID, Username: "ada@example.com", Password: ptr("Passw0rd!")})
	wantErr(t, err, "UsernameExistsException", "An account with the given email already exists.")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	err = e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: e.client.ClientID, Username: "ada@example.com", ConfirmationCode: wrong})
	wantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	if err := e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: e.client.ClientID, Username: "ada@example.com", ConfirmationCode: code}); err != nil {
		t.Fatal(err)
	}
	// Codes are single-use.
	err = e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: e.client.ClientID, Username: "ada@example.com", ConfirmationCode: code})
	wantErr(t, err, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
	u, err := e.s.AdminGetUser(ctx, e.pool.ID, "ada@example.com")
	if err != nil || u.UserStatus != "CONFIRMED" {
		t.Fatalf("%+v %v", u, err)
	}
	if v := attrOf(u, "email_verified"); v != "true" {
		t.Fatalf("email_verified %q", v)
	}
	if res, err := e.login(t, "ada@example.com", "Passw0rd!"); err != nil || res.AuthenticationResult == nil {
		t.Fatalf("login: %+v %v", res, err)
	}
	_, err = e.s.ResendConfirmationCode(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "ada@example.com"})
	wantErr(t, err, "InvalidParameterException", "User is already confirmed.")
}

func attrOf(u User, name string) string {
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

func TestSignUpRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{AutoVerifiedAttributes: []string{"email"}})
	cases := []struct {
		name      string
		in        SignUpInput
		code, msg string
	}{
		{"weak password", SignUpInput{Username: "a", Password: ptr("short")}, "InvalidPasswordException", "Password did not conform with policy: Password not long enough"},
		{"no password", SignUpInput{Username: "a"}, "InvalidParameterException", ""},
		{"unknown attribute", SignUpInput{Username: "a", Password: ptr("Passw0rd!"), UserAttributes: []Attribute{{"shoe_size", "9"}}}, "InvalidParameterException", ""},
		{"bad email", SignUpInput{Username: "a", Password: ptr("Passw0rd!"), UserAttributes: []Attribute{{"email", "not-an-email"}}}, "InvalidParameterException", "Invalid email address format."},
		{"bad phone", SignUpInput{Username: "a", Password: ptr("Passw0rd!"), UserAttributes: []Attribute{{"phone_number", "555-1234"}}}, "InvalidParameterException", "Invalid phone number format."},
		{"space in name", SignUpInput{Username: "a b", Password: ptr("Passw0rd!")}, "InvalidParameterException", ""},
		{"long name", SignUpInput{Username: strings.Repeat("a", 129), Password: ptr("Passw0rd!")}, "InvalidParameterException", ""},
		{"unknown client", SignUpInput{ClientID: "nope", Username: "a", Password: ptr("Passw0rd!")}, "ResourceNotFoundException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if in.ClientID == "" {
				in.ClientID = e.client.ClientID
			}
			_, err := e.s.SignUp(ctx, &in)
			wantErr(t, err, c.code, c.msg)
		})
	}
}

func TestConfirmationCodeLimitsAndExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{AutoVerifiedAttributes: []string{"email"}})
	if _, err := e.s.SignUp(ctx, &SignUpInput{ClientID: e.client.ClientID, Username: "bob", Password: ptr("Passw0rd!"),
		UserAttributes: []Attribute{{"email", "bob@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	// Four resends fit in the hour; the fifth send is refused.
	for i := 0; i < 4; i++ {
		if _, err := e.s.ResendConfirmationCode(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "bob"}); err != nil {
			t.Fatal(i, err)
		}
	}
	_, err := e.s.ResendConfirmationCode(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "bob"})
	wantErr(t, err, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
	_, code := e.box.last(t, "bob@example.com")

	// Wrong answers count, and past the limit even the right code fails.
	for i := 0; i < 15; i++ {
		err := e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: e.client.ClientID, Username: "bob", ConfirmationCode: "x" + code})
		wantErr(t, err, "CodeMismatchException", "")
	}
	err = e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: e.client.ClientID, Username: "bob", ConfirmationCode: code})
	wantErr(t, err, "LimitExceededException", "")

	// An hour later the window resets, but the code lives a day: it
	// still works, and a day later a new one has expired.
	*e.now = e.now.Add(61 * time.Minute)
	if _, err := e.s.ResendConfirmationCode(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "bob"}); err != nil {
		t.Fatal(err)
	}
	_, code = e.box.last(t, "bob@example.com")
	*e.now = e.now.Add(25 * time.Hour)
	err = e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: e.client.ClientID, Username: "bob", ConfirmationCode: code})
	wantErr(t, err, "ExpiredCodeException", "Invalid code provided, please request a code again.")
}

func TestForgotPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{AutoVerifiedAttributes: []string{"email"}})
	_, err := e.s.AdminCreateUser(ctx, &AdminCreateUserInput{UserPoolID: e.pool.ID, Username: "carol",
		UserAttributes: []Attribute{{"email", "carol@example.com"}, {"email_verified", "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := e.box.last(t, "carol@example.com")
	if msg.Subject != defaultInviteSubject || !strings.Contains(msg.Body, "Your username is carol and temporary password is ") {
		t.Fatalf("invite: %+v", msg)
	}
	temp := strings.TrimSuffix(strings.TrimPrefix(msg.Body, "Your username is carol and temporary password is "), ". ")
	res, err := e.login(t, "carol", temp)
	if err != nil || res.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("temp login: %+v %v", res, err)
	}
	_, err = e.s.ForgotPassword(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "carol"})
	wantErr(t, err, "NotAuthorizedException", "User password cannot be reset in the current state.")

	if err := e.s.AdminSetUserPassword(ctx, e.pool.ID, "carol", "Passw0rd!", true); err != nil {
		t.Fatal(err)
	}
	d, err := e.s.ForgotPassword(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "carol"})
	if err != nil || d.DeliveryMedium != "EMAIL" {
		t.Fatalf("%+v %v", d, err)
	}
	_, code := e.box.last(t, "carol@example.com")
	err = e.s.ConfirmForgotPassword(ctx, &ConfirmForgotInput{ClientID: e.client.ClientID, Username: "carol", ConfirmationCode: code, Password: "weak"})
	wantErr(t, err, "InvalidPasswordException", "")
	if err := e.s.ConfirmForgotPassword(ctx, &ConfirmForgotInput{ClientID: e.client.ClientID, Username: "carol", ConfirmationCode: code, Password: "N3w-Passw0rd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(t, "carol", "Passw0rd!"); err == nil {
		t.Fatal("old password still works")
	}
	if res, err := e.login(t, "carol", "N3w-Passw0rd"); err != nil || res.AuthenticationResult == nil {
		t.Fatalf("%+v %v", res, err)
	}

	// An administrator's reset: sign-in refused until a new password is set.
	if err := e.s.AdminResetUserPassword(ctx, e.pool.ID, "carol", nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.login(t, "carol", "N3w-Passw0rd")
	wantErr(t, err, "PasswordResetRequiredException", "Password reset required for the user")
	_, code = e.box.last(t, "carol@example.com")
	if err := e.s.ConfirmForgotPassword(ctx, &ConfirmForgotInput{ClientID: e.client.ClientID, Username: "carol", ConfirmationCode: code, Password: "Th1rd-Passw0rd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(t, "carol", "Th1rd-Passw0rd"); err != nil {
		t.Fatal(err)
	}

	// No verified contact: nothing to send a code to.
	if _, err := e.s.AdminCreateUser(ctx, &AdminCreateUserInput{UserPoolID: e.pool.ID, Username: "dave", MessageAction: ptr("SUPPRESS"),
		TemporaryPassword: ptr("Passw0rd!")}); err != nil {
		t.Fatal(err)
	}
	e.s.AdminSetUserPassword(ctx, e.pool.ID, "dave", "Passw0rd!", true)
	_, err = e.s.ForgotPassword(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "dave"})
	wantErr(t, err, "InvalidParameterException", "Cannot reset password for the user as there is no registered/verified email or phone_number")
}

func TestAttributeVerification(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{AutoVerifiedAttributes: []string{"email"}, AliasAttributes: []string{"email"}})
	for _, n := range []string{"erin", "frank"} {
		if _, err := e.s.AdminCreateUser(ctx, &AdminCreateUserInput{UserPoolID: e.pool.ID, Username: n, MessageAction: ptr("SUPPRESS"),
			UserAttributes: []Attribute{{"email", n + "@example.com"}, {"email_verified", "true"}}}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.AdminSetUserPassword(ctx, e.pool.ID, n, "Passw0rd!", true); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.login(t, "erin@example.com", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	tok := res.AuthenticationResult.AccessToken
	_, err = e.s.UpdateUserAttributes(ctx, tok, []Attribute{{"email_verified", "true"}}, nil)
	wantErr(t, err, "NotAuthorizedException", "A client attempted to write unauthorized attribute")

	ds, err := e.s.UpdateUserAttributes(ctx, tok, []Attribute{{"email", "erin2@example.com"}, {"given_name", "Erin"}}, nil)
	if err != nil || len(ds) != 1 || ds[0].AttributeName != "email" {
		t.Fatalf("%+v %v", ds, err)
	}
	u, _ := e.s.AdminGetUser(ctx, e.pool.ID, "erin")
	if attrOf(u, "email") != "erin2@example.com" || attrOf(u, "email_verified") != "false" || attrOf(u, "given_name") != "Erin" {
		t.Fatalf("%+v", u)
	}
	// An unverified email is no alias.
	if _, err := e.login(t, "erin2@example.com", "Passw0rd!"); err == nil {
		t.Fatal("unverified alias signed in")
	}
	_, code := e.box.last(t, "erin2@example.com")
	err = e.s.VerifyUserAttribute(ctx, tok, "email", "999999x")
	wantErr(t, err, "CodeMismatchException", "")
	if err := e.s.VerifyUserAttribute(ctx, tok, "email", code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(t, "erin2@example.com", "Passw0rd!"); err != nil {
		t.Fatal(err)
	}

	// Another user's verified alias cannot be taken by an admin update.
	err = e.s.AdminUpdateUserAttributes(ctx, e.pool.ID, "frank", []Attribute{{"email", "erin2@example.com"}, {"email_verified", "true"}}, nil)
	wantErr(t, err, "AliasExistsException", "")

	if _, err := e.s.GetUserAttributeVerificationCode(ctx, tok, "email", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteUserAttributes(ctx, tok, []string{"given_name"}); err != nil {
		t.Fatal(err)
	}
	err = e.s.DeleteUserAttributes(ctx, tok, []string{"sub"})
	wantErr(t, err, "InvalidParameterException", "")

	if err := e.s.AddCustomAttributes(ctx, e.pool.ID, []SchemaAttribute{{Name: "team", AttributeDataType: "String"}}); err != nil {
		t.Fatal(err)
	}
	err = e.s.AddCustomAttributes(ctx, e.pool.ID, []SchemaAttribute{{Name: "team", AttributeDataType: "String"}})
	wantErr(t, err, "InvalidParameterException", "Existing attribute already has name custom:team.")
	if err := e.s.AdminUpdateUserAttributes(ctx, e.pool.ID, "frank", []Attribute{{"custom:team", "blue"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AdminDeleteUserAttributes(ctx, e.pool.ID, "frank", []string{"custom:team"}); err != nil {
		t.Fatal(err)
	}
}

func TestPreventUserExistenceErrorsOnRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{AutoVerifiedAttributes: []string{"email"}})
	c, err := e.s.CreateClient(ctx, &ClientInput{UserPoolID: e.pool.ID, ClientName: ptr("hidden"), PreventUserExistenceErrors: ptr("ENABLED")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.s.ForgotPassword(ctx, &ResendInput{ClientID: c.ClientID, Username: "ghost@example.com"})
	if err != nil || d.DeliveryMedium != "EMAIL" || d.Destination != "g***@e***.com" {
		t.Fatalf("%+v %v", d, err)
	}
	err = e.s.ConfirmSignUp(ctx, &ConfirmInput{ClientID: c.ClientID, Username: "ghost", ConfirmationCode: "123456"})
	wantErr(t, err, "CodeMismatchException", "")
	_, err = e.s.ForgotPassword(ctx, &ResendInput{ClientID: e.client.ClientID, Username: "ghost"})
	wantErr(t, err, "UserNotFoundException", "")
}

func secretHashFor(c Client, username string) string {
	m := hmac.New(sha256.New, []byte(c.ClientSecret))
	m.Write([]byte(username + c.ClientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
