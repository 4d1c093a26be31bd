package stack_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/gatehouse/gatehouse/internal/stack/artifact"
	"github.com/gatehouse/gatehouse/internal/stack/template"
)

func TestFirstDeployCreatesEverythingAndResolvesOutputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.mustDeploy("app", appTemplate(t, appOpts{}), map[string]string{"Greeting": "hi"}, appArtifacts(t, "open-1", "private-1"))

	for _, c := range r.changes {
		if c.Action != stack.ActionCreate {
			t.Errorf("first deploy: %s is %q, want create", c.LogicalID, c.Action)
		}
	}
	s := r.stack
	if s.Status != stack.StatusCreateComplete {
		t.Errorf("status %q, want %s", s.Status, stack.StatusCreateComplete)
	}
	if !strings.HasPrefix(s.ID, "arn:aws:cloudformation:us-east-1:000000000000:stack/app/") {
		t.Errorf("stack id %q", s.ID)
	}
	if len(s.Resources) != len(r.changes) {
		t.Errorf("%d resources stored for a plan of %d", len(s.Resources), len(r.changes))
	}
	// The stored stack is what Deploy returned.
	got, err := e.eng.Get(context.Background(), "app")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(jsonOf(t, got), jsonOf(t, s)) {
		t.Errorf("stored stack differs from the one Deploy returned")
	}

	// Events: the plan first, each resource in progress then done, the
	// outputs last.
	if withoutWarnings(r.events)[0].Kind != "plan" {
		t.Fatalf("first event is not the plan:\n%s", eventLines(r.events))
	}
	last := r.events[len(r.events)-1]
	if last.Kind != "complete" || last.Status != stack.StatusCreateComplete || len(last.Outputs) != len(s.Outputs) {
		t.Errorf("last event %+v", last)
	}
	done := map[string]bool{}
	for _, ev := range r.events {
		if ev.Kind == "resource" && ev.Status == "done" {
			done[ev.LogicalID] = true
		}
	}
	for id := range s.Resources {
		if !done[id] {
			t.Errorf("no done event for %s", id)
		}
	}

	pool := s.Resources["UserPool"].PhysicalID
	openName := s.Resources["OpenFunction"].PhysicalID
	open := e.mustFunction(openName)
	apiID := s.Resources["Api"].PhysicalID
	outs := outputs(s)
	_, port, _ := strings.Cut(e.addr, ":")
	want := map[string]string{
		"PoolId":   pool,                                                          // Ref
		"PoolArn":  "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + pool, // GetAtt
		"ClientId": s.Resources["UserPoolClient"].PhysicalID,
		"OpenArn":  open.FunctionArn,
		"Hello":    "hi from app in us-east-1", // Sub with a parameter and pseudo parameters
		// The AWS invoke URL of the stack's own API becomes the local one.
		"ApiUrl": "http://" + apiID + ".execute-api.localhost:" + port + "/v1",
	}
	if !reflect.DeepEqual(outs, want) {
		t.Errorf("outputs\n got %v\nwant %v", outs, want)
	}

	// The resources are real: the services answer for them, with the
	// references resolved.
	var desc struct{ UserPool struct{ Id, Arn string } }
	if err := e.cognito("DescribeUserPool", map[string]any{"UserPoolId": pool}, &desc); err != nil {
		t.Fatalf("DescribeUserPool: %v", err)
	}
	if desc.UserPool.Arn != want["PoolArn"] {
		t.Errorf("pool arn %q, want %q", desc.UserPool.Arn, want["PoolArn"])
	}
	if v := open.Environment.Variables; v["POOL_ID"] != pool || v["GREETING"] != "hi" {
		t.Errorf("OpenFunction environment %v, want POOL_ID=%s GREETING=hi", v, pool)
	}
	if open.Runtime != "nodejs20.x" || open.Handler != "index.handler" || open.Timeout != 5 {
		t.Errorf("OpenFunction config %+v: Globals not applied", open)
	}
	if open.CodeSha256 != codeSha(appArtifacts(t, "open-1", "")["open/"]) {
		t.Errorf("OpenFunction code %s is not the uploaded package", open.CodeSha256)
	}
	if !slices.Contains(e.restAPIIDs(), apiID) {
		t.Errorf("REST API %s not found", apiID)
	}

	// The API works at the URL the output gives, with the authorizer in
	// front of the protected route.
	if code, body := e.get(want["ApiUrl"], nil); code != http.StatusUnauthorized {
		t.Errorf("GET / without a token: %d %s, want 401", code, body)
	}
	if !haveNode() {
		t.Log("node not installed: not invoking the open route")
		return
	}
	code, body := e.get(want["ApiUrl"]+"/open", nil)
	if code != http.StatusOK || !strings.Contains(body, `"greeting":"hi"`) || !strings.Contains(body, `"marker":"open-1"`) {
		t.Errorf("GET /open: %d %s", code, body)
	}
}

func TestRedeployWithoutChangesTouchesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tmpl := appTemplate(t, appOpts{})
	first := e.mustDeploy("app", tmpl, map[string]string{"Greeting": "hi"}, appArtifacts(t, "o", "p"))
	before, err := e.st.Get(context.Background(), "stack", "app")
	if err != nil {
		t.Fatal(err)
	}
	fnBefore := e.mustFunction(first.stack.Resources["OpenFunction"].PhysicalID)
	e.faults.takeCalls()

	// The parameter given the first time is remembered.
	r := e.mustDeploy("app", tmpl, nil, appArtifacts(t, "o", "p"))
	for _, c := range r.changes {
		if c.Action != stack.ActionUnchanged {
			t.Errorf("%s is %q (%s), want unchanged", c.LogicalID, c.Action, c.Reason)
		}
	}
	if len(r.changes) != len(first.changes) {
		t.Errorf("plan of %d resources, want %d", len(r.changes), len(first.changes))
	}
	if calls := e.faults.takeCalls(); len(calls) > 0 {
		t.Errorf("a redeploy without changes called the services: %v", calls)
	}
	after, err := e.st.Get(context.Background(), "stack", "app")
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || !bytes.Equal(after.Data, before.Data) {
		t.Errorf("the stored stack was rewritten (version %d → %d)", before.Version, after.Version)
	}
	if !r.stack.Updated.Equal(first.stack.Updated) {
		t.Errorf("Updated moved from %v to %v", first.stack.Updated, r.stack.Updated)
	}
	last := r.events[len(r.events)-1]
	if last.Kind != "complete" || last.Message != "no changes" || len(last.Outputs) != len(first.stack.Outputs) {
		t.Errorf("last event %+v, want complete with no changes and the outputs", last)
	}
	if fnAfter := e.mustFunction(fnBefore.FunctionName); fnAfter.LastModified != fnBefore.LastModified {
		t.Errorf("the function was modified: %s → %s", fnBefore.LastModified, fnAfter.LastModified)
	}
}

