package gateway

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Router matches requests to an API's routes. It is built once per
// deployment and never changes afterwards, so one Router may serve any
// number of goroutines; a redeploy builds a new Router and the server
// swaps the pointer.
//
// Routes are compiled into a trie with one level per path segment. Each
// node has literal children, at most one {param} child and at most one
// {greedy+} child, and the routes defined on it by method. Matching walks
// the trie along the request's segments, so its cost depends on the
// route templates, not on the number of routes or the length of the
// request (beyond one validating scan).
//
// Semantics, and where they come from:
//
//   - REST (API Gateway v1) resolves the resource from the path alone and
//     then the method on that resource: the method itself, else ANY, else
//     nothing (the server answers 403 Missing Authentication Token,
//     reference §1.3). Within the trie a literal child beats the {param}
//     child, which beats {proxy+}; a branch that cannot consume the rest of
//     the path backtracks to the next kind. Every prefix of a template is a
//     resource, as it is in API Gateway (importing /a/b creates /a), so a
//     path ending on such a method-less resource resolves to it and then
//     fails on the method rather than backtracking into a {param} sibling.
//   - HTTP (API Gateway v2) picks, per the "Routing API requests" section of
//     the HTTP API developer guide (http-api-develop-routes): a full match
//     of route and method (literal segments preferred over {param} ones,
//     left to right; the method before ANY on the same path), then the
//     route with a greedy variable whose prefix is the longest, then
//     $default. A route whose method does not fit is skipped, not fatal.
//   - {proxy+} matches one or more segments below its parent, never the
//     parent itself: ANY /{proxy+} does not match "/" (reference §5,
//     api-gateway-method-settings-method-request). Its value is the rest of
//     the path after the parent's slash ("a/b/c"), decoded.
//   - A {param} matches exactly one non-empty segment.
//   - Trailing slashes. REST ignores them: "/items/" reaches the /items
//     resource (and "/" with or without slashes is the root). Evidence:
//     LocalStack's next-gen REST router, which is snapshot-tested against
//     AWS, strips them ("trailing slashes are ignored in APIGW",
//     execute_api/handlers/resource_router.py); aws/chalice#65 (an AWS
//     maintainer: "trailing slashes 'work' without explicitly declaring
//     them"); aws-powertools/powertools-lambda-python#1552 (the same
//     observation on a deployed API). The event's path keeps the slash;
//     only matching ignores it. HTTP APIs do not strip it: "/items/" does
//     not match GET /items, but it does match /items/{proxy+} with an
//     empty value, as AWS's own local test tool for .NET documents
//     (aws-lambda-dotnet, Amazon.Lambda.TestTool ApiGatewayRouteConfigService)
//     and as users rely on (storacha/w3infra#166). That tool also lets "/"
//     match /{proxy+}; we do not, keeping the rule above for both APIs:
//     "/" is the root itself, with no segment below it.
//   - Path parameter values are percent-decoded after the path is split on
//     "/", so "%2F" stays inside its segment. "+" is not a space in a path.
//     A path with a malformed escape or whose decoded bytes are not UTF-8
//     matches nothing (not even $default). Literal segments are compared
//     decoded, so "/it%65ms" reaches /items.
//   - "." and ".." are ordinary segments: API Gateway does not normalize
//     them, and since routes are templates rather than files there is
//     nothing to escape from; "/a/../b" does not match /b.
//   - Paths are case-sensitive, as API Gateway resource paths are.
//   - A request method outside the seven API Gateway supports (GET, HEAD,
//     POST, PUT, PATCH, DELETE, OPTIONS: the set ANY stands for) matches
//     nothing.
type Router struct {
	proto Protocol
	// routes is the router's own copy, so the *Route pointers Match hands
	// out stay valid and unchanged whatever the caller does with its slice.
	routes []Route
	root   *routerNode
	// fallback is an HTTP API's $default route.
	fallback *routerEntry
	// maxLiteral is the longest literal segment of any template: a longer
	// request segment cannot match a literal, so its lookup is skipped
	// (this keeps a 1 MB segment from being hashed at every level).
	maxLiteral int
}

