package userpool

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// Target is the X-Amz-Target prefix of the user pools API.
const Target = "AWSCognitoIdentityProviderService."

// public are the operations Cognito serves without a SigV4 signature (the
// service model's authtype none): the SDKs and browsers send them unsigned.
var public = map[string]bool{
	"AssociateSoftwareToken": true, "ChangePassword": true, "ConfirmDevice": true, "ConfirmForgotPassword": true,
	"ConfirmSignUp": true, "DeleteUser": true, "DeleteUserAttributes": true, "ForgetDevice": true, "ForgotPassword": true,
	"GetDevice": true, "GetTokensFromRefreshToken": true, "GetUser": true, "GetUserAttributeVerificationCode": true,
	"GlobalSignOut": true, "InitiateAuth": true, "ListDevices": true, "ResendConfirmationCode": true,
	"RespondToAuthChallenge": true, "RevokeToken": true, "SetUserMFAPreference": true, "SetUserSettings": true,
	"SignUp": true, "UpdateAuthEventFeedback": true, "UpdateDeviceStatus": true, "UpdateUserAttributes": true,
	"VerifySoftwareToken": true, "VerifyUserAttribute": true,
}

// IsPublic reports whether a request is for an operation served unsigned.
func IsPublic(r *http.Request) bool {
	return public[strings.TrimPrefix(r.Header.Get("X-Amz-Target"), Target)]
}

type handler func(s *Service, w http.ResponseWriter, r *awsproto.Request) error

func decode[T any](r *awsproto.Request) (*T, error) {
	v := new(T)
	if len(r.Body) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return nil, awsproto.Errorf(http.StatusBadRequest, "SerializationException", "Could not parse the request body: malformed JSON.").Wrap(err)
	}
	return v, nil
}

func reply(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, err = w.Write(b)
	return err
}

