package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// MaxRequestBody is API Gateway's payload limit.
const MaxRequestBody = 10 << 20

// Gateway response types with API Gateway's default status and message.
var defaultResponses = map[string]struct {
	status  int
	message string
}{
	"MISSING_AUTHENTICATION_TOKEN":   {http.StatusForbidden, "Missing Authentication Token"},
	"RESOURCE_NOT_FOUND":             {http.StatusNotFound, "Not Found"},
	"UNAUTHORIZED":                   {http.StatusUnauthorized, "Unauthorized"},
	"ACCESS_DENIED":                  {http.StatusForbidden, "User is not authorized to access this resource"},
	"AUTHORIZER_FAILURE":             {http.StatusInternalServerError, ""},
	"AUTHORIZER_CONFIGURATION_ERROR": {http.StatusInternalServerError, ""},
	"INVALID_API_KEY":                {http.StatusForbidden, "Forbidden"},
	"THROTTLED":                      {http.StatusTooManyRequests, "Too Many Requests"},
	"QUOTA_EXCEEDED":                 {http.StatusTooManyRequests, "Limit Exceeded"},
	"REQUEST_TOO_LARGE":              {http.StatusRequestEntityTooLarge, "Request Too Long"},
	"INTEGRATION_FAILURE":            {http.StatusInternalServerError, "Internal server error"},
	"INTEGRATION_TIMEOUT":            {http.StatusGatewayTimeout, "Endpoint request timed out"},
	"BAD_GATEWAY":                    {http.StatusBadGateway, "Internal server error"},
	"BAD_REQUEST_PARAMETERS":         {http.StatusBadRequest, "Missing required request parameters"},
	"BAD_REQUEST_BODY":               {http.StatusBadRequest, "Invalid request body"},
}

