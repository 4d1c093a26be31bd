package server

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/functions"
)

// triggerInvoker runs user pool triggers on gatehouse's own functions,
// the way Cognito calls Lambda: synchronously, by ARN. The user pool
// service owns the timeout and retry policy; ctx carries its deadline,
// and the runtime stops the function's environment when ctx ends.
type triggerInvoker struct {
	fns *functions.Service
}

// InvokeFunction implements userpool.Invoker and gateway.FunctionInvoker;
// both hand it events they built themselves, hence Trusted.
func (t triggerInvoker) InvokeFunction(ctx context.Context, arn string, payload []byte) ([]byte, bool, error) {
	out, err := t.fns.Invoke(ctx, &functions.InvokeInput{FunctionName: arn, Payload: payload, Trusted: true})
	if err != nil {
		return nil, false, err
	}
	return out.Payload, out.FunctionError != "", nil
}
