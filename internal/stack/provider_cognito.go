package stack

import (
	"context"
	"fmt"
	"reflect"
)

const cognitoTarget = "AWSCognitoIdentityProviderService."

func cognito(ctx context.Context, c *Call, op string, in, out any) error {
	return c.API.Target(ctx, "cognito-idp", cognitoTarget+op, in, out)
}

// userPool is AWS::Cognito::UserPool. Its properties are CreateUserPool's
// input, except EnabledMfas, which goes to SetUserPoolMfaConfig.
type userPool struct{ issuerBase string }

func (userPool) Attributes() []string {
	return []string{"Arn", "ProviderName", "ProviderURL", "UserPoolId"}
}

func (userPool) Replaces(old, new map[string]any) (bool, string) {
	// What Cognito cannot change on a pool with users in it.
	return replacing(old, new, "UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Schema")
}

// poolCreateOnly are properties CreateUserPool takes but UpdateUserPool
// does not.
var poolCreateOnly = []string{"PoolName", "UserPoolName", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Schema", "EnabledMfas"}

func (p userPool) Create(ctx context.Context, c *Call) (Result, error) {
	in := without(c.Props, "EnabledMfas", "UserPoolName")
	name := str(c.Props, "UserPoolName")
	if name == "" {
		name = c.physicalName(128)
	}
	in["PoolName"] = name
	var out struct{ UserPool struct{ Id, Arn string } }
	if err := cognito(ctx, c, "CreateUserPool", in, &out); err != nil {
		return Result{}, err
	}
	id := out.UserPool.Id
	if err := p.mfa(ctx, c, id); err != nil {
		// The pool must not outlive the failed create.
		cognito(ctx, c, "DeleteUserPool", map[string]any{"UserPoolId": id}, nil)
		return Result{}, err
	}
	return Result{PhysicalID: id, Attrs: p.attrs(c, id, out.UserPool.Arn)}, nil
}

func (p userPool) attrs(c *Call, id, arn string) map[string]any {
	return map[string]any{"Arn": arn, "UserPoolId": id,
		"ProviderName": "cognito-idp." + c.Region + ".amazonaws.com/" + id,
		// The issuer of the pool's tokens, as on AWS, but gatehouse's.
		"ProviderURL": p.issuerBase + "/" + id}
}

// mfa applies EnabledMfas (SOFTWARE_TOKEN_MFA, SMS_MFA).
func (userPool) mfa(ctx context.Context, c *Call, id string) error {
	list := strList(c.Props, "EnabledMfas")
	if len(list) == 0 {
		return nil
	}
	in := map[string]any{"UserPoolId": id}
	if m := str(c.Props, "MfaConfiguration"); m != "" {
		in["MfaConfiguration"] = m
	}
	for _, m := range list {
		switch m {
		case "SOFTWARE_TOKEN_MFA":
			in["SoftwareTokenMfaConfiguration"] = map[string]any{"Enabled": true}
		case "SMS_MFA":
			sms := map[string]any{}
			if cfg, ok := c.Props["SmsConfiguration"]; ok {
				sms["SmsConfiguration"] = cfg
			}
			if msg := str(c.Props, "SmsAuthenticationMessage"); msg != "" {
				sms["SmsAuthenticationMessage"] = msg
			}
			in["SmsMfaConfiguration"] = sms
		case "EMAIL_OTP":
			return fmt.Errorf("EnabledMfas EMAIL_OTP is not supported by gatehouse")
		default:
			return fmt.Errorf("EnabledMfas: %q is not an MFA type (SOFTWARE_TOKEN_MFA, SMS_MFA)", m)
		}
	}
	return cognito(ctx, c, "SetUserPoolMfaConfig", in, nil)
}

func (p userPool) Update(ctx context.Context, c *Call) (Result, error) {
	id := c.Old.PhysicalID
	in := without(c.Props, poolCreateOnly...)
	in["UserPoolId"] = id
	if err := cognito(ctx, c, "UpdateUserPool", in, nil); err != nil {
		return Result{}, err
	}
	if !reflect.DeepEqual(c.Old.Props["EnabledMfas"], c.Props["EnabledMfas"]) {
		if err := p.mfa(ctx, c, id); err != nil {
			return Result{}, err
		}
	}
	return Result{PhysicalID: id, Attrs: c.Old.Attrs}, nil
}

func (userPool) Delete(ctx context.Context, c *Call) error {
	err := cognito(ctx, c, "DeleteUserPool", map[string]any{"UserPoolId": c.Old.PhysicalID}, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// userPoolClient is AWS::Cognito::UserPoolClient.
type userPoolClient struct{}

func (userPoolClient) Attributes() []string { return []string{"ClientId", "ClientSecret", "Name"} }

func (userPoolClient) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "UserPoolId", "GenerateSecret")
}

func (userPoolClient) Create(ctx context.Context, c *Call) (Result, error) {
	in := without(c.Props)
	if str(in, "ClientName") == "" {
		in["ClientName"] = c.physicalName(128)
	}
	var out struct {
		UserPoolClient struct{ ClientId, ClientSecret, ClientName string }
	}
	if err := cognito(ctx, c, "CreateUserPoolClient", in, &out); err != nil {
		return Result{}, err
	}
	u := out.UserPoolClient
	return Result{PhysicalID: u.ClientId, Attrs: map[string]any{"ClientId": u.ClientId, "ClientSecret": u.ClientSecret, "Name": u.ClientName}}, nil
}

func (userPoolClient) Update(ctx context.Context, c *Call) (Result, error) {
	in := without(c.Props, "GenerateSecret")
	in["ClientId"] = c.Old.PhysicalID
	if str(in, "ClientName") == "" {
		in["ClientName"] = c.Old.Attrs["Name"]
	}
	if err := cognito(ctx, c, "UpdateUserPoolClient", in, nil); err != nil {
		return Result{}, err
	}
	attrs := map[string]any{}
	for k, v := range c.Old.Attrs {
		attrs[k] = v
	}
	attrs["Name"] = in["ClientName"]
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: attrs}, nil
}

