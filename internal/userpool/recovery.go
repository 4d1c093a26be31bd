package userpool

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// recoveryTarget picks where a reset code goes, by the pool's
// AccountRecoverySetting (legacy default: a verified phone, then a
// verified email).
func recoveryTarget(p *Pool, u *userRecord) (attr, value string, adminOnly bool) {
	order := []string{"verified_phone_number", "verified_email"}
	if p.AccountRecoverySetting != nil && len(p.AccountRecoverySetting.RecoveryMechanisms) > 0 {
		ms := slices.Clone(p.AccountRecoverySetting.RecoveryMechanisms)
		slices.SortFunc(ms, func(a, b RecoveryOption) int { return a.Priority - b.Priority })
		order = order[:0]
		for _, m := range ms {
			order = append(order, m.Name)
		}
	}
	for _, m := range order {
		switch m {
		case "admin_only":
			return "", "", true
		case "verified_email", "verified_phone_number":
			a := m[len("verified_"):]
			if u.Attributes[a] != "" && u.Attributes[a+"_verified"] == "true" {
				return a, u.Attributes[a], false
			}
		}
	}
	return "", "", false
}

func noRecoveryTarget() *awsproto.Error {
	return invalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// ForgotPassword sends a password reset code.
func (s *Service) ForgotPassword(ctx context.Context, in *ResendInput) (CodeDelivery, error) {
	if err := s.migrateForForgotPassword(ctx, in); err != nil {
		return CodeDelivery{}, err
	}
	return s.sendCode(ctx, in, "CustomMessage_ForgotPassword", func(p *Pool, u *userRecord) (string, string, error) {
		if !u.Enabled {
			return "", "", notAuthorized("User is disabled.")
		}
		if u.Status == "FORCE_CHANGE_PASSWORD" {
			return "", "", notAuthorized("User password cannot be reset in the current state.")
		}
		attr, to, adminOnly := recoveryTarget(p, u)
		if adminOnly {
			return "", "", notAuthorized("Contact administrator to reset password.")
		}
		if attr == "" {
			return "", "", noRecoveryTarget()
		}
		code, err := s.newCode(p, u, codeReset, attr, to)
		return code, attr, err
	})
}

// ConfirmForgotInput is ConfirmForgotPassword's request.
type ConfirmForgotInput struct {
	ClientID         string            `json:"ClientId"`
	SecretHash       string            `json:"SecretHash"`
	Username         string            `json:"Username"`
	ConfirmationCode string            `json:"ConfirmationCode"`
	Password         string            `json:"Password"`
	ClientMetadata   map[string]string `json:"ClientMetadata"`
}

// ConfirmForgotPassword sets a new password with a reset code.
func (s *Service) ConfirmForgotPassword(ctx context.Context, in *ConfirmForgotInput) error {
	p, c, err := s.caller(ctx, "", in.ClientID, false)
	if err != nil {
		return err
	}
	if err := s.secretHash(c, in.Username, in.SecretHash); err != nil {
		return err
	}
	if in.ConfirmationCode == "" {
		return invalidParameter("1 validation error detected: Value null at 'confirmationCode' failed to satisfy constraint: Member must not be null")
	}
	if err := p.Policies.PasswordPolicy.Check(in.Password); err != nil {
		return invalidPassword(err)
	}
	if _, _, err := s.findUser(ctx, p, in.Username); err != nil {
		if _, ok := awsproto.AsError(err); ok && c.PreventUserExistenceErrors == "ENABLED" {
			return codeMismatch()
		}
		return err
	}
	u, err := s.updateUser(ctx, p, in.Username, func(u *userRecord) error {
		if !u.Enabled {
			return notAuthorized("User is disabled.")
		}
		if _, err := s.useCode(p, u, codeReset, in.ConfirmationCode); err != nil {
			return err
		}
		if err := s.setPassword(p, u, in.Password); err != nil {
			return err
		}
		u.Status, u.TempExpires = "CONFIRMED", time.Time{}
		u.Failures, u.LockedUntil = 0, time.Time{}
		return nil
	})
	if err != nil {
		return err
	}
	return s.postConfirmation(ctx, p, c.ClientID, "PostConfirmation_ConfirmForgotPassword", &u, in.ClientMetadata)
}

// AdminResetUserPassword invalidates a user's password: the next sign-in
// fails with PasswordResetRequiredException, and a reset code is sent.
func (s *Service) AdminResetUserPassword(ctx context.Context, poolID, username string, meta map[string]string) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	p := &rec.Pool
	var code, attr, to string
	u, err := s.updateUser(ctx, p, username, func(u *userRecord) error {
		attr, to, _ = recoveryTarget(p, u)
		if attr == "" {
			return noRecoveryTarget()
		}
		var err error
		if code, err = s.newCode(p, u, codeReset, attr, to); err != nil {
			return err
		}
		if u.Status != "UNCONFIRMED" {
			u.Status = "RESET_REQUIRED"
		}
		u.Salt, u.Verifier = nil, nil
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.send(ctx, p, &u, delivery{kind: msgVerify, source: "CustomMessage_ForgotPassword", attr: attr, to: to, username: username,
		code: code, meta: meta})
	return err
}
