package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// autoDeployment describes the deployments autoDeploy makes.
const autoDeployment = "Automatic deployment triggered by changes to the Api configuration"

// stageV2 is an HTTP API stage: the v1 stage record (what reload reads)
// and the v2 settings, in the same stored JSON.
type stageV2 struct {
	stageRecord
	// AutoDeploy stages are pointed at a fresh deployment of the API's
	// document in the same transaction as every change to it.
	AutoDeploy                  bool              `json:"autoDeploy,omitempty"`
	Tags                        map[string]string `json:"tags,omitempty"`
	LastDeploymentStatusMessage string            `json:"lastDeploymentStatusMessage,omitempty"`
}

// deploymentV2 is a deployment with what v2 says about it.
type deploymentV2 struct {
	deploymentRecord
	AutoDeployed bool `json:"autoDeployed,omitempty"`
}

func (d *deploymentV2) view() map[string]any {
	out := map[string]any{"deploymentId": d.ID, "createdDate": iso8601(d.Created), "deploymentStatus": "DEPLOYED", "autoDeployed": d.AutoDeployed}
	if d.Description != "" {
		out["description"] = d.Description
	}
	return out
}

func (st *stageV2) view() map[string]any {
	settings := map[string]any{"detailedMetricsEnabled": false}
	if st.RateLimit > 0 || st.BurstLimit > 0 {
		settings["throttlingRateLimit"], settings["throttlingBurstLimit"] = st.RateLimit, st.BurstLimit
	}
	tags := st.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	out := map[string]any{"stageName": st.Name, "autoDeploy": st.AutoDeploy, "createdDate": iso8601(st.Created),
		"lastUpdatedDate": iso8601(st.Updated), "defaultRouteSettings": settings, "routeSettings": map[string]any{}, "tags": tags}
	for k, v := range map[string]string{"deploymentId": st.DeploymentID, "description": st.Description, "lastDeploymentStatusMessage": st.LastDeploymentStatusMessage} {
		if v != "" {
			out[k] = v
		}
	}
	if len(st.Variables) > 0 {
		out["stageVariables"] = st.Variables
	}
	return out
}

// stageInput is CreateStage's and UpdateStage's body; pointers tell an
// update what to leave alone.
type stageInput struct {
	StageName            string            `json:"stageName"`
	DeploymentID         *string           `json:"deploymentId"`
	Description          *string           `json:"description"`
	AutoDeploy           *bool             `json:"autoDeploy"`
	StageVariables       map[string]string `json:"stageVariables"`
	Tags                 map[string]string `json:"tags"`
	DefaultRouteSettings *struct {
		ThrottlingBurstLimit *int     `json:"throttlingBurstLimit"`
		ThrottlingRateLimit  *float64 `json:"throttlingRateLimit"`
		// detailedMetricsEnabled, dataTraceEnabled and loggingLevel are
		// observability switches; accepted and not kept.
	} `json:"defaultRouteSettings"`
	RouteSettings       map[string]json.RawMessage `json:"routeSettings"`
	AccessLogSettings   json.RawMessage            `json:"accessLogSettings"`
	ClientCertificateID string                     `json:"clientCertificateId"`
}

func decodeStageInput(body []byte) (*stageInput, error) {
	var in stageInput
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest("Invalid request body")
	}
	// Settings gatehouse would otherwise silently not honour are refused.
	switch {
	case len(in.RouteSettings) > 0:
		return nil, badRequest("Per-route settings (routeSettings) are not supported by gatehouse; use defaultRouteSettings.")
	case len(in.AccessLogSettings) > 0 && string(in.AccessLogSettings) != "null":
		return nil, badRequest("Access logging (accessLogSettings) is not supported by gatehouse.")
	case in.ClientCertificateID != "":
		return nil, badRequest("Client certificates are not supported by gatehouse.")
	case in.Description != nil && len(*in.Description) > 1024:
		return nil, badRequest("A stage description is at most 1024 characters.")
	}
	return &in, nil
}

