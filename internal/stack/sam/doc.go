// Package sam expands AWS SAM templates (Transform:
// AWS::Serverless-2016-10-31) into plain CloudFormation, as
// aws-sam-translator 1.110.0 does, for what gatehouse runs: functions and
// their REST and HTTP API events. It sits between the template parser,
// which hands it the template in CloudFormation's JSON long form, and the
// deploy engine, which resolves intrinsics and creates the resources.
//
// The output is the translator's, resource for resource and document for
// document; oracle_test.go runs the installed translator on the templates
// in testdata and compares. Where the two part, it is listed below.
//
// # Decisions per property
//
// mapped: emitted on the generated resource, and gatehouse applies it.
// carried: emitted as the translator emits it; it only matters in AWS, and
// a function or API here behaves the same without it. recorded: kept in
// the generated IAM role, which gatehouse stores but does not enforce.
// refused: an *Error, because gatehouse would behave differently.
//
//	Resources
//	  AWS::Serverless::Function, Api, HttpApi          transformed
//	  other AWS::Serverless::* (StateMachine, SimpleTable,
//	    LayerVersion, Application, GraphQLApi, …)      refused
//	  anything else                                    passed through unchanged
//	  attributes Condition, DependsOn, Metadata,
//	    DeletionPolicy, UpdateReplacePolicy,
//	    UpdatePolicy                                   carried as the translator does
//	  Condition on a function with Api/HttpApi events  refused (SAM makes API paths conditional)
//	  Connectors                                       refused
//	  IgnoreGlobals                                    mapped
//
//	AWS::Serverless::Function
//	  Handler Runtime MemorySize Timeout Environment
//	  Architectures FunctionName Tags PropagateTags
//	  Role ReservedConcurrentExecutions Events         mapped
//	  PackageType                                      mapped (Zip; Image refused)
//	  CodeUri                                          mapped: a local directory or .zip,
//	                                                   as Code {"gatehouse:CodeUri": value};
//	                                                   s3:// and Bucket/Key refused
//	  InlineCode                                       mapped (Code.ZipFile)
//	  Metadata (BuildMethod …)                         kept on the AWS::Lambda::Function
//	  Description VpcConfig Tracing KmsKeyArn
//	  EphemeralStorage SnapStart CodeSigningConfigArn
//	  RuntimeManagementConfig RecursiveLoop
//	  SourceKMSKeyArn                                  carried
//	  Policies AssumeRolePolicyDocument RolePath
//	  PermissionsBoundary                              recorded in <Function>Role
//	  ImageUri ImageConfig AutoPublishAlias
//	  AutoPublishCodeSha256 AutoPublishAliasAllProperties
//	  VersionDescription VersionDeletionPolicy
//	  PublishToLatestPublished DeploymentPreference
//	  ProvisionedConcurrencyConfig Layers
//	  DeadLetterQueue EventInvokeConfig
//	  FileSystemConfigs FunctionUrlConfig LoggingConfig
//	  CapacityProviderConfig FunctionScalingConfig
//	  TenancyConfig DurableConfig                      refused
//	  Role with Fn::If                                 refused
//
//	Events
//	  Type Api: Path Method RestApiId (an
//	    AWS::Serverless::Api, an AWS::ApiGateway::RestApi,
//	    or none for ServerlessRestApi) TimeoutInMillis
//	    Auth.Authorizer (a name, or NONE)
//	    Auth.AuthorizationScopes Auth.ApiKeyRequired
//	    Auth.OverrideApiAuth
//	    RequestModel.Model RequestModel.Required
//	    RequestModel.ValidateBody
//	    RequestModel.ValidateParameters                mapped: the validators body-only,
//	                                                   params-only, body-and-params and
//	                                                   no-validation, enforced by the gateway
//	                                                   (the model as the application/json
//	                                                   body schema)
//	  RequestParameters (names, or maps with
//	    Required and Caching)                          mapped: Required query strings and
//	                                                   headers are enforced with
//	                                                   ValidateParameters; without a validator
//	                                                   API Gateway does not enforce Required
//	                                                   either (warning); Caching is carried
//	  RequestModel, RequestParameters on an API
//	    whose DefinitionBody the author writes         ignored, as by the translator (warning)
//	  Stage                                            ignored, as by the translator (warning)
//	  Auth.Authorizer AWS_IAM, Auth.ResourcePolicy,
//	    Auth.InvokeRole, ResponseTransferMode
//	    RESPONSE_STREAM                                refused
//	  RequestModel validation with MergeDefinitions
//	    when DefinitionBody does not define the
//	    validator, or (ValidateBody) when it is
//	    OpenAPI 3 and has no requestBody for the
//	    method                                         refused (SAM merges the method only)
//	  Type HttpApi: Path Method ApiId TimeoutInMillis
//	    RouteSettings PayloadFormatVersion
//	    Auth.Authorizer Auth.AuthorizationScopes       mapped
//	  Auth.Authorizer AWS_IAM                          refused
//	  any other Type (S3, SQS, Schedule, …)            refused
//
//	AWS::Serverless::Api
//	  StageName Variables MethodSettings Cors Auth
//	  GatewayResponses BinaryMediaTypes DefinitionBody
//	  MergeDefinitions OpenApiVersion Models Name Tags
//	  PropagateTags AccessLogSetting ApiKeySourceType  mapped
//	  EndpointConfiguration CacheClusterEnabled
//	  CacheClusterSize MinimumCompressionSize
//	  TracingEnabled FailOnWarnings Description Mode
//	  SecurityPolicy EndpointAccessMode                carried
//	  AlwaysDeploy                                     ignored, with a warning (deployments follow content)
//	  DefinitionUri CanarySetting Domain
//	  DisableExecuteApiEndpoint Policy                 refused
//	  Cors.MaxAge as a number                          refused (API Gateway needs "'600'")
//	  Models whose names differ only in case           refused (SAM lowercases model names)
//	  GatewayResponses ResponseParameters Paths,
//	    QueryStrings                                   refused (gatehouse sets headers only)
//	  Auth: Authorizers (Cognito: UserPoolArn as a
//	    string, Ref, GetAtt or list, Identity.Header,
//	    Identity.ValidationExpression; Lambda:
//	    FunctionArn, FunctionPayloadType TOKEN|REQUEST,
//	    Identity Header|Headers|QueryStrings|
//	    StageVariables|Context|ReauthorizeEvery|
//	    ValidationExpression, AuthorizationScopes,
//	    DisableFunctionDefaultPermissions),
//	    DefaultAuthorizer,
//	    AddDefaultAuthorizerToCorsPreflight,
//	    AddApiKeyRequiredToCorsPreflight,
//	    ApiKeyRequired, UsagePlan (PER_API, SHARED,
//	    NONE, with Description Quota Tags Throttle
//	    UsagePlanName)                                 mapped
//	  Auth FunctionInvokeRole                          recorded (authorizerCredentials)
//	  Auth DefaultAuthorizer AWS_IAM, InvokeRole,
//	    ResourcePolicy                                 refused
//
//	AWS::Serverless::HttpApi
//	  StageName StageVariables CorsConfiguration (true
//	  or a map) Auth DefinitionBody RouteSettings
//	  DefaultRouteSettings AccessLogSettings Tags Name
//	  Description                                      mapped
//	  PropagateTags                                    accepted (the stage always gets the tags)
//	  FailOnWarnings                                   carried
//	  Auth: Authorizers (JWT: JwtConfiguration issuer
//	    and audience, IdentitySource,
//	    AuthorizationScopes; Lambda: FunctionArn,
//	    AuthorizerPayloadFormatVersion,
//	    EnableSimpleResponses, Identity Headers|
//	    QueryStrings|StageVariables|Context|
//	    ReauthorizeEvery,
//	    EnableFunctionDefaultPermissions),
//	    DefaultAuthorizer                              mapped
//	  Auth FunctionInvokeRole                          recorded (authorizerCredentials)
//	  DefinitionUri Domain DisableExecuteApiEndpoint
//	  Auth.EnableIamAuthorizer, CorsConfiguration as
//	    an intrinsic                                   refused
//
//	Globals: Function, Api and HttpApi are merged as the translator merges
//	them (scalars: the resource's wins; lists: global first; maps: key by
//	key); the other sections are checked and have nothing to apply to.
//
// # Where the output parts from the translator's
//
//   - A deployment's logical ID and Description carry a hash of its API's
//     document, stage and OpenApiVersion, not of Python's str() of the
//     document, which cannot be reproduced outside Python: the hex digits
//     differ, the rule (new content, new deployment) is the same.
//   - The translator walks resources in Python 2.7 string-hash order. Here
//     they are walked in logical ID order. This changes only choices the
//     translator makes by accident of order: which of /a and /a/ gets the
//     CORS OPTIONS method, the order of an HTTP API document's tags, and
//     the settings of a SHARED usage plan, which here are the union of the
//     APIs' settings (two APIs that disagree are refused).
//   - The translator silently ignores unknown properties of events,
//     authorizers and Identity, and a DefaultAuthorizer with no
//     Authorizers; here they are errors.
//   - The translator resolves Ref to a parameter's default in a few places
//     (Auth, CorsConfiguration, BinaryMediaTypes, Tracing); here
//     parameters are never resolved, as the deploy engine does that.
//   - In the generated IAM role, managed policy names stay as written (the
//     translator maps names to ARNs with a bundled table) and SAM policy
//     templates stay unexpanded under gatehouse:PolicyTemplate.
//   - An event naming a resource that is not an API of its kind is an
//     error; an HttpApi's DefinitionBody must be a valid OpenAPI 3
//     document.
//   - Request validation where the translator's output cannot be deployed
//     or would not be enforced is an error: with MergeDefinitions the
//     translator names the validator on the method but leaves its
//     definition out of the merged document, and writes the model as a
//     Swagger 2.0 body parameter (referring to #/definitions/) even in an
//     OpenAPI 3 document; and of two Models whose names differ only in
//     case it silently keeps the last. RequestModel's ValidateBody and
//     ValidateParameters must be booleans even without a Model, where the
//     translator ignores them.
//
// Result.Warnings point out what the translator does quietly and authors
// rarely expect: an Api event whose path SAM leaves out of a DefinitionBody
// the author wrote, a RestApiId written as a plain string, ignored
// Identity fields and event Stage properties, CodeUri beside InlineCode,
// Policies beside Role, AlwaysDeploy, RequestModel.Required and required
// RequestParameters that no validator enforces, ValidateBody or
// ValidateParameters without a Model, and RequestModel or
// RequestParameters on an API whose DefinitionBody the author writes.
//
// Quirks of the translator that the output keeps on purpose: the default
// authorizer on CORS preflight OPTIONS methods (unless
// AddDefaultAuthorizerToCorsPreflight is false); StageName "Stage" on the
// deployment when OpenApiVersion is not set; security [{"NONE": []}] on
// methods that opt out of the default authorizer; Api events that add no
// path to an API whose DefinitionBody the author wrote (with a warning);
// OPTIONS header types wrapped in "schema" once per OpenAPI 3 conversion
// pass; and SAM resource references such as !Ref MyApi.Stage, resolved to
// the generated logical IDs.
package sam
