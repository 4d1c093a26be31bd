package userpool

import (
	"context"
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// AdminCreateUserInput is AdminCreateUser's request.
type AdminCreateUserInput struct {
	UserPoolID             string            `json:"UserPoolId"`
	Username               string            `json:"Username"`
	UserAttributes         []Attribute       `json:"UserAttributes"`
	ValidationData         []Attribute       `json:"ValidationData"`
	TemporaryPassword      *string           `json:"TemporaryPassword"`
	MessageAction          *string           `json:"MessageAction"`
	DesiredDeliveryMediums []string          `json:"DesiredDeliveryMediums"`
	ForceAliasCreation     bool              `json:"ForceAliasCreation"`
	ClientMetadata         map[string]string `json:"ClientMetadata"`
}

// AdminCreateUser creates a user in FORCE_CHANGE_PASSWORD with a
// temporary password (generated when none is given) and sends the pool's
// invitation, or with MessageAction RESEND issues a new one.
func (s *Service) AdminCreateUser(ctx context.Context, in *AdminCreateUserInput) (User, error) {
	rec, err := s.pool(ctx, in.UserPoolID)
	if err != nil {
		return User{}, err
	}
	p := &rec.Pool
	action := ""
	if in.MessageAction != nil {
		action = *in.MessageAction
		if err := oneOf("messageAction", action, "RESEND", "SUPPRESS"); err != nil {
			return User{}, err
		}
	}
	for _, m := range in.DesiredDeliveryMediums {
		if err := oneOf("desiredDeliveryMediums", m, "SMS", "EMAIL"); err != nil {
			return User{}, err
		}
	}
	pw := ""
	if in.TemporaryPassword != nil {
		pw = *in.TemporaryPassword
		if err := p.Policies.PasswordPolicy.Check(pw); err != nil {
			return User{}, invalidPassword(err)
		}
	} else if pw, err = p.Policies.PasswordPolicy.TemporaryPassword(nil); err != nil {
		return User{}, err
	}
	var u userRecord
	var targets []string
	if action == "RESEND" {
		u, err = s.updateUser(ctx, p, in.Username, func(u *userRecord) error {
			if u.Status != "FORCE_CHANGE_PASSWORD" {
				return awsproto.Errorf(http.StatusBadRequest, "UnsupportedUserStateException", "User account already exists")
			}
			u.TempExpires = s.now().UTC().AddDate(0, 0, p.Policies.PasswordPolicy.TemporaryPasswordValidityDays)
			if targets, err = inviteTargets(u, in.DesiredDeliveryMediums); err != nil {
				return err
			}
			return s.setPassword(p, u, pw)
		})
		if err != nil {
			return User{}, err
		}
	} else {
		nu, err := s.newUser(ctx, p, in.Username, in.UserAttributes)
		if err != nil {
			return User{}, err
		}
		u = *nu
		u.Status = "FORCE_CHANGE_PASSWORD"
		u.TempExpires = u.Created.AddDate(0, 0, p.Policies.PasswordPolicy.TemporaryPasswordValidityDays)
		validation := map[string]string{}
		for _, a := range in.ValidationData {
			validation[a.Name] = a.Value
		}
		// The trigger may refuse the user; what it answers is ignored for
		// administrator-created users, as in Cognito.
		if _, err := s.preSignUp(ctx, p, "", "PreSignUp_AdminCreateUser", &u, validation, in.ClientMetadata); err != nil {
			return User{}, err
		}
		if action != "SUPPRESS" {
			if targets, err = inviteTargets(&u, in.DesiredDeliveryMediums); err != nil {
				return User{}, err
			}
		}
		if err := s.setPassword(p, &u, pw); err != nil {
			return User{}, err
		}
		if err := s.claimAliases(ctx, p, &u, false); err != nil && !in.ForceAliasCreation {
			return User{}, err
		}
		if err := s.saveUser(ctx, p, userKey(p, u.Username), &u, nil, 0); err != nil {
			return User{}, err
		}
		if in.ForceAliasCreation {
			if err := s.claimAliases(ctx, p, &u, true); err != nil {
				return User{}, err
			}
		}
	}
	if action != "SUPPRESS" {
		if err := s.invite(ctx, p, &u, in.Username, pw, targets, in.ClientMetadata); err != nil {
			return User{}, err
		}
	}
	return u.view(nil), nil
}

// inviteTargets are the attributes the invitation goes to: each medium
// asked for, or, when none is named, SMS if the user has a phone and email
// otherwise.
func inviteTargets(u *userRecord, mediums []string) ([]string, error) {
	if len(mediums) == 0 {
		switch {
		case u.Attributes["phone_number"] != "":
			return []string{"phone_number"}, nil
		case u.Attributes["email"] != "":
			return []string{"email"}, nil
		}
		return nil, nil
	}
	var out []string
	for _, m := range mediums {
		attr := map[string]string{"SMS": "phone_number", "EMAIL": "email"}[m]
		if u.Attributes[attr] == "" {
			return nil, invalidParameter("User has no attribute matching desired delivery mediums")
		}
		if !slices.Contains(out, attr) {
			out = append(out, attr)
		}
	}
	return out, nil
}

// invite sends the temporary password.
func (s *Service) invite(ctx context.Context, p *Pool, u *userRecord, name, pw string, targets []string, meta map[string]string) error {
	for _, attr := range targets {
		if _, err := s.send(ctx, p, u, delivery{kind: msgInvite, source: "CustomMessage_AdminCreateUser", attr: attr, to: u.Attributes[attr],
			username: name, code: pw, meta: meta}); err != nil {
			return err
		}
	}
	return nil
}
