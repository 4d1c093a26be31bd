package gateway

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func httpSample() *RequestInfo {
	ri := eventInfo(eventRequest("POST", "/prod/items/42?limit=10&tag=a&tag=b&q=hello+world%21", eventBody), eventBody)
	ri.Authorizer = &AuthorizerContext{
		Claims: map[string]string{"sub": "u-1", "client_id": "c-1", "scope": "items/read items/write", "exp": "1583352917"},
		Scopes: []string{"items/read"},
	}
	return ri
}

func TestEventHTTPGolden(t *testing.T) {
	checkGolden(t, "http_jwt.json", AppendHTTPEvent(nil, httpSample()))

	lambda := httpSample()
	lambda.Stage = "$default"
	lambda.Route = &Route{Method: "ANY", Path: "$default"}
	lambda.PathParams, lambda.StageVariables = nil, nil
	lambda.Authorizer = &AuthorizerContext{Lambda: true, Context: map[string]any{
		"tenant": "t1", "admin": true, "quota": json.Number("10"), "ratio": 0.5, "none": nil,
	}}
	checkGolden(t, "http_lambda.json", AppendHTTPEvent(nil, lambda))
}

func TestEventHTTPDecodes(t *testing.T) {
	var got events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(AppendHTTPEvent(nil, httpSample()), &got); err != nil {
		t.Fatal(err)
	}
	trace := "Root=1-5e5ffe45-c6af9ac67b6111e69a4193e8"
	want := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /items/{id}", RawPath: "/prod/items/42",
		RawQueryString: "limit=10&tag=a&tag=b&q=hello+world%21",
		Cookies:        []string{"session=abc", "theme=dark"},
		Headers: map[string]string{
			"accept": "application/json", "accept-encoding": "gzip, deflate", "accept-language": "en-GB,en;q=0.9",
			"authorization": "eyJraWQiOiJrMSJ9.eyJzdWIiOiJ1MSJ9.c2ln", "cache-control": "no-cache",
			"content-length": "17", "content-type": "application/json",
			"host": "abc123.execute-api.us-east-1.amazonaws.com", "origin": "https://app.example.com",
			"user-agent": "Mozilla/5.0 (X11; Linux x86_64)", "x-custom": "one,two",
			"x-forwarded-for": "203.0.113.7", "x-forwarded-port": "80", "x-forwarded-proto": "http",
			"x-amzn-trace-id": trace,
		},
		QueryStringParameters: map[string]string{"limit": "10", "tag": "a,b", "q": "hello world!"},
		PathParameters:        map[string]string{"id": "42"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "POST /items/{id}", AccountID: "123456789012", Stage: "prod",
			RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{"sub": "u-1", "client_id": "c-1", "scope": "items/read items/write", "exp": "1583352917"},
					Scopes: []string{"items/read"},
				},
			},
			APIID: "abc123", DomainName: "abc123.execute-api.us-east-1.amazonaws.com", DomainPrefix: "abc123",
			Time: "04/Mar/2020:19:15:17 +0000", TimeEpoch: 1583349317135,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "POST", Path: "/prod/items/42", Protocol: "HTTP/1.1",
				SourceIP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
			},
		},
		StageVariables:  map[string]string{"env": "prod", "table": "items"},
		Body:            eventBody,
		IsBase64Encoded: false,
	}
	assertSame(t, got, want)
}

func TestEventHTTPLambdaAuthorizer(t *testing.T) {
	ri := httpSample()
	ri.Authorizer = &AuthorizerContext{Lambda: true, PrincipalID: "p-1",
		Context: map[string]any{"tenant": "t1", "admin": true, "quota": json.Number("10"), "nested": map[string]any{"a": 1}}}
	var got events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(AppendHTTPEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	assertSame(t, got.RequestContext.Authorizer.Lambda, map[string]any{
		"principalId": "p-1", "tenant": "t1", "admin": true, "quota": float64(10), "nested": map[string]any{"a": float64(1)},
	})
	if got.RequestContext.Authorizer.JWT != nil {
		t.Error("Lambda authorizer event has jwt")
	}
}

// TestEventHTTPBodyEncoding pins which request bodies an HTTP API passes
// as text: text/*, application/json, /xml and /javascript only.
func TestEventHTTPBodyEncoding(t *testing.T) {
	for ct, text := range map[string]bool{
		"text/plain": true, "text/html; charset=utf-8": true, "TEXT/CSV": true,
		"application/json": true, "application/json; charset=utf-8": true, "application/xml": true,
		"application/javascript": true,
		"":                       false, "application/x-www-form-urlencoded": false, "application/octet-stream": false,
		"image/png": false, "multipart/form-data; boundary=x": false, "application/vnd.api+json": false,
		"json": false,
	} {
		r := httptest.NewRequest("POST", "/x", strings.NewReader("a=1"))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		ri := &RequestInfo{Req: r, Body: []byte("a=1"), RawPath: "/x", Route: &Route{Method: "POST", Path: "/x"},
			Stage: "$default", Time: eventTime}
		var got events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(AppendHTTPEvent(nil, ri), &got); err != nil {
			t.Fatal(err)
		}
		wantBody := "a=1"
		if !text {
			wantBody = "YT0x"
		}
		if got.IsBase64Encoded == text || got.Body != wantBody {
			t.Errorf("Content-Type %q: body %q base64 %v", ct, got.Body, got.IsBase64Encoded)
		}
		if got.RawPath != "/x" || got.RouteKey != "POST /x" {
			t.Errorf("$default stage: rawPath %q routeKey %q", got.RawPath, got.RouteKey)
		}
	}
}

func TestEventHTTPHeaderMerging(t *testing.T) {
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header["X-Dup"] = []string{"a", "b"}
	r.Header["x-dup"] = []string{"c"} // a non-canonical spelling, as code can set
	r.Header["X-Forwarded-For"] = []string{"198.51.100.1", "198.51.100.2"}
	r.Header.Add("Cookie", "a=1")
	r.Header.Add("Cookie", " b=2 ;; c=3")
	ri := &RequestInfo{Req: r, RawPath: "/x", Route: &Route{Method: "GET", Path: "/x"}, Stage: "$default",
		SourceIP: "10.0.0.1", Time: eventTime}
	var got events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(AppendHTTPEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	if got.Headers["x-dup"] != "a,b,c" || got.Headers["x-forwarded-for"] != "198.51.100.1, 198.51.100.2, 10.0.0.1" {
		t.Errorf("headers %q", got.Headers)
	}
	if _, ok := got.Headers["cookie"]; ok {
		t.Error("cookie header kept in headers")
	}
	assertSame(t, got.Cookies, []string{"a=1", "b=2", "c=3"})
}

func BenchmarkAppendHTTPEvent(b *testing.B) {
	ri := httpSample()
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendHTTPEvent(buf[:0], ri)
	}
	b.SetBytes(int64(len(buf)))
}
