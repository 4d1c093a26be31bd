package userpool

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
	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

// Store kinds.
const (
	kindPool       = "userpool"
	kindClient     = "userpool-client"      // id: poolID/clientID
	kindClientPool = "userpool-client-pool" // id: clientID, data: poolID
)

// Options wire a Service.
type Options struct {
	Store   store.Store
	Box     *secrets.Box
	Region  string
	Account string
	Logger  *slog.Logger
	Now     func() time.Time
	// Endpoint is this server's URL; IssuerBase the base of token issuers
	// (default: Endpoint).
	Endpoint   string
	IssuerBase string
	// Mailer delivers codes and temporary passwords.
	Mailer Mailer
	// Invoker runs trigger functions.
	Invoker Invoker
	// CryptoSlots bounds concurrent SRP and signing work (default twice
	// GOMAXPROCS); CryptoQueue bounds callers waiting for a slot (default
	// 1,024), beyond which sign-ins get TooManyRequestsException.
	CryptoSlots, CryptoQueue int
}

// Service implements the Cognito user pools API.
type Service struct {
	opts     Options
	st       store.Store
	now      func() time.Time
	log      *slog.Logger
	keys     sync.Map // pool id -> *tokens.KeySet
	verifier *tokens.Verifier
	crunch   *crunch
	// configCache holds pools and clients read recently (see cache.go).
	configCache sync.Map
	// liveCache remembers revocation checks for the gateway (gateway_tokens.go).
	liveCache sync.Map
	liveGen   atomic.Uint64
}

// New builds a Service.
func New(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.IssuerBase == "" {
		opts.IssuerBase = opts.Endpoint
	}
	return &Service{opts: opts, st: opts.Store, now: opts.Now, log: opts.Logger, verifier: tokens.NewVerifier(),
		crunch: newCrunch(opts.CryptoSlots, opts.CryptoQueue)}
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomString draws n characters from set with crypto/rand.
func randomString(set string, n int) string {
	out := make([]byte, n)
	buf := make([]byte, n*2)
	for i := 0; i < n; {
		rand.Read(buf)
		for _, b := range buf {
			// Rejection sampling keeps the draw uniform.
			if int(b) < 256-256%len(set) && i < n {
				out[i] = set[int(b)%len(set)]
				i++
			}
		}
	}
	return string(out)
}

// newPoolID is REGION_ plus nine alphanumerics, the shape clients parse.
func (s *Service) newPoolID() string { return s.opts.Region + "_" + randomString(alnum, 9) }

// newClientID is 26 lowercase alphanumerics, as Cognito's.
func newClientID() string { return randomString("0123456789abcdefghijklmnopqrstuvwxyz", 26) }

// newClientSecret is 51 characters.
func newClientSecret() string { return randomString(alnum, 51) }

// asNotFound reports a ResourceNotFoundException and its message.
func asNotFound(err error) (string, bool) {
	if e, ok := awsproto.AsError(err); ok && e.Code == "ResourceNotFoundException" {
		return e.Message, true
	}
	return "", false
}

func poolNotFound(id string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ResourceNotFoundException", "User pool %s does not exist.", id)
}

func clientNotFound(id string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ResourceNotFoundException", "User pool client %s does not exist.", id)
}

// getJSON loads a record into v, mapping ErrNotFound to notFound.
func (s *Service) getJSON(ctx context.Context, kind, id string, v any, notFound error) (int64, error) {
	r, err := s.st.Get(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, notFound
	}
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		return 0, fmt.Errorf("decode %s %s: %w", kind, id, err)
	}
	return r.Version, nil
}

// updateJSON applies fn to a record with compare-and-swap.
func updateJSON[T any](ctx context.Context, s *Service, kind, id string, notFound error, fn func(*T) error) (T, error) {
	var out T
	_, err := s.st.Update(ctx, kind, id, func(old []byte) ([]byte, error) {
		var v T
		if err := json.Unmarshal(old, &v); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", kind, id, err)
		}
		if err := fn(&v); err != nil {
			return nil, err
		}
		out = v
		return json.Marshal(v)
	})
	if kind == kindPool || kind == kindClient {
		s.forgetConfig()
	}
	if errors.Is(err, store.ErrNotFound) {
		return out, notFound
	}
	return out, err
}
