package sam

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

type refusal struct {
	name string
	src  string
	doc  map[string]any // used instead of src when set
	path []string
	msg  string
}

func runRefusals(t *testing.T, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc
			if doc == nil {
				doc = parseYAML(t, tc.src)
			}
			e := transformErr(t, doc)
			t.Log(e)
			if tc.path != nil && !reflect.DeepEqual(e.Path, tc.path) {
				t.Errorf("path %v, want %v (%s)", e.Path, tc.path, e.Msg)
			}
			if !strings.Contains(e.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", e.Error(), tc.msg)
			}
		})
	}
}

// withEvent is a function whose event E is props (a YAML flow map).
func withEvent(typ, props string) string {
	return header + fn("Fn", "      Events:\n        E:\n          Type: "+typ+"\n          Properties: "+props+"\n")
}

func ev(keys ...string) []string {
	return append([]string{"Resources", "Fn", "Properties", "Events", "E"}, keys...)
}

func TestRefusedResourcesAndProperties(t *testing.T) {
	var cases []refusal
	for _, typ := range []string{"StateMachine", "SimpleTable", "LayerVersion", "Application", "GraphQLApi", "WebSocketApi", "Connector"} {
		cases = append(cases, refusal{
			name: typ, src: header + "  X:\n    Type: AWS::Serverless::" + typ + "\n",
			path: []string{"Resources", "X", "Type"}, msg: "AWS::Serverless::" + typ + " is not supported by gatehouse",
		})
	}
	for _, typ := range []string{"S3", "SQS", "Schedule", "SNS", "Kinesis", "DynamoDB", "EventBridgeRule", "Cognito"} {
		cases = append(cases, refusal{
			name: "event " + typ, src: withEvent(typ, "{}"),
			path: ev("Type"), msg: "event type " + typ + " is not supported by gatehouse",
		})
	}
	for prop, val := range map[string]string{
		"AutoPublishAlias": "live", "DeploymentPreference": "{Type: AllAtOnce}", "ImageUri": "repo:tag",
		"Layers": "[arn:aws:lambda:us-east-1:1:layer:x:1]", "DeadLetterQueue": "{Type: SQS, TargetArn: x}",
		"FunctionUrlConfig": "{AuthType: NONE}", "EventInvokeConfig": "{MaximumRetryAttempts: 0}",
		"ProvisionedConcurrencyConfig": "{ProvisionedConcurrentExecutions: 1}", "FileSystemConfigs": "[]",
		"LoggingConfig": "{LogFormat: JSON}", "SnapStartX": "1",
	} {
		want := prop + " "
		if prop == "SnapStartX" {
			want = "SnapStartX is not a property of AWS::Serverless::Function"
		} else {
			want += "("
		}
		cases = append(cases, refusal{
			name: prop, src: header + fn("Fn", "      "+prop+": "+val+"\n"),
			path: []string{"Resources", "Fn", "Properties", prop}, msg: want,
		})
	}
	cases = append(cases, []refusal{
		{name: "PackageType Image", src: header + fn("Fn", "      PackageType: Image\n"),
			path: []string{"Resources", "Fn", "Properties", "PackageType"}, msg: "PackageType Image"},
		{name: "code in S3", src: header + "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: s3://b/k, Handler: h, Runtime: python3.12}\n",
			path: []string{"Resources", "Fn", "Properties", "CodeUri"}, msg: "code in S3"},
		{name: "code as Bucket/Key", src: header + "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: {Bucket: b, Key: k}, Handler: h, Runtime: python3.12}\n",
			path: []string{"Resources", "Fn", "Properties", "CodeUri"}, msg: "code in S3"},
		{name: "no code", src: header + "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: h, Runtime: python3.12}\n",
			path: []string{"Resources", "Fn", "Properties"}, msg: "needs CodeUri"},
		{name: "no handler", src: header + "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: x, Runtime: python3.12}\n",
			msg: "Runtime and Handler are required"},
		{name: "Layers from Globals", src: "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Layers: [x]\nResources:\n" + fn("Fn", ""),
			path: []string{"Globals", "Function", "Layers"}, msg: "Layers"},
		{name: "Role chosen by Fn::If", src: header + fn("Fn", "      Role: !If [C, a, !Ref AWS::NoValue]\n"),
			path: []string{"Resources", "Fn", "Properties", "Role"}, msg: "Fn::If"},
		{name: "reserved tag", src: header + fn("Fn", "      Tags: {\"lambda:createdBy\": me}\n"),
			path: []string{"Resources", "Fn", "Properties", "Tags", "lambda:createdBy"}, msg: "reserved"},
		{name: "DefinitionUri", src: header + "  Api:\n    Type: AWS::Serverless::Api\n    Properties: {StageName: s, DefinitionUri: ./api.yaml}\n",
			path: []string{"Resources", "Api", "Properties", "DefinitionUri"}, msg: "DefinitionUri"},
		{name: "HttpApi DefinitionUri", src: header + "  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties: {DefinitionUri: ./api.yaml}\n",
			path: []string{"Resources", "Api", "Properties", "DefinitionUri"}, msg: "DefinitionUri"},
		{name: "Domain", src: header + "  Api:\n    Type: AWS::Serverless::Api\n    Properties: {StageName: s, Domain: {DomainName: a.example, CertificateArn: c}}\n",
			path: []string{"Resources", "Api", "Properties", "Domain"}, msg: "custom domain"},
		{name: "CanarySetting", src: header + "  Api:\n    Type: AWS::Serverless::Api\n    Properties: {StageName: s, CanarySetting: {PercentTraffic: 10}}\n",
			msg: "canary"},
		{name: "StageName missing", src: header + "  Api:\n    Type: AWS::Serverless::Api\n    Properties: {}\n",
			path: []string{"Resources", "Api", "Properties"}, msg: "StageName is required"},
		{name: "Connectors", src: header + "  Fn:\n    Type: AWS::Serverless::Function\n    Connectors: {}\n    Properties: {CodeUri: x, Handler: h, Runtime: python3.12}\n",
			path: []string{"Resources", "Fn", "Connectors"}, msg: "Connectors"},
		{name: "other transform", src: "Transform: [AWS::Serverless-2016-10-31, AWS::LanguageExtensions]\nResources:\n" + fn("Fn", ""),
			path: []string{"Transform", "1"}, msg: "AWS::LanguageExtensions"},
		{name: "Transform a number", src: "Transform: 3\nResources: {}\n", path: []string{"Transform"}, msg: "must be a transform name"},
		{name: "unknown Globals section", src: "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Functions: {}\nResources:\n" + fn("Fn", ""),
			path: []string{"Globals", "Functions"}, msg: "not a Globals section"},
		{name: "Globals property the section lacks", src: "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Api:\n    StageName: v1\nResources:\n" + fn("Fn", ""),
			path: []string{"Globals", "Api", "StageName"}, msg: "not a supported property"},
		{name: "IgnoreGlobals unknown", src: "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function: {Timeout: 3}\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    IgnoreGlobals: [Runtime]\n    Properties: {CodeUri: x, Handler: h, Runtime: python3.12}\n",
			path: []string{"Resources", "Fn", "IgnoreGlobals", "0"}, msg: "Runtime is not set"},
		{name: "Condition with API events", src: "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Condition: C\n    Properties:\n      CodeUri: x\n      Handler: h\n      Runtime: python3.12\n      Events: {E: {Type: Api, Properties: {Path: /, Method: get}}}\n",
			path: []string{"Resources", "Fn", "Condition"}, msg: "Condition on a function with Api or HttpApi events"},
	}...)
	runRefusals(t, cases)
}

