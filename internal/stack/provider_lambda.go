package stack

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// lambdaFunction is AWS::Lambda::Function, through the Lambda API.
type lambdaFunction struct{}

func (lambdaFunction) Attributes() []string { return []string{"Arn"} }

func (lambdaFunction) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "FunctionName", "PackageType")
}

// lambdaConfigKeys are the properties UpdateFunctionConfiguration takes.
var lambdaConfigKeys = []string{"Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "Environment", "Architectures"}

// lambdaUnsupported are properties that would change behaviour gatehouse
// cannot reproduce; refusing beats running the function differently.
var lambdaUnsupported = []string{"Layers", "VpcConfig", "FileSystemConfigs", "ImageConfig", "SnapStart", "DeadLetterConfig",
	"EphemeralStorage", "KmsKeyArn", "CodeSigningConfigArn", "ReservedConcurrentExecutions", "RuntimeManagementConfig", "LoggingConfig"}

func (p lambdaFunction) check(props map[string]any) error {
	for _, k := range lambdaUnsupported {
		if _, ok := props[k]; ok {
			return fmt.Errorf("Properties.%s is not supported by gatehouse", k)
		}
	}
	if pt := str(props, "PackageType"); pt != "" && pt != "Zip" {
		return fmt.Errorf("PackageType %s is not supported by gatehouse; use Zip", pt)
	}
	return nil
}

// zipFor returns the function's code package: an uploaded artifact, or
// inline ZipFile source zipped as CloudFormation does (index.js,
// index.py).
func zipFor(c *Call) ([]byte, error) {
	code, _ := c.Props["Code"].(map[string]any)
	if sum, ok := code["gatehouse:ZipSha256"].(string); ok {
		b, ok := c.Artifact(sum)
		if !ok {
			return nil, fmt.Errorf("the code package %s was not uploaded with this deploy", sum)
		}
		return b, nil
	}
	if src, ok := code["ZipFile"].(string); ok {
		name := "index.js"
		if strings.HasPrefix(str(c.Props, "Runtime"), "python") {
			name = "index.py"
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		w.Write([]byte(src))
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if _, ok := code["S3Bucket"]; ok {
		return nil, fmt.Errorf("Code.S3Bucket is not supported by gatehouse (it has no S3); use a local CodeUri or ZipFile")
	}
	return nil, fmt.Errorf("Properties.Code needs ZipFile or a local CodeUri")
}

func (p lambdaFunction) config(props map[string]any) map[string]any {
	in := map[string]any{}
	for _, k := range lambdaConfigKeys {
		if v, ok := props[k]; ok {
			in[k] = v
		}
	}
	return in
}

func (p lambdaFunction) Create(ctx context.Context, c *Call) (Result, error) {
	if err := p.check(c.Props); err != nil {
		return Result{}, err
	}
	zipBytes, err := zipFor(c)
	if err != nil {
		return Result{}, err
	}
	name := str(c.Props, "FunctionName")
	if name == "" {
		name = c.physicalName(64)
	}
	in := p.config(c.Props)
	in["FunctionName"] = name
	in["Code"] = map[string]any{"ZipFile": base64.StdEncoding.EncodeToString(zipBytes)}
	if tags := cfnTags(c.Props["Tags"]); len(tags) > 0 {
		in["Tags"] = tags
	}
	var out struct{ FunctionArn string }
	if err := c.API.REST(ctx, "lambda", "POST", "/2015-03-31/functions", in, &out); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: name, Attrs: map[string]any{"Arn": out.FunctionArn}}, nil
}

func (p lambdaFunction) Update(ctx context.Context, c *Call) (Result, error) {
	if err := p.check(c.Props); err != nil {
		return Result{}, err
	}
	name := c.Old.PhysicalID
	path := "/2015-03-31/functions/" + url.PathEscape(name)
	if !reflect.DeepEqual(c.Old.Props["Code"], c.Props["Code"]) {
		zipBytes, err := zipFor(c)
		if err != nil {
			return Result{}, err
		}
		if err := c.API.REST(ctx, "lambda", "PUT", path+"/code", map[string]any{"ZipFile": base64.StdEncoding.EncodeToString(zipBytes)}, nil); err != nil {
			return Result{}, err
		}
	}
	oldCfg, newCfg := p.config(c.Old.Props), p.config(c.Props)
	if !reflect.DeepEqual(oldCfg, newCfg) {
		// Properties left out go back to Lambda's defaults, as in
		// CloudFormation.
		for _, k := range []string{"Description", "Timeout", "MemorySize", "Environment"} {
			if _, ok := newCfg[k]; !ok {
				if _, had := oldCfg[k]; had {
					newCfg[k] = lambdaDefault(k)
				}
			}
		}
		if err := c.API.REST(ctx, "lambda", "PUT", path+"/configuration", newCfg, nil); err != nil {
			return Result{}, err
		}
	}
	if !reflect.DeepEqual(c.Old.Props["Tags"], c.Props["Tags"]) {
		arn, _ := c.Old.Attrs["Arn"].(string)
		tagPath := "/2017-03-31/tags/" + url.PathEscape(arn)
		if old := cfnTags(c.Old.Props["Tags"]); len(old) > 0 {
			q := url.Values{}
			for k := range old {
				q.Add("tagKeys", k)
			}
			if err := c.API.REST(ctx, "lambda", "DELETE", tagPath+"?"+q.Encode(), nil, nil); err != nil {
				return Result{}, err
			}
		}
		if tags := cfnTags(c.Props["Tags"]); len(tags) > 0 {
			if err := c.API.REST(ctx, "lambda", "POST", tagPath, map[string]any{"Tags": tags}, nil); err != nil {
				return Result{}, err
			}
		}
	}
	return Result{PhysicalID: name, Attrs: c.Old.Attrs}, nil
}

func lambdaDefault(key string) any {
	switch key {
	case "Timeout":
		return 3
	case "MemorySize":
		return 128
	case "Environment":
		return map[string]any{"Variables": map[string]any{}}
	}
	return ""
}

func (lambdaFunction) Delete(ctx context.Context, c *Call) error {
	err := c.API.REST(ctx, "lambda", "DELETE", "/2015-03-31/functions/"+url.PathEscape(c.Old.PhysicalID), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// cfnTags turns CloudFormation's [{Key, Value}] (or SAM's map) into a
// map.
func cfnTags(v any) map[string]string {
	out := map[string]string{}
	switch t := v.(type) {
	case []any:
		for _, item := range t {
			m, _ := item.(map[string]any)
			k, _ := m["Key"].(string)
			val, _ := m["Value"].(string)
			if k != "" {
				out[k] = val
			}
		}
	case map[string]any:
		for k, val := range t {
			s, _ := val.(string)
			out[k] = s
		}
	}
	return out
}

// lambdaPermission is AWS::Lambda::Permission: a statement in the
// function's resource policy (recorded by the Lambda API; gatehouse runs
// one account, so it does not gate calls).
type lambdaPermission struct{}

func (lambdaPermission) Attributes() []string { return nil }

func (lambdaPermission) Replaces(old, new map[string]any) (bool, string) {
	if k := changedKeys(old, new); len(k) > 0 {
		return true, k[0]
	}
	return false, ""
}

func (lambdaPermission) Create(ctx context.Context, c *Call) (Result, error) {
	fn := str(c.Props, "FunctionName")
	sid := c.physicalName(100)
	in := map[string]any{"StatementId": sid, "Action": str(c.Props, "Action"), "Principal": str(c.Props, "Principal")}
	for _, k := range []string{"SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"} {
		if v, ok := c.Props[k]; ok {
			in[k] = v
		}
	}
	if err := c.API.REST(ctx, "lambda", "POST", "/2015-03-31/functions/"+url.PathEscape(fn)+"/policy", in, nil); err != nil {
		return Result{}, err
	}
	return Result{PhysicalID: sid, Attrs: map[string]any{"function": fn}}, nil
}

func (p lambdaPermission) Update(ctx context.Context, c *Call) (Result, error) {
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (lambdaPermission) Delete(ctx context.Context, c *Call) error {
	fn, _ := c.Old.Attrs["function"].(string)
	err := c.API.REST(ctx, "lambda", "DELETE", "/2015-03-31/functions/"+url.PathEscape(fn)+"/policy/"+url.PathEscape(c.Old.PhysicalID), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// iamRole is AWS::IAM::Role. gatehouse has no IAM: the role is recorded
// (its policies are not enforced) so that functions can name its ARN.
type iamRole struct{}

func (iamRole) Attributes() []string { return []string{"Arn", "RoleId"} }

func (iamRole) Replaces(old, new map[string]any) (bool, string) {
	return replacing(old, new, "RoleName", "Path")
}

func (iamRole) Create(ctx context.Context, c *Call) (Result, error) {
	name := str(c.Props, "RoleName")
	if name == "" {
		name = c.physicalName(64)
	}
	path := str(c.Props, "Path")
	if path == "" {
		path = "/"
	}
	arn := "arn:aws:iam::" + c.Account + ":role" + path + name
	return Result{PhysicalID: name, Attrs: map[string]any{"Arn": arn, "RoleId": "AROA" + strings.ToUpper(strings.ReplaceAll(newUUID(), "-", ""))[:17]}}, nil
}

func (iamRole) Update(ctx context.Context, c *Call) (Result, error) {
	return Result{PhysicalID: c.Old.PhysicalID, Attrs: c.Old.Attrs}, nil
}

func (iamRole) Delete(ctx context.Context, c *Call) error { return nil }
