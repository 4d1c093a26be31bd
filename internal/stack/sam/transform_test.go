package sam

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// check is one expectation on a transformed template: the JSON at a path,
// or (want "") that nothing is there.
type check struct {
	path []string
	want string
}

func p(path ...string) []string { return path }

func wantAt(path []string, want string) check { return check{path: path, want: want} }

func absent(path ...string) check { return check{path: path} }

type golden struct {
	name   string
	src    string
	checks []check
	// types lists every output resource with its type.
	types map[string]string
}

func runGolden(t *testing.T, cases []golden) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := parseYAML(t, tc.src)
			before := normalizeJSON(t, doc)
			r := transformOK(t, doc)
			if !reflect.DeepEqual(before, normalizeJSON(t, doc)) {
				t.Fatal("Transform modified its input")
			}
			if tc.types != nil {
				got := map[string]string{}
				for id, res := range r.Doc["Resources"].(map[string]any) {
					got[id] = res.(map[string]any)["Type"].(string)
				}
				if !reflect.DeepEqual(got, tc.types) {
					b, _ := json.MarshalIndent(got, "", " ")
					t.Errorf("resources:\n%s", b)
				}
			}
			for _, c := range tc.checks {
				if c.want == "" {
					if has(r.Doc, c.path...) {
						t.Errorf("%s is present: %s", strings.Join(c.path, " > "), brief(at(t, r.Doc, c.path...)))
					}
					continue
				}
				wantJSON(t, at(t, r.Doc, c.path...), c.want, strings.Join(c.path, " > "))
			}
		})
	}
}

const header = "Transform: AWS::Serverless-2016-10-31\nResources:\n"

// fn is a function resource with the given extra properties, indented for
// a Resources entry.
func fn(name, extra string) string {
	return "  " + name + ":\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: index.handler\n      Runtime: nodejs20.x\n" + extra
}

