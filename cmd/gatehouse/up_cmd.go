package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/stack"
)

// upCmd is the local development loop: a server on the embedded store,
// the directory's template deployed onto it, and a redeploy whenever the
// template or code changes.
func upCmd(args []string) error {
	fs := flag.NewFlagSet("up", flag.ExitOnError)
	data := fs.String("data", envOr("GATEHOUSE_DATA", ".gatehouse"), "data directory")
	addr := fs.String("addr", envOr("GATEHOUSE_ADDR", "127.0.0.1:4566"), "listen address")
	name := fs.String("stack-name", "", "stack name (default: the directory's name)")
	tmplName := fs.String("template", "template.yaml", "template file name within DIR")
	watch := fs.Bool("watch", true, "redeploy when the template or code changes")
	verbose := fs.Bool("verbose", false, "show the server's log")
	var overrides multiFlag
	fs.Var(&overrides, "parameter-overrides", "Key=Value (repeatable)")
	positional := parseInterleaved(fs, args)
	dir := "."
	for _, p := range positional {
		if strings.Contains(p, "=") {
			overrides = append(overrides, p)
		} else {
			dir = p
		}
	}
	params, err := parseOverrides(overrides)
	if err != nil {
		return err
	}
	tmpl := filepath.Join(dir, *tmplName)
	if _, err := os.Stat(tmpl); err != nil {
		return fmt.Errorf("up: %w", err)
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, server.Config{DataDir: *data, Addr: *addr, Logger: log, Async: asyncOptions(time.Minute, 30*time.Second)})
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	endpoint := "http://" + srv.Addr()
	fmt.Printf("gatehouse is serving on %s (data in %s)\n", endpoint, *data)
	c, err := newClient(endpoint, *data)
	if err != nil {
		return err
	}
	opts := deployOptions{template: tmpl, stackName: *name, params: params, output: "text"}
	deploy := func() {
		if _, err := runDeploy(ctx, c, opts, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "gatehouse:", err)
		}
	}
	deploy()
	absData, _ := filepath.Abs(*data)
	fmt.Printf("\nuse it with: export AWS_ENDPOINT_URL=%s AWS_SHARED_CREDENTIALS_FILE=%s AWS_CONFIG_FILE=%s\n",
		endpoint, filepath.Join(absData, "credentials"), filepath.Join(absData, "config"))
	if !*watch {
		fmt.Println("serving; Ctrl-C stops")
	} else {
		fmt.Println("watching for changes; Ctrl-C stops")
	}
	last := watchStamp(tmpl)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			fmt.Println("\nstopping")
			return nil
		case <-tick.C:
			if !*watch {
				continue
			}
			if now := watchStamp(tmpl); now != last {
				last = now
				fmt.Printf("\nchange detected, redeploying\n")
				deploy()
			}
		}
	}
}

// watchStamp covers what a deploy reads: the template and the code
// directories it names (a broken template: the template alone).
func watchStamp(tmpl string) uint64 {
	h := fnv.New64a()
	if info, err := os.Stat(tmpl); err == nil {
		fmt.Fprintf(h, "%d|%d\n", info.Size(), info.ModTime().UnixNano())
	}
	src, err := os.ReadFile(tmpl)
	if err != nil {
		return h.Sum64()
	}
	fns, err := stack.CodeToPackage(tmpl, src)
	if err != nil {
		return h.Sum64()
	}
	for _, f := range fns {
		p := f.CodeURI
		if !filepath.IsAbs(p) {
			p = filepath.Join(f.BaseDir, p)
		}
		fmt.Fprintf(h, "%x\n", treeStamp(p))
	}
	return h.Sum64()
}

// treeStamp sums the names, sizes and modification times of the files
// under dir, leaving out what packaging leaves out (version control, a
// gatehouse data dir, whose logs change all the time) and dependencies,
// so that any edit to the code changes it.
func treeStamp(dir string) uint64 {
	h := fnv.New64a()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".gatehouse", "node_modules", ".aws-sam":
				if p != dir {
					return filepath.SkipDir
				}
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		fmt.Fprintf(h, "%s|%d|%d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return h.Sum64()
}
