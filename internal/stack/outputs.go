package stack

import "regexp"

// awsInvokeURL is an API Gateway invoke URL as templates write them for
// AWS.
var awsInvokeURL = regexp.MustCompile(`^https://([a-z0-9]{1,32})\.execute-api\.[a-z0-9-]+\.amazonaws\.com(/.*)?$`)

// localOutput rewrites an AWS invoke URL of one of the stack's APIs into
// gatehouse's working URL for it; anything else stays as written.
func (e *Engine) localOutput(value string, resources map[string]*ResourceState) string {
	if e.opts.ExecuteAPIHost == "" {
		return value
	}
	m := awsInvokeURL.FindStringSubmatch(value)
	if m == nil {
		return value
	}
	for _, r := range resources {
		if (r.Type == "AWS::ApiGateway::RestApi" || r.Type == "AWS::ApiGatewayV2::Api") && r.PhysicalID == m[1] {
			return "http://" + m[1] + ".execute-api." + e.opts.ExecuteAPIHost + m[2]
		}
	}
	return value
}
