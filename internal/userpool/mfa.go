package userpool

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const (
	codeMFA       = "mfa"
	kindSpentAuth = "userpool-session-spent" // id: nonce of a used challenge session
)

// userMFA is a user's second factors. Secrets are sealed.
type userMFA struct {
	TOTPSecret    []byte `json:"totpSecret,omitempty"`  // verified
	TOTPPending   []byte `json:"totpPending,omitempty"` // associated, not yet verified
	TOTPName      string `json:"totpName,omitempty"`
	TOTPLastStep  int64  `json:"totpLastStep,omitempty"`
	TOTPEnabled   bool   `json:"totpEnabled,omitempty"`
	TOTPPreferred bool   `json:"totpPreferred,omitempty"`
	SMSEnabled    bool   `json:"smsEnabled,omitempty"`
	SMSPreferred  bool   `json:"smsPreferred,omitempty"`
}

// poolMFA is which second factors a pool offers (SetUserPoolMfaConfig).
type poolMFA struct {
	SMS  bool `json:"sms,omitempty"`
	TOTP bool `json:"totp,omitempty"`
}

func (s *Service) totpAAD(p *Pool, u *userRecord) []byte {
	return []byte("totp/" + p.ID + "/" + u.Attributes["sub"])
}

// totpOpts are RFC 6238's defaults, which authenticator apps assume.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkTOTP accepts the code for the current 30 s step or the one either
// side of it, once: a step already used is refused.
func (s *Service) checkTOTP(sealed []byte, aad []byte, code string, lastStep int64) (int64, error) {
	secret, err := s.opts.Box.Open(sealed, aad)
	if err != nil {
		return 0, err
	}
	now := s.now()
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d*30) * time.Second)
		want, err := totp.GenerateCodeCustom(string(secret), t, totpOpts)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step := t.Unix() / 30
			if step <= lastStep {
				return 0, awsproto.Errorf(http.StatusBadRequest, "ExpiredCodeException", "Your software token has already been used once.")
			}
			return step, nil
		}
	}
	return 0, mfaMismatch()
}

func mfaMismatch() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "CodeMismatchException", "Invalid code received for user")
}

func (s *Service) poolMFA(ctx context.Context, poolID string) (poolMFA, error) {
	rec, err := s.pool(ctx, poolID)
	return rec.MFA, err
}