func TestFunctions(t *testing.T) {
	runGolden(t, []golden{{
		name: "function, role and code",
		src: header + `  Fn:
    Type: AWS::Serverless::Function
    DependsOn: Table
    Metadata:
      BuildMethod: go1.x
    Properties:
      CodeUri: ./cmd/fn
      Handler: bootstrap
      Runtime: provided.al2023
      FunctionName: my-fn
      MemorySize: 512
      Timeout: 9
      Architectures: [arm64]
      Environment:
        Variables:
          TABLE: !Ref Table
      Tags:
        team: core
      Policies:
        - AmazonS3ReadOnlyAccess
        - Statement: [{Effect: Allow, Action: "dynamodb:*", Resource: "*"}]
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
  Table:
    Type: AWS::DynamoDB::Table
`,
		types: map[string]string{"Fn": "AWS::Lambda::Function", "FnRole": "AWS::IAM::Role", "Table": "AWS::DynamoDB::Table"},
		checks: []check{
			wantAt(p("Resources", "Fn", "Properties"), `{
				"Code": {"gatehouse:CodeUri": "./cmd/fn"}, "Handler": "bootstrap", "Runtime": "provided.al2023",
				"FunctionName": "my-fn", "MemorySize": 512, "Timeout": 9, "Architectures": ["arm64"],
				"Environment": {"Variables": {"TABLE": {"Ref": "Table"}}},
				"Role": {"Fn::GetAtt": ["FnRole", "Arn"]},
				"Tags": [{"Key": "lambda:createdBy", "Value": "SAM"}, {"Key": "team", "Value": "core"}]}`),
			wantAt(p("Resources", "Fn", "Metadata"), `{"BuildMethod": "go1.x"}`),
			wantAt(p("Resources", "Fn", "DependsOn"), `"Table"`),
			wantAt(p("Resources", "FnRole", "Properties", "ManagedPolicyArns"),
				`["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess"]`),
			wantAt(p("Resources", "FnRole", "Properties", "Policies"), `[
				{"PolicyName": "FnRolePolicy1", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}},
				{"PolicyName": "FnRolePolicy2", "gatehouse:PolicyTemplate": {"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}}]`),
			absent("Resources", "FnRole", "Metadata"),
			absent("Resources", "FnRole", "DependsOn"),
		},
	}, {
		name:   "inline code and a role of its own",
		src:    header + "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: exports.handler = async () => 1\n      Handler: index.handler\n      Runtime: nodejs20.x\n      Role: arn:aws:iam::123456789012:role/r\n",
		types:  map[string]string{"Fn": "AWS::Lambda::Function"},
		checks: []check{wantAt(p("Resources", "Fn", "Properties", "Code"), `{"ZipFile": "exports.handler = async () => 1"}`), wantAt(p("Resources", "Fn", "Properties", "Role"), `"arn:aws:iam::123456789012:role/r"`)},
	}, {
		name: "AWS-only properties are carried",
		src: header + fn("Fn", `      Description: d
      Tracing: Active
      VpcConfig: {SubnetIds: [s], SecurityGroupIds: [g]}
      KmsKeyArn: k
      EphemeralStorage: {Size: 2048}
      ReservedConcurrentExecutions: 3
`),
		checks: []check{
			wantAt(p("Resources", "Fn", "Properties", "TracingConfig"), `{"Mode": "Active"}`),
			wantAt(p("Resources", "Fn", "Properties", "VpcConfig"), `{"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}`),
			wantAt(p("Resources", "Fn", "Properties", "ReservedConcurrentExecutions"), `3`),
			wantAt(p("Resources", "FnRole", "Properties", "ManagedPolicyArns"), `["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
				"arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess", "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]`),
		},
	}, {
		name:   "Tracing Disabled is no tracing",
		src:    header + fn("Fn", "      Tracing: Disabled\n"),
		checks: []check{absent("Resources", "Fn", "Properties", "TracingConfig")},
	}, {
		name: "PropagateTags replaces the tags of what the function generates",
		src:  header + fn("Fn", "      Tags: {a: b}\n      PropagateTags: true\n"),
		checks: []check{
			wantAt(p("Resources", "Fn", "Properties", "Tags"), `[{"Key": "a", "Value": "b"}]`),
			wantAt(p("Resources", "FnRole", "Properties", "Tags"), `[{"Key": "a", "Value": "b"}]`),
		},
	}, {
		name: "Condition and DeletionPolicy reach the role",
		src: "Transform: AWS::Serverless-2016-10-31\nConditions:\n  C: !Equals [a, b]\nResources:\n" +
			"  Fn:\n    Type: AWS::Serverless::Function\n    Condition: C\n    DeletionPolicy: Retain\n    Properties:\n      CodeUri: src/\n      Handler: h\n      Runtime: python3.12\n",
		checks: []check{
			wantAt(p("Resources", "Fn", "Condition"), `"C"`),
			wantAt(p("Resources", "FnRole", "Condition"), `"C"`),
			wantAt(p("Resources", "FnRole", "DeletionPolicy"), `"Retain"`),
			wantAt(p("Conditions"), `{"C": {"Fn::Equals": ["a", "b"]}}`),
		},
	}})
}

