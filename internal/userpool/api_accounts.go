package userpool

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// op adapts a typed operation to a handler: decode, call, reply.
func op[In any](fn func(s *Service, ctx context.Context, in *In) (any, error)) handler {
	return func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[In](r)
		if err != nil {
			return err
		}
		out, err := fn(s, r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, out)
	}
}

type empty struct{}

type userRef struct {
	UserPoolID     string            `json:"UserPoolId"`
	Username       string            `json:"Username"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type tokenAttrs struct {
	AccessToken        string            `json:"AccessToken"`
	UserAttributes     []Attribute       `json:"UserAttributes"`
	UserAttributeNames []string          `json:"UserAttributeNames"`
	AttributeName      string            `json:"AttributeName"`
	Code               string            `json:"Code"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

type adminAttrs struct {
	UserPoolID         string            `json:"UserPoolId"`
	Username           string            `json:"Username"`
	UserAttributes     []Attribute       `json:"UserAttributes"`
	UserAttributeNames []string          `json:"UserAttributeNames"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

// accountOperations are sign-up, confirmation, recovery and attributes.
var accountOperations = map[string]handler{
	"SignUp": op(func(s *Service, ctx context.Context, in *SignUpInput) (any, error) { return s.SignUp(ctx, in) }),
	"ConfirmSignUp": op(func(s *Service, ctx context.Context, in *ConfirmInput) (any, error) {
		return empty{}, s.ConfirmSignUp(ctx, in)
	}),
	"ResendConfirmationCode": op(func(s *Service, ctx context.Context, in *ResendInput) (any, error) {
		d, err := s.ResendConfirmationCode(ctx, in)
		return map[string]any{"CodeDeliveryDetails": d}, err
	}),
	"AdminConfirmSignUp": op(func(s *Service, ctx context.Context, in *userRef) (any, error) {
		return empty{}, s.AdminConfirmSignUp(ctx, in.UserPoolID, in.Username, in.ClientMetadata)
	}),
	"ForgotPassword": op(func(s *Service, ctx context.Context, in *ResendInput) (any, error) {
		d, err := s.ForgotPassword(ctx, in)
		return map[string]any{"CodeDeliveryDetails": d}, err
	}),
	"ConfirmForgotPassword": op(func(s *Service, ctx context.Context, in *ConfirmForgotInput) (any, error) {
		return empty{}, s.ConfirmForgotPassword(ctx, in)
	}),
	"AdminResetUserPassword": op(func(s *Service, ctx context.Context, in *userRef) (any, error) {
		return empty{}, s.AdminResetUserPassword(ctx, in.UserPoolID, in.Username, in.ClientMetadata)
	}),
	"UpdateUserAttributes": op(func(s *Service, ctx context.Context, in *tokenAttrs) (any, error) {
		ds, err := s.UpdateUserAttributes(ctx, in.AccessToken, in.UserAttributes, in.ClientMetadata)
		return map[string]any{"CodeDeliveryDetailsList": ds}, err
	}),
	"AdminUpdateUserAttributes": op(func(s *Service, ctx context.Context, in *adminAttrs) (any, error) {
		return empty{}, s.AdminUpdateUserAttributes(ctx, in.UserPoolID, in.Username, in.UserAttributes, in.ClientMetadata)
	}),
	"DeleteUserAttributes": op(func(s *Service, ctx context.Context, in *tokenAttrs) (any, error) {
		return empty{}, s.DeleteUserAttributes(ctx, in.AccessToken, in.UserAttributeNames)
	}),
	"AdminDeleteUserAttributes": op(func(s *Service, ctx context.Context, in *adminAttrs) (any, error) {
		return empty{}, s.AdminDeleteUserAttributes(ctx, in.UserPoolID, in.Username, in.UserAttributeNames)
	}),
	"GetUserAttributeVerificationCode": op(func(s *Service, ctx context.Context, in *tokenAttrs) (any, error) {
		d, err := s.GetUserAttributeVerificationCode(ctx, in.AccessToken, in.AttributeName, in.ClientMetadata)
		return map[string]any{"CodeDeliveryDetails": d}, err
	}),
	"VerifyUserAttribute": op(func(s *Service, ctx context.Context, in *tokenAttrs) (any, error) {
		return empty{}, s.VerifyUserAttribute(ctx, in.AccessToken, in.AttributeName, in.Code)
	}),
	"AssociateSoftwareToken": op(func(s *Service, ctx context.Context, in *struct{ AccessToken, Session string }) (any, error) {
		return s.AssociateSoftwareToken(ctx, in.AccessToken, in.Session)
	}),
	"VerifySoftwareToken": op(func(s *Service, ctx context.Context, in *struct{ AccessToken, Session, UserCode, FriendlyDeviceName string }) (any, error) {
		return s.VerifySoftwareToken(ctx, in.AccessToken, in.Session, in.UserCode, in.FriendlyDeviceName)
	}),
	"SetUserMFAPreference": op(func(s *Service, ctx context.Context, in *MFAPreferenceInput) (any, error) {
		return empty{}, s.SetMFAPreference(ctx, in, false)
	}),
	"AdminSetUserMFAPreference": op(func(s *Service, ctx context.Context, in *MFAPreferenceInput) (any, error) {
		return empty{}, s.SetMFAPreference(ctx, in, true)
	}),
	"SetUserPoolMfaConfig": op(func(s *Service, ctx context.Context, in *MfaConfigInput) (any, error) {
		return s.SetUserPoolMfaConfig(ctx, in)
	}),
	"GetUserPoolMfaConfig": op(func(s *Service, ctx context.Context, in *struct{ UserPoolId string }) (any, error) {
		return s.GetUserPoolMfaConfig(ctx, in.UserPoolId)
	}),
	"CreateResourceServer": op(func(s *Service, ctx context.Context, in *ResourceServer) (any, error) {
		rs, err := s.CreateResourceServer(ctx, in)
		return map[string]any{"ResourceServer": rs}, err
	}),
	"DescribeResourceServer": op(func(s *Service, ctx context.Context, in *struct{ UserPoolId, Identifier string }) (any, error) {
		rs, err := s.DescribeResourceServer(ctx, in.UserPoolId, in.Identifier)
		return map[string]any{"ResourceServer": rs}, err
	}),
	"UpdateResourceServer": op(func(s *Service, ctx context.Context, in *ResourceServer) (any, error) {
		rs, err := s.UpdateResourceServer(ctx, in)
		return map[string]any{"ResourceServer": rs}, err
	}),
	"DeleteResourceServer": op(func(s *Service, ctx context.Context, in *struct{ UserPoolId, Identifier string }) (any, error) {
		return empty{}, s.DeleteResourceServer(ctx, in.UserPoolId, in.Identifier)
	}),
	"ListResourceServers": op(func(s *Service, ctx context.Context, in *struct {
		UserPoolId, NextToken string
		MaxResults            int
	}) (any, error) {
		rs, next, err := s.ListResourceServers(ctx, in.UserPoolId, in.MaxResults, in.NextToken)
		out := map[string]any{"ResourceServers": rs}
		if next != "" {
			out["NextToken"] = next
		}
		return out, err
	}),
	"TagResource": op(func(s *Service, ctx context.Context, in *struct {
		ResourceArn string
		Tags        map[string]string
	}) (any, error) {
		return empty{}, s.TagResource(ctx, in.ResourceArn, in.Tags)
	}),
	"UntagResource": op(func(s *Service, ctx context.Context, in *struct {
		ResourceArn string
		TagKeys     []string
	}) (any, error) {
		return empty{}, s.UntagResource(ctx, in.ResourceArn, in.TagKeys)
	}),
	"ListTagsForResource": op(func(s *Service, ctx context.Context, in *struct{ ResourceArn string }) (any, error) {
		tags, err := s.ListTagsForResource(ctx, in.ResourceArn)
		return map[string]any{"Tags": tags}, err
	}),
	"AddCustomAttributes": op(func(s *Service, ctx context.Context, in *struct {
		UserPoolID       string            `json:"UserPoolId"`
		CustomAttributes []SchemaAttribute `json:"CustomAttributes"`
	}) (any, error) {
		return empty{}, s.AddCustomAttributes(ctx, in.UserPoolID, in.CustomAttributes)
	}),
}