// routerNode is one resource (REST) or path template prefix (HTTP).
type routerNode struct {
	// literals is looked up with the raw segment when it has no escapes;
	// literalList is scanned, comparing decoded, when it has some.
	literals    map[string]*routerNode
	literalList []routerLiteral
	param       *routerNode
	greedy      *routerNode
	// depth is the number of template segments above this node; it ranks
	// HTTP greedy routes (the longest prefix wins).
	depth int
	// byMethod holds the routes defined here other than ANY, which is kept
	// apart because it is the fallback for every method.
	byMethod []routerMethod
	any      *routerEntry
	// methods is the sorted list Methods returns.
	methods []string
}

// routerScanLimit is how many literal children a node may have and still
// be searched by scanning rather than through its map: measured on amd64,
// a scan of 8 short strings costs what a map lookup does, and less below.
const routerScanLimit = 8

type routerLiteral struct {
	text string
	node *routerNode
}

type routerMethod struct {
	method string
	entry  *routerEntry
}

// routerEntry is one compiled route.
type routerEntry struct {
	route *Route
	segs  []routerTSeg
	// params is how many {param} and {greedy+} segments segs has: the size
	// of the map Match returns (no map at all when zero).
	params int
}

type routerSegKind uint8

const (
	routerLiteralSeg routerSegKind = iota
	routerParamSeg
	routerGreedySeg
)

// routerTSeg is one segment of a route template.
type routerTSeg struct {
	kind routerSegKind
	text string // the literal, or the parameter's name
}

// routerMethodList names the methods a route may have, for errors: the
// seven API Gateway supports and ANY (x-amazon-apigateway-any-method),
// which stands for all seven.
const routerMethodList = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, ANY"

// routerKnownMethod reports whether a request method is one API Gateway
// serves. A switch compiles to length and byte comparisons: no map lookup
// on the hot path, and no package-level table anyone could change.
func routerKnownMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return true
	}
	return false
}

// NewRouter compiles routes. It rejects a route with an unknown or
// lower-case method, a malformed template, $default on a REST API, and
// two routes with the same method and the same template once parameter
// names are ignored (GET /a/{id} and GET /a/{name} could never be told
// apart); the error names both.
func NewRouter(proto Protocol, routes []Route) (*Router, error) {
	if proto != REST && proto != HTTP {
		return nil, fmt.Errorf("gateway: router: unknown protocol %q", proto)
	}
	r := &Router{proto: proto, routes: slices.Clone(routes), root: &routerNode{}}
	seen := make(map[string]*Route, len(routes))
	for i := range r.routes {
		rt := &r.routes[i]
		if err := routerCheckMethod(rt); err != nil {
			return nil, err
		}
		if rt.Path == "$default" {
			if proto != HTTP {
				return nil, fmt.Errorf("gateway: route %s: $default is only for HTTP APIs", routerDescribe(rt))
			}
			if rt.Method != "ANY" {
				return nil, fmt.Errorf("gateway: route %s: $default takes every method; its method must be ANY", routerDescribe(rt))
			}
			if r.fallback != nil {
				return nil, fmt.Errorf("gateway: routes %s and %s conflict: both are $default", routerDescribe(r.fallback.route), routerDescribe(rt))
			}
			r.fallback = &routerEntry{route: rt}
			continue
		}
		segs, err := routerParseTemplate(rt.Path)
		if err != nil {
			return nil, fmt.Errorf("gateway: route %s: %w", routerDescribe(rt), err)
		}
		key := rt.Method + " " + routerNormalize(segs)
		if prev, ok := seen[key]; ok {
			return nil, fmt.Errorf("gateway: routes %s and %s conflict: the same method on the same path (%s once parameter names are set aside)", routerDescribe(prev), routerDescribe(rt), key)
		}
		seen[key] = rt
		r.insert(&routerEntry{route: rt, segs: segs})
	}
	return r, nil
}