func TestGlobals(t *testing.T) {
	runGolden(t, []golden{{
		name: "merge rules",
		src: `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 5
    Architectures: [x86_64]
    Environment:
      Variables: {A: global, B: global}
    Tags: {team: a}
    Handler: {Fn::Sub: global}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Timeout: 30
      Architectures: [arm64]
      Environment:
        Variables: {B: local, C: local}
  Other:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Tags]
    Properties:
      CodeUri: src/
      Environment: !Ref NotAMap
`,
		checks: []check{
			wantAt(p("Resources", "Fn", "Properties", "Runtime"), `"python3.12"`),
			wantAt(p("Resources", "Fn", "Properties", "Handler"), `"app.handler"`),
			wantAt(p("Resources", "Fn", "Properties", "Timeout"), `30`),
			wantAt(p("Resources", "Fn", "Properties", "Architectures"), `["x86_64", "arm64"]`),
			wantAt(p("Resources", "Fn", "Properties", "Environment"), `{"Variables": {"A": "global", "B": "local", "C": "local"}}`),
			wantAt(p("Resources", "Other", "Properties", "Handler"), `{"Fn::Sub": "global"}`),
			wantAt(p("Resources", "Other", "Properties", "Tags"), `[{"Key": "lambda:createdBy", "Value": "SAM"}]`),
			wantAt(p("Resources", "Other", "Properties", "Environment"), `{"Ref": "NotAMap"}`),
			absent("Globals"), absent("Transform"),
		},
	}, {
		name: "Api globals reach the implicit API, StageName cannot",
		src: `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Variables: {v: "1"}
    TracingEnabled: true
Resources:
` + fn("Fn", "      Events:\n        E:\n          Type: Api\n          Properties: {Path: /, Method: get}\n"),
		checks: []check{
			wantAt(p("Resources", "ServerlessRestApiProdStage", "Properties", "Variables"), `{"v": "1"}`),
			wantAt(p("Resources", "ServerlessRestApiProdStage", "Properties", "TracingEnabled"), `true`),
			wantAt(p("Resources", "ServerlessRestApiProdStage", "Properties", "StageName"), `"Prod"`),
		},
	}})
}

func TestImplicitAPIs(t *testing.T) {
	runGolden(t, []golden{{
		name: "ServerlessRestApi",
		src: header + fn("Hello", `      Events:
        Get:
          Type: Api
          Properties: {Path: /hello, Method: get}
        Proxy:
          Type: Api
          Properties: {Path: "/{proxy+}", Method: any}
`) + `Outputs:
  Url:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/"
`,
		types: map[string]string{"Hello": "AWS::Lambda::Function", "HelloRole": "AWS::IAM::Role",
			"ServerlessRestApi": "AWS::ApiGateway::RestApi", "ServerlessRestApiProdStage": "AWS::ApiGateway::Stage",
			"ServerlessRestApiDeployment" + deploymentHash(t, header+fn("Hello", `      Events:
        Get:
          Type: Api
          Properties: {Path: /hello, Method: get}
        Proxy:
          Type: Api
          Properties: {Path: "/{proxy+}", Method: any}
`), "ServerlessRestApi"): "AWS::ApiGateway::Deployment",
			"HelloGetPermissionProd": "AWS::Lambda::Permission", "HelloProxyPermissionProd": "AWS::Lambda::Permission"},
		checks: []check{
			wantAt(p("Resources", "ServerlessRestApi", "Properties", "Body", "paths", "/hello", "get"), `{
				"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
					"uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Hello.Arn}/invocations"}},
				"responses": {}}`),
			wantAt(p("Resources", "ServerlessRestApi", "Properties", "Body", "swagger"), `"2.0"`),
			wantAt(p("Resources", "ServerlessRestApi", "Properties", "Body", "info"), `{"version": "1.0", "title": {"Ref": "AWS::StackName"}}`),
			wantAt(p("Resources", "ServerlessRestApi", "Properties", "Body", "paths", "/{proxy+}", "x-amazon-apigateway-any-method", "x-amazon-apigateway-integration", "type"), `"aws_proxy"`),
			wantAt(p("Resources", "ServerlessRestApiProdStage", "Properties", "StageName"), `"Prod"`),
			wantAt(p("Resources", "HelloGetPermissionProd", "Properties"), `{"Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "Hello"},
				"Principal": "apigateway.amazonaws.com", "SourceArn": {"Fn::Sub": ["arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/GET/hello",
				{"__ApiId__": {"Ref": "ServerlessRestApi"}, "__Stage__": "*"}]}}`),
			wantAt(p("Resources", "HelloProxyPermissionProd", "Properties", "SourceArn", "Fn::Sub", "0"), `"arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/*/*"`),
			wantAt(p("Outputs", "Url", "Value"), `{"Fn::Sub": "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/"}`),
		},
	}, {
		name: "ServerlessHttpApi and its $default route",
		src: header + fn("Fn", `      Events:
        Default:
          Type: HttpApi
        Get:
          Type: HttpApi
          Properties: {Path: "/items/{id}", Method: GET}
`),
		types: map[string]string{"Fn": "AWS::Lambda::Function", "FnRole": "AWS::IAM::Role", "ServerlessHttpApi": "AWS::ApiGatewayV2::Api",
			"ServerlessHttpApiApiGatewayDefaultStage": "AWS::ApiGatewayV2::Stage", "FnDefaultPermission": "AWS::Lambda::Permission"},
		checks: []check{
			wantAt(p("Resources", "ServerlessHttpApi", "Properties", "Body", "paths", "$default", "x-amazon-apigateway-any-method"), `{
				"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
					"uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}},
				"isDefaultRoute": true, "responses": {}}`),
			wantAt(p("Resources", "ServerlessHttpApi", "Properties", "Body", "paths", "/items/{id}", "get", "parameters"), `[{"name": "id", "in": "path", "required": true}]`),
			wantAt(p("Resources", "ServerlessHttpApiApiGatewayDefaultStage", "Properties"), `{"ApiId": {"Ref": "ServerlessHttpApi"}, "StageName": "$default",
				"AutoDeploy": true, "Tags": {"httpapi:createdBy": "SAM"}}`),
			wantAt(p("Resources", "FnDefaultPermission", "Properties", "SourceArn", "Fn::Sub", "0"), `"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/*"`),
		},
	}})
}

