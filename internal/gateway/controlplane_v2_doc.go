package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The route, integration and authorizer operations of apigatewayv2 edit
// the HTTP API's OpenAPI document, which stays the one record of what the
// API is: serving, deployments, ExportApi and ReimportApi see nothing
// else. Each edit reads the document, changes the tree, compiles the
// result through ParseDefinition and writes it back only if the API
// record has not changed meanwhile (a compare-and-swap on its version,
// retried from a fresh read when it lost), in the same transaction that
// redeploys the API's autoDeploy stages, as ReimportApi does.
//
// Ids live in the document as x-gatehouse-* annotations, next to what
// they name, so that they move with it (a route whose key changes keeps
// its id; an export imported elsewhere keeps its ids) and no side record
// can disagree with it:
//   - x-gatehouse-route-id on an operation;
//   - x-gatehouse-integration-id on an operation, naming the
//     integration its x-amazon-apigateway-integration is a copy of (routes
//     sharing an integration carry one copy each, since the compiler
//     reads integrations inline only);
//   - x-gatehouse-authorizer-id (and x-gatehouse-authorizer-name when the
//     scheme's key cannot be the name) on a security scheme.
//
// An integration no route uses lives in components under
// x-amazon-apigateway-integrations, keyed by its id (API Gateway's own
// place for integrations shared by reference). A route without a target
// cannot be an operation (the compiler needs one's integration to serve
// it), so it waits under the root's x-gatehouse-routes, keyed by its
// route key, until it gets one; meanwhile it is checked with the rest
// but not served (its requests find the other routes, or a 404).
//
// A document written elsewhere (ImportApi, SAM, quick create) has no
// annotations; its entities get ids derived from the API id and what
// names them (route key, scheme name), so that they read the same on
// every request, and the first edit writes them down.
const (
	extRouteID        = "x-gatehouse-route-id"
	extIntegrationID  = "x-gatehouse-integration-id"
	extAuthorizerID   = "x-gatehouse-authorizer-id"
	extAuthorizerName = "x-gatehouse-authorizer-name"
	extPendingRoutes  = "x-gatehouse-routes"
	extIntegrations   = "x-amazon-apigateway-integrations"
	extIntegration    = "x-amazon-apigateway-integration"
	extAuthorizer     = "x-amazon-apigateway-authorizer"
)

// Limits: API Gateway's default quotas per HTTP API, and a bound on a
// request body that no legitimate route, integration or authorizer comes
// near (the server's own limit is for whole documents).
const (
	maxRoutes          = 300
	maxIntegrations    = 300
	maxAuthorizers     = 10
	maxPieceBody       = 64 << 10
	maxEditAttempts    = 100
	concurrentEditsMsg = "Unable to complete operation due to concurrent modification. Please try again later."
)

// docRoute is one route of the document.
type docRoute struct {
	id, key string
	// path and method place the operation: paths[path][method], method
	// being the path item key (get, x-amazon-apigateway-any-method, …).
	// A pending route (no target) would go there once it has one.
	path, method string
	op           *node
	pending      bool
	// integration is the id of the integration the operation carries a
	// copy of ("" for a pending route).
	integration string
}

// docIntegration is one integration: its canonical content, and whether
// it is kept in components (it is also wherever a route carries a copy).
type docIntegration struct {
	id     string
	x      *node
	pooled bool
}

// docAuthorizer is one x-amazon-apigateway-authorizer security scheme.
type docAuthorizer struct {
	id, name string
	key      string // the scheme's name in components.securitySchemes
	scheme   *node
}

// httpDoc is an HTTP API's document opened for reading or editing.
type httpDoc struct {
	apiID        string
	root         *node
	routes       []*docRoute
	integrations []*docIntegration
	authorizers  []*docAuthorizer
}

// openHTTPDoc reads a stored document into a tree of its own (YAML
// aliases expanded, so that an edit in one place never shows in another;
// Swagger converted, so that security schemes have one home) and gives
// every entity its id.
func openHTTPDoc(apiID string, doc []byte) (*httpDoc, error) {
	root, err := decodeDocument(doc)
	if err != nil {
		return nil, err
	}
	if root.has("swagger") {
		root = toOAS30(root)
	}
	d := &httpDoc{apiID: apiID, root: deepCopy(root)}
	d.index()
	return d, nil
}

