package gateway

import (
	"slices"
	"strings"
)

// API-wide x-amazon-apigateway-* extensions. Each belongs to one kind of
// API; on the other kind it is refused rather than ignored, because an
// author who wrote it expects it to act.
const (
	extBinaryMediaTypes = "x-amazon-apigateway-binary-media-types"
	extAPIKeySource     = "x-amazon-apigateway-api-key-source"
	extGatewayResponses = "x-amazon-apigateway-gateway-responses"
	extCORS             = "x-amazon-apigateway-cors"
)

// gatewayResponseTypes are API Gateway's GatewayResponseType values.
func gatewayResponseType(t string) bool {
	switch t {
	case "DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY", "ACCESS_DENIED",
		"AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE", "EXPIRED_TOKEN",
		"MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "API_CONFIGURATION_ERROR",
		"UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED",
		"QUOTA_EXCEEDED", "WAF_FILTERED":
		return true
	}
	return false
}

func (c *compiler) extensions(root at) error {
	restOnly := []string{extBinaryMediaTypes, extAPIKeySource, extGatewayResponses}
	for _, ext := range restOnly {
		if x := root.get(ext); c.proto == HTTP && !x.missing() {
			return x.errf("%s is for REST APIs; an HTTP API does not apply it", ext)
		}
	}
	if x := root.get(extCORS); c.proto == REST && !x.missing() {
		return x.errf("%s is for HTTP APIs; a REST API answers preflights with OPTIONS methods", extCORS)
	}
	if c.proto == HTTP {
		return c.cors(root.get(extCORS))
	}
	if err := c.binaryMediaTypes(root.get(extBinaryMediaTypes)); err != nil {
		return err
	}
	if err := c.apiKeySource(root.get(extAPIKeySource)); err != nil {
		return err
	}
	return c.gatewayResponses(root.get(extGatewayResponses))
}

func (c *compiler) binaryMediaTypes(x at) error {
	types, err := x.strings()
	if err != nil {
		return err
	}
	for i, t := range types {
		if !strings.Contains(t, "/") {
			return x.index(i).errf("%q is not a media type (type/subtype)", t)
		}
	}
	c.def.BinaryMediaTypes = types
	return nil
}

func (c *compiler) apiKeySource(x at) error {
	c.def.APIKeySource = "HEADER"
	src, ok, err := x.str()
	if err != nil || !ok {
		return err
	}
	switch s := strings.ToUpper(src); s {
	case "HEADER", "AUTHORIZER":
		c.def.APIKeySource = s
		return nil
	}
	return x.errf("the API key source must be HEADER or AUTHORIZER, found %q", src)
}

func (c *compiler) gatewayResponses(x at) error {
	if err := x.object(); err != nil || x.missing() {
		return err
	}
	return x.members(func(typ string, r at) error {
		if !gatewayResponseType(typ) {
			return r.errf("%q is not a gateway response type (DEFAULT_4XX, UNAUTHORIZED, …)", typ)
		}
		if err := r.object(); err != nil {
			return err
		}
		var gr GatewayResponse
		sc := r.get("statusCode")
		status, ok, err := sc.integer()
		switch {
		case err != nil:
			return err
		case ok && (status < 100 || status > 599):
			return sc.errf("statusCode must be an HTTP status (100-599), found %d", status)
		}
		gr.Status = status
		if gr.Headers, err = staticHeaders(r.get("responseParameters"), "gatewayresponse.header."); err != nil {
			return err
		}
		// Gateway response templates keep their $context variables: the
		// gateway fills them when it answers.
		if gr.Body, err = jsonTemplate(r.get("responseTemplates")); err != nil {
			return err
		}
		if c.def.GatewayResponses == nil {
			c.def.GatewayResponses = map[string]GatewayResponse{}
		}
		c.def.GatewayResponses[typ] = gr
		return nil
	})
}

func (c *compiler) cors(x at) error {
	if err := x.object(); err != nil || x.missing() {
		return err
	}
	cors := &CORSConfig{}
	lists := map[string]*[]string{
		"allowOrigins": &cors.AllowOrigins, "allowMethods": &cors.AllowMethods,
		"allowHeaders": &cors.AllowHeaders, "exposeHeaders": &cors.ExposeHeaders,
	}
	err := x.members(func(key string, v at) error {
		var err error
		switch key {
		case "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders":
			*lists[key], err = v.strings()
		case "maxAge":
			var ok bool
			cors.MaxAge, ok, err = v.integer()
			if ok && (cors.MaxAge < -1 || cors.MaxAge > 86400) {
				return v.errf("maxAge must be between -1 and 86400, found %d", cors.MaxAge)
			}
		case "allowCredentials":
			cors.AllowCredentials, _, err = v.boolean()
		default:
			return v.errf("%q is not a CORS setting (allowOrigins, allowMethods, allowHeaders, exposeHeaders, maxAge, allowCredentials)", key)
		}
		return err
	})
	if err != nil {
		return err
	}
	if cors.AllowCredentials && slices.Contains(cors.AllowOrigins, "*") {
		return x.get("allowCredentials").errf("allowCredentials cannot be true when allowOrigins is *")
	}
	c.def.CORS = cors
	return nil
}
