package userpool

import (
	"context"
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// SignUpInput is SignUp's request.
type SignUpInput struct {
	ClientID       string            `json:"ClientId"`
	SecretHash     string            `json:"SecretHash"`
	Username       string            `json:"Username"`
	Password       *string           `json:"Password"`
	UserAttributes []Attribute       `json:"UserAttributes"`
	ValidationData []Attribute       `json:"ValidationData"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

// SignUpOutput is SignUp's response.
type SignUpOutput struct {
	UserConfirmed       bool          `json:"UserConfirmed"`
	CodeDeliveryDetails *CodeDelivery `json:"CodeDeliveryDetails,omitempty"`
	UserSub             string        `json:"UserSub"`
}

// checkWritable enforces a client's WriteAttributes on self-service writes.
func checkWritable(c Client, attrs []Attribute) error {
	for _, a := range attrs {
		if len(c.WriteAttributes) > 0 && !slices.Contains(c.WriteAttributes, a.Name) {
			return notAuthorized("A client attempted to write unauthorized attribute")
		}
	}
	return nil
}

// verifyTarget is where a code proving a user's contact goes: the phone
// when the pool verifies phones (Cognito prefers SMS), else the email.
func verifyTarget(p *Pool, u *userRecord) (attr, value string) {
	for _, a := range []string{"phone_number", "email"} {
		if slices.Contains(p.AutoVerifiedAttributes, a) && u.Attributes[a] != "" {
			return a, u.Attributes[a]
		}
	}
	return "", ""
}

// SignUp registers a user, UNCONFIRMED until a code (or the PreSignUp
// trigger, or an administrator) confirms them.
func (s *Service) SignUp(ctx context.Context, in *SignUpInput) (*SignUpOutput, error) {
	p, c, err := s.caller(ctx, "", in.ClientID, false)
	if err != nil {
		return nil, err
	}
	if err := s.secretHash(c, in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	if p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
		return nil, notAuthorized("SignUp is not permitted for this user pool")
	}
	if in.Password == nil {
		return nil, invalidParameter("1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	}
	if err := p.Policies.PasswordPolicy.Check(*in.Password); err != nil {
		// SignUp words it differently from every other operation.
		return nil, awsproto.Errorf(http.StatusBadRequest, "InvalidPasswordException", "Password did not conform with policy: %s", err.Error())
	}
	if err := checkWritable(c, in.UserAttributes); err != nil {
		return nil, err
	}
	u, err := s.newUser(ctx, p, in.Username, in.UserAttributes)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.findUser(ctx, p, u.Username); err == nil {
		return nil, awsproto.Errorf(http.StatusBadRequest, "UsernameExistsException", "User already exists")
	}
	u.Status = "UNCONFIRMED"
	validation := map[string]string{}
	for _, a := range in.ValidationData {
		validation[a.Name] = a.Value
	}
	pre, err := s.preSignUp(ctx, p, c.ClientID, "PreSignUp_SignUp", u, validation, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	if pre.AutoVerifyEmail && u.Attributes["email"] != "" {
		u.Attributes["email_verified"] = "true"
	}
	if pre.AutoVerifyPhone && u.Attributes["phone_number"] != "" {
		u.Attributes["phone_number_verified"] = "true"
	}
	if err := s.setPassword(p, u, *in.Password); err != nil {
		return nil, err
	}
	out := &SignUpOutput{UserSub: u.Attributes["sub"]}
	var code, attr, to string
	if pre.AutoConfirmUser {
		u.Status = "CONFIRMED"
		out.UserConfirmed = true
	} else if attr, to = verifyTarget(p, u); attr != "" {
		if code, err = s.newCode(p, u, codeSignUp, attr, to); err != nil {
			return nil, err
		}
	}
	if err := s.saveUser(ctx, p, userKey(p, u.Username), u, nil, 0); err != nil {
		if e, ok := awsproto.AsError(err); ok && e.Code == "UsernameExistsException" {
			return nil, awsproto.Errorf(http.StatusBadRequest, "UsernameExistsException", "User already exists")
		}
		return nil, err
	}
	if code != "" {
		d, err := s.send(ctx, p, u, delivery{kind: msgVerify, source: "CustomMessage_SignUp", attr: attr, to: to, username: in.Username,
			code: code, clientID: c.ClientID, meta: in.ClientMetadata})
		if err != nil {
			return nil, err
		}
		out.CodeDeliveryDetails = &d
	}
	return out, nil
}

// ConfirmInput is ConfirmSignUp's request.
type ConfirmInput struct {
	ClientID           string            `json:"ClientId"`
	SecretHash         string            `json:"SecretHash"`
	Username           string            `json:"Username"`
	ConfirmationCode   string            `json:"ConfirmationCode"`
	ForceAliasCreation bool              `json:"ForceAliasCreation"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

// ConfirmSignUp checks a sign-up code: the user becomes CONFIRMED and the
// address the code went to becomes verified.
func (s *Service) ConfirmSignUp(ctx context.Context, in *ConfirmInput) error {
	p, c, err := s.caller(ctx, "", in.ClientID, false)
	if err != nil {
		return err
	}
	if err := s.secretHash(c, in.Username, in.SecretHash); err != nil {
		return err
	}
	if in.ConfirmationCode == "" || len(in.ConfirmationCode) > 2048 {
		return invalidParameter("1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must have length between 1 and 2048")
	}
	if _, _, err := s.findUser(ctx, p, in.Username); err != nil {
		if _, ok := awsproto.AsError(err); ok && c.PreventUserExistenceErrors == "ENABLED" {
			return codeMismatch()
		}
		if _, ok := awsproto.AsError(err); ok {
			return awsproto.Errorf(http.StatusBadRequest, "UserNotFoundException", "Username/client id combination not found.")
		}
		return err
	}
	u, err := s.updateUser(ctx, p, in.Username, func(u *userRecord) error {
		if u.Status != "UNCONFIRMED" {
			return notAuthorized("User cannot be confirmed. Current status is " + u.Status)
		}
		cs, err := s.useCode(p, u, codeSignUp, in.ConfirmationCode)
		if err != nil {
			return err
		}
		u.Status = "CONFIRMED"
		if cs.Attr != "" && u.Attributes[cs.Attr] == cs.Value {
			u.Attributes[cs.Attr+"_verified"] = "true"
		}
		if !in.ForceAliasCreation {
			return s.claimAliases(ctx, p, u, false)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if in.ForceAliasCreation {
		if err := s.claimAliases(ctx, p, &u, true); err != nil {
			return err
		}
	}
	return s.postConfirmation(ctx, p, c.ClientID, "PostConfirmation_ConfirmSignUp", &u, in.ClientMetadata)
}

// claimAliases keeps verified aliases unique: a value another user holds
// as a verified alias is an AliasExistsException (checked before saving),
// or, when forced, taken from them (after saving).
func (s *Service) claimAliases(ctx context.Context, p *Pool, u *userRecord, force bool) error {
	for _, attr := range p.AliasAttributes {
		v := u.Attributes[attr]
		if v == "" || (attr != "preferred_username" && u.Attributes[attr+"_verified"] != "true") {
			continue
		}
		rs, err := s.st.List(ctx, kindIndex, p.ID+"/"+attr+"/"+v+"/", "", 10)
		if err != nil {
			return err
		}
		for _, r := range rs {
			other := r.ID[len(p.ID+"/"+attr+"/"+v+"/"):]
			if other == userKey(p, u.Username) {
				continue
			}
			var o userRecord
			if _, err := s.getJSON(ctx, kindUser, p.ID+"/"+other, &o, userNotFound()); err != nil || o.Attributes[attr+"_verified"] != "true" {
				continue
			}
			if !force {
				return awsproto.Errorf(http.StatusBadRequest, "AliasExistsException", "An account with the %s already exists.", attr)
			}
			if _, err := s.updateUser(ctx, p, o.Username, func(o *userRecord) error {
				o.Attributes[attr+"_verified"] = "false"
				return nil
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ResendInput is ResendConfirmationCode's (and ForgotPassword's) request.
type ResendInput struct {
	ClientID       string            `json:"ClientId"`
	SecretHash     string            `json:"SecretHash"`
	Username       string            `json:"Username"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

// simulatedDelivery answers for an unknown user when the client hides
// which users exist.
func simulatedDelivery(name string) CodeDelivery {
	if len(name) > 0 && name[0] == '+' {
		return CodeDelivery{Destination: maskDestination("phone_number", name), DeliveryMedium: "SMS", AttributeName: "phone_number"}
	}
	if !slices.Contains([]byte(name), '@') {
		name += "@example.com"
	}
	return CodeDelivery{Destination: maskDestination("email", name), DeliveryMedium: "EMAIL", AttributeName: "email"}
}

// sendCode is the shape ResendConfirmationCode and ForgotPassword share:
// a public call naming a user, a code issued by issue under the user's
// compare-and-swap, then sent. Unknown users get simulated details when
// the client hides which users exist.
func (s *Service) sendCode(ctx context.Context, in *ResendInput, source string, issue func(p *Pool, u *userRecord) (code, attr string, err error)) (CodeDelivery, error) {
	p, c, err := s.caller(ctx, "", in.ClientID, false)
	if err != nil {
		return CodeDelivery{}, err
	}
	if err := s.secretHash(c, in.Username, in.SecretHash); err != nil {
		return CodeDelivery{}, err
	}
	if _, _, err := s.findUser(ctx, p, in.Username); err != nil {
		if _, ok := awsproto.AsError(err); ok && c.PreventUserExistenceErrors == "ENABLED" {
			return simulatedDelivery(in.Username), nil
		}
		return CodeDelivery{}, err
	}
	var code, attr string
	u, err := s.updateUser(ctx, p, in.Username, func(u *userRecord) error {
		var err error
		code, attr, err = issue(p, u)
		return err
	})
	if err != nil {
		return CodeDelivery{}, err
	}
	return s.send(ctx, p, &u, delivery{kind: msgVerify, source: source, attr: attr, to: u.Attributes[attr], username: in.Username,
		code: code, clientID: c.ClientID, meta: in.ClientMetadata})
}

// ResendConfirmationCode sends a new sign-up code.
func (s *Service) ResendConfirmationCode(ctx context.Context, in *ResendInput) (CodeDelivery, error) {
	return s.sendCode(ctx, in, "CustomMessage_ResendCode", func(p *Pool, u *userRecord) (string, string, error) {
		if u.Status != "UNCONFIRMED" {
			return "", "", invalidParameter("User is already confirmed.")
		}
		attr, to := verifyTarget(p, u)
		if attr == "" {
			return "", "", invalidParameter("Auto verification not turned on.")
		}
		code, err := s.newCode(p, u, codeSignUp, attr, to)
		return code, attr, err
	})
}

// AdminConfirmSignUp confirms a user without a code.
func (s *Service) AdminConfirmSignUp(ctx context.Context, poolID, username string, meta map[string]string) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	p := &rec.Pool
	u, err := s.updateUser(ctx, p, username, func(u *userRecord) error {
		if u.Status != "UNCONFIRMED" {
			return notAuthorized("User cannot be confirmed. Current status is " + u.Status)
		}
		u.Status = "CONFIRMED"
		delete(u.Codes, codeSignUp)
		return nil
	})
	if err != nil {
		return err
	}
	return s.postConfirmation(ctx, p, "", "PostConfirmation_ConfirmSignUp", &u, meta)
}
