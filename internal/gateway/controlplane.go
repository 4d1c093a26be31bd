package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// maxDocument bounds an imported OpenAPI document (API Gateway's own
// import limit is 6 MB).
const maxDocument = 6 << 20

var stageNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)

// restAPIView is RestApi as the API renders it.
type restAPIView struct {
	ID                        string            `json:"id"`
	Name                      string            `json:"name"`
	Description               string            `json:"description,omitempty"`
	CreatedDate               float64           `json:"createdDate"`
	Version                   string            `json:"version,omitempty"`
	BinaryMediaTypes          []string          `json:"binaryMediaTypes,omitempty"`
	APIKeySource              string            `json:"apiKeySource"`
	EndpointConfiguration     map[string]any    `json:"endpointConfiguration"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	RootResourceID            string            `json:"rootResourceId"`
	Tags                      map[string]string `json:"tags,omitempty"`
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (r *apiRecord) view() restAPIView {
	types := r.EndpointTypes
	if len(types) == 0 {
		types = []string{"EDGE"}
	}
	src := r.APIKeySource
	if src == "" {
		src = "HEADER"
	}
	return restAPIView{ID: r.ID, Name: r.Name, Description: r.Description, CreatedDate: epochSeconds(r.Created), Version: r.Version,
		BinaryMediaTypes: r.BinaryMediaTypes, APIKeySource: src, EndpointConfiguration: map[string]any{"types": types},
		RootResourceID: r.RootResourceID, Tags: r.Tags}
}

// ControlPlane serves the REST management operations under /restapis,
// signed for the service apigateway; Serve (serve.go) is the data plane.
func (s *Service) ControlPlane(w http.ResponseWriter, r *awsproto.Request) error {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) > 0 && (parts[0] == "apikeys" || parts[0] == "usageplans") {
		return s.keysControlPlane(w, r, parts)
	}
	if len(parts) == 0 || parts[0] != "restapis" {
		return notFound("Invalid request path")
	}
	parts = parts[1:]
	m := r.Method
	switch {
	case len(parts) == 0 && m == http.MethodPost:
		return s.createRestAPI(w, r)
	case len(parts) == 0 && m == http.MethodGet:
		return s.listRestAPIs(w, r)
	case len(parts) == 1 && m == http.MethodGet:
		rec, err := s.loadAPI(r.Context(), parts[0])
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, rec.view())
	case len(parts) == 1 && m == http.MethodPut:
		return s.putRestAPI(w, r, parts[0])
	case len(parts) == 1 && m == http.MethodDelete:
		return s.deleteRestAPI(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "deployments" && m == http.MethodPost:
		return s.createDeployment(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "deployments" && m == http.MethodGet:
		return s.listDeployments(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "stages" && m == http.MethodPost:
		return s.createStage(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "stages" && m == http.MethodGet:
		return s.listStages(w, r, parts[0])
	case len(parts) == 3 && parts[1] == "stages" && m == http.MethodGet:
		st, err := s.loadStage(r.Context(), parts[0], parts[2])
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, st.view())
	case len(parts) == 3 && parts[1] == "stages" && m == http.MethodPatch:
		return s.updateStage(w, r, parts[0], parts[2])
	case len(parts) == 3 && parts[1] == "stages" && m == http.MethodDelete:
		return s.deleteStage(w, r, parts[0], parts[2])
	case len(parts) == 5 && parts[1] == "stages" && parts[3] == "exports" && m == http.MethodGet:
		return s.getExport(w, r, parts[0], parts[2], parts[4])
	}
	return awsproto.Errorf(http.StatusNotFound, "UnknownOperationException", "Operation %s %s is not supported by gatehouse yet.", m, r.URL.Path)
}

func reply(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func (s *Service) loadAPI(ctx context.Context, id string) (apiRecord, error) {
	var rec apiRecord
	err := s.getJSON(ctx, kindAPI, id, &rec, s.apiNotFound(id))
	if err == nil && rec.Protocol == HTTP {
		// HTTP APIs are apigatewayv2's (controlplane_v2.go), as on AWS.
		return rec, s.apiNotFound(id)
	}
	return rec, err
}

// compile checks a document the way import does.
func (s *Service) compile(doc []byte, proto Protocol) (*Definition, error) {
	if len(doc) == 0 {
		return nil, badRequest("Invalid OpenAPI input: the body is empty.")
	}
	if len(doc) > maxDocument {
		return nil, badRequest("Invalid OpenAPI input: the document is larger than %d bytes.", maxDocument)
	}
	def, err := ParseDefinition(doc, proto, s.opts.Region, s.opts.Account)
	if err != nil {
		return nil, badRequest("Errors found during import:\n\t%s", err.Error())
	}
	return def, nil
}

func (s *Service) createRestAPI(w http.ResponseWriter, r *awsproto.Request) error {
	var doc []byte
	if r.URL.Query().Get("mode") == "import" {
		doc = r.Body
	} else {
		// CreateRestApi: an empty API with a name.
		var in struct {
			Name, Description, Version string
			BinaryMediaTypes           []string
			APIKeySource               string `json:"apiKeySource"`
		}
		if err := json.Unmarshal(r.Body, &in); err != nil || in.Name == "" {
			return badRequest("Invalid REST API name specified")
		}
		b, _ := json.Marshal(map[string]any{"openapi": "3.0.1", "info": map[string]string{"title": in.Name, "version": in.Version, "description": in.Description},
			"paths": map[string]any{}, "x-amazon-apigateway-binary-media-types": in.BinaryMediaTypes})
		doc = b
	}
	def, err := s.compile(doc, REST)
	if err != nil {
		return err
	}
	if def.Title == "" {
		return badRequest("Errors found during import:\n\tThe title of the API (info.title) is required.")
	}
	now := s.now().UTC()
	rec := apiRecord{Name: def.Title, Description: def.Description, Version: def.Version, Protocol: REST, Created: now, Doc: doc,
		BinaryMediaTypes: def.BinaryMediaTypes, APIKeySource: def.APIKeySource, RootResourceID: newID(10)}
	if t := r.URL.Query().Get("parameters.endpointConfigurationTypes"); t != "" {
		rec.EndpointTypes = []string{t}
	}
	for attempt := 0; ; attempt++ {
		rec.ID = newID(10)
		data, _ := json.Marshal(rec)
		_, err := s.st.Create(r.Context(), kindAPI, rec.ID, data)
		if errors.Is(err, store.ErrAlreadyExists) && attempt < 3 {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	s.log.Info("rest api created", "api", rec.ID, "name", rec.Name, "routes", len(def.Routes))
	return reply(w, http.StatusCreated, rec.view())
}

// putRestAPI replaces (mode=overwrite, the default) an API's document.
// Deployed stages keep serving their deployment until redeployed, as on
// AWS.
func (s *Service) putRestAPI(w http.ResponseWriter, r *awsproto.Request, id string) error {
	if mode := r.URL.Query().Get("mode"); mode != "" && mode != "overwrite" {
		return badRequest("Put mode %q is not supported by gatehouse; use overwrite.", mode)
	}
	def, err := s.compile(r.Body, REST)
	if err != nil {
		return err
	}
	var out apiRecord
	_, err = s.st.Update(r.Context(), kindAPI, id, func(old []byte) ([]byte, error) {
		var rec apiRecord
		if err := json.Unmarshal(old, &rec); err != nil {
			return nil, err
		}
		rec.Doc, rec.BinaryMediaTypes, rec.APIKeySource = r.Body, def.BinaryMediaTypes, def.APIKeySource
		if def.Title != "" {
			rec.Name = def.Title
		}
		rec.Description, rec.Version = def.Description, def.Version
		out = rec
		return json.Marshal(rec)
	})
	if errors.Is(err, store.ErrNotFound) {
		return s.apiNotFound(id)
	}
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out.view())
}

func (s *Service) listRestAPIs(w http.ResponseWriter, r *awsproto.Request) error {
	limit := 25
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return badRequest("Invalid limit: must be between 1 and 500")
		}
		limit = n
	}
	rs, err := s.st.List(r.Context(), kindAPI, "", r.URL.Query().Get("position"), limit+1)
	if err != nil {
		return err
	}
	out := map[string]any{}
	items := []restAPIView{}
	for i, rr := range rs {
		if i == limit {
			out["position"] = rs[i-1].ID
			break
		}
		var rec apiRecord
		if err := json.Unmarshal(rr.Data, &rec); err != nil {
			return err
		}
		if rec.Protocol == HTTP {
			continue // listed by GetApis (controlplane_v2.go)
		}
		items = append(items, rec.view())
	}
	out["item"] = items
	return reply(w, http.StatusOK, out)
}

func (s *Service) deleteRestAPI(w http.ResponseWriter, r *awsproto.Request, id string) error {
	if err := s.deleteAPI(r.Context(), id, REST); err != nil { // controlplane_v2.go
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (d *deploymentRecord) view() map[string]any {
	out := map[string]any{"id": d.ID, "createdDate": epochSeconds(d.Created)}
	if d.Description != "" {
		out["description"] = d.Description
	}
	return out
}

// createDeployment freezes the API's current document and, with a stage
// name, points that stage at it (creating the stage if needed).
func (s *Service) createDeployment(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	ctx := r.Context()
	var in struct {
		StageName        string            `json:"stageName"`
		StageDescription string            `json:"stageDescription"`
		Description      string            `json:"description"`
		Variables        map[string]string `json:"variables"`
	}
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return badRequest("Invalid request body")
		}
	}
	api, err := s.loadAPI(ctx, apiID)
	if err != nil {
		return err
	}
	if _, err := s.compile(api.Doc, api.Protocol); err != nil {
		return err
	}
	if in.StageName != "" && !stageNameRe.MatchString(in.StageName) {
		return badRequest("Stage name only allows a-zA-Z0-9_-")
	}
	if err := checkVariables(in.Variables); err != nil {
		return err
	}
	now := s.now().UTC()
	d := deploymentRecord{ID: newID(6), Description: in.Description, Created: now, Doc: api.Doc}
	err = s.st.Tx(ctx, func(tx store.Tx) error {
		data, _ := json.Marshal(d)
		if _, err := tx.Create(kindDeployment, apiID+"/"+d.ID, data); err != nil {
			return err
		}
		if in.StageName == "" {
			return nil
		}
		st := stageRecord{Name: in.StageName, DeploymentID: d.ID, Description: in.StageDescription, Variables: in.Variables, Created: now, Updated: now}
		old, err := tx.Get(kindStage, apiID+"/"+in.StageName)
		version := int64(0)
		if err == nil {
			var prev stageRecord
			json.Unmarshal(old.Data, &prev)
			st.Created, st.Description, st.RateLimit, st.BurstLimit = prev.Created, prev.Description, prev.RateLimit, prev.BurstLimit
			if st.Variables == nil {
				st.Variables = prev.Variables
			}
			version = old.Version
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		data, _ = json.Marshal(st)
		_, err = tx.Put(kindStage, apiID+"/"+in.StageName, data, version)
		return err
	})
	if err != nil {
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	return reply(w, http.StatusCreated, d.view())
}

func checkVariables(vars map[string]string) error {
	if len(vars) > 100 {
		return badRequest("A stage can have at most 100 variables.")
	}
	for k, v := range vars {
		if len(k) == 0 || len(k) > 64 || len(v) > 512 {
			return badRequest("Stage variable names must be 1-64 characters and values at most 512.")
		}
	}
	return nil
}

func (s *Service) listDeployments(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	if _, err := s.loadAPI(r.Context(), apiID); err != nil {
		return err
	}
	rs, err := s.st.List(r.Context(), kindDeployment, apiID+"/", "", 0)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, rr := range rs {
		var d deploymentRecord
		if err := json.Unmarshal(rr.Data, &d); err != nil {
			return err
		}
		items = append(items, d.view())
	}
	return reply(w, http.StatusOK, map[string]any{"item": items})
}

func (st *stageRecord) view() map[string]any {
	out := map[string]any{"stageName": st.Name, "deploymentId": st.DeploymentID, "createdDate": epochSeconds(st.Created),
		"lastUpdatedDate": epochSeconds(st.Updated), "cacheClusterEnabled": false, "tracingEnabled": false, "methodSettings": map[string]any{}}
	if st.Description != "" {
		out["description"] = st.Description
	}
	if len(st.Variables) > 0 {
		out["variables"] = st.Variables
	}
	settings := map[string]any{}
	if st.RateLimit > 0 || st.BurstLimit > 0 {
		settings["*/*"] = map[string]any{"throttlingRateLimit": st.RateLimit, "throttlingBurstLimit": st.BurstLimit}
	}
	for key, t := range st.MethodThrottle {
		// MethodSettings keys are "resource path without the leading slash/METHOD".
		method, resource, _ := strings.Cut(key, " ")
		settings[strings.TrimPrefix(resource, "/")+"/"+method] = map[string]any{"throttlingRateLimit": t.RateLimit, "throttlingBurstLimit": t.BurstLimit}
	}
	out["methodSettings"] = settings
	if st.AccessLog != nil {
		out["accessLogSettings"] = st.AccessLog
	}
	return out
}

// patchMethodThrottle applies a /{~1resource}/{METHOD}/throttling/{rateLimit|burstLimit} patch.
func (st *stageRecord) patchMethodThrottle(op, path, value string) error {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) != 4 || op != "replace" {
		return badRequest("Invalid patch path %s", path)
	}
	resource := strings.ReplaceAll(parts[0], "~1", "/")
	if !strings.HasPrefix(resource, "/") {
		resource = "/" + resource
	}
	method := strings.ToUpper(parts[1])
	if method == "*" || resource == "/*" {
		return badRequest("Invalid patch path %s: name one resource and method, or use /*/*/ for the whole stage", path)
	}
	key := method + " " + resource
	if st.MethodThrottle == nil {
		st.MethodThrottle = map[string]throttle{}
	}
	t := st.MethodThrottle[key]
	switch parts[3] {
	case "rateLimit":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || f < 0 {
			return badRequest("Invalid throttling rate limit %q", value)
		}
		t.RateLimit = f
	case "burstLimit":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return badRequest("Invalid throttling burst limit %q", value)
		}
		t.BurstLimit = n
	}
	st.MethodThrottle[key] = t
	return nil
}

func (s *Service) loadStage(ctx context.Context, apiID, name string) (stageRecord, error) {
	var st stageRecord
	if _, err := s.loadAPI(ctx, apiID); err != nil {
		return st, err
	}
	err := s.getJSON(ctx, kindStage, apiID+"/"+name, &st, notFound("Invalid stage identifier specified"))
	return st, err
}

func (s *Service) createStage(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	ctx := r.Context()
	var in struct {
		StageName    string            `json:"stageName"`
		DeploymentID string            `json:"deploymentId"`
		Description  string            `json:"description"`
		Variables    map[string]string `json:"variables"`
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return badRequest("Invalid request body")
	}
	if _, err := s.loadAPI(ctx, apiID); err != nil {
		return err
	}
	if !stageNameRe.MatchString(in.StageName) {
		return badRequest("Stage name only allows a-zA-Z0-9_-")
	}
	if err := checkVariables(in.Variables); err != nil {
		return err
	}
	var d deploymentRecord
	if err := s.getJSON(ctx, kindDeployment, apiID+"/"+in.DeploymentID, &d, badRequest("Invalid deployment identifier specified")); err != nil {
		return err
	}
	now := s.now().UTC()
	st := stageRecord{Name: in.StageName, DeploymentID: in.DeploymentID, Description: in.Description, Variables: in.Variables, Created: now, Updated: now}
	data, _ := json.Marshal(st)
	if _, err := s.st.Create(ctx, kindStage, apiID+"/"+in.StageName, data); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return conflict("Stage already exists")
		}
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	return reply(w, http.StatusCreated, st.view())
}

func (s *Service) listStages(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	if _, err := s.loadAPI(r.Context(), apiID); err != nil {
		return err
	}
	rs, err := s.st.List(r.Context(), kindStage, apiID+"/", "", 0)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, rr := range rs {
		var st stageRecord
		if err := json.Unmarshal(rr.Data, &st); err != nil {
			return err
		}
		items = append(items, st.view())
	}
	return reply(w, http.StatusOK, map[string]any{"item": items})
}

// updateStage applies JSON patch operations: deploymentId, description,
// variables/NAME, and */*/throttling/rateLimit|burstLimit.
func (s *Service) updateStage(w http.ResponseWriter, r *awsproto.Request, apiID, name string) error {
	ctx := r.Context()
	var in struct {
		PatchOperations []struct{ Op, Path, Value string } `json:"patchOperations"`
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return badRequest("Invalid request body")
	}
	if _, err := s.loadStage(ctx, apiID, name); err != nil {
		return err
	}
	var out stageRecord
	_, err := s.st.Update(ctx, kindStage, apiID+"/"+name, func(old []byte) ([]byte, error) {
		var st stageRecord
		if err := json.Unmarshal(old, &st); err != nil {
			return nil, err
		}
		for _, p := range in.PatchOperations {
			if err := s.patchStage(ctx, apiID, &st, p.Op, p.Path, p.Value); err != nil {
				return nil, err
			}
		}
		st.Updated = s.now().UTC()
		out = st
		return json.Marshal(st)
	})
	if err != nil {
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	return reply(w, http.StatusOK, out.view())
}

func (s *Service) patchStage(ctx context.Context, apiID string, st *stageRecord, op, path, value string) error {
	switch {
	case path == "/deploymentId" && op == "replace":
		if _, err := s.st.Get(ctx, kindDeployment, apiID+"/"+value); err != nil {
			return badRequest("Invalid deployment identifier specified")
		}
		st.DeploymentID = value
	case path == "/description" && op == "replace":
		st.Description = value
	case strings.HasPrefix(path, "/variables/"):
		k := strings.TrimPrefix(path, "/variables/")
		switch op {
		case "replace", "add":
			if st.Variables == nil {
				st.Variables = map[string]string{}
			}
			st.Variables[k] = value
			return checkVariables(st.Variables)
		case "remove":
			delete(st.Variables, k)
		default:
			return badRequest("Invalid patch operation %s on %s", op, path)
		}
	case path == "/*/*/throttling/rateLimit" && op == "replace":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || f < 0 {
			return badRequest("Invalid throttling rate limit %q", value)
		}
		st.RateLimit = f
	case path == "/*/*/throttling/burstLimit" && op == "replace":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return badRequest("Invalid throttling burst limit %q", value)
		}
		st.BurstLimit = n
	case path == "/accessLogSettings/destinationArn" || path == "/accessLogSettings/format":
		if op == "remove" {
			st.AccessLog = nil
			return nil
		}
		if st.AccessLog == nil {
			st.AccessLog = &accessLog{}
		}
		if strings.HasSuffix(path, "destinationArn") {
			if logGroupOf(value) == "" {
				return badRequest("Invalid ARN specified in the request: %s", value)
			}
			st.AccessLog.DestinationARN = value
		} else {
			st.AccessLog.Format = value
		}
	case strings.HasSuffix(path, "/throttling/rateLimit") || strings.HasSuffix(path, "/throttling/burstLimit"):
		// /{resource path, "/" as "~1"}/{METHOD}/throttling/...: one
		// method's own limits (MethodSettings).
		return st.patchMethodThrottle(op, path, value)
	default:
		return badRequest("Invalid patch path %s", path)
	}
	return nil
}

func (s *Service) deleteStage(w http.ResponseWriter, r *awsproto.Request, apiID, name string) error {
	ctx := r.Context()
	if _, err := s.loadStage(ctx, apiID, name); err != nil {
		return err
	}
	if err := s.st.Delete(ctx, kindStage, apiID+"/"+name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// getExport is GetExport: the stage's deployed document as OpenAPI 3.0.
func (s *Service) getExport(w http.ResponseWriter, r *awsproto.Request, apiID, stage, kind string) error {
	if kind != "oas30" && kind != "swagger" {
		return badRequest("Invalid export type %s: gatehouse exports oas30 and swagger (as oas30)", kind)
	}
	ctx := r.Context()
	st, err := s.loadStage(ctx, apiID, stage)
	if err != nil {
		return err
	}
	var d deploymentRecord
	if err := s.getJSON(ctx, kindDeployment, apiID+"/"+st.DeploymentID, &d, notFound("Invalid deployment identifier specified")); err != nil {
		return err
	}
	api, err := s.loadAPI(ctx, apiID)
	if err != nil {
		return err
	}
	def, err := s.compile(d.Doc, api.Protocol)
	if err != nil {
		return err
	}
	out, err := ExportOAS30(def, d.Doc, s.stageURL(r.Host, apiID, stage))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+apiID+"-"+stage+`-oas30.json"`)
	_, err = w.Write(out)
	return err
}

// stageURL is the invoke URL of a stage on this server.
func (s *Service) stageURL(host, apiID, stage string) string {
	port := ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		port = host[i:]
	}
	return "http://" + apiID + ".execute-api.localhost" + port + "/" + stage
}