func routerCheckMethod(rt *Route) error {
	if rt.Method == "ANY" || routerKnownMethod(rt.Method) {
		return nil
	}
	if up := strings.ToUpper(rt.Method); up == "ANY" || routerKnownMethod(up) {
		return fmt.Errorf("gateway: route %s: method must be upper-case (%s)", routerDescribe(rt), up)
	}
	return fmt.Errorf("gateway: route %s: unknown method %q (API Gateway supports %s)", routerDescribe(rt), rt.Method, routerMethodList)
}

// routerDescribe names a route for error messages, with its place in the
// OpenAPI document when known.
func routerDescribe(rt *Route) string {
	s := rt.Method + " " + rt.Path
	if rt.Pointer != "" {
		s += " (" + rt.Pointer + ")"
	}
	return fmt.Sprintf("%q", s)
}

// routerParseTemplate splits a resource template such as
// "/items/{id}/{proxy+}" into segments. API Gateway only has whole-segment
// variables, so "{" and "}" anywhere else are rejected rather than taken
// literally (a literal "file.{ext}" would silently never match).
func routerParseTemplate(path string) ([]routerTSeg, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("path must start with /")
	}
	if path == "/" {
		return nil, nil
	}
	if strings.HasSuffix(path, "/") {
		return nil, errors.New("path must not end with /")
	}
	parts := strings.Split(path[1:], "/")
	segs := make([]routerTSeg, 0, len(parts))
	names := make(map[string]bool)
	for i, p := range parts {
		if p == "" {
			return nil, errors.New("path has an empty segment")
		}
		if !utf8.ValidString(p) {
			return nil, errors.New("path is not valid UTF-8")
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			name, greedy := strings.CutSuffix(p[1:len(p)-1], "+")
			if name == "" || strings.ContainsAny(name, "{}+") {
				return nil, fmt.Errorf("bad path parameter %q", p)
			}
			if names[name] {
				return nil, fmt.Errorf("path parameter %q appears twice", name)
			}
			names[name] = true
			kind := routerParamSeg
			if greedy {
				if i != len(parts)-1 {
					return nil, fmt.Errorf("greedy parameter %q must be the last segment", p)
				}
				kind = routerGreedySeg
			}
			segs = append(segs, routerTSeg{kind: kind, text: name})
			continue
		}
		if strings.ContainsAny(p, "{}") {
			return nil, fmt.Errorf("segment %q: a path parameter must be a whole segment", p)
		}
		segs = append(segs, routerTSeg{kind: routerLiteralSeg, text: p})
	}
	return segs, nil
}

// routerNormalize is the template with parameter names erased: the
// identity two routes conflict on.
func routerNormalize(segs []routerTSeg) string {
	if len(segs) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case routerParamSeg:
			b.WriteString("{}")
		case routerGreedySeg:
			b.WriteString("{+}")
		default:
			b.WriteString(s.text)
		}
	}
	return b.String()
}

func (r *Router) insert(e *routerEntry) {
	n := r.root
	for _, s := range e.segs {
		if s.kind != routerLiteralSeg {
			e.params++
		}
		n = n.child(s)
		if s.kind == routerLiteralSeg && len(s.text) > r.maxLiteral {
			r.maxLiteral = len(s.text)
		}
	}
	if e.route.Method == "ANY" {
		n.any = e
	} else {
		n.byMethod = append(n.byMethod, routerMethod{e.route.Method, e})
	}
	n.methods = append(n.methods, e.route.Method)
	slices.Sort(n.methods)
}