func TestChangedPropertyUpdatesOnlyThatResource(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
	open := first.stack.Resources["OpenFunction"].PhysicalID
	private := first.stack.Resources["PrivateFunction"].PhysicalID
	privateBefore := e.mustFunction(private)

	cases := []struct {
		name      string
		tmpl      string
		artifacts map[string][]byte
		want      map[string]string // logical id → action; the rest unchanged
		reason    string            // the changed resource's reason
		check     func(t *testing.T)
	}{
		{
			name: "memory", tmpl: appTemplate(t, appOpts{OpenMemory: 256}), artifacts: appArtifacts(t, "o", "p"),
			want: map[string]string{"OpenFunction": stack.ActionUpdate}, reason: "Properties.MemorySize",
			check: func(t *testing.T) {
				if c := e.mustFunction(open); c.MemorySize != 256 {
					t.Errorf("OpenFunction MemorySize %d, want 256", c.MemorySize)
				}
				if c := e.mustFunction(private); c.LastModified != privateBefore.LastModified {
					t.Errorf("PrivateFunction was modified")
				}
			},
		},
		{
			name: "code", tmpl: appTemplate(t, appOpts{OpenMemory: 256}), artifacts: appArtifacts(t, "o", "p2"),
			want: map[string]string{"PrivateFunction": stack.ActionUpdate}, reason: "Properties.Code",
			check: func(t *testing.T) {
				if c := e.mustFunction(private); c.CodeSha256 != codeSha(nodeZip(t, "p2")) {
					t.Errorf("PrivateFunction code %s, want the new package", c.CodeSha256)
				}
				if c := e.mustFunction(open); c.MemorySize != 256 || c.CodeSha256 != codeSha(nodeZip(t, "o")) {
					t.Errorf("OpenFunction changed: %+v", c)
				}
				// The packages the stack runs are kept for a later rollback.
				if !e.keptCode(nodeZip(t, "p2")) || !e.keptCode(nodeZip(t, "o")) {
					t.Errorf("packages not kept: new %v, open %v", e.keptCode(nodeZip(t, "p2")), e.keptCode(nodeZip(t, "o")))
				}
			},
		},
		{
			// Back to Lambda's default when the property leaves the template.
			name: "memory removed", tmpl: appTemplate(t, appOpts{}), artifacts: appArtifacts(t, "o", "p2"),
			want: map[string]string{"OpenFunction": stack.ActionUpdate}, reason: "Properties.MemorySize",
			check: func(t *testing.T) {
				if c := e.mustFunction(open); c.MemorySize != 128 {
					t.Errorf("OpenFunction MemorySize %d, want the default 128", c.MemorySize)
				}
			},
		},
		{
			name: "parameter", tmpl: appTemplate(t, appOpts{}), artifacts: appArtifacts(t, "o", "p2"),
			want: map[string]string{"OpenFunction": stack.ActionUpdate}, reason: "Properties.Environment",
			check: func(t *testing.T) {
				if c := e.mustFunction(open); c.Environment.Variables["GREETING"] != "bonjour" {
					t.Errorf("OpenFunction environment %v", c.Environment.Variables)
				}
			},
		},
	}
	// Sequential: each case starts from the state the previous one left.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var params map[string]string
			if tc.name == "parameter" {
				params = map[string]string{"Greeting": "bonjour"}
			}
			prev, err := e.eng.Get(context.Background(), "app")
			if err != nil {
				t.Fatal(err)
			}
			// A dry run plans the same and changes nothing.
			_, dry, err := e.eng.Deploy(context.Background(), stack.DeployInput{StackName: "app", Template: []byte(tc.tmpl),
				Parameters: params, Artifacts: tc.artifacts, DryRun: true}, nil)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			wantPlan(t, dry, tc.want)
			if cur, _ := e.eng.Get(context.Background(), "app"); !reflect.DeepEqual(jsonOf(t, cur), jsonOf(t, prev)) {
				t.Errorf("the dry run changed the stored stack")
			}

			r := e.mustDeploy("app", tc.tmpl, params, tc.artifacts)
			wantPlan(t, r.changes, tc.want)
			for _, c := range r.changes {
				if tc.want[c.LogicalID] != "" && c.Reason != tc.reason {
					t.Errorf("%s: reason %q, want %q", c.LogicalID, c.Reason, tc.reason)
				}
			}
			if r.stack.Status != stack.StatusUpdateComplete {
				t.Errorf("status %q", r.stack.Status)
			}
			for id, rs := range r.stack.Resources {
				if rs.PhysicalID != prev.Resources[id].PhysicalID {
					t.Errorf("%s changed physical id %s → %s", id, prev.Resources[id].PhysicalID, rs.PhysicalID)
				}
			}
			var updated []string
			for _, ev := range r.events {
				if ev.Kind == "resource" && ev.Status == "done" {
					updated = append(updated, ev.LogicalID)
				}
			}
			if len(updated) != len(tc.want) {
				t.Errorf("applied %v, want only %v", updated, tc.want)
			}
			tc.check(t)
		})
	}
}

