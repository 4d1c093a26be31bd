package mail

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw  string
		want SMTPConfig
	}{
		{"smtp://user:pass@mail.example.com:587?starttls=always", SMTPConfig{Host: "mail.example.com", Port: 587, Username: "user", Password: "pass", StartTLS: StartTLSAlways}},
		{"smtps://mail.example.com", SMTPConfig{Host: "mail.example.com", Port: 465, ImplicitTLS: true, StartTLS: StartTLSAuto}},
		{"smtps://mail.example.com:2465", SMTPConfig{Host: "mail.example.com", Port: 2465, ImplicitTLS: true, StartTLS: StartTLSAuto}},
		{"smtp://localhost:1025", SMTPConfig{Host: "localhost", Port: 1025, StartTLS: StartTLSAuto}},
		{"SMTP://localhost", SMTPConfig{Host: "localhost", Port: 587, StartTLS: StartTLSAuto}},
		{"smtp://[::1]:25?starttls=never", SMTPConfig{Host: "::1", Port: 25, StartTLS: StartTLSNever}},
		{"smtp://apikey:p%40ss%3Aw%2Frd@smtp.example.com/?insecure_skip_verify=true&timeout=5s&local_name=app.example.com",
			SMTPConfig{Host: "smtp.example.com", Port: 587, Username: "apikey", Password: "p@ss:w/rd", StartTLS: StartTLSAuto, InsecureSkipVerify: true, Timeout: 5 * time.Second, LocalName: "app.example.com"}},
	}
	for _, c := range cases {
		got, err := ParseSMTPURL(c.raw)
		if err != nil {
			t.Errorf("ParseSMTPURL(%q): %v", c.raw, err)
			continue
		}
		want := c.want
		if want.Timeout == 0 {
			want.Timeout = 30 * time.Second
		}
		if want.LocalName == "" {
			want.LocalName = "localhost"
		}
		if fmt.Sprintf("%+v/%s", *got, got.Password) != fmt.Sprintf("%+v/%s", want, want.Password) {
			t.Errorf("ParseSMTPURL(%q) =\n%#v\nwant\n%#v", c.raw, got, want)
		}
	}
}

// TestParseSMTPURLHostile feeds malformed URLs, each with a password that
// must not appear in the error.
func TestParseSMTPURLHostile(t *testing.T) {
	t.Parallel()
	const pw = "Sup3rS3cretPw"
	for _, raw := range []string{
		"smtp://user:" + pw + "@host:99999",
		"smtp://user:" + pw + "@host:port",
		"smtp://user:" + pw + "@host:-1",
		"smtp://user:" + pw + "%zz@host",
		"smtp://user:" + pw + "@ho st",
		"smtp://user:" + pw + "@",
		"smtp://user:" + pw + "@host?starttls=sometimes",
		"smtp://user:" + pw + "@host?tls=yes",
		"smtp://user:" + pw + "@host?timeout=-5s",
		"smtp://user:" + pw + "@host?insecure_skip_verify=maybe",
		"smtp://user:" + pw + "@host?local_name=a%20b",
		"smtp://user:" + pw + "@host/path",
		"smtp://user:" + pw + "@host#frag",
		"smtp://user:" + pw + "@host?%zz",
		"smtps://user:" + pw + "@host?starttls=always",
		"smtp://:" + pw + "@host",
		"http://user:" + pw + "@host",
		"smtp:user:" + pw + "@host",
		"user:" + pw + "@host:25",
		"\x00smtp://user:" + pw + "@host",
		"smtp://user:" + pw + "@host\r\nRCPT TO:<x@y>",
		// Unescaped '/', '?' and '#' in a password move the rest of it
		// into the host, query or fragment.
		"smtp://user:ab/" + pw + "@host",
		"smtp://user:ab?" + pw + "@host",
		"smtp://user:ab#" + pw + "@host",
		"smtp://host?" + pw + "=1",
		"",
	} {
		c, err := ParseSMTPURL(raw)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) = %v, want an error", raw, c)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("ParseSMTPURL(%q) error shows the password: %v", raw, err)
		}
	}
}

func TestSMTPConfigNeverShowsPassword(t *testing.T) {
	t.Parallel()
	c, err := ParseSMTPURL("smtp://user:Hunter2Hunter2@mail.example.com?starttls=always")
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "smtp", c, "value", *c)
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", *c, *c, *c, c), logged.String()} {
		if strings.Contains(s, "Hunter2") {
			t.Errorf("password shown: %s", s)
		}
	}
	if c.String() != "smtp://user@mail.example.com:587?starttls=always" {
		t.Errorf("String() = %q", c.String())
	}
}

// FuzzParseSMTPURL checks that any accepted URL yields a usable
// configuration that survives a round trip through String (less the
// password), and that no error repeats the password. The fuzzer writes
// the URL around a password it cannot see through: alphanumeric, at least
// eight characters, written once.
func FuzzParseSMTPURL(f *testing.F) {
	for _, seed := range []struct{ scheme, user, rest string }{
		{"smtp", "user", "host:587?starttls=always"}, {"smtps", "", "host:465"}, {"smtp", "u", "[::1]:25"},
		{"smtp", "u", "h?timeout=1m&local_name=x"}, {"smtp", "u", "h:0"}, {"smtp", "%00", "h"}, {"smtps", "u", "h?starttls=never"},
		{"smtp", "u", "h/?insecure_skip_verify=1"}, {"smtp", "u", "::"}, {"smtp", "u", "h:99999"}, {"smtp", "u%zz", "h"},
	} {
		f.Add(seed.scheme, seed.user, seed.rest)
	}
	const pw = "PwXq7Lm9Zt"
	f.Fuzz(func(t *testing.T, scheme, user, rest string) {
		raw := scheme + "://" + user + ":" + pw + "@" + rest
		c, err := ParseSMTPURL(raw)
		if err != nil {
			if strings.Count(raw, pw) == 1 && strings.Contains(err.Error(), pw) {
				t.Fatalf("error shows the password: %v", err)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 || c.Timeout <= 0 || c.LocalName == "" {
			t.Fatalf("accepted an unusable configuration: %#v", c)
		}
		switch c.StartTLS {
		case StartTLSAuto, StartTLSAlways, StartTLSNever:
		default:
			t.Fatalf("StartTLS = %q", c.StartTLS)
		}
		shown := c.String()
		if c.Password != "" && strings.Contains(shown, c.Password) && strings.Count(raw, c.Password) == 1 {
			t.Fatalf("String() shows the password: %s", shown)
		}
		again, err := ParseSMTPURL(shown)
		if err != nil {
			t.Fatalf("String() = %q does not parse: %v", shown, err)
		}
		if again.Host != c.Host || again.Port != c.Port || again.Username != c.Username || again.StartTLS != c.StartTLS || again.ImplicitTLS != c.ImplicitTLS {
			t.Fatalf("round trip through %q changed %#v into %#v", shown, c, again)
		}
	})
}
