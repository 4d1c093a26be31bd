package gateway

import (
	"fmt"
	"testing"
)

// routerBenchKeys is a 50-route API shaped like a real one: CRUD on a
// dozen collections, nested resources, a few static endpoints and a greedy
// catch-all for static files.
func routerBenchKeys() []string {
	keys := []string{"GET /", "GET /health", "GET /version", "ANY /static/{proxy+}"}
	collections := []string{"users", "orders", "products", "invoices", "carts", "reviews", "tickets", "projects", "teams"}
	for _, c := range collections {
		keys = append(keys,
			"GET /"+c, "POST /"+c,
			"GET /"+c+"/{id}", "PUT /"+c+"/{id}", "DELETE /"+c+"/{id}")
	}
	keys = append(keys,
		"GET /users/{id}/orders", "GET /users/me",
		"GET /orders/{orderId}/items/{itemId}", "ANY /admin/{proxy+}",
		"GET /search", "POST /auth/token")
	return keys
}

// BenchmarkMatch measures Match on a 50-route API, for each protocol, on a
// static route, a route with a parameter, a greedy route and a miss.
func BenchmarkMatch(b *testing.B) {
	keys := routerBenchKeys()
	if len(keys) < 50 {
		b.Fatalf("%d routes", len(keys))
	}
	for _, proto := range []Protocol{REST, HTTP} {
		r := routerMust(b, proto, keys...)
		for _, c := range []struct{ name, method, path string }{
			{"static", "GET", "/products"},
			{"param", "GET", "/orders/8f14e45f/items/42"},
			{"greedy", "GET", "/static/css/site/main.css"},
			{"miss", "GET", "/nope/nothing/here"},
			{"escaped", "GET", "/users/j%C3%BCrgen%40example.com"},
		} {
			b.Run(fmt.Sprintf("%s/%s", proto, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, routerSink, _ = r.Match(c.method, c.path)
				}
			})
		}
	}
}

// BenchmarkRouterParamsMap is the cost of the two-entry map the "param"
// case of BenchmarkMatch returns, built alone: subtract it to see the
// router's own share.
func BenchmarkRouterParamsMap(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m := make(map[string]string, 2)
		m["orderId"], m["itemId"] = "8f14e45f", "42"
		routerSink = m
	}
}