func TestRemovedResourceIsDeletedAfterTheRestApplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	extra := `  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref UserPool
      GroupName: admins
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 'inline';"
      Handler: index.handler
`
	first := e.mustDeploy("app", appTemplate(t, appOpts{Extra: extra}), nil, appArtifacts(t, "o", "p"))
	pool := first.stack.Resources["UserPool"].PhysicalID
	inline := first.stack.Resources["Inline"].PhysicalID
	if err := e.cognito("GetGroup", map[string]any{"UserPoolId": pool, "GroupName": "admins"}, nil); err != nil {
		t.Fatalf("GetGroup after create: %v", err)
	}
	e.mustFunction(inline)

	// Remove them, remove PrivateFunction (and its route), and change a
	// property that stays.
	r := e.mustDeploy("app", appTemplate(t, appOpts{OpenMemory: 256, NoPrivate: true}), nil, map[string][]byte{"open/": nodeZip(t, "o")})
	acts := actions(r.changes)
	for _, id := range []string{"Admins", "Inline", "InlineRole", "PrivateFunction", "PrivateFunctionRole", "PrivateFunctionRootPermissionv1"} {
		if acts[id] != stack.ActionDelete {
			t.Errorf("%s: plan %q, want delete", id, acts[id])
		}
		if _, ok := r.stack.Resources[id]; ok {
			t.Errorf("%s is still in the stored stack", id)
		}
	}
	if acts["OpenFunction"] != stack.ActionUpdate {
		t.Errorf("OpenFunction: plan %q, want update", acts["OpenFunction"])
	}

	// Deletes come after every create and update, so the stack never
	// points at something already gone.
	firstDelete, lastApply := -1, -1
	for i, ev := range r.events {
		if ev.Kind != "resource" {
			continue
		}
		if ev.Action == stack.ActionDelete {
			if firstDelete < 0 {
				firstDelete = i
			}
		} else {
			lastApply = i
		}
	}
	if firstDelete < 0 || firstDelete < lastApply {
		t.Errorf("deletes not last:\n%s", eventLines(r.events))
	}
	// The route's permission goes before the function it names.
	if perm, fn := eventIndex(r.events, "PrivateFunctionRootPermissionv1", stack.ActionDelete), eventIndex(r.events, "PrivateFunction", stack.ActionDelete); perm < 0 || fn < 0 || perm > fn {
		t.Errorf("PrivateFunction deleted before its permission:\n%s", eventLines(r.events))
	}

	err := e.cognito("GetGroup", map[string]any{"UserPoolId": pool, "GroupName": "admins"}, nil)
	if !isNotFound(err) {
		t.Errorf("GetGroup after removal: %v, want not found", err)
	}
	for _, name := range []string{inline, first.stack.Resources["PrivateFunction"].PhysicalID} {
		if _, err := e.function(name); !isNotFound(err) {
			t.Errorf("function %s after removal: %v, want not found", name, err)
		}
	}
	if c := e.mustFunction(first.stack.Resources["OpenFunction"].PhysicalID); c.MemorySize != 256 {
		t.Errorf("OpenFunction MemorySize %d, want 256", c.MemorySize)
	}
	if code, body := e.get(outputs(r.stack)["ApiUrl"], nil); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("GET / after the route was removed: %d %s", code, body)
	}
}

// brokenFunction fails at create: Lambda refuses the runtime. DependsOn
// puts it after the resources a test wants applied before the failure.
const brokenFunction = `  Broken:
    Type: AWS::Serverless::Function
    DependsOn: [Admins, OpenFunction]
    Properties:
      CodeUri: open/
      Runtime: cobol85
`

const adminsGroup = `  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref UserPool
      GroupName: admins
`

func TestFailedCreateRollsBackTheUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
	pool := first.stack.Resources["UserPool"].PhysicalID
	openName := first.stack.Resources["OpenFunction"].PhysicalID
	fnsBefore := e.functionNames()

	// A new group (created), OpenFunction's memory (updated), both
	// before Broken fails.
	tmpl := appTemplate(t, appOpts{OpenMemory: 512, Extra: adminsGroup + brokenFunction})
	r := e.deploy("app", tmpl, nil, appArtifacts(t, "o", "p"))
	if r.err == nil {
		t.Fatalf("deploy with a broken function succeeded")
	}
	// Lambda's refusal names the member ('runtime'): the error points at
	// that property.
	wantTemplateError(t, r.err, tmpl, "  Broken: > Properties: > Runtime:", "Resources.Broken.Properties.Runtime")
	if !strings.Contains(r.err.Error(), "cobol85") {
		t.Errorf("error does not name the runtime: %v", r.err)
	}
	if i, j := eventIndex(r.events, "Admins", stack.ActionCreate), eventIndex(r.events, "OpenFunction", stack.ActionUpdate); i < 0 || j < 0 {
		t.Fatalf("the group and the update were not applied before the failure:\n%s", eventLines(r.events))
	}
	if last := r.events[len(r.events)-1]; last.Kind != "failed" {
		t.Errorf("last event %+v, want failed", last)
	}

	// Created ones deleted, updated ones back as they were.
	if err := e.cognito("GetGroup", map[string]any{"UserPoolId": pool, "GroupName": "admins"}, nil); !isNotFound(err) {
		t.Errorf("GetGroup after rollback: %v, want not found", err)
	}
	if c := e.mustFunction(openName); c.MemorySize != 128 {
		t.Errorf("OpenFunction MemorySize %d after rollback, want 128", c.MemorySize)
	}
	if got := e.functionNames(); !sameSet(got, fnsBefore) {
		t.Errorf("functions after rollback %v, want %v", got, fnsBefore)
	}
	if err := e.cognito("DescribeUserPool", map[string]any{"UserPoolId": pool}, nil); err != nil {
		t.Errorf("the pool is gone after rollback: %v", err)
	}
	s, err := e.eng.Get(context.Background(), "app")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != stack.StatusUpdateRollbackComplete || !strings.Contains(s.StatusReason, "Broken") {
		t.Errorf("status %q (%q), want %s naming Broken", s.Status, s.StatusReason, stack.StatusUpdateRollbackComplete)
	}
	if !reflect.DeepEqual(jsonOf(t, s.Resources), jsonOf(t, first.stack.Resources)) || !reflect.DeepEqual(s.Outputs, first.stack.Outputs) {
		t.Errorf("the stack's resources or outputs changed with the failed deploy")
	}

	// The previous template deploys again cleanly: nothing to apply, but
	// the stack leaves its rollback status.
	again := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
	wantPlan(t, again.changes, nil)
	if again.stack.Status != stack.StatusUpdateComplete || again.stack.StatusReason != "" {
		t.Errorf("after a clean redeploy: %q %q", again.stack.Status, again.stack.StatusReason)
	}
}

