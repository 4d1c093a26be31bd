package userpool

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// migrationResponse is what UserMigration may answer.
type migrationResponse struct {
	UserAttributes         map[string]string `json:"userAttributes"`
	FinalUserStatus        string            `json:"finalUserStatus"`
	MessageAction          string            `json:"messageAction"`
	DesiredDeliveryMediums []string          `json:"desiredDeliveryMediums"`
	ForceAliasCreation     bool              `json:"forceAliasCreation"`
	EnableSMSMFA           bool              `json:"enableSMSMFA"`
}

// migrationFailed is Cognito's answer when the UserMigration function
// failed or returned no user: the user stays unknown.
func migrationFailed(c Client) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "UserNotFoundException", "Exception migrating user in app client %s", c.ClientID)
}

// passwordUser resolves the user a password sign-in names: a stored
// user, or one the UserMigration trigger brings in from elsewhere with
// the password it was given. PreAuthentication then sees the attempt.
// An unknown user is UserNotFoundException, or the generic
// NotAuthorizedException when the client hides which users exist.
func (s *Service) passwordUser(ctx context.Context, p *Pool, c Client, name, password string, meta map[string]string) (userRecord, error) {
	u, _, err := s.findUser(ctx, p, name)
	if _, ok := awsproto.AsError(err); ok && p.LambdaConfig.UserMigration != "" {
		var mu *userRecord
		if mu, err = s.migrateUser(ctx, p, c, name, password, "UserMigration_Authentication", meta); err != nil {
			return u, err
		}
		if mu != nil {
			u = *mu
		} else {
			err = migrationFailed(c)
		}
	}
	if err != nil {
		if _, ok := awsproto.AsError(err); !ok {
			return u, err
		}
		if c.PreventUserExistenceErrors == "ENABLED" {
			if perr := s.preAuthentication(ctx, p, c, name, nil, meta); perr != nil {
				return u, perr
			}
			return u, notAuthorized("Incorrect username or password.")
		}
		return u, err
	}
	return u, s.preAuthentication(ctx, p, c, name, &u, meta)
}

// migrateForForgotPassword brings an unknown user in through the
// UserMigration trigger before ForgotPassword sends its code; the user
// arrives RESET_REQUIRED, with the verified address the code goes to.
// A user the trigger does not produce is left to ForgotPassword's usual
// handling of unknown users.
func (s *Service) migrateForForgotPassword(ctx context.Context, in *ResendInput) error {
	p, c, err := s.caller(ctx, "", in.ClientID, false)
	if err != nil || p.LambdaConfig.UserMigration == "" {
		return nil // ForgotPassword reports a bad client itself
	}
	if err := s.secretHash(c, in.Username, in.SecretHash); err != nil {
		return nil
	}
	if _, _, err := s.findUser(ctx, p, in.Username); err == nil {
		return nil
	} else if _, ok := awsproto.AsError(err); !ok {
		return err
	}
	_, err = s.migrateUser(ctx, p, c, in.Username, "", "UserMigration_ForgotPassword", in.ClientMetadata)
	return err
}

// migrateUser runs the UserMigration trigger for a name the pool does not
// know and creates the user it answers with. It returns nil, nil when the
// function failed or answered no attributes: Cognito then treats the
// user as unknown. For UserMigration_Authentication the user keeps the
// password it signed in with (Cognito does not apply the pool's policy
// to it); finalUserStatus RESET_REQUIRED leaves it without one.
func (s *Service) migrateUser(ctx context.Context, p *Pool, c Client, name, password, source string, meta map[string]string) (*userRecord, error) {
	req := map[string]any{"validationData": nullIfEmpty(meta), "clientMetadata": clientMetadata(meta)}
	if source == "UserMigration_Authentication" {
		req["password"] = password
	}
	var r migrationResponse
	err := s.runTrigger(ctx, p.LambdaConfig.UserMigration, triggerEvent{TriggerSource: source, UserPoolID: p.ID, UserName: name,
		CallerContext: callerContext{ClientID: c.ClientID}, Request: req,
		Response: map[string]any{"userAttributes": nil, "finalUserStatus": nil, "messageAction": nil, "desiredDeliveryMediums": nil,
			"forceAliasCreation": false, "enableSMSMFA": false}}, &r)
	if e, ok := awsproto.AsError(err); ok && e.Code == "UserLambdaValidationException" {
		s.log.Info("user migration refused", "pool", p.ID, "user", name, "err", e.Message)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(r.UserAttributes) == 0 {
		return nil, nil
	}
	status := "CONFIRMED"
	switch {
	case source == "UserMigration_ForgotPassword":
		// The reset code sets the password.
		status = "RESET_REQUIRED"
	case r.FinalUserStatus == "" || r.FinalUserStatus == "CONFIRMED":
	case r.FinalUserStatus == "RESET_REQUIRED":
		status = "RESET_REQUIRED"
	default:
		return nil, lambdaInvalid("Invalid lambda response received: finalUserStatus must be CONFIRMED or RESET_REQUIRED.")
	}
	if r.MessageAction != "" && r.MessageAction != "SUPPRESS" {
		return nil, lambdaInvalid("Invalid lambda response received: messageAction must be SUPPRESS.")
	}
	for _, m := range r.DesiredDeliveryMediums {
		if m != "SMS" && m != "EMAIL" {
			return nil, lambdaInvalid("Invalid lambda response received: desiredDeliveryMediums must be SMS or EMAIL.")
		}
	}
	var attrs []Attribute
	for k, v := range r.UserAttributes {
		// The username and sub are Cognito's to set.
		if k == "username" || k == "sub" || strings.HasPrefix(k, "cognito:") {
			continue
		}
		attrs = append(attrs, Attribute{k, v})
	}
	u, err := s.newUser(ctx, p, name, attrs)
	if err != nil {
		if e, ok := awsproto.AsError(err); ok {
			return nil, lambdaInvalid("Invalid lambda response received: " + e.Message)
		}
		return nil, err
	}
	u.Status = status
	if status == "CONFIRMED" {
		if err := s.setPassword(p, u, password); err != nil {
			return nil, err
		}
	}
	if err := s.claimAliases(ctx, p, u, false); err != nil && !r.ForceAliasCreation {
		return nil, err
	}
	if err := s.saveUser(ctx, p, userKey(p, u.Username), u, nil, 0); err != nil {
		if e, ok := awsproto.AsError(err); ok && e.Code == "UsernameExistsException" {
			// A concurrent sign-in migrated the same user first.
			if got, _, ferr := s.findUser(ctx, p, name); ferr == nil {
				return &got, nil
			}
		}
		return nil, err
	}
	if r.ForceAliasCreation {
		if err := s.claimAliases(ctx, p, u, true); err != nil {
			return nil, err
		}
	}
	s.log.Info("user migrated", "pool", p.ID, "user", u.Username, "status", status, "source", source)
	return u, nil
}
