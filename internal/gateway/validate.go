package gateway

import (
	"mime"
	"net/http"
	"strings"
)

// check applies a request validator as API Gateway does after
// authorization: required parameters first, then the body model for the
// request's media type. It returns the gateway response type and message
// of the first failure, or "" when the request passes.
func (v *Validation) check(r *http.Request, body []byte) (typ, message string) {
	var missing []string
	var query map[string][]string
	for _, p := range v.Params {
		switch p.In {
		case "query":
			if query == nil {
				query = r.URL.Query()
			}
			if _, ok := query[p.Name]; !ok {
				missing = append(missing, p.Name)
			}
		case "header":
			if len(r.Header.Values(p.Name)) == 0 {
				missing = append(missing, p.Name)
			}
		}
	}
	if len(missing) > 0 {
		return "BAD_REQUEST_PARAMETERS", "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"
	}
	if len(v.Bodies) == 0 {
		return "", ""
	}
	// API Gateway takes a request without a Content-Type as JSON.
	media := "application/json"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			media = mt
		} else {
			media = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
		}
	}
	s := v.Bodies[media]
	if s == nil {
		return "", "" // no model for this media type: nothing to check
	}
	if !s.ValidateJSON(body) {
		return "BAD_REQUEST_BODY", "Invalid request body"
	}
	return "", ""
}
