package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/userpool"
)

// restapisHandler serves everything under /restapis: the path form of
// an invoke URL (/restapis/{api}/{stage}/_user_request_/{path}), which
// is unsigned like any API call from a browser, and the signed REST
// management operations.
func restapisHandler(gw *gateway.Service, control http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.EscapedPath(), "/restapis/")
		parts := strings.SplitN(rest, "/", 4)
		if len(parts) >= 3 && parts[2] == "_user_request_" {
			path := "/"
			if len(parts) == 4 {
				path += parts[3]
			}
			gw.ServeStage(w, r, parts[0], parts[1], path)
			return
		}
		control.ServeHTTP(w, r)
	})
}

// executeAPIHosts sends requests for {api}.execute-api.* hosts to the
// gateway (the first path segment is the stage, or the whole path is an
// HTTP API's $default stage's), /restapis paths to
// restapis, and everything else to next. It sits in front of the mux
// because /restapis/{api}/... overlaps the mux's /{poolId}/... patterns.
func executeAPIHosts(gw *gateway.Service, restapis, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api, ok := gateway.HostAPI(r.Host); ok {
			// The first segment names the stage, except that an HTTP API's
			// $default stage is served at the root (see StageForPath).
			stage, path := gw.StageForPath(api, r.URL.EscapedPath())
			gw.ServeStage(w, r, api, stage, path)
			return
		}
		if p := r.URL.Path; p == "/restapis" || strings.HasPrefix(p, "/restapis/") || p == "/apikeys" || strings.HasPrefix(p, "/apikeys/") ||
			p == "/usageplans" || strings.HasPrefix(p, "/usageplans/") {
			restapis.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// poolTokens lets gateway authorizers verify tokens of this server's
// pools; a pool that is not here is gateway.ErrUnknownPool, so a JWT
// authorizer can fall back to the issuer's own discovery document (real
// Cognito, or any OIDC provider).
type poolTokens struct{ pools *userpool.Service }

func (p poolTokens) VerifyPoolToken(ctx context.Context, poolID, token, tokenUse string) (map[string]any, error) {
	c, err := p.pools.VerifyPoolToken(ctx, poolID, token, tokenUse)
	if e, ok := awsproto.AsError(err); ok && e.Code == "ResourceNotFoundException" {
		return nil, fmt.Errorf("%w: %s", gateway.ErrUnknownPool, poolID)
	}
	return c, err
}

// RevocationGeneration lets the gateway reuse a recent liveness answer.
func (p poolTokens) RevocationGeneration() uint64 { return p.pools.RevocationGeneration() }

// gatewayControl is a signed API Gateway management API (service
// apigateway): gw.ControlPlane (v1, /restapis) or gw.ControlPlaneV2
// (apigatewayv2, /v2/apis), which botocore signs with the same name.
func gatewayControl(api *awsproto.API, h awsproto.HandlerFunc) http.Handler {
	return api.HandleLimit(8<<20, awsproto.Errorf(http.StatusRequestEntityTooLarge, "BadRequestException", "Request body is too large."), h)
}

// apiListener is one API's own listener (--api-listen).
type apiListener struct {
	ln  net.Listener
	srv *http.Server
}

// listenAPI serves one API on addr: /{stage}/{path}, as on the API's
// execute-api host, for clients that cannot set a Host header.
func listenAPI(gw *gateway.Service, api, addr string, log *slog.Logger) (*apiListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--api-listen %s=%s: %w", api, addr, err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stage, path := gw.StageForPath(api, r.URL.EscapedPath())
			gw.ServeStage(w, r, api, stage, path)
		}),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("api listener", "api", api, "addr", ln.Addr().String())
	return &apiListener{ln: ln, srv: srv}, nil
}
