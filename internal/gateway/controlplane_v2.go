package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The apigatewayv2 management API (REST-JSON under /v2/apis, signed for
// the service apigateway like v1) for HTTP APIs. HTTP APIs are apiRecords
// with Protocol HTTP, so reload() serves them like REST APIs; what v2
// adds on top (autoDeploy, tags, route settings) rides along in the same
// stage and deployment records as extra JSON fields the v1 code ignores.

const (
	// routeSelection is the only route selection expression of an HTTP API.
	routeSelection = "$request.method $request.path"
	// defaultStage is served at the root of the API's URL.
	defaultStage = "$default"
)

// iso8601 renders a timestamp as botocore parses apigatewayv2's
// (timestampFormat iso8601).
func iso8601(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// corsView is the Cors shape; its JSON is also x-amazon-apigateway-cors,
// which is where an HTTP API's CORS configuration lives (in its document).
type corsView struct {
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           *int     `json:"maxAge,omitempty"`
}

// httpAPIView is the Api shape.
type httpAPIView struct {
	APIEndpoint               string            `json:"apiEndpoint"`
	APIID                     string            `json:"apiId"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression"`
	CORSConfiguration         *corsView         `json:"corsConfiguration,omitempty"`
	CreatedDate               string            `json:"createdDate"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	IPAddressType             string            `json:"ipAddressType"`
	Name                      string            `json:"name"`
	ProtocolType              Protocol          `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags"`
	Version                   string            `json:"version,omitempty"`
	Warnings                  []string          `json:"warnings,omitempty"`
}

// apiEndpoint is the API's invoke URL on this server: the port the
// management request came in on, the host execute-api.localhost.
func apiEndpoint(host, apiID string) string {
	port := ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		port = host[i:]
	}
	return "http://" + apiID + ".execute-api.localhost" + port
}

func (s *Service) httpAPIView(host string, rec *apiRecord) httpAPIView {
	v := httpAPIView{APIEndpoint: apiEndpoint(host, rec.ID), APIID: rec.ID, APIKeySelectionExpression: "$request.header.x-api-key",
		CreatedDate: iso8601(rec.Created), Description: rec.Description, IPAddressType: "ipv4", Name: rec.Name, ProtocolType: HTTP,
		RouteSelectionExpression: routeSelection, Tags: rec.Tags, Version: rec.Version}
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	// The document compiled when it was stored; CORS is read back from it.
	if def, err := ParseDefinition(rec.Doc, HTTP, s.opts.Region, s.opts.Account); err == nil && def.CORS != nil {
		c := def.CORS
		v.CORSConfiguration = &corsView{AllowCredentials: c.AllowCredentials, AllowHeaders: c.AllowHeaders, AllowMethods: c.AllowMethods,
			AllowOrigins: c.AllowOrigins, ExposeHeaders: c.ExposeHeaders}
		if c.MaxAge != 0 {
			v.CORSConfiguration.MaxAge = &c.MaxAge
		}
	}
	return v
}

// ControlPlaneV2 serves the apigatewayv2 operations gatehouse implements
// for HTTP APIs; the rest answer UnknownOperationException, not a guess.
func (s *Service) ControlPlaneV2(w http.ResponseWriter, r *awsproto.Request) error {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "v2" || parts[1] != "apis" {
		return notFound("Invalid request path")
	}
	parts, m := parts[2:], r.Method
	n := len(parts)
	sub := ""
	if n >= 2 {
		sub = parts[1]
	}
	switch {
	case n == 0 && m == http.MethodPut:
		return s.importAPI(w, r)
	case n == 0 && m == http.MethodPost:
		return s.createAPI(w, r)
	case n == 0 && m == http.MethodGet:
		return s.getAPIs(w, r)
	case n == 1 && m == http.MethodGet:
		rec, err := s.loadHTTPAPI(r.Context(), parts[0])
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, s.httpAPIView(r.Host, &rec))
	case n == 1 && m == http.MethodPut:
		return s.reimportAPI(w, r, parts[0])
	case n == 1 && m == http.MethodDelete:
		return s.deleteHTTPAPI(w, r, parts[0])
	case n == 2 && sub == "stages" && m == http.MethodPost:
		return s.putStageV2(w, r, parts[0], "")
	case n == 2 && sub == "stages" && m == http.MethodGet:
		return s.getStagesV2(w, r, parts[0])
	case n == 3 && sub == "stages" && m == http.MethodGet:
		st, err := s.loadStageV2(r.Context(), parts[0], parts[2])
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, st.view())
	case n == 3 && sub == "stages" && m == http.MethodPatch:
		return s.putStageV2(w, r, parts[0], parts[2])
	case n == 3 && sub == "stages" && m == http.MethodDelete:
		return s.deleteStageV2(w, r, parts[0], parts[2])
	case n == 2 && sub == "deployments" && m == http.MethodPost:
		return s.createDeploymentV2(w, r, parts[0])
	case n == 2 && sub == "deployments" && m == http.MethodGet:
		return s.getDeploymentsV2(w, r, parts[0], "")
	case n == 3 && sub == "deployments" && m == http.MethodGet:
		return s.getDeploymentsV2(w, r, parts[0], parts[2])
	case n == 3 && sub == "exports" && m == http.MethodGet:
		return s.exportAPI(w, r, parts[0], parts[2])
	case n >= 2 && (sub == "routes" || sub == "integrations" || sub == "authorizers"):
		return s.pieceV2(w, r, parts[0], sub, parts[2:])
	}
	return awsproto.Errorf(http.StatusNotFound, "UnknownOperationException", "Operation %s %s is not supported by gatehouse yet.", m, r.URL.Path)
}