// mfaChallenge decides whether a sign-in needs a second factor and, if
// so, returns the challenge: the user's preferred factor, a choice when
// several are on and none is preferred, or MFA_SETUP when the pool
// requires MFA and the user has nothing to answer with yet.
func (s *Service) mfaChallenge(ctx context.Context, p *Pool, c Client, u *userRecord, source string) (*AuthOutput, error) {
	if p.MfaConfiguration == "" || p.MfaConfiguration == "OFF" {
		return nil, nil
	}
	pm, err := s.poolMFA(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	phone := u.Attributes["phone_number"] != ""
	sms := pm.SMS && u.MFA.SMSEnabled && phone
	soft := pm.TOTP && u.MFA.TOTPEnabled && len(u.MFA.TOTPSecret) > 0
	if p.MfaConfiguration == "ON" && !sms && !soft {
		switch {
		case pm.TOTP && len(u.MFA.TOTPSecret) > 0:
			soft = true
		case pm.SMS && phone:
			sms = true
		default:
			var can []string
			if pm.SMS {
				can = append(can, "SMS_MFA")
			}
			if pm.TOTP {
				can = append(can, "SOFTWARE_TOKEN_MFA")
			}
			if len(can) == 0 {
				return nil, invalidParameter("MFA is required by the user pool but no MFA method is enabled.")
			}
			b, _ := json.Marshal(can)
			return s.challenge(p, c, u, "MFA_SETUP", source, map[string]string{"MFAS_CAN_SETUP": string(b)}), nil
		}
	}
	switch {
	case sms && soft && !u.MFA.SMSPreferred && !u.MFA.TOTPPreferred:
		return s.challenge(p, c, u, "SELECT_MFA_TYPE", source, map[string]string{"MFAS_CAN_CHOOSE": `["SMS_MFA","SOFTWARE_TOKEN_MFA"]`}), nil
	case soft && (!sms || u.MFA.TOTPPreferred):
		return s.challenge(p, c, u, "SOFTWARE_TOKEN_MFA", source, map[string]string{}), nil
	case sms:
		return s.smsChallenge(ctx, p, c, u, source)
	}
	return nil, nil
}

// challenge seals a session for a challenge and renders the response.
func (s *Service) challenge(p *Pool, c Client, u *userRecord, name, source string, params map[string]string) *AuthOutput {
	params["USER_ID_FOR_SRP"] = u.Username
	session := s.sealSession(challengeSession{Pool: p.ID, Client: c.ClientID, User: u.Username, Challenge: name, Source: source,
		Expires: s.now().Add(time.Duration(c.AuthSessionValidity) * time.Minute)})
	return &AuthOutput{ChallengeName: name, Session: session, ChallengeParameters: params}
}

// smsChallenge sends a sign-in code by SMS.
func (s *Service) smsChallenge(ctx context.Context, p *Pool, c Client, u *userRecord, source string) (*AuthOutput, error) {
	phone := u.Attributes["phone_number"]
	var code string
	nu, err := s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
		var err error
		if code, err = s.newCode(p, u, codeMFA, "phone_number", phone); err != nil {
			return err
		}
		u.Codes[codeMFA].Expires = s.now().UTC().Add(time.Duration(c.AuthSessionValidity) * time.Minute)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err := s.send(ctx, p, &nu, delivery{kind: msgMFA, source: "CustomMessage_Authentication", attr: "phone_number", to: phone,
		username: u.Username, code: code, clientID: c.ClientID})
	if err != nil {
		return nil, err
	}
	return s.challenge(p, c, u, "SMS_MFA", source, map[string]string{
		"CODE_DELIVERY_DELIVERY_MEDIUM": d.DeliveryMedium, "CODE_DELIVERY_DESTINATION": d.Destination}), nil
}

// spendSession makes a challenge session single-use.
func (s *Service) spendSession(ctx context.Context, cs challengeSession) error {
	if _, err := s.st.Create(ctx, kindSpentAuth, cs.Nonce, nil); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return notAuthorized("Invalid session for the user.")
		}
		return err
	}
	return nil
}