var operations = map[string]handler{
	"CreateUserPool": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[PoolInput](r)
		if err != nil {
			return err
		}
		p, err := s.CreatePool(r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"UserPool": p})
	},
	"DescribeUserPool": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId string }](r)
		if err != nil {
			return err
		}
		p, err := s.DescribePool(r.Context(), in.UserPoolId)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"UserPool": p})
	},
	"UpdateUserPool": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[PoolInput](r)
		if err != nil {
			return err
		}
		if err := s.UpdatePool(r.Context(), in); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"DeleteUserPool": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId string }](r)
		if err != nil {
			return err
		}
		if err := s.DeletePool(r.Context(), in.UserPoolId); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"ListUserPools": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct {
			MaxResults int
			NextToken  string
		}](r)
		if err != nil {
			return err
		}
		pools, next, err := s.ListPools(r.Context(), in.MaxResults, in.NextToken)
		if err != nil {
			return err
		}
		out := map[string]any{"UserPools": pools}
		if next != "" {
			out["NextToken"] = next
		}
		return reply(w, out)
	},
	"CreateUserPoolClient": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[ClientInput](r)
		if err != nil {
			return err
		}
		c, err := s.CreateClient(r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"UserPoolClient": c})
	},
	"DescribeUserPoolClient": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, ClientId string }](r)
		if err != nil {
			return err
		}
		c, err := s.DescribeClient(r.Context(), in.UserPoolId, in.ClientId)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"UserPoolClient": c})
	},
	"UpdateUserPoolClient": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[ClientInput](r)
		if err != nil {
			return err
		}
		c, err := s.UpdateClient(r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"UserPoolClient": c})
	},
	"DeleteUserPoolClient": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, ClientId string }](r)
		if err != nil {
			return err
		}
		if err := s.DeleteClient(r.Context(), in.UserPoolId, in.ClientId); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminCreateUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[AdminCreateUserInput](r)
		if err != nil {
			return err
		}
		u, err := s.AdminCreateUser(r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"User": u})
	},
	"AdminGetUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username string }](r)
		if err != nil {
			return err
		}
		rec, err := s.pool(r.Context(), in.UserPoolId)
		if err != nil {
			return err
		}
		u, _, err := s.findUser(r.Context(), &rec.Pool, in.Username)
		if err != nil {
			return err
		}
		v := u.view(nil)
		out := map[string]any{"Username": v.Username, "UserAttributes": v.Attributes, "UserCreateDate": v.UserCreateDate,
			"UserLastModifiedDate": v.UserLastModifiedDate, "Enabled": v.Enabled, "UserStatus": v.UserStatus}
		u.mfaView(out)
		return reply(w, out)
	},
	"AdminDeleteUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username string }](r)
		if err != nil {
			return err
		}
		if err := s.AdminDeleteUser(r.Context(), in.UserPoolId, in.Username); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminSetUserPassword": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct {
			UserPoolId, Username, Password string
			Permanent                      bool
		}](r)
		if err != nil {
			return err
		}
		if err := s.AdminSetUserPassword(r.Context(), in.UserPoolId, in.Username, in.Password, in.Permanent); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"ListUsers": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[ListUsersInput](r)
		if err != nil {
			return err
		}
		users, next, err := s.ListUsers(r.Context(), in)
		if err != nil {
			return err
		}
		out := map[string]any{"Users": users}
		if next != "" {
			out["PaginationToken"] = next
		}
		return reply(w, out)
	},
	"InitiateAuth":                authHandler(false),
	"AdminInitiateAuth":           authHandler(true),
	"RespondToAuthChallenge":      challengeHandler(false),
	"AdminRespondToAuthChallenge": challengeHandler(true),
	"CreateGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[GroupInput](r)
		if err != nil {
			return err
		}
		g, err := s.CreateGroup(r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"Group": g})
	},
	"GetGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, GroupName string }](r)
		if err != nil {
			return err
		}
		g, err := s.GetGroup(r.Context(), in.UserPoolId, in.GroupName)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"Group": g})
	},
	"UpdateGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[GroupInput](r)
		if err != nil {
			return err
		}
		g, err := s.UpdateGroup(r.Context(), in)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"Group": g})
	},
	"DeleteGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, GroupName string }](r)
		if err != nil {
			return err
		}
		if err := s.DeleteGroup(r.Context(), in.UserPoolId, in.GroupName); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"ListGroups": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct {
			UserPoolId, NextToken string
			Limit                 int
		}](r)
		if err != nil {
			return err
		}
		gs, next, err := s.ListGroups(r.Context(), in.UserPoolId, in.Limit, in.NextToken)
		if err != nil {
			return err
		}
		out := map[string]any{"Groups": gs}
		if next != "" {
			out["NextToken"] = next
		}
		return reply(w, out)
	},
	"AdminAddUserToGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username, GroupName string }](r)
		if err != nil {
			return err
		}
		if err := s.membership(r.Context(), in.UserPoolId, in.Username, in.GroupName, true); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminRemoveUserFromGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username, GroupName string }](r)
		if err != nil {
			return err
		}
		if err := s.membership(r.Context(), in.UserPoolId, in.Username, in.GroupName, false); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminListGroupsForUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username string }](r)
		if err != nil {
			return err
		}
		gs, err := s.AdminListGroupsForUser(r.Context(), in.UserPoolId, in.Username)
		if err != nil {
			return err
		}
		return reply(w, map[string]any{"Groups": gs})
	},
	"ListUsersInGroup": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct {
			UserPoolId, GroupName, NextToken string
			Limit                            int
		}](r)
		if err != nil {
			return err
		}
		us, next, err := s.ListUsersInGroup(r.Context(), in.UserPoolId, in.GroupName, in.Limit, in.NextToken)
		if err != nil {
			return err
		}
		out := map[string]any{"Users": us}
		if next != "" {
			out["NextToken"] = next
		}
		return reply(w, out)
	},
	"GetUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ AccessToken string }](r)
		if err != nil {
			return err
		}
		out, err := s.GetUser(r.Context(), in.AccessToken)
		if err != nil {
			return err
		}
		return reply(w, out)
	},
	"ChangePassword": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ AccessToken, PreviousPassword, ProposedPassword string }](r)
		if err != nil {
			return err
		}
		if err := s.ChangePassword(r.Context(), in.AccessToken, in.PreviousPassword, in.ProposedPassword); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"DeleteUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ AccessToken string }](r)
		if err != nil {
			return err
		}
		if err := s.DeleteUser(r.Context(), in.AccessToken); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"GlobalSignOut": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ AccessToken string }](r)
		if err != nil {
			return err
		}
		if err := s.GlobalSignOut(r.Context(), in.AccessToken); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminUserGlobalSignOut": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username string }](r)
		if err != nil {
			return err
		}
		if err := s.AdminUserGlobalSignOut(r.Context(), in.UserPoolId, in.Username); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"RevokeToken": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ Token, ClientId, ClientSecret string }](r)
		if err != nil {
			return err
		}
		if err := s.RevokeToken(r.Context(), in.Token, in.ClientId, in.ClientSecret); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminEnableUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username string }](r)
		if err != nil {
			return err
		}
		if err := s.setEnabled(r.Context(), in.UserPoolId, in.Username, true); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"AdminDisableUser": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct{ UserPoolId, Username string }](r)
		if err != nil {
			return err
		}
		if err := s.setEnabled(r.Context(), in.UserPoolId, in.Username, false); err != nil {
			return err
		}
		return reply(w, struct{}{})
	},
	"ListUserPoolClients": func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[struct {
			UserPoolId string
			MaxResults int
			NextToken  string
		}](r)
		if err != nil {
			return err
		}
		clients, next, err := s.ListClients(r.Context(), in.UserPoolId, in.MaxResults, in.NextToken)
		if err != nil {
			return err
		}
		out := map[string]any{"UserPoolClients": clients}
		if next != "" {
			out["NextToken"] = next
		}
		return reply(w, out)
	},
}

func authHandler(admin bool) handler {
	return func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[AuthInput](r)
		if err != nil {
			return err
		}
		out, err := s.InitiateAuth(r.Context(), in, admin)
		if err != nil {
			return err
		}
		return reply(w, out)
	}
}

func challengeHandler(admin bool) handler {
	return func(s *Service, w http.ResponseWriter, r *awsproto.Request) error {
		in, err := decode[ChallengeInput](r)
		if err != nil {
			return err
		}
		out, err := s.RespondToAuthChallenge(r.Context(), in, admin)
		if err != nil {
			return err
		}
		return reply(w, out)
	}
}

// Serve dispatches a JSON 1.1 request by its X-Amz-Target.
func (s *Service) Serve(w http.ResponseWriter, r *awsproto.Request) error {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), Target)
	h := operations[op]
	if h == nil {
		h = accountOperations[op]
	}
	if h == nil {
		return awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Operation %s is not supported by gatehouse yet.", op)
	}
	return h(s, w, r)
}