// ServeStage answers one execute-api request: apiID and stage come from
// the Host or the path, path is what follows the stage (escaped).
func (s *Service) ServeStage(rw http.ResponseWriter, r *http.Request, apiID, stageName, path string) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw}
	if m := s.opts.Metrics; m != nil {
		defer func() { m.stage(apiID, stageName).observe(w.status, start) }()
	}
	var logTo *accessLog
	defer func() {
		if logTo != nil && s.opts.AccessLogs != nil {
			s.writeAccessLog(logTo, w, r, apiID, stageName, path, start)
		}
	}()
	reqID := awsproto.NewRequestID()
	h := w.Header()
	h["X-Amzn-Requestid"] = []string{reqID}
	ext := newID(8) + "="
	live := s.live.Load()
	ls := live.stage(apiID, stageName)
	// An HTTP API answers an unknown stage as HTTP APIs do (404).
	proto := live.protocol(apiID)
	if ls != nil {
		proto = ls.proto
		if proto == HTTP {
			h["Apigw-Requestid"] = []string{ext}
		} else {
			h["X-Amz-Apigw-Id"] = []string{ext}
		}
	}
	if ls == nil {
		s.gatewayError(w, nil, proto, "MISSING_AUTHENTICATION_TOKEN", "")
		return
	}
	if path == "" {
		path = "/"
	}
	logTo = ls.accessLog
	route, params, ok := ls.router.Match(r.Method, path)
	w.route = route
	if !ok {
		if ls.proto == HTTP {
			if r.Method == http.MethodOptions && ls.def.CORS != nil && r.Header.Get("Access-Control-Request-Method") != "" {
				s.preflight(w, r, ls.def.CORS)
				return
			}
			s.gatewayError(w, ls.def, HTTP, "RESOURCE_NOT_FOUND", "")
			return
		}
		s.gatewayError(w, ls.def, REST, "MISSING_AUTHENTICATION_TOKEN", "")
		return
	}
	if ls.methodThrottle != nil {
		// A method's own limits apply first, then the stage's.
		if b := ls.methodThrottle[route.Method+" "+route.Path]; b != nil && !b.take() {
			s.gatewayError(w, ls.def, ls.proto, "THROTTLED", "")
			return
		}
	}
	if ls.throttle != nil && !ls.throttle.take() {
		s.gatewayError(w, ls.def, ls.proto, "THROTTLED", "")
		return
	}
	if r.ContentLength > MaxRequestBody {
		s.gatewayError(w, ls.def, ls.proto, "REQUEST_TOO_LARGE", "")
		return
	}
	var body []byte
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1)); err != nil {
			s.gatewayError(w, ls.def, ls.proto, "BAD_GATEWAY", "")
			return
		}
	}
	if len(body) > MaxRequestBody {
		s.gatewayError(w, ls.def, ls.proto, "REQUEST_TOO_LARGE", "")
		return
	}
	ri := &RequestInfo{Req: r, Body: body, RawPath: path, Route: route, PathParams: params, APIID: apiID, Stage: stageName,
		AccountID: s.opts.Account, Region: s.opts.Region, RequestID: reqID, ExtendedRequestID: ext,
		DomainName: apiID + ".execute-api." + s.opts.Region + ".amazonaws.com", DomainPrefix: apiID,
		SourceIP: clientIP(r), Time: s.now().UTC(), StageVariables: ls.vars, BinaryMediaTypes: ls.def.BinaryMediaTypes}

	usageKey := ""
	sec, auth, misconfigured := s.authorizerFor(ls.def, route)
	if misconfigured {
		s.gatewayError(w, ls.def, ls.proto, "AUTHORIZER_CONFIGURATION_ERROR", "")
		return
	}
	if auth != nil {
		methodARN := "arn:aws:execute-api:" + s.opts.Region + ":" + s.opts.Account + ":" + apiID + "/" + stageName + "/" + r.Method + path
		d := s.auth.Authorize(r.Context(), apiID, ls.proto, auth, sec.Scopes, r, ls.vars, methodARN, func() []byte {
			if ls.proto == HTTP && auth.PayloadFormatVersion != "1.0" {
				return AppendHTTPAuthorizerEvent(nil, ri, auth, methodARN)
			}
			return AppendAuthorizerRequestEvent(nil, ri, methodARN)
		})
		if !d.Allowed {
			if d.WWWAuthenticate != "" {
				h.Set("Www-Authenticate", d.WWWAuthenticate)
			}
			s.gatewayErrorStatus(w, ls.def, ls.proto, d.ErrorType, d.Status, d.Message)
			return
		}
		ri.Authorizer = d.Context
		usageKey = d.UsageIdentifierKey
	}
	if route.APIKeyRequired {
		// The key comes from x-api-key, or from the authorizer when the
		// API's key source says so; it must be in a usage plan of this
		// stage, whose throttle and quota then apply.
		key := r.Header.Get("X-Api-Key")
		if ls.def.APIKeySource == "AUTHORIZER" {
			key = usageKey
		}
		if typ := s.checkAPIKey(live.keys, apiID, stageName, key); typ != "" {
			s.gatewayError(w, ls.def, ls.proto, typ, "")
			return
		}
	}

	if v := route.Validation; v != nil {
		if typ, msg := v.check(r, body); typ != "" {
			s.gatewayError(w, ls.def, ls.proto, typ, msg)
			return
		}
	}

	switch route.Integration.Type {
	case "mock":
		m := route.Integration.Mock
		status := http.StatusOK
		if m != nil {
			for k, v := range m.Headers {
				h.Set(k, v)
			}
			if m.Status != 0 {
				status = m.Status
			}
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if m != nil {
			io.WriteString(w, m.Body)
		}
		return
	}
	s.invoke(w, r, ls, route, ri, start)
}

// eventBuffer is an empty buffer sized for ri's event: a recent event's
// size plus the body (base64 may grow it by a third).
func (s *Service) eventBuffer(ri *RequestInfo) []byte {
	n := s.eventSize.Load()
	if n < 2048 {
		n = 2048
	}
	return make([]byte, 0, n+int64(len(ri.Body))*4/3+256)
}

// noteEventSize remembers an event's size (without its body) for the
// next buffer.
func (s *Service) noteEventSize(event []byte, body int) {
	if n := int64(len(event) - body); n > 0 && n != s.eventSize.Load() {
		s.eventSize.Store(n)
	}
}

// authorizerFor picks the route's authorizer (nil when open). A
// requirement naming an authorizer the API lacks fails closed
// (misconfigured), never open; compilation prevents it, and serving does
// not rely on that.
func (s *Service) authorizerFor(def *Definition, route *Route) (sec Security, a *Authorizer, misconfigured bool) {
	for _, sec := range route.Security {
		if sec.Name == noneAuthorizer {
			continue
		}
		if a := def.Authorizers[sec.Name]; a != nil {
			return sec, a, false
		}
		return sec, nil, true
	}
	return Security{}, nil, false
}