func (n *routerNode) child(s routerTSeg) *routerNode {
	switch s.kind {
	case routerParamSeg:
		if n.param == nil {
			n.param = &routerNode{depth: n.depth + 1}
		}
		return n.param
	case routerGreedySeg:
		if n.greedy == nil {
			n.greedy = &routerNode{depth: n.depth + 1}
		}
		return n.greedy
	}
	if c, ok := n.literals[s.text]; ok {
		return c
	}
	if n.literals == nil {
		n.literals = make(map[string]*routerNode)
	}
	c := &routerNode{depth: n.depth + 1}
	n.literals[s.text] = c
	n.literalList = append(n.literalList, routerLiteral{s.text, c})
	return c
}

// lookup is the route for a method on this node: the method's own, else
// ANY.
func (n *routerNode) lookup(method string) *routerEntry {
	for i := range n.byMethod {
		if n.byMethod[i].method == method {
			return n.byMethod[i].entry
		}
	}
	return n.any
}

// literal is the literal child a request segment selects. escaped says
// the path has a "%" somewhere; only then is the slow decoded comparison
// needed.
func (r *Router) literal(n *routerNode, seg string, escaped bool) *routerNode {
	if len(n.literalList) == 0 {
		return nil
	}
	if !escaped || strings.IndexByte(seg, '%') < 0 {
		if len(seg) > r.maxLiteral {
			return nil
		}
		// A few string comparisons (most fail on the length) beat hashing
		// the segment; the map pays off for wide nodes such as the root.
		if len(n.literalList) <= routerScanLimit {
			for _, l := range n.literalList {
				if l.text == seg {
					return l.node
				}
			}
			return nil
		}
		return n.literals[seg]
	}
	for _, l := range n.literalList {
		if routerUnescapedEqual(seg, l.text) {
			return l.node
		}
	}
	return nil
}

// routerNext splits off the segment starting at i. It returns the
// segment and where the next one starts, or -1 when this was the last.
// Segments are indices into the path rather than a split slice so that
// matching allocates nothing, however many segments the path has.
func routerNext(path string, i int) (string, int) {
	if j := strings.IndexByte(path[i:], '/'); j >= 0 {
		return path[i : i+j], i + j + 1
	}
	return path[i:], -1
}

// start is where the first segment of path begins, or -1 for the root
// (which has no segments). ok is false for a path that cannot be one
// relative to the stage.
func (r *Router) start(path string) (p string, i int, ok bool) {
	if r.proto == REST {
		// Trailing slashes are ignored on REST (see Router).
		path = strings.TrimRight(path, "/")
		if path == "" {
			return "", -1, true
		}
	} else if path == "" || path == "/" {
		// "" is the stage itself ("/prod" with nothing after it).
		return path, -1, true
	}
	if path[0] != '/' {
		return "", 0, false
	}
	return path, 1, true
}

// Match finds the route for a method and a raw (still escaped) request
// path relative to the stage, e.g. "/items/42". It returns the route, the
// path parameters (values URL-decoded; the greedy {proxy+} value without a
// leading slash, e.g. "a/b/c"; nil when the route has none) and whether a
// route matched. The returned Route belongs to the Router: read it, do
// not modify it. Match allocates nothing but the parameter map (and, when
// a value was percent-encoded, one buffer for the decoded values).
func (r *Router) Match(method, path string) (*Route, map[string]string, bool) {
	if !routerKnownMethod(method) {
		return nil, nil, false
	}
	escaped, valid := routerCheckPath(path)
	if !valid {
		return nil, nil, false
	}
	p, i, ok := r.start(path)
	if !ok {
		return nil, nil, false
	}
	var e *routerEntry
	if r.proto == REST {
		if n := r.findREST(r.root, p, i, escaped); n != nil {
			e = n.lookup(method)
		}
	} else {
		g := routerGreedyHit{depth: -1}
		if n := r.findHTTP(r.root, p, i, escaped, method, &g); n != nil {
			e = n.lookup(method)
		} else if g.node != nil {
			e = g.node.lookup(method)
		} else {
			e = r.fallback
		}
	}
	if e == nil {
		return nil, nil, false
	}
	return e.route, e.extract(p, i, escaped), true
}

