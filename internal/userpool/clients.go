package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

// clientRecord is what the store keeps per app client; the secret is
// sealed with the master key, bound to the client id.
type clientRecord struct {
	Client Client `json:"client"`
	Secret []byte `json:"secret,omitempty"`
}

// ClientInput is CreateUserPoolClient's (and UpdateUserPoolClient's)
// request.
type ClientInput struct {
	UserPoolID                               string                `json:"UserPoolId"`
	ClientID                                 string                `json:"ClientId"`
	ClientName                               *string               `json:"ClientName"`
	GenerateSecret                           bool                  `json:"GenerateSecret"`
	ClientSecret                             *string               `json:"ClientSecret"`
	RefreshTokenValidity                     *int                  `json:"RefreshTokenValidity"`
	AccessTokenValidity                      *int                  `json:"AccessTokenValidity"`
	IDTokenValidity                          *int                  `json:"IdTokenValidity"`
	TokenValidityUnits                       *TokenValidityUnits   `json:"TokenValidityUnits"`
	ReadAttributes                           []string              `json:"ReadAttributes"`
	WriteAttributes                          []string              `json:"WriteAttributes"`
	ExplicitAuthFlows                        []string              `json:"ExplicitAuthFlows"`
	SupportedIdentityProviders               []string              `json:"SupportedIdentityProviders"`
	CallbackURLs                             []string              `json:"CallbackURLs"`
	LogoutURLs                               []string              `json:"LogoutURLs"`
	DefaultRedirectURI                       *string               `json:"DefaultRedirectURI"`
	AllowedOAuthFlows                        []string              `json:"AllowedOAuthFlows"`
	AllowedOAuthScopes                       []string              `json:"AllowedOAuthScopes"`
	AllowedOAuthFlowsUserPoolClient          *bool                 `json:"AllowedOAuthFlowsUserPoolClient"`
	PreventUserExistenceErrors               *string               `json:"PreventUserExistenceErrors"`
	EnableTokenRevocation                    *bool                 `json:"EnableTokenRevocation"`
	EnablePropagateAdditionalUserContextData *bool                 `json:"EnablePropagateAdditionalUserContextData"`
	AuthSessionValidity                      *int                  `json:"AuthSessionValidity"`
	RefreshTokenRotation                     *RefreshTokenRotation `json:"RefreshTokenRotation"`
}

var (
	legacyFlows = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
	allowFlows  = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
)

// seconds converts a validity in unit to seconds.
func seconds(v int, unit string) int {
	switch unit {
	case "seconds":
		return v
	case "minutes":
		return v * 60
	case "hours":
		return v * 3600
	}
	return v * 86400
}

// callbackOK applies Cognito's rule: HTTPS, or plain HTTP to localhost
// only, or a custom scheme; never a fragment.
func callbackOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") {
		return false
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		return h == "localhost" || h == "127.0.0.1" || h == "::1"
	}
	return u.Scheme == "https" && u.Host != "" || u.Scheme != "https" && u.Scheme != "http"
}

