package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// worker sends one request at a time on its own keep-alive connection.
type worker interface {
	do() (status int, err error)
	close()
}

// transport opens the workers of one route: "raw" replays fixed request
// bytes as wrk does, so the load generator spends its share of the two
// cores on the wire rather than on an HTTP client; "net/http" is what a
// Go program calling the API would pay.
type transport struct {
	name string
	open func() (worker, error)
}

// rawTransport replays wire, one whole HTTP/1.1 request.
func (b *bench) rawTransport(wire []byte) transport {
	return transport{name: "raw", open: func() (worker, error) {
		c, err := net.Dial("tcp", b.srv.Addr)
		if err != nil {
			return nil, err
		}
		return &rawWorker{conn: c, br: bufio.NewReaderSize(c, 16<<10), wire: wire}, nil
	}}
}

type rawWorker struct {
	conn net.Conn
	br   *bufio.Reader
	wire []byte
}

func (w *rawWorker) do() (int, error) {
	if _, err := w.conn.Write(w.wire); err != nil {
		return 0, err
	}
	return readResponse(w.br)
}

func (w *rawWorker) close() { w.conn.Close() }

// gatewayWire is a GET of a stage path on the API's execute-api host.
func (b *bench) gatewayWire(path, auth string) []byte {
	var w bytes.Buffer
	fmt.Fprintf(&w, "GET /%s%s HTTP/1.1\r\nHost: %s\r\n", stage, path, b.host)
	if auth != "" {
		fmt.Fprintf(&w, "Authorization: %s\r\n", auth)
	}
	w.WriteString("\r\n")
	return w.Bytes()
}

// invokePayload is the direct Invoke's event; proxyfn ignores it.
const invokePayload = `{}`

// invokeWire is a signed Invoke of the proxy function. A SigV4 signature
// stays valid for minutes, so it can be replayed for a phase.
func (b *bench) invokeWire() ([]byte, error) {
	body := []byte(invokePayload)
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/2015-03-31/functions/"+proxyFn+"/invocations", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if err := b.lambdaSigner.Sign(req, body); err != nil {
		return nil, err
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.URL.RequestURI(), req.Host, len(body))
	for k, v := range req.Header {
		fmt.Fprintf(&w, "%s: %s\r\n", k, v[0])
	}
	w.WriteString("\r\n")
	w.Write(body)
	return w.Bytes(), nil
}

// httpTransport GETs a stage path with net/http, a new request each time
// as an SDK or a Go program makes them; the client keeps one idle
// connection per worker.
func (b *bench) httpTransport(path, auth string, conns int) transport {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
	}}
	url := b.srv.URL + "/" + stage + path
	return transport{name: "net/http", open: func() (worker, error) {
		return &httpWorker{client: client, url: url, host: b.host, auth: auth}, nil
	}}
}

type httpWorker struct {
	client          *http.Client
	url, host, auth string
}

func (w *httpWorker) do() (int, error) {
	req, err := http.NewRequest(http.MethodGet, w.url, nil)
	if err != nil {
		return 0, err
	}
	req.Host = w.host
	if w.auth != "" {
		req.Header.Set("Authorization", w.auth)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Read to the end, or the connection is not reused.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (w *httpWorker) close() {}

// sample is what drive saw: the latencies of the 200s, and the rest.
type sample struct {
	lat     []time.Duration
	errs    int
	lastErr string
	elapsed time.Duration
}

// drive runs conc workers of t for d, each sending its next request as
// soon as the last is answered (a closed loop, as wrk does).
func drive(t transport, conc int, d time.Duration) sample {
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		s  sample
	)
	start := time.Now()
	deadline := start.Add(d)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 1<<16)
			errs, lastErr := 0, ""
			w, err := t.open()
			for now := time.Now(); err == nil && now.Before(deadline); {
				var status int
				status, err = w.do()
				end := time.Now()
				switch {
				case err != nil:
					// The connection is in an unknown state: start over on a
					// new one.
					errs, lastErr = errs+1, err.Error()
					w.close()
					w, err = t.open()
				case status != http.StatusOK:
					errs, lastErr = errs+1, fmt.Sprint("status ", status)
				default:
					mine = append(mine, end.Sub(now))
				}
				now = end
			}
			if err != nil {
				errs, lastErr = errs+1, err.Error()
			} else {
				w.close()
			}
			mu.Lock()
			s.lat = append(s.lat, mine...)
			s.errs += errs
			if lastErr != "" {
				s.lastErr = lastErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	return s
}

// readResponse reads one HTTP/1.1 response, its body sized by
// Content-Length or chunked, and returns its status.
func readResponse(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	length, chunked := -1, false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length = atoi(value)
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		return status, discardChunks(br)
	case length < 0:
		return 0, errors.New("response without Content-Length: cannot keep the connection")
	}
	_, err = br.Discard(length)
	return status, err
}

// discardChunks skips a chunked body and its (empty) trailer.
func discardChunks(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size := 0
		for _, c := range bytes.TrimSpace(line) {
			d := 0
			switch {
			case c >= '0' && c <= '9':
				d = int(c - '0')
			case c >= 'a' && c <= 'f':
				d = int(c-'a') + 10
			case c >= 'A' && c <= 'F':
				d = int(c-'A') + 10
			default:
				return fmt.Errorf("bad chunk size %q", line)
			}
			size = size*16 + d
		}
		if _, err := br.Discard(size + 2); err != nil { // the chunk and its CRLF
			return err
		}
		if size == 0 {
			return nil
		}
	}
}

// atoi reads a decimal header value (-1 if it is not one) without the
// allocations of strconv on a byte slice.
func atoi(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
