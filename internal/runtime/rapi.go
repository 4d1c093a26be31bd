package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// The Runtime API server is written here rather than on net/http: it is
// on every invocation's path twice (the event out, the result in), and a
// plain loop over one keep-alive connection does that with the fewest
// syscalls and goroutine hand-offs. It speaks just enough HTTP/1.1 for
// real runtimes: Content-Length and chunked bodies (aws-lambda-go sends
// chunked bodies with trailers), Expect: 100-continue, keep-alive.

// rapiRequest is one parsed request.
type rapiRequest struct {
	method, path string
	errorType    string // Lambda-Runtime-Function-Error-Type
	body         []byte
	tooBig       bool
	close        bool
}

var errMalformed = errors.New("malformed request")

// maxHeaderBytes bounds a request's head; runtimes send a few hundred bytes.
const maxHeaderBytes = 64 << 10

// rapiConn is one connection from a runtime.
type rapiConn struct {
	env *env
	c   net.Conn
	br  *bufio.Reader
	wmu sync.Mutex // the invoker writes events while this conn's loop reads
	// deliverBuf is reused by deliver, which runs for one invocation at
	// a time.
	deliverBuf []byte
}

func (e *env) serveRuntimeAPI() {
	for {
		c, err := e.ln.Accept()
		if err != nil {
			return
		}
		rc := &rapiConn{env: e, c: c, br: bufio.NewReaderSize(c, 16<<10)}
		go rc.serve()
	}
}

func (rc *rapiConn) serve() {
	defer rc.c.Close()
	e := rc.env
	for {
		req, err := rc.read()
		if err != nil {
			e.unpark(rc)
			if errors.Is(err, errMalformed) {
				rc.reply(400, `{"errorMessage":"malformed request","errorType":"InvalidRequest"}`, true)
			}
			return
		}
		keep := e.route(rc, req)
		if !keep || req.close {
			e.unpark(rc)
			return
		}
	}
}

