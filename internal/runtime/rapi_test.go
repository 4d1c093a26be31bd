package runtime

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"
	"time"
)

// parse runs the Runtime API request parser over raw bytes sent on a real
// loopback connection that the sender half-closes, as a runtime that
// stops writing would.
func parse(raw string) (*rapiRequest, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, "", err
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		return nil, "", err
	}
	rc := &rapiConn{c: server, br: bufio.NewReader(server)}
	go func() {
		client.Write([]byte(raw))
		client.(*net.TCPConn).CloseWrite()
	}()
	req, err := rc.read()
	server.Close()
	var wrote bytes.Buffer
	client.SetReadDeadline(time.Now().Add(2 * time.Second))
	wrote.ReadFrom(client)
	return req, wrote.String(), err
}

func TestRuntimeAPIParser(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, raw     string
		body, errType string
		wantErr       bool
		tooBig, close bool
		interim       string
	}{
		{name: "get next", raw: "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "content length", raw: "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", body: "hello"},
		{name: "lowercase headers and LF only", raw: "POST /p HTTP/1.1\ncontent-length: 2\n\nhi", body: "hi"},
		{name: "chunked with trailers", raw: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type\r\n\r\n" +
			"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nLambda-Runtime-Function-Error-Type: Oops\r\nLambda-Runtime-Function-Error-Body: \r\n\r\n",
			body: "hello world", errType: "Oops"},
		{name: "error type header", raw: "POST /p HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: Runtime.X\r\nContent-Length: 2\r\n\r\n{}", body: "{}", errType: "Runtime.X"},
		{name: "expect continue", raw: "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", body: "x", interim: "HTTP/1.1 100 Continue"},
		{name: "connection close", raw: "GET /p HTTP/1.1\r\nConnection: close\r\n\r\n", close: true},
		{name: "http 1.0 closes", raw: "GET /p HTTP/1.0\r\n\r\n", close: true},
		{name: "oversized body flagged", raw: "POST /p HTTP/1.1\r\nContent-Length: 6291557\r\n\r\n" + strings.Repeat("x", 6291557), tooBig: true},
		{name: "not http", raw: "hello there\r\n\r\n", wantErr: true},
		{name: "bad length", raw: "POST /p HTTP/1.1\r\nContent-Length: -4\r\n\r\n", wantErr: true},
		{name: "header without colon", raw: "GET /p HTTP/1.1\r\nnocolon\r\n\r\n", wantErr: true},
		{name: "bad chunk size", raw: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: true},
		{name: "truncated body", raw: "POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", wantErr: true},
		{name: "huge header", raw: "GET /p HTTP/1.1\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 1000)+"\r\n", 80) + "\r\n", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, wrote, err := parse(tc.raw)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", req)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.tooBig && string(req.body) != tc.body {
				t.Fatalf("body %q, want %q", req.body, tc.body)
			}
			if req.errorType != tc.errType || req.tooBig != tc.tooBig || req.close != tc.close {
				t.Fatalf("got %+v", req)
			}
			if !strings.Contains(wrote, tc.interim) {
				t.Fatalf("interim response %q, want %q", wrote, tc.interim)
			}
		})
	}
}

func FuzzRuntimeAPIParser(f *testing.F) {
	f.Add([]byte("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n"))
	f.Add([]byte("POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		// The parser must return (request or error) without panicking or
		// hanging, whatever a runtime sends.
		done := make(chan struct{})
		go func() {
			defer close(done)
			parse(string(raw))
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("parser hung on %q", raw)
		}
	})
}
