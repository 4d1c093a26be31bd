package gateway

import "slices"

// noneAuthorizer is SAM's "Authorizer: NONE": explicitly open.
const noneAuthorizer = "NONE"

// security resolves a security requirement list into the route's
// authorizer and whether it needs an API key.
//
// API Gateway reads the list differently from OpenAPI: every entry
// applies (SAM writes [{api_key: []}, {MyAuthorizer: []}] for "API key
// and authorizer"), and a method has at most one authorizer. So the API
// key scheme becomes APIKeyRequired, the one authorizer (its scopes
// merged) the single Security entry, and NONE stays as an entry of its
// own.
func (c *compiler) security(sec at) ([]Security, bool, error) {
	if sec.missing() {
		return nil, false, nil
	}
	if sec.n.kind != kindArray {
		return nil, false, sec.typeErr("an array of security requirements")
	}
	var auth *Security
	var authPointer string
	none, apiKey := false, false
	for i := range sec.n.vals {
		req := sec.index(i)
		if err := req.object(); err != nil {
			return nil, false, err
		}
		err := req.members(func(name string, scopes at) error {
			list, err := scopes.strings()
			if err != nil {
				return err
			}
			if name == noneAuthorizer {
				none = true
				return nil
			}
			s, ok := c.schemes[name]
			switch {
			case !ok:
				where := "components.securitySchemes"
				if c.swagger {
					where = "securityDefinitions"
				}
				return scopes.errf("security names %q, which %s does not define", name, where)
			case s.kind == schemeOther:
				return scopes.errf("%s", s.refusal)
			case s.kind == schemeAPIKey && c.proto == HTTP:
				return scopes.errf("HTTP APIs have no API keys; %s is an API key scheme", name)
			case s.kind == schemeAPIKey:
				apiKey = true
				return nil
			}
			a := c.def.Authorizers[name]
			if len(list) > 0 && a.Type != AuthCognito && a.Type != AuthJWT {
				return scopes.errf("scopes apply to cognito_user_pools and jwt authorizers; %s is a %s authorizer", name, a.Type)
			}
			switch {
			case auth == nil:
				auth, authPointer = &Security{Name: name}, scopes.ptr
			case auth.Name != name:
				return scopes.errf("a method takes one authorizer, and %s is already required (%s)", auth.Name, authPointer)
			}
			for _, s := range list {
				if !slices.Contains(auth.Scopes, s) {
					auth.Scopes = append(auth.Scopes, s)
				}
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
	}
	switch {
	case none && auth != nil:
		return nil, false, sec.errf("NONE leaves the method open, yet the authorizer %s is required too", auth.Name)
	case none:
		return []Security{{Name: noneAuthorizer}}, apiKey, nil
	case auth != nil:
		return []Security{*auth}, apiKey, nil
	}
	return nil, apiKey, nil
}