// read parses one request, reading its whole body (up to MaxResponseSize;
// beyond that it is drained and flagged).
func (rc *rapiConn) read() (*rapiRequest, error) {
	line, err := rc.line()
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return nil, errMalformed
	}
	req := &rapiRequest{method: parts[0], path: parts[1], close: parts[2] == "HTTP/1.0"}
	if i := strings.IndexByte(req.path, '?'); i >= 0 {
		req.path = req.path[:i]
	}
	length, chunked, expect := int64(-1), false, false
	size := len(line)
	for {
		h, err := rc.line()
		if err != nil {
			return nil, err
		}
		size += len(h)
		if size > maxHeaderBytes {
			return nil, errMalformed
		}
		if h == "" {
			break
		}
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, errMalformed
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Content-Length"):
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return nil, errMalformed
			}
			length = n
		case strings.EqualFold(name, "Transfer-Encoding"):
			chunked = strings.EqualFold(value, "chunked")
		case strings.EqualFold(name, "Lambda-Runtime-Function-Error-Type"):
			req.errorType = value
		case strings.EqualFold(name, "Expect"):
			expect = strings.EqualFold(value, "100-continue")
		case strings.EqualFold(name, "Connection"):
			if strings.EqualFold(value, "close") {
				req.close = true
			} else if strings.EqualFold(value, "keep-alive") {
				req.close = false
			}
		}
	}
	if expect && (chunked || length > 0) {
		rc.write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
	switch {
	case chunked:
		err = rc.readChunked(req)
	case length > 0:
		err = rc.readBody(req, length)
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

// line reads one CRLF- (or LF-) terminated line without the terminator.
func (rc *rapiConn) line() (string, error) {
	b, err := rc.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errMalformed
	}
	if err != nil {
		return "", err
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
	return string(b), nil
}

func (rc *rapiConn) keep(req *rapiRequest, p []byte) {
	if req.tooBig {
		return
	}
	if len(req.body)+len(p) > MaxResponseSize {
		req.tooBig = true
		req.body = nil
		return
	}
	req.body = append(req.body, p...)
}

func (rc *rapiConn) readBody(req *rapiRequest, n int64) error {
	if n <= MaxResponseSize {
		req.body = make([]byte, n)
		_, err := io.ReadFull(rc.br, req.body)
		return err
	}
	req.tooBig = true
	_, err := io.CopyN(io.Discard, rc.br, n)
	return err
}

func (rc *rapiConn) readChunked(req *rapiRequest) error {
	for {
		line, err := rc.line()
		if err != nil {
			return err
		}
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
		if err != nil || n < 0 {
			return errMalformed
		}
		if n == 0 {
			// Trailers (aws-lambda-go declares error-type trailers) end
			// with an empty line.
			for {
				t, err := rc.line()
				if err != nil {
					return err
				}
				if t == "" {
					return nil
				}
				name, value, _ := strings.Cut(t, ":")
				if strings.EqualFold(name, "Lambda-Runtime-Function-Error-Type") && strings.TrimSpace(value) != "" {
					req.errorType = strings.TrimSpace(value)
				}
			}
		}
		for n > 0 {
			chunk := n
			if chunk > 64<<10 {
				chunk = 64 << 10
			}
			p, err := rc.br.Peek(int(min(chunk, int64(rc.br.Size()))))
			if err != nil && len(p) == 0 {
				return err
			}
			rc.keep(req, p)
			rc.br.Discard(len(p))
			n -= int64(len(p))
		}
		if l, err := rc.line(); err != nil || l != "" {
			return errMalformed
		}
	}
}

func (rc *rapiConn) write(b []byte) error {
	rc.wmu.Lock()
	_, err := rc.c.Write(b)
	rc.wmu.Unlock()
	return err
}

var statusText = map[int]string{200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 413: "Request Entity Too Large", 500: "Internal Server Error"}

// reply writes a JSON response in one write.
func (rc *rapiConn) reply(status int, body string, close bool) error {
	return rc.replyHeaders(status, nil, body, close)
}

func (rc *rapiConn) replyHeaders(status int, headers []string, body string, close bool) error {
	b := make([]byte, 0, 128+len(body))
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, statusText[status]...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	for i := 0; i+1 < len(headers); i += 2 {
		b = append(b, "\r\n"...)
		b = append(b, headers[i]...)
		b = append(b, ": "...)
		b = append(b, headers[i+1]...)
	}
	if close {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	return rc.write(b)
}

// deliver writes an invocation event as the answer to a parked GET next.
func (rc *rapiConn) deliver(c *call) error {
	inv := c.inv
	// One invocation at a time per connection: its buffer is reused.
	b := rc.deliverBuf[:0]
	b = append(b, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: "...)
	b = append(b, inv.RequestID...)
	b = append(b, "\r\nLambda-Runtime-Deadline-Ms: "...)
	b = strconv.AppendInt(b, c.deadline.UnixMilli(), 10)
	b = append(b, "\r\nLambda-Runtime-Invoked-Function-Arn: "...)
	b = append(b, headerSafe(inv.InvokedARN)...)
	b = append(b, "\r\nLambda-Runtime-Trace-Id: "...)
	b = append(b, headerSafe(inv.TraceID)...)
	if inv.ClientContext != "" {
		b = append(b, "\r\nLambda-Runtime-Client-Context: "...)
		b = append(b, headerSafe(inv.ClientContext)...)
	}
	if inv.CognitoIdentity != "" {
		b = append(b, "\r\nLambda-Runtime-Cognito-Identity: "...)
		b = append(b, headerSafe(inv.CognitoIdentity)...)
	}
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(inv.Payload)), 10)
	b = append(b, "\r\n\r\n"...)
	if len(inv.Payload) > 64<<10 {
		// Large events go out in two writes rather than one copy.
		rc.wmu.Lock()
		defer rc.wmu.Unlock()
		if _, err := rc.c.Write(b); err != nil {
			return err
		}
		_, err := rc.c.Write(inv.Payload)
		return err
	}
	b = append(b, inv.Payload...)
	if cap(b) <= 256<<10 { // a rare huge event's buffer is not kept
		rc.deliverBuf = b
	}
	return rc.write(b)
}

// headerSafe drops CR and LF so a value cannot end the header block.
func headerSafe(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.NewReplacer("\r", "", "\n", "").Replace(s)
	}
	return s
}
