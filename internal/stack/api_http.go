package stack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/stack/template"
)

// Target is the X-Amz-Target prefix of gatehouse's stack operations
// (signed for the service name "gatehouse").
const Target = "GatehouseStacks."

// HTTPAPI serves the stack operations the CLI uses.
type HTTPAPI struct {
	Engine *Engine
	// Authorize decides whether a verified caller may deploy; the server
	// lets only the root key in (a stack can create anything).
	Authorize func(ctx context.Context, accessKeyID string) error
}

// DeployRequest is GatehouseStacks.Deploy's input.
type DeployRequest struct {
	StackName    string
	TemplateName string
	TemplateBody string
	Parameters   map[string]string
	// Artifacts are zips (base64 in JSON) by CodeUri.
	Artifacts map[string][]byte
	DryRun    bool
}

// Serve dispatches on X-Amz-Target.
func (a *HTTPAPI) Serve(w http.ResponseWriter, r *awsproto.Request) error {
	if a.Authorize != nil {
		if err := a.Authorize(r.Context(), r.Credential.AccessKeyID); err != nil {
			return err
		}
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), Target)
	switch op {
	case "Deploy":
		var in DeployRequest
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return awsproto.Errorf(http.StatusBadRequest, "SerializationException", "Invalid request body: %v", err)
		}
		return a.deploy(w, r, in)
	case "DescribeStack":
		var in struct{ StackName string }
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return awsproto.Errorf(http.StatusBadRequest, "SerializationException", "Invalid request body")
		}
		s, err := a.Engine.Get(r.Context(), in.StackName)
		if err != nil {
			return stackError(err)
		}
		return writeJSON(w, map[string]any{"Stack": view(s)})
	case "ListStacks":
		stacks, err := a.Engine.List(r.Context())
		if err != nil {
			return err
		}
		out := []any{}
		for _, s := range stacks {
			out = append(out, map[string]any{"StackName": s.Name, "StackId": s.ID, "Status": s.Status,
				"Resources": len(s.Resources), "Updated": s.Updated})
		}
		return writeJSON(w, map[string]any{"Stacks": out})
	case "DeleteStack":
		var in struct{ StackName string }
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return awsproto.Errorf(http.StatusBadRequest, "SerializationException", "Invalid request body")
		}
		if _, err := a.Engine.Get(r.Context(), in.StackName); err != nil {
			return stackError(err)
		}
		stream := newEventStream(w)
		err := a.Engine.Delete(r.Context(), in.StackName, stream.send)
		if err != nil {
			stream.send(Event{Kind: "failed", Message: err.Error()})
		}
		return nil
	}
	return awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Operation %s is not supported.", op)
}

// deploy answers with a stream of events (one JSON object per line) so
// that the CLI shows the plan and progress as they happen; the last line
// is "complete" (with the outputs) or "failed".
func (a *HTTPAPI) deploy(w http.ResponseWriter, r *awsproto.Request, in DeployRequest) error {
	if in.StackName == "" || in.TemplateBody == "" {
		return awsproto.Errorf(http.StatusBadRequest, "ValidationError", "StackName and TemplateBody are required")
	}
	var stream *eventStream
	emit := func(e Event) {
		if stream == nil {
			stream = newEventStream(w)
		}
		stream.send(e)
	}
	s, _, err := a.Engine.Deploy(r.Context(), DeployInput{StackName: in.StackName, TemplateName: in.TemplateName,
		Template: []byte(in.TemplateBody), Parameters: in.Parameters, Artifacts: in.Artifacts, DryRun: in.DryRun}, emit)
	if err != nil {
		if stream == nil {
			// Nothing changed yet: an ordinary error answer.
			return stackError(err)
		}
		return nil // the stream's last event is "failed"
	}
	if in.DryRun {
		status := ""
		if s != nil {
			status = s.Status
		}
		emit(Event{Kind: "complete", Status: status})
	}
	return nil
}

func stackError(err error) error {
	var te *template.Error
	var tl template.ErrorList
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrNoStack):
		return awsproto.Errorf(http.StatusBadRequest, "ValidationError", "%v", err)
	case errors.As(err, &tl), errors.As(err, &te), errors.As(err, &ve):
		return awsproto.Errorf(http.StatusBadRequest, "ValidationError", "%v", err)
	}
	return err
}

type eventStream struct {
	w  http.ResponseWriter
	fl http.Flusher
}

func newEventStream(w http.ResponseWriter) *eventStream {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	return &eventStream{w: w, fl: fl}
}

func (s *eventStream) send(e Event) {
	b, _ := json.Marshal(e)
	s.w.Write(append(b, '\n'))
	if s.fl != nil {
		s.fl.Flush()
	}
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(b)
	return nil
}

// view is a stack as DescribeStack shows it.
func view(s *Stack) map[string]any {
	resources := []any{}
	for _, id := range sortedIDs(s.Resources) {
		r := s.Resources[id]
		resources = append(resources, map[string]any{"LogicalId": id, "Type": r.Type, "PhysicalId": r.PhysicalID})
	}
	params := map[string]string{}
	for k, v := range s.Parameters {
		params[k] = v
	}
	for k := range s.NoEcho {
		params[k] = "****" // as CloudFormation shows NoEcho values
	}
	outputs := map[string]string{}
	for _, o := range s.Outputs {
		outputs[o.Key] = o.Value
	}
	return map[string]any{"StackName": s.Name, "StackId": s.ID, "Status": s.Status, "StatusReason": s.StatusReason,
		"Parameters": params, "Resources": resources, "Outputs": outputs, "Created": s.Created, "Updated": s.Updated}
}