// deploymentHash finds the hash suffix the transform gives an API's
// deployment.
func deploymentHash(t *testing.T, src, api string) string {
	t.Helper()
	r := transformYAML(t, src)
	for id := range r.Doc["Resources"].(map[string]any) {
		if strings.HasPrefix(id, api+"Deployment") {
			return strings.TrimPrefix(id, api+"Deployment")
		}
	}
	t.Fatalf("no deployment for %s", api)
	return ""
}

const authAPI = `  Pool:
    Type: AWS::Cognito::UserPool
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Cors: "'*'"
      Auth:
        DefaultAuthorizer: Cog
        Authorizers:
          Cog:
            UserPoolArn: !GetAtt Pool.Arn
`

func TestRestAuthAndCors(t *testing.T) {
	events := `      Events:
        Open:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}
        Closed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: post, Auth: {Authorizer: Cog, AuthorizationScopes: [a/b]}}
`
	runGolden(t, []golden{{
		name: "default authorizer, NONE, scopes, CORS preflights",
		src:  header + authAPI + fn("Fn", events),
		checks: []check{
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "Cog"), `{"type": "apiKey", "name": "Authorization", "in": "header",
				"x-amazon-apigateway-authtype": "cognito_user_pools",
				"x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [{"Fn::GetAtt": ["Pool", "Arn"]}]}}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/open", "get", "security"), `[{"NONE": []}]`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/", "post", "security"), `[{"Cog": ["a/b"]}]`),
			// The translator's trap: preflights need the token too.
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/open", "options", "security"), `[{"Cog": []}]`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/open", "options", "x-amazon-apigateway-integration"), `{
				"type": "mock", "requestTemplates": {"application/json": "{\n  \"statusCode\" : 200\n}\n"},
				"responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{}\n"},
					"responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'",
						"method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'"}}}}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/", "options", "x-amazon-apigateway-integration", "responses", "default", "responseParameters", "method.response.header.Access-Control-Allow-Methods"), `"'OPTIONS,POST'"`),
			wantAt(p("Resources", "FnOpenPermissionv1", "Properties", "SourceArn", "Fn::Sub", "1"), `{"__ApiId__": {"Ref": "Api"}, "__Stage__": "*"}`),
			wantAt(p("Resources", "Apiv1Stage", "Properties", "StageName"), `"v1"`),
		},
	}, {
		name: "preflights left open, CORS map, identity header",
		src: header + strings.Replace(strings.Replace(authAPI, `      Cors: "'*'"`, `      Cors:
        AllowOrigin: "'https://a.example'"
        AllowHeaders: "'Authorization'"
        AllowMethods: "'GET'"
        MaxAge: "'60'"
        AllowCredentials: true`, 1), "        DefaultAuthorizer: Cog\n", "        DefaultAuthorizer: Cog\n        AddDefaultAuthorizerToCorsPreflight: false\n", 1) +
			"            Identity: {Header: X-Token, ValidationExpression: \"^ey\"}\n" + fn("Fn", events),
		checks: []check{
			absent("Resources", "Api", "Properties", "Body", "paths", "/open", "options", "security"),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/open", "options", "x-amazon-apigateway-integration", "responses", "default", "responseParameters"), `{
				"method.response.header.Access-Control-Allow-Origin": "'https://a.example'",
				"method.response.header.Access-Control-Allow-Headers": "'Authorization'",
				"method.response.header.Access-Control-Allow-Methods": "'GET'",
				"method.response.header.Access-Control-Max-Age": "'60'",
				"method.response.header.Access-Control-Allow-Credentials": "'true'"}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "Cog", "name"), `"X-Token"`),
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "Cog", "x-amazon-apigateway-authorizer", "identityValidationExpression"), `"^ey"`),
		},
	}, {
		name: "API keys, gateway responses, binary media types",
		src: header + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      BinaryMediaTypes: [image~1png]
      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers: {Access-Control-Allow-Origin: "'*'"}
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Throttle: {RateLimit: 1, BurstLimit: 2}
` + fn("Fn", `      Events:
        Keyed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /k, Method: get}
        Free:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /f, Method: get, Auth: {ApiKeyRequired: false}}