// Methods lists the methods defined on the resource the path resolves to
// (for CORS preflights), sorted, ANY included when defined; empty if
// none. On an HTTP API the "resource" is the route path Match would pick
// regardless of method; $default is not one.
func (r *Router) Methods(path string) []string {
	escaped, valid := routerCheckPath(path)
	if !valid {
		return nil
	}
	p, i, ok := r.start(path)
	if !ok {
		return nil
	}
	var n *routerNode
	if r.proto == REST {
		n = r.findREST(r.root, p, i, escaped)
	} else {
		g := routerGreedyHit{depth: -1}
		if n = r.findHTTP(r.root, p, i, escaped, "", &g); n == nil {
			n = g.node
		}
	}
	if n == nil {
		return nil
	}
	// A copy: the caller may sort or append without touching the Router.
	return slices.Clone(n.methods)
}

// findREST resolves the resource for the segments from i: literal, then
// {param}, then {greedy+}, backtracking when a branch cannot consume the
// rest of the path. The recursion is as deep as the longest template,
// whatever the length of the request.
func (r *Router) findREST(n *routerNode, path string, i int, escaped bool) *routerNode {
	if i < 0 {
		return n
	}
	seg, next := routerNext(path, i)
	if c := r.literal(n, seg, escaped); c != nil {
		if found := r.findREST(c, path, next, escaped); found != nil {
			return found
		}
	}
	if n.param != nil && seg != "" {
		if found := r.findREST(n.param, path, next, escaped); found != nil {
			return found
		}
	}
	// i >= 0 here: at least one segment remains, which is what "one or
	// more segments below the parent" requires.
	return n.greedy
}

// routerGreedyHit is the best greedy route seen so far on an HTTP API.
type routerGreedyHit struct {
	node  *routerNode
	depth int
}

// findHTTP returns the first node, literal before {param} at each level,
// where the path ends and a route for method (or ANY; any route at all
// when method is "") is defined. On the way it records in g the deepest
// greedy node with such a route, for when there is no full match; each
// trie node is visited at most once, so this is linear in the trie.
func (r *Router) findHTTP(n *routerNode, path string, i int, escaped bool, method string, g *routerGreedyHit) *routerNode {
	if i < 0 {
		if routerHas(n, method) {
			return n
		}
		return nil
	}
	// Strictly deeper only: on a tie the first found, which is the one
	// reached through literals, stays.
	if n.greedy != nil && n.depth > g.depth && routerHas(n.greedy, method) {
		g.node, g.depth = n.greedy, n.depth
	}
	seg, next := routerNext(path, i)
	if c := r.literal(n, seg, escaped); c != nil {
		if found := r.findHTTP(c, path, next, escaped, method, g); found != nil {
			return found
		}
	}
	if n.param != nil && seg != "" {
		return r.findHTTP(n.param, path, next, escaped, method, g)
	}
	return nil
}

func routerHas(n *routerNode, method string) bool {
	if method == "" {
		return len(n.methods) > 0
	}
	return n.lookup(method) != nil
}

// extract builds the parameter map by walking the template alongside the
// path a second time (the match itself records nothing, so that a route
// without parameters costs no allocation). Unescaped values are
// substrings of the path; escaped ones are decoded into one shared
// buffer.
func (e *routerEntry) extract(path string, start int, escaped bool) map[string]string {
	if e.params == 0 {
		return nil
	}
	m := make(map[string]string, e.params)
	if !escaped {
		e.walk(path, start, func(name, raw string) { m[name] = raw })
		return m
	}
	// First pass: how much decoding there is.
	size := 0
	e.walk(path, start, func(_, raw string) {
		if strings.IndexByte(raw, '%') >= 0 {
			size += len(raw) - 2*strings.Count(raw, "%")
		}
	})
	var decoded string
	if size > 0 {
		var b strings.Builder
		b.Grow(size)
		e.walk(path, start, func(_, raw string) {
			if strings.IndexByte(raw, '%') >= 0 {
				routerUnescapeTo(&b, raw)
			}
		})
		decoded = b.String()
	}
	off := 0
	e.walk(path, start, func(name, raw string) {
		if strings.IndexByte(raw, '%') < 0 {
			m[name] = raw
			return
		}
		n := len(raw) - 2*strings.Count(raw, "%")
		m[name] = decoded[off : off+n]
		off += n
	})
	return m
}

