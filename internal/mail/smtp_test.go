package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testCert writes a self-signed certificate for 127.0.0.1 and localhost
// and returns its files and a pool that trusts it.
func testCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gatehouse test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestSMTPDelivery sends through a real SMTP server process, over
// STARTTLS with AUTH PLAIN, and checks what arrived byte by byte.
func TestSMTPDelivery(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := testCert(t)
	srv := startSMTPD(t, "-cert", certFile, "-key", keyFile, "-starttls", "-user", "mailer", "-pass", "s3cret pass")
	e := newEnv(t, nil)
	s := e.service(Options{From: "Gatehouse <no-reply@gatehouse.test>", SMTP: &SMTPConfig{
		Host: srv.Host, Port: srv.Port, Username: "mailer", Password: "s3cret pass", StartTLS: StartTLSAlways, RootCAs: pool, Timeout: 10 * time.Second,
	}})
	s.Start()

	// Lines starting with a dot must survive SMTP's dot-stuffing; a lone
	// dot would end the message early if it were not stuffed.
	body := "Bonjour Zoë,\n.\n.hidden line\n..two dots\nYour code is 123456.\n" + strings.Repeat("long line ", 30) + "\nend"
	subject := "Votre code de vérification ✓"
	cases := []struct {
		name  string
		msg   Message
		ctype string
	}{
		{"plain", Message{Medium: Email, To: "zoe@example.com", Subject: subject, Body: body, Source: "us-east-1_AbC SignUp"}, "text/plain; charset=UTF-8"},
		{"html", Message{Medium: Email, To: "Zoë Durand <zoe@example.com>", From: "security@gatehouse.test", Subject: "Reset", Body: "<p>Code: <b>654321</b></p>", HTML: true}, "text/html; charset=UTF-8"},
	}
	var sent []string
	for _, c := range cases {
		id := send(t, s, c.msg)
		got := waitEntry(t, s, id, "SENT", hasStatus(StatusSent))
		if got.Attempts != 1 {
			t.Fatalf("%s: %+v", c.name, got)
		}
		sent = append(sent, id)
	}
	msgs := srv.messages(t)
	if len(msgs) != len(cases) {
		t.Fatalf("the server received %d messages, want %d", len(msgs), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := msgs[i]
			wantFrom := "no-reply@gatehouse.test"
			if c.msg.From != "" {
				wantFrom = c.msg.From
			}
			if r.From != wantFrom || len(r.To) != 1 || r.To[0] != "zoe@example.com" {
				t.Fatalf("envelope: MAIL FROM %q, RCPT TO %q", r.From, r.To)
			}
			if !r.TLS || r.AuthUser != "mailer" {
				t.Fatalf("TLS %v, authenticated as %q; want STARTTLS and AUTH", r.TLS, r.AuthUser)
			}
			if !strings.Contains(r.Data, "\r\n") || regexp.MustCompile(`[^\r]\n`).MatchString(r.Data) {
				t.Fatal("the message does not use CRLF line ends throughout")
			}
			for _, line := range strings.Split(r.Data, "\r\n") {
				if len(line) > 78 {
					t.Fatalf("line of %d bytes: %q", len(line), line)
				}
			}
			m, err := mail.ReadMessage(strings.NewReader(r.Data))
			if err != nil {
				t.Fatal(err)
			}
			h := m.Header
			if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
				t.Errorf("Date %q: %v", h.Get("Date"), err)
			}
			if want := "<" + sent[i] + "@gatehouse.test>"; h.Get("Message-ID") != want {
				t.Errorf("Message-ID = %q, want %q", h.Get("Message-ID"), want)
			}
			from, err := h.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Address != wantFrom {
				t.Errorf("From = %q (%v)", h.Get("From"), err)
			}
			if c.msg.From == "" && from[0].Name != "Gatehouse" {
				t.Errorf("From name = %q, want the default sender's", from[0].Name)
			}
			to, err := h.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != "zoe@example.com" {
				t.Errorf("To = %q (%v)", h.Get("To"), err)
			}
			if c.name == "html" && to[0].Name != "Zoë Durand" {
				t.Errorf("To name = %q, want Zoë Durand", to[0].Name)
			}
			raw := h.Get("Subject")
			if c.msg.Subject == subject && !strings.HasPrefix(raw, "=?UTF-8?q?") {
				t.Errorf("a non-ASCII Subject is not RFC 2047-encoded: %q", raw)
			}
			if dec, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || dec != c.msg.Subject {
				t.Errorf("Subject decodes to %q (%v), want %q", dec, err, c.msg.Subject)
			}
			for k, want := range map[string]string{"MIME-Version": "1.0", "Content-Type": c.ctype, "Content-Transfer-Encoding": "quoted-printable", "Auto-Submitted": "auto-generated"} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			decoded, err := io.ReadAll(quotedprintable.NewReader(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(c.msg.Body, "\n", "\r\n") + "\r\n"
			if string(decoded) != want {
				t.Errorf("body decodes to\n%q\nwant\n%q", decoded, want)
			}
		})
	}
}

