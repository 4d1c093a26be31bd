package gateway

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

var updateGolden = flag.Bool("update-events", false, "rewrite testdata/events golden files")

var eventTime = time.Date(2020, time.March, 4, 19, 15, 17, 135e6, time.UTC)

// eventRequest is a realistic request: ten client headers (one repeated),
// a query with a repeated and an escaped parameter, a path parameter.
func eventRequest(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Host = "abc123.execute-api.us-east-1.amazonaws.com"
	h := r.Header
	h.Set("Accept", "application/json")
	h.Set("Accept-Encoding", "gzip, deflate")
	h.Set("Accept-Language", "en-GB,en;q=0.9")
	h.Set("Authorization", "eyJraWQiOiJrMSJ9.eyJzdWIiOiJ1MSJ9.c2ln")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "application/json")
	h.Set("Origin", "https://app.example.com")
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
	h.Add("X-Custom", "one")
	h.Add("X-Custom", "two")
	h.Set("Content-Length", "17")
	h.Set("Connection", "keep-alive")
	h.Set("Cookie", "session=abc; theme=dark")
	return r
}

func eventInfo(r *http.Request, body string) *RequestInfo {
	return &RequestInfo{
		Req: r, Body: []byte(body), RawPath: "/items/42",
		Route:      &Route{Method: "POST", Path: "/items/{id}"},
		PathParams: map[string]string{"id": "42"},
		APIID:      "abc123", Stage: "prod", AccountID: "123456789012", Region: "us-east-1",
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", ExtendedRequestID: "TWegAcC4EowCHnA=",
		DomainName: "abc123.execute-api.us-east-1.amazonaws.com", DomainPrefix: "abc123",
		SourceIP: "203.0.113.7", Time: eventTime,
		StageVariables: map[string]string{"env": "prod", "table": "items"},
	}
}

func cognitoAuthorizer() *AuthorizerContext {
	return &AuthorizerContext{Claims: CognitoClaims(map[string]any{
		"sub": "10b4786a-a220-4476-90ce-df95cb18fe74", "aud": "5aa218vcdflmohh3qhrtr0mj78",
		"cognito:groups": []any{"anotherGroup", "admin"}, "token_use": "id",
		"auth_time": float64(1574911451), "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AAPZcQ593",
		"cognito:username": "alice", "exp": float64(1574915051), "iat": float64(1574911451),
		"email": "alice@example.com", "email_verified": true,
	})}
}

const eventBody = `{"name":"widget"}`

func restSample() *RequestInfo {
	ri := eventInfo(eventRequest("POST", "/prod/items/42?limit=10&tag=a&tag=b&q=hello+world%21", eventBody), eventBody)
	ri.Authorizer = cognitoAuthorizer()
	return ri
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	if !json.Valid(got) {
		t.Fatalf("%s: invalid JSON:\n%s", name, got)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "events", name)
	if *updateGolden {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-events to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, pretty.Bytes())
	}
}

