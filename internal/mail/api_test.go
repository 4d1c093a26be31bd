package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// TestOutboxAPI serves ListMessages the way the server mounts it (JSON
// 1.1, SigV4 for the service "gatehouse") and calls it over HTTP.
func TestOutboxAPI(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnv(t, clk.Now)
	s := e.service(Options{})
	a := send(t, s, Message{Medium: Email, To: "ann@example.com", Subject: "Code", Body: "111111", Source: "pool SignUp"})
	clk.Advance(1500 * time.Millisecond)
	b := send(t, s, Message{Medium: SMS, To: "+14155550100", Body: "222222"})

	keys := map[string]string{"AKIDROOT": "root-secret", "AKIDFUNC": "func-secret"}
	api := &awsproto.API{
		Protocol: awsproto.JSON11, Service: "gatehouse", Region: "us-east-1", MaxBody: 1 << 20,
		TooLarge: awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "too large"),
		Verifier: &awsproto.Verifier{Lookup: func(_ context.Context, id string) (string, error) {
			if s, ok := keys[id]; ok {
				return s, nil
			}
			return "", awsproto.ErrUnknownAccessKey
		}},
	}
	outbox := &API{Service: s, Authorize: func(_ context.Context, id string) error {
		if id != "AKIDROOT" {
			return awsproto.Errorf(http.StatusForbidden, "AccessDeniedException", "root only")
		}
		return nil
	}}
	srv := httptest.NewServer(api.Handle(outbox.Serve))
	defer srv.Close()

	call := func(key, service, target, body string) (int, string, []byte) {
		req, err := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		if key != "" {
			sig := awsproto.Signer{AccessKeyID: key, SecretAccessKey: keys[key], Region: "us-east-1", Service: service}
			if err := sig.Sign(req, []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), data
	}

	status, _, data := call("AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", `{}`)
	if status != 200 {
		t.Fatalf("ListMessages: %d %s", status, data)
	}
	var out struct{ Messages []map[string]any }
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 || out.Messages[0]["Id"] != b || out.Messages[1]["Id"] != a {
		t.Fatalf("messages = %s", data)
	}
	first := out.Messages[1]
	wantTime := float64(clk.Now().Add(-1500*time.Millisecond).UnixMilli()) / 1000
	for k, want := range map[string]any{"Time": wantTime, "Medium": "EMAIL", "To": "ann@example.com", "From": DefaultFrom, "Subject": "Code",
		"Body": "111111", "Source": "pool SignUp", "Status": "OUTBOX", "Attempts": 0.0} {
		if first[k] != want {
			t.Errorf("%s = %#v, want %#v", k, first[k], want)
		}
	}
	if out.Messages[0]["Time"].(float64)-first["Time"].(float64) != 1.5 {
		t.Errorf("times are not epoch seconds: %s", data)
	}

	cases := []struct {
		name, key, service, target, body string
		status                           int
		code, has                        string
	}{
		{"filter", "AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", `{"To":"ANN@example.com","Limit":5}`, 200, "", `"Body":"111111"`},
		{"empty result is an array", "AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", `{"To":"nobody@example.com"}`, 200, "", `{"Messages":[]}`},
		{"empty body", "AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", ``, 200, "", `"Messages":[{`},
		{"limit zero", "AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", `{"Limit":0}`, 400, "InvalidParameterException", "Limit"},
		{"limit too high", "AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", `{"Limit":1001}`, 400, "InvalidParameterException", "Limit"},
		{"not JSON", "AKIDROOT", "gatehouse", "GatehouseOutbox.ListMessages", `{"To":`, 400, "SerializationException", ""},
		{"unknown operation", "AKIDROOT", "gatehouse", "GatehouseOutbox.DeleteMessages", `{}`, 400, "UnknownOperationException", ""},
		{"unsigned", "", "", "GatehouseOutbox.ListMessages", `{}`, 403, "MissingAuthenticationTokenException", ""},
		{"signed for another service", "AKIDROOT", "lambda", "GatehouseOutbox.ListMessages", `{}`, 403, "InvalidSignatureException", ""},
		{"a function's key", "AKIDFUNC", "gatehouse", "GatehouseOutbox.ListMessages", `{}`, 403, "AccessDeniedException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code, data := call(c.key, c.service, c.target, c.body)
			if status != c.status || code != c.code || !bytes.Contains(data, []byte(c.has)) {
				t.Fatalf("got %d %s %s; want %d %s containing %q", status, code, data, c.status, c.code, c.has)
			}
			if c.status != 200 && bytes.Contains(data, []byte("111111")) {
				t.Fatalf("a refused request saw a message body: %s", data)
			}
		})
	}
}