func TestRefusedAuth(t *testing.T) {
	api := func(auth string) string {
		return header + "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      Auth: " + auth + "\n" +
			fn("Fn", "      Events:\n        E:\n          Type: Api\n          Properties: {RestApiId: !Ref Api, Path: /, Method: get}\n")
	}
	apiAuth := func(keys ...string) []string {
		return append([]string{"Resources", "Api", "Properties", "Auth"}, keys...)
	}
	runRefusals(t, []refusal{
		{name: "IAM default authorizer", src: api("{DefaultAuthorizer: AWS_IAM}"), path: apiAuth("DefaultAuthorizer"), msg: "IAM (AWS_IAM) authorization is not supported by gatehouse"},
		{name: "resource policy", src: api("{ResourcePolicy: {IpRangeWhitelist: [1.2.3.4]}}"), path: apiAuth("ResourcePolicy"), msg: "ResourcePolicy"},
		{name: "invoke role", src: api("{InvokeRole: CALLER_CREDENTIALS}"), path: apiAuth("InvokeRole"), msg: "InvokeRole"},
		{name: "unknown Auth key", src: api("{Authorisers: {}}"), path: apiAuth("Authorisers"), msg: "not a property"},
		{name: "default not defined", src: api("{DefaultAuthorizer: X, Authorizers: {Y: {UserPoolArn: a}}}"), path: apiAuth("DefaultAuthorizer"), msg: "X is not defined"},
		{name: "default without authorizers", src: api("{DefaultAuthorizer: X}"), path: apiAuth("DefaultAuthorizer"), msg: "X is not defined"},
		{name: "authorizer of no kind", src: api("{Authorizers: {Y: {Identity: {Header: h}}}}"), path: apiAuth("Authorizers", "Y"), msg: "UserPoolArn"},
		{name: "bad payload type", src: api("{Authorizers: {Y: {FunctionArn: a, FunctionPayloadType: BODY}}}"), path: apiAuth("Authorizers", "Y", "FunctionPayloadType"), msg: "TOKEN or REQUEST"},
		{name: "REQUEST without sources", src: api("{Authorizers: {Y: {FunctionArn: a, FunctionPayloadType: REQUEST}}}"), path: apiAuth("Authorizers", "Y", "Identity"), msg: "at least one of Headers"},
		{name: "usage plan mode", src: api("{UsagePlan: {CreateUsagePlan: ALL}}"), path: apiAuth("UsagePlan", "CreateUsagePlan"), msg: "PER_API, SHARED or NONE"},
		{name: "usage plan without mode", src: api("{UsagePlan: {}}"), path: apiAuth("UsagePlan"), msg: "CreateUsagePlan is required"},
		{name: "event IAM", src: withEvent("Api", "{Path: /, Method: get, Auth: {Authorizer: AWS_IAM}}"), path: ev("Properties", "Auth", "Authorizer"), msg: "IAM (AWS_IAM)"},
		{name: "event resource policy", src: withEvent("Api", "{Path: /, Method: get, Auth: {ResourcePolicy: {}}}"), path: ev("Properties", "Auth", "ResourcePolicy"), msg: "ResourcePolicy"},
		{name: "event authorizer undefined", src: withEvent("Api", "{Path: /, Method: get, Auth: {Authorizer: Nope}}"), path: ev("Properties", "Auth", "Authorizer"), msg: "does not define any Authorizers"},
		{name: "event NONE without default", src: withEvent("Api", "{Path: /, Method: get, Auth: {Authorizer: NONE}}"), path: ev("Properties", "Auth", "Authorizer"), msg: "NONE is only valid"},
		{name: "scopes without authorizer", src: withEvent("Api", "{Path: /, Method: get, Auth: {AuthorizationScopes: [a]}}"), path: ev("Properties", "Auth", "AuthorizationScopes"), msg: "only when Authorizer is set"},
		{name: "ApiKeyRequired false without API keys", src: withEvent("Api", "{Path: /, Method: get, Auth: {ApiKeyRequired: false}}"), path: ev("Properties", "Auth", "ApiKeyRequired"), msg: "does not require API keys"},
		{name: "ValidateBody a string", src: withEvent("Api", "{Path: /, Method: post, RequestModel: {Model: M, ValidateBody: \"true\"}}"), path: ev("Properties", "RequestModel", "ValidateBody"), msg: "must be true or false"},
		{name: "ValidateParameters an intrinsic", src: withEvent("Api", "{Path: /, Method: post, RequestModel: {Model: M, ValidateParameters: !Ref P}}"), path: ev("Properties", "RequestModel", "ValidateParameters"), msg: "must be true or false"},
		{name: "RequestModel unknown key", src: withEvent("Api", "{Path: /, Method: post, RequestModel: {Model: M, Validate: true}}"), path: ev("Properties", "RequestModel", "Validate"), msg: "not a property"},
		{name: "request model without models", src: withEvent("Api", "{Path: /, Method: post, RequestModel: {Model: M}}"), path: ev("Properties", "RequestModel", "Model"), msg: "does not define any Models"},
		{name: "response streaming", src: withEvent("Api", "{Path: /, Method: get, ResponseTransferMode: RESPONSE_STREAM}"), path: ev("Properties", "ResponseTransferMode"), msg: "response streaming"},
		{name: "HttpApi IAM", src: withEvent("HttpApi", "{Path: /, Method: get, Auth: {Authorizer: AWS_IAM}}"), path: ev("Properties", "Auth", "Authorizer"), msg: "IAM (AWS_IAM)"},
		{name: "HttpApi auth without any authorizer", src: withEvent("HttpApi", "{Path: /, Method: get, Auth: {AuthorizationScopes: [a]}}"), path: ev("Properties", "Auth"), msg: "needs an Authorizer"},
		{name: "HttpApi EnableIamAuthorizer", src: header + "  H:\n    Type: AWS::Serverless::HttpApi\n    Properties: {Auth: {EnableIamAuthorizer: true}}\n",
			path: []string{"Resources", "H", "Properties", "Auth", "EnableIamAuthorizer"}, msg: "IAM"},
		{name: "JWT without IdentitySource", src: header + "  H:\n    Type: AWS::Serverless::HttpApi\n    Properties: {Auth: {Authorizers: {J: {JwtConfiguration: {issuer: i}}}}}\n",
			path: []string{"Resources", "H", "Properties", "Auth", "Authorizers", "J"}, msg: "IdentitySource"},
		{name: "JWT with Lambda properties", src: header + "  H:\n    Type: AWS::Serverless::HttpApi\n    Properties: {Auth: {Authorizers: {J: {JwtConfiguration: {issuer: i}, IdentitySource: s, FunctionArn: f}}}}\n",
			path: []string{"Resources", "H", "Properties", "Auth", "Authorizers", "J", "FunctionArn"}, msg: "only for Lambda authorizers"},
		{name: "Lambda authorizer without version", src: header + "  H:\n    Type: AWS::Serverless::HttpApi\n    Properties: {Auth: {Authorizers: {L: {FunctionArn: f}}}}\n",
			path: []string{"Resources", "H", "Properties", "Auth", "Authorizers", "L"}, msg: "AuthorizerPayloadFormatVersion"},
		{name: "Cognito authorizer on an HttpApi", src: header + "  H:\n    Type: AWS::Serverless::HttpApi\n    Properties: {Auth: {Authorizers: {C: {UserPoolArn: a}}}}\n",
			path: []string{"Resources", "H", "Properties", "Auth", "Authorizers", "C", "UserPoolArn"}, msg: "JWT authorizer"},
	})
}

