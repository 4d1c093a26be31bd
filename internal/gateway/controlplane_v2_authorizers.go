package gateway

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// authorizerInput is CreateAuthorizer's and UpdateAuthorizer's body;
// pointers tell an update what to leave alone.
type authorizerInput struct {
	Name             *string   `json:"name"`
	AuthorizerType   *string   `json:"authorizerType"`
	IdentitySource   *[]string `json:"identitySource"`
	JWTConfiguration *struct {
		Issuer   *string   `json:"issuer"`
		Audience *[]string `json:"audience"`
	} `json:"jwtConfiguration"`
	AuthorizerURI                  *string `json:"authorizerUri"`
	AuthorizerPayloadFormatVersion *string `json:"authorizerPayloadFormatVersion"`
	AuthorizerResultTTLInSeconds   *int    `json:"authorizerResultTtlInSeconds"`
	EnableSimpleResponses          *bool   `json:"enableSimpleResponses"`
	// AuthorizerCredentialsArn is kept and shown; gatehouse records roles
	// without enforcing them.
	AuthorizerCredentialsArn     *string `json:"authorizerCredentialsArn"`
	IdentityValidationExpression *string `json:"identityValidationExpression"`
}

// reservedSchemeKeys are security requirement names with a meaning of
// their own to the gateway: a scheme under one would not guard anything.
var reservedSchemeKeys = []string{noneAuthorizer, "api_key"}

func (in *authorizerInput) check(create bool) error {
	switch {
	case create && in.Name == nil:
		return badRequest("Name is a required parameter.")
	case in.Name != nil && (*in.Name == "" || len(*in.Name) > 128):
		return badRequest("Invalid authorizer name: it must be 1 to 128 characters.")
	case create && in.AuthorizerType == nil:
		return badRequest("AuthorizerType is a required parameter.")
	case in.AuthorizerType != nil && *in.AuthorizerType != "JWT" && *in.AuthorizerType != "REQUEST":
		return badRequest("Invalid authorizer type %q: an HTTP API's authorizers are JWT or REQUEST.", *in.AuthorizerType)
	case nonEmpty(in.IdentityValidationExpression):
		// API Gateway does not apply it to HTTP APIs; an author counting on
		// it would be let down silently.
		return badRequest("identityValidationExpression is not applied by HTTP API authorizers; leave it out.")
	case nonEmpty(in.AuthorizerCredentialsArn) && (!strings.HasPrefix(*in.AuthorizerCredentialsArn, "arn:") || len(*in.AuthorizerCredentialsArn) > 2048):
		return badRequest("Invalid authorizer credentials ARN %q.", *in.AuthorizerCredentialsArn)
	case in.AuthorizerURI != nil && len(*in.AuthorizerURI) > 2048:
		return badRequest("An authorizer URI is at most 2048 characters.")
	case in.IdentitySource != nil && len(*in.IdentitySource) > 10:
		return badRequest("An authorizer takes at most 10 identity sources.")
	case in.JWTConfiguration != nil && in.JWTConfiguration.Audience != nil && len(*in.JWTConfiguration.Audience) > 50:
		return badRequest("A JWT authorizer takes at most 50 audiences.")
	}
	if create && *in.AuthorizerType == "REQUEST" && in.AuthorizerPayloadFormatVersion == nil {
		return badRequest("AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer")
	}
	return nil
}

// apply writes what in says into x, an x-amazon-apigateway-authorizer,
// and drops what belongs to the other type once the type is known.
func (in *authorizerInput) apply(x *node) error {
	if in.AuthorizerType != nil {
		x.set("type", strNode(strings.ToLower(*in.AuthorizerType)))
	}
	typ, _, _ := at{n: x}.get("type").str()
	jwt := strings.EqualFold(typ, AuthJWT)
	if in.IdentitySource != nil {
		x.set("identitySource", strArrNode(*in.IdentitySource))
	}
	if jwt {
		switch {
		// Zero values are what clients send for "not set" (Terraform sends
		// a TTL it read back as 0).
		case nonEmpty(in.AuthorizerURI), nonEmpty(in.AuthorizerCredentialsArn), nonEmpty(in.AuthorizerPayloadFormatVersion),
			in.AuthorizerResultTTLInSeconds != nil && *in.AuthorizerResultTTLInSeconds != 0, in.EnableSimpleResponses != nil && *in.EnableSimpleResponses:
			return badRequest("authorizerUri, authorizerCredentialsArn, authorizerPayloadFormatVersion, authorizerResultTtlInSeconds and enableSimpleResponses apply to REQUEST (Lambda) authorizers, not JWT ones.")
		}
		for _, k := range []string{"authorizerUri", "authorizerPayloadFormatVersion", "authorizerResultTtlInSeconds", "enableSimpleResponses", "authorizerCredentials"} {
			x.del(k)
		}
		if c := in.JWTConfiguration; c != nil {
			jc := object(x, "jwtConfiguration")
			if c.Issuer != nil {
				jc.set("issuer", strNode(*c.Issuer))
			}
			if c.Audience != nil {
				jc.set("audience", strArrNode(*c.Audience))
			}
		}
		// The compiler reads a JWT authorizer's one identity source from a
		// string as SAM writes it.
		if is := x.get("identitySource"); is != nil && is.kind == kindArray && len(is.vals) == 1 {
			x.set("identitySource", is.vals[0])
		}
		return nil
	}
	if in.JWTConfiguration != nil {
		return badRequest("jwtConfiguration applies to JWT authorizers, not REQUEST ones.")
	}
	x.del("jwtConfiguration")
	setStr := func(key string, v *string) {
		switch {
		case v == nil:
		case *v == "":
			x.del(key)
		default:
			x.set(key, strNode(*v))
		}
	}
	setStr("authorizerUri", in.AuthorizerURI)
	setStr("authorizerPayloadFormatVersion", in.AuthorizerPayloadFormatVersion)
	setStr("authorizerCredentials", in.AuthorizerCredentialsArn)
	if in.AuthorizerResultTTLInSeconds != nil {
		x.set("authorizerResultTtlInSeconds", intNode(*in.AuthorizerResultTTLInSeconds))
	}
	if in.EnableSimpleResponses != nil {
		x.set("enableSimpleResponses", boolNode(*in.EnableSimpleResponses))
	}
	return nil
}

