package functions

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// Body limits: control-plane requests carry base64 zips; invokes carry
// at most 6 MB (checked against the exact figure after reading).
const (
	maxControlBody = 70 << 20
	maxInvokeBody  = MaxSyncPayload + 1
)

// Mount registers the Lambda REST API on mux behind api's signature check.
func (s *Service) Mount(mux *http.ServeMux, api *awsproto.API) {
	controlTooLarge := awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request must be smaller than %d bytes for the CreateFunction operation", maxControlBody)
	invokeTooLarge := awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", MaxSyncPayload)
	h := func(pattern string, fn awsproto.HandlerFunc) {
		mux.Handle(pattern, api.HandleLimit(maxControlBody, controlTooLarge, fn))
	}
	h("POST /2015-03-31/functions", s.httpCreate)
	h("GET /2015-03-31/functions", s.httpList)
	h("GET /2015-03-31/functions/{$}", s.httpList)
	h("GET /2015-03-31/functions/{name}", s.httpGet)
	h("DELETE /2015-03-31/functions/{name}", s.httpDelete)
	h("GET /2015-03-31/functions/{name}/configuration", s.httpGetConfig)
	h("PUT /2015-03-31/functions/{name}/configuration", s.httpUpdateConfig)
	h("PUT /2015-03-31/functions/{name}/code", s.httpUpdateCode)
	h("POST /2015-03-31/functions/{name}/policy", s.httpAddPermission)
	h("GET /2015-03-31/functions/{name}/policy", s.httpGetPolicy)
	h("DELETE /2015-03-31/functions/{name}/policy/{sid}", s.httpRemovePermission)
	h("POST /2017-03-31/tags/{arn}", s.httpTag)
	h("GET /2017-03-31/tags/{arn}", s.httpListTags)
	h("DELETE /2017-03-31/tags/{arn}", s.httpUntag)
	h("PUT /2017-10-31/functions/{name}/concurrency", s.httpPutConcurrency)
	h("DELETE /2017-10-31/functions/{name}/concurrency", s.httpDeleteConcurrency)
	h("GET /2019-09-30/functions/{name}/concurrency", s.httpGetConcurrency)
	h("GET /2016-08-19/account-settings", s.httpAccountSettings)
	h("GET /2016-08-19/account-settings/{$}", s.httpAccountSettings)
	mux.Handle("POST /2015-03-31/functions/{name}/invocations", api.HandleLimit(maxInvokeBody, invokeTooLarge, s.httpInvoke))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func decode(r *awsproto.Request, v any) error {
	if len(r.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return awsproto.Errorf(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: %s", jsonProblem(err)).Wrap(err)
	}
	return nil
}

// jsonProblem names what is wrong without echoing Go internals.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return "Unexpected character at offset " + strconv.FormatInt(e.Offset, 10)
	case *json.UnmarshalTypeError:
		return "Cannot deserialize value of field " + e.Field + " (expected " + e.Type.String() + ")"
	}
	return "malformed JSON"
}

func (s *Service) httpCreate(w http.ResponseWriter, r *awsproto.Request) error {
	var in CreateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Create(r.Context(), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Service) httpList(w http.ResponseWriter, r *awsproto.Request) error {
	q := r.URL.Query()
	max := 50
	if v := q.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return validationError("Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", v)
		}
		max = n
	}
	fns, next, err := s.List(r.Context(), q.Get("Marker"), max)
	if err != nil {
		return err
	}
	out := struct {
		Functions  []Configuration `json:"Functions"`
		NextMarker string          `json:"NextMarker,omitempty"`
	}{fns, next}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Service) httpGet(w http.ResponseWriter, r *awsproto.Request) error {
	rec, err := s.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	type code struct {
		RepositoryType string `json:"RepositoryType"`
		Location       string `json:"Location"`
	}
	type concurrency struct {
		ReservedConcurrentExecutions int `json:"ReservedConcurrentExecutions"`
	}
	out := struct {
		Configuration Configuration     `json:"Configuration"`
		Code          code              `json:"Code"`
		Tags          map[string]string `json:"Tags,omitempty"`
		Concurrency   *concurrency      `json:"Concurrency,omitempty"`
	}{Configuration: rec.Config, Code: code{RepositoryType: "S3", Location: s.codeURL(rec)}, Tags: rec.Tags}
	if rec.Concurrency != nil {
		out.Concurrency = &concurrency{*rec.Concurrency}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Service) httpGetConfig(w http.ResponseWriter, r *awsproto.Request) error {
	rec, err := s.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec.Config)
}

func (s *Service) httpDelete(w http.ResponseWriter, r *awsproto.Request) error {
	name := r.PathValue("name")
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		name += ":" + q
	}
	if err := s.Delete(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) httpUpdateConfig(w http.ResponseWriter, r *awsproto.Request) error {
	var in UpdateConfigInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.UpdateConfig(r.Context(), r.PathValue("name"), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Service) httpUpdateCode(w http.ResponseWriter, r *awsproto.Request) error {
	var in UpdateCodeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.UpdateCode(r.Context(), r.PathValue("name"), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Service) httpAddPermission(w http.ResponseWriter, r *awsproto.Request) error {
	var in PermissionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	name := r.PathValue("name")
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		name += ":" + q
	}
	st, err := s.AddPermission(r.Context(), name, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"Statement": st})
}