// TestWrongTypes: a value of the wrong type anywhere is an *Error at its
// path, never a panic.
func TestWrongTypes(t *testing.T) {
	runRefusals(t, []refusal{
		{name: "Resources a list", src: "Transform: AWS::Serverless-2016-10-31\nResources: [a]\n", path: []string{"Resources"}, msg: "must be a map"},
		{name: "no Resources", src: "Transform: AWS::Serverless-2016-10-31\n", path: []string{"Resources"}, msg: "at least one resource"},
		{name: "resource a string", src: header + "  X: hello\n", path: []string{"Resources", "X"}, msg: "must be a map"},
		{name: "Type missing", src: header + "  X: {Properties: {}}\n", path: []string{"Resources", "X"}, msg: "no Type"},
		{name: "Type a number", src: header + "  X: {Type: 5}\n", path: []string{"Resources", "X", "Type"}, msg: "must be a string"},
		{name: "Properties a list", src: header + "  X: {Type: AWS::Serverless::Function, Properties: [1]}\n", path: []string{"Resources", "X", "Properties"}, msg: "must be a map"},
		{name: "Events a list", src: header + fn("Fn", "      Events: [a]\n"), path: []string{"Resources", "Fn", "Properties", "Events"}, msg: "must be a map"},
		{name: "event a string", src: header + fn("Fn", "      Events: {E: x}\n"), path: ev(), msg: "must be a map"},
		{name: "event without Type", src: header + fn("Fn", "      Events: {E: {Properties: {}}}\n"), path: ev(), msg: "no Type"},
		{name: "event Properties a number", src: withEvent("Api", "7"), path: ev("Properties"), msg: "must be a map"},
		{name: "Api event without Properties", src: header + fn("Fn", "      Events: {E: {Type: Api}}\n"), path: ev(), msg: "needs Properties"},
		{name: "Path a number", src: withEvent("Api", "{Path: 5, Method: get}"), path: ev("Properties", "Path"), msg: "must be a string"},
		{name: "Method missing", src: withEvent("Api", "{Path: /}"), path: ev("Properties"), msg: "Method is required"},
		{name: "HttpApi Path a list", src: withEvent("HttpApi", "{Path: [a], Method: get}"), path: ev("Properties", "Path"), msg: "must be a string"},
		{name: "RestApiId GetAtt", src: withEvent("Api", "{Path: /, Method: get, RestApiId: !GetAtt A.RootResourceId}"), path: ev("Properties", "RestApiId"), msg: "must reference"},
		{name: "RestApiId missing", src: withEvent("Api", "{Path: /, Method: get, RestApiId: !Ref Nope}"), path: ev("Properties", "RestApiId"), msg: "no resource Nope"},
		{name: "RestApiId an HttpApi", src: withEvent("Api", "{Path: /, Method: get, RestApiId: !Ref H}") + "  H: {Type: AWS::Serverless::HttpApi}\n",
			path: ev("Properties", "RestApiId"), msg: "H is an AWS::Serverless::HttpApi"},
		{name: "ApiId a REST API", src: withEvent("HttpApi", "{Path: /, Method: get, ApiId: !Ref A}") + "  A: {Type: AWS::Serverless::Api, Properties: {StageName: s}}\n",
			path: ev("Properties", "ApiId"), msg: "A is an AWS::Serverless::Api"},
		{name: "Auth a string", src: withEvent("Api", "{Path: /, Method: get, Auth: x}"), path: ev("Properties", "Auth"), msg: "must be a map"},
		{name: "RouteSettings a list", src: withEvent("HttpApi", "{RouteSettings: [1]}"), path: ev("Properties", "RouteSettings"), msg: "must be a map"},
		{name: "RequestParameters a map", src: withEvent("Api", "{Path: /, Method: get, RequestParameters: {a: b}}"), path: ev("Properties", "RequestParameters"), msg: "must be a list"},
		{name: "RequestParameters badly named", src: withEvent("Api", "{Path: /, Method: get, RequestParameters: [x-trace]}"), path: ev("Properties", "RequestParameters", "0"), msg: "method.request"},
		{name: "Cors a number", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Cors: 5}}\n",
			path: []string{"Resources", "Api", "Properties", "Cors"}, msg: "must be an origin string or a map"},
		{name: "Cors unknown key", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Cors: {AllowOrigins: x}}}\n",
			path: []string{"Resources", "Api", "Properties", "Cors", "AllowOrigins"}, msg: "not a property of Cors"},
		{name: "Cors credentials with *", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Cors: {AllowCredentials: true}}}\n",
			path: []string{"Resources", "Api", "Properties", "Cors"}, msg: "AllowCredentials cannot be true"},
		{name: "Cors MaxAge a number", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Cors: {MaxAge: 60}}}\n",
			path: []string{"Resources", "Api", "Properties", "Cors", "MaxAge"}, msg: "quoted string"},
		{name: "CorsConfiguration a string", src: header + "  H: {Type: AWS::Serverless::HttpApi, Properties: {CorsConfiguration: \"*\"}}\n",
			path: []string{"Resources", "H", "Properties", "CorsConfiguration"}, msg: "must be true or a map"},
		{name: "Cors from Globals", src: "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Api:\n    Cors: [x]\nResources:\n  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s}}\n",
			path: []string{"Globals", "Api", "Cors"}, msg: "must be an origin string or a map"},
		{name: "StageName a list", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: [a]}}\n",
			path: []string{"Resources", "Api", "Properties", "StageName"}, msg: "must be a string"},
		{name: "empty StageName", src: withEvent("Api", "{Path: /, Method: get, RestApiId: !Ref A}") + "  A: {Type: AWS::Serverless::Api, Properties: {StageName: \"\"}}\n",
			path: []string{"Resources", "A", "Properties", "StageName"}, msg: "cannot be empty"},
		{name: "DefinitionBody a string", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, DefinitionBody: x}}\n",
			path: []string{"Resources", "Api", "Properties", "DefinitionBody"}, msg: "inline"},
		{name: "DefinitionBody paths a list", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Cors: \"'*'\", DefinitionBody: {swagger: \"2.0\", paths: []}}}\n",
			path: []string{"Resources", "Api", "Properties", "Cors"}, msg: "valid Swagger"},
		{name: "path item a string", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Cors: \"'*'\", DefinitionBody: {swagger: \"2.0\", paths: {/a: x}}}}\n",
			path: []string{"Resources", "Api", "Properties", "DefinitionBody", "paths", "/a"}, msg: "must be a map"},
		{name: "GatewayResponses a list", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, GatewayResponses: [1]}}\n",
			path: []string{"Resources", "Api", "Properties", "GatewayResponses"}, msg: "must be a map"},
		{name: "StatusCode not numeric", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, GatewayResponses: {DEFAULT_4XX: {StatusCode: abc}}}}\n",
			path: []string{"Resources", "Api", "Properties", "GatewayResponses", "DEFAULT_4XX", "StatusCode"}, msg: "numeric"},
		{name: "model without type", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Models: {M: {properties: {}}}}}\n",
			path: []string{"Resources", "Api", "Properties", "Models", "M"}, msg: "no type"},
		{name: "Environment a list", src: header + fn("Fn", "      Environment: [a]\n"), path: []string{"Resources", "Fn", "Properties", "Environment"}, msg: "must be a map"},
		{name: "Policies a number", src: header + fn("Fn", "      Policies: [5]\n"), path: []string{"Resources", "Fn", "Properties", "Policies", "0"}, msg: "a policy must be"},
		{name: "Globals a list", src: "Transform: AWS::Serverless-2016-10-31\nGlobals: [1]\nResources:\n" + fn("Fn", ""), path: []string{"Globals"}, msg: "must be a map"},
		{name: "DependsOn a map", src: header + "  Fn:\n    Type: AWS::Serverless::Function\n    DependsOn: {a: b}\n    Properties: {CodeUri: x, Handler: h, Runtime: python3.12}\n",
			path: []string{"Resources", "Fn", "DependsOn"}, msg: "logical ID"},
		{name: "event name with a dash", src: header + fn("Fn", "      Events: {Get-Items: {Type: Api, Properties: {Path: /, Method: get}}}\n"),
			path: []string{"Resources", "Fn", "Properties", "Events", "Get-Items"}, msg: "alphanumeric"},
		{name: "SAM resource name with a dash", src: header + "  My-Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x, Handler: h, Runtime: python3.12}}\n",
			path: []string{"Resources", "My-Fn"}, msg: "alphanumeric"},
		{name: "Go type the parser never makes", doc: map[string]any{"Transform": samTransform, "Resources": map[string]any{"X": map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]string{"a": "b"}}}},
			path: []string{"Resources", "X", "Properties"}, msg: "Go type map[string]string"},
	})
}

