package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// api calls the user pools API over JSON 1.1, signing the admin
// operations and sending the public ones unsigned, as the SDKs do.
type api struct {
	url    string
	http   *http.Client
	signer awsproto.Signer
}

func newAPI(url, id, secret string, conns int) *api {
	return &api{
		url: url,
		// Enough idle connections that every worker keeps its own: a new
		// TCP connection per call would measure the handshake.
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		}},
		signer: awsproto.Signer{AccessKeyID: id, SecretAccessKey: secret, Region: "us-east-1", Service: "cognito-idp"},
	}
}

// apiError is an error answer: its __type and message.
type apiError struct {
	Status  int
	Code    string `json:"__type"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// call runs op with in as the request and decodes the answer into out.
func (a *api) call(op string, signed bool, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, a.url+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	if signed {
		if err := a.signer.Sign(req, body); err != nil {
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
	if resp.StatusCode != http.StatusOK {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(raw, e) != nil || e.Code == "" {
			e.Code, e.Message = resp.Header.Get("X-Amzn-Errortype"), string(raw)
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// attr is Cognito's AttributeType.
type attr struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// authOutput is InitiateAuth's and RespondToAuthChallenge's answer.
type authOutput struct {
	ChallengeName        string            `json:"ChallengeName"`
	ChallengeParameters  map[string]string `json:"ChallengeParameters"`
	AuthenticationResult *struct {
		AccessToken  string `json:"AccessToken"`
		IDToken      string `json:"IdToken"`
		RefreshToken string `json:"RefreshToken"`
	} `json:"AuthenticationResult"`
}

// tokens checks that an answer carries tokens rather than a challenge.
func (o *authOutput) tokens() error {
	if o.AuthenticationResult == nil || o.AuthenticationResult.AccessToken == "" || o.AuthenticationResult.IDToken == "" {
		return fmt.Errorf("no tokens (challenge %q)", o.ChallengeName)
	}
	return nil
}

// initiateAuth is InitiateAuth (public, unsigned).
func (a *api) initiateAuth(clientID, flow string, params map[string]string) (*authOutput, error) {
	var out authOutput
	err := a.call("InitiateAuth", false, map[string]any{"ClientId": clientID, "AuthFlow": flow, "AuthParameters": params}, &out)
	return &out, err
}