// deepCopy copies a tree whole.
func deepCopy(n *node) *node {
	if n == nil {
		return nil
	}
	c := *n
	c.keys = slices.Clone(n.keys)
	c.vals = make([]*node, len(n.vals))
	for i, v := range n.vals {
		c.vals[i] = deepCopy(v)
	}
	return &c
}

// validID accepts the ids gatehouse writes; anything else found in a
// document is replaced rather than echoed into URLs and messages.
func validID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// derivedID is the id of an entity a document does not annotate: stable
// for the same API and name, distinct from those taken.
func derivedID(apiID, kind, name string, n int, taken func(string) bool) string {
	for i := 0; ; i++ {
		h := sha256.Sum256([]byte(apiID + "\x00" + kind + "\x00" + name + "\x00" + strconv.Itoa(i)))
		id := make([]byte, n)
		for j := range id {
			id[j] = idChars[int(h[j])%len(idChars)]
		}
		if !taken(string(id)) {
			return string(id)
		}
	}
}

// annotation reads a string annotation.
func annotation(n *node, key string) string {
	if v := n.get(key); v != nil && v.kind == kindString {
		return v.text
	}
	return ""
}

// routeKeyOf is the route key of the operation at paths[path][key].
func routeKeyOf(path, key string, op *node) string {
	if path == defaultStage {
		return defaultStage
	}
	if f := op.get("isDefaultRoute"); key == anyMethodKey && path == "/"+defaultStage && f != nil && f.kind == kindBool && f.text == "true" {
		return defaultStage
	}
	method, _ := opMethod(key)
	return method + " " + path
}

// routeSlot is where a route key's operation goes: $default under the
// path $default (as SAM writes it, which leaves /$default free for a
// route of that literal path).
func routeSlot(key string) (path, method string) {
	if key == defaultStage {
		return defaultStage, anyMethodKey
	}
	m, p, _ := strings.Cut(key, " ")
	return p, methodKey(m)
}

func opPointer(path, method string) string {
	return "/paths/" + escapePointer(path) + "/" + escapePointer(method)
}

// index finds the routes, integrations and authorizers and their ids.
func (d *httpDoc) index() {
	d.routes, d.integrations, d.authorizers = nil, nil, nil
	slots := map[string]bool{}
	if paths := d.root.get("paths"); paths != nil && paths.kind == kindObject {
		for i, path := range paths.keys {
			item := paths.vals[i]
			if item.kind != kindObject {
				continue
			}
			for j, key := range item.keys {
				op := item.vals[j]
				if _, ok := opMethod(key); !ok || op.kind != kindObject {
					continue
				}
				d.routes = append(d.routes, &docRoute{key: routeKeyOf(path, key, op), path: path, method: key, op: op})
				slots[opPointer(path, key)] = true
			}
		}
	}
	if pending := d.root.get(extPendingRoutes); pending != nil && pending.kind == kindObject {
		for i, key := range pending.keys {
			op := pending.vals[i]
			if op.kind != kindObject || parseRouteKey(key) != nil {
				continue // not written by gatehouse: nothing to serve or show
			}
			path, method := routeSlot(key)
			if slots[opPointer(path, method)] {
				continue
			}
			slots[opPointer(path, method)] = true
			d.routes = append(d.routes, &docRoute{key: key, path: path, method: method, op: op, pending: true})
		}
	}
	d.assignRouteIDs()
	d.indexIntegrations()
	d.indexAuthorizers()
}

// assignIDs gives each entity its annotated id when it is valid and not
// already taken, the rest derived ids.
func assignIDs(apiID, kind string, n int, count int, annotated func(i int) string, name func(i int) string, set func(i int, id string)) {
	taken := map[string]bool{}
	ids := make([]string, count)
	for i := range count {
		if a := annotated(i); validID(a) && !taken[a] {
			ids[i], taken[a] = a, true
		}
	}
	for i := range count {
		if ids[i] == "" {
			ids[i] = derivedID(apiID, kind, name(i), n, func(s string) bool { return taken[s] })
			taken[ids[i]] = true
		}
		set(i, ids[i])
	}
}

func (d *httpDoc) assignRouteIDs() {
	assignIDs(d.apiID, "route", 7, len(d.routes),
		func(i int) string { return annotation(d.routes[i].op, extRouteID) },
		func(i int) string { return d.routes[i].key },
		func(i int, id string) { d.routes[i].id = id })
}

