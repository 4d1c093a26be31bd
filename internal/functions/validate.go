package functions

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// Patterns from the Lambda service model; violations are ValidationException
// with the wording AWS's front end uses.
var (
	functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`
	functionNameRe      = regexp.MustCompile(`^` + functionNamePattern + `$`)
	rolePattern         = `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`
	roleRe              = regexp.MustCompile(`^` + rolePattern + `$`)
	envNameRe           = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
	statementIDRe       = regexp.MustCompile(`^([a-zA-Z0-9-_]+)$`)
	qualifierRe         = regexp.MustCompile(`^(|[a-zA-Z0-9$_-]+)$`)
)

// awsRuntimes is the Runtime enum of the service model; supportedRuntimes
// is the part gatehouse runs.
var awsRuntimes = []string{"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13", "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10", "ruby4.0"}

var supportedRuntimes = map[string]bool{
	"provided": true, "provided.al2": true, "provided.al2023": true, "go1.x": true,
	"nodejs18.x": true, "nodejs20.x": true, "nodejs22.x": true, "nodejs24.x": true,
	"python3.8": true, "python3.9": true, "python3.10": true, "python3.11": true, "python3.12": true, "python3.13": true, "python3.14": true,
}

func validationError(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ValidationException", "1 validation error detected: "+format, args...)
}

func invalidParameter(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidParameterValueException", format, args...)
}

func notFound(arn string) *awsproto.Error {
	return awsproto.Errorf(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", arn)
}

func conflict(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusConflict, "ResourceConflictException", format, args...)
}

// ref is a parsed FunctionName parameter.
type ref struct {
	Name      string
	Qualifier string
}

// parseName accepts a name, a partial ARN (123456789012:function:name) or
// a full ARN, each with an optional :qualifier, and checks region and
// account when given.
// maxValidNames bounds the memo of matched names.
const maxValidNames = 4096

// nameMatches applies functionNameRe, remembering names that matched.
// Plain names ([a-zA-Z0-9-_]+) match without it.
func (s *Service) nameMatches(raw string) bool {
	plain := true
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			plain = false
			break
		}
	}
	if plain {
		return true
	}
	if _, ok := s.validNames.Load(raw); ok {
		return true
	}
	if !functionNameRe.MatchString(raw) {
		return false
	}
	if s.validNamesN.Add(1) <= maxValidNames {
		s.validNames.Store(raw, struct{}{})
	}
	return true
}

func (s *Service) parseName(raw, field string) (ref, error) {
	if len(raw) < 1 || len(raw) > 140 || !s.nameMatches(raw) {
		return ref{}, validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", raw, field, functionNamePattern)
	}
	parts := strings.Split(raw, ":")
	var r ref
	switch {
	case strings.HasPrefix(raw, "arn:"):
		// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
		if len(parts) < 7 {
			return ref{}, invalidParameter("%s is not a valid function ARN", raw)
		}
		if parts[3] != s.opts.Region || parts[4] != s.opts.Account {
			return ref{}, notFound(raw)
		}
		r.Name = parts[6]
		if len(parts) > 7 {
			r.Qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		if parts[0] != s.opts.Account {
			return ref{}, notFound(raw)
		}
		r.Name = parts[2]
		if len(parts) > 3 {
			r.Qualifier = parts[3]
		}
	default:
		r.Name = parts[0]
		if len(parts) > 1 {
			r.Qualifier = parts[1]
		}
	}
	if len(r.Name) > 64 {
		return ref{}, invalidParameter("Function name %s is longer than 64 characters.", r.Name)
	}
	return r, nil
}

// configInput is the part of CreateFunction / UpdateFunctionConfiguration
// that shapes the runtime configuration. Pointers tell "absent" from zero.
type configInput struct {
	Runtime     *string      `json:"Runtime"`
	Role        *string      `json:"Role"`
	Handler     *string      `json:"Handler"`
	Description *string      `json:"Description"`
	Timeout     *int         `json:"Timeout"`
	MemorySize  *int         `json:"MemorySize"`
	Environment *Environment `json:"Environment"`
	// Accepted and ignored fields would silently change behaviour, so the
	// ones gatehouse cannot honour are rejected instead.
	Architectures []string `json:"Architectures"`
	PackageType   *string  `json:"PackageType"`
}

func (in *configInput) validate() error {
	if in.Runtime != nil {
		rt := *in.Runtime
		known := false
		for _, r := range awsRuntimes {
			known = known || r == rt
		}
		if !known {
			return validationError("Value '%s' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s]", rt, strings.Join(awsRuntimes, ", "))
		}
		if !supportedRuntimes[rt] {
			return invalidParameter("The runtime parameter of %s is not supported by gatehouse. Supported runtimes: provided.al2023, provided.al2, provided, go1.x, nodejs18.x-nodejs24.x, python3.8-python3.14.", rt)
		}
	}
	if in.Role != nil && !roleRe.MatchString(*in.Role) {
		return validationError("Value '%s' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", *in.Role, rolePattern)
	}
	if in.Handler != nil {
		h := *in.Handler
		if len(h) > 128 {
			return validationError("Value '%s' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128", h)
		}
		if strings.ContainsAny(h, " \t\r\n") {
			return validationError("Value '%s' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+", h)
		}
	}
	if in.Description != nil && len(*in.Description) > 256 {
		return validationError("Value '%s' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256", *in.Description)
	}
	if in.Timeout != nil {
		if *in.Timeout < 1 {
			return validationError("Value '%d' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Timeout)
		}
		if *in.Timeout > 900 {
			return invalidParameter("Value %d at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900", *in.Timeout)
		}
	}
	if in.MemorySize != nil {
		if *in.MemorySize < 128 {
			return validationError("Value '%d' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128", *in.MemorySize)
		}
		if *in.MemorySize > 10240 {
			return invalidParameter("'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 10240")
		}
	}
	if in.Environment != nil {
		size := 0
		for k, v := range in.Environment.Variables {
			if !envNameRe.MatchString(k) {
				return validationError("Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
			}
			if reservedEnv[k] {
				return invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", k)
			}
			size += len(k) + len(v)
		}
		if size > 4096 {
			return invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d", size)
		}
	}
	for _, a := range in.Architectures {
		if a != "x86_64" && a != "arm64" {
			return validationError("Value '[%s]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]", a)
		}
	}
	if len(in.Architectures) > 1 {
		return validationError("Value '%v' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1", in.Architectures)
	}
	if in.PackageType != nil && *in.PackageType != "Zip" {
		return invalidParameter("PackageType %s is not supported by gatehouse; use Zip.", *in.PackageType)
	}
	return nil
}

// reservedEnv are the variables Lambda refuses to let users set.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true,
	"AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

func validateTags(tags map[string]string) error {
	if len(tags) > 50 {
		return invalidParameter("Number of tags exceeds resource tag limit.")
	}
	for k, v := range tags {
		if len(k) < 1 || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter("Tag key %q is not valid: keys are 1-128 characters and may not start with aws:.", k)
		}
		if len(v) > 256 {
			return invalidParameter("Tag value for key %q is longer than 256 characters.", k)
		}
	}
	return nil
}
