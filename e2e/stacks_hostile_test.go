package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestHostileStacksAPI sends the stack operations what a careless or
// hostile caller might: no signature, a function's own key (a stack can
// create anything, so only the root key may deploy), malformed JSON,
// missing and oversized templates, bad names, an alias bomb; and several
// deploys at once. Every answer is a clear error, nothing is half made,
// and the server stays healthy.
func TestHostileStacksAPI(t *testing.T) {
	t.Parallel()
	needTool(t, "node")
	s := startServer(t)
	call := func(id, secret, op string, body []byte) rawResponse {
		t.Helper()
		return s.do(t, rawReq{Path: "/", Body: body, ID: id, Secret: secret, Service: "gatehouse", Header: http.Header{
			"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"GatehouseStacks." + op}}})
	}
	root := func(op string, body []byte) rawResponse { return call(s.AccessKey, s.SecretKey, op, body) }
	deployBody := func(name, tmpl string) []byte {
		b, _ := json.Marshal(map[string]any{"StackName": name, "TemplateBody": tmpl})
		return b
	}
	const small = "Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n"

	if r := call("", "", "Deploy", deployBody("unsigned", small)); r.Status < 400 {
		t.Errorf("unsigned deploy: %d %s", r.Status, r.Body)
	}

	// A function's own credentials sign validly but are not the root key.
	createFn(t, s.lambda(), "leaker", "nodejs20.x", "index.handler", makeZip(t, zfile{Name: "index.js",
		Body: `exports.handler = async () => ({id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY});`}))
	var keys struct{ ID, Secret string }
	json.Unmarshal(wantOK(t, invoke(t, s.lambda(), "leaker", map[string]any{})), &keys)
	if keys.ID == "" || keys.ID == s.AccessKey {
		t.Fatalf("function credentials: %+v", keys)
	}
	if r := call(keys.ID, keys.Secret, "Deploy", deployBody("by-function", small)); r.Status != 403 || r.ErrorType() != "AccessDeniedException" {
		t.Errorf("deploy with a function's key: %d %s %s", r.Status, r.ErrorType(), r.Body)
	}

	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'k'; i++ {
		prev := string(i - 1)
		bomb += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	bomb += small
	for _, c := range []struct {
		name, op string
		body     []byte
		code     string
		contains string
	}{
		{"malformed JSON", "Deploy", []byte(`{"StackName": "x", "TemplateBody": `), "SerializationException", ""},
		{"no template", "Deploy", []byte(`{"StackName": "x"}`), "ValidationError", "TemplateBody"},
		{"bad stack name", "Deploy", deployBody("9-lives!", small), "ValidationError", "stack name"},
		{"over 1 MiB", "Deploy", deployBody("big", small+"# "+strings.Repeat("x", 1<<20)+"\n"), "ValidationError", "1 MiB"},
		{"alias bomb", "Deploy", deployBody("bomb", bomb), "ValidationError", ""},
		{"unknown resource type", "Deploy", deployBody("unknown", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"), "ValidationError", "AWS::SQS::Queue"},
		{"unknown stack", "DescribeStack", []byte(`{"StackName": "nope"}`), "ValidationError", "does not exist"},
		{"delete unknown stack", "DeleteStack", []byte(`{"StackName": "nope"}`), "ValidationError", "does not exist"},
		{"unknown operation", "Explode", []byte(`{}`), "UnknownOperationException", ""},
	} {
		r := root(c.op, c.body)
		if r.Status != 400 || r.ErrorType() != c.code || !strings.Contains(string(r.Body), c.contains) {
			t.Errorf("%s: %d %s %.300s", c.name, r.Status, r.ErrorType(), r.Body)
		}
	}

	// Several stacks at once: each deploys whole.
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := root("Deploy", deployBody(fmt.Sprintf("parallel-%d", i), small))
			if r.Status != 200 || !strings.Contains(string(r.Body), `"kind":"complete"`) {
				t.Errorf("parallel deploy %d: %d %s", i, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	var list struct {
		Stacks []struct{ StackName, Status string }
	}
	json.Unmarshal(root("ListStacks", []byte(`{}`)).Body, &list)
	if len(list.Stacks) != 5 {
		t.Errorf("stacks after the hostile calls: %+v (want the 5 parallel ones only)", list.Stacks)
	}
	if !s.healthy() {
		t.Fatal("server unhealthy after hostile stack calls")
	}
}
