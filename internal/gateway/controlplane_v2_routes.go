package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// routeMethods are the methods of an HTTP API route key.
var routeMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// maxRouteKey bounds a route key well above any real path, so that a
// hostile one costs nothing to refuse.
const maxRouteKey = 1024

// Authorization types of a route.
const (
	routeAuthNone   = "NONE"
	routeAuthJWT    = "JWT"
	routeAuthCustom = "CUSTOM"
)

// routeInput is CreateRoute's and UpdateRoute's body; pointers tell an
// update what to leave alone.
type routeInput struct {
	RouteKey            *string   `json:"routeKey"`
	Target              *string   `json:"target"`
	AuthorizationType   *string   `json:"authorizationType"`
	AuthorizerID        *string   `json:"authorizerId"`
	AuthorizationScopes *[]string `json:"authorizationScopes"`
	OperationName       *string   `json:"operationName"`
	APIKeyRequired      *bool     `json:"apiKeyRequired"`
	// Route settings API Gateway supports for WebSocket APIs only:
	// refused rather than dropped, so that nobody counts on them here.
	ModelSelectionExpression         *string         `json:"modelSelectionExpression"`
	RouteResponseSelectionExpression *string         `json:"routeResponseSelectionExpression"`
	RequestModels                    json.RawMessage `json:"requestModels"`
	RequestParameters                json.RawMessage `json:"requestParameters"`
}

// given reports whether an optional JSON member says something.
func given(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "", "null", "{}", "[]":
		return false
	}
	return true
}

func (in *routeInput) check() error {
	switch {
	case in.APIKeyRequired != nil && *in.APIKeyRequired:
		return badRequest("API keys are not supported for HTTP APIs.")
	case in.ModelSelectionExpression != nil && *in.ModelSelectionExpression != "",
		in.RouteResponseSelectionExpression != nil && *in.RouteResponseSelectionExpression != "",
		given(in.RequestModels):
		return badRequest("Models and route responses are supported only for WebSocket APIs.")
	case given(in.RequestParameters):
		return badRequest("Route request parameters are supported only for WebSocket APIs.")
	case in.OperationName != nil && len(*in.OperationName) > 64:
		return badRequest("An operation name is at most 64 characters.")
	case in.Target != nil && len(*in.Target) > 128:
		return badRequest("A target is at most 128 characters.")
	}
	if in.RouteKey != nil {
		if err := parseRouteKey(*in.RouteKey); err != nil {
			return err
		}
	}
	if in.AuthorizationScopes != nil {
		for _, s := range *in.AuthorizationScopes {
			if s == "" || len(s) > 1024 {
				return badRequest("An authorization scope is 1 to 1024 characters.")
			}
		}
	}
	return nil
}

