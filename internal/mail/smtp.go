package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
)

// smtpTransport sends each message over its own SMTP session: messages
// are few (codes, passwords), and a fresh session never inherits a
// half-broken one.
type smtpTransport struct {
	cfg SMTPConfig
}

func newSMTPTransport(cfg SMTPConfig) (*smtpTransport, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &smtpTransport{cfg: cfg}, nil
}

func (t *smtpTransport) String() string { return t.cfg.String() }

func (t *smtpTransport) deliver(ctx context.Context, d delivery) error {
	from, err := ParseAddress(d.From)
	if err != nil {
		return &permanentError{fmt.Errorf("From: %w", err)}
	}
	to, err := ParseAddress(d.To)
	if err != nil {
		return &permanentError{fmt.Errorf("To: %w", err)}
	}
	data, err := buildEmail(d)
	if err != nil {
		return &permanentError{err}
	}
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return classify(fmt.Errorf("RCPT TO: %w", err))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The DATA writer dot-stuffs lines that start with a dot.
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return classify(fmt.Errorf("DATA: %w", err))
	}
	// The message is accepted once DATA is answered; a failed QUIT does
	// not make it unsent.
	c.Quit()
	return nil
}

// classify marks a 5xx reply as permanent: the server has refused this
// message for good (an unknown recipient, a message it will not take),
// and asking again would only be refused again.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return &permanentError{err}
	}
	return err
}

// connect opens a session ready for MAIL FROM: greeting, EHLO, TLS as
// configured, and authentication.
func (t *smtpTransport) connect(ctx context.Context) (*session, error) {
	cfg := t.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("connect: %w", err)
	}
	// The whole session, not each read, is bounded: a server that trickles
	// bytes must not hold a worker for ever. Cancellation closes it early.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	tlsConfig := &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if cfg.ImplicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			cancel()
			return nil, fmt.Errorf("TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		conn.Close()
		cancel()
		return nil, fmt.Errorf("greeting from %s: %w", addr, err)
	}
	sess := &session{c, func() { stop(); cancel() }}
	if err := t.prepare(c, tlsConfig); err != nil {
		sess.Close()
		return nil, err
	}
	return sess, nil
}

// prepare says EHLO, upgrades to TLS and authenticates, as configured.
func (t *smtpTransport) prepare(c *smtp.Client, tlsConfig *tls.Config) error {
	cfg := t.cfg
	if err := c.Hello(cfg.LocalName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !cfg.ImplicitTLS && cfg.StartTLS != StartTLSNever {
		offered, _ := c.Extension("STARTTLS")
		switch {
		case offered:
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		case cfg.StartTLS == StartTLSAlways:
			return fmt.Errorf("%s does not offer STARTTLS, and starttls=always forbids sending in plaintext", cfg.Host)
		}
	}
	if cfg.Username == "" {
		return nil
	}
	_, encrypted := c.TLSConnectionState()
	if !encrypted && !isLoopback(cfg.Host) {
		return fmt.Errorf("refusing to send the SMTP password to %s over an unencrypted connection (use STARTTLS or smtps)", cfg.Host)
	}
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return fmt.Errorf("%s does not offer AUTH, but a user name is configured", cfg.Host)
	}
	var auth smtp.Auth
	switch offered := strings.Fields(strings.ToUpper(mechs)); {
	case contains(offered, "PLAIN"):
		auth = plainAuth{cfg.Username, cfg.Password}
	case contains(offered, "LOGIN"):
		auth = &loginAuth{user: cfg.Username, pass: cfg.Password}
	default:
		return fmt.Errorf("%s offers AUTH %s; gatehouse speaks PLAIN and LOGIN", cfg.Host, mechs)
	}
	if err := c.Auth(auth); err != nil {
		return fmt.Errorf("AUTH: %w", err)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isLoopback reports whether host names this machine, where a plaintext
// password never crosses a network.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// session is an SMTP client whose Close also releases what connect set
// up for it (the deadline timer, the cancellation hook).
type session struct {
	*smtp.Client
	release func()
}

func (s *session) Close() error {
	err := s.Client.Close()
	s.release()
	return err
}

// plainAuth is SASL PLAIN. net/smtp's PlainAuth has its own idea of
// which hosts may see a password in the clear; prepare decides that here.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge after AUTH PLAIN")
	}
	return nil, nil
}

// loginAuth is the LOGIN mechanism, which some servers (Exchange, older
// relays) offer instead of PLAIN.
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch {
	case a.step == 1:
		return []byte(a.user), nil
	case a.step == 2:
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected AUTH LOGIN challenge %q", challenge)
}
