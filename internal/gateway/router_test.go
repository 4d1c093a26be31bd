package gateway

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// routerRoutes builds routes from "METHOD /path" keys ("ANY $default" for
// the default route), each with its key as OperationName so that tests
// can say which route they expect by name.
func routerRoutes(keys ...string) []Route {
	out := make([]Route, 0, len(keys))
	for _, k := range keys {
		m, p, _ := strings.Cut(k, " ")
		out = append(out, Route{Method: m, Path: p, OperationName: k})
	}
	return out
}

func routerMust(t testing.TB, proto Protocol, keys ...string) *Router {
	t.Helper()
	r, err := NewRouter(proto, routerRoutes(keys...))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// routerCase is one request and what it must reach: want is the route's
// "METHOD /path" key, "" for no match.
type routerCase struct {
	name         string
	method, path string
	want         string
	params       map[string]string
}

func routerRun(t *testing.T, r *Router, cases []routerCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, params, ok := r.Match(c.method, c.path)
			got := ""
			if ok {
				got = rt.OperationName
			}
			if got != c.want || ok != (c.want != "") {
				t.Fatalf("Match(%q, %q) = %q, %v; want %q", c.method, c.path, got, ok, c.want)
			}
			if !maps.Equal(params, c.params) {
				t.Fatalf("Match(%q, %q) params = %#v; want %#v", c.method, c.path, params, c.params)
			}
			if c.params == nil && params != nil {
				t.Fatalf("params = %#v; want nil (the event's pathParameters is null)", params)
			}
		})
	}
}

