package gateway

import "strings"

// fixComponents drops sections that are not objects and security schemes
// OpenAPI 3.0 cannot state, and gives oauth2 schemes their flows. Import
// ignores a scheme no requirement names, so a dropped one changes
// nothing; one that holds an authorizer is given a valid shape instead.
func fixComponents(comps *node) *node {
	if comps.kind != kindObject {
		return objNode()
	}
	out := objNode()
	for i, k := range comps.keys {
		if v := comps.vals[i]; v.kind == kindObject {
			out.set(k, v)
		}
	}
	schemes := out.get("securitySchemes")
	if schemes == nil {
		return out
	}
	fixed := objNode()
	for i, name := range schemes.keys {
		if s := fixScheme(schemes.vals[i]); s != nil {
			fixed.set(name, s)
		}
	}
	out.set("securitySchemes", fixed)
	return out
}

func fixScheme(s *node) *node {
	if s.kind != kindObject {
		return nil
	}
	typ := s.get("type")
	t := ""
	if typ != nil && typ.kind == kindString {
		t = typ.text
	}
	str := func(k string) bool { v := s.get(k); return v != nil && v.kind == kindString }
	switch {
	case t == "apiKey" && str("name") && str("in"), t == "http" && str("scheme"),
		t == "openIdConnect" && str("openIdConnectUrl"), s.has("$ref"):
		return s
	case t == "oauth2":
		if f := s.get("flows"); f == nil || f.kind != kindObject {
			s = s.clone()
			s.set("flows", objNode())
		}
		return s
	}
	if s.get("x-amazon-apigateway-authorizer") == nil {
		return nil
	}
	out := pinIdentity(s).clone()
	out.set("type", strNode("apiKey"))
	out.set("name", strNode(schemeHeader(s)))
	out.set("in", strNode("header"))
	return out
}

// schemeHeader is the header a Cognito or TOKEN authorizer without an
// identitySource reads: the one its scheme names, else Authorization (as
// import reads it).
func schemeHeader(s *node) string {
	in, name := s.get("in"), s.get("name")
	if in != nil && in.kind == kindString && in.text == "header" && name != nil && name.kind == kindString && name.text != "" {
		return name.text
	}
	return "Authorization"
}

// pinIdentity writes down the header a Cognito or TOKEN authorizer reads
// implicitly, before its scheme's name and in are rewritten.
func pinIdentity(s *node) *node {
	ax := s.get("x-amazon-apigateway-authorizer")
	if ax == nil || ax.kind != kindObject || ax.has("identitySource") {
		return s
	}
	t := ax.get("type")
	if t == nil || t.kind != kindString || !strings.EqualFold(t.text, AuthCognito) && !strings.EqualFold(t.text, AuthToken) {
		return s
	}
	ax = ax.clone()
	ax.set("identitySource", strNode("method.request.header."+schemeHeader(s)))
	s = s.clone()
	s.set("x-amazon-apigateway-authorizer", ax)
	return s
}

// securityScheme converts a security definition; the API Gateway
// extensions ride along unchanged.
func securityScheme(s *node) *node {
	if s.kind != kindObject {
		return s
	}
	typ := s.get("type")
	if typ == nil || typ.kind != kindString || typ.text == "apiKey" {
		return s
	}
	s = pinIdentity(s)
	out := objNode()
	switch typ.text {
	case "basic":
		out.set("type", strNode("http"))
		out.set("scheme", strNode("basic"))
	case "oauth2":
		out.set("type", strNode("oauth2"))
		flow := objNode()
		for _, k := range []string{"authorizationUrl", "tokenUrl"} {
			if v := s.get(k); v != nil {
				flow.set(k, v)
			}
		}
		scopes := s.get("scopes")
		if scopes == nil || scopes.kind != kindObject {
			scopes = objNode()
		}
		flow.set("scopes", scopes)
		name := map[string]string{"implicit": "implicit", "password": "password", "application": "clientCredentials", "accessCode": "authorizationCode"}
		if f := s.get("flow"); f != nil && name[f.text] != "" {
			out.set("flows", objWith(name[f.text], flow))
		} else {
			out.set("flows", objNode())
		}
	default:
		return s
	}
	for i, k := range s.keys {
		if k == "description" || strings.HasPrefix(k, "x-") {
			out.set(k, s.vals[i])
		}
	}
	return out
}