// TestSMTPFailures covers configurations that must fail, and fail
// clearly: each message is retried, then FAILED with the reason.
func TestSMTPFailures(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := testCert(t)
	tlsAuth := startSMTPD(t, "-cert", certFile, "-key", keyFile, "-starttls", "-user", "mailer", "-pass", "r1ght-pw")
	plain := startSMTPD(t)
	cases := []struct {
		name     string
		srv      *smtpd
		cfg      SMTPConfig
		to       string
		attempts int
		says     string
	}{
		{"wrong password", tlsAuth, SMTPConfig{Username: "mailer", Password: "wrong", RootCAs: pool}, "a@example.com", 3, "535"},
		{"starttls=always without STARTTLS", plain, SMTPConfig{StartTLS: StartTLSAlways}, "a@example.com", 3, "does not offer STARTTLS"},
		{"untrusted certificate", tlsAuth, SMTPConfig{Username: "mailer", Password: "r1ght-pw"}, "a@example.com", 3, "certificate"},
		{"TLS to a plaintext server", plain, SMTPConfig{ImplicitTLS: true, RootCAs: pool}, "a@example.com", 3, "TLS"},
		{"recipient refused (permanent)", plain, SMTPConfig{}, "nobody@example.com", 1, "550"},
		{"nothing listening", &smtpd{Host: "127.0.0.1", Port: closedPort(t)}, SMTPConfig{}, "a@example.com", 3, "connection refused"},
	}
	// Runs once the parallel subtests are done.
	t.Cleanup(func() {
		if n := len(tlsAuth.messages(t)) + len(plain.messages(t)); n != 0 {
			t.Errorf("%d messages got through", n)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := c.cfg
			cfg.Host, cfg.Port, cfg.Timeout = c.srv.Host, c.srv.Port, 5*time.Second
			e := newEnv(t, nil)
			s := e.service(Options{SMTP: &cfg, MaxAttempts: 3})
			s.Start()
			id := send(t, s, Message{Medium: Email, To: c.to, Subject: "x", Body: "secret code 13579"})
			got := waitEntry(t, s, id, "FAILED", hasStatus(StatusFailed))
			if got.Attempts != c.attempts || !strings.Contains(got.LastError, c.says) {
				t.Fatalf("entry = %+v; want FAILED after %d attempt(s) saying %q", got, c.attempts, c.says)
			}
			if logs := e.logs(); strings.Contains(logs, "secret code") || strings.Contains(logs, "r1ght-pw") {
				t.Fatalf("the log shows the body or the password:\n%s", logs)
			}
			t.Logf("last error: %s", got.LastError)
		})
	}
}

// TestSMTPModes delivers over implicit TLS and over plaintext with AUTH
// to a loopback server, which is the one place a password may go in the
// clear.
func TestSMTPModes(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _ := testCert(t)
	cases := []struct {
		name    string
		args    []string
		cfg     SMTPConfig
		wantTLS bool
	}{
		{"smtps", []string{"-cert", certFile, "-key", keyFile, "-implicit-tls", "-user", "u", "-pass", "p"}, SMTPConfig{ImplicitTLS: true, InsecureSkipVerify: true, Username: "u", Password: "p"}, true},
		{"plaintext auth on loopback", []string{"-user", "u", "-pass", "p", "-insecure-auth"}, SMTPConfig{StartTLS: StartTLSNever, Username: "u", Password: "p"}, false},
		{"starttls auto, not offered", nil, SMTPConfig{}, false},
		{"starttls never, offered", []string{"-cert", certFile, "-key", keyFile, "-starttls"}, SMTPConfig{StartTLS: StartTLSNever}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTPD(t, c.args...)
			cfg := c.cfg
			cfg.Host, cfg.Port, cfg.Timeout = srv.Host, srv.Port, 5*time.Second
			s := newEnv(t, nil).service(Options{SMTP: &cfg})
			s.Start()
			id := send(t, s, Message{Medium: Email, To: "a@example.com", Body: "hi"})
			waitEntry(t, s, id, "SENT", hasStatus(StatusSent))
			if got := srv.messages(t); len(got) != 1 || got[0].TLS != c.wantTLS || got[0].AuthUser != cfg.Username {
				t.Fatalf("received %+v; want one message, TLS %v, user %q", got, c.wantTLS, cfg.Username)
			}
		})
	}
}

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestPlaintextPasswordOnlyToLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"smtp.example.com": false, "10.0.0.1": false, "localhost.example.com": false, "::ffff:10.0.0.1": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