// parseRouteKey checks an HTTP API route key: $default, or a method and a
// resource path as the document's paths hold them.
func parseRouteKey(key string) error {
	if key == defaultStage {
		return nil
	}
	if len(key) > maxRouteKey {
		return badRequest("Invalid route key: it is longer than %d characters.", maxRouteKey)
	}
	if strings.HasPrefix(key, "$") {
		return badRequest("Invalid route key %q: $default is an HTTP API's only route key starting with $ (the others are for WebSocket APIs).", key)
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok || !slices.Contains(routeMethods, method) || !strings.HasPrefix(path, "/") {
		return badRequest("Invalid route key %q: use $default or METHOD /path, where METHOD is one of %s.", key, strings.Join(routeMethods, ", "))
	}
	if msg := (&compiler{proto: HTTP}).checkPath(path); msg != "" {
		return badRequest("Invalid route key %q: %s.", key, msg)
	}
	return nil
}

// parseTarget reads integrations/{integrationId}.
func parseTarget(t string) (string, error) {
	id, ok := strings.CutPrefix(t, "integrations/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", badRequest("Invalid target %q: an HTTP API route's target is integrations/INTEGRATION_ID.", t)
	}
	return id, nil
}

func routeNotFound(id string) error {
	return notFound("Invalid Route identifier specified %s", id)
}

func integrationNotFound(id string) error {
	return notFound("Invalid Integration identifier specified %s", id)
}

func authorizerNotFound(id string) error {
	return notFound("Invalid Authorizer identifier specified %s", id)
}

// routeAuth is how a route is authorized.
type routeAuth struct {
	typ        string // routeAuthNone, routeAuthJWT, routeAuthCustom
	authorizer *docAuthorizer
	scopes     []string
}

// authType is the route authorization type an authorizer goes with.
func (a *docAuthorizer) authType() string {
	t, _, _ := at{n: a.scheme.get(extAuthorizer)}.get("type").str()
	if strings.EqualFold(t, AuthJWT) {
		return routeAuthJWT
	}
	return routeAuthCustom
}

// currentAuth reads the route's security requirement (the document's
// own when the operation has none), as the compiler does.
func (d *httpDoc) currentAuth(r *docRoute) routeAuth {
	sec := r.op.get("security")
	if sec == nil {
		sec = d.root.get("security")
	}
	if sec == nil || sec.kind != kindArray {
		return routeAuth{typ: routeAuthNone}
	}
	for _, req := range sec.vals {
		if req.kind != kindObject {
			continue
		}
		for i, name := range req.keys {
			if a := d.authorizerByKey(name); a != nil {
				scopes, _ := at{n: req.vals[i]}.strings()
				return routeAuth{typ: a.authType(), authorizer: a, scopes: scopes}
			}
		}
	}
	return routeAuth{typ: routeAuthNone}
}

// resolveAuth applies what in says about authorization to cur.
func (d *httpDoc) resolveAuth(cur routeAuth, in *routeInput) (routeAuth, error) {
	next := cur
	if in.AuthorizationType != nil {
		switch t := *in.AuthorizationType; t {
		case routeAuthNone, routeAuthJWT, routeAuthCustom:
			next.typ = t
		case "AWS_IAM":
			return next, badRequest("IAM authorization (AWS_IAM) is not supported by gatehouse; use a JWT or a Lambda (CUSTOM) authorizer.")
		default:
			return next, badRequest("Invalid authorization type %q: use NONE, JWT or CUSTOM.", t)
		}
	}
	if in.AuthorizerID != nil {
		next.authorizer = nil
		if id := *in.AuthorizerID; id != "" {
			if next.authorizer = d.authorizer(id); next.authorizer == nil {
				return next, authorizerNotFound(id)
			}
		}
	}
	if in.AuthorizationScopes != nil {
		next.scopes = *in.AuthorizationScopes
	} else if next.typ != routeAuthJWT {
		// Scopes belong to the JWT authorization being left.
		next.scopes = nil
	}
	switch next.typ {
	case routeAuthNone:
		if in.AuthorizerID != nil && next.authorizer != nil {
			return next, badRequest("An authorizer applies to routes whose authorizationType is JWT or CUSTOM, not NONE.")
		}
		if len(next.scopes) > 0 {
			return next, badRequest("Authorization scopes apply to routes with a JWT authorizer.")
		}
		next.authorizer = nil
	case routeAuthJWT, routeAuthCustom:
		if next.authorizer == nil {
			return next, badRequest("A route whose authorizationType is %s needs an authorizerId.", next.typ)
		}
		if got := next.authorizer.authType(); got != next.typ {
			kind := "JWT"
			if got == routeAuthCustom {
				kind = "REQUEST (Lambda)"
			}
			return next, badRequest("Authorizer %s is a %s authorizer: a route using it has authorizationType %s.", next.authorizer.id, kind, got)
		}
		if next.typ == routeAuthCustom && len(next.scopes) > 0 {
			return next, badRequest("Authorization scopes apply to routes with a JWT authorizer, not a Lambda (CUSTOM) one.")
		}
	}
	return next, nil
}

// setAuth writes the route's security requirement.
func (d *httpDoc) setAuth(op *node, a routeAuth) {
	if a.authorizer != nil {
		op.set("security", arrNode(objWith(a.authorizer.key, strArrNode(a.scopes))))
		return
	}
	// An empty requirement list is an explicitly open operation; it is
	// only needed to override a document-wide requirement.
	if rs := d.root.get("security"); rs != nil && rs.kind == kindArray && len(rs.vals) > 0 {
		op.set("security", arrNode())
		return
	}
	op.del("security")
}

// checkRouteKey refuses a key that another route has, or that would
// match the same requests as another's, as API Gateway does.
func (d *httpDoc) checkRouteKey(key string, self *docRoute) error {
	path, method := routeSlot(key)
	for _, r := range d.routes {
		if r != self && r.key == key {
			return conflict("Route with key %s already exists for this API.", key)
		}
	}
	for _, r := range d.routes {
		switch {
		case r == self:
		case key != defaultStage && r.key != defaultStage && r.method == method && normalizePath(r.path) == normalizePath(path):
			return conflict("The provided route key %q has a conflicting variable on the same hierarchical level as %q", key, r.key)
		case r.path == path && r.method == method:
			return conflict("The route key %q would take the place of route %s (%q) in the API's definition.", key, r.id, r.key)
		}
	}
	return nil
}

// copies counts the routes carrying an integration, leaving out skip.
func (d *httpDoc) copies(id string, skip *docRoute) int {
	n := 0
	for _, r := range d.routes {
		if r != skip && !r.pending && r.integration == id {
			n++
		}
	}
	return n
}

// release keeps the route's integration once the route lets go of it.
func (d *httpDoc) release(r *docRoute) {
	if r.integration == "" || d.copies(r.integration, r) > 0 {
		return
	}
	if in := d.integration(r.integration); in != nil {
		d.ensurePooled(in)
	}
}

// place puts a route's operation where its key says: among the paths
// with a copy of its integration, or waiting for one.
func (d *httpDoc) place(key string, op *node, in *docIntegration) {
	op.del("isDefaultRoute") // $default goes to the path $default, which needs no flag
	if in == nil {
		op.del(extIntegration)
		op.del(extIntegrationID)
		object(d.root, extPendingRoutes).set(key, op)
		return
	}
	op.set(extIntegrationID, strNode(in.id))
	op.set(extIntegration, deepCopy(in.x))
	path, method := routeSlot(key)
	object(object(d.root, "paths"), path).set(method, op)
}

// unplace takes a route's operation out of the document.
func (d *httpDoc) unplace(r *docRoute) {
	d.release(r)
	if r.pending {
		pending := d.root.get(extPendingRoutes)
		pending.del(r.key)
		if len(pending.keys) == 0 {
			d.root.del(extPendingRoutes)
		}
		return
	}
	paths := d.root.get("paths")
	item := paths.get(r.path)
	item.del(r.method)
	if !slices.ContainsFunc(item.keys, func(k string) bool { _, ok := opMethod(k); return ok }) {
		paths.del(r.path)
	}
}

// targetIntegration resolves a target; nil for "" (no target).
func (d *httpDoc) targetIntegration(target string) (*docIntegration, error) {
	if target == "" {
		return nil, nil
	}
	id, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	in := d.integration(id)
	if in == nil {
		return nil, integrationNotFound(id)
	}
	return in, nil
}

// newPieceID is a fresh id of n characters that no entity has.
func newPieceID(n int, taken func(string) bool) string {
	for {
		if id := newID(n); !taken(id) {
			return id
		}
	}
}

func (s *Service) createRoute(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	var in routeInput
	if err := decodePiece(r, &in); err != nil {
		return err
	}
	if in.RouteKey == nil || *in.RouteKey == "" {
		return badRequest("RouteKey is a required parameter.")
	}
	if err := in.check(); err != nil {
		return err
	}
	key := *in.RouteKey
	var id string
	d, v, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		if len(d.routes) >= maxRoutes {
			return badRequest("Maximum number of Routes for this API has been reached.")
		}
		if err := d.checkRouteKey(key, nil); err != nil {
			return err
		}
		auth, err := d.resolveAuth(routeAuth{typ: routeAuthNone}, &in)
		if err != nil {
			return err
		}
		target := ""
		if in.Target != nil {
			target = *in.Target
		}
		integration, err := d.targetIntegration(target)
		if err != nil {
			return err
		}
		id = newPieceID(7, func(s string) bool { return d.route(s) != nil })
		op := objWith(extRouteID, strNode(id))
		if in.OperationName != nil && *in.OperationName != "" {
			op.set("operationId", strNode(*in.OperationName))
		}
		d.setAuth(op, auth)
		d.place(key, op, integration)
		return nil
	})
	if err != nil {
		return err
	}
	s.log.Info("http api route created", "api", apiID, "route", id, "key", key)
	return reply(w, http.StatusCreated, d.routeView(v, d.route(id)))
}

