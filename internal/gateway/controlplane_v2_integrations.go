package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// integrationInput is CreateIntegration's and UpdateIntegration's body;
// pointers tell an update what to leave alone.
type integrationInput struct {
	IntegrationType      *string `json:"integrationType"`
	IntegrationURI       *string `json:"integrationUri"`
	IntegrationMethod    *string `json:"integrationMethod"`
	PayloadFormatVersion *string `json:"payloadFormatVersion"`
	TimeoutInMillis      *int    `json:"timeoutInMillis"`
	ConnectionType       *string `json:"connectionType"`
	// CredentialsArn is kept and shown; gatehouse records roles without
	// enforcing them.
	CredentialsArn *string `json:"credentialsArn"`
	Description    *string `json:"description"`
	// What HTTP APIs use for other kinds of integrations, which gatehouse
	// cannot serve: refused rather than ignored.
	ConnectionID                *string         `json:"connectionId"`
	IntegrationSubtype          *string         `json:"integrationSubtype"`
	ContentHandlingStrategy     *string         `json:"contentHandlingStrategy"`
	TemplateSelectionExpression *string         `json:"templateSelectionExpression"`
	RequestParameters           json.RawMessage `json:"requestParameters"`
	RequestTemplates            json.RawMessage `json:"requestTemplates"`
	ResponseParameters          json.RawMessage `json:"responseParameters"`
	TLSConfig                   json.RawMessage `json:"tlsConfig"`
	// PassthroughBehavior is for mapping templates, which HTTP APIs do not
	// have; API Gateway ignores it on them, and Terraform always sends it.
	PassthroughBehavior *string `json:"passthroughBehavior"`
}

func nonEmpty(s *string) bool { return s != nil && *s != "" }

func (in *integrationInput) check(create bool) error {
	if create && in.IntegrationType == nil {
		return badRequest("IntegrationType is a required parameter.")
	}
	if in.IntegrationType != nil {
		switch t := *in.IntegrationType; t {
		case "AWS_PROXY":
		case "HTTP_PROXY":
			return badRequest("Integration type HTTP_PROXY is not supported by gatehouse: its HTTP APIs integrate Lambda functions (AWS_PROXY).")
		case "AWS", "HTTP", "MOCK":
			return badRequest("Currently, an API with a protocol type of HTTP may only be associated with proxy integrations (AWS_PROXY, HTTP_PROXY)")
		default:
			return badRequest("Invalid integration type %q: gatehouse supports AWS_PROXY.", t)
		}
	}
	if in.ConnectionType != nil {
		switch *in.ConnectionType {
		case "INTERNET":
		case "VPC_LINK":
			return badRequest("Private integrations (connectionType VPC_LINK) are not supported by gatehouse.")
		default:
			return badRequest("Invalid connection type %q: use INTERNET.", *in.ConnectionType)
		}
	}
	switch {
	case create && in.PayloadFormatVersion == nil:
		return badRequest("PayloadFormatVersion is a required parameter for integration: 1.0 or 2.0 for an AWS_PROXY integration of an HTTP API.")
	case nonEmpty(in.ConnectionID), given(in.TLSConfig):
		return badRequest("Private integrations (connectionId, tlsConfig) are not supported by gatehouse.")
	case nonEmpty(in.IntegrationSubtype):
		return badRequest("AWS service integrations (integrationSubtype %s) are not supported by gatehouse: integrate a Lambda function.", *in.IntegrationSubtype)
	case nonEmpty(in.ContentHandlingStrategy), nonEmpty(in.TemplateSelectionExpression), given(in.RequestTemplates):
		return badRequest("Mapping templates and content handling are supported only for WebSocket APIs.")
	case nonEmpty(in.PassthroughBehavior) && !slices.Contains([]string{"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"}, *in.PassthroughBehavior):
		return badRequest("Invalid passthrough behavior %q.", *in.PassthroughBehavior)
	case given(in.RequestParameters), given(in.ResponseParameters):
		return badRequest("Parameter mapping (requestParameters, responseParameters) is not supported by gatehouse.")
	case in.Description != nil && len(*in.Description) > 1024:
		return badRequest("An integration description is at most 1024 characters.")
	case in.IntegrationURI != nil && (*in.IntegrationURI == "" || len(*in.IntegrationURI) > 2048):
		return badRequest("An integration URI is 1 to 2048 characters.")
	case nonEmpty(in.CredentialsArn) && (!strings.HasPrefix(*in.CredentialsArn, "arn:") || len(*in.CredentialsArn) > 2048):
		return badRequest("Invalid credentials ARN %q.", *in.CredentialsArn)
	}
	return nil
}

