package mail

// A real SMTP server for the tests, run as its own process: the test
// binary re-executes itself with smtpdEnv set (see TestMain), so the
// server needs no separate build step and its dependencies stay in the
// module's test graph.

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const smtpdEnv = "GATEHOUSE_TEST_SMTPD"

func TestMain(m *testing.M) {
	if os.Getenv(smtpdEnv) == "1" {
		if err := smtpdMain(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "smtpd:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// received is one message as the test server stored it.
type received struct {
	From     string   `json:"from"`
	To       []string `json:"to"`
	Data     string   `json:"data"`
	TLS      bool     `json:"tls"`
	AuthUser string   `json:"authUser"`
}

// smtpdMain serves SMTP on a loopback port, printing "ADDR host:port"
// once listening, and writes every message it accepts to -dir. It exits
// when its standard input closes, so it never outlives the test.
func smtpdMain(args []string) error {
	fs := flag.NewFlagSet("smtpd", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for received messages")
	certFile := fs.String("cert", "", "TLS certificate (PEM)")
	keyFile := fs.String("key", "", "TLS key (PEM)")
	startTLS := fs.Bool("starttls", false, "offer STARTTLS (needs -cert, -key)")
	implicit := fs.Bool("implicit-tls", false, "speak TLS from the first byte (needs -cert, -key)")
	user := fs.String("user", "", "require AUTH PLAIN as this user")
	pass := fs.String("pass", "", "the user's password")
	insecureAuth := fs.Bool("insecure-auth", false, "allow AUTH without TLS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var tlsConfig *tls.Config
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return err
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	be := &smtpdBackend{dir: *dir, user: *user, pass: *pass}
	s := smtp.NewServer(be)
	s.Domain = "smtpd.test"
	s.ReadTimeout = 30 * time.Second
	s.WriteTimeout = 30 * time.Second
	s.MaxMessageBytes = 1 << 20
	s.AllowInsecureAuth = *insecureAuth
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	switch {
	case *implicit:
		ln = tls.NewListener(ln, tlsConfig)
	case *startTLS:
		s.TLSConfig = tlsConfig
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	return s.Serve(ln)
}

type smtpdBackend struct {
	dir, user, pass string
	mu              sync.Mutex
	n               int
}

func (b *smtpdBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &smtpdSession{b: b, conn: c, tls: isTLS}, nil
}

type smtpdSession struct {
	b        *smtpdBackend
	conn     *smtp.Conn
	tls      bool
	authUser string
	from     string
	to       []string
}

func (s *smtpdSession) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpdSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authUser = user
		return nil
	}), nil
}

func (s *smtpdSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && s.authUser == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpdSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpdSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// STARTTLS happens after the session starts; ask the connection now.
	_, isTLS := s.conn.TLSConnectionState()
	msg := received{From: s.from, To: s.to, Data: string(data), TLS: isTLS || s.tls, AuthUser: s.authUser}
	out, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.n++
	name := filepath.Join(s.b.dir, fmt.Sprintf("%06d.json", s.b.n))
	s.b.mu.Unlock()
	if err := os.WriteFile(name+".tmp", out, 0o600); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

func (s *smtpdSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpdSession) Logout() error { return nil }

// smtpd is a running test server.
type smtpd struct {
	Host string
	Port int
	Dir  string
}

// startSMTPD runs the test server with args (see smtpdMain) until the
// test ends.
func startSMTPD(t *testing.T, args ...string) *smtpd {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], append([]string{"-dir", dir}, args...)...)
	cmd.Env = append(os.Environ(), smtpdEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrPath := filepath.Join(t.TempDir(), "smtpd.stderr")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	said := func() string { b, _ := os.ReadFile(stderrPath); return string(b) }
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the test SMTP server: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the test SMTP server did not start: %v\n%s", err, said())
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if !ok {
		t.Fatalf("the test SMTP server said %q\n%s", line, said())
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var p int
	fmt.Sscan(port, &p)
	return &smtpd{Host: host, Port: p, Dir: dir}
}

// messages returns what the server has accepted, in order.
func (s *smtpd) messages(t *testing.T) []received {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(s.Dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var out []received
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var m received
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, m)
	}
	return out
}