func (s *Service) updateRoute(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	var in routeInput
	if err := decodePiece(r, &in); err != nil {
		return err
	}
	if in.RouteKey != nil && *in.RouteKey == "" {
		return badRequest("A route key cannot be empty.")
	}
	if err := in.check(); err != nil {
		return err
	}
	d, v, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		rt := d.route(id)
		if rt == nil {
			return routeNotFound(id)
		}
		key := rt.key
		if in.RouteKey != nil && *in.RouteKey != key {
			key = *in.RouteKey
			if err := d.checkRouteKey(key, rt); err != nil {
				return err
			}
		}
		op := rt.op
		if in.AuthorizationType != nil || in.AuthorizerID != nil || in.AuthorizationScopes != nil {
			auth, err := d.resolveAuth(d.currentAuth(rt), &in)
			if err != nil {
				return err
			}
			d.setAuth(op, auth)
		}
		if in.OperationName != nil {
			if *in.OperationName == "" {
				op.del("operationId")
			} else {
				op.set("operationId", strNode(*in.OperationName))
			}
		}
		integration := d.integration(rt.integration)
		if in.Target != nil {
			var err error
			if integration, err = d.targetIntegration(*in.Target); err != nil {
				return err
			}
		}
		targetID := ""
		if integration != nil {
			targetID = integration.id
		}
		switch {
		case key == rt.key && targetID == rt.integration:
		case key == rt.key && !rt.pending && integration != nil:
			// Same place, another integration: swapped where it stands.
			d.release(rt)
			op.set(extIntegrationID, strNode(integration.id))
			op.set(extIntegration, deepCopy(integration.x))
		default:
			d.unplace(rt)
			d.place(key, op, integration)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, d.routeView(v, d.route(id)))
}