func TestCollisions(t *testing.T) {
	runRefusals(t, []refusal{
		{name: "a resource named like the generated role", src: header + fn("Fn", "") + "  FnRole: {Type: AWS::SNS::Topic}\n",
			path: []string{"Resources", "Fn"}, msg: "already has a resource FnRole"},
		{name: "a resource named ServerlessRestApi", src: withEvent("Api", "{Path: /, Method: get}") + "  ServerlessRestApi: {Type: AWS::SNS::Topic}\n",
			path: []string{"Resources", "ServerlessRestApi"}, msg: "logical ID SAM gives the API of events that name no API"},
		{name: "a SAM Api named ServerlessHttpApi", src: withEvent("HttpApi", "{}") + "  ServerlessHttpApi: {Type: AWS::Serverless::HttpApi}\n",
			path: []string{"Resources", "ServerlessHttpApi"}, msg: "rename this resource"},
		{name: "two functions generating one permission", src: header +
			fn("A", "      Events:\n        BC:\n          Type: Api\n          Properties: {Path: /x, Method: get}\n") +
			fn("AB", "      Events:\n        C:\n          Type: Api\n          Properties: {Path: /y, Method: get}\n"),
			path: []string{"Resources", "AB", "Properties", "Events", "C"}, msg: "ABCPermissionProd, which A also generates"},
		{name: "a route defined twice", src: header +
			fn("A", "      Events:\n        E:\n          Type: Api\n          Properties: {Path: /x, Method: GET}\n") +
			fn("B", "      Events:\n        E:\n          Type: Api\n          Properties: {Path: /x, Method: get}\n"),
			path: []string{"Resources", "B", "Properties", "Events", "E"}, msg: `API method "get" defined multiple times for path "/x"`},
		{name: "an HTTP route defined twice", src: header +
			fn("A", "      Events:\n        E:\n          Type: HttpApi\n          Properties: {Path: /x, Method: get}\n        F:\n          Type: HttpApi\n          Properties: {Path: /x, Method: get}\n"),
			path: []string{"Resources", "A", "Properties", "Events", "F"}, msg: "defined multiple times"},
		{name: "a usage plan name clash", src: header + "  Api: {Type: AWS::Serverless::Api, Properties: {StageName: s, Auth: {UsagePlan: {CreateUsagePlan: PER_API}}}}\n  ApiApiKey: {Type: AWS::SNS::Topic}\n",
			msg: "already has a resource ApiApiKey"},
		{name: "shared usage plans that disagree", src: header +
			"  A: {Type: AWS::Serverless::Api, Properties: {StageName: s, Auth: {UsagePlan: {CreateUsagePlan: SHARED, UsagePlanName: a}}}}\n" +
			"  B: {Type: AWS::Serverless::Api, Properties: {StageName: s, Auth: {UsagePlan: {CreateUsagePlan: SHARED, UsagePlanName: b}}}}\n",
			path: []string{"Resources", "B", "Properties", "Auth", "UsagePlan", "UsagePlanName"}, msg: "different UsagePlanName from A"},
	})
}