func TestFailedUpdateRollsBack(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// changed: the deploy that fails. OpenFunction's runtime is
		// refused by UpdateFunctionConfiguration.
		opts      appOpts
		open, prv string // code markers of the failing deploy
	}{
		// The pool is updated (OpenFunction depends on it), then
		// OpenFunction's update fails.
		{name: "config", opts: appOpts{MinLength: 12, OpenRuntime: "cobol85"}, open: "o", prv: "p"},
		// PrivateFunction's code is updated before the failure: undoing it
		// needs the previous package.
		{name: "other function's code", opts: appOpts{MinLength: 12, OpenRuntime: "cobol85"}, open: "o", prv: "p-new"},
		// OpenFunction's own new code is uploaded, then its configuration
		// is refused: the half-made update is undone too.
		{name: "own code", opts: appOpts{OpenRuntime: "cobol85"}, open: "o-new", prv: "p"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			first := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
			pool := first.stack.Resources["UserPool"].PhysicalID
			openName := first.stack.Resources["OpenFunction"].PhysicalID
			privName := first.stack.Resources["PrivateFunction"].PhysicalID
			openBefore, privBefore := e.mustFunction(openName), e.mustFunction(privName)

			tmpl := appTemplate(t, tc.opts)
			r := e.deploy("app", tmpl, nil, appArtifacts(t, tc.open, tc.prv))
			if r.err == nil {
				t.Fatalf("deploy with a bad runtime succeeded")
			}
			wantTemplateError(t, r.err, tmpl, "  OpenFunction: > Properties: > Runtime:", "Resources.OpenFunction.Properties.Runtime")
			if tc.opts.MinLength != 0 && eventIndex(r.events, "UserPool", stack.ActionUpdate) < 0 {
				t.Fatalf("the pool was not updated before the failure:\n%s", eventLines(r.events))
			}
			if strings.Contains(r.err.Error(), "rolling back also failed") {
				t.Errorf("rollback failed: %v", r.err)
			}

			var desc struct {
				UserPool struct {
					Policies struct{ PasswordPolicy struct{ MinimumLength int } }
				}
			}
			if err := e.cognito("DescribeUserPool", map[string]any{"UserPoolId": pool}, &desc); err != nil {
				t.Fatalf("the pool is gone after rollback: %v", err)
			}
			if n := desc.UserPool.Policies.PasswordPolicy.MinimumLength; n != 8 {
				t.Errorf("pool MinimumLength %d after rollback, want 8", n)
			}
			open, priv := e.mustFunction(openName), e.mustFunction(privName)
			if open.Runtime != openBefore.Runtime || open.MemorySize != openBefore.MemorySize || !reflect.DeepEqual(open.Environment, openBefore.Environment) {
				t.Errorf("OpenFunction after rollback %+v, want %+v", open, openBefore)
			}
			if open.CodeSha256 != openBefore.CodeSha256 {
				t.Errorf("OpenFunction code after rollback %s, want the previous %s", open.CodeSha256, openBefore.CodeSha256)
			}
			if priv.CodeSha256 != privBefore.CodeSha256 {
				t.Errorf("PrivateFunction code after rollback %s, want the previous %s", priv.CodeSha256, privBefore.CodeSha256)
			}
			s, err := e.eng.Get(context.Background(), "app")
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != stack.StatusUpdateRollbackComplete {
				t.Errorf("status %q, want %s", s.Status, stack.StatusUpdateRollbackComplete)
			}
			if !reflect.DeepEqual(jsonOf(t, s.Resources), jsonOf(t, first.stack.Resources)) {
				t.Errorf("the stack's resources changed with the failed deploy")
			}
		})
	}
}

func TestFailedFirstDeployLeavesNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault func(service, method, path string) error // nil: the template fails by itself
		extra string
	}{
		{name: "refused runtime", extra: adminsGroup + brokenFunction},
		{
			// The last resource to be made fails: everything before it
			// was created and must go.
			name: "last resource",
			fault: func(service, method, path string) error {
				if strings.HasSuffix(path, "CreateUserPoolClient") {
					return &stack.APIError{Status: 500, Code: "InternalFailure", Message: "injected"}
				}
				return nil
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.faults.setFail(tc.fault)
			tmpl := appTemplate(t, appOpts{Extra: tc.extra})
			r := e.deploy("app", tmpl, nil, appArtifacts(t, "o", "p"))
			if r.err == nil {
				t.Fatal("deploy succeeded")
			}
			created := 0
			for _, ev := range r.events {
				if ev.Kind == "resource" && ev.Status == "done" {
					created++
				}
			}
			if created < 5 {
				t.Errorf("only %d resources were made before the failure; the test means many:\n%s", created, eventLines(r.events))
			}
			if _, err := e.eng.Get(context.Background(), "app"); !errors.Is(err, stack.ErrNoStack) {
				t.Errorf("Get after a failed first deploy: %v, want ErrNoStack", err)
			}
			if list, _ := e.eng.List(context.Background()); len(list) != 0 {
				t.Errorf("stacks listed: %d", len(list))
			}
			e.wantEmpty("after the failed first deploy")

			// The name is free for a deploy that works.
			e.faults.setFail(nil)
			ok := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
			if ok.stack.Status != stack.StatusCreateComplete {
				t.Errorf("status %q", ok.stack.Status)
			}
		})
	}
}