// pool is components.x-amazon-apigateway-integrations (nil when absent).
func (d *httpDoc) pool() *node {
	if p := d.root.get("components").get(extIntegrations); p != nil && p.kind == kindObject {
		return p
	}
	return nil
}

// indexIntegrations reads the integrations in components, then each
// route's copy: a copy annotated with a known id and the same content is
// that integration; any other copy is an integration of its own (as
// ImportApi makes one per route).
func (d *httpDoc) indexIntegrations() {
	byID := map[string]*docIntegration{}
	taken := func(s string) bool { return byID[s] != nil }
	add := func(in *docIntegration) {
		byID[in.id] = in
		d.integrations = append(d.integrations, in)
	}
	if pool := d.pool(); pool != nil {
		for i, key := range pool.keys {
			x := pool.vals[i]
			if x.kind != kindObject {
				continue
			}
			id := key
			if !validID(id) || taken(id) {
				id = derivedID(d.apiID, "integration-key", key, 7, taken)
			}
			add(&docIntegration{id: id, x: x, pooled: true})
		}
	}
	for _, r := range d.routes {
		if r.pending {
			continue
		}
		x := r.op.get(extIntegration)
		if x == nil || x.kind != kindObject {
			continue
		}
		a := annotation(r.op, extIntegrationID)
		if in := byID[a]; validID(a) && in != nil && sameJSON(in.x, x) {
			r.integration = a
			continue
		}
		id := a
		if !validID(id) || taken(id) {
			id = derivedID(d.apiID, "integration", r.key, 7, taken)
		}
		add(&docIntegration{id: id, x: x})
		r.integration = id
	}
}

