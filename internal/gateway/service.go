package gateway

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Store kinds.
const (
	kindAPI        = "apigw-api"        // id: apiID
	kindDeployment = "apigw-deployment" // id: apiID/deploymentID
	kindStage      = "apigw-stage"      // id: apiID/stageName
)

// Options wire a Service.
type Options struct {
	Store       store.Store
	Functions   FunctionInvoker
	Pools       PoolTokens
	Region      string
	Account     string
	Logger      *slog.Logger
	Now         func() time.Time
	Authorizers *Authorizers  // built from Pools and Functions when nil
	Metrics     *Metrics      // nil: none
	AccessLogs  AccessLogSink // where stages' access logs go (nil: nowhere)
}

// Service is the API gateway: the control plane (RestApis, deployments,
// stages) and the data plane serving deployed stages.
type Service struct {
	opts Options
	st   store.Store
	log  *slog.Logger
	now  func() time.Time
	auth *Authorizers
	live atomic.Pointer[liveAPIs] // what is served: swapped whole on change
	mu   sync.Mutex               // serializes reloads
	// eventSize is the size of a recent event, so the next one's buffer
	// is allocated once at about the right size instead of grown by
	// copying (events with claims run to several KB).
	eventSize atomic.Int64
}

// apiRecord is a stored API.
type apiRecord struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Description      string            `json:"description,omitempty"`
	Version          string            `json:"version,omitempty"`
	Protocol         Protocol          `json:"protocol"`
	Created          time.Time         `json:"created"`
	Doc              []byte            `json:"doc"`
	BinaryMediaTypes []string          `json:"binaryMediaTypes,omitempty"`
	APIKeySource     string            `json:"apiKeySource,omitempty"`
	EndpointTypes    []string          `json:"endpointTypes,omitempty"`
	RootResourceID   string            `json:"rootResourceId"`
	Tags             map[string]string `json:"tags,omitempty"`
}

// deploymentRecord freezes an API's document at deployment time.
type deploymentRecord struct {
	ID          string    `json:"id"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
	Doc         []byte    `json:"doc"`
}

// stageRecord is a stage: a name pointing at a deployment.
type stageRecord struct {
	Name         string            `json:"name"`
	DeploymentID string            `json:"deploymentId"`
	Description  string            `json:"description,omitempty"`
	Variables    map[string]string `json:"variables,omitempty"`
	Created      time.Time         `json:"created"`
	Updated      time.Time         `json:"updated"`
	// Throttling for the whole stage (0: unlimited).
	RateLimit  float64    `json:"rateLimit,omitempty"`
	BurstLimit int        `json:"burstLimit,omitempty"`
	AccessLog  *accessLog `json:"accessLog,omitempty"`
	// MethodThrottle holds one method's own limits, by "METHOD /resource".
	MethodThrottle map[string]throttle `json:"methodThrottle,omitempty"`
}

// throttle is a token bucket's settings.
type throttle struct {
	RateLimit  float64 `json:"rateLimit"`
	BurstLimit int     `json:"burstLimit"`
}

// New builds a Service and loads what is deployed.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{opts: opts, st: opts.Store, log: opts.Logger, now: opts.Now, auth: opts.Authorizers}
	if s.auth == nil {
		s.auth = NewAuthorizers(opts.Pools, opts.Functions, AuthorizerOptions{Now: opts.Now, Region: opts.Region, Account: opts.Account, Logger: opts.Logger})
	}
	s.live.Store(&liveAPIs{apis: map[string]*liveAPI{}})
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

const idChars = "0123456789abcdefghijklmnopqrstuvwxyz"

// newID is ten lowercase alphanumerics, the shape of API Gateway ids
// (apis, deployments, resources).
func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return string(b)
}

func notFound(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusNotFound, "NotFoundException", format, args...)
}

func badRequest(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "BadRequestException", format, args...)
}

func conflict(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusConflict, "ConflictException", format, args...)
}

func (s *Service) getJSON(ctx context.Context, kind, id string, v any, nf error) error {
	r, err := s.st.Get(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return nf
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", kind, id, err)
	}
	return nil
}

func (s *Service) apiNotFound(id string) *awsproto.Error {
	return notFound("Invalid API identifier specified %s:%s", s.opts.Account, id)
}