func (userPoolClient) Delete(ctx context.Context, c *Call) error {
	err := cognito(ctx, c, "DeleteUserPoolClient", map[string]any{"UserPoolId": str(c.Old.Props, "UserPoolId"), "ClientId": c.Old.PhysicalID}, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// userPoolUser is AWS::Cognito::UserPoolUser: AdminCreateUser, whose
// invitation (with the temporary password) goes out through the pool's
// messages. Every change replaces the user, as in CloudFormation.
type userPoolUser struct{}

func (userPoolUser) Attributes() []string { return nil }

func (userPoolUser) Replaces(old, new map[string]any) (bool, string) {
	if k := changedKeys(old, new); len(k) > 0 {
		return true, k[0]
	}
	return false, ""
}

func (userPoolUser) Create(ctx context.Context, c *Call) (Result, error) {
	var out struct{ User struct{ Username string } }
	if err := cognito(ctx, c, "AdminCreateUser", c.Props, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: out.User.Username}, nil
}

func (userPoolUser) Update(ctx context.Context, c *Call) (Result, error) {
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (userPoolUser) Delete(ctx context.Context, c *Call) error {
	err := cognito(ctx, c, "AdminDeleteUser", map[string]any{"UserPoolId": str(c.Old.Props, "UserPoolId"), "Username": c.Old.PhysicalID}, nil)
	if isNotFound(err) || isUserGone(err) {
		return nil
	}
	return err
}

func isUserGone(err error) bool {
	e, ok := err.(*APIError)
	return ok && e.Code == "UserNotFoundException"
}

// userPoolGroup is AWS::Cognito::UserPoolGroup.
type userPoolGroup struct{}

func (userPoolGroup) Attributes() []string { return nil }

func (userPoolGroup) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "GroupName", "UserPoolId")
}

func (userPoolGroup) Create(ctx context.Context, c *Call) (Result, error) {
	in := without(c.Props)
	if str(in, "GroupName") == "" {
		in["GroupName"] = c.physicalName(128)
	}
	if err := cognito(ctx, c, "CreateGroup", in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: in["GroupName"].(string)}, nil
}

func (userPoolGroup) Update(ctx context.Context, c *Call) (Result, error) {
	in := without(c.Props)
	in["GroupName"] = c.Old.PhysicalID
	if err := cognito(ctx, c, "UpdateGroup", in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID}, nil
}

func (userPoolGroup) Delete(ctx context.Context, c *Call) error {
	err := cognito(ctx, c, "DeleteGroup", map[string]any{"UserPoolId": str(c.Old.Props, "UserPoolId"), "GroupName": c.Old.PhysicalID}, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// userToGroup is AWS::Cognito::UserPoolUserToGroupAttachment.
type userToGroup struct{}

func (userToGroup) Attributes() []string { return nil }

func (userToGroup) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "GroupName", "UserPoolId", "Username")
}

func (userToGroup) Create(ctx context.Context, c *Call) (Result, error) {
	if err := cognito(ctx, c, "AdminAddUserToGroup", c.Props, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.physicalName(128)}, nil
}

func (userToGroup) Update(ctx context.Context, c *Call) (Result, error) {
	return Result{PhysicalID: c.Old.PhysicalID}, nil
}

func (userToGroup) Delete(ctx context.Context, c *Call) error {
	err := cognito(ctx, c, "AdminRemoveUserFromGroup", c.Old.Props, nil)
	if isNotFound(err) || isUserGone(err) {
		return nil
	}
	return err
}

// resourceServer is AWS::Cognito::UserPoolResourceServer.
type resourceServer struct{}

func (resourceServer) Attributes() []string { return nil }

func (resourceServer) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "Identifier", "UserPoolId")
}

func (resourceServer) Create(ctx context.Context, c *Call) (Result, error) {
	if err := cognito(ctx, c, "CreateResourceServer", c.Props, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: str(c.Props, "Identifier")}, nil
}

func (resourceServer) Update(ctx context.Context, c *Call) (Result, error) {
	if err := cognito(ctx, c, "UpdateResourceServer", c.Props, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: c.Old.PhysicalID}, nil
}

func (resourceServer) Delete(ctx context.Context, c *Call) error {
	err := cognito(ctx, c, "DeleteResourceServer", map[string]any{"UserPoolId": str(c.Old.Props, "UserPoolId"), "Identifier": c.Old.PhysicalID}, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// userPoolDomain is AWS::Cognito::UserPoolDomain. gatehouse does not
// serve a hosted sign-in page yet; the domain is recorded, and the
// deploy says so rather than pretending a page exists.
type userPoolDomain struct{}

func (userPoolDomain) Attributes() []string { return []string{"CloudFrontDistribution"} }

func (userPoolDomain) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "Domain", "UserPoolId")
}

func (userPoolDomain) Create(ctx context.Context, c *Call) (Result, error) {
	d := str(c.Props, "Domain")
	if d == "" {
		return Result{}, fmt.Errorf("Properties.Domain is required")
	}
	return Result{PhysicalID: d, Attrs: map[string]any{"CloudFrontDistribution": "", "note": "recorded; gatehouse serves no hosted UI yet"}}, nil
}

func (userPoolDomain) Update(ctx context.Context, c *Call) (Result, error) {
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (userPoolDomain) Delete(ctx context.Context, c *Call) error { return nil }