// apply sets what in names on st.
func (in *stageInput) apply(tx store.Tx, apiID string, st *stageV2) error {
	if in.DeploymentID != nil {
		if _, err := tx.Get(kindDeployment, apiID+"/"+*in.DeploymentID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return badRequest("Invalid deployment identifier specified")
			}
			return err
		}
		st.DeploymentID = *in.DeploymentID
	}
	if in.Description != nil {
		st.Description = *in.Description
	}
	if in.AutoDeploy != nil {
		st.AutoDeploy = *in.AutoDeploy
	}
	if in.StageVariables != nil {
		// The map replaces the stage's, as CloudFormation and Terraform
		// send the whole desired set.
		if err := checkVariables(in.StageVariables); err != nil {
			return err
		}
		st.Variables = in.StageVariables
	}
	if rs := in.DefaultRouteSettings; rs != nil {
		if rs.ThrottlingRateLimit != nil {
			if *rs.ThrottlingRateLimit < 0 {
				return badRequest("throttlingRateLimit must not be negative")
			}
			st.RateLimit = *rs.ThrottlingRateLimit
		}
		if rs.ThrottlingBurstLimit != nil {
			if *rs.ThrottlingBurstLimit < 0 {
				return badRequest("throttlingBurstLimit must not be negative")
			}
			st.BurstLimit = *rs.ThrottlingBurstLimit
		}
	}
	return nil
}

func validStageV2(name string) bool { return name == defaultStage || stageNameRe.MatchString(name) }

func stageNotFound() *awsproto.Error { return notFound("Invalid stage identifier specified") }

// httpAPIFrom decodes a Get of an API record as an HTTP API.
func (s *Service) httpAPIFrom(id string, rr store.Record, err error) (apiRecord, error) {
	var rec apiRecord
	if errors.Is(err, store.ErrNotFound) {
		return rec, s.apiNotFound(id)
	}
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(rr.Data, &rec); err != nil {
		return rec, err
	}
	if rec.Protocol != HTTP {
		// A REST API's id is not an HTTP API's, as on AWS.
		return rec, s.apiNotFound(id)
	}
	return rec, nil
}

func (s *Service) loadHTTPAPI(ctx context.Context, id string) (apiRecord, error) {
	rr, err := s.st.Get(ctx, kindAPI, id)
	return s.httpAPIFrom(id, rr, err)
}

func (s *Service) loadStageV2(ctx context.Context, apiID, name string) (stageV2, error) {
	var st stageV2
	if _, err := s.loadHTTPAPI(ctx, apiID); err != nil {
		return st, err
	}
	err := s.getJSON(ctx, kindStage, apiID+"/"+name, &st, stageNotFound())
	return st, err
}

// newDeploymentTx freezes doc as a new deployment of the API.
func newDeploymentTx(tx store.Tx, apiID string, doc []byte, desc string, auto bool, now time.Time) (deploymentV2, error) {
	d := deploymentV2{deploymentRecord: deploymentRecord{ID: newID(6), Description: desc, Created: now, Doc: doc}, AutoDeployed: auto}
	data, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	_, err = tx.Create(kindDeployment, apiID+"/"+d.ID, data)
	return d, err
}

// point makes the stage serve deployment d.
func (st *stageV2) point(d *deploymentV2, now time.Time) {
	st.DeploymentID, st.Updated = d.ID, now
	st.LastDeploymentStatusMessage = "Successfully deployed stage with deployment ID '" + d.ID + "'"
}

// putStageTx writes a stage: created when version is 0, else replacing
// that version.
func putStageTx(tx store.Tx, apiID string, st *stageV2, version int64) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if version == 0 {
		_, err = tx.Create(kindStage, apiID+"/"+st.Name, data)
		if errors.Is(err, store.ErrAlreadyExists) {
			return conflict("Stage already exists")
		}
		return err
	}
	_, err = tx.Put(kindStage, apiID+"/"+st.Name, data, version)
	return err
}

// autoDeployTx deploys doc to every autoDeploy stage of the API: one
// deployment, shared, created only if some stage wants it.
func (s *Service) autoDeployTx(tx store.Tx, apiID string, doc []byte) error {
	rs, err := tx.List(kindStage, apiID+"/", "", 0)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	var d *deploymentV2
	for _, rr := range rs {
		var st stageV2
		if err := json.Unmarshal(rr.Data, &st); err != nil {
			return err
		}
		if !st.AutoDeploy {
			continue
		}
		if d == nil {
			nd, err := newDeploymentTx(tx, apiID, doc, autoDeployment, true, now)
			if err != nil {
				return err
			}
			d = &nd
		}
		st.point(d, now)
		if err := putStageTx(tx, apiID, &st, rr.Version); err != nil {
			return err
		}
	}
	return nil
}

