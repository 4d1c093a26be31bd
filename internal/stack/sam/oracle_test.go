package sam

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// oracleScript runs aws-sam-translator on a JSON list of templates as SAM
// CLI does, with a managed-policy loader that makes no IAM calls, and
// prints the translated templates (or the translator's errors) as JSON. The
// translator logs to stdout, so the result goes to the real stdout only at
// the end.
const oracleScript = `
import json, os, sys
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
real, sys.stdout = sys.stdout, sys.stderr
try:
    import samtranslator
    from samtranslator.translator.transform import transform
    from samtranslator.model.exceptions import InvalidDocumentException
except ImportError as e:
    real.write(json.dumps({"missing": str(e)}))
    sys.exit(0)
class NoPolicies:
    def load(self):
        return {}
out = []
for doc in json.load(sys.stdin):
    try:
        out.append({"ok": transform(doc, {}, NoPolicies())})
    except InvalidDocumentException as e:
        out.append({"error": "; ".join(c.message for c in e.causes)})
    except Exception as e:
        out.append({"error": repr(e)})
real.write(json.dumps({"version": samtranslator.__version__, "results": out}))
`

type oracleResult struct {
	OK    map[string]any `json:"ok"`
	Error string         `json:"error"`
}

// skipOrFail skips when the oracle cannot run, except in CI, where a
// missing oracle must not pass silently.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func runTranslator(t *testing.T, docs []map[string]any) []oracleResult {
	t.Helper()
	const need = "the oracle test needs python3 with aws-sam-translator (pip install aws-sam-translator==1.110.0)"
	python, err := exec.LookPath("python3")
	if err != nil {
		skipOrFail(t, "python3 not found: %s", need)
	}
	in, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", oracleScript)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=us-east-1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3 (samtranslator): %v\n%s", err, stderr.String())
	}
	var out struct {
		Missing string         `json:"missing"`
		Version string         `json:"version"`
		Results []oracleResult `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("python3 (samtranslator) output: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if out.Missing != "" {
		skipOrFail(t, "samtranslator cannot be imported (%s): %s", out.Missing, need)
	}
	if out.Version != "1.110.0" {
		t.Logf("aws-sam-translator %s (the transform follows 1.110.0)", out.Version)
	}
	if len(out.Results) != len(docs) {
		t.Fatalf("samtranslator returned %d results for %d templates", len(out.Results), len(docs))
	}
	return out.Results
}

// oracleInput is the template as the translator needs it: CodeUri is a
// local path for gatehouse but must be an S3 URI for the translator.
func oracleInput(doc map[string]any) map[string]any {
	cp := clone(doc).(map[string]any)
	rewrite := func(p map[string]any) {
		if s, ok := p["CodeUri"].(string); ok && s != "" {
			p["CodeUri"] = "s3://bucket/key"
		}
	}
	if res, ok := cp["Resources"].(map[string]any); ok {
		for _, r := range res {
			rm, _ := r.(map[string]any)
			if rm["Type"] == "AWS::Serverless::Function" {
				if p, ok := rm["Properties"].(map[string]any); ok {
					rewrite(p)
				}
			}
		}
	}
	if g, ok := cp["Globals"].(map[string]any); ok {
		if f, ok := g["Function"].(map[string]any); ok {
			rewrite(f)
		}
	}
	return cp
}

// normalizeOracle removes the differences that are by design: deployment
// IDs carry a hash of Python's str() of the body, which only Python can
// compute; IAM roles are recorded, not enforced, so their policy details
// are not compared; a function's code is an S3 location for the
// translator and the local CodeUri here; and lists built from Go maps
// (tags, a shared usage plan's APIs) come in key order rather than
// template order.
func normalizeOracle(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	n := normalizeJSON(t, doc).(map[string]any)
	res, _ := n["Resources"].(map[string]any)
	rename := map[string]string{}
	for id, r := range res {
		if r.(map[string]any)["Type"] == "AWS::ApiGateway::Deployment" && len(id) > 10 {
			rename[id] = id[:len(id)-10] + "<hash>"
		}
	}
	for old, id := range rename {
		res[id] = res[old]
		delete(res, old)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["Ref"].(string); ok && len(x) == 1 && rename[r] != "" {
				x["Ref"] = rename[r]
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(n)
	sortBy := func(l any, key func(any) string) {
		if list, ok := l.([]any); ok {
			slices.SortStableFunc(list, func(a, b any) int { return strings.Compare(key(a), key(b)) })
		}
	}
	byJSON := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for _, r := range res {
		rm := r.(map[string]any)
		p, _ := rm["Properties"].(map[string]any)
		switch rm["Type"] {
		case "AWS::ApiGateway::Deployment":
			delete(p, "Description")
		case "AWS::IAM::Role":
			rm["Properties"] = "<role>"
		case "AWS::Lambda::Function":
			if c, ok := p["Code"].(map[string]any); ok && (c["gatehouse:CodeUri"] != nil || c["S3Bucket"] != nil) {
				p["Code"] = "<code>"
			}
		case "AWS::ApiGateway::UsagePlan":
			sortBy(rm["DependsOn"], byJSON)
			sortBy(p["ApiStages"], byJSON)
		case "AWS::ApiGateway::ApiKey":
			sortBy(p["StageKeys"], byJSON)
		case "AWS::ApiGatewayV2::Api":
			if body, ok := p["Body"].(map[string]any); ok {
				sortBy(body["tags"], byJSON)
			}
		}
		if p != nil {
			sortBy(p["Tags"], byJSON)
		}
	}
	return n
}

// TestOracle transforms every template in testdata and compares the result
// with what aws-sam-translator makes of it: the same logical IDs and types,
// the same API documents (paths, methods, integrations, security, OPTIONS
// mocks, authorizers, CORS), stages, deployments, permissions and their
// source ARNs, functions and pass-through resources, Outputs and the rest.
func TestOracle(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata templates: %v", err)
	}
	docs := make([]map[string]any, len(files))
	inputs := make([]map[string]any, len(files))
	for i, f := range files {
		docs[i] = loadTemplate(t, f)
		inputs[i] = oracleInput(docs[i])
	}
	results := runTranslator(t, inputs)
	for i, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			theirs := results[i]
			if theirs.Error != "" {
				t.Fatalf("samtranslator refused the template: %s", theirs.Error)
			}
			ours := transformOK(t, docs[i])
			checkCodeURIs(t, docs[i], ours.Doc)
			var diffs []string
			diff(normalizeOracle(t, ours.Doc), normalizeOracle(t, theirs.OK), "", &diffs)
			for _, d := range diffs {
				t.Error(d)
			}
			if len(ours.Origin) != len(ours.Doc["Resources"].(map[string]any)) {
				t.Errorf("Origin has %d entries for %d resources", len(ours.Origin), len(ours.Doc["Resources"].(map[string]any)))
			}
		})
	}
}

// checkCodeURIs: every function's local CodeUri reaches its Lambda
// function as written.
func checkCodeURIs(t *testing.T, in, out map[string]any) {
	t.Helper()
	global, _ := in["Globals"].(map[string]any)
	for id, r := range in["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] != "AWS::Serverless::Function" {
			continue
		}
		p, _ := rm["Properties"].(map[string]any)
		uri, ok := p["CodeUri"]
		if gf, _ := global["Function"].(map[string]any); !ok && gf != nil {
			uri, ok = gf["CodeUri"]
		}
		if !ok || p["InlineCode"] != nil {
			continue
		}
		got := at(t, out, "Resources", id, "Properties", "Code")
		wantJSON(t, got, brief(map[string]any{"gatehouse:CodeUri": uri}), id+" Code")
	}
}
