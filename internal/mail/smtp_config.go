package mail

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// STARTTLS policies.
const (
	StartTLSAuto   = "auto"   // upgrade when the server offers it
	StartTLSAlways = "always" // refuse to send over a server that does not
	StartTLSNever  = "never"  // stay in plaintext
)

// SMTPConfig is how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int // default 587, or 465 with ImplicitTLS
	Username string
	Password string
	// StartTLS is StartTLSAuto (default), StartTLSAlways or StartTLSNever;
	// it does not apply with ImplicitTLS.
	StartTLS string
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465).
	ImplicitTLS        bool
	InsecureSkipVerify bool
	RootCAs            *x509.CertPool // nil: the system roots
	// Timeout bounds one whole delivery: connect, TLS, auth, send
	// (default 30 s).
	Timeout time.Duration
	// LocalName is the name given in EHLO (default "localhost").
	LocalName string
}

// ParseSMTPURL reads the URL form of an SMTPConfig:
//
//	smtp://user:pass@host:587?starttls=always
//	smtps://host:465
//
// Query parameters: starttls (auto, always, never), insecure_skip_verify
// (true, false), timeout (a Go duration), local_name.
//
// Errors quote nothing from the URL: a password with an unescaped '/',
// '?' or '#' shifts the rest of it into the host, path or query, where
// an echo would print part of it.
func ParseSMTPURL(raw string) (*SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("SMTP URL: cannot parse it (percent-encode special characters in the user name and password)")
	}
	c := &SMTPConfig{}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
	case "smtps":
		c.ImplicitTLS = true
	default:
		return nil, errors.New("SMTP URL: the scheme must be smtp or smtps")
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, errors.New("SMTP URL: want scheme://[user[:password]@]host[:port][?options] and nothing else")
	}
	c.Host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("SMTP URL: the port must be a number from 1 to 65535")
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("SMTP URL: cannot parse the options")
	}
	for key, vals := range q {
		v := vals[len(vals)-1]
		switch key {
		case "starttls":
			c.StartTLS = strings.ToLower(v)
		case "insecure_skip_verify":
			if c.InsecureSkipVerify, err = strconv.ParseBool(v); err != nil {
				return nil, errors.New("SMTP URL: insecure_skip_verify must be true or false")
			}
		case "timeout":
			if c.Timeout, err = time.ParseDuration(v); err != nil || c.Timeout <= 0 {
				return nil, errors.New("SMTP URL: timeout must be a positive duration such as 30s")
			}
		case "local_name":
			c.LocalName = v
		default:
			name := "an unknown option"
			if optionName.MatchString(key) {
				name = fmt.Sprintf("unknown option %q", key)
			}
			return nil, fmt.Errorf("SMTP URL: %s (want starttls, insecure_skip_verify, timeout or local_name)", name)
		}
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("SMTP URL: %w", err)
	}
	return c, nil
}

// optionName is what an option name looks like; anything else may be a
// piece of a password and is not repeated.
var optionName = regexp.MustCompile(`^[a-z_]{1,32}$`)

// check validates c and fills in its defaults.
func (c *SMTPConfig) check() error {
	if c.Host == "" {
		return errors.New("no host")
	}
	if !validHost(c.Host) {
		return errors.New("the host is not a host name or IP address")
	}
	if c.Port == 0 {
		c.Port = 587
		if c.ImplicitTLS {
			c.Port = 465
		}
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d is out of range", c.Port)
	}
	switch c.StartTLS {
	case "":
		c.StartTLS = StartTLSAuto
	case StartTLSAuto, StartTLSAlways, StartTLSNever:
	default:
		return errors.New("starttls must be auto, always or never")
	}
	if c.ImplicitTLS && c.StartTLS != StartTLSAuto {
		return errors.New("starttls does not apply to smtps (implicit TLS)")
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("a password without a user name")
	}
	// EHLO is a command line: the name must not break it.
	if strings.ContainsAny(c.LocalName, " \t\r\n") {
		return errors.New("the local name contains white space")
	}
	if c.LocalName == "" {
		c.LocalName = "localhost"
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return nil
}

// validHost accepts an IP address or a DNS name (underscores allowed, as
// container names have them).
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 || strings.HasPrefix(h, "-") || strings.HasPrefix(h, ".") {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// String is the configuration as a URL without the password, safe to log.
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.ImplicitTLS {
		u.Scheme = "smtps"
	} else if c.StartTLS != "" && c.StartTLS != StartTLSAuto {
		u.RawQuery = "starttls=" + c.StartTLS
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// LogValue keeps the password out of structured logs too.
func (c SMTPConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// GoString keeps the password out of %#v.
func (c SMTPConfig) GoString() string { return "mail.SMTPConfig(" + c.String() + ")" }