func TestEventRESTGolden(t *testing.T) {
	checkGolden(t, "rest_cognito.json", AppendRESTEvent(nil, restSample()))

	open := eventInfo(eventRequest("GET", "/prod/items/42", ""), "")
	open.StageVariables = nil
	open.Route = &Route{Method: "ANY", Path: "/{proxy+}", OperationName: "getItem"}
	open.PathParams = map[string]string{"proxy": "items/42"}
	checkGolden(t, "rest_open.json", AppendRESTEvent(nil, open))

	lambda := restSample()
	lambda.Authorizer = &AuthorizerContext{Lambda: true, PrincipalID: "user-1", IntegrationLatency: 12,
		Context: map[string]any{"tenant": "t1", "admin": true, "quota": json.Number("10"), "ratio": 0.5}}
	checkGolden(t, "rest_lambda.json", AppendRESTEvent(nil, lambda))

	checkGolden(t, "authorizer_request.json",
		AppendAuthorizerRequestEvent(nil, restSample(), "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/items/42"))
	checkGolden(t, "authorizer_token.json",
		AppendAuthorizerTokenEvent(nil, "Bearer abc.def", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items"))
}

// TestEventRESTDecodes reads the event as aws-lambda-go (how Go
// handlers see it) and checks every field.
func TestEventRESTDecodes(t *testing.T) {
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(AppendRESTEvent(nil, restSample()), &got); err != nil {
		t.Fatal(err)
	}
	trace := "Root=1-5e5ffe45-c6af9ac67b6111e69a4193e8"
	want := events.APIGatewayProxyRequest{
		Resource: "/items/{id}", Path: "/items/42", HTTPMethod: "POST",
		Headers: map[string]string{
			"Accept": "application/json", "Accept-Encoding": "gzip, deflate", "Accept-Language": "en-GB,en;q=0.9",
			"Authorization": "eyJraWQiOiJrMSJ9.eyJzdWIiOiJ1MSJ9.c2ln", "Cache-Control": "no-cache",
			"Content-Type": "application/json", "Cookie": "session=abc; theme=dark",
			"Host": "abc123.execute-api.us-east-1.amazonaws.com", "Origin": "https://app.example.com",
			"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "X-Custom": "two",
			"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Port": "80", "X-Forwarded-Proto": "http",
			"X-Amzn-Trace-Id": trace,
		},
		MultiValueHeaders: map[string][]string{
			"Accept": {"application/json"}, "Accept-Encoding": {"gzip, deflate"}, "Accept-Language": {"en-GB,en;q=0.9"},
			"Authorization": {"eyJraWQiOiJrMSJ9.eyJzdWIiOiJ1MSJ9.c2ln"}, "Cache-Control": {"no-cache"},
			"Content-Type": {"application/json"}, "Cookie": {"session=abc; theme=dark"},
			"Host": {"abc123.execute-api.us-east-1.amazonaws.com"}, "Origin": {"https://app.example.com"},
			"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64)"}, "X-Custom": {"one", "two"},
			"X-Forwarded-For": {"203.0.113.7"}, "X-Forwarded-Port": {"80"}, "X-Forwarded-Proto": {"http"},
			"X-Amzn-Trace-Id": {trace},
		},
		QueryStringParameters:           map[string]string{"limit": "10", "tag": "b", "q": "hello world!"},
		MultiValueQueryStringParameters: map[string][]string{"limit": {"10"}, "tag": {"a", "b"}, "q": {"hello world!"}},
		PathParameters:                  map[string]string{"id": "42"},
		StageVariables:                  map[string]string{"env": "prod", "table": "items"},
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: "123456789012", ResourceID: ResourceID("/items/{id}"), Stage: "prod",
			DomainName: "abc123.execute-api.us-east-1.amazonaws.com", DomainPrefix: "abc123",
			RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", ExtendedRequestID: "TWegAcC4EowCHnA=",
			Protocol:     "HTTP/1.1",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"},
			ResourcePath: "/items/{id}", Path: "/prod/items/42",
			Authorizer: map[string]any{"claims": map[string]any{
				"sub": "10b4786a-a220-4476-90ce-df95cb18fe74", "aud": "5aa218vcdflmohh3qhrtr0mj78",
				"cognito:groups": "anotherGroup,admin", "token_use": "id", "auth_time": "1574911451",
				"iss":              "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AAPZcQ593",
				"cognito:username": "alice", "exp": "Thu Nov 28 04:24:11 UTC 2019", "iat": "Thu Nov 28 03:24:11 UTC 2019",
				"email": "alice@example.com", "email_verified": "true",
			}},
			HTTPMethod: "POST", RequestTime: "04/Mar/2020:19:15:17 +0000", RequestTimeEpoch: 1583349317135,
			APIID: "abc123",
		},
		Body: eventBody,
	}
	assertSame(t, got, want)
}