// respondMFA answers SMS_MFA, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and
// MFA_SETUP.
func (s *Service) respondMFA(ctx context.Context, p *Pool, c Client, in *ChallengeInput) (*AuthOutput, error) {
	cs, err := s.openSession(in.Session)
	if err != nil {
		return nil, err
	}
	r := in.ChallengeResponses
	if cs.Pool != p.ID || cs.Client != c.ClientID || cs.Challenge != in.ChallengeName {
		return nil, notAuthorized("Invalid session for the user.")
	}
	if err := s.secretHash(c, r["USERNAME"], r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	// Spent sessions fail before any code is looked at; spending below
	// settles races between two answers to one session.
	if _, err := s.st.Get(ctx, kindSpentAuth, cs.Nonce); err == nil {
		return nil, notAuthorized("Invalid session for the user.")
	}
	u, _, err := s.findUser(ctx, p, cs.User)
	if err != nil {
		return nil, notAuthorized("Invalid session for the user.")
	}
	if !u.Enabled {
		return nil, notAuthorized("User is disabled.")
	}
	switch in.ChallengeName {
	case "SELECT_MFA_TYPE":
		switch r["ANSWER"] {
		case "SOFTWARE_TOKEN_MFA":
			if err := s.spendSession(ctx, cs); err != nil {
				return nil, err
			}
			return s.challenge(p, c, &u, "SOFTWARE_TOKEN_MFA", cs.Source, map[string]string{}), nil
		case "SMS_MFA":
			if err := s.spendSession(ctx, cs); err != nil {
				return nil, err
			}
			return s.smsChallenge(ctx, p, c, &u, cs.Source)
		}
		return nil, invalidParameter("Invalid ANSWER: %s. Valid values are SMS_MFA and SOFTWARE_TOKEN_MFA.", r["ANSWER"])
	case "SMS_MFA":
		if r["SMS_MFA_CODE"] == "" {
			return nil, invalidParameter("Missing required parameter SMS_MFA_CODE")
		}
		u, err = s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
			_, err := s.useCode(p, u, codeMFA, r["SMS_MFA_CODE"])
			var ke keepErr
			if errors.As(err, &ke) {
				return keepErr{mfaMismatch()}
			}
			return err
		})
	case "SOFTWARE_TOKEN_MFA":
		code := r["SOFTWARE_TOKEN_MFA_CODE"]
		if len(code) != 6 {
			return nil, invalidParameter("1 validation error detected: Value at 'challengeResponses.SOFTWARE_TOKEN_MFA_CODE' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+ and have length 6")
		}
		if s.now().Before(u.LockedUntil) {
			return nil, notAuthorized("Password attempts exceeded")
		}
		u, err = s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
			if len(u.MFA.TOTPSecret) == 0 {
				return awsproto.Errorf(http.StatusBadRequest, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the user.")
			}
			step, err := s.checkTOTP(u.MFA.TOTPSecret, s.totpAAD(p, u), code, u.MFA.TOTPLastStep)
			if err != nil {
				return err
			}
			u.MFA.TOTPLastStep = step
			return nil
		})
		if e, ok := awsproto.AsError(err); ok && e.Code == "CodeMismatchException" {
			s.recordFailure(ctx, p, u.Username)
		}
	case "MFA_SETUP":
		// VerifySoftwareToken's Session says the new factor is verified.
		if !cs.Verified {
			return nil, notAuthorized("Invalid session for the user.")
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.spendSession(ctx, cs); err != nil {
		return nil, err
	}
	return s.complete(ctx, p, c, &u, cs.Source, in.ClientMetadata)
}

// tokenOrSession resolves AssociateSoftwareToken's and VerifySoftwareToken's
// caller: an access token, or an MFA_SETUP session from sign-in.
func (s *Service) tokenOrSession(ctx context.Context, accessToken, session string) (*Pool, userRecord, *challengeSession, error) {
	var u userRecord
	if (accessToken == "") == (session == "") {
		return nil, u, nil, invalidParameter("Exactly one of AccessToken or Session must be provided.")
	}
	if accessToken != "" {
		p, u, _, err := s.accessUser(ctx, accessToken)
		return p, u, nil, err
	}
	cs, err := s.openSession(session)
	if err != nil {
		return nil, u, nil, err
	}
	if cs.Challenge != "MFA_SETUP" {
		return nil, u, nil, notAuthorized("Invalid session for the user.")
	}
	rec, err := s.pool(ctx, cs.Pool)
	if err != nil {
		return nil, u, nil, notAuthorized("Invalid session for the user.")
	}
	if u, _, err = s.findUser(ctx, &rec.Pool, cs.User); err != nil {
		return nil, u, nil, notAuthorized("Invalid session for the user.")
	}
	return &rec.Pool, u, &cs, nil
}

// AssociateSoftwareToken draws a new TOTP secret for the user; it counts
// once VerifySoftwareToken proves the user's app has it.
func (s *Service) AssociateSoftwareToken(ctx context.Context, accessToken, session string) (map[string]string, error) {
	p, u, cs, err := s.tokenOrSession(ctx, accessToken, session)
	if err != nil {
		return nil, err
	}
	if pm, err := s.poolMFA(ctx, p.ID); err != nil {
		return nil, err
	} else if !pm.TOTP {
		return nil, awsproto.Errorf(http.StatusBadRequest, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool")
	}
	raw := make([]byte, 20)
	rand.Read(raw)
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	if _, err := s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
		u.MFA.TOTPPending = s.opts.Box.Seal([]byte(secret), s.totpAAD(p, u))
		return nil
	}); err != nil {
		return nil, err
	}
	out := map[string]string{"SecretCode": secret}
	if cs != nil {
		next := *cs
		out["Session"] = s.sealSession(next)
	}
	return out, nil
}

