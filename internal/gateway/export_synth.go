package gateway

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// synthesize writes a Definition as an OpenAPI 3.0.1 document with the
// x-amazon-apigateway-* extensions that import reads back to the same
// Definition, for an API that has no document of its own.
func synthesize(def *Definition) *node {
	root := objWith("openapi", strNode("3.0.1"))
	info := objWith("title", strNode(def.Title), "version", strNode(def.Version))
	if def.Description != "" {
		info.set("description", strNode(def.Description))
	}
	root.set("info", info)

	apiKeyScheme := "api_key"
	for def.Authorizers[apiKeyScheme] != nil {
		apiKeyScheme += "_"
	}
	paths, usesAPIKey := objNode(), false
	for _, r := range def.Routes {
		path := r.Path
		op := objNode()
		if path == "$default" {
			path = "/$default"
			op.set("isDefaultRoute", boolNode(true))
		}
		item := paths.get(path)
		if item == nil {
			item = objNode()
			paths.set(path, item)
		}
		if r.OperationName != "" {
			op.set("operationId", strNode(r.OperationName))
		}
		op.set("responses", objWith("200", objWith("description", strNode("200 response"))))
		sec := arrNode()
		for _, s := range r.Security {
			sec.vals = append(sec.vals, objWith(s.Name, strArrNode(s.Scopes)))
		}
		if r.APIKeyRequired {
			usesAPIKey = true
			sec.vals = append(sec.vals, objWith(apiKeyScheme, arrNode()))
		}
		if len(sec.vals) > 0 {
			op.set("security", sec)
		}
		op.set("x-amazon-apigateway-integration", synthIntegration(def.Protocol, r.Integration))
		item.set(methodKey(r.Method), op)
	}
	root.set("paths", repairPaths(paths, nil))

	schemes := objNode()
	for _, name := range slices.Sorted(maps.Keys(def.Authorizers)) {
		schemes.set(name, synthAuthorizer(def.Protocol, def.Authorizers[name]))
	}
	if usesAPIKey {
		schemes.set(apiKeyScheme, objWith("type", strNode("apiKey"), "name", strNode("x-api-key"), "in", strNode("header")))
	}
	if len(schemes.keys) > 0 {
		root.set("components", objWith("securitySchemes", schemes))
	}

	if len(def.BinaryMediaTypes) > 0 {
		root.set(extBinaryMediaTypes, strArrNode(def.BinaryMediaTypes))
	}
	if def.Protocol == REST && def.APIKeySource != "" {
		root.set(extAPIKeySource, strNode(def.APIKeySource))
	}
	if len(def.GatewayResponses) > 0 {
		root.set(extGatewayResponses, synthGatewayResponses(def.GatewayResponses))
	}
	if def.CORS != nil {
		root.set(extCORS, synthCORS(def.CORS))
	}
	return root
}

func synthIntegration(proto Protocol, in Integration) *node {
	x := objWith("type", strNode(in.Type))
	switch in.Type {
	case "aws_proxy":
		// The uri's region is the function's.
		region := "us-east-1"
		if p := strings.Split(in.FunctionARN, ":"); len(p) > 3 && p[3] != "" && !strings.Contains(p[3], "$") {
			region = p[3]
		}
		x.set("httpMethod", strNode("POST"))
		x.set("uri", strNode("arn:aws:apigateway:"+region+":lambda:path/2015-03-31/functions/"+in.FunctionARN+"/invocations"))
		if in.Timeout > 0 {
			x.set("timeoutInMillis", intNode(int(in.Timeout.Milliseconds())))
		}
		if in.PayloadFormatVersion != "" {
			x.set("payloadFormatVersion", strNode(in.PayloadFormatVersion))
		}
	case "mock":
		x.set("requestTemplates", objWith("application/json", strNode(`{"statusCode": 200}`)))
		if in.Mock != nil {
			resp := objWith("statusCode", strNode(strconv.Itoa(in.Mock.Status)))
			if len(in.Mock.Headers) > 0 {
				resp.set("responseParameters", quotedHeaders("method.response.header.", in.Mock.Headers))
			}
			if in.Mock.Body != "" {
				resp.set("responseTemplates", objWith("application/json", strNode(in.Mock.Body)))
			}
			x.set("responses", objWith("default", resp))
		}
	}
	return x
}