`),
		checks: []check{
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/k", "get", "security"), `[{"api_key": []}]`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/f", "get", "security"), `[]`),
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "api_key"), `{"type": "apiKey", "name": "x-api-key", "in": "header"}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "x-amazon-apigateway-gateway-responses"), `{"DEFAULT_4XX": {
				"responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}, "responseTemplates": {}}}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "x-amazon-apigateway-binary-media-types"), `["image/png"]`),
			wantAt(p("Resources", "Api", "Properties", "BinaryMediaTypes"), `["image~1png"]`),
			wantAt(p("Resources", "ApiUsagePlan"), `{"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": ["Api"], "Properties": {
				"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "ApiprodStage"}}], "Throttle": {"RateLimit": 1, "BurstLimit": 2}}}`),
			wantAt(p("Resources", "ApiApiKey"), `{"Type": "AWS::ApiGateway::ApiKey", "DependsOn": ["ApiUsagePlan"], "Properties": {
				"Enabled": true, "StageKeys": [{"RestApiId": {"Ref": "Api"}, "StageName": {"Ref": "ApiprodStage"}}]}}`),
			wantAt(p("Resources", "ApiUsagePlanKey"), `{"Type": "AWS::ApiGateway::UsagePlanKey", "DependsOn": ["ApiApiKey"], "Properties": {
				"KeyId": {"Ref": "ApiApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "ApiUsagePlan"}}}`),
		},
	}, {
		name: "Lambda TOKEN and REQUEST authorizers",
		src: header + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Auth:
        Authorizers:
          Token:
            FunctionArn: !GetAtt Authz.Arn
            Identity: {ReauthorizeEvery: 0}
          Req:
            FunctionArn: !GetAtt Authz.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [X-A], QueryStrings: [q], StageVariables: [s], Context: [c], ReauthorizeEvery: 10}
` + fn("Authz", "") + fn("Fn", `      Events:
        T:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /t, Method: get, Auth: {Authorizer: Token}}
