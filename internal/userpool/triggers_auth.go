package userpool

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// preAuthentication runs the PreAuthentication trigger before a sign-in
// checks the password (or answers SRP or starts CUSTOM_AUTH). u is nil
// for a user that does not exist: Cognito calls the trigger for those,
// with userNotFound, only when the client hides which users exist, so
// the trigger sees every attempt alike. The function denies by failing.
// validationData is the call's ClientMetadata, as Cognito passes it.
func (s *Service) preAuthentication(ctx context.Context, p *Pool, c Client, name string, u *userRecord, meta map[string]string) error {
	arn := p.LambdaConfig.PreAuthentication
	hides := c.PreventUserExistenceErrors == "ENABLED"
	if arn == "" || u == nil && !hides {
		return nil
	}
	req := map[string]any{"userAttributes": map[string]string{}, "validationData": nullIfEmpty(meta)}
	if u != nil {
		req["userAttributes"] = u.eventAttributes()
		name = u.Username
	}
	if hides {
		req["userNotFound"] = u == nil
	}
	return s.runTrigger(ctx, arn, triggerEvent{TriggerSource: "PreAuthentication_Authentication", UserPoolID: p.ID, UserName: name,
		CallerContext: callerContext{ClientID: c.ClientID}, Request: req}, nil)
}

// postAuthentication runs the PostAuthentication trigger once a sign-in
// has passed every challenge and before tokens are issued; a failing
// function fails the sign-in.
func (s *Service) postAuthentication(ctx context.Context, p *Pool, c Client, u *userRecord, meta map[string]string) error {
	arn := p.LambdaConfig.PostAuthentication
	if arn == "" {
		return nil
	}
	req := map[string]any{"userAttributes": u.eventAttributes(), "newDeviceUsed": false, "clientMetadata": clientMetadata(meta)}
	return s.runTrigger(ctx, arn, triggerEvent{TriggerSource: "PostAuthentication_Authentication", UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: c.ClientID}, Request: req}, nil)
}

// tokenClaims is what goes into a sign-in's tokens beyond what the
// tokens package derives itself: groups and roles (which the
// PreTokenGeneration trigger may replace) and the trigger's additions,
// suppressions and scopes.
type tokenClaims struct {
	Groups, Roles          []string
	PreferredRole          string
	IDAdd, AccessAdd       map[string]any
	IDSuppress, AccessSupp []string
	Scopes                 []string // nil: tokens.DefaultScope
}

// preTokenConfig says which function PreTokenGeneration runs and which
// event version it gets (V1_0 unless PreTokenGenerationConfig says more).
func preTokenConfig(lc LambdaConfig) (arn, version string) {
	arn, version = lc.PreTokenGeneration, "V1_0"
	if cfg := lc.PreTokenGenerationConfig; cfg != nil {
		if cfg.LambdaArn != "" {
			arn = cfg.LambdaArn
		}
		if cfg.LambdaVersion != "" {
			version = cfg.LambdaVersion
		}
	}
	return arn, version
}

// groupOverride is groupConfiguration / groupOverrideDetails.
type groupOverride struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

// tokenOverride is one token's part of a V2 answer (and the V1 answer,
// which has no scopes).
type tokenOverride struct {
	ClaimsToAddOrOverride map[string]json.RawMessage `json:"claimsToAddOrOverride"`
	ClaimsToSuppress      []string                   `json:"claimsToSuppress"`
	ScopesToAdd           []string                   `json:"scopesToAdd"`
	ScopesToSuppress      []string                   `json:"scopesToSuppress"`
}

