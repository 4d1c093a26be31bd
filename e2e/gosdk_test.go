package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// httpStatus is the HTTP status of an SDK error, 0 if it has none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// errorCode is the AWS error code of an SDK error.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestGoSDK drives gatehouse with aws-sdk-go-v2: the calls, paginator,
// waiter and typed errors Go programs rely on.
func TestGoSDK(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.lambda()
	prefix := uniqueName("sdk")
	name := prefix + "-main"

	created := createFn(t, c, name, "provided.al2023", "bootstrap", gofnZip, withEnv("MY_VAR", "sdk"))
	if aws.ToString(created.FunctionName) != name || created.State != types.StateActive || aws.ToString(created.CodeSha256) != sha256B64(gofnZip) {
		t.Fatalf("CreateFunction returned %+v", created)
	}

	t.Run("waiter-function-active-v2", func(t *testing.T) {
		w := lambda.NewFunctionActiveV2Waiter(c, func(o *lambda.FunctionActiveV2WaiterOptions) { o.MinDelay = 100 * time.Millisecond })
		out, err := w.WaitForOutput(ctxT(t, 30*time.Second), &lambda.GetFunctionInput{FunctionName: aws.String(name)}, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if out.Configuration.State != types.StateActive || out.Code == nil || aws.ToString(out.Code.Location) == "" {
			t.Errorf("GetFunction after waiter: %+v", out)
		}
		// The waiter must also fail fast on a function that does not exist.
		err = w.Wait(ctxT(t, 30*time.Second), &lambda.GetFunctionInput{FunctionName: aws.String(name + "-nope")}, 5*time.Second)
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("waiter on a missing function: %v, want ResourceNotFoundException", err)
		}
	})

	t.Run("invoke", func(t *testing.T) {
		out := invoke(t, c, name, map[string]string{"action": "echo", "text": "go sdk"})
		var res struct {
			Text, RequestID, Arn string
			Memory               int
			Env                  map[string]string
		}
		if err := json.Unmarshal(wantOK(t, out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Text != "go sdk" || res.Arn != aws.ToString(created.FunctionArn) || res.Memory != 128 ||
			res.Env["MY_VAR"] != "sdk" || res.Env["AWS_REGION"] != region || res.Env["AWS_LAMBDA_LOG_GROUP_NAME"] != "/aws/lambda/"+name {
			t.Errorf("echo result %s", out.Payload)
		}
		tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if err != nil || !strings.Contains(string(tail), "START RequestId: "+res.RequestID) || !strings.Contains(string(tail), "REPORT RequestId: "+res.RequestID) {
			t.Errorf("LogResult %q (%v) does not bracket request %s", tail, err, res.RequestID)
		}
		if aws.ToString(out.ExecutedVersion) != "$LATEST" {
			t.Errorf("ExecutedVersion %q", aws.ToString(out.ExecutedVersion))
		}
		// DryRun checks existence without running the function.
		dry, err := c.Invoke(ctxT(t, 30*time.Second), &lambda.InvokeInput{FunctionName: aws.String(name), InvocationType: types.InvocationTypeDryRun})
		if err != nil || dry.StatusCode != 204 {
			t.Errorf("DryRun: %v, %+v", err, dry)
		}
		// A function is found by name, ARN or partial ARN, with $LATEST or
		// no qualifier; other qualifiers and other accounts do not exist.
		for _, ref := range []struct {
			fn, qualifier, code string
		}{
			{name, "", ""},
			{name, "$LATEST", ""},
			{name + ":$LATEST", "", ""},
			{aws.ToString(created.FunctionArn), "", ""},
			{"000000000000:function:" + name, "", ""},
			{name, "7", "ResourceNotFoundException"},
			{"arn:aws:lambda:us-east-1:111111111111:function:" + name, "", "ResourceNotFoundException"},
			{"arn:aws:lambda:eu-west-1:000000000000:function:" + name, "", "ResourceNotFoundException"},
		} {
			in := &lambda.InvokeInput{FunctionName: aws.String(ref.fn), Payload: []byte(`{"action":"echo"}`)}
			if ref.qualifier != "" {
				in.Qualifier = aws.String(ref.qualifier)
			}
			out, err := c.Invoke(ctxT(t, 30*time.Second), in)
			if errorCode(err) != ref.code || (err == nil && out.FunctionError != nil) {
				t.Errorf("Invoke FunctionName %q Qualifier %q: %v, want error code %q", ref.fn, ref.qualifier, err, ref.code)
			}
		}
		// Functions get a key of their own, never the root key.
		if ak := res.Env["AWS_ACCESS_KEY_ID"]; ak == "" || ak == s.AccessKey {
			t.Errorf("function got access key %q; want its own key", ak)
		}
	})

	t.Run("warm-reuse-and-retire-on-update", func(t *testing.T) {
		echo := func() (int64, string) {
			t.Helper()
			var res struct {
				ColdAt int64
				Env    map[string]string
			}
			if err := json.Unmarshal(wantOK(t, invoke(t, c, name, `{"action":"echo"}`)), &res); err != nil {
				t.Fatal(err)
			}
			return res.ColdAt, res.Env["MY_VAR"]
		}
		first, _ := echo()
		if again, _ := echo(); again != first {
			t.Errorf("a second invoke started a new environment instead of reusing the warm one")
		}
		_, err := c.UpdateFunctionConfiguration(ctxT(t, 30*time.Second), &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(name), Environment: &types.Environment{Variables: map[string]string{"MY_VAR": "updated"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		after, v := echo()
		if after == first || v != "updated" {
			t.Errorf("after UpdateFunctionConfiguration: same environment %v, MY_VAR %q; want a new environment with MY_VAR updated", after == first, v)
		}
		// The old revision's environment is retired, not kept alongside.
		if !waitFor(5*time.Second, func() bool { return len(fnProcesses(name)) == 1 }) {
			t.Errorf("%d processes of %s after an update, want 1 (the old environment retired)", len(fnProcesses(name)), name)
		}
		// Put the variable back for the tests below.
		if _, err := c.UpdateFunctionConfiguration(ctxT(t, 30*time.Second), &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(name), Environment: &types.Environment{Variables: map[string]string{"MY_VAR": "sdk"}},
		}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("list-pagination", func(t *testing.T) {
		var want []string
		for i := 0; i < 5; i++ {
			n := prefix + "-page-" + string(rune('a'+i))
			createGoFn(t, c, n)
			want = append(want, n)
		}
		want = append(want, name)
		sort.Strings(want)
		p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
		var got []string
		pages := 0
		for p.HasMorePages() && pages < 10 {
			page, err := p.NextPage(ctxT(t, 30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page.Functions) > 2 {
				t.Errorf("page %d has %d functions, MaxItems is 2", pages, len(page.Functions))
			}
			for _, f := range page.Functions {
				got = append(got, aws.ToString(f.FunctionName))
			}
		}
		if pages != 3 {
			t.Errorf("%d pages for 6 functions at MaxItems 2, want 3", pages)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("listed %v, want %v (each once, in order)", got, want)
		}
		for _, n := range want {
			if n != name {
				deleteFn(t, c, n)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, err := c.GetFunction(ctxT(t, 30*time.Second), &lambda.GetFunctionInput{FunctionName: aws.String(prefix + "-missing")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || httpStatus(err) != 404 {
			t.Errorf("GetFunction of a missing function: %v (HTTP %d), want *types.ResourceNotFoundException (404)", err, httpStatus(err))
		}

		_, err = c.CreateFunction(ctxT(t, 30*time.Second), &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Role: aws.String(role), Code: &types.FunctionCode{ZipFile: gofnZip},
		})
		var rc *types.ResourceConflictException
		if !errors.As(err, &rc) || httpStatus(err) != 409 {
			t.Errorf("duplicate CreateFunction: %v (HTTP %d), want *types.ResourceConflictException (409)", err, httpStatus(err))
		}

		for _, it := range []types.InvocationType{types.InvocationTypeRequestResponse, types.InvocationTypeEvent, types.InvocationTypeDryRun} {
			_, err = c.Invoke(ctxT(t, 30*time.Second), &lambda.InvokeInput{FunctionName: aws.String(prefix + "-missing"), InvocationType: it})
			if !errors.As(err, &nf) || httpStatus(err) != 404 {
				t.Errorf("%s invoke of a missing function: %v, want *types.ResourceNotFoundException (404)", it, err)
			}
		}
	})

	// Reserved concurrency 0 must throttle every invoke, also when a warm
	// environment of the function is idle.
	t.Run("throttle-reserved-zero-warm", func(t *testing.T) {
		wantOK(t, invoke(t, c, name, `{"action":"echo"}`)) // leaves a warm environment
		if _, err := c.PutFunctionConcurrency(ctxT(t, 30*time.Second), &lambda.PutFunctionConcurrencyInput{
			FunctionName: aws.String(name), ReservedConcurrentExecutions: aws.Int32(0),
		}); err != nil {
			t.Fatal(err)
		}
		defer c.DeleteFunctionConcurrency(ctxT(t, 30*time.Second), &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String(name)})
		out, err := tryInvoke(c, name, `{"action":"echo"}`)
		var tm *types.TooManyRequestsException
		if !errors.As(err, &tm) || httpStatus(err) != 429 {
			got := ""
			if out != nil {
				got = string(out.Payload)
			}
			t.Fatalf("Invoke at reserved concurrency 0 with a warm environment: err %v (HTTP %d), result %s; want *types.TooManyRequestsException (429)", err, httpStatus(err), got)
		}
		if tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
			t.Errorf("throttle Reason %q", tm.Reason)
		}
	})

	// Lowering reserved concurrency below the number of warm environments
	// must cap concurrent executions at the new limit.
	t.Run("throttle-reserved-below-warm-pool", func(t *testing.T) {
		fn := prefix + "-pool"
		createGoFn(t, c, fn)
		burst := func(sleepMS int) (ok, throttled int) {
			t.Helper()
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := 0; i < 3; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out, err := tryInvoke(c, fn, fmt.Sprintf(`{"action":"sleep","n":%d}`, sleepMS))
					mu.Lock()
					defer mu.Unlock()
					var tm *types.TooManyRequestsException
					switch {
					case err == nil && out.FunctionError == nil:
						ok++
					case errors.As(err, &tm):
						throttled++
					default:
						t.Errorf("invoke: %v", err)
					}
				}()
			}
			wg.Wait()
			return ok, throttled
		}
		if ok, _ := burst(300); ok != 3 {
			t.Fatalf("%d of 3 concurrent invokes succeeded without a limit", ok)
		}
		setConcurrency(t, c, fn, 1) // three warm environments are idle now
		if ok, throttled := burst(500); ok != 1 || throttled != 2 {
			t.Errorf("3 concurrent invokes at reserved concurrency 1 with 3 warm environments: %d ran, %d throttled; want 1 and 2", ok, throttled)
		}
		deleteFn(t, c, fn)
	})

	t.Run("throttle-reserved-zero-cold", func(t *testing.T) {
		cold := prefix + "-cold"
		createGoFn(t, c, cold)
		if _, err := c.PutFunctionConcurrency(ctxT(t, 30*time.Second), &lambda.PutFunctionConcurrencyInput{
			FunctionName: aws.String(cold), ReservedConcurrentExecutions: aws.Int32(0),
		}); err != nil {
			t.Fatal(err)
		}
		_, err := tryInvoke(c, cold, `{"action":"echo"}`)
		var tm *types.TooManyRequestsException
		if !errors.As(err, &tm) || httpStatus(err) != 429 {
			t.Fatalf("Invoke at reserved concurrency 0: %v (HTTP %d), want *types.TooManyRequestsException (429)", err, httpStatus(err))
		}
		// Event invokes of a function throttled to zero are refused too.
		_, err = c.Invoke(ctxT(t, 30*time.Second), &lambda.InvokeInput{FunctionName: aws.String(cold), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
		if !errors.As(err, &tm) {
			t.Errorf("Event invoke at reserved concurrency 0: %v, want *types.TooManyRequestsException", err)
		}
		got, err := c.GetFunctionConcurrency(ctxT(t, 30*time.Second), &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(cold)})
		if err != nil || aws.ToInt32(got.ReservedConcurrentExecutions) != 0 || got.ReservedConcurrentExecutions == nil {
			t.Errorf("GetFunctionConcurrency: %+v, %v", got, err)
		}
		deleteFn(t, c, cold)
	})

	t.Run("account-settings", func(t *testing.T) {
		out, err := c.GetAccountSettings(ctxT(t, 30*time.Second), &lambda.GetAccountSettingsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if out.AccountLimit == nil || out.AccountLimit.ConcurrentExecutions <= 0 || out.AccountUsage == nil || out.AccountUsage.FunctionCount < 1 {
			t.Errorf("GetAccountSettings: %+v %+v", out.AccountLimit, out.AccountUsage)
		}
	})

	t.Run("delete", func(t *testing.T) {
		deleteFn(t, c, name)
		_, err := c.DeleteFunction(ctxT(t, 30*time.Second), &lambda.DeleteFunctionInput{FunctionName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("second DeleteFunction: %v, want *types.ResourceNotFoundException", err)
		}
		noLeftovers(t, name)
	})
}
