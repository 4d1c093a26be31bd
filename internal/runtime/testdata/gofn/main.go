// Command gofn is an unmodified aws-lambda-go function used by the tests:
// the event's "action" picks a behaviour, including the hostile ones.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action string `json:"action"`
	N      int    `json:"n"`
	Text   string `json:"text"`
}

var coldAt = time.Now()

type myErr struct{ msg string }

func (e myErr) Error() string { return e.msg }

func handle(ctx context.Context, ev event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	switch ev.Action {
	case "echo", "":
		deadline, _ := ctx.Deadline()
		return map[string]any{
			"text":      ev.Text,
			"requestId": lc.AwsRequestID,
			"arn":       lc.InvokedFunctionArn,
			"function":  lambdacontext.FunctionName,
			"memory":    lambdacontext.MemoryLimitInMB,
			"remaining": time.Until(deadline).Milliseconds(),
			"coldAt":    coldAt.UnixNano(),
			"env": map[string]string{
				"AWS_REGION":                 os.Getenv("AWS_REGION"),
				"AWS_LAMBDA_FUNCTION_NAME":   os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
				"AWS_LAMBDA_LOG_GROUP_NAME":  os.Getenv("AWS_LAMBDA_LOG_GROUP_NAME"),
				"AWS_LAMBDA_LOG_STREAM_NAME": os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME"),
				"AWS_ACCESS_KEY_ID":          os.Getenv("AWS_ACCESS_KEY_ID"),
				"AWS_ENDPOINT_URL":           os.Getenv("AWS_ENDPOINT_URL"),
				"_HANDLER":                   os.Getenv("_HANDLER"),
				"MY_VAR":                     os.Getenv("MY_VAR"),
				"TZ":                         os.Getenv("TZ"),
			},
		}, nil
	case "log":
		fmt.Println("hello from the function:", ev.Text)
		fmt.Fprintln(os.Stderr, "to stderr")
		return "logged", nil
	case "error":
		return nil, myErr{"requested failure"}
	case "panic":
		panic("boom")
	case "exit":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(ev.N) * time.Millisecond)
		return "slept", nil
	case "spam":
		line := strings.Repeat("x", 1023) + "\n"
		for i := 0; i < ev.N; i++ {
			os.Stdout.WriteString(line)
		}
		return "spammed", nil
	case "fork":
		cmd := exec.Command("sleep", "300")
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return cmd.Process.Pid, nil
	case "alloc":
		var keep [][]byte
		for i := 0; i < ev.N; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		return len(keep), nil
	case "big":
		return strings.Repeat("y", ev.N), nil
	}
	return nil, errors.New("unknown action " + ev.Action)
}

func main() { lambda.Start(handle) }
