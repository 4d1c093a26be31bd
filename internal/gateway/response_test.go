package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

type responseCase struct {
	name    string
	payload string
	status  int
	header  http.Header // nil: only check what is given
	body    string
	err     bool
}

func checkResponses(t *testing.T, parse func([]byte) (*Response, error), cases []responseCase) {
	t.Helper()
	for _, c := range cases {
		r, err := parse([]byte(c.payload))
		if c.err {
			if err == nil {
				t.Errorf("%s: accepted %s as %+v", c.name, c.payload, r)
			} else if !errors.As(err, new(responseError)) {
				t.Errorf("%s: error %T is not a responseError", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r.Status != c.status || string(r.Body) != c.body {
			t.Errorf("%s: status %d body %q, want %d %q", c.name, r.Status, r.Body, c.status, c.body)
		}
		if c.header != nil && !reflect.DeepEqual(r.Header, c.header) {
			t.Errorf("%s: header %v, want %v", c.name, r.Header, c.header)
		}
	}
}

var jsonCT = []string{"application/json"}

func TestResponseREST(t *testing.T) {
	parse := func(p []byte) (*Response, error) { return ParseRESTResponse(p, nil, "") }
	checkResponses(t, parse, []responseCase{
		{name: "full", payload: `{"statusCode":201,"headers":{"content-type":"text/plain","X-A":"1"},"body":"hi","isBase64Encoded":false}`,
			status: 201, body: "hi", header: http.Header{"Content-Type": {"text/plain"}, "X-A": {"1"}}},
		{name: "no body", payload: `{"statusCode":200}`, status: 200, header: http.Header{"Content-Type": jsonCT}},
		{name: "missing statusCode is 200", payload: `{"headers":{"test-header":"value"}}`, status: 200,
			header: http.Header{"Content-Type": jsonCT, "Test-Header": {"value"}}},
		{name: "empty object", payload: ` {} `, status: 200},
		{name: "null statusCode", payload: `{"statusCode":null,"body":"x"}`, status: 200, body: "x"},
		{name: "numeric string status", payload: `{"statusCode":"201"}`, status: 201},
		{name: "integral float status", payload: `{"statusCode":404.0}`, status: 404},
		{name: "bool header", payload: `{"statusCode":200,"headers":{"header-bool":true,"h-false":false}}`, status: 200,
			header: http.Header{"Content-Type": jsonCT, "Header-Bool": {"true"}, "H-False": {"false"}}},
		{name: "null headers", payload: `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":null}`, status: 200},
		{name: "multi only", payload: `{"statusCode":200,"multiValueHeaders":{"test-multi":["value1","value2"],"x-empty":null}}`,
			status: 200, header: http.Header{"Content-Type": jsonCT, "Test-Multi": {"value1", "value2"}}},
		{name: "multi wins", payload: `{"statusCode":200,"multiValueHeaders":{"tesT-Multi":["value-multi"]},"headers":{"test-multi":"value-solo","other":"o"}}`,
			status: 200, header: http.Header{"Content-Type": jsonCT, "Test-Multi": {"value-multi"}, "Other": {"o"}}},
		{name: "set-cookie list", payload: `{"statusCode":302,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"Location":["/x"]}}`,
			status: 302, header: http.Header{"Content-Type": jsonCT, "Set-Cookie": {"a=1", "b=2"}, "Location": {"/x"}}},
		{name: "base64 stays text without binary types", payload: `{"statusCode":200,"body":"dGVzdC1kYXRh","isBase64Encoded":true}`,
			status: 200, body: "dGVzdC1kYXRh"},
		{name: "escapes", payload: `{"statusCode":200,"body":"\u00e9\n\"\ud83d\ude00"}`, status: 200, body: "é\n\"😀"},

		{name: "unknown key", payload: `{"statusCode":200,"wrongValue":"value"}`, err: true},
		{name: "cookies are v2 only", payload: `{"statusCode":200,"cookies":["a=1"]}`, err: true},
		{name: "case matters in keys", payload: `{"StatusCode":200}`, err: true},
		{name: "a string", payload: `"justAString"`, err: true},
		{name: "an array", payload: `[{"statusCode":200}]`, err: true},
		{name: "null", payload: `null`, err: true},
		{name: "empty", payload: ``, err: true},
		{name: "invalid JSON", payload: `{"statusCode":200`, err: true},
		{name: "trailing garbage", payload: `{"statusCode":200} x`, err: true},
		{name: "word status", payload: `{"statusCode":"test"}`, err: true},
		{name: "fractional status", payload: `{"statusCode":200.5}`, err: true},
		{name: "status out of range", payload: `{"statusCode":99}`, err: true},
		{name: "huge status", payload: `{"statusCode":1e400}`, err: true},
		{name: "bool status", payload: `{"statusCode":true}`, err: true},
		{name: "object body", payload: `{"statusCode":200,"body":{"a":1}}`, err: true},
		{name: "number body", payload: `{"statusCode":200,"body":12}`, err: true},
		{name: "headers not object", payload: `{"statusCode":200,"headers":["a"]}`, err: true},
		{name: "number header", payload: `{"statusCode":200,"headers":{"X-N":1}}`, err: true},
		{name: "null header value", payload: `{"statusCode":200,"headers":{"X-N":null}}`, err: true},
		{name: "multi value not list", payload: `{"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}}`, err: true},
		{name: "multi element object", payload: `{"statusCode":200,"multiValueHeaders":{"X":[{}]}}`, err: true},
		{name: "string isBase64Encoded", payload: `{"statusCode":200,"isBase64Encoded":"true"}`, err: true},
		{name: "header splitting", payload: `{"statusCode":200,"headers":{"X-A":"a\r\nSet-Cookie: evil=1"}}`, err: true},
		{name: "bad header name", payload: `{"statusCode":200,"headers":{"X A":"a"}}`, err: true},
		{name: "empty header name", payload: `{"statusCode":200,"headers":{"":"a"}}`, err: true},
	})
}

// TestResponseRESTBinary: a base64 body becomes bytes only when the
// client's first Accept type (or */*) is a binary media type.
func TestResponseRESTBinary(t *testing.T) {
	payload := []byte(`{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"iVBORw==","isBase64Encoded":true}`)
	png := "\x89PNG"
	cases := []struct {
		types  []string
		accept string
		body   string
	}{
		{[]string{"image/png"}, "image/png", png},
		{[]string{"image/*"}, "image/png, text/html", png},
		{[]string{"image/png"}, "text/html, image/png", "iVBORw=="},
		{[]string{"image/png"}, "*/*", "iVBORw=="},
		{[]string{"image/png"}, "", "iVBORw=="},
		{[]string{"*/*"}, "", png},
		{[]string{"*/*"}, "text/html", png},
		{nil, "image/png", "iVBORw=="},
	}
	for _, c := range cases {
		r, err := ParseRESTResponse(payload, c.types, c.accept)
		if err != nil || string(r.Body) != c.body {
			t.Errorf("types %q accept %q: %q %v, want %q", c.types, c.accept, r.Body, err, c.body)
		}
	}
	r, err := ParseRESTResponse([]byte(`{"statusCode":200,"body":"dGVzdA","base64Encoded":true}`), []string{"*/*"}, "")
	if err != nil || string(r.Body) != "test" {
		t.Errorf("base64Encoded, unpadded: %q %v", r.Body, err)
	}
	r, err = ParseRESTResponse([]byte(`{"statusCode":200,"body":"dGVz\ndA==","isBase64Encoded":true,"base64Encoded":null}`), []string{"*/*"}, "")
	if err != nil || string(r.Body) != "test" {
		t.Errorf("MIME line break: %q %v", r.Body, err)
	}
	if _, err := ParseRESTResponse([]byte(`{"statusCode":200,"body":"not base64!","isBase64Encoded":true}`), []string{"*/*"}, ""); err == nil {
		t.Error("invalid base64 accepted")
	}
}

func TestResponseHTTPV1(t *testing.T) {
	checkResponses(t, ParseHTTPResponseV1, []responseCase{
		{name: "full", payload: `{"statusCode":200,"headers":{"a":"1"},"multiValueHeaders":{"b":["2","3"]},"body":"x","extra":1}`,
			status: 200, body: "x", header: http.Header{"Content-Type": jsonCT, "A": {"1"}, "B": {"2", "3"}}},
		{name: "base64 always decoded", payload: `{"statusCode":200,"body":"dGVzdA==","isBase64Encoded":true}`, status: 200, body: "test"},
		{name: "base64Encoded is not an HTTP API key", payload: `{"statusCode":200,"body":"dGVzdA==","base64Encoded":true}`,
			status: 200, body: "dGVzdA=="},
		{name: "no statusCode", payload: `{"body":"x"}`, err: true},
		{name: "null statusCode", payload: `{"statusCode":null}`, err: true},
		{name: "a string", payload: `"hello"`, err: true},
		{name: "object body", payload: `{"statusCode":200,"body":{}}`, err: true},
		{name: "invalid base64", payload: `{"statusCode":200,"body":"***","isBase64Encoded":true}`, err: true},
	})
}

func TestResponseHTTP(t *testing.T) {
	checkResponses(t, ParseHTTPResponse, []responseCase{
		{name: "structured", payload: `{"statusCode":201,"headers":{"x-n":5,"x-b":true,"x-null":null,"content-type":"text/plain"},"body":"hi","other":1}`,
			status: 201, body: "hi", header: http.Header{"X-N": {"5"}, "X-B": {"true"}, "Content-Type": {"text/plain"}}},
		{name: "cookies", payload: `{"statusCode":200,"cookies":["a=1; Path=/","b=2"],"headers":{"Set-Cookie":"c=3"}}`,
			status: 200, header: http.Header{"Content-Type": jsonCT, "Set-Cookie": {"c=3", "a=1; Path=/", "b=2"}}},
		{name: "base64", payload: `{"statusCode":200,"body":"dGVzdA==","isBase64Encoded":true}`, status: 200, body: "test"},
		{name: "null statusCode", payload: `{"statusCode":null,"body":"x"}`, status: 200, body: "x"},
		{name: "multiValueHeaders ignored", payload: `{"statusCode":200,"multiValueHeaders":{"a":["1"]}}`,
			status: 200, header: http.Header{"Content-Type": jsonCT}},

		{name: "inferred string", payload: `"Hello from Lambda!"`, status: 200, body: "Hello from Lambda!",
			header: http.Header{"Content-Type": jsonCT}},
		{name: "inferred object", payload: `{ "message": "Hello from Lambda!" }`, status: 200,
			body: `{ "message": "Hello from Lambda!" }`, header: http.Header{"Content-Type": jsonCT}},
		{name: "inferred object with body key", payload: ` {"body":"x","headers":{}}` + "\n", status: 200,
			body: `{"body":"x","headers":{}}`},
		{name: "inferred number", payload: `42`, status: 200, body: "42"},
		{name: "inferred array", payload: `[1,"a"]`, status: 200, body: `[1,"a"]`},
		{name: "inferred bool", payload: `true`, status: 200, body: "true"},
		{name: "inferred null", payload: `null`, status: 200, body: ""},
		{name: "inferred escaped string", payload: `"a\"b\u00e9"`, status: 200, body: `a"bé`},

		{name: "invalid JSON", payload: `{"statusCode":200`, err: true},
		{name: "not JSON", payload: `hello`, err: true},
		{name: "empty", payload: ``, err: true},
		{name: "blank", payload: " \n", err: true},
		{name: "two values", payload: `1 2`, err: true},
		{name: "word status", payload: `{"statusCode":"abc"}`, err: true},
		{name: "object body", payload: `{"statusCode":200,"body":{"a":1}}`, err: true},
		{name: "cookies not list", payload: `{"statusCode":200,"cookies":"a=1"}`, err: true},
		{name: "cookie not string", payload: `{"statusCode":200,"cookies":[1]}`, err: true},
		{name: "cookie splitting", payload: `{"statusCode":200,"cookies":["a=1\r\nX: y"]}`, err: true},
		{name: "object header", payload: `{"statusCode":200,"headers":{"a":{}}}`, err: true},
		{name: "invalid base64", payload: `{"statusCode":200,"body":"%%%","isBase64Encoded":true}`, err: true},
	})
}

func TestResponseTooLarge(t *testing.T) {
	body := strings.Repeat("a", MaxProxyResponse)
	big := []byte(`{"statusCode":200,"body":"` + body + `"}`)
	for name, parse := range map[string]func([]byte) (*Response, error){
		"REST": func(p []byte) (*Response, error) { return ParseRESTResponse(p, nil, "") },
		"V1":   ParseHTTPResponseV1, "V2": ParseHTTPResponse,
	} {
		if _, err := parse(big); err != errTooLarge {
			t.Errorf("%s: %v, want errTooLarge", name, err)
		}
		ok := []byte(`{"statusCode":200,"body":"` + body[:MaxProxyResponse-100] + `"}`)
		if r, err := parse(ok); err != nil || len(r.Body) != MaxProxyResponse-100 {
			t.Errorf("%s: a payload just under the limit: %v", name, err)
		}
	}
}

// checkParsed holds for every response a parser accepts: a real status,
// and headers net/http can write as they are.
func checkParsed(t *testing.T, r *Response) {
	if r.Status < 100 || r.Status > 599 {
		t.Fatalf("status %d", r.Status)
	}
	if len(r.Header["Content-Type"]) == 0 {
		t.Fatal("no Content-Type")
	}
	for k, vs := range r.Header {
		if !validResponseHeaderName(k) || k != http.CanonicalHeaderKey(k) {
			t.Fatalf("header name %q", k)
		}
		for _, v := range vs {
			if !validResponseHeaderValue(v) {
				t.Fatalf("header %q value %q", k, v)
			}
		}
	}
}

func responseSeeds(f *testing.F) {
	for _, s := range []string{
		`{"statusCode":200,"headers":{"a":"b"},"multiValueHeaders":{"c":["d","e"]},"body":"x","isBase64Encoded":false}`,
		`{"statusCode":"201","body":"dGVzdA==","isBase64Encoded":true,"cookies":["a=1"]}`,
		`{"headers":{"a":true,"b":5,"c":null}}`, `"hi"`, `[1]`, `null`, `{}`, `{"statusCode":200,"body":{}}`,
		`{"statusCode":200,"base64Encoded":true,"body":"AA"}`, `{"statusCode":1e3}`, "\ufeff{}",
		"\v0", // white space to bytes.TrimSpace, not to JSON
	} {
		f.Add([]byte(s))
	}
}

func FuzzParseRESTResponse(f *testing.F) {
	responseSeeds(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, accept := range []string{"", "image/png"} {
			r, err := ParseRESTResponse(payload, []string{"image/png"}, accept)
			want, wantErr := refParseREST(payload, []string{"image/png"}, accept)
			sameResponse(t, payload, r, err, want, wantErr)
			if err != nil {
				if !errors.As(err, new(responseError)) {
					t.Fatalf("error %T", err)
				}
				continue
			}
			checkParsed(t, r)
			if !json.Valid(payload) {
				t.Fatalf("accepted invalid JSON %q", payload)
			}
		}
		r, err := ParseHTTPResponseV1(payload)
		want, wantErr := refParseV1(payload)
		sameResponse(t, payload, r, err, want, wantErr)
		if err == nil {
			checkParsed(t, r)
		}
	})
}

func FuzzParseHTTPResponse(f *testing.F) {
	responseSeeds(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := ParseHTTPResponse(payload)
		want, wantErr := refParseV2(payload)
		sameResponse(t, payload, r, err, want, wantErr)
		if err != nil {
			if json.Valid(payload) && len(payload) <= MaxProxyResponse && !structured(payload) {
				t.Fatalf("refused valid unstructured JSON %q: %v", payload, err)
			}
			return
		}
		checkParsed(t, r)
		if !json.Valid(payload) {
			t.Fatalf("accepted invalid JSON %q", payload)
		}
		if !structured(payload) {
			var s string
			want := bytes.Trim(payload, " \t\r\n")
			if json.Unmarshal(payload, &s) == nil {
				want = []byte(s)
			} else if string(want) == "null" {
				want = nil
			}
			if !bytes.Equal(r.Body, want) || r.Status != 200 {
				t.Fatalf("inferred %q as %d %q", payload, r.Status, r.Body)
			}
		}
	})
}

// structured reports whether payload is an object with a statusCode key.
func structured(payload []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil || m == nil {
		return false
	}
	_, ok := m["statusCode"]
	return ok
}

// FuzzAppendEvents checks that hostile request parts always make valid
// events that aws-lambda-go decodes back to the same text.
func FuzzAppendEvents(f *testing.F) {
	f.Add("x-a", "v", "a=1&b=%zz", "/p/%20q", "body", "s")
	f.Add("X-Forwarded-For", "1.2.3.4", "q=\x00", "/\"", "\xff\xfe", "$default")
	f.Fuzz(func(t *testing.T, hname, hval, query, rawPath, body, stage string) {
		r, err := http.NewRequest("POST", "http://h/x", nil)
		if err != nil {
			t.Skip()
		}
		r.Header[hname] = []string{hval, hval}
		r.Header.Set("Cookie", hval)
		r.URL.RawQuery = query
		ri := &RequestInfo{Req: r, Body: []byte(body), RawPath: rawPath, Route: &Route{Method: "POST", Path: rawPath},
			PathParams: map[string]string{hname: hval}, Stage: stage, SourceIP: hval, RequestID: hval,
			StageVariables: map[string]string{hval: hname}, Authorizer: &AuthorizerContext{Claims: map[string]string{hname: hval}}}
		var rest struct {
			Path    string            `json:"path"`
			Headers map[string]string `json:"headers"`
			Body    *string           `json:"body"`
		}
		if err := json.Unmarshal(AppendRESTEvent(nil, ri), &rest); err != nil {
			t.Fatalf("REST event: %v", err)
		}
		if rest.Path != strings.ToValidUTF8(rawPath, "\ufffd") && utf8.ValidString(rawPath) {
			t.Fatalf("path %q became %q", rawPath, rest.Path)
		}
		var v2 map[string]any
		if err := json.Unmarshal(AppendHTTPEvent(nil, ri), &v2); err != nil {
			t.Fatalf("HTTP event: %v", err)
		}
		if err := json.Unmarshal(AppendAuthorizerRequestEvent(nil, ri, hval), &v2); err != nil {
			t.Fatalf("REQUEST authorizer event: %v", err)
		}
	})
}

func BenchmarkParseRESTResponse(b *testing.B) {
	payload := []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json","Access-Control-Allow-Origin":"*"},` +
		`"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"{\"id\":\"42\",\"name\":\"widget\",\"price\":9.99}","isBase64Encoded":false}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRESTResponse(payload, nil, "application/json"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHTTPResponse(b *testing.B) {
	payload := []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"cookies":["a=1"],` +
		`"body":"{\"id\":\"42\",\"name\":\"widget\",\"price\":9.99}"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHTTPResponse(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// The ref* functions are the parsers written plainly with encoding/json:
// slow, but easy to check against the rules. The fuzzers hold the
// hand-written parsers to them.

func refParseREST(payload []byte, types []string, accept string) (*Response, error) {
	m, err := refObject(payload)
	if err != nil {
		return nil, err
	}
	for k := range m {
		switch k {
		case "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "base64Encoded":
		default:
			return nil, responseError("unknown key")
		}
	}
	key := "isBase64Encoded"
	if !refNull(m["base64Encoded"]) {
		key = "base64Encoded"
	}
	r, b64, err := refV1(m, key)
	if err != nil {
		return nil, err
	}
	if r.Status == 0 {
		r.Status = 200
	}
	if b64 && restWantsBinary(types, accept) {
		if r.Body, err = decodeBase64Body(r.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func refParseV1(payload []byte) (*Response, error) {
	m, err := refObject(payload)
	if err != nil {
		return nil, err
	}
	r, b64, err := refV1(m, "isBase64Encoded")
	if err != nil {
		return nil, err
	}
	if r.Status == 0 {
		return nil, responseError("no statusCode")
	}
	if b64 {
		if r.Body, err = decodeBase64Body(r.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func refParseV2(payload []byte) (*Response, error) {
	if len(payload) > MaxProxyResponse {
		return nil, errTooLarge
	}
	p := bytes.Trim(payload, " \t\r\n")
	if !json.Valid(p) {
		return nil, errSyntax
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(p, &m) == nil && m != nil {
		if _, ok := m["statusCode"]; ok {
			return refV2(m)
		}
	}
	r := &Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}}
	var s string
	switch {
	case json.Unmarshal(p, &s) == nil && p[0] == '"':
		r.Body = []byte(s)
	case string(p) != "null":
		r.Body = p
	}
	return r, nil
}

func refObject(payload []byte) (map[string]json.RawMessage, error) {
	if len(payload) > MaxProxyResponse {
		return nil, errTooLarge
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return nil, errNotObject
	}
	return m, nil
}

func refNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func refV1(m map[string]json.RawMessage, b64Key string) (*Response, bool, error) {
	r := &Response{Header: http.Header{}}
	var err error
	if r.Status, err = refStatus(m["statusCode"]); err != nil {
		return nil, false, err
	}
	if err = refHeaders(r.Header, m["headers"], false); err != nil {
		return nil, false, err
	}
	if raw := m["multiValueHeaders"]; !refNull(raw) {
		kvs, err := refOrdered(raw)
		if err != nil {
			return nil, false, err
		}
		multi := http.Header{}
		for _, kv := range kvs {
			if !validResponseHeaderName(kv.k) {
				return nil, false, responseError("name")
			}
			if refNull(kv.v) {
				continue
			}
			var list []json.RawMessage
			if json.Unmarshal(kv.v, &list) != nil {
				return nil, false, responseError("not a list")
			}
			for _, e := range list {
				v, ok := refHeaderValue(e, false)
				if !ok {
					return nil, false, responseError("value")
				}
				multi.Add(kv.k, v)
			}
		}
		for k, vs := range multi {
			r.Header[k] = vs
		}
	}
	if r.Body, err = refBody(m["body"]); err != nil {
		return nil, false, err
	}
	b64, err := refBool(m[b64Key])
	if err != nil {
		return nil, false, err
	}
	setDefaultContentType(r.Header)
	return r, b64, nil
}

func refV2(m map[string]json.RawMessage) (*Response, error) {
	status, err := refStatus(m["statusCode"])
	if err != nil {
		return nil, err
	}
	if status == 0 {
		status = 200
	}
	r := &Response{Status: status, Header: http.Header{}}
	if err := refHeaders(r.Header, m["headers"], true); err != nil {
		return nil, err
	}
	if raw := m["cookies"]; !refNull(raw) {
		var cookies []string
		if json.Unmarshal(raw, &cookies) != nil {
			return nil, responseError("cookies")
		}
		for _, c := range cookies {
			if !validResponseHeaderValue(c) {
				return nil, responseError("cookie")
			}
			r.Header.Add("Set-Cookie", c)
		}
	}
	if r.Body, err = refBody(m["body"]); err != nil {
		return nil, err
	}
	b64, err := refBool(m["isBase64Encoded"])
	if err != nil {
		return nil, err
	}
	if b64 {
		if r.Body, err = decodeBase64Body(r.Body); err != nil {
			return nil, err
		}
	}
	setDefaultContentType(r.Header)
	return r, nil
}

func refStatus(raw json.RawMessage) (int, error) {
	if refNull(raw) {
		return 0, nil
	}
	var f float64
	var err error
	if raw[0] == '"' {
		var s string
		if err = json.Unmarshal(raw, &s); err == nil {
			var n int
			n, err = strconv.Atoi(s)
			f = float64(n)
		}
	} else {
		f, err = strconv.ParseFloat(string(raw), 64)
	}
	if err != nil || f != math.Trunc(f) || f < 100 || f > 599 {
		return 0, responseError("status")
	}
	return int(f), nil
}

type refKV struct {
	k string
	v json.RawMessage
}

// refOrdered reads an object's members in document order.
func refOrdered(raw json.RawMessage) ([]refKV, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, responseError("not an object")
	}
	var kvs []refKV
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, responseError("key")
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, responseError("value")
		}
		kvs = append(kvs, refKV{t.(string), v})
	}
	return kvs, nil
}

func refHeaders(h http.Header, raw json.RawMessage, lenient bool) error {
	if refNull(raw) {
		return nil
	}
	kvs, err := refOrdered(raw)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		if !validResponseHeaderName(kv.k) {
			return responseError("name")
		}
		if lenient && string(kv.v) == "null" {
			continue
		}
		v, ok := refHeaderValue(kv.v, lenient)
		if !ok || !validResponseHeaderValue(v) {
			return responseError("value")
		}
		h.Set(kv.k, v)
	}
	return nil
}

func refHeaderValue(raw json.RawMessage, lenient bool) (string, bool) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, validResponseHeaderValue(x)
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return string(x), lenient
	}
	return "", false
}

func refBody(raw json.RawMessage) ([]byte, error) {
	if refNull(raw) {
		return nil, nil
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return nil, responseError("body")
	}
	return []byte(s), nil
}

func refBool(raw json.RawMessage) (bool, error) {
	switch string(raw) {
	case "", "null", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, responseError("bool")
}

// sameResponse compares a parser's answer with the reference's.
func sameResponse(t *testing.T, payload []byte, got *Response, gotErr error, want *Response, wantErr error) {
	t.Helper()
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: error %v, reference %v", payload, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if got.Status != want.Status || !bytes.Equal(got.Body, want.Body) || !reflect.DeepEqual(got.Header, want.Header) {
		t.Fatalf("%q:\n got %d %v %q\nwant %d %v %q", payload, got.Status, got.Header, got.Body, want.Status, want.Header, want.Body)
	}
}