// importDocument reads and compiles ImportApi's and ReimportApi's
// {"body": "<OpenAPI document>"}. The basepath query parameter only
// matters for custom domains (gatehouse has none), so only its default is
// accepted.
func (s *Service) importDocument(r *awsproto.Request) ([]byte, *Definition, error) {
	if bp := r.URL.Query().Get("basepath"); bp != "" && bp != "ignore" {
		return nil, nil, badRequest("basepath=%s is not supported by gatehouse (it has no custom domains); use ignore.", bp)
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return nil, nil, badRequest("Invalid request body")
	}
	def, err := s.compile([]byte(in.Body), HTTP)
	return []byte(in.Body), def, err
}

func (s *Service) importAPI(w http.ResponseWriter, r *awsproto.Request) error {
	doc, def, err := s.importDocument(r)
	if err != nil {
		return err
	}
	if def.Title == "" {
		return badRequest("Errors found during import:\n\tThe title of the API (info.title) is required.")
	}
	rec := apiRecord{Name: def.Title, Description: def.Description, Version: def.Version, Protocol: HTTP, Created: s.now().UTC(), Doc: doc}
	if err := s.st.Tx(r.Context(), func(tx store.Tx) error { return createAPIRecord(tx, &rec) }); err != nil {
		return err
	}
	// Reloaded so that the data plane knows the API is HTTP (404s, not
	// REST's 403s) before it has a stage.
	if err := s.reload(r.Context()); err != nil {
		return err
	}
	s.log.Info("http api imported", "api", rec.ID, "name", rec.Name, "routes", len(def.Routes))
	return reply(w, http.StatusCreated, s.httpAPIView(r.Host, &rec))
}

// createAPIRecord stores rec under a fresh id.
func createAPIRecord(tx store.Tx, rec *apiRecord) error {
	for attempt := 0; ; attempt++ {
		rec.ID = newID(10)
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, err = tx.Create(kindAPI, rec.ID, data)
		if !errors.Is(err, store.ErrAlreadyExists) || attempt == 3 {
			return err
		}
	}
}

