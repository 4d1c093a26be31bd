package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOutboxCommand runs `gatehouse outbox` against a real server, and
// checks that the outbox API lets in only requests signed for it.
func TestOutboxCommand(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	outbox := func(args ...string) (string, string, int) {
		t.Helper()
		args = append([]string{"outbox", "--endpoint", s.URL, "--data", s.Data}, args...)
		return runCmd(t, cleanEnv(), time.Minute, binPath, args...)
	}

	t.Run("json on a fresh server", func(t *testing.T) {
		stdout, stderr, code := outbox("--json")
		if code != 0 || strings.TrimSpace(stdout) != "[]" {
			t.Fatalf("gatehouse outbox --json: exit %d, stdout %q, stderr %q; want []", code, stdout, stderr)
		}
	})
	t.Run("human on a fresh server", func(t *testing.T) {
		stdout, stderr, code := outbox("--to", "someone@example.com", "--limit", "5")
		if code != 0 || strings.TrimSpace(stdout) != "No messages." {
			t.Fatalf("gatehouse outbox: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
	t.Run("bad limit", func(t *testing.T) {
		_, stderr, code := outbox("--limit", "0")
		if code == 0 || !strings.Contains(stderr, "--limit") {
			t.Fatalf("gatehouse outbox --limit 0: exit %d, stderr %q", code, stderr)
		}
	})

	body, _ := json.Marshal(map[string]any{"Limit": 10})
	header := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"GatehouseOutbox.ListMessages"}}
	for _, c := range []struct {
		name   string
		req    rawReq
		status int
		code   string
	}{
		{"signed", rawReq{ID: s.AccessKey, Secret: s.SecretKey, Service: "gatehouse"}, 200, ""},
		{"unsigned", rawReq{}, 403, "MissingAuthenticationTokenException"},
		{"signed for lambda", rawReq{ID: s.AccessKey, Secret: s.SecretKey}, 403, "InvalidSignatureException"},
		{"wrong secret", rawReq{ID: s.AccessKey, Secret: "not-the-secret", Service: "gatehouse"}, 403, "InvalidSignatureException"},
		{"unknown key", rawReq{ID: "AKIAUNKNOWNKEY000000", Secret: "x", Service: "gatehouse"}, 403, "UnrecognizedClientException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			r.Path, r.Header, r.Body = "/", header, body
			resp := s.do(t, r)
			if resp.Status != c.status || (c.code != "" && resp.ErrorType() != c.code) {
				t.Fatalf("HTTP %d %s %s; want %d %s", resp.Status, resp.ErrorType(), resp.Body, c.status, c.code)
			}
			if c.status == 200 && strings.TrimSpace(string(resp.Body)) != `{"Messages":[]}` {
				t.Fatalf("body %s", resp.Body)
			}
		})
	}
}

// TestOutboxDeliveryFlags starts servers with the delivery flags and
// checks that credentials in them reach neither the log nor an error.
func TestOutboxDeliveryFlags(t *testing.T) {
	t.Parallel()
	const password, token = "Pw-e2e-5ecret", "hook-t0ken"
	s := startServer(t, "--smtp", "smtp://mailer:"+password+"@127.0.0.1:2525?starttls=always",
		"--sms-webhook", "http://127.0.0.1:9/sms?token="+token, "--mail-from", "Team <team@example.com>")
	// The harness's own first line repeats the command line; the rest is
	// what the server wrote.
	var lines []string
	for _, l := range strings.Split(s.log(), "\n") {
		if !strings.HasPrefix(l, "=== e2e:") {
			lines = append(lines, l)
		}
	}
	log := strings.Join(lines, "\n")
	if !strings.Contains(log, "smtp://mailer@127.0.0.1:2525?starttls=always") || !strings.Contains(log, "sms=http://127.0.0.1:9/sms") {
		t.Errorf("the start-up log does not say where messages go:\n%s", log)
	}
	for _, secret := range []string{password, token} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}

	for _, c := range []struct {
		name string
		args []string
		env  []string
		says string
	}{
		{"malformed --smtp", []string{"--smtp", "smtp://mailer:" + password + "@127.0.0.1:notaport"}, nil, "SMTP URL"},
		{"unescaped slash in the password", []string{"--smtp", "smtp://mailer:ab/" + password + "@127.0.0.1"}, nil, "SMTP URL"},
		{"GATEHOUSE_SMTP", nil, []string{"GATEHOUSE_SMTP=smtp://mailer:" + password + "@127.0.0.1?starttls=maybe"}, "starttls"},
		{"bad --mail-from", []string{"--mail-from", "not an address"}, nil, "sender"},
		{"bad --sms-webhook", []string{"--sms-webhook", "ftp://127.0.0.1/" + token}, nil, "webhook"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, c.args...)
			stdout, stderr, code := runCmd(t, append(cleanEnv(), c.env...), time.Minute, binPath, args...)
			if code == 0 || !strings.Contains(stderr, c.says) {
				t.Fatalf("serve: exit %d, stderr %q; want a failure saying %q", code, stderr, c.says)
			}
			if strings.Contains(stdout+stderr, password) || strings.Contains(stdout+stderr, token) {
				t.Fatalf("the output shows a credential:\n%s%s", stdout, stderr)
			}
		})
	}

	t.Run("help hides the environment's password", func(t *testing.T) {
		env := append(cleanEnv(), "GATEHOUSE_SMTP=smtp://mailer:"+password+"@127.0.0.1")
		stdout, stderr, _ := runCmd(t, env, time.Minute, binPath, "serve", "-h")
		if !strings.Contains(stderr, "-smtp") || strings.Contains(stdout+stderr, password) {
			t.Fatalf("serve -h:\n%s%s", stdout, stderr)
		}
	})
}
