package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/functions"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/server"
)

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	data := fs.String("data", envOr("GATEHOUSE_DATA", ".gatehouse"), "data directory (env GATEHOUSE_DATA)")
	addr := fs.String("addr", envOr("GATEHOUSE_ADDR", "127.0.0.1:4566"), "listen address (env GATEHOUSE_ADDR); loopback unless you mean otherwise")
	region := fs.String("region", envOr("GATEHOUSE_REGION", "us-east-1"), "AWS region to present")
	node := fs.String("node", os.Getenv("GATEHOUSE_NODE"), "node interpreter path (default: found on PATH once at start; - disables)")
	python := fs.String("python", os.Getenv("GATEHOUSE_PYTHON"), "python3 interpreter path (default: found on PATH once at start; - disables)")
	maxEnv := fs.Int("max-environments", 64, "most execution environments alive at once")
	idle := fs.Duration("idle-timeout", 10*time.Minute, "stop execution environments idle this long")
	retryDelay := fs.Duration("async-retry-delay", time.Minute, "delay before the first retry of a failed Event invocation (doubles)")
	asyncLease := fs.Duration("async-lease", 30*time.Second, "how long a crashed node holds an Event invocation before another takes it")
	grace := fs.Duration("shutdown-grace", 30*time.Second, "how long in-flight invocations may run after SIGTERM")
	issuer := fs.String("issuer-base", os.Getenv("GATEHOUSE_ISSUER_BASE"), "base URL of user pool token issuers (default: this server's URL)")
	smtpURL := fs.String("smtp", "", "deliver email through this SMTP server, smtp://user:pass@host:587?starttls=always or smtps://host:465 (env GATEHOUSE_SMTP; default: keep it in the outbox)")
	mailFrom := fs.String("mail-from", envOr("GATEHOUSE_MAIL_FROM", mail.DefaultFrom), "sender of user pool email (env GATEHOUSE_MAIL_FROM)")
	smsWebhook := fs.String("sms-webhook", "", "POST SMS as JSON to this URL (env GATEHOUSE_SMS_WEBHOOK; default: keep them in the outbox)")
	var apiListen multiFlag
	fs.Var(&apiListen, "api-listen", "serve an API on its own address too, API_ID=HOST:PORT (repeatable); /{stage}/{path} works there as on the API's execute-api host")
	logFormat := fs.String("log-format", envOr("GATEHOUSE_LOG_FORMAT", "text"), "text or json")
	fs.Parse(args)
	// Read after parsing, not as flag defaults, so -h never prints a
	// password or webhook token taken from the environment.
	if *smtpURL == "" {
		*smtpURL = os.Getenv("GATEHOUSE_SMTP")
	}
	if *smsWebhook == "" {
		*smsWebhook = os.Getenv("GATEHOUSE_SMS_WEBHOOK")
	}
	listeners := map[string]string{}
	for _, v := range apiListen {
		api, addr, ok := strings.Cut(v, "=")
		if !ok || api == "" || addr == "" {
			return fmt.Errorf("--api-listen %q: want API_ID=HOST:PORT", v)
		}
		listeners[api] = addr
	}
	var smtpConfig *mail.SMTPConfig
	if *smtpURL != "" {
		c, err := mail.ParseSMTPURL(*smtpURL)
		if err != nil {
			return err
		}
		smtpConfig = c
	}

	var h slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	log := slog.New(h)
	tuneGC()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, server.Config{
		DataDir:         *data,
		Addr:            *addr,
		Region:          *region,
		Node:            *node,
		Python:          *python,
		MaxEnvironments: *maxEnv,
		IdleTimeout:     *idle,
		Logger:          log,
		Async:           asyncOptions(*retryDelay, *asyncLease),
		IssuerBase:      *issuer,
		SMTP:            smtpConfig,
		MailFrom:        *mailFrom,
		SMSWebhook:      *smsWebhook,
		APIListen:       listeners,
	})
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", *grace)
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	return srv.Shutdown(sctx)
}

func asyncOptions(retryDelay, lease time.Duration) functions.AsyncOptions {
	return functions.AsyncOptions{RetryDelay: retryDelay, Lease: lease}
}

// tuneGC trades a little memory for throughput unless the operator chose:
// the invoke path allocates per request, and at the default GOGC=100 the
// collector runs far more often than a 30 MiB heap needs. The soft limit
// keeps a busy server's heap in check.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
}