`),
		checks: []check{
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "Token"), `{"type": "apiKey", "name": "Authorization", "in": "header",
				"x-amazon-apigateway-authtype": "custom", "x-amazon-apigateway-authorizer": {"type": "token", "authorizerResultTtlInSeconds": 0,
				"authorizerUri": {"Fn::Sub": ["arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
					{"__FunctionArn__": {"Fn::GetAtt": ["Authz", "Arn"]}}]}}}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "Req", "name"), `"Unused"`),
			wantAt(p("Resources", "Api", "Properties", "Body", "securityDefinitions", "Req", "x-amazon-apigateway-authorizer", "identitySource"),
				`"method.request.header.X-A, method.request.querystring.q, stageVariables.s, context.c"`),
			wantAt(p("Resources", "ApiTokenAuthorizerPermission", "Properties"), `{"Action": "lambda:InvokeFunction",
				"FunctionName": {"Fn::GetAtt": ["Authz", "Arn"]}, "Principal": "apigateway.amazonaws.com",
				"SourceArn": {"Fn::Sub": ["arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*", {"__ApiId__": {"Ref": "Api"}}]}}`),
			wantAt(p("Resources", "ApiReqAuthorizerPermission", "Type"), `"AWS::Lambda::Permission"`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/t", "get", "security"), `[{"Token": []}]`),
		},
	}, {
		name: "OpenAPI 3 moves definitions to components",
		src: header + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      OpenApiVersion: 3.0.1
      Models:
        Thing: {type: object}
      Auth:
        DefaultAuthorizer: Cog
        Authorizers:
          Cog: {UserPoolArn: arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_x}
` + fn("Fn", `      Events:
        E:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /t, Method: post, RequestModel: {Model: Thing, Required: true}}
`),
		checks: []check{
			wantAt(p("Resources", "Api", "Properties", "Body", "openapi"), `"3.0.1"`),
			absent("Resources", "Api", "Properties", "Body", "swagger"),
			absent("Resources", "Api", "Properties", "Body", "securityDefinitions"),
			wantAt(p("Resources", "Api", "Properties", "Body", "components", "schemas"), `{"thing": {"type": "object"}}`),
			wantAt(p("Resources", "Api", "Properties", "Body", "components", "securitySchemes", "Cog", "type"), `"apiKey"`),
			wantAt(p("Resources", "Api", "Properties", "Body", "paths", "/t", "post", "requestBody"),
				`{"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}, "required": true}`),
			absent("Resources", "Api", "Properties", "Body", "paths", "/t", "post", "x-amazon-apigateway-request-validator"),
		},
	}})
}