func sameJSON(a, b *node) bool {
	var x, y bytes.Buffer
	writeJSON(&x, a)
	writeJSON(&y, b)
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// schemes is components.securitySchemes (nil when absent).
func (d *httpDoc) schemes() *node {
	if s := d.root.get("components").get("securitySchemes"); s != nil && s.kind == kindObject {
		return s
	}
	return nil
}

func (d *httpDoc) indexAuthorizers() {
	schemes := d.schemes()
	if schemes == nil {
		return
	}
	for i, key := range schemes.keys {
		s := schemes.vals[i]
		if s.kind != kindObject || s.get(extAuthorizer) == nil {
			continue
		}
		name := annotation(s, extAuthorizerName)
		if name == "" {
			name = key
		}
		d.authorizers = append(d.authorizers, &docAuthorizer{name: name, key: key, scheme: s})
	}
	assignIDs(d.apiID, "authorizer", 6, len(d.authorizers),
		func(i int) string { return annotation(d.authorizers[i].scheme, extAuthorizerID) },
		func(i int) string { return d.authorizers[i].key },
		func(i int, id string) { d.authorizers[i].id = id })
}

// annotate writes every id into the document, so that it no longer
// depends on what it was derived from; integrations found only in
// components under another key are re-keyed by their id.
func (d *httpDoc) annotate() {
	for _, r := range d.routes {
		r.op.set(extRouteID, strNode(r.id))
		if r.integration != "" {
			r.op.set(extIntegrationID, strNode(r.integration))
		}
	}
	for _, a := range d.authorizers {
		a.scheme.set(extAuthorizerID, strNode(a.id))
	}
	if pool := d.pool(); pool != nil {
		fresh := objNode()
		for _, in := range d.integrations {
			if in.pooled {
				fresh.set(in.id, in.x)
			}
		}
		d.root.get("components").set(extIntegrations, fresh)
	}
}

func (d *httpDoc) route(id string) *docRoute {
	for _, r := range d.routes {
		if r.id == id {
			return r
		}
	}
	return nil
}

func (d *httpDoc) integration(id string) *docIntegration {
	for _, in := range d.integrations {
		if in.id == id {
			return in
		}
	}
	return nil
}

func (d *httpDoc) authorizer(id string) *docAuthorizer {
	for _, a := range d.authorizers {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (d *httpDoc) authorizerByKey(key string) *docAuthorizer {
	for _, a := range d.authorizers {
		if a.key == key {
			return a
		}
	}
	return nil
}

// object returns parent's member key, made an empty object when absent.
func object(parent *node, key string) *node {
	v := parent.get(key)
	if v == nil || v.kind != kindObject {
		v = objNode()
		parent.set(key, v)
	}
	return v
}

// ensurePooled keeps an integration in components, before the last route
// carrying it lets go of it: integrations outlive their routes.
func (d *httpDoc) ensurePooled(in *docIntegration) {
	if in.pooled {
		return
	}
	pool := object(object(d.root, "components"), extIntegrations)
	pool.set(in.id, deepCopy(in.x))
	in.x, in.pooled = pool.get(in.id), true
}

// bytes is the document as stored: JSON.
func (d *httpDoc) bytes() []byte {
	var b bytes.Buffer
	writeJSON(&b, d.root)
	return b.Bytes()
}

// placeholderIntegration stands in for a pending route's missing target
// when the document is compiled for checking and reading, so that its
// route key and security are checked with the rest.
func (s *Service) placeholderIntegration() *node {
	region, account := s.opts.Region, s.opts.Account
	if region == "" {
		region = "us-east-1"
	}
	if account == "" {
		account = "000000000000"
	}
	return objWith("type", strNode("aws_proxy"), "payloadFormatVersion", strNode("2.0"),
		"uri", strNode("arn:aws:lambda:"+region+":"+account+":function:gatehouse-route-without-target"))
}

// compileView compiles the document with its pending routes in place,
// for what the operations show: routes by their operation's pointer.
func (s *Service) compileView(d *httpDoc) (*Definition, map[string]*Route, error) {
	root := d.root
	if hasPending := slices.ContainsFunc(d.routes, func(r *docRoute) bool { return r.pending }); hasPending {
		root = root.clone()
		root.del(extPendingRoutes)
		paths := objNode()
		if p := root.get("paths"); p != nil && p.kind == kindObject {
			paths = p.clone()
		}
		root.set("paths", paths)
		for _, r := range d.routes {
			if !r.pending {
				continue
			}
			item := paths.get(r.path)
			if item == nil || item.kind != kindObject {
				item = objNode()
			} else {
				item = item.clone()
			}
			op := r.op.clone()
			op.set(extIntegration, s.placeholderIntegration())
			item.set(r.method, op)
			paths.set(r.path, item)
		}
	}
	var b bytes.Buffer
	writeJSON(&b, root)
	def, err := ParseDefinition(b.Bytes(), HTTP, s.opts.Region, s.opts.Account)
	if err != nil {
		return nil, nil, err
	}
	byPointer := map[string]*Route{}
	for i := range def.Routes {
		byPointer[def.Routes[i].Pointer] = &def.Routes[i]
	}
	return def, byPointer, nil
}

// readHTTPDoc opens an HTTP API's document for the Get operations.
func (s *Service) readHTTPDoc(ctx context.Context, apiID string) (*httpDoc, *docView, error) {
	api, err := s.loadHTTPAPI(ctx, apiID)
	if err != nil {
		return nil, nil, err
	}
	d, err := openHTTPDoc(apiID, api.Doc)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: api %s: stored document: %w", apiID, err)
	}
	v, err := s.view(d)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: api %s: stored document: %w", apiID, err)
	}
	return d, v, nil
}

// docView is a compiled document, for rendering its entities.
type docView struct {
	def       *Definition
	byPointer map[string]*Route
}

func (s *Service) view(d *httpDoc) (*docView, error) {
	def, byPointer, err := s.compileView(d)
	if err != nil {
		return nil, err
	}
	return &docView{def: def, byPointer: byPointer}, nil
}

// editHTTPDoc applies edit to the API's document and stores the result,
// compiled and checked as ImportApi checks a document, redeploying the
// autoDeploy stages in the same transaction. edit runs again on a fresh
// copy whenever another writer got there first, so it must only touch
// the document and its own results.
func (s *Service) editHTTPDoc(ctx context.Context, apiID string, edit func(d *httpDoc) error) (*httpDoc, *docView, error) {
	for attempt := range maxEditAttempts {
		if attempt > 0 {
			// Losers of a race spread out rather than collide again.
			select {
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			case <-time.After(time.Duration(rand.IntN(attempt*2+1)) * time.Millisecond):
			}
		}
		rr, err := s.st.Get(ctx, kindAPI, apiID)
		api, err := s.httpAPIFrom(apiID, rr, err)
		if err != nil {
			return nil, nil, err
		}
		d, err := openHTTPDoc(apiID, api.Doc)
		if err != nil {
			return nil, nil, fmt.Errorf("gateway: api %s: stored document: %w", apiID, err)
		}
		d.annotate()
		if err := edit(d); err != nil {
			return nil, nil, err
		}
		d.index()
		v, err := s.view(d)
		if err != nil {
			return nil, nil, badRequest("The change would leave the API invalid: %s", err.Error())
		}
		doc := d.bytes()
		if len(doc) > maxDocument {
			return nil, nil, badRequest("The change would make the API's definition larger than %d bytes.", maxDocument)
		}
		if bytes.Equal(doc, api.Doc) {
			return d, v, nil
		}
		// What is stored is what reload serves: compiled and routed as
		// such, pending routes left out.
		def, err := ParseDefinition(doc, HTTP, s.opts.Region, s.opts.Account)
		if err == nil {
			_, err = NewRouter(HTTP, def.Routes)
		}
		if err != nil {
			return nil, nil, badRequest("The change would leave the API invalid: %s", err.Error())
		}
		api.Doc = doc
		data, err := json.Marshal(api)
		if err != nil {
			return nil, nil, err
		}
		err = s.st.Tx(ctx, func(tx store.Tx) error {
			if _, err := tx.Put(kindAPI, apiID, data, rr.Version); err != nil {
				return err
			}
			return s.autoDeployTx(tx, apiID, doc)
		})
		switch {
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrNotFound):
			return nil, nil, s.apiNotFound(apiID)
		case err != nil:
			return nil, nil, err
		}
		if err := s.reload(ctx); err != nil {
			return nil, nil, err
		}
		return d, v, nil
	}
	return nil, nil, conflict(concurrentEditsMsg)
}

