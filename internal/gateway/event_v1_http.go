package gateway

import "strconv"

// AppendHTTPEventV1 appends the Lambda proxy event an HTTP API sends an
// integration on payload format 1.0 (http-api-develop-integrations-
// lambda.md): the REST event's shape, so handlers written for REST APIs
// run unchanged, but with version "1.0", lower-cased header names (HTTP
// APIs lower-case every name), Content-Length kept, the route key as
// resourceId, resource "$default" for the default route, and
// requestContext.authorizer always present ({"claims":null,
// "scopes":null} when no authorizer ran, as AWS's example shows).
func AppendHTTPEventV1(dst []byte, ri *RequestInfo) []byte {
	var hb [headerBufLen]eventHeader
	hs := collectHeaders(hb[:0], ri, headersHTTPV1)
	var qb [queryBufLen]queryPair
	qs := parseQuery(qb[:0], ri.Req.URL.RawQuery)

	dst = append(dst, `{"version":"1.0","resource":`...)
	dst = appendJSON(dst, eventResourcePath(ri))
	dst = append(dst, `,"path":`...)
	dst = appendHTTPPath(dst, ri)
	dst = append(dst, `,"httpMethod":`...)
	dst = appendJSON(dst, ri.Req.Method)
	dst = appendHTTPV1Headers(dst, ri, hs)
	dst = appendRESTQuery(dst, qs)
	dst = append(dst, `,"requestContext":`...)
	dst = appendHTTPV1Context(dst, ri)
	dst = append(dst, `,"pathParameters":`...)
	dst = appendStringMap(dst, ri.PathParams)
	dst = append(dst, `,"stageVariables":`...)
	dst = appendStringMap(dst, ri.StageVariables)
	dst = append(dst, `,"body":`...)
	binary := false
	if len(ri.Body) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst, binary = appendHTTPBody(dst, ri)
	}
	dst = append(dst, `,"isBase64Encoded":`...)
	dst = strconv.AppendBool(dst, binary)
	return append(dst, '}')
}

// appendHTTPV1Headers appends headers (last value per name) and
// multiValueHeaders (every value), names lower-cased. hs is sorted
// without regard to case, so spellings of one name are adjacent and
// merge into one entry.
func appendHTTPV1Headers(dst []byte, ri *RequestInfo, hs []eventHeader) []byte {
	if len(hs) == 0 {
		return append(dst, `,"headers":null,"multiValueHeaders":null`...)
	}
	dst = append(dst, `,"headers":{`...)
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && compareHeaderFold(hs[j].name, hs[i].name) == 0 {
			j++
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendLowerJSONString(dst, hs[i].name)
		dst = append(dst, ':')
		dst = hs[j-1].appendLast(dst, ri)
		i = j
	}
	dst = append(dst, `},"multiValueHeaders":{`...)
	for i := 0; i < len(hs); {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendLowerJSONString(dst, hs[i].name)
		dst = append(dst, ':', '[')
		j := i
		for ; j < len(hs) && compareHeaderFold(hs[j].name, hs[i].name) == 0; j++ {
			if j > i {
				dst = append(dst, ',')
			}
			dst = hs[j].appendAll(dst, ri)
		}
		dst = append(dst, ']')
		i = j
	}
	return append(dst, '}')
}

// appendHTTPV1Context appends requestContext for payload 1.0 on an HTTP
// API: REST's members, with the route key where REST has a resource id
// and the path as the HTTP API received it.
func appendHTTPV1Context(dst []byte, ri *RequestInfo) []byte {
	dst = append(dst, `{"accountId":`...)
	dst = appendJSON(dst, ri.AccountID)
	dst = append(dst, `,"apiId":`...)
	dst = appendJSON(dst, ri.APIID)
	dst = append(dst, `,"authorizer":`...)
	switch a := ri.Authorizer; {
	case a == nil:
		dst = append(dst, `{"claims":null,"scopes":null}`...)
	case a.Lambda:
		dst = appendRESTAuthorizer(dst, a)
	default:
		dst = append(dst, `{"claims":`...)
		if a.Claims == nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendStringMap(dst, a.Claims)
		}
		dst = append(dst, `,"scopes":`...)
		if a.Scopes == nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendStringList(dst, a.Scopes)
		}
		dst = append(dst, '}')
	}
	dst = appendRequestIdentity(dst, ri, `""`)
	dst = append(dst, `,"path":`...)
	dst = appendHTTPPath(dst, ri)
	dst = append(dst, `,"protocol":`...)
	dst = appendJSON(dst, ri.Req.Proto)
	dst = append(dst, `,"requestId":`...)
	dst = appendJSON(dst, ri.RequestID)
	dst = append(dst, `,"requestTime":"`...)
	dst = appendCLFTime(dst, ri.Time)
	dst = append(dst, `","requestTimeEpoch":`...)
	dst = strconv.AppendInt(dst, ri.Time.UnixMilli(), 10)
	dst = append(dst, `,"resourceId":`...)
	dst = appendRouteKey(dst, ri)
	dst = append(dst, `,"resourcePath":`...)
	dst = appendJSON(dst, eventResourcePath(ri))
	dst = append(dst, `,"stage":`...)
	dst = appendJSON(dst, ri.Stage)
	return append(dst, '}')
}