func TestHTTPAPIs(t *testing.T) {
	runGolden(t, []golden{{
		name: "JWT authorizer, scopes, NONE, CORS, stage settings",
		src: header + `  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: live
      StageVariables: {a: b}
      DefaultRouteSettings: {ThrottlingRateLimit: 1}
      CorsConfiguration: true
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {Issuer: https://issuer.example, Audience: [aud]}
` + fn("Fn", `      Events:
        A:
          Type: HttpApi
          Properties: {ApiId: !Ref Http, Path: /a, Method: get, Auth: {AuthorizationScopes: [read]}, PayloadFormatVersion: "1.0"}
        B:
          Type: HttpApi
          Properties: {ApiId: !Ref Http, Path: /b, Method: post, Auth: {Authorizer: NONE}, RouteSettings: {ThrottlingBurstLimit: 3}}
        C:
          Type: HttpApi
          Properties: {ApiId: !Ref Http, Path: /c, Method: any}
`),
		checks: []check{
			wantAt(p("Resources", "Http", "Properties", "Body", "components", "securitySchemes", "Jwt"), `{"type": "oauth2",
				"x-amazon-apigateway-authorizer": {"type": "jwt", "identitySource": "$request.header.Authorization",
				"jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["aud"]}}}`),
			wantAt(p("Resources", "Http", "Properties", "Body", "paths", "/a", "get", "security"), `[{"Jwt": ["read"]}]`),
			wantAt(p("Resources", "Http", "Properties", "Body", "paths", "/a", "get", "x-amazon-apigateway-integration", "payloadFormatVersion"), `"1.0"`),
			wantAt(p("Resources", "Http", "Properties", "Body", "paths", "/b", "post", "security"), `[{"NONE": []}]`),
			wantAt(p("Resources", "Http", "Properties", "Body", "paths", "/c", "x-amazon-apigateway-any-method", "security"), `[{"Jwt": []}]`),
			wantAt(p("Resources", "Http", "Properties", "Body", "x-amazon-apigateway-cors"), `{"allowOrigins": ["*"]}`),
			wantAt(p("Resources", "HttpliveStage", "Properties"), `{"ApiId": {"Ref": "Http"}, "StageName": "live", "AutoDeploy": true,
				"StageVariables": {"a": "b"}, "DefaultRouteSettings": {"ThrottlingRateLimit": 1},
				"RouteSettings": {"POST /b": {"ThrottlingBurstLimit": 3}}, "Tags": {"httpapi:createdBy": "SAM"}}`),
			wantAt(p("Resources", "FnCPermission", "Properties", "SourceArn", "Fn::Sub", "0"), `"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/*/c"`),
		},
	}, {
		name: "Lambda authorizer with simple responses",
		src: header + `  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: L
        Authorizers:
          L:
            FunctionArn: !GetAtt Authz.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            EnableFunctionDefaultPermissions: true
            Identity: {Headers: [Authorization], QueryStrings: [t], ReauthorizeEvery: 5}
` + fn("Authz", "") + fn("Fn", `      Events:
        A:
          Type: HttpApi
          Properties: {ApiId: !Ref Http, Path: /a, Method: get}
`),
		checks: []check{
			wantAt(p("Resources", "Http", "Properties", "Body", "components", "securitySchemes", "L"), `{"type": "apiKey", "name": "Unused", "in": "header",
				"x-amazon-apigateway-authorizer": {"type": "request", "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true,
				"authorizerResultTtlInSeconds": 5, "identitySource": ["$request.header.Authorization", "$request.querystring.t"],
				"authorizerUri": {"Fn::Sub": ["arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
					{"__FunctionArn__": {"Fn::GetAtt": ["Authz", "Arn"]}}]}}}`),
			wantAt(p("Resources", "HttpLAuthorizerPermission", "Properties", "SourceArn", "Fn::Sub", "0"),
				`"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*"`),
			wantAt(p("Resources", "Http", "Properties", "Body", "paths", "/a", "get", "security"), `[{"L": []}]`),
		},
	}})
}

func TestStageNamesAndRefs(t *testing.T) {
	src := header + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1-beta
` + fn("Fn", `      Events:
        E:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /e/, Method: get}
`) + `Outputs:
  Stage:
    Value: !Ref Api.Stage
  Deployment:
    Value: !GetAtt [Api, Deployment.Id]
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Api.Stage}"
`
	r := transformYAML(t, src)
	res := r.Doc["Resources"].(map[string]any)
	// The translator's IDs for a stage name that is not alphanumeric:
	// SHA-1 of "v1-beta", first ten hex digits.
	for _, id := range []string{"ApiStage2817521297", "FnEPermission2817521297"} {
		if _, ok := res[id]; !ok {
			t.Errorf("no %s in %v", id, sortedKeys(res))
		}
	}
	wantJSON(t, at(t, res, "FnEPermission2817521297", "Properties", "SourceArn", "Fn::Sub", "0"),
		`"arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/GET/e"`, "trailing slash dropped")
	wantJSON(t, at(t, r.Doc, "Outputs", "Stage", "Value"), `{"Ref": "ApiStage2817521297"}`, "Ref Api.Stage")
	var dep string
	for id := range res {
		if strings.HasPrefix(id, "ApiDeployment") {
			dep = id
		}
	}
	wantJSON(t, at(t, r.Doc, "Outputs", "Deployment", "Value"), `{"Fn::GetAtt": ["`+dep+`", "Id"]}`, "GetAtt Api.Deployment")
	wantJSON(t, at(t, r.Doc, "Outputs", "Url", "Value"), `{"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${ApiStage2817521297}"}`, "Sub ${Api.Stage}")
	wantJSON(t, at(t, res, dep, "Properties", "StageName"), `"Stage"`, "the translator's extra stage")
}

// TestDeploymentHash: a deployment's ID changes with what it deploys and
// only then.
func TestDeploymentHash(t *testing.T) {
	base := header + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      Variables: {v: "1"}
` + fn("Fn", `      Events:
        E:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /a, Method: get}
`)
	h := deploymentHash(t, base, "Api")
	if len(h) != 10 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not ten hex digits", h)
	}
	if again := deploymentHash(t, base, "Api"); again != h {
		t.Errorf("the same template gave %s, then %s", h, again)
	}
	for name, changed := range map[string]string{
		"path":     strings.Replace(base, "Path: /a", "Path: /b", 1),
		"variable": strings.Replace(base, `{v: "1"}`, `{v: "2"}`, 1),
		"method":   strings.Replace(base, "Method: get", "Method: put", 1),
	} {
		if deploymentHash(t, changed, "Api") == h {
			t.Errorf("changing the %s kept deployment hash %s", name, h)
		}
	}
}