func TestTemplateErrorsStopBeforeAnythingIsCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Every template starts with a valid pool, to show it is not made.
	const head = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Email:
    Type: String
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
`
	cases := []struct {
		name   string
		body   string
		params map[string]string
		at     string // the text the error's line holds
		want   string // in the message
		// yaml: the YAML library reports a line and no column, and for
		// parser (not scanner) errors the line before the problem.
		yaml bool
	}{
		{name: "unknown type", body: `  Thing:
    Type: AWS::Foo::Bar
`, at: "AWS::Foo::Bar", want: "AWS::Foo::Bar"},
		{name: "GetAtt on a missing resource", body: `  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !GetAtt Nowhere.UserPoolId
`, at: "Nowhere", want: "Nowhere"},
		{name: "GetAtt on a missing attribute", body: `  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !GetAtt UserPool.Colour
`, at: "UserPool.Colour", want: "Colour"},
		{name: "circular reference", body: `  A:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref UserPool
      Description: !Ref B
  B:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref UserPool
      Description: !Ref A
`, at: "  A:", want: "circular"},
		{name: "parameter without a value", body: `  User:
    Type: AWS::Cognito::UserPoolUser
    Properties:
      UserPoolId: !Ref UserPool
      Username: !Ref Email
`, at: "  Email:", want: "Email"},
		{name: "invalid YAML", body: `  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: [unclosed
`, at: "[unclosed", want: "malformed YAML", yaml: true},
		{name: "invalid YAML mapping", body: `  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: a: b
`, at: "a: b", want: "malformed YAML", yaml: true},
		{name: "ImportValue", body: `  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !ImportValue shared-pool
`, at: "!ImportValue", want: "ImportValue"},
		{name: "no code package", body: `  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: missing/
      Runtime: nodejs20.x
      Handler: index.handler
`, at: "  Fn: > Properties:", want: "missing/"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := tc.params
			if params == nil && tc.name != "parameter without a value" {
				params = map[string]string{"Email": "ada@example.com"}
			}
			tmpl := head + tc.body
			name := fmt.Sprintf("bad-%d", i)
			r := e.deploy(name, tmpl, params, nil)
			if r.err == nil {
				t.Fatalf("deploy succeeded")
			}
			if tc.yaml {
				var te *template.Error
				if line := lineOf(t, tmpl, tc.at); !errors.As(r.err, &te) || te.Line < line-1 || te.Line > line {
					t.Errorf("error %q is not located at line %d", r.err, line)
				}
			} else {
				wantTemplateError(t, r.err, tmpl, tc.at, "")
			}
			if !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", r.err, tc.want)
			}
			if len(r.events) > 0 {
				t.Errorf("events were emitted:\n%s", eventLines(r.events))
			}
			if _, err := e.eng.Get(context.Background(), name); !errors.Is(err, stack.ErrNoStack) {
				t.Errorf("Get: %v, want ErrNoStack", err)
			}
		})
	}
	if calls := e.faults.takeCalls(); len(calls) > 0 {
		t.Errorf("template errors reached the services: %v", calls)
	}
	e.wantEmpty("after the template errors")
}

func TestInvalidStackName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range []string{"", "1abc", "has space", "under_score", strings.Repeat("a", 129)} {
		r := e.deploy(name, appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
		var ve *stack.ValidationError
		if !errors.As(r.err, &ve) {
			t.Errorf("stack name %q: %v, want a ValidationError", name, r.err)
		}
	}
}

func TestDeleteStackRemovesEverythingDependentsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	retained := `  Kept:
    Type: AWS::Serverless::Function
    DeletionPolicy: Retain
    Properties:
      InlineCode: "exports.handler = async () => 'kept';"
      Handler: index.handler
`
	first := e.mustDeploy("app", appTemplate(t, appOpts{Extra: adminsGroup + retained}), nil, appArtifacts(t, "o", "p"))
	s := first.stack
	kept := s.Resources["Kept"].PhysicalID

	var events []stack.Event
	if err := e.eng.Delete(context.Background(), "app", func(ev stack.Event) { events = append(events, ev) }); err != nil {
		t.Fatalf("Delete: %v\n%s", err, eventLines(events))
	}
	order := map[string]int{}
	for i, ev := range events {
		if ev.Kind == "resource" && ev.Status == "in_progress" {
			order[ev.LogicalID] = i
		}
	}
	for id, rs := range s.Resources {
		if rs.Retain {
			continue
		}
		i, ok := order[id]
		if !ok {
			t.Errorf("%s was not deleted", id)
			continue
		}
		for _, dep := range rs.Deps {
			if j, ok := order[dep]; ok && j < i {
				t.Errorf("%s was deleted before %s, which depends on it", dep, id)
			}
		}
	}
	if _, ok := order["Kept"]; ok {
		t.Errorf("the retained function was deleted")
	}
	if last := events[len(events)-1]; last.Kind != "complete" {
		t.Errorf("last event %+v", last)
	}
	if _, err := e.eng.Get(context.Background(), "app"); !errors.Is(err, stack.ErrNoStack) {
		t.Errorf("Get after Delete: %v", err)
	}
	if got := e.functionNames(); !reflect.DeepEqual(got, []string{kept}) {
		t.Errorf("functions after Delete %v, want only the retained %s", got, kept)
	}
	if p := e.poolIDs(); len(p) > 0 {
		t.Errorf("pools after Delete: %v", p)
	}
	if a := e.restAPIIDs(); len(a) > 0 {
		t.Errorf("REST APIs after Delete: %v", a)
	}
	if err := e.eng.Delete(context.Background(), "app", nil); !errors.Is(err, stack.ErrNoStack) {
		t.Errorf("second Delete: %v, want ErrNoStack", err)
	}

}

func TestDeleteKeepsTheStackWhenAResourceCannotBeDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
	e.faults.setFail(func(service, method, path string) error {
		if strings.HasSuffix(path, "DeleteUserPool") {
			return &stack.APIError{Status: 500, Code: "InternalFailure", Message: "injected"}
		}
		return nil
	})
	if err := e.eng.Delete(context.Background(), "app", nil); err == nil || !strings.Contains(err.Error(), "UserPool") {
		t.Fatalf("Delete with a failing pool delete: %v, want an error naming UserPool", err)
	}
	s, err := e.eng.Get(context.Background(), "app")
	if err != nil {
		t.Fatalf("the stack is gone although a resource is left: %v", err)
	}
	// A second delete finishes the job; the resources already deleted
	// are not an error.
	e.faults.setFail(nil)
	if err := e.eng.Delete(context.Background(), "app", nil); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	e.wantEmpty("after the second delete of " + s.Name)
}

func TestConcurrentDeploysOfOneStackSerialize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 4
	type span struct{ begin, end time.Time }
	spans := make([]span, n)
	errs := make([]error, n)
	// Different memory and parameter per deploy, so every one after the
	// first has something to update.
	inputs := make([]stack.DeployInput, n)
	for i := range n {
		inputs[i] = stack.DeployInput{StackName: "app", Template: []byte(appTemplate(t, appOpts{OpenMemory: 128 + 64*i})),
			Parameters: map[string]string{"Greeting": fmt.Sprint("g", i)}, Artifacts: appArtifacts(t, "o", "p")}
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, _, errs[i] = e.eng.Deploy(ctx, inputs[i],
				func(ev stack.Event) {
					now := time.Now()
					if ev.Kind == "plan" {
						spans[i].begin = now
					}
					if ev.Kind == "complete" || ev.Kind == "failed" {
						spans[i].end = now
					}
				})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("deploy %d: %v", i, err)
		}
	}
	// One deploy at a time: from plan to verdict, none overlaps another.
	slices.SortFunc(spans, func(a, b span) int { return a.begin.Compare(b.begin) })
	for i := 1; i < n; i++ {
		if spans[i].begin.Before(spans[i-1].end) {
			t.Errorf("deploys overlapped: %v–%v and %v–%v", spans[i-1].begin, spans[i-1].end, spans[i].begin, spans[i].end)
		}
	}
	// One stack's worth of resources, and the stored state is the last
	// deploy's, matching what the services hold.
	s, err := e.eng.Get(context.Background(), "app")
	if err != nil {
		t.Fatal(err)
	}
	if p := e.poolIDs(); len(p) != 1 || p[0] != s.Resources["UserPool"].PhysicalID {
		t.Errorf("pools %v, want the stack's one", p)
	}
	if f := e.functionNames(); len(f) != 2 {
		t.Errorf("functions %v, want 2", f)
	}
	if a := e.restAPIIDs(); len(a) != 1 {
		t.Errorf("REST APIs %v, want 1", a)
	}
	open := e.mustFunction(s.Resources["OpenFunction"].PhysicalID)
	var last int
	fmt.Sscanf(s.Parameters["Greeting"], "g%d", &last)
	if open.Environment.Variables["GREETING"] != s.Parameters["Greeting"] || open.MemorySize != 128+64*last {
		t.Errorf("OpenFunction (GREETING %q, MemorySize %d) does not match the stored stack (Greeting %q)",
			open.Environment.Variables["GREETING"], open.MemorySize, s.Parameters["Greeting"])
	}
	if s.Status != stack.StatusUpdateComplete {
		t.Errorf("status %q", s.Status)
	}
}

func TestReplacedResourceIsMadeAnewAndTheOldOneDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
	oldPool := first.stack.Resources["UserPool"].PhysicalID
	oldClient := first.stack.Resources["UserPoolClient"].PhysicalID

	tmpl := strings.Replace(appTemplate(t, appOpts{}), "UsernameAttributes: [email]", "UsernameAttributes: [phone_number]", 1)
	r := e.mustDeploy("app", tmpl, nil, appArtifacts(t, "o", "p"))
	acts := actions(r.changes)
	if acts["UserPool"] != stack.ActionReplace {
		t.Errorf("UserPool: %q, want replace", acts["UserPool"])
	}
	// The API's definition resolves to the new pool's ARN: its stage must
	// serve a new deployment, not the snapshot holding the old pool.
	for id, rs := range r.stack.Resources {
		if rs.Type == "AWS::ApiGateway::Deployment" && acts[id] != stack.ActionReplace {
			t.Errorf("deployment %s: %q, want replace", id, acts[id])
		}
	}
	if got, was := r.stack.Resources["Apiv1Stage"].Props["DeploymentId"], first.stack.Resources["Apiv1Stage"].Props["DeploymentId"]; got == was {
		t.Errorf("the stage still serves deployment %v", got)
	}
	newPool := r.stack.Resources["UserPool"].PhysicalID
	newClient := r.stack.Resources["UserPoolClient"].PhysicalID
	if newPool == oldPool || newClient == oldClient {
		t.Fatalf("pool %s → %s, client %s → %s: not replaced", oldPool, newPool, oldClient, newClient)
	}
	if p := e.poolIDs(); !reflect.DeepEqual(p, []string{newPool}) {
		t.Errorf("pools %v, want only the new %s", p, newPool)
	}
	if c := e.mustFunction(r.stack.Resources["OpenFunction"].PhysicalID); c.Environment.Variables["POOL_ID"] != newPool {
		t.Errorf("OpenFunction POOL_ID %q, want the new pool", c.Environment.Variables["POOL_ID"])
	}
	if outputs(r.stack)["PoolId"] != newPool {
		t.Errorf("output PoolId %q", outputs(r.stack)["PoolId"])
	}

	// The API's authorizer follows the new pool: a token of the new pool
	// opens the protected route.
	token := e.idToken(newPool, newClient, "+15555550100")
	if code, body := e.get(outputs(r.stack)["ApiUrl"], http.Header{"Authorization": {token}}); code == http.StatusUnauthorized || code == http.StatusForbidden {
		t.Errorf("GET / with a token of the new pool: %d %s", code, body)
	}
}

func TestGatehouseStacksOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := stack.DeployRequest{StackName: "web", TemplateName: "app.yaml", TemplateBody: appTemplate(t, appOpts{}),
		Artifacts: appArtifacts(t, "o", "p")}
	events, status, body := e.stacksCall(t, "Deploy", req)
	if status != http.StatusOK {
		t.Fatalf("Deploy: %d %s", status, body)
	}
	if len(events) < 2 || withoutWarnings(events)[0].Kind != "plan" || events[len(events)-1].Kind != "complete" {
		t.Fatalf("Deploy events:\n%s", eventLines(events))
	}
	final := events[len(events)-1]
	if final.Status != stack.StatusCreateComplete {
		t.Errorf("final status %q", final.Status)
	}
	var apiURL string
	for _, o := range final.Outputs {
		if o.Key == "ApiUrl" {
			apiURL = o.Value
		}
	}
	_, port, _ := strings.Cut(e.addr, ":")
	if !regexp.MustCompile(`^http://[a-z0-9]+\.execute-api\.localhost:` + port + `/v1$`).MatchString(apiURL) {
		t.Errorf("ApiUrl %q is not the server's local URL", apiURL)
	}
	if code, _ := e.get(apiURL, nil); code != http.StatusUnauthorized {
		t.Errorf("GET %s: %d, want 401", apiURL, code)
	}

	_, status, body = e.stacksCall(t, "DescribeStack", map[string]string{"StackName": "web"})
	var desc struct {
		Stack struct {
			StackName, Status string
			Resources         []struct{ LogicalId, Type, PhysicalId string }
			Outputs           map[string]string
		}
	}
	if err := json.Unmarshal([]byte(body), &desc); status != http.StatusOK || err != nil {
		t.Fatalf("DescribeStack: %d %s", status, body)
	}
	if desc.Stack.Status != stack.StatusCreateComplete || desc.Stack.Outputs["ApiUrl"] != apiURL || len(desc.Stack.Resources) < 10 {
		t.Errorf("DescribeStack: %s", body)
	}

	_, status, body = e.stacksCall(t, "ListStacks", map[string]string{})
	if status != http.StatusOK || !strings.Contains(body, `"StackName":"web"`) {
		t.Errorf("ListStacks: %d %s", status, body)
	}

	// A template error is an ordinary error answer, with the location.
	bad := stack.DeployRequest{StackName: "web", TemplateName: "app.yaml", TemplateBody: "Resources:\n  X:\n    Type: AWS::Foo::Bar\n"}
	_, status, body = e.stacksCall(t, "Deploy", bad)
	if status != http.StatusBadRequest || !strings.Contains(body, "ValidationError") || !strings.Contains(body, "app.yaml:3:") {
		t.Errorf("Deploy of a bad template: %d %s", status, body)
	}

	events, status, body = e.stacksCall(t, "DeleteStack", map[string]string{"StackName": "web"})
	if status != http.StatusOK || len(events) == 0 || events[len(events)-1].Kind != "complete" {
		t.Errorf("DeleteStack: %d %s", status, body)
	}
	_, status, body = e.stacksCall(t, "DescribeStack", map[string]string{"StackName": "web"})
	if status != http.StatusBadRequest || !strings.Contains(body, "does not exist") {
		t.Errorf("DescribeStack after delete: %d %s", status, body)
	}
	e.wantEmpty("after DeleteStack")
}