func (s *Service) deleteRoute(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	_, _, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		rt := d.route(id)
		if rt == nil {
			return routeNotFound(id)
		}
		d.unplace(rt)
		return nil
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

func (s *Service) getRoute(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	d, v, err := s.readHTTPDoc(r.Context(), apiID)
	if err != nil {
		return err
	}
	rt := d.route(id)
	if rt == nil {
		return routeNotFound(id)
	}
	return reply(w, http.StatusOK, d.routeView(v, rt))
}

func (s *Service) getRoutes(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	d, v, err := s.readHTTPDoc(r.Context(), apiID)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, rt := range d.routes {
		items = append(items, d.routeView(v, rt))
	}
	out, err := page(r, items, "routeId")
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// routeView is the Route shape, authorization as compiled (so that a
// document-wide requirement shows on the routes it covers).
func (d *httpDoc) routeView(v *docView, rt *docRoute) map[string]any {
	out := map[string]any{"routeId": rt.id, "routeKey": rt.key, "apiKeyRequired": false, "authorizationType": routeAuthNone}
	if rt.integration != "" {
		out["target"] = "integrations/" + rt.integration
	}
	if name := annotation(rt.op, "operationId"); name != "" {
		out["operationName"] = name
	}
	compiled := v.byPointer[opPointer(rt.path, rt.method)]
	if compiled == nil {
		return out
	}
	for _, sec := range compiled.Security {
		a := d.authorizerByKey(sec.Name)
		if a == nil || v.def.Authorizers[sec.Name] == nil {
			continue
		}
		out["authorizationType"] = routeAuthCustom
		if v.def.Authorizers[sec.Name].Type == AuthJWT {
			out["authorizationType"] = routeAuthJWT
		}
		out["authorizerId"] = a.id
		if len(sec.Scopes) > 0 {
			out["authorizationScopes"] = sec.Scopes
		}
		break
	}
	return out
}