// quotedHeaders writes headers as API Gateway's static 'value' parameters.
func quotedHeaders(prefix string, headers map[string]string) *node {
	o := objNode()
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		o.set(prefix+k, strNode("'"+headers[k]+"'"))
	}
	return o
}

func synthAuthorizer(proto Protocol, a *Authorizer) *node {
	x := objWith("type", strNode(a.Type))
	s := objNode()
	switch a.Type {
	case AuthJWT:
		s = objWith("type", strNode("oauth2"), "flows", objNode())
		x.set("jwtConfiguration", objWith("issuer", strNode(a.Issuer), "audience", strArrNode(a.Audience)))
	case AuthCognito:
		x.set("providerARNs", strArrNode(a.ProviderARNs))
	case AuthToken, AuthRequest:
		x.set("authorizerUri", strNode(synthIntegration(proto, Integration{Type: "aws_proxy", FunctionARN: a.FunctionARN}).get("uri").text))
	}
	if s.get("type") == nil {
		// API Gateway's own exports show Lambda and Cognito authorizers
		// as apiKey schemes on the header they read.
		header := "Authorization"
		if len(a.IdentitySource) == 1 {
			if h, ok := strings.CutPrefix(a.IdentitySource[0], "method.request.header."); ok {
				header = h
			}
		}
		s = objWith("type", strNode("apiKey"), "name", strNode(header), "in", strNode("header"))
		authtype := "custom"
		if a.Type == AuthCognito {
			authtype = AuthCognito
		}
		s.set("x-amazon-apigateway-authtype", strNode(authtype))
	}
	if len(a.IdentitySource) > 0 {
		if proto == HTTP && a.Type == AuthRequest {
			x.set("identitySource", strArrNode(a.IdentitySource))
		} else {
			x.set("identitySource", strNode(strings.Join(a.IdentitySource, ", ")))
		}
	}
	if a.ValidationExpression != "" {
		x.set("identityValidationExpression", strNode(a.ValidationExpression))
	}
	if a.Type != AuthJWT {
		x.set("authorizerResultTtlInSeconds", intNode(int(a.TTL.Seconds())))
	}
	if proto == HTTP && a.Type == AuthRequest {
		x.set("authorizerPayloadFormatVersion", strNode(a.PayloadFormatVersion))
		x.set("enableSimpleResponses", boolNode(a.SimpleResponses))
	}
	s.set("x-amazon-apigateway-authorizer", x)
	return s
}

func synthGatewayResponses(grs map[string]GatewayResponse) *node {
	o := objNode()
	for _, t := range slices.Sorted(maps.Keys(grs)) {
		gr := grs[t]
		r := objNode()
		if gr.Status != 0 {
			r.set("statusCode", strNode(strconv.Itoa(gr.Status)))
		}
		if len(gr.Headers) > 0 {
			r.set("responseParameters", quotedHeaders("gatewayresponse.header.", gr.Headers))
		}
		if gr.Body != "" {
			r.set("responseTemplates", objWith("application/json", strNode(gr.Body)))
		}
		o.set(t, r)
	}
	return o
}

func synthCORS(c *CORSConfig) *node {
	o := objNode()
	for _, l := range []struct {
		key  string
		vals []string
	}{{"allowOrigins", c.AllowOrigins}, {"allowMethods", c.AllowMethods}, {"allowHeaders", c.AllowHeaders}, {"exposeHeaders", c.ExposeHeaders}} {
		if l.vals != nil {
			o.set(l.key, strArrNode(l.vals))
		}
	}
	if c.MaxAge != 0 {
		o.set("maxAge", intNode(c.MaxAge))
	}
	if c.AllowCredentials {
		o.set("allowCredentials", boolNode(true))
	}
	return o
}
