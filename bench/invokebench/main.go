// Command invokebench measures gatehouse's function path on this machine:
// cold start per runtime, warm invoke latency through the Invoke API, and
// invokes/s at concurrency 1 and 8, plus the server's memory. It builds
// and starts a real `gatehouse serve` on a free loopback port.
//
//	go run ./bench/invokebench            # from the repository root
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/credentials"
)

var (
	duration = flag.Duration("duration", 5*time.Second, "length of each throughput run")
	colds    = flag.Int("cold", 20, "cold starts measured per runtime")
	warm     = flag.Int("warm", 5000, "sequential warm invokes for the latency figures")
	only     = flag.String("runtimes", "go,node,python", "runtimes to measure")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "invokebench:", err)
		os.Exit(1)
	}
}

type bench struct {
	url    string
	signer awsproto.Signer
	client *http.Client
}

func run() error {
	tmp, err := os.MkdirTemp("", "invokebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gatehouse")
	if err := goBuild(bin, "./cmd/gatehouse"); err != nil {
		return err
	}
	fnBin := filepath.Join(tmp, "bootstrap")
	if err := goBuild(fnBin, "./bench/invokebench/trivialfn", "-tags", "lambda.norpc"); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(tmp, "data")
	srv := exec.Command(bin, "serve", "--data", data, "--addr", addr, "--max-environments", "64")
	srv.Stderr = io.Discard
	srv.Env = append(os.Environ(), "GATEHOUSE_PPROF="+os.Getenv("GATEHOUSE_PPROF"))
	srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		syscall.Kill(-srv.Process.Pid, syscall.SIGTERM)
		srv.Wait()
	}()
	b := &bench{url: "http://" + addr, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for i := 0; ; i++ {
		if resp, err := http.Get(b.url + "/_gatehouse/health"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			return fmt.Errorf("server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	id, secret, ok := credentials.ReadCredentialsFile(filepath.Join(data, "credentials"))
	if !ok {
		return fmt.Errorf("no credentials in %s", data)
	}
	b.signer = awsproto.Signer{AccessKeyID: id, SecretAccessKey: secret, Region: "us-east-1", Service: "lambda"}

	goZip := zipOf(map[string]fileSpec{"bootstrap": {read(fnBin), 0o755}})
	nodeZip := zipOf(map[string]fileSpec{"index.mjs": {[]byte("export const handler = async (event) => ({ ok: true, n: event.n });\n"), 0o644}})
	pyZip := zipOf(map[string]fileSpec{"app.py": {[]byte("def handler(event, context):\n    return {'ok': True, 'n': event.get('n')}\n"), 0o644}})
	fns := []struct {
		name, runtime, handler string
		zip                    []byte
	}{
		{"bench-go", "provided.al2023", "bootstrap", goZip},
		{"bench-node", "nodejs20.x", "index.handler", nodeZip},
		{"bench-python", "python3.11", "app.handler", pyZip},
	}
	var picked []struct {
		name, runtime, handler string
		zip                    []byte
	}
	for _, f := range fns {
		if strings.Contains(*only, strings.TrimPrefix(f.name, "bench-")) {
			picked = append(picked, f)
		}
	}
	fns = picked
	for _, f := range fns {
		if err := b.create(f.name, f.runtime, f.handler, f.zip); err != nil {
			return err
		}
	}

	fmt.Printf("# gatehouse invoke benchmark (%s, %d CPUs)\n\n", time.Now().UTC().Format("2006-01-02"), numCPU())
	fmt.Println("| runtime | cold start p50 | cold start p90 |")
	fmt.Println("|---|---|---|")
	for _, f := range fns {
		var ds []time.Duration
		for i := 0; i < *colds; i++ {
			// A configuration change retires the warm environment, so the
			// next invoke is a cold start.
			if err := b.touch(f.name, i); err != nil {
				return err
			}
			start := time.Now()
			if err := b.invoke(f.name, []byte(`{"n":1}`)); err != nil {
				return err
			}
			ds = append(ds, time.Since(start))
		}
		fmt.Printf("| %s | %s | %s |\n", f.runtime, ms(pct(ds, 50)), ms(pct(ds, 90)))
	}

	// The baseline: the same Go handler called in-process through
	// aws-lambda-go's own handler wrapper (decode, call, encode).
	direct := lambda.NewHandler(func(ctx context.Context, e struct {
		N int `json:"n"`
	}) (map[string]any, error) {
		return map[string]any{"ok": true, "n": e.N}, nil
	})
	var dd []time.Duration
	for i := 0; i < *warm; i++ {
		start := time.Now()
		if _, err := direct.Invoke(context.Background(), []byte(`{"n":1}`)); err != nil {
			return err
		}
		dd = append(dd, time.Since(start))
	}
	fmt.Println("\n| warm invoke, one at a time | p50 | p99 | p50, signing HTTP client | p99, signing HTTP client |")
	fmt.Println("|---|---|---|---|---|")
	fmt.Printf("| Go handler called in-process (baseline) | %s | %s | | |\n", ms(pct(dd, 50)), ms(pct(dd, 99)))
	for _, f := range fns {
		b.invoke(f.name, []byte(`{"n":1}`))
		raw, err := b.rawLatency(f.name, *warm)
		if err != nil {
			return err
		}
		ds := make([]time.Duration, 0, *warm)
		for i := 0; i < *warm; i++ {
			start := time.Now()
			if err := b.invoke(f.name, []byte(`{"n":1}`)); err != nil {
				return err
			}
			ds = append(ds, time.Since(start))
		}
		fmt.Printf("| %s | %s | %s | %s | %s |\n", f.runtime, ms(pct(raw, 50)), ms(pct(raw, 99)), ms(pct(ds, 50)), ms(pct(ds, 99)))
	}

	fmt.Println("\n| throughput (trivial function) | concurrency 1 | concurrency 8 |")
	fmt.Println("|---|---|---|")
	for _, f := range fns {
		r1 := b.throughput(f.name, 1)
		r8 := b.throughput(f.name, 8)
		fmt.Printf("| %s | %.0f invokes/s | %.0f invokes/s |\n", f.runtime, r1, r8)
	}
	if os.Getenv("BENCH_METRICS") != "" {
		resp, err := http.Get(b.url + "/_gatehouse/metrics")
		if err == nil {
			m, _ := io.ReadAll(resp.Body)
			for _, l := range strings.Split(string(m), "\n") {
				if strings.HasPrefix(l, "gatehouse_function_cold") || strings.HasPrefix(l, "gatehouse_function_inv") || strings.HasPrefix(l, "gatehouse_env") {
					fmt.Fprintln(os.Stderr, l)
				}
			}
		}
	}
	if os.Getenv("GATEHOUSE_PPROF") == "1" {
		if resp, err := http.Get(b.url + "/debug/pprof/allocs"); err == nil {
			data, _ := io.ReadAll(resp.Body)
			os.WriteFile("/tmp/gatehouse.allocs", data, 0o644)
		}
	}
	fmt.Printf("\nserver RSS after the runs: %.1f MiB (environments excluded)\n", rssMiB(srv.Process.Pid))
	return nil
}

func (b *bench) do(method, path string, hdr http.Header, body []byte) ([]byte, http.Header, error) {
	req, _ := http.NewRequest(method, b.url+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	if err := b.signer.Sign(req, body); err != nil {
		return nil, nil, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out, resp.Header, err
}

func (b *bench) create(name, runtime, handler string, zip []byte) error {
	body, _ := json.Marshal(map[string]any{
		"FunctionName": name, "Runtime": runtime, "Handler": handler, "MemorySize": 256,
		"Role": "arn:aws:iam::000000000000:role/bench", "Code": map[string]any{"ZipFile": zip},
	})
	_, _, err := b.do("POST", "/2015-03-31/functions", nil, body)
	return err
}

func (b *bench) touch(name string, i int) error {
	body, _ := json.Marshal(map[string]any{"Description": fmt.Sprint("cold ", i)})
	_, _, err := b.do("PUT", "/2015-03-31/functions/"+name+"/configuration", nil, body)
	return err
}

func (b *bench) invoke(name string, payload []byte) error {
	_, h, err := b.do("POST", "/2015-03-31/functions/"+name+"/invocations", nil, payload)
	if err == nil && h.Get("X-Amz-Function-Error") != "" {
		err = fmt.Errorf("function error invoking %s", name)
	}
	return err
}

// throughput drives the Invoke API like wrk: each connection replays one
// signed request (a SigV4 signature stays valid for minutes) over a raw
// keep-alive connection, so the load generator spends its CPU on the
// wire, not on an HTTP client, and gatehouse gets the two cores' rest.
func (b *bench) throughput(name string, conc int) float64 {
	if os.Getenv("GATEHOUSE_PPROF") == "1" && conc == 8 {
		// Profile the server during the concurrent run only.
		go func() {
			resp, err := http.Get(b.url + "/debug/pprof/profile?seconds=3")
			if err == nil {
				data, _ := io.ReadAll(resp.Body)
				os.WriteFile("/tmp/gatehouse.pprof", data, 0o644)
			}
		}()
	}
	wire := b.rawInvoke(name)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var n, errs atomic.Int64
	var lastErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", strings.TrimPrefix(b.url, "http://"))
			if err != nil {
				errs.Add(1)
				lastErr.Store(err.Error())
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			for ctx.Err() == nil {
				if _, err := conn.Write(wire); err != nil {
					errs.Add(1)
					lastErr.Store(err.Error())
					return
				}
				status, err := readResponse(br)
				if err != nil {
					errs.Add(1)
					lastErr.Store(err.Error())
					return
				}
				if status != 200 {
					errs.Add(1)
					lastErr.Store(fmt.Sprint("status ", status))
					continue
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if errs.Load() > 0 {
		fmt.Fprintf(os.Stderr, "%s at concurrency %d: %d errors, last: %v\n", name, conc, errs.Load(), lastErr.Load())
	}
	return float64(n.Load()) / time.Since(start).Seconds()
}

// rawInvoke is a signed Invoke request as bytes on the wire; a SigV4
// signature stays valid for minutes, so it can be replayed.
func (b *bench) rawInvoke(name string) []byte {
	body := []byte(`{"n":1}`)
	req, _ := http.NewRequest("POST", b.url+"/2015-03-31/functions/"+name+"/invocations", bytes.NewReader(body))
	if err := b.signer.Sign(req, body); err != nil {
		panic(err)
	}
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.URL.RequestURI(), req.Host, len(body))
	for k, v := range req.Header {
		fmt.Fprintf(&raw, "%s: %s\r\n", k, v[0])
	}
	raw.WriteString("\r\n")
	raw.Write(body)
	return raw.Bytes()
}

// rawLatency times sequential invokes on one raw keep-alive connection:
// the Invoke API round trip without an HTTP client library's own cost.
func (b *bench) rawLatency(name string, n int) ([]time.Duration, error) {
	wire := b.rawInvoke(name)
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.url, "http://"))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	ds := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, err := conn.Write(wire); err != nil {
			return nil, err
		}
		status, err := readResponse(br)
		if err != nil {
			return nil, err
		}
		if status != 200 {
			return nil, fmt.Errorf("status %d", status)
		}
		ds = append(ds, time.Since(start))
	}
	return ds, nil
}

// readResponse reads one HTTP/1.1 response with a Content-Length body.
func readResponse(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	length := 0
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if len(h) > 16 && (h[0] == 'C' || h[0] == 'c') && strings.EqualFold(string(h[:15]), "Content-Length:") {
			fmt.Sscanf(strings.TrimSpace(string(h[15:])), "%d", &length)
		}
	}
	_, err = br.Discard(length)
	return status, err
}

type fileSpec struct {
	body []byte
	mode os.FileMode
}

func zipOf(files map[string]fileSpec) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, f := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(f.mode)
		w, _ := zw.CreateHeader(h)
		w.Write(f.body)
	}
	zw.Close()
	return buf.Bytes()
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return b
}

func goBuild(out, pkg string, extra ...string) error {
	args := append([]string{"build"}, extra...)
	args = append(args, "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.3f ms", float64(d.Nanoseconds())/1e6)
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

func rssMiB(pid int) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}