// decodePiece reads a route's, integration's or authorizer's JSON body.
func decodePiece(r *awsproto.Request, v any) error {
	if len(r.Body) > maxPieceBody {
		return awsproto.Errorf(http.StatusRequestEntityTooLarge, "BadRequestException", "Request body is too large.")
	}
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return badRequest("Invalid request body")
	}
	return nil
}

// page is GetRoutes', GetIntegrations' and GetAuthorizers' paging over
// items sorted by id: maxResults at a time, nextToken the last id given.
func page(r *awsproto.Request, items []map[string]any, idKey string) (map[string]any, error) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, badRequest("maxResults must be between 1 and 500")
		}
		limit = n
	}
	slices.SortFunc(items, func(a, b map[string]any) int { return strings.Compare(a[idKey].(string), b[idKey].(string)) })
	after := q.Get("nextToken")
	out := map[string]any{}
	list := []map[string]any{}
	for _, it := range items {
		if after != "" && it[idKey].(string) <= after {
			continue
		}
		if limit > 0 && len(list) == limit {
			out["nextToken"] = list[len(list)-1][idKey]
			break
		}
		list = append(list, it)
	}
	out["items"] = list
	return out, nil
}

// pieceV2 dispatches the route, integration and authorizer operations:
// parts is what follows /v2/apis/{apiId}/{kind}.
func (s *Service) pieceV2(w http.ResponseWriter, r *awsproto.Request, apiID, kind string, parts []string) error {
	type ops struct {
		create, list        func(http.ResponseWriter, *awsproto.Request, string) error
		get, update, delete func(http.ResponseWriter, *awsproto.Request, string, string) error
	}
	var o ops
	switch kind {
	case "routes":
		o = ops{s.createRoute, s.getRoutes, s.getRoute, s.updateRoute, s.deleteRoute}
	case "integrations":
		o = ops{s.createIntegration, s.getIntegrations, s.getIntegration, s.updateIntegration, s.deleteIntegration}
	case "authorizers":
		o = ops{s.createAuthorizer, s.getAuthorizers, s.getAuthorizer, s.updateAuthorizer, s.deleteAuthorizer}
	}
	switch m := r.Method; {
	case o.create == nil:
	case len(parts) == 0 && m == http.MethodPost:
		return o.create(w, r, apiID)
	case len(parts) == 0 && m == http.MethodGet:
		return o.list(w, r, apiID)
	case len(parts) == 1 && m == http.MethodGet:
		return o.get(w, r, apiID, parts[0])
	case len(parts) == 1 && m == http.MethodPatch:
		return o.update(w, r, apiID, parts[0])
	case len(parts) == 1 && m == http.MethodDelete:
		return o.delete(w, r, apiID, parts[0])
	}
	return awsproto.Errorf(http.StatusNotFound, "UnknownOperationException", "Operation %s %s is not supported by gatehouse yet.", r.Method, r.URL.Path)
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