// schemeFor wraps an authorizer in the security scheme API Gateway's
// exports give its type, keeping what else old said.
func schemeFor(x *node, old *node) *node {
	s := objNode()
	if old != nil {
		s = old.clone()
	}
	typ, _, _ := at{n: x}.get("type").str()
	if strings.EqualFold(typ, AuthJWT) {
		s.del("name")
		s.del("in")
		s.set("type", strNode("oauth2"))
		if f := s.get("flows"); f == nil || f.kind != kindObject {
			s.set("flows", objNode())
		}
	} else {
		header := "Authorization"
		if sources, _ := identitySources(at{n: x}.get("identitySource")); len(sources) > 0 {
			if h, ok := strings.CutPrefix(sources[0], "$request.header."); ok {
				header = h
			}
		}
		s.del("flows")
		s.set("type", strNode("apiKey"))
		s.set("name", strNode(header))
		s.set("in", strNode("header"))
	}
	s.set(extAuthorizer, x)
	return s
}

// checkAuthorizer compiles a security scheme alone, so that the message
// is about the authorizer rather than a place in the document.
func (s *Service) checkAuthorizer(key string, scheme *node) error {
	doc := objWith("openapi", strNode("3.0.1"), "info", objWith("title", strNode("check"), "version", strNode("1")),
		"paths", objNode(), "components", objWith("securitySchemes", objWith(key, scheme)))
	var b bytes.Buffer
	writeJSON(&b, doc)
	_, err := ParseDefinition(b.Bytes(), HTTP, s.opts.Region, s.opts.Account)
	var de *DefinitionError
	if errors.As(err, &de) {
		return badRequest("Invalid authorizer: %s.", de.Message)
	}
	return err
}

// schemeKey is the name an authorizer's security scheme goes under: its
// own name when that is free, else the name made unique with the id.
func (d *httpDoc) schemeKey(name, id string, self *docAuthorizer) string {
	schemes := d.schemes()
	free := func(k string) bool {
		switch {
		case slices.Contains(reservedSchemeKeys, k):
			return false
		case self != nil && self.key == k:
			return true
		}
		return schemes == nil || !schemes.has(k)
	}
	key := name
	for i := 0; !free(key); i++ {
		key = name + "-" + id
		if i > 0 {
			key += "-" + strconv.Itoa(i)
		}
	}
	return key
}

// renameScheme moves a security scheme to another key, with every
// requirement naming it.
func (d *httpDoc) renameScheme(from, to string) {
	if schemes := d.schemes(); schemes != nil {
		if i := slices.Index(schemes.keys, from); i >= 0 {
			schemes.keys[i] = to
		}
	}
	d.eachRequirement(func(req *node) {
		if i := slices.Index(req.keys, from); i >= 0 {
			req.keys[i] = to
		}
	})
}

// eachRequirement calls fn on every security requirement object of the
// document, its operations' and pending routes'.
func (d *httpDoc) eachRequirement(fn func(req *node)) {
	visit := func(sec *node) {
		if sec == nil || sec.kind != kindArray {
			return
		}
		for _, req := range sec.vals {
			if req.kind == kindObject {
				fn(req)
			}
		}
	}
	visit(d.root.get("security"))
	for _, r := range d.routes {
		visit(r.op.get("security"))
	}
}