func assertSame(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

func TestEventRESTLambdaAuthorizer(t *testing.T) {
	ri := restSample()
	ri.Authorizer = &AuthorizerContext{Lambda: true, PrincipalID: "user-1", IntegrationLatency: 12,
		Context: map[string]any{"tenant": "t1", "admin": true, "quota": json.Number("1e3"), "ratio": 0.5,
			"principalId": "spoofed", "nothing": nil}}
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	assertSame(t, got.RequestContext.Authorizer, map[string]any{
		"principalId": "user-1", "integrationLatency": float64(12),
		"tenant": "t1", "admin": "true", "quota": "1000", "ratio": "0.5", "nothing": nil,
	})
}

// TestEventNullVersusEmpty pins what is null (REST) or left out (HTTP)
// when a request has nothing to put there.
func TestEventNullVersusEmpty(t *testing.T) {
	r := httptest.NewRequest("GET", "/items", nil)
	ri := &RequestInfo{Req: r, RawPath: "/items", Route: &Route{Method: "GET", Path: "/items"},
		PathParams: map[string]string{}, StageVariables: nil, Stage: "dev", Time: eventTime}

	var rest map[string]json.RawMessage
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &rest); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"queryStringParameters": "null", "multiValueQueryStringParameters": "null",
		"pathParameters": "null", "stageVariables": "null", "body": "null", "isBase64Encoded": "false",
	} {
		if got := string(rest[key]); got != want {
			t.Errorf("REST %s = %s, want %s", key, got, want)
		}
	}
	var rc map[string]json.RawMessage
	if err := json.Unmarshal(rest["requestContext"], &rc); err != nil {
		t.Fatal(err)
	}
	if _, ok := rc["authorizer"]; ok {
		t.Error("REST requestContext.authorizer present on an open route")
	}
	if _, ok := rc["operationName"]; ok {
		t.Error("REST requestContext.operationName present without an operation name")
	}
	var id map[string]json.RawMessage
	if err := json.Unmarshal(rc["identity"], &id); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
		"cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId",
		"user", "userArn", "userAgent"} {
		if string(id[k]) != "null" {
			t.Errorf("identity.%s = %s, want null", k, id[k])
		}
	}

	var v2 map[string]json.RawMessage
	if err := json.Unmarshal(AppendHTTPEvent(nil, ri), &v2); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"} {
		if raw, ok := v2[key]; ok {
			t.Errorf("HTTP %s = %s, want it left out", key, raw)
		}
	}
	if string(v2["isBase64Encoded"]) != "false" || string(v2["rawQueryString"]) != `""` {
		t.Errorf("HTTP isBase64Encoded %s rawQueryString %s", v2["isBase64Encoded"], v2["rawQueryString"])
	}
}

func TestEventBinaryMediaTypes(t *testing.T) {
	cases := []struct {
		contentType string
		patterns    []string
		binary      bool
	}{
		{"image/png", []string{"image/png"}, true},
		{"image/png", []string{"image/*"}, true},
		{"IMAGE/PNG; q=1", []string{"image/png"}, true},
		{"application/octet-stream", []string{"*/*"}, true},
		{"", []string{"*/*"}, true},
		{"", []string{"image/*"}, false},
		{"application/json", []string{"image/*", "application/octet-stream"}, false},
		{"application/pdf", []string{"image/*", "application/pdf"}, true},
		{"text/plain", nil, false},
		{"image/png", []string{"image"}, false},
		{"imagepng", []string{"*/*"}, true},
		{"imagepng", []string{"image/*"}, false},
	}
	for _, c := range cases {
		if got := isBinaryMediaType(c.contentType, c.patterns); got != c.binary {
			t.Errorf("isBinaryMediaType(%q, %q) = %v", c.contentType, c.patterns, got)
		}
	}

	body := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	r := httptest.NewRequest("POST", "/up", bytes.NewReader(body))
	r.Header.Set("Content-Type", "image/png")
	ri := &RequestInfo{Req: r, Body: body, RawPath: "/up", Route: &Route{Method: "POST", Path: "/up"},
		Stage: "prod", Time: eventTime, BinaryMediaTypes: []string{"image/*"}}
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	if !got.IsBase64Encoded || got.Body != "iVBORwD/" {
		t.Errorf("REST binary body %q base64 %v", got.Body, got.IsBase64Encoded)
	}
	ri.BinaryMediaTypes = nil
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	if got.IsBase64Encoded || got.Body != "\ufffdPNG\x00\ufffd" {
		t.Errorf("REST text body %q base64 %v", got.Body, got.IsBase64Encoded)
	}
}

