// Package gateway is gatehouse's API Gateway: REST (v1) and HTTP (v2)
// APIs defined by OpenAPI documents with the x-amazon-apigateway-*
// extensions, routed to functions with Lambda proxy events, and guarded
// by authorizers that are actually enforced (Cognito user pools, JWT,
// Lambda TOKEN/REQUEST), with API Gateway's own error responses.
package gateway
