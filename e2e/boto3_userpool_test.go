package e2e

import (
	"encoding/json"
	"testing"
	"time"
)

// boto3PoolScript drives a client that has a secret with boto3: every
// public call carries SECRET_HASH (HMAC-SHA256 of username+client id
// under the client secret), computed here as applications compute it.
const boto3PoolScript = `
import base64, hashlib, hmac, json, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
idp = boto3.client("cognito-idp", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}))
out = {}

def err(fn):
    try:
        fn()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return {"code": None}

pool = idp.create_user_pool(PoolName="boto3", AutoVerifiedAttributes=["email"],
    Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireUppercase": True, "RequireLowercase": True,
                                 "RequireNumbers": True, "RequireSymbols": False}})["UserPool"]
out["policy"] = pool["Policies"]["PasswordPolicy"]
client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="backend", GenerateSecret=True,
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
cid, secret = client["ClientId"], client["ClientSecret"]

def sh(username):
    return base64.b64encode(hmac.new(secret.encode(), (username + cid).encode(), hashlib.sha256).digest()).decode()

attrs = [{"Name": "email", "Value": "pat@example.com"}, {"Name": "given_name", "Value": "Pat"}]
out["signup_no_hash"] = err(lambda: idp.sign_up(ClientId=cid, Username="pat", Password="Patricia-123", UserAttributes=attrs))
out["signup_bad_hash"] = err(lambda: idp.sign_up(ClientId=cid, SecretHash=sh("someone-else"), Username="pat",
                                                 Password="Patricia-123", UserAttributes=attrs))
out["signup_weak"] = err(lambda: idp.sign_up(ClientId=cid, SecretHash=sh("pat"), Username="pat", Password="short",
                                             UserAttributes=attrs))
r = idp.sign_up(ClientId=cid, SecretHash=sh("pat"), Username="pat", Password="Patricia-123", UserAttributes=attrs)
out["signup"] = {"confirmed": r["UserConfirmed"], "sub": r["UserSub"], "delivery": r.get("CodeDeliveryDetails")}
out["signup_again"] = err(lambda: idp.sign_up(ClientId=cid, SecretHash=sh("pat"), Username="pat",
                                              Password="Patricia-123", UserAttributes=attrs))
out["unconfirmed_login"] = err(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "pat", "PASSWORD": "Patricia-123", "SECRET_HASH": sh("pat")}))
idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="pat")
out["status"] = idp.admin_get_user(UserPoolId=pool["Id"], Username="pat")["UserStatus"]

out["login_no_hash"] = err(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "pat", "PASSWORD": "Patricia-123"}))
out["login_bad_hash"] = err(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "pat", "PASSWORD": "Patricia-123", "SECRET_HASH": sh("pat") [:-4] + "AAA="}))
out["login_bad_password"] = err(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "pat", "PASSWORD": "Patricia-124", "SECRET_HASH": sh("pat")}))
auth = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "pat", "PASSWORD": "Patricia-123", "SECRET_HASH": sh("pat")})["AuthenticationResult"]
out["login"] = {"type": auth["TokenType"], "expires": auth["ExpiresIn"], "refresh": bool(auth.get("RefreshToken"))}
ref = idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
    AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": sh("pat")})["AuthenticationResult"]
out["refresh"] = {"access": bool(ref.get("AccessToken")), "id": bool(ref.get("IdToken")), "refresh": bool(ref.get("RefreshToken"))}
out["refresh_bad_hash"] = err(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
    AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": sh("mallory")}))
out["user"] = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=ref["AccessToken"])["UserAttributes"]}
idp.admin_update_user_attributes(UserPoolId=pool["Id"], Username="pat",
    UserAttributes=[{"Name": "email_verified", "Value": "true"}])
fp = idp.forgot_password(ClientId=cid, SecretHash=sh("pat"), Username="pat")
out["forgot"] = fp["CodeDeliveryDetails"]
out["forgot_bad_hash"] = err(lambda: idp.forgot_password(ClientId=cid, SecretHash=sh("x"), Username="pat"))
out["confirm_forgot_wrong"] = err(lambda: idp.confirm_forgot_password(ClientId=cid, SecretHash=sh("pat"), Username="pat",
    ConfirmationCode="000000x", Password="Patricia-456"))
idp.revoke_token(Token=auth["RefreshToken"], ClientId=cid, ClientSecret=secret)
out["after_revoke"] = err(lambda: idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
    AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": sh("pat")}))
print(json.dumps(out))
`

