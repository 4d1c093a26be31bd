package functions

import "time"

// These types are the Lambda API's JSON shapes; field names and omission
// rules follow the service model so SDK parsers see what they expect.

// Environment is a function's variables.
type Environment struct {
	Variables map[string]string `json:"Variables"`
}

// EnvironmentResponse wraps variables as GetFunctionConfiguration shows them.
type EnvironmentResponse struct {
	Variables map[string]string `json:"Variables"`
}

type tracingConfig struct {
	Mode string `json:"Mode"`
}

type ephemeralStorage struct {
	Size int `json:"Size"`
}

type snapStart struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type loggingConfig struct {
	LogFormat string `json:"LogFormat"`
	LogGroup  string `json:"LogGroup"`
}

type runtimeVersionConfig struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn"`
}

// Configuration is Lambda's FunctionConfiguration.
type Configuration struct {
	FunctionName         string               `json:"FunctionName"`
	FunctionArn          string               `json:"FunctionArn"`
	Runtime              string               `json:"Runtime,omitempty"`
	Role                 string               `json:"Role"`
	Handler              string               `json:"Handler,omitempty"`
	CodeSize             int64                `json:"CodeSize"`
	Description          string               `json:"Description"`
	Timeout              int                  `json:"Timeout"`
	MemorySize           int                  `json:"MemorySize"`
	LastModified         string               `json:"LastModified"`
	CodeSha256           string               `json:"CodeSha256"`
	Version              string               `json:"Version"`
	Environment          *EnvironmentResponse `json:"Environment,omitempty"`
	TracingConfig        tracingConfig        `json:"TracingConfig"`
	RevisionID           string               `json:"RevisionId"`
	State                string               `json:"State"`
	LastUpdateStatus     string               `json:"LastUpdateStatus"`
	PackageType          string               `json:"PackageType"`
	Architectures        []string             `json:"Architectures"`
	EphemeralStorage     ephemeralStorage     `json:"EphemeralStorage"`
	SnapStart            snapStart            `json:"SnapStart"`
	RuntimeVersionConfig runtimeVersionConfig `json:"RuntimeVersionConfig"`
	LoggingConfig        loggingConfig        `json:"LoggingConfig"`
}

// record is what the store keeps per function.
type record struct {
	Config      Configuration     `json:"config"`
	Tags        map[string]string `json:"tags,omitempty"`
	Policy      []policyStatement `json:"policy,omitempty"`
	PolicyRev   string            `json:"policyRev,omitempty"`
	Concurrency *int              `json:"concurrency,omitempty"`
	// Code is the content hash (hex) of the deployment package.
	Code string `json:"code"`
	// AccessKeyID is the function's own key; its secret lives sealed in the
	// keyring and is given to the function's environments.
	AccessKeyID string    `json:"accessKeyId"`
	Secret      []byte    `json:"secret"` // sealed with the master key
	Created     time.Time `json:"created"`
}

type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal any            `json:"Principal"`
	Action    string         `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// lastModified formats times as Lambda does: 2024-01-02T03:04:05.000+0000.
func lastModified(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000-0700")
}
