// Package server is gatehouse's front door: it provisions the services on
// one data dir and routes every request on one port to the service it is
// for, without parsing bodies.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/credentials"
	"github.com/gatehouse/gatehouse/internal/functions"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/logs"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/runtime"
	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/userpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what `gatehouse serve` is told.
type Config struct {
	DataDir string
	Addr    string
	Region  string
	Account string
	// Node and Python are interpreter paths; empty means look them up once
	// now. "-" disables the runtime family.
	Node, Python    string
	MaxEnvironments int
	IdleTimeout     time.Duration
	Async           functions.AsyncOptions
	// IssuerBase is the base of user pool token issuers; empty means this
	// server's URL (set https://cognito-idp.REGION.amazonaws.com for
	// verifiers that insist on the AWS form).
	IssuerBase string
	// SMTP delivers user pool email; nil keeps it in the outbox. MailFrom
	// is the default sender (Cognito's when empty). SMSWebhook receives
	// SMS as JSON POSTs; empty keeps them in the outbox.
	// APIListen gives APIs a listener of their own (api id → address),
	// where /{stage}/{path} works as on the API's execute-api host.
	APIListen  map[string]string
	SMTP       *mail.SMTPConfig
	MailFrom   string
	SMSWebhook string
	Logger     *slog.Logger
}

// Server is a provisioned gatehouse node.
type Server struct {
	cfg   Config
	log   *slog.Logger
	ln    net.Listener
	http  *http.Server
	store *sqlite.Store
	logs  *logs.Store
	sup   *runtime.Supervisor
	fns   *functions.Service
	mail  *mail.Service
	pools *userpool.Service
	gw    *gateway.Service
	// apiServers are the --api-listen listeners.
	apiServers []*apiListener
	// stopSweep ends the user pool sweeper and the usage plan flusher;
	// usageDone closes when the flusher has written its last counts.
	stopSweep context.CancelFunc
	usageDone chan struct{}
	stacks    *stack.Engine
	cg        runtime.CgroupManager
}