// TestManyEvents: thousands of events on one function transform in time
// proportional to their number.
func TestManyEvents(t *testing.T) {
	const n = 3000
	events := map[string]any{}
	for i := range n {
		typ := "Api"
		if i%2 == 1 {
			typ = "HttpApi"
		}
		events[fmt.Sprintf("E%d", i)] = map[string]any{"Type": typ, "Properties": map[string]any{
			"Path": fmt.Sprintf("/p%d/{id}", i), "Method": "get"}}
	}
	doc := map[string]any{
		"Transform": samTransform,
		"Globals":   map[string]any{"Api": map[string]any{"Cors": "'*'"}},
		"Resources": map[string]any{"Fn": map[string]any{"Type": "AWS::Serverless::Function", "Properties": map[string]any{
			"CodeUri": "x", "Handler": "h", "Runtime": "python3.12", "Events": events}}},
	}
	start := time.Now()
	r := transformOK(t, doc)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%d events took %v", n, d)
	}
	res := r.Doc["Resources"].(map[string]any)
	if got := len(at(t, res, "ServerlessRestApi", "Properties", "Body", "paths").(map[string]any)); got != n/2 {
		t.Errorf("%d REST paths, want %d", got, n/2)
	}
	if got := len(at(t, res, "ServerlessHttpApi", "Properties", "Body", "paths").(map[string]any)); got != n/2 {
		t.Errorf("%d HTTP paths, want %d", got, n/2)
	}
	// Function, role, two APIs, deployment, two stages, a permission each.
	if want := n + 7; len(res) != want {
		t.Errorf("%d resources, want %d", len(res), want)
	}
}

