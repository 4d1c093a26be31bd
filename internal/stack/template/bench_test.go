package template

import (
	"fmt"
	"strings"
	"testing"
)

// benchTemplate is a 30-resource template shaped like SAM's output:
// functions with roles and permissions, an API and a user pool.
func benchTemplate() string {
	var b strings.Builder
	b.WriteString(`AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: Prod, AllowedValues: [Prod, Dev]}
  Email: {Type: String, Default: a@example.com, AllowedPattern: '[^@]+@[^@]+'}
Conditions:
  IsProd: !Equals [!Ref Stage, Prod]
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: !Sub "${AWS::StackName}-users"}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref UserPool, ClientName: web}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub "${AWS::StackName}-api"
      Body:
        swagger: "2.0"
        securityDefinitions:
          Cognito:
            type: apiKey
            x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: [!GetAtt UserPool.Arn]}
        paths:
`)
	for i := range 9 {
		fmt.Fprintf(&b, `          /fn%d:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                uri: !Sub "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn%d.Arn}/invocations"
`, i, i)
	}
	for i := range 9 {
		fmt.Fprintf(&b, `  Fn%[1]dRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Action: ["sts:AssumeRole"], Principal: {Service: [lambda.amazonaws.com]}}]
  Fn%[1]d:
    Type: AWS::Lambda::Function
    Properties:
      Code: {S3Bucket: local, S3Key: fn%[1]d.zip}
      Handler: app.handler
      Runtime: python3.12
      MemorySize: !If [IsProd, 512, 128]
      Timeout: 10
      Role: !GetAtt Fn%[1]dRole.Arn
      Environment:
        Variables: {USER_POOL: !Ref UserPool, CLIENT: !Ref Client, STAGE: !Ref Stage}
  Fn%[1]dPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn%[1]d
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/GET/fn%[1]d"
`, i)
	}
	b.WriteString(`Outputs:
  Url: {Value: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/"}
  Pool: {Value: !Ref UserPool, Export: {Name: !Sub "${AWS::StackName}-pool"}}
`)
	return b.String()
}

// benchJSON is the same template in long form, as JSON.
func benchJSON(b *testing.B) []byte {
	tpl := mustParse(b, benchTemplate())
	return []byte(mustJSON(b, tpl.Doc))
}

func benchParseBind(b *testing.B, src []byte) {
	ctx := Context{StackName: "demo", Region: "us-east-1", Partition: "aws"}
	types := testTypes()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		tpl, err := Parse("template.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		bound, err := tpl.Bind(ctx, types)
		if err != nil {
			b.Fatal(err)
		}
		if len(bound.Order()) != 30 {
			b.Fatalf("%d resources", len(bound.Order()))
		}
	}
}

func BenchmarkParseBindYAML(b *testing.B) { benchParseBind(b, []byte(benchTemplate())) }

func BenchmarkParseBindJSON(b *testing.B) { benchParseBind(b, benchJSON(b)) }

func BenchmarkBind(b *testing.B) {
	tpl := mustParse(b, benchTemplate())
	ctx := Context{StackName: "demo", Region: "us-east-1", Partition: "aws"}
	types := testTypes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Bind(ctx, types); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalAll(b *testing.B) {
	tpl := mustParse(b, benchTemplate())
	bound, err := tpl.Bind(Context{StackName: "demo", Region: "us-east-1", Partition: "aws"}, testTypes())
	if err != nil {
		b.Fatal(err)
	}
	res := bound.Resources()
	r := &fakeResolver{}
	b.ReportAllocs()
	for b.Loop() {
		r.asked = r.asked[:0]
		for _, x := range res {
			if _, err := bound.Eval([]string{"Resources", x.LogicalID, "Properties"}, x.Properties, r); err != nil {
				b.Fatal(err)
			}
		}
	}
}