// New provisions everything and starts listening; Serve then answers.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	log := cfg.Logger
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cfg.DataDir = dir
	s := &Server{cfg: cfg, log: log}
	ok := false
	defer func() {
		if !ok {
			s.cleanup()
		}
	}()

	key, err := secrets.LoadOrCreateKey(filepath.Join(dir, "master.key"), os.Getenv("GATEHOUSE_MASTER_KEY"))
	if err != nil {
		return nil, err
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		return nil, err
	}
	if s.store, err = sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"), nil); err != nil {
		return nil, err
	}
	keys := credentials.New(s.store, box, nil)
	rootID, err := keys.EnsureRoot(ctx, dir, cfg.Region)
	if err != nil {
		return nil, fmt.Errorf("root credentials: %w", err)
	}
	if s.logs, err = logs.Open(filepath.Join(dir, "logs"), 0); err != nil {
		return nil, err
	}
	s.mail, err = mail.New(mail.Options{Store: s.store, Box: box, Logger: log, SMTP: cfg.SMTP, SMSWebhook: cfg.SMSWebhook, From: cfg.MailFrom})
	if err != nil {
		return nil, err
	}
	emailTo, smsTo := s.mail.Describe()
	log.Info("message delivery", "email", emailTo, "sms", smsTo)

	s.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	endpoint := "http://" + s.ln.Addr().String()

	cg, cgErr := runtime.DetectCgroups()
	if cgErr != nil {
		log.Warn("memory limits are not enforced: no usable memory cgroup", "reason", cgErr)
	} else {
		s.cg = cg
		log.Info("memory limits enforced with cgroups", "version", cg.Kind())
	}
	node, python := findInterpreters(cfg.Node, cfg.Python, log)
	s.sup, err = runtime.New(runtime.Options{
		RuntimeDir:      filepath.Join(dir, "runtime"),
		Node:            node,
		Python:          python,
		MaxEnvironments: cfg.MaxEnvironments,
		IdleTimeout:     cfg.IdleTimeout,
		Region:          cfg.Region,
		Launcher:        &runtime.LocalLauncher{Cgroups: cg},
		Logger:          log,
	})
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gatehouse_environments", Help: "Live execution environments."}, func() float64 {
		total, _ := s.sup.Stats()
		return float64(total)
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gatehouse_environments_busy", Help: "Execution environments running an invocation."}, func() float64 {
		_, busy := s.sup.Stats()
		return float64(busy)
	}))
	s.fns, err = functions.New(functions.Options{
		Store:      s.store,
		Keys:       keys,
		Box:        box,
		Supervisor: s.sup,
		Logs:       s.logs,
		Metrics:    functions.NewMetrics(reg),
		Logger:     log,
		CodeDir:    filepath.Join(dir, "code"),
		Region:     cfg.Region,
		Account:    cfg.Account,
		Endpoint:   endpoint,
		Async:      cfg.Async,
	})
	if err != nil {
		return nil, err
	}

	verifier := &awsproto.Verifier{Lookup: keys.Lookup}
	lambdaAPI := &awsproto.API{
		Protocol: awsproto.RESTJSON, Verifier: verifier, Logger: log, MaxBody: 70 << 20, Service: "lambda", Region: cfg.Region,
		TooLarge: awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation"),
	}
	jsonAPI := func(service string) *awsproto.API {
		return &awsproto.API{
			Protocol: awsproto.JSON11, Verifier: verifier, Logger: log, MaxBody: 1 << 20, Service: service, Region: cfg.Region,
			TooLarge: awsproto.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request body is too large."),
		}
	}
	logsAPI := &logs.API{Store: s.logs}
	s.pools = userpool.New(userpool.Options{Store: s.store, Box: box, Region: cfg.Region, Account: cfg.Account, Logger: log,
		Endpoint: endpoint, IssuerBase: cfg.IssuerBase, Invoker: triggerInvoker{s.fns}, Mailer: poolMailer{s.mail}})
	pools := s.pools
	poolAPI := jsonAPI("cognito-idp")
	poolAPI.Public = userpool.IsPublic

	s.gw, err = gateway.New(ctx, gateway.Options{Store: s.store, Functions: triggerInvoker{s.fns}, Pools: poolTokens{pools},
		Region: cfg.Region, Account: cfg.Account, Logger: log, Metrics: gateway.NewMetrics(reg), AccessLogs: s.logs})
	if err != nil {
		return nil, err
	}
	gwAPI := &awsproto.API{Protocol: awsproto.RESTJSON, Verifier: verifier, Logger: log, MaxBody: 8 << 20, Service: "apigateway", Region: cfg.Region}
	restapis := restapisHandler(s.gw, gatewayControl(gwAPI, s.gw.ControlPlane))
	gwV2 := gatewayControl(gwAPI, s.gw.ControlPlaneV2) // HTTP APIs

	mux := http.NewServeMux()
	s.fns.Mount(mux, lambdaAPI)
	mux.Handle("/v2/apis", gwV2)
	mux.Handle("/v2/apis/", gwV2)

	// Stacks call the services' public operations in process, signed
	// with the root key like any client (see stack.HandlerAPI).
	rootSecret, err := keys.Lookup(ctx, rootID)
	if err != nil {
		return nil, fmt.Errorf("root credentials: %w", err)
	}
	issuerBase := cfg.IssuerBase
	if issuerBase == "" {
		issuerBase = endpoint
	}
	_, port, _ := net.SplitHostPort(s.ln.Addr().String())
	inProcess := &stack.HandlerAPI{Signer: awsproto.Signer{AccessKeyID: rootID, SecretAccessKey: rootSecret, Region: cfg.Region},
		Host: s.ln.Addr().String()}
	s.stacks = stack.New(stack.Options{Store: s.store, API: inProcess, Region: cfg.Region, Account: cfg.Account,
		URLSuffix: "amazonaws.com", IssuerBase: issuerBase, ExecuteAPIHost: "localhost:" + port, Logger: log,
		Seal: box.Seal, Open: box.Open})
	stackAPI := jsonAPI("gatehouse")
	// Deploys carry their code packages.
	stackAPI.MaxBody = 256 << 20

	outboxAPI := &mail.API{Service: s.mail, Authorize: rootOnly(keys)}
	mux.Handle("POST /{$}", targetRouter(map[string]http.Handler{
		logs.Target:          jsonAPI("logs").Handle(logsAPI.Serve),
		userpool.Target:      withCORS(poolAPI.Handle(pools.Serve)),
		mail.Target:          jsonAPI("gatehouse").Handle(outboxAPI.Serve),
		userpool.AdminTarget: jsonAPI("gatehouse").Handle((&userpool.AdminAPI{Service: pools, Authorize: rootOnly(keys)}).Serve),
		stack.Target:         stackAPI.Handle((&stack.HTTPAPI{Engine: s.stacks, Authorize: rootOnly(keys)}).Serve),
	}, jsonAPI("")))
	// Browsers (amazon-cognito-identity-js, Amplify) preflight the public
	// user pool operations.
	mux.HandleFunc("OPTIONS /{$}", preflight)
	mux.HandleFunc("GET /{poolId}/.well-known/jwks.json", pools.ServeJWKS)
	mux.HandleFunc("GET /{poolId}/.well-known/openid-configuration", pools.ServeDiscovery)
	mux.HandleFunc("GET /_gatehouse/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("GET /_gatehouse/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /_gatehouse/code/{hash}", s.fns.ServeCode)
	if os.Getenv("GATEHOUSE_PPROF") == "1" {
		// Profiling is opt-in: it exposes internals to anyone who can connect.
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "UnknownOperationException")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"Type":"User","message":"Unknown operation"}`))
	})
	s.http = &http.Server{
		Handler:           executeAPIHosts(s.gw, restapis, mux),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	inProcess.Handler = s.http.Handler
	for api, addr := range cfg.APIListen {
		a, err := listenAPI(s.gw, api, addr, log)
		if err != nil {
			return nil, err
		}
		s.apiServers = append(s.apiServers, a)
	}
	log.Info("gatehouse ready", "addr", s.ln.Addr().String(), "data", dir, "region", cfg.Region,
		"root_access_key", rootID, "credentials", filepath.Join(dir, "credentials"), "node", node, "python", python)
	ok = true
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Mail is the message delivery service user pools send through.
func (s *Server) Mail() *mail.Service { return s.mail }

// Serve answers requests until Shutdown.
func (s *Server) Serve() error {
	s.fns.Start()
	s.mail.Start()
	for _, a := range s.apiServers {
		go a.srv.Serve(a.ln)
	}
	sweepCtx, stop := context.WithCancel(context.Background())
	s.stopSweep = stop
	go s.pools.RunSweeper(sweepCtx, 10*time.Minute)
	s.usageDone = make(chan struct{})
	go func() {
		defer close(s.usageDone)
		s.gw.RunUsageFlusher(sweepCtx, time.Second)
	}()
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, lets in-flight invocations finish
// (or time out) until ctx ends, keeps queued events, and closes storage.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	for _, a := range s.apiServers {
		a.srv.Shutdown(ctx)
	}
	if s.stopSweep != nil {
		s.stopSweep()
		<-s.usageDone // the last quota counts reach the store before it closes
	}
	s.fns.Stop(ctx)
	s.mail.Stop(ctx)
	s.sup.Close(ctx)
	s.cleanup()
	return err
}

func (s *Server) cleanup() {
	if s.ln != nil {
		s.ln.Close()
	}
	if s.logs != nil {
		s.logs.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
	if c, ok := s.cg.(interface{ Close() error }); ok {
		c.Close()
	}
}

// rootOnly admits only the root key: a function's key is for calling
// AWS APIs from function code, not for reading other users' codes.
func rootOnly(keys *credentials.Keyring) func(context.Context, string) error {
	return func(ctx context.Context, id string) error {
		p, err := keys.Principal(ctx, id)
		if err != nil {
			return err
		}
		if p != "root" {
			return awsproto.Errorf(http.StatusForbidden, "AccessDeniedException", "Only the root access key may call this operation.")
		}
		return nil
	}
}

// corsHeaders are what real Cognito responses expose to browsers.
func withCORS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
		}
		h.ServeHTTP(w, r)
	})
}

func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	allow := r.Header.Get("Access-Control-Request-Headers")
	if allow == "" {
		allow = "content-type,x-amz-target,x-amz-user-agent,cache-control"
	}
	h.Set("Access-Control-Allow-Headers", allow)
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// targetRouter dispatches JSON 1.1 requests by X-Amz-Target prefix.
func targetRouter(routes map[string]http.Handler, api *awsproto.API) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		for prefix, h := range routes {
			if strings.HasPrefix(target, prefix) {
				h.ServeHTTP(w, r)
				return
			}
		}
		api.WriteError(w, &awsproto.Request{Request: r, ID: awsproto.NewRequestID()},
			awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s", target))
	})
}

// findInterpreters resolves node and python3 to real paths once, so no
// shim (pyenv, nvm) runs on every cold start.
func findInterpreters(node, python string, log *slog.Logger) (string, string) {
	resolve := func(flag, name string, real func(string) string) string {
		if flag == "-" {
			return ""
		}
		path := flag
		if path == "" {
			p, err := exec.LookPath(name)
			if err != nil {
				log.Warn("runtime family disabled: interpreter not found", "interpreter", name)
				return ""
			}
			path = p
		}
		if r := real(path); r != "" {
			return r
		}
		return path
	}
	nodePath := resolve(node, "node", func(p string) string {
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			return ""
		}
		return r
	})
	pyPath := resolve(python, "python3", func(p string) string {
		out, err := exec.Command(p, "-S", "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	})
	return nodePath, pyPath
}