// invoke runs the integration function and maps its answer.
func (s *Service) invoke(w http.ResponseWriter, r *http.Request, ls *liveStage, route *Route, ri *RequestInfo, start time.Time) {
	var payload []byte
	format := route.Integration.PayloadFormatVersion
	switch {
	case ls.proto == HTTP && format == "1.0":
		payload = AppendHTTPEventV1(s.eventBuffer(ri), ri)
	case ls.proto == HTTP:
		payload = AppendHTTPEvent(s.eventBuffer(ri), ri)
	default:
		payload = AppendRESTEvent(s.eventBuffer(ri), ri)
	}
	s.noteEventSize(payload, len(ri.Body))
	timeout := route.Integration.Timeout
	if timeout <= 0 {
		timeout = 29 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	began := time.Now()
	out, failed, err := s.opts.Functions.InvokeFunction(ctx, route.Integration.FunctionARN, payload)
	took := time.Since(began)
	if sw, ok := w.(*statusWriter); ok {
		sw.integration = took
	}
	if m := s.opts.Metrics; m != nil {
		m.stage(ls.apiID, ls.name).integration.Observe(took.Seconds())
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		s.gatewayError(w, ls.def, ls.proto, "INTEGRATION_TIMEOUT", "")
		return
	case err != nil:
		s.log.Warn("integration failed", "api", ls.apiID, "stage", ls.name, "function", route.Integration.FunctionARN, "err", err)
		s.gatewayError(w, ls.def, ls.proto, "INTEGRATION_FAILURE", "")
		return
	case failed:
		s.gatewayError(w, ls.def, ls.proto, "BAD_GATEWAY", "")
		return
	}
	var resp *Response
	switch {
	case ls.proto == HTTP && format == "1.0":
		resp, err = ParseHTTPResponseV1(out)
	case ls.proto == HTTP:
		resp, err = ParseHTTPResponse(out)
	default:
		resp, err = ParseRESTResponse(out, ls.def.BinaryMediaTypes, r.Header.Get("Accept"))
	}
	if err != nil {
		s.log.Info("malformed integration response", "api", ls.apiID, "stage", ls.name, "err", err)
		typ := "BAD_GATEWAY"
		if ls.proto == HTTP {
			typ = "INTEGRATION_FAILURE"
		}
		s.gatewayError(w, ls.def, ls.proto, typ, "")
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	if ls.proto == HTTP && ls.def.CORS != nil {
		applyCORS(h, r, ls.def.CORS)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

// gatewayError writes one of API Gateway's own responses with the
// type's default status.
func (s *Service) gatewayError(w http.ResponseWriter, def *Definition, proto Protocol, typ, message string) {
	s.gatewayErrorStatus(w, def, proto, typ, 0, message)
}

// httpAPIBodies are what HTTP APIs answer: lower-case "message" and
// plain HTTP status texts, unlike REST APIs.
var httpAPIBodies = map[int]string{
	http.StatusUnauthorized:          `{"message":"Unauthorized"}`,
	http.StatusForbidden:             `{"message":"Forbidden"}`,
	http.StatusNotFound:              `{"message":"Not Found"}`,
	http.StatusRequestEntityTooLarge: `{"message":"Request Entity Too Large"}`,
	http.StatusTooManyRequests:       `{"message":"Too Many Requests"}`,
	http.StatusServiceUnavailable:    `{"message":"Service Unavailable"}`,
}

// gatewayErrorStatus is gatewayError with an explicit status (0: the
// type's default), then the API's gateway responses (the type's own,
// else DEFAULT_4XX/DEFAULT_5XX) applied on top.
func (s *Service) gatewayErrorStatus(w http.ResponseWriter, def *Definition, proto Protocol, typ string, status int, message string) {
	d, ok := defaultResponses[typ]
	if !ok {
		d = defaultResponses["AUTHORIZER_FAILURE"]
	}
	if status == 0 {
		status = d.status
	}
	if message == "" {
		message = d.message
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.errMessage = message
	}
	var body string
	if proto == HTTP {
		switch typ {
		case "MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND":
			status = http.StatusNotFound
		case "INTEGRATION_TIMEOUT":
			// HTTP APIs answer a timed-out integration with 503.
			status = http.StatusServiceUnavailable
		}
		var ok bool
		if body, ok = httpAPIBodies[status]; !ok {
			body = `{"message":"Internal Server Error"}`
		}
	} else {
		body = `{"message":` + jsonStringOrNull(message) + `}`
		switch typ {
		case "ACCESS_DENIED":
			// REST's denials capitalize the key.
			body = `{"Message":` + jsonStringOrNull(message) + `}`
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
		case "BAD_GATEWAY", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT":
			body = `{"message": ` + jsonStringOrNull(message) + `}`
		case "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR":
			body = `{"message": null}`
		}
	}
	if def != nil {
		gr, ok := def.GatewayResponses[typ]
		if !ok {
			if status >= 500 {
				gr, ok = def.GatewayResponses["DEFAULT_5XX"]
			} else {
				gr, ok = def.GatewayResponses["DEFAULT_4XX"]
			}
		}
		if ok {
			for k, v := range gr.Headers {
				w.Header().Set(k, v)
			}
			if gr.Status != 0 {
				status = gr.Status
			}
			if gr.Body != "" {
				body = strings.ReplaceAll(gr.Body, "$context.error.messageString", jsonStringOrNull(message))
				body = strings.ReplaceAll(body, "$context.error.message", message)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if proto == REST && w.Header().Get("X-Amzn-Errortype") == "" {
		w.Header().Set("X-Amzn-Errortype", errorTypeHeader(typ))
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func errorTypeHeader(typ string) string {
	switch typ {
	case "MISSING_AUTHENTICATION_TOKEN":
		return "MissingAuthenticationTokenException"
	case "UNAUTHORIZED":
		return "UnauthorizedException"
	case "THROTTLED", "QUOTA_EXCEEDED":
		return "TooManyRequestsException"
	case "INVALID_API_KEY":
		return "ForbiddenException"
	case "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY":
		return "BadRequestException"
	case "INTEGRATION_TIMEOUT":
		return "InternalServerErrorException"
	}
	return "InternalServerErrorException"
}

func jsonStringOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return string(awsproto.AppendJSONString(nil, s))
}

// clientIP is the caller's address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// preflight answers an HTTP API CORS preflight from the configuration.
func (s *Service) preflight(w http.ResponseWriter, r *http.Request, c *CORSConfig) {
	h := w.Header()
	applyCORS(h, r, c)
	if h.Get("Access-Control-Allow-Origin") == "" {
		// A disallowed origin learns nothing of the configuration.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if len(c.AllowMethods) > 0 {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
	}
	if len(c.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
	}
	w.WriteHeader(http.StatusNoContent)
}

// applyCORS sets the response headers of an HTTP API's CORS
// configuration for an allowed origin (replacing the function's own).
func applyCORS(h http.Header, r *http.Request, c *CORSConfig) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	allowed := ""
	for _, o := range c.AllowOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			allowed = o
			if o == "*" && c.AllowCredentials {
				allowed = origin
			}
			break
		}
	}
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	if allowed == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowed)
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
}

// writeAccessLog writes one request's line to the stage's log group.
func (s *Service) writeAccessLog(al *accessLog, w *statusWriter, r *http.Request, apiID, stage, path string, start time.Time) {
	group := logGroupOf(al.DestinationARN)
	if group == "" {
		return
	}
	// $context.path is the path as the client sent it: with the stage,
	// except on an HTTP API's $default stage, which has no prefix.
	fullPath := path
	if stage != "" && stage != "$default" {
		fullPath = "/" + stage + path
	}
	rec := accessRecord{requestID: w.Header().Get("X-Amzn-Requestid"), apiID: apiID, stage: stage, method: r.Method, path: fullPath,
		protocol: r.Proto, sourceIP: clientIP(r), userAgent: r.UserAgent(), errMessage: w.errMessage, status: w.status, length: w.length,
		start: start, integration: w.integration, total: time.Since(start)}
	if w.route != nil {
		rec.resourcePath = w.route.Path
	}
	format := al.Format
	if format == "" {
		format = defaultAccessFormat
	}
	s.opts.AccessLogs.Put(group, apiID+"_"+stage, start, rec.render(format))
}