// apply validates in and writes it over c.
func (in *ClientInput) apply(c *Client, schema []SchemaAttribute) error {
	if in.ClientName != nil {
		if !nameRe.MatchString(*in.ClientName) {
			return invalidParameter("1 validation error detected: Value '%s' at 'clientName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", *in.ClientName)
		}
		c.ClientName = *in.ClientName
	}
	if in.TokenValidityUnits != nil {
		u := *in.TokenValidityUnits
		for field, v := range map[string]string{"accessToken": u.AccessToken, "idToken": u.IDToken, "refreshToken": u.RefreshToken} {
			if v != "" {
				if err := oneOf("tokenValidityUnits."+field, v, "seconds", "minutes", "hours", "days"); err != nil {
					return err
				}
			}
		}
		// A unit left out means hours (days for refresh) for a number
		// given now; a default number keeps its default unit.
		unit := func(given string, number *int, def, current string) string {
			switch {
			case given != "":
				return given
			case number != nil:
				return def
			}
			return current
		}
		c.TokenValidityUnits = TokenValidityUnits{
			AccessToken:  unit(u.AccessToken, in.AccessTokenValidity, "hours", c.TokenValidityUnits.AccessToken),
			IDToken:      unit(u.IDToken, in.IDTokenValidity, "hours", c.TokenValidityUnits.IDToken),
			RefreshToken: unit(u.RefreshToken, in.RefreshTokenValidity, "days", c.TokenValidityUnits.RefreshToken),
		}
	}
	if in.TokenValidityUnits == nil {
		// A number given without units counts in hours (days for refresh).
		if in.AccessTokenValidity != nil {
			c.TokenValidityUnits.AccessToken = "hours"
		}
		if in.IDTokenValidity != nil {
			c.TokenValidityUnits.IDToken = "hours"
		}
		if in.RefreshTokenValidity != nil {
			c.TokenValidityUnits.RefreshToken = "days"
		}
	}
	if in.AccessTokenValidity != nil {
		c.AccessTokenValidity = *in.AccessTokenValidity
	}
	if in.IDTokenValidity != nil {
		c.IDTokenValidity = *in.IDTokenValidity
	}
	if in.RefreshTokenValidity != nil {
		c.RefreshTokenValidity = *in.RefreshTokenValidity
		if c.RefreshTokenValidity == 0 {
			c.RefreshTokenValidity, c.TokenValidityUnits.RefreshToken = 30, "days"
		}
	}
	units := c.TokenValidityUnits
	for _, tv := range []struct {
		name   string
		v      int
		unit   string
		lo, hi int
	}{
		{"Access Token", c.AccessTokenValidity, units.AccessToken, 300, 86400},
		{"Id Token", c.IDTokenValidity, units.IDToken, 300, 86400},
		{"Refresh Token", c.RefreshTokenValidity, units.RefreshToken, 3600, 315360000},
	} {
		if s := seconds(tv.v, tv.unit); s < tv.lo || s > tv.hi {
			return invalidParameter("%s validity must be between %d seconds and %d seconds.", tv.name, tv.lo, tv.hi)
		}
	}
	if seconds(c.AccessTokenValidity, units.AccessToken) > seconds(c.RefreshTokenValidity, units.RefreshToken) ||
		seconds(c.IDTokenValidity, units.IDToken) > seconds(c.RefreshTokenValidity, units.RefreshToken) {
		return invalidParameter("Refresh token validity must be greater than Access and Id token validity.")
	}
	attrs := map[string]bool{}
	for _, a := range schema {
		attrs[a.Name] = true
	}
	for field, list := range map[string][]string{"readAttributes": in.ReadAttributes, "writeAttributes": in.WriteAttributes} {
		for _, a := range list {
			if !attrs[a] {
				return invalidParameter("Invalid %s specified while creating a client", strings.TrimSuffix(field, "Attributes")+" attributes")
			}
		}
	}
	if in.ReadAttributes != nil {
		c.ReadAttributes = in.ReadAttributes
	}
	if in.WriteAttributes != nil {
		c.WriteAttributes = in.WriteAttributes
	}
	if in.ExplicitAuthFlows != nil {
		legacy, modern := false, false
		for _, f := range in.ExplicitAuthFlows {
			switch {
			case slices.Contains(legacyFlows, f):
				legacy = true
			case slices.Contains(allowFlows, f):
				modern = true
			default:
				return invalidParameter("1 validation error detected: Value '[%s]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [%s]]", f, strings.Join(append(slices.Clone(allowFlows), legacyFlows...), ", "))
			}
		}
		if legacy && modern {
			return invalidParameter("Invalid combination of explicit auth flows: ALLOW_ and legacy values cannot be mixed.")
		}
		c.ExplicitAuthFlows = in.ExplicitAuthFlows
	}
	if in.SupportedIdentityProviders != nil {
		c.SupportedIdentityProviders = in.SupportedIdentityProviders
	}
	for _, list := range [][]string{in.CallbackURLs, in.LogoutURLs} {
		for _, u := range list {
			if !callbackOK(u) {
				return invalidParameter("%s is not a valid URL: use HTTPS (plain HTTP only for localhost), or a custom scheme, and no fragment.", u)
			}
		}
	}
	if in.CallbackURLs != nil {
		c.CallbackURLs = in.CallbackURLs
	}
	if in.LogoutURLs != nil {
		c.LogoutURLs = in.LogoutURLs
	}
	if in.DefaultRedirectURI != nil {
		if *in.DefaultRedirectURI != "" && !slices.Contains(c.CallbackURLs, *in.DefaultRedirectURI) {
			return invalidParameter("Invalid default redirect URI: it must be one of the callback URLs.")
		}
		c.DefaultRedirectURI = *in.DefaultRedirectURI
	}
	for _, f := range in.AllowedOAuthFlows {
		if err := oneOf("allowedOAuthFlows", f, "code", "implicit", "client_credentials"); err != nil {
			return err
		}
	}
	if in.AllowedOAuthFlows != nil {
		c.AllowedOAuthFlows = in.AllowedOAuthFlows
	}
	if in.AllowedOAuthScopes != nil {
		c.AllowedOAuthScopes = in.AllowedOAuthScopes
	}
	if in.AllowedOAuthFlowsUserPoolClient != nil {
		c.AllowedOAuthFlowsUserPoolClient = *in.AllowedOAuthFlowsUserPoolClient
	}
	if in.PreventUserExistenceErrors != nil {
		if err := oneOf("preventUserExistenceErrors", *in.PreventUserExistenceErrors, "LEGACY", "ENABLED"); err != nil {
			return err
		}
		c.PreventUserExistenceErrors = *in.PreventUserExistenceErrors
	}
	if in.EnableTokenRevocation != nil {
		c.EnableTokenRevocation = *in.EnableTokenRevocation
	}
	if in.EnablePropagateAdditionalUserContextData != nil {
		c.EnablePropagateAdditionalUserContextData = *in.EnablePropagateAdditionalUserContextData
	}
	if in.AuthSessionValidity != nil {
		if *in.AuthSessionValidity < 3 || *in.AuthSessionValidity > 15 {
			return invalidParameter("1 validation error detected: Value '%d' at 'authSessionValidity' failed to satisfy constraint: Member must have value between 3 and 15", *in.AuthSessionValidity)
		}
		c.AuthSessionValidity = *in.AuthSessionValidity
	}
	if in.RefreshTokenRotation != nil {
		if err := oneOf("refreshTokenRotation.feature", in.RefreshTokenRotation.Feature, "ENABLED", "DISABLED"); err != nil {
			return err
		}
		c.RefreshTokenRotation = in.RefreshTokenRotation
	}
	return nil
}

