package userpool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// Invoker runs a trigger function synchronously. failed says the function
// itself failed (out is then its error payload); err is for the call
// failing (no such function, throttled).
type Invoker interface {
	InvokeFunction(ctx context.Context, arn string, payload []byte) (out []byte, failed bool, err error)
}

// Cognito's limits on a synchronous trigger: one 5 s budget for the whole
// call (it cannot be changed), within which a call that did not reach the
// function (a throttle, a transient failure) is tried up to three times.
// A function that ran and failed is not tried again: it would fail the
// same way, and it may have had side effects (sent a message, written a
// record) that a retry would repeat.
var triggerTimeout = 5 * time.Second // a variable only so tests need not wait 5 s

const triggerAttempts = 3

// clientNotApplicable is what Cognito puts in callerContext.clientId for
// operations that name no app client (AdminCreateUser, AdminConfirmSignUp).
const clientNotApplicable = "CLIENT_ID_NOT_APPLICABLE"

// triggerEvent is the envelope every trigger gets; Request and Response
// are the trigger's own shapes.
type triggerEvent struct {
	Version       string         `json:"version"`
	TriggerSource string         `json:"triggerSource"`
	Region        string         `json:"region"`
	UserPoolID    string         `json:"userPoolId"`
	UserName      string         `json:"userName"`
	CallerContext callerContext  `json:"callerContext"`
	Request       map[string]any `json:"request"`
	Response      map[string]any `json:"response"`
	// name is the trigger as error messages call it, when it is not the
	// part of TriggerSource before the underscore (PreTokenGeneration's
	// sources start TokenGeneration_).
	name string
}

type callerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId"`
}

// triggerName is the part of a triggerSource before the underscore, which
// Cognito's error messages name.
func triggerName(source string) string {
	name, _, _ := strings.Cut(source, "_")
	return name
}

// lambdaInvalid is a function answer Cognito cannot use.
func lambdaInvalid(msg string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidLambdaResponseException", "%s", msg)
}

// errInvalidJSON is Cognito's word for an answer that is not the event
// object back (a handler that returned nothing, or a bare string).
var errInvalidJSON = lambdaInvalid("Invalid lambda function output : Invalid JSON")

// runTrigger invokes arn with a Cognito trigger event and decodes the
// function's answer into resp. Errors come back as Cognito reports them.
func (s *Service) runTrigger(ctx context.Context, arn string, ev triggerEvent, resp any) error {
	name := ev.name
	if name == "" {
		name = triggerName(ev.TriggerSource)
	}
	if s.opts.Invoker == nil {
		return awsproto.Errorf(http.StatusBadRequest, "UnexpectedLambdaException", "%s is configured but functions are not available.", name)
	}
	if ev.Version == "" {
		ev.Version = "1"
	}
	ev.Region = s.opts.Region
	if ev.CallerContext.AWSSDKVersion == "" {
		ev.CallerContext.AWSSDKVersion = "aws-sdk-unknown-unknown"
	}
	if ev.CallerContext.ClientID == "" {
		ev.CallerContext.ClientID = clientNotApplicable
	}
	if ev.Request == nil {
		ev.Request = map[string]any{}
	}
	if ev.Response == nil {
		ev.Response = map[string]any{}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	out, failed, err := s.invokeTrigger(ctx, name, arn, payload)
	if err != nil {
		return err
	}
	if failed {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		json.Unmarshal(out, &fe)
		msg := fe.ErrorMessage
		if msg == "" {
			msg = fe.ErrorType
		}
		return awsproto.Errorf(http.StatusBadRequest, "UserLambdaValidationException", "%s failed with error %s.", name, msg)
	}
	// The answer must be the event object back; its response member is
	// what the trigger decided.
	var env struct {
		Response json.RawMessage `json:"response"`
	}
	if t := bytes.TrimSpace(out); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &env) != nil {
		return errInvalidJSON
	}
	if resp != nil && len(env.Response) > 0 && string(env.Response) != "null" {
		if err := json.Unmarshal(env.Response, resp); err != nil {
			return lambdaInvalid("Unrecognizable lambda output")
		}
	}
	return nil
}

