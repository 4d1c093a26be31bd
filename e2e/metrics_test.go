package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// TestMetrics checks the Prometheus series an operator graphs: per
// function invocations, errors, throttles, cold starts and durations, and
// the live environment gauge.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.lambda()
	name := uniqueName("metrics")
	createGoFn(t, c, name)
	wantOK(t, invoke(t, c, name, `{"action":"echo"}`))
	wantOK(t, invoke(t, c, name, `{"action":"echo"}`))
	wantFnError(t, invoke(t, c, name, `{"action":"error"}`))
	if _, err := c.PutFunctionConcurrency(ctxT(t, 30*time.Second), &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String(name), ReservedConcurrentExecutions: aws.Int32(0),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tryInvoke(c, name, `{"action":"echo"}`); err == nil {
		t.Fatal("invoke at reserved concurrency 0 succeeded")
	}

	resp, err := http.Get(s.URL + "/_gatehouse/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	label := fmt.Sprintf(`{function=%q}`, name)
	for _, want := range []string{
		"gatehouse_function_invocations_total" + label + " 3",
		"gatehouse_function_errors_total" + label + " 1",
		"gatehouse_function_throttles_total" + label + " 1",
		"gatehouse_function_cold_starts_total" + label + " 1",
		"gatehouse_function_duration_seconds_count" + label + " 3",
		"gatehouse_environments 1",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
