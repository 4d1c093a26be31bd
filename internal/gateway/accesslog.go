package gateway

import (
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// AccessLogSink receives access log lines (the logs service's Put).
type AccessLogSink interface {
	Put(group, stream string, t time.Time, msg []byte)
}

// accessLog is a stage's access log settings.
type accessLog struct {
	DestinationARN string `json:"destinationArn"`
	Format         string `json:"format,omitempty"`
}

// defaultAccessFormat is what gatehouse logs when a stage names a
// destination but no format: the fields AWS's console suggests for JSON.
const defaultAccessFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",` +
	`"httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status",` +
	`"protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency",` +
	`"responseLatency":"$context.responseLatency","apiId":"$context.apiId","stage":"$context.stage","error":"$context.error.message"}`

// logGroupOf reads the log group name from
// arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*].
func logGroupOf(arn string) string {
	_, name, ok := strings.Cut(arn, ":log-group:")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(name, ":*")
}

// accessRecord is what one request's log line can say.
type accessRecord struct {
	requestID, apiID, stage, method, resourcePath, path, protocol, sourceIP, userAgent, errMessage string
	status, length                                                                                 int
	start                                                                                          time.Time
	integration, total                                                                             time.Duration
}

// render fills a format's $context variables (values JSON-escaped, for
// the JSON formats people write; unknown variables become "-", as AWS).
func (a *accessRecord) render(format string) []byte {
	out := make([]byte, 0, len(format)+128)
	for i := 0; i < len(format); {
		j := strings.Index(format[i:], "$context.")
		if j < 0 {
			out = append(out, format[i:]...)
			break
		}
		out = append(out, format[i:i+j]...)
		i += j + len("$context.")
		k := i
		for k < len(format) && (format[k] == '.' || format[k] == '_' || format[k] >= 'a' && format[k] <= 'z' || format[k] >= 'A' && format[k] <= 'Z' || format[k] >= '0' && format[k] <= '9') {
			k++
		}
		name := strings.TrimRight(format[i:k], ".")
		k = i + len(name)
		out = appendEscaped(out, a.value(name))
		i = k
	}
	return out
}

func appendEscaped(dst []byte, s string) []byte {
	q := awsproto.AppendJSONString(nil, s)
	return append(dst, q[1:len(q)-1]...)
}

func (a *accessRecord) value(name string) string {
	switch name {
	case "requestId", "extendedRequestId":
		return a.requestID
	case "apiId":
		return a.apiID
	case "stage":
		return a.stage
	case "httpMethod":
		return a.method
	case "resourcePath", "routeKey":
		return a.resourcePath
	case "path":
		return a.path
	case "protocol":
		return a.protocol
	case "identity.sourceIp":
		return a.sourceIP
	case "identity.userAgent":
		return a.userAgent
	case "status":
		return strconv.Itoa(a.status)
	case "responseLength":
		return strconv.Itoa(a.length)
	case "requestTime":
		return a.start.UTC().Format("02/Jan/2006:15:04:05 -0700")
	case "requestTimeEpoch":
		return strconv.FormatInt(a.start.UnixMilli(), 10)
	case "integrationLatency", "integration.latency":
		return strconv.FormatInt(a.integration.Milliseconds(), 10)
	case "responseLatency":
		return strconv.FormatInt(a.total.Milliseconds(), 10)
	case "error.message", "error.messageString":
		if a.errMessage == "" {
			return "-"
		}
		return a.errMessage
	}
	return "-"
}
