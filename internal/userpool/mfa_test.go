package userpool

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totpOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *accountsEnv) user(t *testing.T, name string, attrs ...Attribute) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.s.AdminCreateUser(ctx, &AdminCreateUserInput{UserPoolID: e.pool.ID, Username: name, MessageAction: ptr("SUPPRESS"), UserAttributes: attrs}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AdminSetUserPassword(ctx, e.pool.ID, name, "Passw0rd!", true); err != nil {
		t.Fatal(err)
	}
}

func (e *accountsEnv) respond(name, session string, r map[string]string) (*AuthOutput, error) {
	return e.s.RespondToAuthChallenge(context.Background(), &ChallengeInput{ClientID: e.client.ClientID, ChallengeName: name, Session: session, ChallengeResponses: r}, false)
}

func TestTOTPOptional(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	e.user(t, "gina")
	res, err := e.login(t, "gina", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	tok := res.AuthenticationResult.AccessToken
	_, err = e.s.AssociateSoftwareToken(ctx, tok, "")
	wantErr(t, err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool")

	_, err = e.s.SetUserPoolMfaConfig(ctx, &MfaConfigInput{UserPoolID: e.pool.ID, MfaConfiguration: ptr("ON")})
	wantErr(t, err, "InvalidParameterException", "")
	cfg, err := e.s.SetUserPoolMfaConfig(ctx, &MfaConfigInput{UserPoolID: e.pool.ID, MfaConfiguration: ptr("OPTIONAL"),
		SoftwareTokenMfaConfiguration: &struct{ Enabled bool }{true}})
	if err != nil || cfg["MfaConfiguration"] != "OPTIONAL" {
		t.Fatalf("%v %v", cfg, err)
	}
	out, err := e.s.AssociateSoftwareToken(ctx, tok, "")
	if err != nil || len(out["SecretCode"]) < 16 {
		t.Fatalf("%v %v", out, err)
	}
	secret := out["SecretCode"]
	// Enabling before verifying is refused.
	err = e.s.SetMFAPreference(ctx, &MFAPreferenceInput{AccessToken: tok, SoftwareTokenMfaSettings: &MFASettings{Enabled: true, PreferredMfa: true}}, false)
	wantErr(t, err, "InvalidParameterException", "User has not verified software token mfa")
	_, err = e.s.VerifySoftwareToken(ctx, tok, "", "000000", "phone")
	if totpCode(t, secret, e.s.now()) != "000000" {
		wantErr(t, err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	}
	v, err := e.s.VerifySoftwareToken(ctx, tok, "", totpCode(t, secret, e.s.now()), "phone")
	if err != nil || v["Status"] != "SUCCESS" {
		t.Fatalf("%v %v", v, err)
	}
	// Verified but not enabled: an optional pool asks for nothing yet.
	if res, err := e.login(t, "gina", "Passw0rd!"); err != nil || res.AuthenticationResult == nil {
		t.Fatalf("%+v %v", res, err)
	}
	if err := e.s.SetMFAPreference(ctx, &MFAPreferenceInput{AccessToken: tok, SoftwareTokenMfaSettings: &MFASettings{Enabled: true, PreferredMfa: true}}, false); err != nil {
		t.Fatal(err)
	}
	got, _ := e.s.GetUser(ctx, tok)
	if got["PreferredMfaSetting"] != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("GetUser: %v", got)
	}

	*e.now = e.now.Add(time.Minute) // past the step used to verify
	res, err = e.login(t, "gina", "Passw0rd!")
	if err != nil || res.ChallengeName != "SOFTWARE_TOKEN_MFA" || res.AuthenticationResult != nil || res.Session == "" {
		t.Fatalf("%+v %v", res, err)
	}
	code := totpCode(t, secret, e.s.now())
	wrong := "123456"
	if wrong == code {
		wrong = "654321"
	}
	_, err = e.respond("SOFTWARE_TOKEN_MFA", res.Session, map[string]string{"USERNAME": "gina", "SOFTWARE_TOKEN_MFA_CODE": wrong})
	wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	done, err := e.respond("SOFTWARE_TOKEN_MFA", res.Session, map[string]string{"USERNAME": "gina", "SOFTWARE_TOKEN_MFA_CODE": code})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("%+v %v", done, err)
	}
	// The session is spent, and the code's step is used.
	_, err = e.respond("SOFTWARE_TOKEN_MFA", res.Session, map[string]string{"USERNAME": "gina", "SOFTWARE_TOKEN_MFA_CODE": code})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	res, _ = e.login(t, "gina", "Passw0rd!")
	_, err = e.respond("SOFTWARE_TOKEN_MFA", res.Session, map[string]string{"USERNAME": "gina", "SOFTWARE_TOKEN_MFA_CODE": code})
	wantErr(t, err, "ExpiredCodeException", "Your software token has already been used once.")
	// A session expires with the client's AuthSessionValidity (3 min).
	*e.now = e.now.Add(4 * time.Minute)
	_, err = e.respond("SOFTWARE_TOKEN_MFA", res.Session, map[string]string{"USERNAME": "gina", "SOFTWARE_TOKEN_MFA_CODE": totpCode(t, secret, e.s.now())})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
}

func TestMFASetupRequired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	if _, err := e.s.SetUserPoolMfaConfig(ctx, &MfaConfigInput{UserPoolID: e.pool.ID, MfaConfiguration: ptr("ON"),
		SoftwareTokenMfaConfiguration: &struct{ Enabled bool }{true}}); err != nil {
		t.Fatal(err)
	}
	e.user(t, "hank")
	res, err := e.login(t, "hank", "Passw0rd!")
	if err != nil || res.ChallengeName != "MFA_SETUP" || res.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("%+v %v", res, err)
	}
	// MFA_SETUP cannot be answered before a token is verified.
	_, err = e.respond("MFA_SETUP", res.Session, map[string]string{"USERNAME": "hank"})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user.")
	a, err := e.s.AssociateSoftwareToken(ctx, "", res.Session)
	if err != nil || a["Session"] == "" {
		t.Fatalf("%v %v", a, err)
	}
	v, err := e.s.VerifySoftwareToken(ctx, "", a["Session"], totpCode(t, a["SecretCode"], e.s.now()), "")
	if err != nil || v["Session"] == "" {
		t.Fatalf("%v %v", v, err)
	}
	done, err := e.respond("MFA_SETUP", v["Session"], map[string]string{"USERNAME": "hank"})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("%+v %v", done, err)
	}
	*e.now = e.now.Add(time.Minute)
	res, err = e.login(t, "hank", "Passw0rd!")
	if err != nil || res.ChallengeName != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestSMSMFAAndSelect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	if _, err := e.s.SetUserPoolMfaConfig(ctx, &MfaConfigInput{UserPoolID: e.pool.ID, MfaConfiguration: ptr("OPTIONAL"),
		SmsMfaConfiguration: &SmsMfaConfig{SmsAuthenticationMessage: "Sign-in code {####}"}, SoftwareTokenMfaConfiguration: &struct{ Enabled bool }{true}}); err != nil {
		t.Fatal(err)
	}
	e.user(t, "ivy", Attribute{"phone_number", "+15555550123"})
	err := e.s.SetMFAPreference(ctx, &MFAPreferenceInput{UserPoolID: e.pool.ID, Username: "ivy", SMSMfaSettings: &MFASettings{Enabled: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.login(t, "ivy", "Passw0rd!")
	if err != nil || res.ChallengeName != "SMS_MFA" || res.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******0123" {
		t.Fatalf("%+v %v", res, err)
	}
	msg, code := e.box.last(t, "+15555550123")
	if msg.Medium != "SMS" || msg.Body != "Sign-in code "+code {
		t.Fatalf("%+v", msg)
	}
	_, err = e.respond("SMS_MFA", res.Session, map[string]string{"USERNAME": "ivy", "SMS_MFA_CODE": "x"})
	wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	done, err := e.respond("SMS_MFA", res.Session, map[string]string{"USERNAME": "ivy", "SMS_MFA_CODE": code})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("%+v %v", done, err)
	}

	// Both factors on, neither preferred: the user chooses.
	tok := done.AuthenticationResult.AccessToken
	a, _ := e.s.AssociateSoftwareToken(ctx, tok, "")
	if _, err := e.s.VerifySoftwareToken(ctx, tok, "", totpCode(t, a["SecretCode"], e.s.now()), ""); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetMFAPreference(ctx, &MFAPreferenceInput{AccessToken: tok, SoftwareTokenMfaSettings: &MFASettings{Enabled: true}}, false); err != nil {
		t.Fatal(err)
	}
	res, err = e.login(t, "ivy", "Passw0rd!")
	if err != nil || res.ChallengeName != "SELECT_MFA_TYPE" {
		t.Fatalf("%+v %v", res, err)
	}
	next, err := e.respond("SELECT_MFA_TYPE", res.Session, map[string]string{"USERNAME": "ivy", "ANSWER": "SOFTWARE_TOKEN_MFA"})
	if err != nil || next.ChallengeName != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("%+v %v", next, err)
	}
	*e.now = e.now.Add(time.Minute)
	done, err = e.respond("SOFTWARE_TOKEN_MFA", next.Session, map[string]string{"USERNAME": "ivy", "SOFTWARE_TOKEN_MFA_CODE": totpCode(t, a["SecretCode"], e.s.now())})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("%+v %v", done, err)
	}
	err = e.s.SetMFAPreference(ctx, &MFAPreferenceInput{UserPoolID: e.pool.ID, Username: "ivy", SMSMfaSettings: &MFASettings{Enabled: true}}, true)
	if err != nil {
		t.Fatal(err)
	}
}
