package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

const (
	// authToken is what authfn allows (bench/gatewaybench/authfn has the
	// same); anything else it refuses.
	authToken = "allow-gatewaybench"
	// authTTL is the TOKEN authorizer's authorizerResultTtlInSeconds.
	authTTL = 300 * time.Second
	stage   = "v1"
	// proxyFn and authFn are the two functions' names.
	proxyFn = "gatewaybench-proxy"
	authFn  = "gatewaybench-authorizer"
)

// api calls gatehouse's management APIs as an SDK does: SigV4-signed for
// the service, except the user pools' public operations.
type api struct {
	url        string
	http       *http.Client
	id, secret string
}

// call sends body to path and decodes the answer into out (unless nil);
// service "" sends it unsigned.
func (a *api) call(service, method, path string, hdr map[string]string, body []byte, out any) error {
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if service != "" {
		s := awsproto.Signer{AccessKeyID: a.id, SecretAccessKey: a.secret, Region: "us-east-1", Service: service}
		if err := s.Sign(req, body); err != nil {
			return err
		}
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// cognito calls a user pools operation over JSON 1.1.
func (a *api) cognito(op string, signed bool, in, out any) error {
	body, _ := json.Marshal(in)
	service := ""
	if signed {
		service = "cognito-idp"
	}
	return a.call(service, http.MethodPost, "/", map[string]string{
		"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + op,
	}, body, out)
}

// createFunction creates a provided.al2023 function and returns its ARN.
func (a *api) createFunction(name string, zip []byte) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 256,
		"Role": "arn:aws:iam::000000000000:role/gatewaybench", "Code": map[string]any{"ZipFile": zip},
	})
	var out struct{ FunctionArn string }
	if err := a.call("lambda", http.MethodPost, "/2015-03-31/functions", nil, body, &out); err != nil {
		return "", err
	}
	return out.FunctionArn, nil
}

// idToken creates a pool, a client and a user, and signs the user in
// with USER_PASSWORD_AUTH; it returns the pool's ARN and the ID token.
func (a *api) idToken() (poolARN, token string, err error) {
	var pool struct{ UserPool struct{ Id, Arn string } }
	if err := a.cognito("CreateUserPool", true, map[string]any{"PoolName": "gatewaybench"}, &pool); err != nil {
		return "", "", err
	}
	p := pool.UserPool.Id
	var client struct{ UserPoolClient struct{ ClientId string } }
	if err := a.cognito("CreateUserPoolClient", true, map[string]any{"UserPoolId": p, "ClientName": "gatewaybench",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, &client); err != nil {
		return "", "", err
	}
	const user, password = "bench", "Bench-Passw0rd!"
	if err := a.cognito("AdminCreateUser", true, map[string]any{"UserPoolId": p, "Username": user, "MessageAction": "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": "given_name", "Value": "Bench"}}}, nil); err != nil {
		return "", "", err
	}
	if err := a.cognito("AdminSetUserPassword", true, map[string]any{"UserPoolId": p, "Username": user, "Password": password, "Permanent": true}, nil); err != nil {
		return "", "", err
	}
	var auth struct{ AuthenticationResult struct{ IdToken string } }
	if err := a.cognito("InitiateAuth", false, map[string]any{"ClientId": client.UserPoolClient.ClientId, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": user, "PASSWORD": password}}, &auth); err != nil {
		return "", "", err
	}
	if auth.AuthenticationResult.IdToken == "" {
		return "", "", fmt.Errorf("InitiateAuth gave no ID token")
	}
	return pool.UserPool.Arn, auth.AuthenticationResult.IdToken, nil
}

// apiDocument is an OpenAPI document like SAM's for three GET routes to
// the same function: /open, /cognito behind the pool, and /lambda behind
// a caching TOKEN authorizer.
func apiDocument(proxyARN, authARN, poolARN string) []byte {
	uri := func(arn string) string {
		return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations"
	}
	integration := fmt.Sprintf(`{"type":"aws_proxy","httpMethod":"POST","uri":%q}`, uri(proxyARN))
	route := func(scheme string) string {
		return fmt.Sprintf(`{"get":{"responses":{},"security":[{%q:[]}],"x-amazon-apigateway-integration":%s}}`, scheme, integration)
	}
	return []byte(fmt.Sprintf(`{
  "openapi": "3.0.1",
  "info": {"title": "gatewaybench", "version": "1.0"},
  "paths": {"/open": %s, "/cognito": %s, "/lambda": %s},
  "components": {"securitySchemes": {
    "pool": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools",
      "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [%q]}},
    "token": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": %q, "authorizerResultTtlInSeconds": %d}}
  }}
}`, route("NONE"), route("pool"), route("token"), poolARN, uri(authARN), int(authTTL.Seconds())))
}

// importAPI imports doc as a REST API and deploys it to the stage.
func (a *api) importAPI(doc []byte) (string, error) {
	var out struct{ ID string }
	if err := a.call("apigateway", http.MethodPost, "/restapis?mode=import", nil, doc, &out); err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]string{"stageName": stage})
	return out.ID, a.call("apigateway", http.MethodPost, "/restapis/"+out.ID+"/deployments", nil, body, nil)
}

// check makes sure every route answers as the phases expect, and that the
// protected ones refuse a request without the right token: a benchmark of
// routes that answer 401 or 502 quickly would measure nothing.
func (b *bench) check() error {
	get := func(path, auth string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/"+stage+path, nil)
		req.Host = b.host
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := b.api.http.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	for _, c := range []struct {
		path, auth string
		status     int
	}{
		{"/open", "", 200},
		{"/cognito", "", 401},
		{"/cognito", b.idToken[:len(b.idToken)-4] + "AAAA", 401},
		{"/cognito", b.idToken, 200},
		{"/lambda", "", 401},
		{"/lambda", "wrong-token", 401},
		{"/lambda", authToken, 200},
	} {
		status, body, err := get(c.path, c.auth)
		if err != nil {
			return err
		}
		if status != c.status || status == 200 && body != "ok" {
			return fmt.Errorf("GET %s (Authorization %.12q): %d %.200s, want %d", c.path, c.auth, status, body, c.status)
		}
	}
	var out json.RawMessage
	if err := b.api.call("lambda", http.MethodPost, "/2015-03-31/functions/"+proxyFn+"/invocations", nil, []byte(invokePayload), &out); err != nil {
		return err
	}
	if !strings.Contains(string(out), `"statusCode":200`) {
		return fmt.Errorf("direct invoke answered %.200s", out)
	}
	return nil
}