// putStageV2 is CreateStage (name "", from the body) and UpdateStage.
// A stage whose autoDeploy is turned on, and which is not given a
// deployment, is deployed the API's current document at once.
func (s *Service) putStageV2(w http.ResponseWriter, r *awsproto.Request, apiID, name string) error {
	in, err := decodeStageInput(r.Body)
	if err != nil {
		return err
	}
	create := name == ""
	if create {
		if name = in.StageName; !validStageV2(name) {
			return badRequest("Stage name must be $default or 1-128 of a-zA-Z0-9_-")
		}
	}
	now := s.now().UTC()
	var st stageV2
	err = s.st.Tx(r.Context(), func(tx store.Tx) error {
		rr, err := tx.Get(kindAPI, apiID)
		api, err := s.httpAPIFrom(apiID, rr, err)
		if err != nil {
			return err
		}
		st = stageV2{stageRecord: stageRecord{Name: name, Created: now}, Tags: in.Tags}
		var version int64
		if !create {
			old, err := tx.Get(kindStage, apiID+"/"+name)
			if errors.Is(err, store.ErrNotFound) {
				return stageNotFound()
			}
			if err != nil {
				return err
			}
			st, version = stageV2{}, old.Version
			if err := json.Unmarshal(old.Data, &st); err != nil {
				return err
			}
		}
		wasAuto := st.AutoDeploy
		if err := in.apply(tx, apiID, &st); err != nil {
			return err
		}
		st.Updated = now
		if st.AutoDeploy && !wasAuto && in.DeploymentID == nil {
			d, err := newDeploymentTx(tx, apiID, api.Doc, autoDeployment, true, now)
			if err != nil {
				return err
			}
			st.point(&d, now)
		}
		return putStageTx(tx, apiID, &st, version)
	})
	if err != nil {
		return err
	}
	if err := s.reload(r.Context()); err != nil {
		return err
	}
	if create {
		return reply(w, http.StatusCreated, st.view())
	}
	return reply(w, http.StatusOK, st.view())
}

// listViews renders every record of kind under prefix, decoded as T.
func listViews[T any](ctx context.Context, st store.Store, kind, prefix string, view func(*T) map[string]any) (map[string]any, error) {
	rs, err := st.List(ctx, kind, prefix, "", 0)
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, rr := range rs {
		var v T
		if err := json.Unmarshal(rr.Data, &v); err != nil {
			return nil, err
		}
		items = append(items, view(&v))
	}
	return map[string]any{"items": items}, nil
}

func (s *Service) getStagesV2(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	if _, err := s.loadHTTPAPI(r.Context(), apiID); err != nil {
		return err
	}
	out, err := listViews(r.Context(), s.st, kindStage, apiID+"/", (*stageV2).view)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

func (s *Service) deleteStageV2(w http.ResponseWriter, r *awsproto.Request, apiID, name string) error {
	ctx := r.Context()
	if _, err := s.loadHTTPAPI(ctx, apiID); err != nil {
		return err
	}
	if err := s.st.Delete(ctx, kindStage, apiID+"/"+name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return stageNotFound()
		}
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// createDeploymentV2 is CreateDeployment: the API's current document
// frozen, and with stageName that (existing) stage pointed at it.
func (s *Service) createDeploymentV2(w http.ResponseWriter, r *awsproto.Request, apiID string) error {
	var in struct {
		Description string `json:"description"`
		StageName   string `json:"stageName"`
	}
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return badRequest("Invalid request body")
		}
	}
	now := s.now().UTC()
	var d deploymentV2
	err := s.st.Tx(r.Context(), func(tx store.Tx) error {
		rr, err := tx.Get(kindAPI, apiID)
		api, err := s.httpAPIFrom(apiID, rr, err)
		if err != nil {
			return err
		}
		if _, err := s.compile(api.Doc, HTTP); err != nil {
			return err
		}
		if d, err = newDeploymentTx(tx, apiID, api.Doc, in.Description, false, now); err != nil || in.StageName == "" {
			return err
		}
		old, err := tx.Get(kindStage, apiID+"/"+in.StageName)
		if errors.Is(err, store.ErrNotFound) {
			return stageNotFound()
		}
		if err != nil {
			return err
		}
		var st stageV2
		if err := json.Unmarshal(old.Data, &st); err != nil {
			return err
		}
		st.point(&d, now)
		return putStageTx(tx, apiID, &st, old.Version)
	})
	if err != nil {
		return err
	}
	if err := s.reload(r.Context()); err != nil {
		return err
	}
	return reply(w, http.StatusCreated, d.view())
}