func (s *Service) createAuthorizer(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	var in authorizerInput
	if err := decodePiece(r, &in); err != nil {
		return err
	}
	if err := in.check(true); err != nil {
		return err
	}
	x := objNode()
	if err := in.apply(x); err != nil {
		return err
	}
	scheme := schemeFor(x, nil)
	if err := s.checkAuthorizer("check", scheme); err != nil {
		return err
	}
	var id string
	d, v, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		if len(d.authorizers) >= maxAuthorizers {
			return badRequest("Maximum number of Authorizers for this API has been reached.")
		}
		id = newPieceID(6, func(s string) bool { return d.authorizer(s) != nil })
		key := d.schemeKey(*in.Name, id, nil)
		sc := deepCopy(scheme)
		sc.set(extAuthorizerID, strNode(id))
		if key != *in.Name {
			sc.set(extAuthorizerName, strNode(*in.Name))
		}
		object(object(d.root, "components"), "securitySchemes").set(key, sc)
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, d.authorizerView(v, d.authorizer(id)))
}

func (s *Service) updateAuthorizer(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	var in authorizerInput
	if err := decodePiece(r, &in); err != nil {
		return err
	}
	if err := in.check(false); err != nil {
		return err
	}
	d, v, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		a := d.authorizer(id)
		if a == nil {
			return authorizerNotFound(id)
		}
		wasType := a.authType()
		x := deepCopy(a.scheme.get(extAuthorizer))
		if err := in.apply(x); err != nil {
			return err
		}
		scheme := schemeFor(x, a.scheme)
		if err := s.checkAuthorizer(a.key, scheme); err != nil {
			return err
		}
		d.schemes().set(a.key, scheme)
		a.scheme = scheme
		if a.authType() != wasType {
			// A route's authorization type follows its authorizer's.
			for _, rt := range d.routes {
				if d.currentAuth(rt).authorizer == a {
					return badRequest("Authorizer %s is used by route %s: detach it before changing its type.", id, rt.id)
				}
			}
		}
		if in.Name != nil && *in.Name != a.name {
			key := d.schemeKey(*in.Name, id, a)
			d.renameScheme(a.key, key)
			scheme.del(extAuthorizerName)
			if key != *in.Name {
				scheme.set(extAuthorizerName, strNode(*in.Name))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, d.authorizerView(v, d.authorizer(id)))
}

func (s *Service) deleteAuthorizer(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	_, _, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		a := d.authorizer(id)
		if a == nil {
			return authorizerNotFound(id)
		}
		var users []string
		for _, rt := range d.routes {
			if d.currentAuth(rt).authorizer == a {
				users = append(users, rt.id)
			}
		}
		if len(users) > 0 {
			slices.Sort(users)
			return conflict("Cannot delete Authorizer because it is referenced by the following Routes with Ids: [%s]", strings.Join(users, ", "))
		}
		d.schemes().del(a.key)
		// A document-wide requirement no route falls back on may still
		// name it.
		if sec := d.root.get("security"); sec != nil && sec.kind == kindArray {
			kept := arrNode()
			for _, req := range sec.vals {
				if req.kind == kindObject && req.has(a.key) {
					req = req.clone()
					req.del(a.key)
					if len(req.keys) == 0 {
						continue
					}
				}
				kept.vals = append(kept.vals, req)
			}
			if len(kept.vals) == 0 {
				d.root.del("security")
			} else {
				d.root.set("security", kept)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

func (s *Service) getAuthorizer(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	d, v, err := s.readHTTPDoc(r.Context(), apiID)
	if err != nil {
		return err
	}
	a := d.authorizer(id)
	if a == nil {
		return authorizerNotFound(id)
	}
	return reply(w, http.StatusOK, d.authorizerView(v, a))
}

func (s *Service) getAuthorizers(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	d, v, err := s.readHTTPDoc(r.Context(), apiID)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, a := range d.authorizers {
		items = append(items, d.authorizerView(v, a))
	}
	out, err := page(r, items, "authorizerId")
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// authorizerView is the Authorizer shape, settings as compiled (the
// defaults an HTTP API applies filled in).
func (d *httpDoc) authorizerView(v *docView, a *docAuthorizer) map[string]any {
	out := map[string]any{"authorizerId": a.id, "name": a.name}
	c := v.def.Authorizers[a.key]
	if c == nil {
		return out
	}
	sources := c.IdentitySource
	if sources == nil {
		sources = []string{}
	}
	out["identitySource"] = sources
	x := at{n: a.scheme.get(extAuthorizer)}
	switch c.Type {
	case AuthJWT:
		out["authorizerType"] = "JWT"
		out["jwtConfiguration"] = map[string]any{"issuer": c.Issuer, "audience": c.Audience}
	case AuthRequest:
		out["authorizerType"] = "REQUEST"
		if uri, ok, _ := x.get("authorizerUri").str(); ok {
			out["authorizerUri"] = uri
		}
		out["authorizerPayloadFormatVersion"] = c.PayloadFormatVersion
		out["enableSimpleResponses"] = c.SimpleResponses
		out["authorizerResultTtlInSeconds"] = int(c.TTL.Seconds())
		if arn, ok, _ := x.get("authorizerCredentials").str(); ok {
			out["authorizerCredentialsArn"] = arn
		}
	}
	return out
}