func TestEventQueryParsing(t *testing.T) {
	cases := []struct {
		raw  string
		want []queryPair
	}{
		{"", nil},
		{"a=1&b=2&a=3", []queryPair{{"a", "1"}, {"a", "3"}, {"b", "2"}}},
		{"q=hello+world%21&email=test%2Balias%40gmail.com", []queryPair{{"email", "test+alias@gmail.com"}, {"q", "hello world!"}}},
		{"flag&empty=&=v", []queryPair{{"", "v"}, {"empty", ""}, {"flag", ""}}},
		{"a=1;b=2&&", []queryPair{{"a", "1"}, {"b", "2"}}},
		{"bad=%zz%4", []queryPair{{"bad", "%zz%4"}}},
		{"x=%E2%82%AC", []queryPair{{"x", "€"}}},
	}
	for _, c := range cases {
		if got := parseQuery(nil, c.raw); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("parseQuery(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestEventForwardedHeaders(t *testing.T) {
	r := httptest.NewRequest("GET", "https://localhost:4566/prod/x", nil)
	r.Host = "localhost:4566"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	r.Header.Set("X-Amzn-Trace-Id", "Root=1-00000000-client")
	ri := &RequestInfo{Req: r, RawPath: "/x", Route: &Route{Method: "GET", Path: "/x"}, Stage: "prod",
		SourceIP: "10.0.0.9", Time: eventTime, RequestID: "short"}
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"X-Forwarded-For": "198.51.100.1, 10.0.0.9", "X-Forwarded-Port": "4566",
		"X-Forwarded-Proto": "https", "X-Amzn-Trace-Id": "Root=1-00000000-client", "Host": "localhost:4566",
	} {
		if got.Headers[k] != want {
			t.Errorf("%s = %q, want %q", k, got.Headers[k], want)
		}
	}
	r.Header.Del("X-Amzn-Trace-Id")
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	trace := got.Headers["X-Amzn-Trace-Id"]
	if len(trace) != len("Root=1-5e5ffe45-")+24 || !strings.HasPrefix(trace, "Root=1-5e5ffe45-") {
		t.Errorf("generated trace id %q", trace)
	}
}

func TestEventResourceID(t *testing.T) {
	a, b := ResourceID("/items/{id}"), ResourceID("/items")
	if len(a) != 6 || a == b || a != ResourceID("/items/{id}") {
		t.Errorf("ResourceID: %q %q", a, b)
	}
	for _, c := range a + b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			t.Errorf("ResourceID has %q", c)
		}
	}
}

func TestEventAuthorizerEventsDecode(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/items/42"
	var req events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(AppendAuthorizerRequestEvent(nil, restSample(), arn), &req); err != nil {
		t.Fatal(err)
	}
	if req.Type != "REQUEST" || req.MethodArn != arn || req.Resource != "/items/{id}" || req.Path != "/items/42" ||
		req.HTTPMethod != "POST" || req.Headers["Authorization"] == "" || req.QueryStringParameters["tag"] != "b" ||
		req.PathParameters["id"] != "42" || req.StageVariables["env"] != "prod" ||
		req.RequestContext.Path != "/prod/items/42" || req.RequestContext.Identity.SourceIP != "203.0.113.7" ||
		req.RequestContext.APIID != "abc123" || req.RequestContext.ResourcePath != "/items/{id}" {
		t.Errorf("REQUEST authorizer event: %+v", req)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(AppendAuthorizerRequestEvent(nil, restSample(), arn), &raw)
	if _, ok := raw["body"]; ok {
		t.Error("REQUEST authorizer event carries the body")
	}

	var tok events.APIGatewayCustomAuthorizerRequest
	if err := json.Unmarshal(AppendAuthorizerTokenEvent(nil, "Bearer \"x\"", arn), &tok); err != nil {
		t.Fatal(err)
	}
	assertSame(t, tok, events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer \"x\"", MethodArn: arn})
}