func TestRouterREST(t *testing.T) {
	r := routerMust(t, REST,
		"GET /",
		"GET /items", "POST /items",
		"GET /items/{id}", "DELETE /items/{id}", "ANY /items/{id}",
		"GET /items/special/edit",
		"GET /items/{id}/reviews",
		"GET /users/me/settings", "GET /users/{userId}/profile",
		"GET /files/readme", "ANY /files/{proxy+}",
		"GET /docs/{section}", "ANY /docs/{path+}",
		"GET /a/{b}/c/{d}",
		"GET /b",
	)
	p := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	routerRun(t, r, []routerCase{
		{"root", "GET", "/", "GET /", nil},
		{"root as the bare stage", "GET", "", "GET /", nil},
		{"root with extra slashes", "GET", "//", "GET /", nil},
		{"root method missing, no ANY", "POST", "/", "", nil},
		{"static", "GET", "/items", "GET /items", nil},
		{"static other method", "POST", "/items", "POST /items", nil},
		{"HEAD does not fall back to GET", "HEAD", "/items", "", nil},
		{"method missing, no ANY", "DELETE", "/items", "", nil},
		// AWS ignores trailing slashes on REST APIs (see Router).
		{"trailing slash ignored", "GET", "/items/", "GET /items", nil},
		{"trailing slashes ignored", "GET", "/items//", "GET /items", nil},
		{"param", "GET", "/items/42", "GET /items/{id}", p("id", "42")},
		{"param trailing slash", "GET", "/items/42/", "GET /items/{id}", p("id", "42")},
		{"param own method beats ANY", "DELETE", "/items/42", "DELETE /items/{id}", p("id", "42")},
		{"ANY fallback", "PATCH", "/items/42", "ANY /items/{id}", p("id", "42")},
		{"literal beats param", "GET", "/items/special/edit", "GET /items/special/edit", nil},
		{"literal dead end backtracks to param", "GET", "/items/special/reviews", "GET /items/{id}/reviews", p("id", "special")},
		{"backtracking one level down", "GET", "/users/me/profile", "GET /users/{userId}/profile", p("userId", "me")},
		{"literal match", "GET", "/users/me/settings", "GET /users/me/settings", nil},
		// /items/special is a resource (the parent of /items/special/edit)
		// with no methods: the path resolves to it, and then fails on the
		// method, as API Gateway does; it is not given to /items/{id}.
		{"implicit resource has no methods", "GET", "/items/special", "", nil},
		{"implicit resource /users/me", "GET", "/users/me", "", nil},
		{"empty segment is not a param", "GET", "/items//reviews", "", nil},
		{"multiple params", "GET", "/a/1/c/2", "GET /a/{b}/c/{d}", p("b", "1", "d", "2")},
		{"literal beats greedy", "GET", "/files/readme", "GET /files/readme", nil},
		// The resource is /files/readme; its missing POST does not fall
		// through to the greedy sibling.
		{"literal resource without the method", "POST", "/files/readme", "", nil},
		{"greedy one segment", "GET", "/files/x", "ANY /files/{proxy+}", p("proxy", "x")},
		{"greedy many segments", "PUT", "/files/a/b/c", "ANY /files/{proxy+}", p("proxy", "a/b/c")},
		{"greedy below a literal", "GET", "/files/readme/more", "ANY /files/{proxy+}", p("proxy", "readme/more")},
		{"greedy trailing slash stripped", "GET", "/files/a/b/", "ANY /files/{proxy+}", p("proxy", "a/b")},
		{"greedy keeps inner empty segments", "GET", "/files/a//b", "ANY /files/{proxy+}", p("proxy", "a//b")},
		{"greedy not the parent", "GET", "/files", "", nil},
		{"greedy not the parent with slash", "GET", "/files/", "", nil},
		{"param beats greedy", "GET", "/docs/intro", "GET /docs/{section}", p("section", "intro")},
		{"param dead end falls to greedy", "GET", "/docs/intro/more", "ANY /docs/{path+}", p("path", "intro/more")},
		{"param method missing falls to its resource only", "POST", "/docs/intro", "", nil},
		{"encoded slash stays in the segment", "GET", "/items/a%2Fb", "GET /items/{id}", p("id", "a/b")},
		{"encoded slash in greedy", "GET", "/files/a%2Fb/c", "ANY /files/{proxy+}", p("proxy", "a/b/c")},
		{"escaped UTF-8 param", "GET", "/items/%E2%9C%93", "GET /items/{id}", p("id", "✓")},
		{"raw UTF-8 param", "GET", "/items/✓", "GET /items/{id}", p("id", "✓")},
		{"mixed escaped and raw", "GET", "/a/%C3%A9t%C3%A9/c/caf%C3%A9%20au%20lait", "GET /a/{b}/c/{d}", p("b", "été", "d", "café au lait")},
		{"plus is not a space", "GET", "/items/a+b", "GET /items/{id}", p("id", "a+b")},
		{"escaped percent", "GET", "/items/100%25", "GET /items/{id}", p("id", "100%")},
		{"lower-case hex", "GET", "/items/%e2%9c%93", "GET /items/{id}", p("id", "✓")},
		{"escaped literal", "GET", "/it%65ms", "GET /items", nil},
		{"escaped literal with param", "GET", "/%69tems/x%41", "GET /items/{id}", p("id", "xA")},
		{"bad escape", "GET", "/items/%ZZ", "", nil},
		{"truncated escape", "GET", "/items/%4", "", nil},
		{"lone percent", "GET", "/items/%", "", nil},
		{"bad escape in a literal", "GET", "/items%G1", "", nil},
		{"invalid UTF-8 escaped", "GET", "/items/%FF", "", nil},
		{"truncated UTF-8 escaped", "GET", "/items/%E2%9C", "", nil},
		{"overlong UTF-8", "GET", "/items/%C0%AF", "", nil},
		{"UTF-16 surrogate", "GET", "/items/%ED%A0%80", "", nil},
		{"invalid raw UTF-8", "GET", "/items/\xff", "", nil},
		{"invalid UTF-8 in greedy", "GET", "/files/a/%FF", "", nil},
		{"dot dot is a literal segment", "GET", "/a/../b", "", nil},
		{"dot dot as a param", "GET", "/items/..", "GET /items/{id}", p("id", "..")},
		{"dot as a param", "GET", "/items/.", "GET /items/{id}", p("id", ".")},
		{"dot segment before a literal", "GET", "/./items", "", nil},
		{"dot dot in greedy", "GET", "/files/../../etc/passwd", "ANY /files/{proxy+}", p("proxy", "../../etc/passwd")},
		{"escaped dot dot", "GET", "/items/%2E%2E", "GET /items/{id}", p("id", "..")},
		{"case-sensitive", "GET", "/Items", "", nil},
		{"no leading slash", "GET", "items", "", nil},
		{"unsupported method", "TRACE", "/items", "", nil},
		{"lower-case method", "get", "/items", "", nil},
		{"empty method", "", "/items", "", nil},
		{"unknown path", "GET", "/nope", "", nil},
		{"too deep", "GET", "/items/1/reviews/2", "", nil},
		{"query is not stripped here", "GET", "/items?x=1", "", nil},
	})
}