// invokeTrigger calls the function within Cognito's budget, retrying
// calls that did not reach it, and words failures as Cognito does.
func (s *Service) invokeTrigger(parent context.Context, name, arn string, payload []byte) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(parent, triggerTimeout)
	defer cancel()
	var out []byte
	var failed bool
	var err error
	for attempt := 1; ; attempt++ {
		out, failed, err = s.opts.Invoker.InvokeFunction(ctx, arn, payload)
		if ctx.Err() != nil || err == nil || !retryableInvoke(err) || attempt == triggerAttempts {
			break
		}
		select {
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	// Past the budget whatever came back is moot: the runtime stopped the
	// function when the context ended and reports that as an exit.
	if ctx.Err() != nil {
		if parent.Err() != nil {
			return nil, false, parent.Err()
		}
		s.log.Warn("user pool trigger timed out", "trigger", name, "function", arn)
		return nil, false, awsproto.Errorf(http.StatusBadRequest, "UnexpectedLambdaException",
			"%s invocation failed due to error Socket timeout while invoking Lambda function.", name)
	}
	if err != nil {
		s.log.Warn("user pool trigger could not be invoked", "trigger", name, "function", arn, "err", err)
		code := "ServiceException"
		if e, ok := awsproto.AsError(err); ok {
			code = e.Code
			if code == "ResourceNotFoundException" {
				// Cognito cannot tell a deleted function from one it may
				// not call, and says the latter.
				code = "AccessDeniedException"
			}
		}
		return nil, false, awsproto.Errorf(http.StatusBadRequest, "UnexpectedLambdaException", "%s invocation failed due to error %s.", name, code)
	}
	return out, failed, nil
}

// retryableInvoke reports invoke failures worth another attempt: throttles
// and failures of the service itself, not a missing function or a
// refused request.
func retryableInvoke(err error) bool {
	e, ok := awsproto.AsError(err)
	if !ok {
		return !errors.Is(err, context.Canceled)
	}
	switch e.Code {
	case "TooManyRequestsException", "ServiceException", "ResourceConflictException", "EC2ThrottledException":
		return true
	}
	return e.Status >= 500
}

// clientMetadata converts the API's ClientMetadata for an event (never null).
func clientMetadata(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// eventAttributes lists a user's attributes for an event, with
// cognito:user_status as Cognito adds it.
func (u *userRecord) eventAttributes() map[string]string {
	out := make(map[string]string, len(u.Attributes)+1)
	for k, v := range u.Attributes {
		out[k] = v
	}
	if u.Status != "" {
		out["cognito:user_status"] = u.Status
	}
	return out
}

// preSignUpResponse is what PreSignUp may answer.
type preSignUpResponse struct {
	AutoConfirmUser bool `json:"autoConfirmUser"`
	AutoVerifyEmail bool `json:"autoVerifyEmail"`
	AutoVerifyPhone bool `json:"autoVerifyPhone"`
}

// preSignUp runs the PreSignUp trigger when the pool has one. The user
// does not exist yet, so its attributes are the ones asked for (no sub,
// no status).
func (s *Service) preSignUp(ctx context.Context, p *Pool, clientID, source string, u *userRecord, validation, meta map[string]string) (preSignUpResponse, error) {
	var r preSignUpResponse
	if p.LambdaConfig.PreSignUp == "" {
		return r, nil
	}
	attrs := make(map[string]string, len(u.Attributes))
	for k, v := range u.Attributes {
		if k != "sub" {
			attrs[k] = v
		}
	}
	req := map[string]any{"userAttributes": attrs, "validationData": nullIfEmpty(validation), "clientMetadata": clientMetadata(meta)}
	err := s.runTrigger(ctx, p.LambdaConfig.PreSignUp, triggerEvent{TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: clientID}, Request: req,
		Response: map[string]any{"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}}, &r)
	return r, err
}

// postConfirmation runs the PostConfirmation trigger when the pool has one.
func (s *Service) postConfirmation(ctx context.Context, p *Pool, clientID, source string, u *userRecord, meta map[string]string) error {
	if p.LambdaConfig.PostConfirmation == "" {
		return nil
	}
	req := map[string]any{"userAttributes": u.eventAttributes(), "clientMetadata": clientMetadata(meta)}
	return s.runTrigger(ctx, p.LambdaConfig.PostConfirmation, triggerEvent{TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: clientID}, Request: req}, nil)
}

// customMessage lets the CustomMessage trigger reword a message; the
// code and username must survive as the placeholders it was given.
func (s *Service) customMessage(ctx context.Context, p *Pool, clientID, source string, u *userRecord, meta map[string]string, subject, body string, sms bool) (string, string, error) {
	if p.LambdaConfig.CustomMessage == "" {
		return subject, body, nil
	}
	req := map[string]any{"userAttributes": u.eventAttributes(), "codeParameter": "{####}", "usernameParameter": nil, "linkParameter": "{##Click Here##}",
		"clientMetadata": clientMetadata(meta)}
	if source == "CustomMessage_AdminCreateUser" {
		req["usernameParameter"] = "{username}"
	}
	var r struct {
		SMSMessage   *string `json:"smsMessage"`
		EmailMessage *string `json:"emailMessage"`
		EmailSubject *string `json:"emailSubject"`
	}
	err := s.runTrigger(ctx, p.LambdaConfig.CustomMessage, triggerEvent{TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: clientID}, Request: req,
		Response: map[string]any{"smsMessage": nil, "emailMessage": nil, "emailSubject": nil}}, &r)
	if err != nil {
		return "", "", err
	}
	// A message that drops the code would strand the user: keep ours.
	usable := func(m *string) bool { return m != nil && strings.Contains(*m, "{####}") }
	if sms {
		if usable(r.SMSMessage) {
			body = *r.SMSMessage
		}
		return subject, body, nil
	}
	if usable(r.EmailMessage) {
		body = *r.EmailMessage
	}
	if r.EmailSubject != nil && *r.EmailSubject != "" {
		subject = *r.EmailSubject
	}
	return subject, body, nil
}

func nullIfEmpty(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	return m
}