// getDeploymentsV2 is GetDeployments, or GetDeployment with id.
func (s *Service) getDeploymentsV2(w http.ResponseWriter, r *awsproto.Request, apiID, id string) error {
	ctx := r.Context()
	if _, err := s.loadHTTPAPI(ctx, apiID); err != nil {
		return err
	}
	if id != "" {
		var d deploymentV2
		if err := s.getJSON(ctx, kindDeployment, apiID+"/"+id, &d, notFound("Invalid deployment identifier specified")); err != nil {
			return err
		}
		return reply(w, http.StatusOK, d.view())
	}
	out, err := listViews(ctx, s.st, kindDeployment, apiID+"/", (*deploymentV2).view)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// exportAPI is ExportApi: OAS30 of the API's current document, or of a
// stage's deployed one with stageName. YAML output is the same JSON text,
// which is valid YAML (1.2) and reads back through ImportApi either way.
func (s *Service) exportAPI(w http.ResponseWriter, r *awsproto.Request, apiID, spec string) error {
	q := r.URL.Query()
	switch out := q.Get("outputType"); {
	case spec != "OAS30":
		return badRequest("Unsupported specification %s: the only one is OAS30.", spec)
	case out != "JSON" && out != "YAML":
		return badRequest("outputType must be JSON or YAML")
	case q.Get("includeExtensions") == "false":
		return badRequest("gatehouse exports with the x-amazon-apigateway extensions only (includeExtensions=true).")
	case q.Get("exportVersion") != "" && q.Get("exportVersion") != "1.0":
		return badRequest("exportVersion must be 1.0")
	}
	ctx := r.Context()
	api, err := s.loadHTTPAPI(ctx, apiID)
	if err != nil {
		return err
	}
	doc, url := api.Doc, apiEndpoint(r.Host, apiID)
	if stage := q.Get("stageName"); stage != "" {
		st, err := s.loadStageV2(ctx, apiID, stage)
		if err != nil {
			return err
		}
		var d deploymentRecord
		if err := s.getJSON(ctx, kindDeployment, apiID+"/"+st.DeploymentID, &d, badRequest("Stage %s has no deployment to export.", stage)); err != nil {
			return err
		}
		doc = d.Doc
		if stage != defaultStage {
			url += "/" + stage
		}
	}
	def, err := s.compile(doc, HTTP)
	if err != nil {
		return err
	}
	out, err := ExportOAS30(def, doc, url)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(out)
	return err
}

// StageForPath says which stage of an API serves a request on its
// execute-api host, and the route path within it (escaped): the first
// segment when it names a stage, else, for an HTTP API with a $default
// stage, that stage with the whole path, as HTTP APIs serve $default at
// the root of their URL.
func (s *Service) StageForPath(apiID, escapedPath string) (stage, path string) {
	p := strings.TrimPrefix(escapedPath, "/")
	first, rest, _ := strings.Cut(p, "/")
	la := s.live.Load().apis[apiID]
	if la != nil && la.proto == HTTP && la.stages[defaultStage] != nil && (first == defaultStage || la.stages[first] == nil) {
		return defaultStage, "/" + p
	}
	return first, "/" + rest
}

// protocol is an API's protocol as served (REST when unknown, which is
// how an unknown API is answered).
func (l *liveAPIs) protocol(apiID string) Protocol {
	if a := l.apis[apiID]; a != nil {
		return a.proto
	}
	return REST
}
