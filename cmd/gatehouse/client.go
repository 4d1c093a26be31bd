package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/credentials"
)

// client signs requests to a running gatehouse the way AWS SDKs do.
type client struct {
	endpoint string
	signer   awsproto.Signer
	http     *http.Client
}

func newClient(endpoint, dataDir string) (*client, error) {
	if endpoint == "" {
		endpoint = envOr("GATEHOUSE_ENDPOINT", os.Getenv("AWS_ENDPOINT_URL"))
	}
	if endpoint == "" {
		endpoint = "http://" + envOr("GATEHOUSE_ADDR", "127.0.0.1:4566")
	}
	region := envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1"))
	id, secret, token := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	if id == "" || secret == "" {
		// The data dir's root key first (the usual local case), then the
		// shared credentials file the AWS CLI would use.
		paths := []string{filepath.Join(dataDir, "credentials"), os.Getenv("AWS_SHARED_CREDENTIALS_FILE")}
		if home, err := os.UserHomeDir(); err == nil {
			paths = append(paths, filepath.Join(home, ".aws", "credentials"))
		}
		profile := envOr("AWS_PROFILE", "default")
		for _, p := range paths {
			if p == "" {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if id, secret, token, err = credentials.ParseProfile(string(b), profile); err == nil {
				break
			}
		}
	}
	if id == "" || secret == "" {
		return nil, errors.New("no credentials: run `gatehouse serve` with --data here, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return &client{
		endpoint: strings.TrimRight(endpoint, "/"),
		signer:   awsproto.Signer{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Region: region, Service: "lambda"},
		http:     &http.Client{Timeout: 16 * time.Minute},
	}, nil
}

// apiError is an AWS error response.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

func (c *client) do(method, path string, header http.Header, body []byte, service string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, c.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	s := c.signer
	if service != "" {
		s.Service = service
	}
	if err := s.Sign(req, body); err != nil {
		return nil, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 300 {
		return resp, data, errorFrom(resp, data)
	}
	return resp, data, nil
}

// errorFrom reads an AWS error answer (message or Message, whichever the
// service writes).
func errorFrom(resp *http.Response, data []byte) *apiError {
	var e struct {
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	json.Unmarshal(data, &e)
	if e.Message == "" {
		e.Message = e.Message2
	}
	return &apiError{Status: resp.StatusCode, Code: resp.Header.Get("X-Amzn-Errortype"), Message: e.Message}
}

func (c *client) json(method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	h := http.Header{"Content-Type": {"application/json"}}
	_, data, err := c.do(method, path, h, body, "")
	if err != nil {
		return err
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