func TestOriginAndWarnings(t *testing.T) {
	r := transformYAML(t, header+`  Written:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      DefinitionBody: {swagger: "2.0", info: {title: t}, paths: {}}
  Topic:
    Type: AWS::SNS::Topic
`+fn("Fn", `      Events:
        W:
          Type: Api
          Properties: {RestApiId: !Ref Written, Path: /w, Method: get}
        I:
          Type: Api
          Properties: {Path: /i, Method: get}
`))
	want := map[string][]string{
		"Fn":                         {"Resources", "Fn"},
		"FnRole":                     {"Resources", "Fn"},
		"FnWPermissions":             {"Resources", "Fn", "Properties", "Events", "W"},
		"FnIPermissionProd":          {"Resources", "Fn", "Properties", "Events", "I"},
		"ServerlessRestApi":          {"Resources", "Fn", "Properties", "Events", "I"},
		"Topic":                      {"Resources", "Topic"},
		"Written":                    {"Resources", "Written"},
		"WrittensStage":              {"Resources", "Written"},
		"ServerlessRestApiProdStage": {"Resources", "Fn", "Properties", "Events", "I"},
	}
	for id, path := range want {
		if got := r.Origin[id]; !reflect.DeepEqual(got, path) {
			t.Errorf("Origin[%s] = %v, want %v", id, got, path)
		}
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Msg, "GET /w") ||
		!reflect.DeepEqual(r.Warnings[0].Path, []string{"Resources", "Fn", "Properties", "Events", "W"}) {
		t.Errorf("warnings: %+v", r.Warnings)
	}
	if has(r.Doc, "Resources", "Written", "Properties", "Body", "paths", "/w") {
		t.Error("the event's path was added to a written DefinitionBody")
	}
}

func TestNoTransform(t *testing.T) {
	doc := map[string]any{
		"Globals":   map[string]any{"Function": map[string]any{"Timeout": int64(3)}},
		"Resources": map[string]any{"Fn": map[string]any{"Type": "AWS::Serverless::Function", "Properties": map[string]any{"X": []any{1.5, nil, true}}}},
	}
	r := transformOK(t, doc)
	if !reflect.DeepEqual(r.Doc, doc) {
		t.Errorf("got %v", r.Doc)
	}
	r.Doc["Resources"].(map[string]any)["Fn"].(map[string]any)["Type"] = "changed"
	if doc["Resources"].(map[string]any)["Fn"].(map[string]any)["Type"] != "AWS::Serverless::Function" {
		t.Error("the result shares memory with the input")
	}
	if !reflect.DeepEqual(r.Origin, map[string][]string{"Fn": {"Resources", "Fn"}}) {
		t.Errorf("origin %v", r.Origin)
	}
}