func (s *Service) httpGetPolicy(w http.ResponseWriter, r *awsproto.Request) error {
	doc, rev, err := s.Policy(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"Policy": doc, "RevisionId": rev})
}

func (s *Service) httpRemovePermission(w http.ResponseWriter, r *awsproto.Request) error {
	if err := s.RemovePermission(r.Context(), r.PathValue("name"), r.PathValue("sid"), r.URL.Query().Get("RevisionId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) httpTag(w http.ResponseWriter, r *awsproto.Request) error {
	var in struct {
		Tags map[string]string `json:"Tags"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Tag(r.Context(), r.PathValue("arn"), in.Tags); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) httpListTags(w http.ResponseWriter, r *awsproto.Request) error {
	tags, err := s.Tags(r.Context(), r.PathValue("arn"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"Tags": tags})
}

func (s *Service) httpUntag(w http.ResponseWriter, r *awsproto.Request) error {
	keys := r.URL.Query()["tagKeys"]
	if len(keys) == 0 {
		return validationError("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	if err := s.Untag(r.Context(), r.PathValue("arn"), keys); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) httpPutConcurrency(w http.ResponseWriter, r *awsproto.Request) error {
	var in struct {
		ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.PutConcurrency(r.Context(), r.PathValue("name"), in.ReservedConcurrentExecutions)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"ReservedConcurrentExecutions": n})
}

func (s *Service) httpDeleteConcurrency(w http.ResponseWriter, r *awsproto.Request) error {
	if err := s.DeleteConcurrency(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) httpGetConcurrency(w http.ResponseWriter, r *awsproto.Request) error {
	rec, err := s.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	if rec.Concurrency == nil {
		return writeJSON(w, http.StatusOK, struct{}{})
	}
	return writeJSON(w, http.StatusOK, map[string]int{"ReservedConcurrentExecutions": *rec.Concurrency})
}

func (s *Service) httpAccountSettings(w http.ResponseWriter, r *awsproto.Request) error {
	var count, total int64
	reserved := 0
	marker := ""
	for {
		recs, next, err := s.list(r.Context(), marker, 500)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			count++
			total += rec.Config.CodeSize
			if rec.Concurrency != nil {
				reserved += *rec.Concurrency
			}
		}
		if next == "" {
			break
		}
		marker = next
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"AccountLimit": map[string]any{
			"TotalCodeSize":                  int64(80) << 30,
			"CodeSizeUnzipped":               maxUnzipped,
			"CodeSizeZipped":                 maxZipped,
			"ConcurrentExecutions":           s.opts.AccountConcurrency,
			"UnreservedConcurrentExecutions": s.opts.AccountConcurrency - reserved,
		},
		"AccountUsage": map[string]any{"TotalCodeSize": total, "FunctionCount": count},
	})
}

// httpInvoke is the Invoke hot path: no JSON encoding of the result, no
// store access once the function is warm in memory.
func (s *Service) httpInvoke(w http.ResponseWriter, r *awsproto.Request) error {
	in := &InvokeInput{
		FunctionName:  r.PathValue("name"),
		Qualifier:     r.URL.Query().Get("Qualifier"),
		Payload:       r.Body,
		ClientContext: r.Header.Get("X-Amz-Client-Context"),
		RequestID:     r.ID,
	}
	if len(in.Payload) > MaxSyncPayload {
		return awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", MaxSyncPayload)
	}
	switch lt := r.Header.Get("X-Amz-Log-Type"); lt {
	case "", "None":
	case "Tail":
		in.Tail = true
	default:
		return validationError("Value '%s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]", lt)
	}
	h := w.Header()
	switch it := r.Header.Get("X-Amz-Invocation-Type"); it {
	case "", "RequestResponse":
	case "Event":
		if _, err := s.InvokeAsync(r.Context(), in); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	case "DryRun":
		if err := s.DryRun(r.Context(), in); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	default:
		return validationError("Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", it)
	}
	// A caller that hangs up does not stop the function, as in Lambda: the
	// invocation runs to its end (or its timeout) and the result is dropped.
	out, err := s.Invoke(context.WithoutCancel(r.Context()), in)
	if err != nil {
		return err
	}
	h["Content-Type"] = []string{"application/json"}
	h["X-Amz-Executed-Version"] = []string{out.ExecutedVersion}
	if out.FunctionError != "" {
		h["X-Amz-Function-Error"] = []string{out.FunctionError}
	}
	if in.Tail {
		h["X-Amz-Log-Result"] = []string{out.LogResult}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(out.Payload))}
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out.Payload)
	return err
}