// ---- helpers the tests above share ----

// wantTemplateError checks that err locates the problem in the template:
// file:line:col, on the line lineOf finds for at, and mentions path when
// path is given.
func wantTemplateError(t *testing.T, err error, tmpl, at, path string) {
	t.Helper()
	var te *template.Error
	if !errors.As(err, &te) {
		t.Errorf("error %q (%T) is not a template.Error", err, err)
		return
	}
	if te.Line == 0 || te.Col == 0 {
		t.Errorf("error %q has no line:column", err)
	}
	line := lineOf(t, tmpl, at)
	if te.Line != line {
		t.Errorf("error at line %d, want %d (%q): %v", te.Line, line, at, err)
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("template.yaml:%d:%d: ", te.Line, te.Col)) {
		t.Errorf("error %q does not start with template.yaml:line:col", err)
	}
	if path != "" && !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// lineOf is the number of the first line of tmpl holding at; "A > B" is
// the first line holding B after the first holding A.
func lineOf(t *testing.T, tmpl, at string) int {
	t.Helper()
	from := 0
	lines := strings.Split(tmpl, "\n")
	for _, part := range strings.Split(at, " > ") {
		found := false
		for i := from; i < len(lines); i++ {
			if strings.Contains(lines[i], part) {
				from, found = i, true
				break
			}
		}
		if !found {
			t.Fatalf("test bug: %q not in the template", at)
		}
	}
	return from + 1
}

// withoutWarnings drops the SAM transform's warnings, which come before
// the plan; it never returns an empty list.
func withoutWarnings(evs []stack.Event) []stack.Event {
	out := slices.DeleteFunc(slices.Clone(evs), func(ev stack.Event) bool { return ev.Kind == "warning" })
	if len(out) == 0 {
		return []stack.Event{{}}
	}
	return out
}

func eventIndex(evs []stack.Event, id, action string) int {
	for i, ev := range evs {
		if ev.Kind == "resource" && ev.LogicalID == id && ev.Action == action && ev.Status == "done" {
			return i
		}
	}
	return -1
}

func outputs(s *stack.Stack) map[string]string {
	m := map[string]string{}
	for _, o := range s.Outputs {
		m[o.Key] = o.Value
	}
	return m
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// codeSha is Lambda's CodeSha256 of a package.
func codeSha(zip []byte) string {
	sum := sha256.Sum256(zip)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestCodeToPackage(t *testing.T) {
	t.Parallel()
	const tmpl = `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Architectures: [arm64]
Resources:
  GoFn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: go1.x
    Properties:
      CodeUri: cmd/open/
  SameCode:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: cmd/open/
  NodeFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: web.zip
      Runtime: nodejs20.x
      Handler: index.handler
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1;"
      Runtime: nodejs20.x
      Handler: index.handler
`
	fns, err := stack.CodeToPackage("/src/app/template.yaml", []byte(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	want := []artifact.Function{
		{LogicalID: "GoFn", CodeURI: "cmd/open/", BaseDir: "/src/app", Runtime: "provided.al2023", Handler: "bootstrap",
			BuildMethod: "go1.x", Architectures: []string{"arm64"}, Location: "template.yaml:13:16: Resources.GoFn.Properties.CodeUri"},
		{LogicalID: "NodeFn", CodeURI: "web.zip", BaseDir: "/src/app", Runtime: "nodejs20.x", Handler: "index.handler",
			Architectures: []string{"arm64"}, Location: "template.yaml:21:16: Resources.NodeFn.Properties.CodeUri"},
	}
	if !reflect.DeepEqual(fns, want) {
		t.Errorf("CodeToPackage\n got %+v\nwant %+v", fns, want)
	}

	// A broken template stops before anything is built, located.
	_, err = stack.CodeToPackage("/src/app/template.yaml", []byte(tmpl+"  Bad:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n"))
	var te *template.Error
	if !errors.As(err, &te) || te.Line == 0 || !strings.Contains(err.Error(), "Bad") {
		t.Errorf("a function without code: %v, want a located template error", err)
	}
}

func TestReplacedResourcesAreDeletedDependentsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Named so that the dependent sorts first: only the dependencies can
	// put the client's delete before the pool's.
	const tmpl = `Resources:
  Zpool:
    Type: AWS::Cognito::UserPool
    Properties:
      UsernameAttributes: [email]
  Aclient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Zpool
`
	first := e.mustDeploy("app", tmpl, nil, nil)
	r := e.mustDeploy("app", strings.Replace(tmpl, "[email]", "[phone_number]", 1), nil, nil)
	wantPlan(t, r.changes, map[string]string{"Zpool": stack.ActionReplace, "Aclient": stack.ActionUpdate})
	client, pool := -1, -1
	for i, ev := range r.events {
		if ev.Kind == "resource" && ev.Action == stack.ActionDelete && ev.Status == "in_progress" {
			switch ev.LogicalID {
			case "Aclient (replaced)":
				client = i
			case "Zpool (replaced)":
				pool = i
			}
		}
	}
	if client < 0 || pool < 0 || client > pool {
		t.Errorf("the replaced client is not deleted before the replaced pool:\n%s", eventLines(r.events))
	}
	if p := e.poolIDs(); len(p) != 1 || p[0] == first.stack.Resources["Zpool"].PhysicalID {
		t.Errorf("pools %v, want only the new one", p)
	}
}

func TestRollbackAfterAReplacement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.mustDeploy("app", appTemplate(t, appOpts{}), nil, appArtifacts(t, "o", "p"))
	old := first.stack.Resources

	// Replacing the pool changes everything that names it: the function's
	// environment, the API's authorizer (and so its deployment and
	// stage), the client (replaced). The client, last, fails.
	e.faults.setFail(func(service, method, path string) error {
		if strings.HasSuffix(path, "CreateUserPoolClient") {
			return &stack.APIError{Status: 500, Code: "InternalFailure", Message: "injected"}
		}
		return nil
	})
	tmpl := strings.Replace(appTemplate(t, appOpts{}), "UsernameAttributes: [email]", "UsernameAttributes: [phone_number]", 1)
	r := e.deploy("app", tmpl, nil, appArtifacts(t, "o", "p"))
	e.faults.setFail(nil)
	if r.err == nil {
		t.Fatal("deploy succeeded")
	}
	if strings.Contains(r.err.Error(), "rolling back also failed") {
		t.Errorf("rollback failed: %v", r.err)
	}
	for _, id := range []string{"UserPool", "OpenFunction", "Api", "Apiv1Stage"} {
		if !slices.ContainsFunc(r.events, func(ev stack.Event) bool { return ev.Kind == "rollback" && ev.LogicalID == id && ev.Status == "done" }) {
			t.Errorf("%s was not rolled back:\n%s", id, eventLines(r.events))
		}
	}

	if p := e.poolIDs(); !reflect.DeepEqual(p, []string{old["UserPool"].PhysicalID}) {
		t.Errorf("pools %v, want only the original %s", p, old["UserPool"].PhysicalID)
	}
	if c := e.mustFunction(old["OpenFunction"].PhysicalID); c.Environment.Variables["POOL_ID"] != old["UserPool"].PhysicalID {
		t.Errorf("OpenFunction POOL_ID %q, want the original pool", c.Environment.Variables["POOL_ID"])
	}
	var stage struct{ DeploymentID string }
	if err := e.rest("GET", "/restapis/"+old["Api"].PhysicalID+"/stages/v1", &stage); err != nil || stage.DeploymentID != old["Apiv1Stage"].Props["DeploymentId"] {
		t.Errorf("stage v1 serves deployment %q (%v), want the original %v", stage.DeploymentID, err, old["Apiv1Stage"].Props["DeploymentId"])
	}
	// The API still answers to the original pool's tokens.
	token := e.idToken(old["UserPool"].PhysicalID, old["UserPoolClient"].PhysicalID, "ada@example.com")
	if code, body := e.get(outputs(first.stack)["ApiUrl"], http.Header{"Authorization": {token}}); code == http.StatusUnauthorized || code == http.StatusForbidden {
		t.Errorf("GET / with a token of the original pool after rollback: %d %s", code, body)
	}
	s, err := e.eng.Get(context.Background(), "app")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != stack.StatusUpdateRollbackComplete || !reflect.DeepEqual(jsonOf(t, s.Resources), jsonOf(t, old)) {
		t.Errorf("stack after rollback: %s, resources changed: %v", s.Status, !reflect.DeepEqual(jsonOf(t, s.Resources), jsonOf(t, old)))
	}
}
