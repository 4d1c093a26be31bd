package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var jsInstall sync.Once

// cognitoJS returns the folder holding amazon-cognito-identity-js (the
// srp package's pinned test install), running `npm ci` there once.
func cognitoJS(t *testing.T) (node, dir string) {
	t.Helper()
	node = needTool(t, "node")
	root, _ := filepath.Abs("..")
	dir = filepath.Join(root, "internal/userpool/srp/testdata/js")
	var err error
	var out []byte
	jsInstall.Do(func() {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules/amazon-cognito-identity-js")); statErr == nil {
			return
		}
		npm, lookErr := exec.LookPath("npm")
		if lookErr != nil {
			err = lookErr
			return
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		if inCI() {
			t.Fatalf("installing amazon-cognito-identity-js (npm ci in %s): %v\n%s", dir, err, out)
		}
		t.Skipf("amazon-cognito-identity-js not installable (npm): %v", err)
	}
	return node, dir
}

// TestCognitoIdentityJS signs in with the real amazon-cognito-identity-js
// (CognitoUser.authenticateUser, USER_SRP_AUTH) against a real server:
// the library's own requests, SRP maths and parsing, end to end.
func TestCognitoIdentityJS(t *testing.T) {
	t.Parallel()
	node, dir := cognitoJS(t)
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(append([]string{"cognito-idp"}, args...), "--output", "text")...))
	}
	pool := text("create-user-pool", "--pool-name", "browser", "--username-attributes", "email", "--query", "UserPool.Id")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "spa", "--query", "UserPoolClient.ClientId")
	text("admin-create-user", "--user-pool-id", pool, "--username", "dora@example.com", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("admin-set-user-password", "--user-pool-id", pool, "--username", "dora@example.com", "--password", "Dora-Passw0rd!", "--permanent")
	for _, tc := range []struct{ name, user, password, code string }{
		{"right password", "dora@example.com", "Dora-Passw0rd!", ""},
		{"wrong password", "dora@example.com", "Dora-Passw0rd?", "NotAuthorizedException"},
		{"unknown user", "eve@example.com", "Dora-Passw0rd!", "UserNotFoundException"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, node, "srp_client.js", "login", s.URL+"/", pool, client, tc.user, tc.password)
		cmd.Dir = dir
		out, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("%s: srp_client.js: %v\n%s", tc.name, err, out)
		}
		var res struct {
			OK            bool
			Code, Message string
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("%s: %s", tc.name, out)
		}
		if tc.code == "" && !res.OK || tc.code != "" && res.Code != tc.code {
			t.Errorf("%s: got %+v, want code %q", tc.name, res, tc.code)
		}
	}
}
