package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCognitoIdentityJSTOTP sets up TOTP MFA and signs in with it through
// the real amazon-cognito-identity-js: associateSoftwareToken,
// verifySoftwareToken, setUserMfaPreference, then the totpRequired
// challenge answered wrongly and then rightly with codes the script
// computes itself.
func TestCognitoIdentityJSTOTP(t *testing.T) {
	t.Parallel()
	node, dir := cognitoJS(t)
	s := startServer(t)
	cli := awsCLI{t: t, bin: needTool(t, "aws"), s: s}
	text := func(args ...string) string {
		return strings.TrimSpace(cli.ok(nil, append(append([]string{"cognito-idp"}, args...), "--output", "text")...))
	}
	pool := text("create-user-pool", "--pool-name", "totp", "--query", "UserPool.Id")
	text("set-user-pool-mfa-config", "--user-pool-id", pool, "--mfa-configuration", "OPTIONAL",
		"--software-token-mfa-configuration", "Enabled=true", "--query", "MfaConfiguration")
	client := text("create-user-pool-client", "--user-pool-id", pool, "--client-name", "spa", "--query", "UserPoolClient.ClientId")
	text("admin-create-user", "--user-pool-id", pool, "--username", "tina", "--message-action", "SUPPRESS", "--query", "User.Username")
	text("admin-set-user-password", "--user-pool-id", pool, "--username", "tina", "--password", "Tina-Passw0rd!", "--permanent")

	script, _ := filepath.Abs("testdata/totp_client.js")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, s.URL+"/", pool, client, "tina", "Tina-Passw0rd!")
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("totp_client.js: %v\n%s", err, out)
	}
	var res struct {
		OK    bool
		Error string
		Steps []string
		Wrong *struct{ Code, Message string }
	}
	if err := json.Unmarshal(out, &res); err != nil || !res.OK {
		t.Fatalf("totp_client.js: %s", out)
	}
	if strings.Join(res.Steps, ",") != "signed-in,associated,verified,preferred,totp-required,mfa-signed-in" {
		t.Fatalf("steps: %v", res.Steps)
	}
	if res.Wrong == nil || res.Wrong.Code != "CodeMismatchException" || res.Wrong.Message != "Invalid code received for user" {
		t.Fatalf("wrong code answered with %+v", res.Wrong)
	}
	var user struct {
		PreferredMfaSetting string
		UserMFASettingList  []string
	}
	cli.ok(&user, "cognito-idp", "admin-get-user", "--user-pool-id", pool, "--username", "tina")
	if user.PreferredMfaSetting != "SOFTWARE_TOKEN_MFA" || strings.Join(user.UserMFASettingList, ",") != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("admin-get-user: %+v", user)
	}
}