// VerifySoftwareToken checks a code from the user's app against the
// associated secret and, when it matches, registers the factor.
func (s *Service) VerifySoftwareToken(ctx context.Context, accessToken, session, code, friendly string) (map[string]string, error) {
	p, u, cs, err := s.tokenOrSession(ctx, accessToken, session)
	if err != nil {
		return nil, err
	}
	if len(code) != 6 {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+", code)
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
		if len(u.MFA.TOTPPending) == 0 {
			return awsproto.Errorf(http.StatusBadRequest, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
		}
		step, err := s.checkTOTP(u.MFA.TOTPPending, s.totpAAD(p, u), code, 0)
		if err != nil {
			return awsproto.Errorf(http.StatusBadRequest, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
		}
		u.MFA.TOTPSecret, u.MFA.TOTPPending, u.MFA.TOTPName, u.MFA.TOTPLastStep = u.MFA.TOTPPending, nil, friendly, step
		if cs != nil {
			// Set up during sign-in: it is the user's factor from now on.
			u.MFA.TOTPEnabled, u.MFA.TOTPPreferred, u.MFA.SMSPreferred = true, true, false
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]string{"Status": "SUCCESS"}
	if cs != nil {
		next := *cs
		next.Verified = true
		out["Session"] = s.sealSession(next)
	}
	return out, nil
}

// MFASettings is SMSMfaSettings / SoftwareTokenMfaSettings.
type MFASettings struct {
	Enabled      bool `json:"Enabled"`
	PreferredMfa bool `json:"PreferredMfa"`
}

// MFAPreferenceInput is (Admin)SetUserMFAPreference's request.
type MFAPreferenceInput struct {
	AccessToken              string       `json:"AccessToken"`
	UserPoolID               string       `json:"UserPoolId"`
	Username                 string       `json:"Username"`
	SMSMfaSettings           *MFASettings `json:"SMSMfaSettings"`
	SoftwareTokenMfaSettings *MFASettings `json:"SoftwareTokenMfaSettings"`
	EmailMfaSettings         *MFASettings `json:"EmailMfaSettings"`
}

// SetMFAPreference implements SetUserMFAPreference (admin false: the
// access token's user) and AdminSetUserMFAPreference.
func (s *Service) SetMFAPreference(ctx context.Context, in *MFAPreferenceInput, admin bool) error {
	var p *Pool
	var username string
	if admin {
		rec, err := s.pool(ctx, in.UserPoolID)
		if err != nil {
			return err
		}
		p, username = &rec.Pool, in.Username
	} else {
		pp, u, _, err := s.accessUser(ctx, in.AccessToken)
		if err != nil {
			return err
		}
		p, username = pp, u.Username
	}
	if in.EmailMfaSettings != nil && in.EmailMfaSettings.Enabled {
		return invalidParameter("Email MFA is not supported by gatehouse.")
	}
	pm, err := s.poolMFA(ctx, p.ID)
	if err != nil {
		return err
	}
	if in.SoftwareTokenMfaSettings != nil && in.SoftwareTokenMfaSettings.Enabled && !pm.TOTP {
		return awsproto.Errorf(http.StatusBadRequest, "InvalidParameterException", "Software Token MFA has not been enabled by the userPool")
	}
	_, err = s.updateUser(ctx, p, username, func(u *userRecord) error {
		if st := in.SoftwareTokenMfaSettings; st != nil {
			if st.Enabled && len(u.MFA.TOTPSecret) == 0 {
				return invalidParameter("User has not verified software token mfa")
			}
			u.MFA.TOTPEnabled, u.MFA.TOTPPreferred = st.Enabled, st.Enabled && st.PreferredMfa
			if u.MFA.TOTPPreferred {
				u.MFA.SMSPreferred = false
			}
		}
		if sm := in.SMSMfaSettings; sm != nil {
			if sm.Enabled && u.Attributes["phone_number"] == "" {
				return invalidParameter("User does not have delivery config set to turn on SMS_MFA")
			}
			u.MFA.SMSEnabled, u.MFA.SMSPreferred = sm.Enabled, sm.Enabled && sm.PreferredMfa
			if u.MFA.SMSPreferred {
				u.MFA.TOTPPreferred = false
			}
		}
		return nil
	})
	return err
}

// mfaView is what GetUser and AdminGetUser report of a user's factors.
func (u *userRecord) mfaView(out map[string]any) {
	var list []string
	if u.MFA.SMSEnabled {
		list = append(list, "SMS_MFA")
	}
	if u.MFA.TOTPEnabled {
		list = append(list, "SOFTWARE_TOKEN_MFA")
	}
	if len(list) > 0 {
		out["UserMFASettingList"] = list
	}
	switch {
	case u.MFA.SMSPreferred:
		out["PreferredMfaSetting"] = "SMS_MFA"
	case u.MFA.TOTPPreferred:
		out["PreferredMfaSetting"] = "SOFTWARE_TOKEN_MFA"
	}
}

// MfaConfigInput is SetUserPoolMfaConfig's request.
type MfaConfigInput struct {
	UserPoolID                    string `json:"UserPoolId"`
	SmsMfaConfiguration           *SmsMfaConfig
	SoftwareTokenMfaConfiguration *struct{ Enabled bool }
	EmailMfaConfiguration         json.RawMessage
	MfaConfiguration              *string
}

// SmsMfaConfig is SmsMfaConfigType.
type SmsMfaConfig struct {
	SmsAuthenticationMessage string            `json:"SmsAuthenticationMessage,omitempty"`
	SmsConfiguration         *SmsConfiguration `json:"SmsConfiguration,omitempty"`
}

// mfaConfigView renders GetUserPoolMfaConfig's answer.
func mfaConfigView(p *Pool, pm poolMFA) map[string]any {
	out := map[string]any{"MfaConfiguration": p.MfaConfiguration,
		"SoftwareTokenMfaConfiguration": map[string]bool{"Enabled": pm.TOTP}}
	if pm.SMS {
		out["SmsMfaConfiguration"] = SmsMfaConfig{SmsAuthenticationMessage: p.SmsAuthenticationMessage, SmsConfiguration: p.SmsConfiguration}
	}
	return out
}

// SetUserPoolMfaConfig sets which second factors a pool offers and
// whether MFA is off, optional or required.
func (s *Service) SetUserPoolMfaConfig(ctx context.Context, in *MfaConfigInput) (map[string]any, error) {
	if err := checkPoolID(in.UserPoolID); err != nil {
		return nil, err
	}
	rec, err := updateJSON(ctx, s, kindPool, in.UserPoolID, poolNotFound(in.UserPoolID), func(rec *poolRecord) error {
		p := &rec.Pool
		if in.MfaConfiguration != nil {
			if err := oneOf("mfaConfiguration", *in.MfaConfiguration, "OFF", "ON", "OPTIONAL"); err != nil {
				return err
			}
			p.MfaConfiguration = *in.MfaConfiguration
		}
		rec.MFA = poolMFA{SMS: in.SmsMfaConfiguration != nil, TOTP: in.SoftwareTokenMfaConfiguration != nil && in.SoftwareTokenMfaConfiguration.Enabled}
		if in.SmsMfaConfiguration != nil {
			if m := in.SmsMfaConfiguration.SmsAuthenticationMessage; m != "" {
				p.SmsAuthenticationMessage = m
			}
			if in.SmsMfaConfiguration.SmsConfiguration != nil {
				p.SmsConfiguration = in.SmsMfaConfiguration.SmsConfiguration
			}
		}
		if p.MfaConfiguration != "OFF" && !rec.MFA.SMS && !rec.MFA.TOTP {
			return invalidParameter("Invalid MFA configuration given, can't turn on MFA and disable all MFA types")
		}
		p.LastModifiedDate = epoch(s.now().UTC())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return mfaConfigView(&rec.Pool, rec.MFA), nil
}

// GetUserPoolMfaConfig reports a pool's MFA configuration.
func (s *Service) GetUserPoolMfaConfig(ctx context.Context, poolID string) (map[string]any, error) {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return mfaConfigView(&rec.Pool, rec.MFA), nil
}