// createAPIInput is CreateApi's body.
type createAPIInput struct {
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	Target                    string            `json:"target"`
	RouteKey                  string            `json:"routeKey"`
	Description               string            `json:"description"`
	Version                   string            `json:"version"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression"`
	CORSConfiguration         *corsView         `json:"corsConfiguration"`
	Tags                      map[string]string `json:"tags"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
}

// createAPI is CreateApi: an empty HTTP API, or with target a quick
// create — a route (routeKey, default $default) integrated with that
// function and a $default stage deploying every change.
func (s *Service) createAPI(w http.ResponseWriter, r *awsproto.Request) error {
	var in createAPIInput
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return badRequest("Invalid request body")
	}
	switch {
	case in.Name == "" || len(in.Name) > 128:
		return badRequest("Invalid API name specified: it must be 1 to 128 characters.")
	case in.ProtocolType != string(HTTP):
		return badRequest("Protocol type %q is not supported by gatehouse; it serves HTTP APIs.", in.ProtocolType)
	case in.RouteSelectionExpression != "" && in.RouteSelectionExpression != routeSelection:
		return badRequest("An HTTP API's route selection expression must be %s.", routeSelection)
	case in.RouteKey != "" && in.Target == "":
		return badRequest("RouteKey can only be specified together with Target.")
	case in.APIKeySelectionExpression != "" && in.APIKeySelectionExpression != "$request.header.x-api-key":
		return badRequest("API keys are not supported for HTTP APIs.")
	case in.DisableExecuteAPIEndpoint:
		// The execute-api host is gatehouse's only endpoint (no custom domains).
		return badRequest("disableExecuteApiEndpoint is not supported by gatehouse: it has no custom domains to serve from instead.")
	}
	doc, err := s.quickDocument(&in)
	if err != nil {
		return err
	}
	if _, err := s.compile(doc, HTTP); err != nil {
		return err
	}
	now := s.now().UTC()
	rec := apiRecord{Name: in.Name, Description: in.Description, Version: in.Version, Protocol: HTTP, Created: now, Doc: doc, Tags: in.Tags}
	err = s.st.Tx(r.Context(), func(tx store.Tx) error {
		if err := createAPIRecord(tx, &rec); err != nil {
			return err
		}
		if in.Target == "" {
			return nil
		}
		d, err := newDeploymentTx(tx, rec.ID, doc, "", true, now)
		if err != nil {
			return err
		}
		st := stageV2{stageRecord: stageRecord{Name: defaultStage, DeploymentID: d.ID, Created: now, Updated: now}, AutoDeploy: true}
		return putStageTx(tx, rec.ID, &st, 0)
	})
	if err != nil {
		return err
	}
	if err := s.reload(r.Context()); err != nil {
		return err
	}
	s.log.Info("http api created", "api", rec.ID, "name", rec.Name, "target", in.Target)
	return reply(w, http.StatusCreated, s.httpAPIView(r.Host, &rec))
}

// quickDocument writes CreateApi's input as the OpenAPI document the API
// is kept as, so that everything downstream (serving, export, reimport)
// sees one representation.
func (s *Service) quickDocument(in *createAPIInput) ([]byte, error) {
	info := map[string]string{"title": in.Name}
	if in.Version != "" {
		info["version"] = in.Version
	}
	if in.Description != "" {
		info["description"] = in.Description
	}
	paths := map[string]any{}
	if in.Target != "" {
		if !strings.HasPrefix(in.Target, "arn:") {
			return nil, badRequest("Target %q is not supported by gatehouse: quick create integrates a Lambda function ARN.", in.Target)
		}
		path, method, err := routeKeyOperation(in.RouteKey)
		if err != nil {
			return nil, err
		}
		paths[path] = map[string]any{method: map[string]any{"x-amazon-apigateway-integration": map[string]any{
			"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
			"uri": "arn:aws:apigateway:" + s.opts.Region + ":lambda:path/2015-03-31/functions/" + in.Target + "/invocations",
		}}}
	}
	doc := map[string]any{"openapi": "3.0.1", "info": info, "paths": paths}
	if in.CORSConfiguration != nil {
		doc[extCORS] = in.CORSConfiguration
	}
	return json.Marshal(doc)
}

// routeKeyOperation splits a route key ("$default", "GET /items/{id}",
// "ANY /{proxy+}") into the OpenAPI path and operation key.
func routeKeyOperation(key string) (path, op string, err error) {
	if key == "" || key == defaultStage {
		return defaultStage, anyMethodKey, nil
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		return "", "", badRequest("Invalid route key %q: use $default or METHOD /path.", key)
	}
	if method == "ANY" {
		return path, anyMethodKey, nil
	}
	return path, strings.ToLower(method), nil
}

// getAPIs is GetApis: HTTP APIs in id order, maxResults at a time.
func (s *Service) getAPIs(w http.ResponseWriter, r *awsproto.Request) error {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return badRequest("maxResults must be between 1 and 500")
		}
		limit = n
	}
	// REST APIs share the records, so filter as we go and page by id.
	rs, err := s.st.List(r.Context(), kindAPI, "", q.Get("nextToken"), 0)
	if err != nil {
		return err
	}
	out := map[string]any{}
	items := []httpAPIView{}
	for _, rr := range rs {
		var rec apiRecord
		if err := json.Unmarshal(rr.Data, &rec); err != nil {
			return err
		}
		if rec.Protocol != HTTP {
			continue
		}
		if limit > 0 && len(items) == limit {
			out["nextToken"] = items[len(items)-1].APIID
			break
		}
		items = append(items, s.httpAPIView(r.Host, &rec))
	}
	out["items"] = items
	return reply(w, http.StatusOK, out)
}

// reimportAPI is ReimportApi: the API's document replaced whole, and every
// autoDeploy stage redeployed with it in the same transaction.
func (s *Service) reimportAPI(w http.ResponseWriter, r *awsproto.Request, id string) error {
	ctx := r.Context()
	doc, def, err := s.importDocument(r)
	if err != nil {
		return err
	}
	var rec apiRecord
	err = s.st.Tx(ctx, func(tx store.Tx) error {
		old, err := tx.Get(kindAPI, id)
		if rec, err = s.httpAPIFrom(id, old, err); err != nil {
			return err
		}
		rec.Doc, rec.Description, rec.Version = doc, def.Description, def.Version
		if def.Title != "" {
			rec.Name = def.Title
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := tx.Put(kindAPI, id, data, old.Version); err != nil {
			return err
		}
		return s.autoDeployTx(tx, id, doc)
	})
	if err != nil {
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	return reply(w, http.StatusCreated, s.httpAPIView(r.Host, &rec))
}

// deleteHTTPAPI is DeleteApi.
func (s *Service) deleteHTTPAPI(w http.ResponseWriter, r *awsproto.Request, id string) error {
	if err := s.deleteAPI(r.Context(), id, HTTP); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteAPI deletes an API of protocol proto with its deployments and
// stages (DeleteRestApi and DeleteApi), and stops serving it.
func (s *Service) deleteAPI(ctx context.Context, id string, proto Protocol) error {
	err := s.st.Tx(ctx, func(tx store.Tx) error {
		rr, err := tx.Get(kindAPI, id)
		if errors.Is(err, store.ErrNotFound) {
			return s.apiNotFound(id)
		}
		if err != nil {
			return err
		}
		var rec apiRecord
		if err := json.Unmarshal(rr.Data, &rec); err != nil {
			return err
		}
		if rec.Protocol != proto {
			// Each API family deletes only its own, as on AWS.
			return s.apiNotFound(id)
		}
		if err := tx.Delete(kindAPI, id); err != nil {
			return err
		}
		for _, kind := range []string{kindDeployment, kindStage} {
			rs, err := tx.List(kind, id+"/", "", 0)
			if err != nil {
				return err
			}
			for _, rr := range rs {
				if err := tx.Delete(kind, rr.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.reload(ctx)
}
