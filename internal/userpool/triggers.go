package userpool

import (
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

// triggerTimeout is Cognito's limit on a synchronous trigger.
const triggerTimeout = 5 * time.Second

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
}

type callerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId"`
}

// triggerName is the part of a triggerSource before the underscore, which
// Cognito's error messages name.
func triggerName(source string) string {
	for i := 0; i < len(source); i++ {
		if source[i] == '_' {
			return source[:i]
		}
	}
	return source
}

// runTrigger invokes arn with a Cognito trigger event and decodes the
// function's answer into resp. Errors come back as Cognito reports them.
func (s *Service) runTrigger(ctx context.Context, arn string, ev triggerEvent, resp any) error {
	if s.opts.Invoker == nil {
		return awsproto.Errorf(http.StatusBadRequest, "UnexpectedLambdaException", "%s is configured but functions are not available.", triggerName(ev.TriggerSource))
	}
	if ev.Version == "" {
		ev.Version = "1"
	}
	ev.Region = s.opts.Region
	if ev.CallerContext.AWSSDKVersion == "" {
		ev.CallerContext.AWSSDKVersion = "aws-sdk-unknown-unknown"
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
	name := triggerName(ev.TriggerSource)
	ctx, cancel := context.WithTimeout(ctx, triggerTimeout)
	defer cancel()
	out, failed, err := s.opts.Invoker.InvokeFunction(ctx, arn, payload)
	if err != nil {
		s.log.Warn("user pool trigger could not be invoked", "trigger", name, "function", arn, "err", err)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return awsproto.Errorf(http.StatusBadRequest, "UserLambdaValidationException", "%s failed with error Task timed out after %.2f seconds.", name, triggerTimeout.Seconds())
		}
		return awsproto.Errorf(http.StatusBadRequest, "UnexpectedLambdaException", "%s invocation failed due to error AccessDeniedException.", name)
	}
	if failed {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		json.Unmarshal(out, &fe)
		return awsproto.Errorf(http.StatusBadRequest, "UserLambdaValidationException", "%s failed with error %s.", name, fe.ErrorMessage)
	}
	var env struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(out, &env); err != nil {
		return awsproto.Errorf(http.StatusBadRequest, "InvalidLambdaResponseException", "Invalid lambda response received: %s", "Unrecognizable lambda output")
	}
	if resp != nil && len(env.Response) > 0 && string(env.Response) != "null" {
		if err := json.Unmarshal(env.Response, resp); err != nil {
			return awsproto.Errorf(http.StatusBadRequest, "InvalidLambdaResponseException", "Invalid lambda response received: %s", "Unrecognizable lambda output")
		}
	}
	return nil
}

// clientMetadata converts the API's ClientMetadata for an event (never null).
func clientMetadata(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// attrMap lists a user's attributes for an event, with cognito:user_status
// as Cognito adds it.
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

// preSignUp runs the PreSignUp trigger when the pool has one.
func (s *Service) preSignUp(ctx context.Context, p *Pool, clientID, source string, u *userRecord, validation, meta map[string]string) (preSignUpResponse, error) {
	var r preSignUpResponse
	if p.LambdaConfig.PreSignUp == "" {
		return r, nil
	}
	req := map[string]any{"userAttributes": u.Attributes, "validationData": nullIfEmpty(validation), "clientMetadata": clientMetadata(meta)}
	err := s.runTrigger(ctx, p.LambdaConfig.PreSignUp, triggerEvent{TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: clientID}, Request: req}, &r)
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
		CallerContext: callerContext{ClientID: clientID}, Request: req}, &r)
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
