package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// CodeInput is the Code member of CreateFunction.
type CodeInput struct {
	ZipFile         []byte  `json:"ZipFile"`
	S3Bucket        *string `json:"S3Bucket"`
	S3Key           *string `json:"S3Key"`
	S3ObjectVersion *string `json:"S3ObjectVersion"`
	ImageURI        *string `json:"ImageUri"`
}

// CreateInput is CreateFunction's request.
type CreateInput struct {
	FunctionName string            `json:"FunctionName"`
	Code         *CodeInput        `json:"Code"`
	Tags         map[string]string `json:"Tags"`
	Publish      bool              `json:"Publish"`
	configInput
}

func awsRequestTooLarge() *awsproto.Error {
	return awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request must be smaller than %d bytes for the CreateFunction operation", maxZipped)
}

func newRevision() string { return awsproto.NewRequestID() }

func (s *Service) codePackage(ctx context.Context, c *CodeInput) (pkg, error) {
	if c == nil {
		return pkg{}, validationError("Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	if c.S3Bucket != nil || c.S3Key != nil || c.ImageURI != nil {
		return pkg{}, invalidParameter("gatehouse takes deployment packages as ZipFile only; S3 and image code locations are not supported.")
	}
	p, err := checkZip(c.ZipFile)
	if err != nil {
		return pkg{}, err
	}
	if err := s.st.PutBlob(ctx, p.hash, p.zip); err != nil {
		return pkg{}, fmt.Errorf("store code: %w", err)
	}
	return p, nil
}

// Create implements CreateFunction.
func (s *Service) Create(ctx context.Context, in *CreateInput) (Configuration, error) {
	if in.FunctionName == "" {
		return Configuration{}, validationError("Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	}
	r, err := s.parseName(in.FunctionName, "functionName")
	if err != nil {
		return Configuration{}, err
	}
	if r.Qualifier != "" {
		return Configuration{}, invalidParameter("Unsupported function name %s: a qualifier is not allowed here.", in.FunctionName)
	}
	if in.Role == nil {
		return Configuration{}, validationError("Value null at 'role' failed to satisfy constraint: Member must not be null")
	}
	if err := in.validate(); err != nil {
		return Configuration{}, err
	}
	if in.Runtime == nil || in.Handler == nil {
		return Configuration{}, invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if err := s.opts.Supervisor.Supported(*in.Runtime); err != nil {
		return Configuration{}, invalidParameter("The runtime %s cannot run on this gatehouse server: %v.", *in.Runtime, err)
	}
	if err := validateTags(in.Tags); err != nil {
		return Configuration{}, err
	}
	if _, _, err := s.load(ctx, r.Name); err == nil {
		return Configuration{}, conflict("Function already exist: %s", r.Name)
	}
	p, err := s.codePackage(ctx, in.Code)
	if err != nil {
		return Configuration{}, err
	}
	// Unpack now so the first invoke does not pay for it.
	if _, err := s.code.path(ctx, p.hash); err != nil {
		return Configuration{}, err
	}
	keyID, secret, err := s.opts.Keys.Create(ctx, "function:"+r.Name)
	if err != nil {
		return Configuration{}, err
	}
	now := s.now()
	c := Configuration{
		FunctionName:         r.Name,
		FunctionArn:          s.arn(r.Name),
		Runtime:              *in.Runtime,
		Role:                 *in.Role,
		Handler:              *in.Handler,
		CodeSize:             int64(len(p.zip)),
		Timeout:              3,
		MemorySize:           128,
		LastModified:         lastModified(now),
		CodeSha256:           p.sha256,
		Version:              "$LATEST",
		TracingConfig:        tracingConfig{Mode: "PassThrough"},
		RevisionID:           newRevision(),
		State:                "Active",
		LastUpdateStatus:     "Successful",
		PackageType:          "Zip",
		Architectures:        []string{"x86_64"},
		EphemeralStorage:     ephemeralStorage{Size: 512},
		SnapStart:            snapStart{ApplyOn: "None", OptimizationStatus: "Off"},
		RuntimeVersionConfig: runtimeVersionConfig{RuntimeVersionArn: fmt.Sprintf("arn:aws:lambda:%s::runtime:gatehouse-%s", s.opts.Region, *in.Runtime)},
		LoggingConfig:        loggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + r.Name},
	}
	applyConfig(&c, &in.configInput)
	rec := record{
		Config:      c,
		Tags:        in.Tags,
		Code:        p.hash,
		AccessKeyID: keyID,
		Secret:      s.opts.Box.Seal([]byte(secret), []byte(keyID)),
		Created:     now.UTC(),
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return Configuration{}, err
	}
	if _, err := s.st.Create(ctx, kindFunction, r.Name, data); err != nil {
		s.opts.Keys.Revoke(context.WithoutCancel(ctx), keyID)
		if errors.Is(err, store.ErrAlreadyExists) {
			return Configuration{}, conflict("Function already exist: %s", r.Name)
		}
		return Configuration{}, err
	}
	s.log.Info("function created", "function", r.Name, "runtime", c.Runtime, "code_sha256", c.CodeSha256)
	return c, nil
}

func applyConfig(c *Configuration, in *configInput) {
	if in.Runtime != nil {
		c.Runtime = *in.Runtime
	}
	if in.Role != nil {
		c.Role = *in.Role
	}
	if in.Handler != nil {
		c.Handler = *in.Handler
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.Timeout != nil {
		c.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		c.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		if len(in.Environment.Variables) == 0 {
			c.Environment = nil
		} else {
			c.Environment = &EnvironmentResponse{Variables: in.Environment.Variables}
		}
	}
	if len(in.Architectures) == 1 {
		c.Architectures = in.Architectures
	}
}

// Get returns a function's record by FunctionName (name or ARN).
func (s *Service) Get(ctx context.Context, name string) (record, error) {
	r, err := s.ref(name)
	if err != nil {
		return record{}, err
	}
	rec, _, err := s.load(ctx, r.Name)
	return rec, err
}

// ref parses a FunctionName path parameter and checks its qualifier: only
// $LATEST exists until versions are published.
func (s *Service) ref(raw string) (ref, error) {
	r, err := s.parseName(raw, "functionName")
	if err != nil {
		return r, err
	}
	if r.Qualifier != "" && r.Qualifier != "$LATEST" {
		return r, notFound(s.arn(r.Name) + ":" + r.Qualifier)
	}
	return r, nil
}

func checkRevision(rec *record, want *string) error {
	if want != nil && *want != "" && *want != rec.Config.RevisionID {
		return awsproto.Errorf(http.StatusPreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return nil
}

// UpdateCodeInput is UpdateFunctionCode's request.
type UpdateCodeInput struct {
	ZipFile    []byte  `json:"ZipFile"`
	S3Bucket   *string `json:"S3Bucket"`
	S3Key      *string `json:"S3Key"`
	ImageURI   *string `json:"ImageUri"`
	DryRun     bool    `json:"DryRun"`
	Publish    bool    `json:"Publish"`
	RevisionID *string `json:"RevisionId"`
}

// UpdateCode implements UpdateFunctionCode.
func (s *Service) UpdateCode(ctx context.Context, name string, in *UpdateCodeInput) (Configuration, error) {
	r, err := s.ref(name)
	if err != nil {
		return Configuration{}, err
	}
	if _, _, err := s.load(ctx, r.Name); err != nil {
		return Configuration{}, err
	}
	p, err := s.codePackage(ctx, &CodeInput{ZipFile: in.ZipFile, S3Bucket: in.S3Bucket, S3Key: in.S3Key, ImageURI: in.ImageURI})
	if err != nil {
		return Configuration{}, err
	}
	if _, err := s.code.path(ctx, p.hash); err != nil {
		return Configuration{}, err
	}
	rec, err := s.update(ctx, r.Name, func(rec *record) error {
		if err := checkRevision(rec, in.RevisionID); err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		rec.Code = p.hash
		rec.Config.CodeSha256 = p.sha256
		rec.Config.CodeSize = int64(len(p.zip))
		rec.Config.LastModified = lastModified(s.now())
		rec.Config.RevisionID = newRevision()
		return nil
	})
	if errors.Is(err, errDryRun) {
		rec, _, err = s.load(ctx, r.Name)
		rec.Config.CodeSha256, rec.Config.CodeSize = p.sha256, int64(len(p.zip))
		return rec.Config, err
	}
	if err != nil {
		return Configuration{}, err
	}
	s.opts.Supervisor.Retire(r.Name)
	return rec.Config, nil
}

var errDryRun = errors.New("dry run")

// UpdateConfigInput is UpdateFunctionConfiguration's request.
type UpdateConfigInput struct {
	configInput
	RevisionID *string `json:"RevisionId"`
}

// UpdateConfig implements UpdateFunctionConfiguration.
func (s *Service) UpdateConfig(ctx context.Context, name string, in *UpdateConfigInput) (Configuration, error) {
	r, err := s.ref(name)
	if err != nil {
		return Configuration{}, err
	}
	if err := in.validate(); err != nil {
		return Configuration{}, err
	}
	if in.Runtime != nil {
		if err := s.opts.Supervisor.Supported(*in.Runtime); err != nil {
			return Configuration{}, invalidParameter("The runtime %s cannot run on this gatehouse server: %v.", *in.Runtime, err)
		}
	}
	rec, err := s.update(ctx, r.Name, func(rec *record) error {
		if err := checkRevision(rec, in.RevisionID); err != nil {
			return err
		}
		applyConfig(&rec.Config, &in.configInput)
		rec.Config.LastModified = lastModified(s.now())
		rec.Config.RevisionID = newRevision()
		return nil
	})
	if err != nil {
		return Configuration{}, err
	}
	s.opts.Supervisor.Retire(r.Name)
	return rec.Config, nil
}

// Delete implements DeleteFunction: the record, the function's access
// key, and its environments go; its logs stay, as in Lambda.
func (s *Service) Delete(ctx context.Context, name string) error {
	r, err := s.ref(name)
	if err != nil {
		return err
	}
	if r.Qualifier != "" {
		return invalidParameter("Deletion of $LATEST version is not allowed.")
	}
	rec, _, err := s.load(ctx, r.Name)
	if err != nil {
		return err
	}
	if err := s.st.Delete(ctx, kindFunction, r.Name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound(s.arn(r.Name))
		}
		return err
	}
	s.forget(r.Name)
	if err := s.opts.Keys.Revoke(ctx, rec.AccessKeyID); err != nil {
		s.log.Error("revoke function key", "function", r.Name, "err", err)
	}
	s.opts.Supervisor.Retire(r.Name)
	s.opts.Metrics.forget(r.Name)
	s.log.Info("function deleted", "function", r.Name)
	return nil
}

// List implements ListFunctions.
func (s *Service) List(ctx context.Context, marker string, max int) ([]Configuration, string, error) {
	if max <= 0 || max > 50 {
		max = 50
	}
	recs, next, err := s.list(ctx, marker, max)
	if err != nil {
		return nil, "", err
	}
	out := make([]Configuration, len(recs))
	for i, r := range recs {
		out[i] = r.Config
	}
	return out, next, nil
}

// tagTarget resolves a tagging resource ARN to a function name.
func (s *Service) tagTarget(arn string) (string, error) {
	prefix := s.arn("")
	if !strings.HasPrefix(arn, "arn:") {
		return "", validationError("Value '%s' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", arn)
	}
	if !strings.HasPrefix(arn, prefix) {
		return "", notFound(arn)
	}
	name := strings.TrimPrefix(arn, prefix)
	if name == "" || strings.Contains(name, ":") {
		return "", invalidParameter("Tags are supported on functions only, not on versions or aliases: %s", arn)
	}
	return name, nil
}

// Tags implements ListTags.
func (s *Service) Tags(ctx context.Context, arn string) (map[string]string, error) {
	name, err := s.tagTarget(arn)
	if err != nil {
		return nil, err
	}
	rec, _, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	return rec.Tags, nil
}

// Tag implements TagResource.
func (s *Service) Tag(ctx context.Context, arn string, tags map[string]string) error {
	name, err := s.tagTarget(arn)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return validationError("Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	_, err = s.update(ctx, name, func(rec *record) error {
		merged := map[string]string{}
		for k, v := range rec.Tags {
			merged[k] = v
		}
		for k, v := range tags {
			merged[k] = v
		}
		if err := validateTags(merged); err != nil {
			return err
		}
		rec.Tags = merged
		return nil
	})
	return err
}

// Untag implements UntagResource.
func (s *Service) Untag(ctx context.Context, arn string, keys []string) error {
	name, err := s.tagTarget(arn)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, name, func(rec *record) error {
		for _, k := range keys {
			delete(rec.Tags, k)
		}
		return nil
	})
	return err
}