// defaultClient is a client with Cognito's defaults.
func defaultClient(poolID string, now epoch) Client {
	return Client{
		UserPoolID: poolID, CreationDate: now, LastModifiedDate: now,
		RefreshTokenValidity: 30, AccessTokenValidity: 60, IDTokenValidity: 60,
		TokenValidityUnits:         TokenValidityUnits{AccessToken: "minutes", IDToken: "minutes", RefreshToken: "days"},
		PreventUserExistenceErrors: "LEGACY", EnableTokenRevocation: true, AuthSessionValidity: 3,
	}
}

// CreateClient implements CreateUserPoolClient.
func (s *Service) CreateClient(ctx context.Context, in *ClientInput) (Client, error) {
	pool, err := s.pool(ctx, in.UserPoolID)
	if err != nil {
		return Client{}, err
	}
	if in.ClientName == nil {
		return Client{}, invalidParameter("1 validation error detected: Value null at 'clientName' failed to satisfy constraint: Member must not be null")
	}
	c := defaultClient(pool.Pool.ID, epoch(s.now().UTC()))
	if err := in.apply(&c, pool.Pool.SchemaAttributes); err != nil {
		return Client{}, err
	}
	if err := s.checkScopes(ctx, pool.Pool.ID, c.AllowedOAuthScopes); err != nil {
		return Client{}, err
	}
	c.ClientID = newClientID()
	rec := clientRecord{Client: c}
	secret := ""
	switch {
	case in.ClientSecret != nil:
		if l := len(*in.ClientSecret); l < 24 || l > 64 {
			return Client{}, invalidParameter("1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: Member must have length between 24 and 64")
		}
		secret = *in.ClientSecret
	case in.GenerateSecret:
		secret = newClientSecret()
	}
	if secret != "" {
		rec.Secret = s.opts.Box.Seal([]byte(secret), []byte(c.ClientID))
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return Client{}, err
	}
	// A second record maps the client id to its pool: InitiateAuth names
	// only the client.
	err = s.st.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.Create(kindClient, c.UserPoolID+"/"+c.ClientID, data); err != nil {
			return err
		}
		_, err := tx.Create(kindClientPool, c.ClientID, []byte(c.UserPoolID))
		return err
	})
	if err != nil {
		return Client{}, err
	}
	c.ClientSecret = secret
	return c, nil
}