// walk calls f with the name and raw value of each parameter, in template
// order. The path has already matched the template, so segments line up.
func (e *routerEntry) walk(path string, i int, f func(name, raw string)) {
	for _, s := range e.segs {
		switch s.kind {
		case routerGreedySeg:
			f(s.text, path[i:])
			return
		case routerParamSeg:
			seg, next := routerNext(path, i)
			f(s.text, seg)
			i = next
		default:
			_, i = routerNext(path, i)
		}
	}
}

// routerCheckPath reports whether the path has a "%" (escaped) and
// whether it is acceptable (valid): every "%" starts a two-digit hex
// escape and the decoded bytes are UTF-8. The common path (ASCII, no
// escapes) costs one tight loop.
func routerCheckPath(path string) (escaped, valid bool) {
	for i := 0; i < len(path); i++ {
		if c := path[i]; c == '%' || c >= utf8.RuneSelf {
			return strings.IndexByte(path[i:], '%') >= 0, routerValidDecoded(path[i:])
		}
	}
	return false, true
}

// routerValidDecoded validates s byte by byte as it would decode, without
// decoding it anywhere: an escape may encode one byte of a multi-byte
// character whose other bytes are raw or escaped too.
func routerValidDecoded(s string) bool {
	var seq [utf8.UTFMax]byte
	for i := 0; i < len(s); {
		b, w, ok := routerDecodeByte(s, i)
		if !ok {
			return false
		}
		i += w
		if b < utf8.RuneSelf {
			continue
		}
		n := routerRuneLen(b)
		if n == 0 {
			return false
		}
		seq[0] = b
		for k := 1; k < n; k++ {
			if i >= len(s) {
				return false
			}
			if seq[k], w, ok = routerDecodeByte(s, i); !ok {
				return false
			}
			i += w
		}
		// utf8.Valid rejects overlong forms, surrogates and values past
		// U+10FFFF, which the leading byte alone does not.
		if !utf8.Valid(seq[:n]) {
			return false
		}
	}
	return true
}

// routerRuneLen is the length of the UTF-8 sequence a leading byte
// announces, 0 if it cannot lead one.
func routerRuneLen(b byte) int {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 2
	case b >= 0xE0 && b <= 0xEF:
		return 3
	case b >= 0xF0 && b <= 0xF4:
		return 4
	}
	return 0
}

// routerDecodeByte decodes the byte at s[i]: a "%XX" escape (width 3) or
// the byte itself (width 1).
func routerDecodeByte(s string, i int) (b byte, width int, ok bool) {
	if s[i] != '%' {
		return s[i], 1, true
	}
	if i+2 >= len(s) {
		return 0, 0, false
	}
	hi, ok1 := routerUnhex(s[i+1])
	lo, ok2 := routerUnhex(s[i+2])
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return hi<<4 | lo, 3, true
}

func routerUnhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// routerUnescapedEqual reports whether raw decodes to lit, decoding as it
// compares.
func routerUnescapedEqual(raw, lit string) bool {
	j := 0
	for i := 0; i < len(raw); j++ {
		b, w, ok := routerDecodeByte(raw, i)
		if !ok || j >= len(lit) || lit[j] != b {
			return false
		}
		i += w
	}
	return j == len(lit)
}

// routerUnescapeTo appends raw decoded. raw has been validated.
func routerUnescapeTo(b *strings.Builder, raw string) {
	for i := 0; i < len(raw); {
		c, w, _ := routerDecodeByte(raw, i)
		b.WriteByte(c)
		i += w
	}
}