// preTokenGeneration runs the PreTokenGeneration trigger, when the pool
// has one, over the claims a sign-in is about to issue. V1_0 answers
// change the ID token (and cognito:groups in both tokens); V2_0 and V3_0
// answers change both tokens and the access token's scopes.
func (s *Service) preTokenGeneration(ctx context.Context, p *Pool, c Client, u *userRecord, source string, meta map[string]string, tc tokenClaims) (tokenClaims, error) {
	arn, version := preTokenConfig(p.LambdaConfig)
	if arn == "" {
		return tc, nil
	}
	v2 := version != "V1_0"
	var preferred any
	if tc.PreferredRole != "" {
		preferred = tc.PreferredRole
	}
	req := map[string]any{
		"userAttributes": u.eventAttributes(),
		"groupConfiguration": map[string]any{"groupsToOverride": nonNil(tc.Groups), "iamRolesToOverride": nonNil(tc.Roles),
			"preferredRole": preferred},
		"clientMetadata": clientMetadata(meta),
	}
	ev := triggerEvent{Version: "1", TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: c.ClientID}, Request: req, name: "PreTokenGeneration"}
	if v2 {
		ev.Version = strings.TrimSuffix(strings.TrimPrefix(version, "V"), "_0")
		req["scopes"] = []string{tokens.DefaultScope}
	}
	var raw map[string]json.RawMessage
	if err := s.runTrigger(ctx, arn, ev, &raw); err != nil {
		return tc, err
	}
	var groups json.RawMessage
	if v2 {
		var d struct {
			ID     *tokenOverride  `json:"idTokenGeneration"`
			Access *tokenOverride  `json:"accessTokenGeneration"`
			Groups json.RawMessage `json:"groupOverrideDetails"`
		}
		if err := decodeMember(raw, "claimsAndScopeOverrideDetails", &d); err != nil {
			return tc, err
		}
		var err error
		if d.ID != nil {
			if tc.IDAdd, err = claimValues(d.ID.ClaimsToAddOrOverride, true, true); err != nil {
				return tc, err
			}
			tc.IDSuppress = d.ID.ClaimsToSuppress
		}
		if d.Access != nil {
			if tc.AccessAdd, err = claimValues(d.Access.ClaimsToAddOrOverride, true, false); err != nil {
				return tc, err
			}
			tc.AccessSupp = d.Access.ClaimsToSuppress
			if tc.Scopes, err = overrideScopes([]string{tokens.DefaultScope}, d.Access.ScopesToAdd, d.Access.ScopesToSuppress); err != nil {
				return tc, err
			}
		}
		groups = d.Groups
	} else {
		var d struct {
			tokenOverride
			Groups json.RawMessage `json:"groupOverrideDetails"`
		}
		if err := decodeMember(raw, "claimsOverrideDetails", &d); err != nil {
			return tc, err
		}
		var err error
		if tc.IDAdd, err = claimValues(d.ClaimsToAddOrOverride, false, true); err != nil {
			return tc, err
		}
		tc.IDSuppress = d.ClaimsToSuppress
		groups = d.Groups
	}
	// groupOverrideDetails replaces the group configuration whole when it
	// is there: an empty or null one drops the groups, as documented.
	if groups != nil {
		var g groupOverride
		if string(groups) != "null" {
			if err := json.Unmarshal(groups, &g); err != nil {
				return tc, lambdaInvalid("Unrecognizable lambda output")
			}
		}
		tc.Groups, tc.Roles, tc.PreferredRole = g.GroupsToOverride, g.IAMRolesToOverride, ""
		if g.PreferredRole != nil {
			tc.PreferredRole = *g.PreferredRole
		}
	}
	return tc, nil
}

// decodeMember decodes raw[name] into v when it is there and not null.
func decodeMember(raw map[string]json.RawMessage, name string, v any) error {
	m, ok := raw[name]
	if !ok || string(m) == "null" {
		return nil
	}
	if err := json.Unmarshal(m, v); err != nil {
		return lambdaInvalid("Unrecognizable lambda output")
	}
	return nil
}

// idScalarOnly are the ID token claims that stay strings or booleans even
// in V2 events, which may otherwise set any JSON value.
var idScalarOnly = []string{"phone_number_verified", "email_verified", "updated_at", "address"}

// claimValues turns claimsToAddOrOverride into claim values. V1 claims
// are strings (numbers and booleans are taken as their text); V2 claims
// may be any JSON value except in the claims Cognito keeps scalar.
func claimValues(in map[string]json.RawMessage, v2, id bool) (map[string]any, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(in))
	for name, raw := range in {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, lambdaInvalid("Unrecognizable lambda output")
		}
		complexValue := false
		switch x := v.(type) {
		case nil:
			continue
		case float64:
			if !v2 {
				v = strconv.FormatFloat(x, 'f', -1, 64)
			}
		case bool:
			if !v2 {
				v = strconv.FormatBool(x)
			}
		case map[string]any, []any:
			complexValue = true
		}
		if complexValue && (!v2 || id && slices.Contains(idScalarOnly, name)) {
			return nil, lambdaInvalid(fmt.Sprintf("Invalid lambda response received: the value of claim %s must be a string.", name))
		}
		out[name] = v
	}
	return out, nil
}

// overrideScopes applies scopesToAdd and scopesToSuppress; a scope both
// added and suppressed is suppressed, as claims are.
func overrideScopes(scopes, add, suppress []string) ([]string, error) {
	out := []string{}
	for _, sc := range append(slices.Clone(scopes), add...) {
		if sc == "" || strings.ContainsAny(sc, " \t\n") {
			return nil, lambdaInvalid(fmt.Sprintf("Invalid lambda response received: invalid scope %q.", sc))
		}
		if !slices.Contains(suppress, sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