func TestDeepNesting(t *testing.T) {
	var v any = "leaf"
	for range maxDepth + 10 {
		v = map[string]any{"x": v}
	}
	doc := map[string]any{"Transform": samTransform, "Resources": map[string]any{"T": map[string]any{"Type": "AWS::SNS::Topic", "Properties": v}}}
	e := transformErr(t, doc)
	if !strings.Contains(e.Msg, "levels deep") || len(e.Path) < 3 || e.Path[2] != "Properties" {
		t.Errorf("got %v", e)
	}
	lists := any("leaf")
	for range maxDepth + 10 {
		lists = []any{lists}
	}
	doc = map[string]any{"Resources": map[string]any{"T": map[string]any{"Type": "AWS::SNS::Topic", "Properties": lists}}}
	if e := transformErr(t, doc); !strings.Contains(e.Msg, "levels deep") {
		t.Errorf("got %v", e)
	}
}

// FuzzTransform: any JSON document is transformed or refused with an
// *Error, never a panic; a result holds no SAM resource and marshals to
// JSON; the input is left as it was.
//
//	go test ./internal/stack/sam/ -run '^$' -fuzz FuzzTransform -fuzztime 60s
func FuzzTransform(f *testing.F) {
	for _, name := range []string{"hello-auth", "proxy", "http-jwt", "lambda-authorizers", "globals", "implicit", "openapi3", "definition-body", "features"} {
		b, err := json.Marshal(loadTemplate(f, "testdata/"+name+".yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{}`, `{"Transform": "AWS::Serverless-2016-10-31"}`,
		`{"Transform": "AWS::Serverless-2016-10-31", "Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"E": {"Type": "HttpApi"}}, "InlineCode": "x", "Handler": "h", "Runtime": "r"}}}}`,
		`{"Transform": ["AWS::Serverless-2016-10-31"], "Resources": {"A": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "s", "DefinitionBody": {"openapi": "3.0", "paths": {"/a": {"Fn::If": ["c", {"get": {"x-amazon-apigateway-integration": {"uri": "u"}}}, {"Ref": "AWS::NoValue"}]}}}, "Cors": "'*'", "Auth": {"ApiKeyRequired": true}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			return
		}
		var before any
		if err := json.Unmarshal(data, &before); err != nil {
			t.Fatal(err)
		}
		r, err := Transform(doc, Options{})
		if !reflect.DeepEqual(any(doc), before) && !(doc == nil && before == nil) {
			t.Fatal("Transform modified its input")
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			return
		}
		if _, err := json.Marshal(r.Doc); err != nil {
			t.Fatalf("the result does not marshal: %v", err)
		}
		if !has(doc, "Transform") || has(r.Doc, "Transform") {
			return // not a SAM template: passed through
		}
		res, _ := r.Doc["Resources"].(map[string]any)
		for id, v := range res {
			if typ, _ := v.(map[string]any)["Type"].(string); strings.HasPrefix(typ, samPrefix) {
				t.Fatalf("%s is still %s", id, typ)
			}
			if _, ok := r.Origin[id]; !ok {
				t.Fatalf("%s has no origin", id)
			}
		}
	})
}
