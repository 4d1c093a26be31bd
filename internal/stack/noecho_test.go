package stack_test

import (
	"bytes"
	"context"
	"testing"
)

// TestNoEchoParameters: a NoEcho value is kept (sealed) so that a
// redeploy without the override leaves the stack alone, never appears
// in the stored record in the clear, and shows as **** in
// DescribeStack.
func TestNoEchoParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const secret = "s3cr3t-value-0123456789"
	tmpl := `
Parameters:
  Token:
    Type: String
    NoEcho: true
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolTags:
        token: !Ref Token
`
	e.mustDeploy("noecho", tmpl, map[string]string{"Token": secret}, nil)
	rec, err := e.st.Get(context.Background(), "stack", "noecho")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Data, []byte(secret)) || bytes.Contains(rec.Data, []byte("UserPoolTags")) {
		t.Fatalf("the stack record holds the NoEcho value or its properties in the clear: %s", rec.Data)
	}
	again := e.mustDeploy("noecho", tmpl, nil, nil)
	for _, c := range again.changes {
		if c.Action != "unchanged" {
			t.Fatalf("redeploy without the NoEcho override changed %s: %s (%s)", c.LogicalID, c.Action, c.Reason)
		}
	}
	s, err := e.eng.Get(context.Background(), "noecho")
	if err != nil {
		t.Fatal(err)
	}
	if s.NoEcho["Token"] != secret || s.Parameters["Token"] != "" {
		t.Fatalf("parameters %v, NoEcho kept: %v", s.Parameters, s.NoEcho["Token"] == secret)
	}
}