func TestRouterRESTRootGreedy(t *testing.T) {
	r := routerMust(t, REST, "GET /", "ANY /{proxy+}", "GET /items")
	routerRun(t, r, []routerCase{
		{"root route", "GET", "/", "GET /", nil},
		// ANY /{proxy+} does not match "/" (reference §5).
		{"greedy does not match root", "POST", "/", "", nil},
		{"greedy", "POST", "/x/y", "ANY /{proxy+}", map[string]string{"proxy": "x/y"}},
		{"literal resource wins, no fallback to greedy", "POST", "/items", "", nil},
		{"below the literal", "POST", "/items/1", "ANY /{proxy+}", map[string]string{"proxy": "items/1"}},
	})
	only := routerMust(t, REST, "ANY /{proxy+}")
	routerRun(t, only, []routerCase{
		{"root without a root method", "GET", "/", "", nil},
		{"bare stage", "GET", "", "", nil},
		{"one segment", "GET", "/a", "ANY /{proxy+}", map[string]string{"proxy": "a"}},
	})
}

func TestRouterHTTP(t *testing.T) {
	// The example of the HTTP API developer guide ("Routing API requests").
	doc := routerMust(t, HTTP,
		"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "ANY $default")
	routerRun(t, doc, []routerCase{
		{"static", "GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"param", "GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"greedy", "GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"ANY greedy", "POST", "/test/5", "ANY /{proxy+}", map[string]string{"proxy": "test/5"}},
		{"method mismatch skips to a greedy route", "POST", "/pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/dog/1"}},
		{"root is not under /{proxy+}", "GET", "/", "ANY $default", nil},
		{"bare stage", "GET", "", "ANY $default", nil},
		{"invalid escape reaches nothing, not even $default", "GET", "/%ZZ", "", nil},
		{"unsupported method reaches nothing", "TRACE", "/x", "", nil},
	})

	r := routerMust(t, HTTP,
		"GET /items", "ANY /items", "POST /items/{id}", "GET /{a}/{b}",
		"GET /a/{proxy+}", "GET /a/b/{proxy+}", "GET /{x}/b/c",
		"GET /{p}/{q}/z/{proxy+}", "GET /m/{proxy+}",
		"GET /metrics/{proxy+}",
	)
	routerRun(t, r, []routerCase{
		{"exact method", "GET", "/items", "GET /items", nil},
		{"ANY on the same path", "DELETE", "/items", "ANY /items", nil},
		// HTTP APIs keep the trailing slash significant (see Router).
		{"trailing slash significant", "GET", "/items/", "", nil},
		{"method-specific param route", "POST", "/items/5", "POST /items/{id}", map[string]string{"id": "5"}},
		{"a route without the method is skipped", "GET", "/items/5", "GET /{a}/{b}", map[string]string{"a": "items", "b": "5"}},
		{"longest greedy prefix", "GET", "/a/b/c/d", "GET /a/b/{proxy+}", map[string]string{"proxy": "c/d"}},
		{"shorter greedy", "GET", "/a/x/y", "GET /a/{proxy+}", map[string]string{"proxy": "x/y"}},
		{"full match beats a deeper greedy", "GET", "/a/b/c", "GET /{x}/b/c", map[string]string{"x": "a"}},
		{"longest prefix through params", "GET", "/m/n/z/w", "GET /{p}/{q}/z/{proxy+}", map[string]string{"p": "m", "q": "n", "proxy": "w"}},
		{"greedy tie goes to the literal prefix", "GET", "/m/q/y/w", "GET /m/{proxy+}", map[string]string{"proxy": "q/y/w"}},
		{"greedy not the parent", "GET", "/metrics", "", nil},
		{"greedy takes the empty segment after the parent", "GET", "/metrics/", "GET /metrics/{proxy+}", map[string]string{"proxy": ""}},
		{"greedy method mismatch", "POST", "/a/x", "", nil},
		{"no route, no $default", "GET", "/nope/x/y", "", nil},
		{"encoded slash stays in a param", "GET", "/a/x%2Fy", "GET /{a}/{b}", map[string]string{"a": "a", "b": "x/y"}},
		{"encoded slash in greedy", "GET", "/a/x%2Fy/z", "GET /a/{proxy+}", map[string]string{"proxy": "x/y/z"}},
		{"dot dot not normalized", "GET", "/a/../items", "GET /a/{proxy+}", map[string]string{"proxy": "../items"}},
	})

	def := routerMust(t, HTTP, "ANY $default", "GET /x")
	routerRun(t, def, []routerCase{
		{"default", "PUT", "/anything/at/all", "ANY $default", nil},
		{"default root", "GET", "/", "ANY $default", nil},
		{"route first", "GET", "/x", "GET /x", nil},
		{"default for another method", "POST", "/x", "ANY $default", nil},
		{"trailing slash goes to default", "GET", "/x/", "ANY $default", nil},
	})
}

// Routes that differ only in parameter names are the same route to API
// Gateway; with different methods they may coexist, and each reports its
// own names.
func TestRouterParamNamesPerRoute(t *testing.T) {
	for _, proto := range []Protocol{REST, HTTP} {
		r := routerMust(t, proto, "GET /items/{id}", "DELETE /items/{itemId}")
		routerRun(t, r, []routerCase{
			{string(proto) + " GET", "GET", "/items/1", "GET /items/{id}", map[string]string{"id": "1"}},
			{string(proto) + " DELETE", "DELETE", "/items/1", "DELETE /items/{itemId}", map[string]string{"itemId": "1"}},
		})
	}
}

func TestRouterNewErrors(t *testing.T) {
	cases := []struct {
		name   string
		proto  Protocol
		routes []Route
		want   []string // substrings of the error
	}{
		{"conflict after normalizing names", REST, routerRoutes("GET /items/{id}", "GET /items/{name}"),
			[]string{`"GET /items/{id}"`, `"GET /items/{name}"`, "conflict"}},
		{"greedy names conflict", HTTP, routerRoutes("ANY /{proxy+}", "ANY /{rest+}"),
			[]string{`"ANY /{proxy+}"`, `"ANY /{rest+}"`}},
		{"exact duplicate", REST, routerRoutes("POST /a", "POST /a"), []string{`"POST /a"`, "conflict"}},
		{"pointer named", REST, []Route{
			{Method: "GET", Path: "/a/{x}", Pointer: "/paths/~1a~1{x}/get"},
			{Method: "GET", Path: "/a/{y}", Pointer: "/paths/~1a~1{y}/get"},
		}, []string{"/paths/~1a~1{x}/get", "/paths/~1a~1{y}/get"}},
		{"lower-case method", REST, routerRoutes("get /a"), []string{"upper-case"}},
		{"unknown method", HTTP, routerRoutes("FETCH /a"), []string{"unknown method", "FETCH"}},
		{"empty method", HTTP, routerRoutes(" /a"), []string{"unknown method"}},
		{"$default on REST", REST, routerRoutes("ANY $default"), []string{"$default", "HTTP"}},
		{"$default with a method", HTTP, routerRoutes("GET $default"), []string{"ANY"}},
		{"two $default", HTTP, routerRoutes("ANY $default", "ANY $default"), []string{"conflict"}},
		{"no leading slash", REST, routerRoutes("GET items"), []string{"start with /"}},
		{"empty path", REST, routerRoutes("GET "), []string{"start with /"}},
		{"trailing slash", REST, routerRoutes("GET /items/"), []string{"end with /"}},
		{"empty segment", REST, routerRoutes("GET /a//b"), []string{"empty segment"}},
		{"greedy not last", REST, routerRoutes("GET /{proxy+}/x"), []string{"last"}},
		{"empty param", REST, routerRoutes("GET /{}"), []string{"bad path parameter"}},
		{"empty greedy", REST, routerRoutes("GET /{+}"), []string{"bad path parameter"}},
		{"plus inside", REST, routerRoutes("GET /{a+b}"), []string{"bad path parameter"}},
		{"repeated param", REST, routerRoutes("GET /{id}/x/{id}"), []string{"twice"}},
		{"partial segment param", REST, routerRoutes("GET /file.{ext}"), []string{"whole segment"}},
		{"invalid UTF-8", REST, routerRoutes("GET /\xff"), []string{"UTF-8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewRouter(c.proto, c.routes)
			if err == nil {
				t.Fatal("NewRouter succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := NewRouter("WEBSOCKET", nil); err == nil {
		t.Error("unknown protocol accepted")
	}
	// Not conflicts: another method, or ANY beside a method.
	if _, err := NewRouter(REST, routerRoutes("GET /a/{x}", "POST /a/{y}", "ANY /a/{z}", "GET /a/b")); err != nil {
		t.Errorf("distinct routes rejected: %v", err)
	}
	if _, err := NewRouter(HTTP, nil); err != nil {
		t.Errorf("empty API rejected: %v", err)
	}
}

// The Router keeps its own copy of the routes: changing the caller's slice
// afterwards changes nothing.
func TestRouterOwnsRoutes(t *testing.T) {
	routes := routerRoutes("GET /a")
	r, err := NewRouter(REST, routes)
	if err != nil {
		t.Fatal(err)
	}
	routes[0].Path, routes[0].OperationName = "/b", "changed"
	rt, _, ok := r.Match("GET", "/a")
	if !ok || rt.OperationName != "GET /a" || rt.Path != "/a" {
		t.Fatalf("got %+v, %v", rt, ok)
	}
}

func TestRouterMethods(t *testing.T) {
	rest := routerMust(t, REST,
		"GET /items", "POST /items", "GET /items/{id}", "DELETE /items/{id}", "ANY /items/{id}",
		"GET /items/special/edit", "ANY /files/{proxy+}", "OPTIONS /files/{proxy+}")
	http := routerMust(t, HTTP, "GET /items", "ANY /items", "POST /items/{id}", "GET /a/{proxy+}", "ANY $default")
	cases := []struct {
		r    *Router
		path string
		want []string
	}{
		{rest, "/items", []string{"GET", "POST"}},
		{rest, "/items/", []string{"GET", "POST"}},
		{rest, "/items/42", []string{"ANY", "DELETE", "GET"}},
		{rest, "/items/special", nil},
		{rest, "/files/a/b", []string{"ANY", "OPTIONS"}},
		{rest, "/files", nil},
		{rest, "/", nil},
		{rest, "/nope", nil},
		{rest, "/items/%ZZ", nil},
		{http, "/items", []string{"ANY", "GET"}},
		{http, "/items/1", []string{"POST"}},
		{http, "/a/b/c", []string{"GET"}},
		{http, "/elsewhere", nil},
		{http, "/items/", nil},
	}
	for _, c := range cases {
		got := c.r.Methods(c.path)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s Methods(%q) = %q; want %q", c.r.proto, c.path, got, c.want)
		}
	}
	// The caller gets a copy.
	m := rest.Methods("/items")
	m[0] = "X"
	if rest.Methods("/items")[0] != "GET" {
		t.Error("Methods returned the router's own slice")
	}
}

func TestRouterLongPaths(t *testing.T) {
	segs := strings.Repeat("/a", 10_000)
	rest := routerMust(t, REST, "GET /a/{id}", "ANY /a/b/{proxy+}", "ANY /x/{proxy+}")
	if _, _, ok := rest.Match("GET", segs); ok {
		t.Error("10,000 segments matched a two-segment template")
	}
	rt, params, ok := rest.Match("GET", "/x"+segs)
	if !ok || rt.Path != "/x/{proxy+}" || params["proxy"] != segs[1:] {
		t.Errorf("10,000-segment greedy: %v %v (len %d)", rt, ok, len(params["proxy"]))
	}

	// A template 10,000 segments deep: the trie (and the recursion) is that
	// deep, which goroutine stacks absorb.
	deep := strings.Repeat("/a", 9_999) + "/{last}"
	r, err := NewRouter(HTTP, []Route{{Method: "GET", Path: deep}, {Method: "GET", Path: "/{proxy+}"}})
	if err != nil {
		t.Fatal(err)
	}
	if rt, params, ok := r.Match("GET", strings.Repeat("/a", 10_000)); !ok || rt.Path != deep || params["last"] != "a" {
		t.Errorf("deep template: %v %v %v", rt, params, ok)
	}
	if rt, _, ok := r.Match("GET", strings.Repeat("/a", 10_001)); !ok || rt.Path != "/{proxy+}" {
		t.Errorf("deep template, one segment more: %v %v", rt, ok)
	}

	// 1 MB: one huge segment, many small ones, escaped, and broken at the
	// very end.
	mb := 1 << 20
	huge := strings.Repeat("x", mb)
	if rt, params, ok := rest.Match("GET", "/a/"+huge); !ok || rt.Path != "/a/{id}" || len(params["id"]) != mb {
		t.Errorf("1 MB segment: %v %v", rt, ok)
	}
	many := strings.Repeat("/ab", mb/3)
	if rt, params, ok := rest.Match("PUT", "/x"+many); !ok || params["proxy"] != many[1:] {
		t.Errorf("1 MB of segments: %v %v", rt, ok)
	}
	escaped := strings.Repeat("%41", mb/3)
	if _, params, ok := rest.Match("GET", "/a/"+escaped); !ok || params["id"] != strings.Repeat("A", mb/3) {
		t.Errorf("1 MB escaped segment: ok=%v len=%d", ok, len(params["id"]))
	}
	if _, _, ok := rest.Match("GET", "/a/"+huge+"%Z"); ok {
		t.Error("1 MB segment with a bad escape at the end matched")
	}
	if _, _, ok := rest.Match("GET", "/nowhere/"+huge); ok {
		t.Error("1 MB miss matched")
	}
}

// routerSink keeps results alive so the compiler cannot optimize allocation
// away in the allocation tests.
var routerSink map[string]string

func TestRouterAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	r := routerMust(t, REST, "GET /items", "GET /items/{id}", "ANY /files/{proxy+}", "GET /a/{b}/c/{d}")
	h := routerMust(t, HTTP, "GET /items", "GET /items/{id}", "ANY /files/{proxy+}", "ANY $default")
	names := []string{"b", "d", "e", "f"}
	mapAllocs := func(n int) float64 {
		return testing.AllocsPerRun(100, func() {
			m := make(map[string]string, n)
			for i := range n {
				m[names[i]] = "v"
			}
			routerSink = m
		})
	}
	cases := []struct {
		r            *Router
		method, path string
		max          float64
	}{
		{r, "GET", "/items", 0},
		{r, "GET", "/items/", 0},
		{r, "GET", "/it%65ms", 0},
		{r, "GET", "/nope", 0},
		{r, "GET", "/items/%ZZ", 0},
		{h, "GET", "/items", 0},
		{h, "GET", "/elsewhere/x", 0},
		{r, "GET", "/items/42", mapAllocs(1)},
		{r, "GET", "/a/1/c/2", mapAllocs(2)},
		{r, "GET", "/files/a/b/c", mapAllocs(1)},
		{h, "GET", "/items/42", mapAllocs(1)},
		// A percent-encoded value costs one buffer more.
		{r, "GET", "/items/a%2Fb", mapAllocs(1) + 1},
		{r, "GET", "/a/%C3%A9/c/%C3%A9", mapAllocs(2) + 1},
	}
	for _, c := range cases {
		got := testing.AllocsPerRun(200, func() {
			_, routerSink, _ = c.r.Match(c.method, c.path)
		})
		if got > c.max {
			t.Errorf("%s %s %s: %v allocations, want <= %v", c.r.proto, c.method, c.path, got, c.max)
		}
	}
}

// TestRouterConcurrent runs matches from many goroutines on routers that
// are swapped atomically underneath them, as a redeploy does; run with
// -race.
func TestRouterConcurrent(t *testing.T) {
	a := routerMust(t, REST, "GET /items/{id}", "ANY /files/{proxy+}", "GET /")
	b := routerMust(t, REST, "GET /items/{id}", "ANY /files/{proxy+}", "GET /", "POST /items")
	var cur atomic.Pointer[Router]
	cur.Store(a)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := cur.Load()
				id := fmt.Sprint(g*1_000_000 + i)
				rt, params, ok := r.Match("GET", "/items/"+id)
				if !ok || rt.Path != "/items/{id}" || params["id"] != id {
					errs <- fmt.Errorf("GET /items/%s: %v %v %v", id, rt, params, ok)
					return
				}
				// Mutating the returned map must not affect other matches.
				params["id"] = "mine"
				if _, params, _ := r.Match("PUT", "/files/a/"+id); params["proxy"] != "a/"+id {
					errs <- fmt.Errorf("greedy: %v", params)
					return
				}
				if _, _, ok := r.Match("POST", "/items"); ok != (r == b) {
					errs <- fmt.Errorf("POST /items on router b=%v: %v", r == b, ok)
					return
				}
				_ = r.Methods("/items/" + id)
			}
		}()
	}
	for i := range 2000 {
		if i%2 == 0 {
			cur.Store(b)
		} else {
			cur.Store(a)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzMatch checks that no method and path make Match or Methods panic,
// and that whatever matches is consistent: the parameters are exactly the
// template's, and putting them back into the template (escaped) gives a
// path that the template alone accepts with the same values.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"/", "", "//", "/items", "/items/", "/items/42", "/items/a%2Fb", "/items/%E2%9C%93",
		"/items/%ZZ", "/items/%", "/files/a/b/c", "/files", "/a/../b", "/users/me/profile",
		"/pets/cat/1", "/metrics/", "/x/1/2/3", "/items/\xff", "/%C0%AF", "/a/b/c",
		strings.Repeat("/a", 100),
	} {
		for _, m := range []string{"GET", "POST", "DELETE", "TRACE"} {
			f.Add(m, s)
		}
	}
	routers := map[Protocol]*Router{
		REST: routerMust(f, REST,
			"GET /", "GET /items", "POST /items", "GET /items/{id}", "ANY /items/{id}",
			"GET /items/special/edit", "GET /items/{id}/reviews", "GET /users/me/settings",
			"GET /users/{userId}/profile", "ANY /files/{proxy+}", "GET /files/readme",
			"GET /docs/{section}", "ANY /docs/{path+}", "GET /a/{b}/c/{d}", "ANY /x/{p}/{rest+}"),
		HTTP: routerMust(f, HTTP,
			"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}",
			"GET /items", "ANY /items", "POST /items/{id}", "GET /{a}/{b}", "GET /a/b/{proxy+}",
			"GET /{x}/b/c", "GET /metrics/{proxy+}", "ANY $default"),
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		for proto, r := range routers {
			_ = r.Methods(path)
			rt, params, ok := r.Match(method, path)
			if !ok {
				if rt != nil || params != nil {
					t.Fatalf("%s: no match but %v %v", proto, rt, params)
				}
				continue
			}
			if rt.Path == "$default" {
				if params != nil {
					t.Fatalf("%s: $default with params %v", proto, params)
				}
				continue
			}
			segs, err := routerParseTemplate(rt.Path)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			names := 0
			for _, s := range segs {
				b.WriteByte('/')
				switch s.kind {
				case routerLiteralSeg:
					b.WriteString(url.PathEscape(s.text))
				default:
					v, ok := params[s.text]
					if !ok {
						t.Fatalf("%s %s %q: route %s matched without param %q: %v", proto, method, path, rt.Path, s.text, params)
					}
					if s.kind == routerParamSeg && v == "" {
						t.Fatalf("%s %s %q: empty {%s}", proto, method, path, s.text)
					}
					names++
					b.WriteString(url.PathEscape(v))
				}
			}
			if names != len(params) {
				t.Fatalf("%s %s %q: params %v do not fit %s", proto, method, path, params, rt.Path)
			}
			rebuilt := b.String()
			if rebuilt == "" {
				rebuilt = "/"
			}
			alone, err := NewRouter(proto, []Route{*rt})
			if err != nil {
				t.Fatal(err)
			}
			rt2, params2, ok := alone.Match(method, rebuilt)
			if !ok || rt2.Path != rt.Path || !maps.Equal(params, params2) {
				t.Fatalf("%s %s %q matched %s with %q; rebuilt %q gives %v %q %v",
					proto, method, path, rt.Path, params, rebuilt, rt2, params2, ok)
			}
		}
	})
}
