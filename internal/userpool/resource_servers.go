package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

const kindResourceServer = "userpool-rs" // id: poolID/identifier

var (
	rsIdentifierRe = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,256}$`)
	scopeNameRe    = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$`)
)

// Scope is a resource server scope.
type Scope struct {
	ScopeName        string `json:"ScopeName"`
	ScopeDescription string `json:"ScopeDescription"`
}

// ResourceServer is Cognito's ResourceServerType.
type ResourceServer struct {
	UserPoolID string  `json:"UserPoolId"`
	Identifier string  `json:"Identifier"`
	Name       string  `json:"Name"`
	Scopes     []Scope `json:"Scopes"`
}

func rsNotFound(id string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ResourceNotFoundException", "Resource server %s does not exist.", id)
}

func (rs *ResourceServer) validate() error {
	if !rsIdentifierRe.MatchString(rs.Identifier) {
		return invalidParameter("1 validation error detected: Value '%s' at 'identifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x5B\\x5D-\\x7E]+", rs.Identifier)
	}
	if rs.Name == "" || len(rs.Name) > 256 {
		return invalidParameter("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length between 1 and 256", rs.Name)
	}
	if len(rs.Scopes) > 100 {
		return invalidParameter("1 validation error detected: Value at 'scopes' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	seen := map[string]bool{}
	for _, sc := range rs.Scopes {
		if !scopeNameRe.MatchString(sc.ScopeName) {
			return invalidParameter("1 validation error detected: Value '%s' at 'scopes.member.scopeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+", sc.ScopeName)
		}
		if sc.ScopeDescription == "" || len(sc.ScopeDescription) > 256 {
			return invalidParameter("1 validation error detected: Value at 'scopes.member.scopeDescription' failed to satisfy constraint: Member must have length between 1 and 256")
		}
		if seen[sc.ScopeName] {
			return invalidParameter("Duplicate scope names are not allowed: %s", sc.ScopeName)
		}
		seen[sc.ScopeName] = true
	}
	if rs.Scopes == nil {
		rs.Scopes = []Scope{}
	}
	return nil
}

// CreateResourceServer adds a resource server (at most 25 a pool).
func (s *Service) CreateResourceServer(ctx context.Context, rs *ResourceServer) (ResourceServer, error) {
	if _, err := s.pool(ctx, rs.UserPoolID); err != nil {
		return ResourceServer{}, err
	}
	if err := rs.validate(); err != nil {
		return ResourceServer{}, err
	}
	existing, err := s.st.List(ctx, kindResourceServer, rs.UserPoolID+"/", "", 26)
	if err != nil {
		return ResourceServer{}, err
	}
	if len(existing) >= 25 {
		return ResourceServer{}, awsproto.Errorf(http.StatusBadRequest, "LimitExceededException", "The number of resource servers cannot exceed 25.")
	}
	data, _ := json.Marshal(rs)
	if _, err := s.st.Create(ctx, kindResourceServer, rs.UserPoolID+"/"+rs.Identifier, data); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return ResourceServer{}, invalidParameter("%s already exists in user pool %s.", rs.Identifier, rs.UserPoolID)
		}
		return ResourceServer{}, err
	}
	return *rs, nil
}

// DescribeResourceServer returns one resource server.
func (s *Service) DescribeResourceServer(ctx context.Context, poolID, identifier string) (ResourceServer, error) {
	var rs ResourceServer
	if _, err := s.pool(ctx, poolID); err != nil {
		return rs, err
	}
	_, err := s.getJSON(ctx, kindResourceServer, poolID+"/"+identifier, &rs, rsNotFound(identifier))
	return rs, err
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Service) UpdateResourceServer(ctx context.Context, in *ResourceServer) (ResourceServer, error) {
	if _, err := s.pool(ctx, in.UserPoolID); err != nil {
		return ResourceServer{}, err
	}
	if err := in.validate(); err != nil {
		return ResourceServer{}, err
	}
	return updateJSON(ctx, s, kindResourceServer, in.UserPoolID+"/"+in.Identifier, rsNotFound(in.Identifier), func(rs *ResourceServer) error {
		*rs = *in
		return nil
	})
}

// DeleteResourceServer removes a resource server.
func (s *Service) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	if _, err := s.pool(ctx, poolID); err != nil {
		return err
	}
	if err := s.st.Delete(ctx, kindResourceServer, poolID+"/"+identifier); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return rsNotFound(identifier)
		}
		return err
	}
	return nil
}

// ListResourceServers pages through a pool's resource servers.
func (s *Service) ListResourceServers(ctx context.Context, poolID string, max int, next string) ([]ResourceServer, string, error) {
	if _, err := s.pool(ctx, poolID); err != nil {
		return nil, "", err
	}
	if max < 1 || max > 50 {
		return nil, "", invalidParameter("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", max)
	}
	after := ""
	if next != "" {
		b, err := base64.RawURLEncoding.DecodeString(next)
		if err != nil || !strings.HasPrefix(string(b), poolID+"/") {
			return nil, "", invalidParameter("Invalid pagination token.")
		}
		after = string(b)
	}
	rs, err := s.st.List(ctx, kindResourceServer, poolID+"/", after, max+1)
	if err != nil {
		return nil, "", err
	}
	out := []ResourceServer{}
	token := ""
	for i, r := range rs {
		if i == max {
			token = base64.RawURLEncoding.EncodeToString([]byte(rs[i-1].ID))
			break
		}
		var v ResourceServer
		if err := json.Unmarshal(r.Data, &v); err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, token, nil
}

// standardScopes are the scopes every pool has.
var standardScopes = []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}

// checkScopes holds a client's AllowedOAuthScopes to the standard scopes
// and the pool's resource servers' (identifier/scope).
func (s *Service) checkScopes(ctx context.Context, poolID string, scopes []string) error {
	for _, sc := range scopes {
		if slices.Contains(standardScopes, sc) {
			continue
		}
		i := strings.LastIndexByte(sc, '/')
		if i > 0 {
			var rs ResourceServer
			if _, err := s.getJSON(ctx, kindResourceServer, poolID+"/"+sc[:i], &rs, rsNotFound(sc[:i])); err == nil &&
				slices.ContainsFunc(rs.Scopes, func(x Scope) bool { return x.ScopeName == sc[i+1:] }) {
				continue
			}
		}
		return awsproto.Errorf(http.StatusBadRequest, "ScopeDoesNotExistException", "Invalid scope requested: %s", sc)
	}
	return nil
}