// client loads a client, with its secret opened.
func (s *Service) client(ctx context.Context, poolID, clientID string) (Client, error) {
	if _, err := s.pool(ctx, poolID); err != nil {
		return Client{}, err
	}
	var rec clientRecord
	if _, err := s.getJSON(ctx, kindClient, poolID+"/"+clientID, &rec, clientNotFound(clientID)); err != nil {
		return Client{}, err
	}
	return s.openSecret(rec)
}

func (s *Service) openSecret(rec clientRecord) (Client, error) {
	c := rec.Client
	if rec.Secret != nil {
		secret, err := s.opts.Box.Open(rec.Secret, []byte(c.ClientID))
		if err != nil {
			return Client{}, err
		}
		c.ClientSecret = string(secret)
	}
	return c, nil
}

// DescribeClient implements DescribeUserPoolClient.
func (s *Service) DescribeClient(ctx context.Context, poolID, clientID string) (Client, error) {
	return s.client(ctx, poolID, clientID)
}

// UpdateClient implements UpdateUserPoolClient. As in Cognito, settings
// left out return to their defaults.
func (s *Service) UpdateClient(ctx context.Context, in *ClientInput) (Client, error) {
	pool, err := s.pool(ctx, in.UserPoolID)
	if err != nil {
		return Client{}, err
	}
	rec, err := updateJSON(ctx, s, kindClient, in.UserPoolID+"/"+in.ClientID, clientNotFound(in.ClientID), func(rec *clientRecord) error {
		old := rec.Client
		c := defaultClient(old.UserPoolID, old.CreationDate)
		c.ClientID, c.ClientName = old.ClientID, old.ClientName
		if err := in.apply(&c, pool.Pool.SchemaAttributes); err != nil {
			return err
		}
		if err := s.checkScopes(ctx, pool.Pool.ID, c.AllowedOAuthScopes); err != nil {
			return err
		}
		c.LastModifiedDate = epoch(s.now().UTC())
		rec.Client = c
		return nil
	})
	if err != nil {
		return Client{}, err
	}
	return s.openSecret(rec)
}

// DeleteClient implements DeleteUserPoolClient.
func (s *Service) DeleteClient(ctx context.Context, poolID, clientID string) error {
	if _, err := s.pool(ctx, poolID); err != nil {
		return err
	}
	defer s.forgetConfig()
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if err := tx.Delete(kindClient, poolID+"/"+clientID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return clientNotFound(clientID)
			}
			return err
		}
		if err := tx.Delete(kindClientPool, clientID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
}

// ClientSummary is one entry of ListUserPoolClients.
type ClientSummary struct {
	ClientID   string `json:"ClientId"`
	UserPoolID string `json:"UserPoolId"`
	ClientName string `json:"ClientName"`
}

// ListClients implements ListUserPoolClients.
func (s *Service) ListClients(ctx context.Context, poolID string, max int, next string) ([]ClientSummary, string, error) {
	if _, err := s.pool(ctx, poolID); err != nil {
		return nil, "", err
	}
	if max == 0 {
		max = 60
	}
	if max < 1 || max > 60 {
		return nil, "", invalidParameter("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", max)
	}
	after := ""
	if next != "" {
		after = poolID + "/" + next
	}
	rs, err := s.st.List(ctx, kindClient, poolID+"/", after, max+1)
	if err != nil {
		return nil, "", err
	}
	token := ""
	if len(rs) > max {
		rs = rs[:max]
		token = strings.TrimPrefix(rs[len(rs)-1].ID, poolID+"/")
	}
	out := make([]ClientSummary, 0, len(rs))
	for _, r := range rs {
		var rec clientRecord
		if err := json.Unmarshal(r.Data, &rec); err != nil {
			return nil, "", err
		}
		out = append(out, ClientSummary{ClientID: rec.Client.ClientID, UserPoolID: poolID, ClientName: rec.Client.ClientName})
	}
	return out, token, nil
}
