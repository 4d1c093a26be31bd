package sam

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gateway"
)

const (
	gwRegion  = "us-east-1"
	gwAccount = "000000000000"
)

// TestDocumentsServe: the API documents the transform generates are ones
// gatehouse's gateway compiles, once the deploy engine has resolved their
// intrinsics (stood in for here by a small resolver). The translator's
// output is not the goal in itself; serving it is.
func TestDocumentsServe(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			r := transformOK(t, loadTemplate(t, f))
			res := r.Doc["Resources"].(map[string]any)
			for _, id := range sortedKeys(res) {
				rm := res[id].(map[string]any)
				var proto gateway.Protocol
				switch rm["Type"] {
				case "AWS::ApiGateway::RestApi":
					proto = gateway.REST
				case "AWS::ApiGatewayV2::Api":
					proto = gateway.HTTP
				default:
					continue
				}
				body, ok := rm["Properties"].(map[string]any)["Body"]
				if !ok {
					continue
				}
				doc, err := json.Marshal(fakeResolve(t, body, res))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := gateway.ParseDefinition(doc, proto, "", ""); err != nil {
					t.Errorf("%s: %v\n%s", id, err, doc)
				}
			}
		})
	}
}

// fakeResolve resolves the intrinsics API documents use, with made-up
// physical IDs: enough for the gateway to compile the document.
func fakeResolve(t *testing.T, v any, res map[string]any) any {
	t.Helper()
	arnOf := func(id string) string {
		r, _ := res[id].(map[string]any)
		switch r["Type"] {
		case "AWS::Cognito::UserPool":
			return "arn:aws:cognito-idp:" + gwRegion + ":" + gwAccount + ":userpool/" + gwRegion + "_" + id
		case "AWS::Lambda::Function":
			return "arn:aws:lambda:" + gwRegion + ":" + gwAccount + ":function:" + id
		}
		return "arn:aws:fake:" + gwRegion + ":" + gwAccount + ":" + id
	}
	pseudo := map[string]string{"AWS::Region": gwRegion, "AWS::AccountId": gwAccount, "AWS::Partition": "aws",
		"AWS::StackName": "stack", "AWS::URLSuffix": "amazonaws.com"}
	subst := func(s string, vars map[string]any) string {
		var b strings.Builder
		for {
			i := strings.Index(s, "${")
			if i < 0 {
				b.WriteString(s)
				return b.String()
			}
			j := strings.IndexByte(s[i:], '}')
			name := s[i+2 : i+j]
			b.WriteString(s[:i])
			switch {
			case vars[name] != nil:
				b.WriteString(fakeResolve(t, vars[name], res).(string))
			case pseudo[name] != "":
				b.WriteString(pseudo[name])
			case strings.HasSuffix(name, ".Arn"):
				b.WriteString(arnOf(strings.TrimSuffix(name, ".Arn")))
			default:
				b.WriteString(name)
			}
			s = s[i+j+1:]
		}
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fakeResolve(t, e, res)
		}
		return out
	case map[string]any:
		if len(x) == 1 {
			switch {
			case x["Ref"] != nil:
				id := x["Ref"].(string)
				if p, ok := pseudo[id]; ok {
					return p
				}
				if r, ok := res[id].(map[string]any); ok && r["Type"] == "AWS::Cognito::UserPoolClient" {
					return "client" + strings.ToLower(id)
				}
				if r, ok := res[id].(map[string]any); ok && r["Type"] == "AWS::Cognito::UserPool" {
					return gwRegion + "_" + id
				}
				return id
			case x["Fn::GetAtt"] != nil:
				return arnOf(x["Fn::GetAtt"].([]any)[0].(string))
			case x["Fn::Sub"] != nil:
				switch s := x["Fn::Sub"].(type) {
				case string:
					return subst(s, nil)
				case []any:
					return subst(s[0].(string), s[1].(map[string]any))
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = fakeResolve(t, e, res)
		}
		return out
	}
	return v
}