// TestEventEscaping feeds hostile bytes everywhere a request can carry
// them; the event must stay valid JSON holding the same text.
func TestEventEscaping(t *testing.T) {
	evil := "a\"b\\c\x00\x1f<>&\u2028é\xff"
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header["X-Evil"] = []string{evil}
	r.URL.RawQuery = "k%22=" + "v%00%3C"
	ri := &RequestInfo{Req: r, RawPath: "/a\"b%20<é", Route: &Route{Method: "GET", Path: "/{p}"},
		PathParams: map[string]string{evil: evil}, Stage: "st\"age", SourceIP: evil, Time: eventTime,
		StageVariables: map[string]string{"k": evil}, Authorizer: &AuthorizerContext{Claims: map[string]string{evil: evil}}}
	for name, b := range map[string][]byte{"REST": AppendRESTEvent(nil, ri), "HTTP": AppendHTTPEvent(nil, ri)} {
		if !json.Valid(b) {
			t.Fatalf("%s: invalid JSON %s", name, b)
		}
	}
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(AppendRESTEvent(nil, ri), &got); err != nil {
		t.Fatal(err)
	}
	clean := strings.ToValidUTF8(evil, "\ufffd")
	if got.Headers["X-Evil"] != clean || got.RequestContext.Path != "/st\"age/a\"b%20<é" ||
		got.QueryStringParameters["k\""] != "v\x00<" || got.PathParameters[clean] != clean {
		t.Errorf("escaping lost text: %+v", got)
	}
}

func BenchmarkAppendRESTEvent(b *testing.B) {
	ri := restSample()
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRESTEvent(buf[:0], ri)
	}
	b.SetBytes(int64(len(buf)))
}

func TestEventAllocations(t *testing.T) {
	ri := restSample()
	buf := make([]byte, 0, 8192)
	for name, f := range map[string]func(){
		"REST": func() { buf = AppendRESTEvent(buf[:0], ri) },
		"HTTP": func() { buf = AppendHTTPEvent(buf[:0], ri) },
	} {
		// The escaped query value ("hello+world%21") is the one string
		// built per request.
		if n := testing.AllocsPerRun(100, f); n > 2 {
			t.Errorf("%s event: %v allocations per request", name, n)
		}
	}
}

// TestEventAppendJSON: the fast path must write exactly what
// awsproto.AppendJSONString writes, for every byte and mixed strings.
func TestEventAppendJSON(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := appendJSON([]byte("x"), s), awsproto.AppendJSONString([]byte("x"), s); !bytes.Equal(got, want) {
			t.Errorf("appendJSON(%q) = %s, want %s", s, got, want)
		}
	}
	for c := range 256 {
		check(string([]byte{byte(c)}))
		check("ab" + string([]byte{byte(c)}) + "cd\\")
	}
	for _, s := range []string{"", "plain", "é", "a\u2028b\xffc", "<script>", "\u2029"} {
		check(s)
	}
}

func FuzzEventAppendJSON(f *testing.F) {
	f.Add("a\"b")
	f.Add("\x80\xcb") // two broken halves of one valid rune
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSON(nil, s), awsproto.AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSON(%q) = %s, want %s", s, got, want)
		}
		// Each part is escaped on its own (joining them could make
		// valid UTF-8 of two broken halves).
		one := awsproto.AppendJSONString(nil, s)
		want := append(one[:len(one)-1:len(one)-1], one[1:]...)
		if got := appendJSONContinue(appendJSON(nil, s), s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONContinue(%q) = %s, want %s", s, got, want)
		}
	})
}
