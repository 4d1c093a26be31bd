package awsproto

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary Authorization headers, query strings, paths,
// dates and bodies to the Verifier. It must never panic, must answer with
// a client-facing *Error, and must never accept a request: the Verifier
// knows the suite's secret and every seed is signed with another one.
//
// Each input also checks the other direction: whatever the path, query
// and body, what our Signer signs with the right secret verifies, both as
// the client-side request and after a trip over the wire.
func FuzzVerify(f *testing.F) {
	const arnPath = "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:foo/invocations"
	wrong := Signer{AccessKeyID: suiteKeyID, SecretAccessKey: "not-the-secret", Region: "us-east-1", Service: "lambda", Now: fixedClock(suiteTime)}
	seed := func(path, query string, body []byte) {
		req, err := http.NewRequest("POST", "http://"+suiteHost+"/", bytes.NewReader(body))
		if err != nil {
			f.Fatal(err)
		}
		req.URL.Path, req.URL.RawQuery = path, query
		if err := wrong.Sign(req, body); err != nil {
			f.Fatal(err)
		}
		f.Add(req.Header.Get("Authorization"), query, path, req.Header.Get("X-Amz-Date"), body)
	}
	seed(arnPath, "Qualifier=%24LATEST", []byte(`{"a":1}`))
	seed("/", "", nil)
	seed("/a//b/./c/../d", "x=a+b&x=%2F&flag", []byte("x"))
	for _, svc := range []string{"lambda", "s3"} {
		u, err := presignURL("http://"+suiteHost+"/bucket/key?versionId=1", "not-the-secret", svc, "300", suiteTime, "")
		if err != nil {
			f.Fatal(err)
		}
		pu, _ := url.Parse(u)
		f.Add("", pu.RawQuery, pu.Path, "", []byte(nil))
	}
	sig := strings.Repeat("0", 64)
	for _, a := range []string{
		"",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 ",
		"AWS4-HMAC-SHA256 ,,,,",
		"AWS4-HMAC-SHA256 Credential=////////, SignedHeaders=;;;, Signature=",
		"AWS4-HMAC-SHA256 Credential=" + suiteScope + ", SignedHeaders=host;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=" + suiteScope + ",SignedHeaders=host,Signature=" + sig + ",Credential=x",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request/, SignedHeaders=:authority;host;content-length;transfer-encoding, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=" + sig,
		"Basic Zm9vOmJhcg==",
		"AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
	} {
		f.Add(a, "", "/", suiteDate, []byte(nil))
		f.Add(a, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=-5&X-Amz-SignedHeaders=host&X-Amz-Signature="+sig, "/%2e%2E/", "", []byte("body"))
	}
	f.Add("", "a=%zz&X-Amz-Signature=1", "//../.%2e/", "20150830T123600", []byte{0xff})
	f.Add("", "AWSAccessKeyId=AKIDEXAMPLE&Signature=abc&Expires=1", "/", "", []byte(nil))

	v := suiteVerifier(suiteTime)
	right := Signer{AccessKeyID: suiteKeyID, SecretAccessKey: suiteSecret, Region: "us-east-1", Service: "lambda", Now: fixedClock(suiteTime)}
	right3 := right
	right3.Service = "s3"

	f.Fuzz(func(t *testing.T, authz, rawQuery, path, amzDate string, body []byte) {
		ctx := context.Background()
		r := &http.Request{Method: "POST", URL: &url.URL{Path: path, RawQuery: rawQuery}, Host: suiteHost, Header: http.Header{}}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		cred, err := v.Verify(ctx, r, body)
		if err == nil {
			t.Fatalf("verified without the secret: %+v\nAuthorization: %q\nquery: %q\npath: %q", cred, authz, rawQuery, path)
		}
		if _, ok := AsError(err); !ok {
			t.Fatalf("not a client error: %v", err)
		}

		// A header-signed request carrying presigned-URL parameters is
		// rejected by design ("Only one auth mechanism allowed").
		if pairs, err := parseQuery(rawQuery, nil); err == nil {
			var sr sigRequest
			if sr.fromQuery(pairs) {
				return
			}
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		for _, s := range []*Signer{&right, &right3} {
			req := &http.Request{Method: "POST", Host: suiteHost, Header: http.Header{},
				URL:  &url.URL{Scheme: "http", Host: suiteHost, Path: path, RawQuery: rawQuery},
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
			if err := s.Sign(req, body); err != nil {
				if !strings.Contains(err.Error(), "cannot sign query") {
					t.Fatalf("Sign: %v", err)
				}
				return
			}
			if _, err := v.Verify(ctx, req, body); err != nil {
				t.Fatalf("%s: signed request does not verify: %v", s.Service, err)
			}
			if strings.ContainsAny(rawQuery, "# \t\r\n\x00\x7f") || strings.ContainsFunc(rawQuery, func(c rune) bool { return c < 0x20 }) {
				continue // would not survive the trip as a valid request line
			}
			var wire bytes.Buffer
			if err := req.Write(&wire); err != nil {
				continue
			}
			sr, err := http.ReadRequest(bufio.NewReader(&wire))
			if err != nil {
				continue
			}
			got, err := io.ReadAll(sr.Body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(ctx, sr, got); err != nil {
				t.Fatalf("%s: signed request does not verify after the wire (%q): %v", s.Service, sr.RequestURI, err)
			}
		}
	})
}
