package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// clientFlags are shared by every client command.
type clientFlags struct {
	endpoint, data string
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", "", "gatehouse URL")
	fs.StringVar(&c.data, "data", envOr("GATEHOUSE_DATA", ".gatehouse"), "data dir whose credentials to use")
}

// namedCommand parses `CMD NAME [flags]` (NAME may also follow the flags)
// and returns the name and a client for the server. define adds the
// command's own flags before parsing.
func namedCommand(cmd, what string, args []string, define func(*flag.FlagSet)) (string, *client, error) {
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	var cf clientFlags
	cf.register(fs)
	if define != nil {
		define(fs)
	}
	fs.Parse(args)
	if name == "" {
		name = fs.Arg(0)
	}
	if name == "" {
		return "", nil, fmt.Errorf("%s: missing %s", cmd, what)
	}
	c, err := newClient(cf.endpoint, cf.data)
	return name, c, err
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func functionsCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("functions: want create, update, list or delete")
	}
	switch args[0] {
	case "create":
		return fnCreateOrUpdate(args[1:], true)
	case "update":
		return fnCreateOrUpdate(args[1:], false)
	case "list", "ls":
		return fnList(args[1:])
	case "delete", "rm":
		return fnDelete(args[1:])
	}
	return fmt.Errorf("functions: unknown subcommand %q", args[0])
}

func fnCreateOrUpdate(args []string, create bool) error {
	var runtime, handler, zipPath, dir, role, desc *string
	var timeout, memory *int
	var env multiFlag
	cmd := "functions update"
	if create {
		cmd = "functions create"
	}
	name, c, err := namedCommand(cmd, "function NAME", args, func(fs *flag.FlagSet) {
		runtime = fs.String("runtime", "", "runtime, e.g. provided.al2023, nodejs20.x, python3.12")
		handler = fs.String("handler", "", "handler, e.g. index.handler (provided: bootstrap)")
		zipPath = fs.String("zip", "", "deployment package (.zip)")
		dir = fs.String("dir", "", "directory to zip as the deployment package")
		timeout = fs.Int("timeout", 0, "timeout in seconds (default 3)")
		memory = fs.Int("memory", 0, "memory in MB (default 128)")
		role = fs.String("role", "", "execution role ARN (recorded)")
		desc = fs.String("description", "", "description")
		fs.Var(&env, "env", "KEY=VALUE environment variable (repeatable)")
	})
	if err != nil {
		return err
	}
	var code []byte
	switch {
	case *zipPath != "" && *dir != "":
		return errors.New("give --zip or --dir, not both")
	case *zipPath != "":
		if code, err = os.ReadFile(*zipPath); err != nil {
			return err
		}
	case *dir != "":
		if code, err = zipDir(*dir); err != nil {
			return err
		}
	case create:
		return errors.New("functions create: --zip or --dir is required")
	}
	cfg := map[string]any{}
	set := func(k string, v any, present bool) {
		if present {
			cfg[k] = v
		}
	}
	set("Runtime", *runtime, *runtime != "")
	set("Handler", *handler, *handler != "")
	set("Timeout", *timeout, *timeout > 0)
	set("MemorySize", *memory, *memory > 0)
	set("Description", *desc, *desc != "")
	set("Role", *role, *role != "")
	if len(env) > 0 {
		vars := map[string]string{}
		for _, kv := range env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("--env %q: want KEY=VALUE", kv)
			}
			vars[k] = v
		}
		cfg["Environment"] = map[string]any{"Variables": vars}
	}
	var out map[string]any
	if create {
		if *role == "" {
			cfg["Role"] = "arn:aws:iam::000000000000:role/gatehouse-function"
		}
		cfg["FunctionName"] = name
		cfg["Code"] = map[string]any{"ZipFile": code}
		if err := c.json("POST", "/2015-03-31/functions", cfg, &out); err != nil {
			return err
		}
	} else {
		if code != nil {
			if err := c.json("PUT", "/2015-03-31/functions/"+url.PathEscape(name)+"/code", map[string]any{"ZipFile": code}, &out); err != nil {
				return err
			}
		}
		if len(cfg) > 0 {
			if err := c.json("PUT", "/2015-03-31/functions/"+url.PathEscape(name)+"/configuration", cfg, &out); err != nil {
				return err
			}
		}
		if out == nil {
			return errors.New("functions update: nothing to update")
		}
	}
	fmt.Printf("%s\t%s\t%s\tCodeSha256=%s\n", out["FunctionName"], out["Runtime"], out["FunctionArn"], out["CodeSha256"])
	return nil
}

// zipDir builds a deployment package from a directory, keeping file
// modes so a bootstrap stays executable.
func zipDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		hdr.Method = zip.Deflate
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func fnList(args []string) error {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	var cf clientFlags
	cf.register(fs)
	fs.Parse(args)
	c, err := newClient(cf.endpoint, cf.data)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRUNTIME\tHANDLER\tMEMORY\tTIMEOUT\tLAST MODIFIED")
	marker := ""
	for {
		var out struct {
			Functions []struct {
				FunctionName, Runtime, Handler, LastModified string
				MemorySize, Timeout                          int
			}
			NextMarker string
		}
		path := "/2015-03-31/functions/"
		if marker != "" {
			path += "?Marker=" + url.QueryEscape(marker)
		}
		if err := c.json("GET", path, nil, &out); err != nil {
			return err
		}
		for _, f := range out.Functions {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", f.FunctionName, f.Runtime, f.Handler, f.MemorySize, f.Timeout, f.LastModified)
		}
		if out.NextMarker == "" {
			break
		}
		marker = out.NextMarker
	}
	return tw.Flush()
}

func fnDelete(args []string) error {
	name, c, err := namedCommand("functions delete", "function NAME", args, nil)
	if err != nil {
		return err
	}
	if err := c.json("DELETE", "/2015-03-31/functions/"+url.PathEscape(name), nil, nil); err != nil {
		return err
	}
	fmt.Println("deleted", name)
	return nil
}
