package gateway

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// AppendHTTPAuthorizerEvent is an HTTP API Lambda authorizer's event in
// payload format 2.0: the request's 2.0 event without its body, plus
// type REQUEST, the routeArn and the identity source values.
func AppendHTTPAuthorizerEvent(dst []byte, ri *RequestInfo, auth *Authorizer, routeARN string) []byte {
	bodiless := *ri
	bodiless.Body = nil
	ev := AppendHTTPEvent(nil, &bodiless)
	dst = append(dst, `{"type":"REQUEST","routeArn":`...)
	dst = awsproto.AppendJSONString(dst, routeARN)
	dst = append(dst, `,"identitySource":[`...)
	n := 0
	for _, src := range auth.IdentitySource {
		for _, one := range strings.Split(src, ",") {
			v := identityValue(ri, strings.TrimSpace(one))
			if v == "" {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = awsproto.AppendJSONString(dst, v)
			n++
		}
	}
	dst = append(dst, "],"...)
	if len(ev) > 1 {
		dst = append(dst, ev[1:]...) // the 2.0 event's fields, after its '{'
	} else {
		dst = append(dst[:len(dst)-1], '}')
	}
	return dst
}

// identityValue reads one HTTP API identity source from the request.
func identityValue(ri *RequestInfo, src string) string {
	switch {
	case strings.HasPrefix(src, "$request.header."):
		return ri.Req.Header.Get(strings.TrimPrefix(src, "$request.header."))
	case strings.HasPrefix(src, "$request.querystring."):
		return ri.Req.URL.Query().Get(strings.TrimPrefix(src, "$request.querystring."))
	case strings.HasPrefix(src, "$stageVariables."):
		return ri.StageVariables[strings.TrimPrefix(src, "$stageVariables.")]
	case src == "$context.routeKey" && ri.Route != nil:
		if ri.Route.Path == "$default" {
			return "$default"
		}
		return ri.Route.Method + " " + ri.Route.Path
	case src == "$context.stage":
		return ri.Stage
	case src == "$context.apiId":
		return ri.APIID
	case src == "$context.httpMethod" || src == "$context.http.method":
		return ri.Req.Method
	}
	return ""
}