// apply writes what in says into x, an x-amazon-apigateway-integration.
func (in *integrationInput) apply(x *node) {
	if in.IntegrationType != nil {
		x.set("type", strNode("aws_proxy"))
	}
	setStr := func(key string, v *string) {
		switch {
		case v == nil:
		case *v == "":
			x.del(key)
		default:
			x.set(key, strNode(*v))
		}
	}
	setStr("uri", in.IntegrationURI)
	setStr("httpMethod", in.IntegrationMethod)
	setStr("payloadFormatVersion", in.PayloadFormatVersion)
	setStr("connectionType", in.ConnectionType)
	setStr("credentials", in.CredentialsArn)
	setStr("description", in.Description)
	if in.TimeoutInMillis != nil {
		x.set("timeoutInMillis", intNode(*in.TimeoutInMillis))
	}
}

// checkIntegration compiles an integration alone, as it would be compiled
// on a route, so that one no route uses yet is checked the same way and
// the message is about it rather than a place in the document.
func (s *Service) checkIntegration(x *node) error {
	doc := objWith("openapi", strNode("3.0.1"), "info", objWith("title", strNode("check"), "version", strNode("1")),
		"paths", objWith("/check", objWith("get", objWith(extIntegration, x))))
	var b bytes.Buffer
	writeJSON(&b, doc)
	_, err := ParseDefinition(b.Bytes(), HTTP, s.opts.Region, s.opts.Account)
	var de *DefinitionError
	if errors.As(err, &de) {
		return badRequest("Invalid integration: %s.", de.Message)
	}
	return err
}

func (s *Service) createIntegration(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	var in integrationInput
	if err := decodePiece(r, &in); err != nil {
		return err
	}
	if err := in.check(true); err != nil {
		return err
	}
	x := objWith("type", strNode("aws_proxy"), "httpMethod", strNode("POST"))
	in.apply(x)
	if err := s.checkIntegration(x); err != nil {
		return err
	}
	var id string
	d, _, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		if len(d.integrations) >= maxIntegrations {
			return badRequest("Maximum number of Integrations for this API has been reached.")
		}
		id = newPieceID(7, func(s string) bool { return d.integration(s) != nil })
		object(object(d.root, "components"), extIntegrations).set(id, deepCopy(x))
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, integrationView(d.integration(id)))
}

func (s *Service) updateIntegration(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	var in integrationInput
	if err := decodePiece(r, &in); err != nil {
		return err
	}
	if err := in.check(false); err != nil {
		return err
	}
	d, _, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		cur := d.integration(id)
		if cur == nil {
			return integrationNotFound(id)
		}
		x := deepCopy(cur.x)
		in.apply(x)
		if err := s.checkIntegration(x); err != nil {
			return err
		}
		// The integration changes everywhere it is: in components and in
		// each route's copy.
		if cur.pooled {
			d.pool().set(id, x)
		}
		for _, rt := range d.routes {
			if !rt.pending && rt.integration == id {
				rt.op.set(extIntegration, deepCopy(x))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, integrationView(d.integration(id)))
}

func (s *Service) deleteIntegration(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	_, _, err := s.editHTTPDoc(r.Context(), apiID, func(d *httpDoc) error {
		if d.integration(id) == nil {
			return integrationNotFound(id)
		}
		var users []string
		for _, rt := range d.routes {
			if !rt.pending && rt.integration == id {
				users = append(users, rt.id)
			}
		}
		if len(users) > 0 {
			slices.Sort(users)
			return conflict("Cannot delete Integration because it is referenced by the following Routes with Ids: [%s]", strings.Join(users, ", "))
		}
		pool := d.pool()
		pool.del(id)
		if len(pool.keys) == 0 {
			d.root.get("components").del(extIntegrations)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

func (s *Service) getIntegration(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	d, _, err := s.readHTTPDoc(r.Context(), apiID)
	if err != nil {
		return err
	}
	in := d.integration(id)
	if in == nil {
		return integrationNotFound(id)
	}
	return reply(w, http.StatusOK, integrationView(in))
}

func (s *Service) getIntegrations(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	d, _, err := s.readHTTPDoc(r.Context(), apiID)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, in := range d.integrations {
		items = append(items, integrationView(in))
	}
	out, err := page(r, items, "integrationId")
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// integrationView is the Integration shape, with the defaults an HTTP
// API applies where the document is silent.
func integrationView(in *docIntegration) map[string]any {
	x := at{n: in.x}
	out := map[string]any{"integrationId": in.id, "connectionType": "INTERNET", "integrationMethod": "POST",
		"payloadFormatVersion": "2.0", "timeoutInMillis": httpMaxTimeoutMillis}
	if t, _, _ := x.get("type").str(); t != "" {
		out["integrationType"] = strings.ToUpper(t)
	}
	for key, field := range map[string]string{"uri": "integrationUri", "credentials": "credentialsArn", "description": "description", "connectionType": "connectionType"} {
		if v, ok, _ := x.get(key).str(); ok {
			out[field] = v
		}
	}
	if m, ok, _ := x.get("httpMethod").str(); ok {
		out["integrationMethod"] = strings.ToUpper(m)
	}
	if v, _ := x.get("payloadFormatVersion").scalarText(); v != "" {
		out["payloadFormatVersion"] = v
	}
	if ms, ok, _ := x.get("timeoutInMillis").integer(); ok {
		out["timeoutInMillis"] = ms
	}
	return out
}