type boto3PoolErr struct {
	Code    *string
	Message string
	Status  int
}

// TestBoto3UserPoolSecretHash signs up, signs in and refreshes with boto3
// through a client that has a secret, and checks that a missing or wrong
// SECRET_HASH is refused everywhere one is taken.
func TestBoto3UserPoolSecretHash(t *testing.T) {
	t.Parallel()
	py := needBoto3(t)
	s := startServer(t)
	script := writeFile(t, "pool.py", []byte(boto3PoolScript))
	stdout, stderr, code := runCmd(t, s.Env, 2*time.Minute, py, script, s.URL)
	if code != 0 {
		t.Fatalf("boto3 script: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("script output: %v\n%s\nstderr: %s", err, stdout, stderr)
	}
	wantErr := func(key, code, msg string) {
		t.Helper()
		var e boto3PoolErr
		json.Unmarshal(out[key], &e)
		if e.Code == nil || *e.Code != code || e.Status != 400 || (msg != "" && e.Message != msg) {
			t.Errorf("%s: got %s, want %s %q", key, out[key], code, msg)
		}
	}
	var signup struct {
		Confirmed bool
		Sub       string
		Delivery  map[string]string
	}
	json.Unmarshal(out["signup"], &signup)
	if signup.Confirmed || len(signup.Sub) != 36 || signup.Delivery["DeliveryMedium"] != "EMAIL" || signup.Delivery["Destination"] != "p***@e***.com" {
		t.Errorf("sign_up: %s", out["signup"])
	}
	var login struct {
		Type    string
		Expires int
		Refresh bool
	}
	json.Unmarshal(out["login"], &login)
	if login.Type != "Bearer" || login.Expires != 3600 || !login.Refresh {
		t.Errorf("login: %s", out["login"])
	}
	var refresh struct{ Access, ID, Refresh bool }
	json.Unmarshal(out["refresh"], &refresh)
	if !refresh.Access || !refresh.ID || refresh.Refresh {
		t.Errorf("refresh: %s (want new access and ID tokens, no refresh token)", out["refresh"])
	}
	var forgot map[string]string
	json.Unmarshal(out["forgot"], &forgot)
	if forgot["AttributeName"] != "email" || forgot["DeliveryMedium"] != "EMAIL" {
		t.Errorf("forgot_password: %s", out["forgot"])
	}
	if string(out["status"]) != `"CONFIRMED"` {
		t.Errorf("status after admin_confirm_sign_up: %s", out["status"])
	}
	var user map[string]string
	json.Unmarshal(out["user"], &user)
	if user["given_name"] != "Pat" || user["email"] != "pat@example.com" || user["email_verified"] == "true" {
		t.Errorf("get_user: %v", user)
	}
	wantErr("signup_no_hash", "NotAuthorizedException", "")
	wantErr("signup_bad_hash", "NotAuthorizedException", "")
	wantErr("signup_weak", "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	wantErr("signup_again", "UsernameExistsException", "User already exists")
	wantErr("unconfirmed_login", "UserNotConfirmedException", "User is not confirmed.")
	wantErr("login_no_hash", "NotAuthorizedException", "")
	wantErr("login_bad_hash", "NotAuthorizedException", "")
	wantErr("login_bad_password", "NotAuthorizedException", "Incorrect username or password.")
	wantErr("refresh_bad_hash", "NotAuthorizedException", "")
	wantErr("forgot_bad_hash", "NotAuthorizedException", "")
	wantErr("confirm_forgot_wrong", "CodeMismatchException", "Invalid verification code provided, please try again.")
	wantErr("after_revoke", "NotAuthorizedException", "")
}
