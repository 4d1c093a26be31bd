package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/gatehouse/gatehouse/internal/stack/artifact"
)

// deployOptions are what deployCmd and upCmd share.
type deployOptions struct {
	template  string
	stackName string
	params    map[string]string
	output    string // text or json
	dryRun    bool
}

func deployCmd(args []string) error {
	fs := flag.NewFlagSet("deploy", flag.ExitOnError)
	tmpl := fs.String("template", "template.yaml", "the SAM or CloudFormation template (YAML or JSON)")
	fs.StringVar(tmpl, "t", "template.yaml", "shorthand for --template")
	name := fs.String("stack-name", "", "stack name (default: the template's directory name)")
	endpoint := fs.String("endpoint", "", "gatehouse URL (default: $GATEHOUSE_ENDPOINT or http://127.0.0.1:4566)")
	data := fs.String("data", envOr("GATEHOUSE_DATA", ".gatehouse"), "data directory whose credentials sign the requests")
	output := fs.String("output", "text", "text, or json for scripts")
	dry := fs.Bool("dry-run", false, "print the plan and change nothing")
	var overrides multiFlag
	fs.Var(&overrides, "parameter-overrides", "Key=Value (repeatable; several may follow one flag)")
	// sam deploy style: --parameter-overrides A=1 B=2 leaves B=2 as an
	// argument, and more flags may follow it.
	for _, a := range parseInterleaved(fs, args) {
		if !strings.Contains(a, "=") {
			return fmt.Errorf("deploy: unexpected argument %q", a)
		}
		overrides = append(overrides, a)
	}
	params, err := parseOverrides(overrides)
	if err != nil {
		return err
	}
	c, err := newClient(*endpoint, *data)
	if err != nil {
		return err
	}
	opts := deployOptions{template: *tmpl, stackName: *name, params: params, output: *output, dryRun: *dry}
	_, err = runDeploy(context.Background(), c, opts, os.Stdout)
	return err
}

// parseOverrides reads Key=Value and SAM's ParameterKey=K,ParameterValue=V,
// each possibly holding several space-separated pairs.
func parseOverrides(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range list {
		for _, kv := range strings.Fields(item) {
			if strings.HasPrefix(kv, "ParameterKey=") {
				k, v, ok := strings.Cut(strings.TrimPrefix(kv, "ParameterKey="), ",ParameterValue=")
				if !ok {
					return nil, fmt.Errorf("--parameter-overrides %q: want ParameterKey=K,ParameterValue=V", kv)
				}
				out[k] = v
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("--parameter-overrides %q: want Key=Value", kv)
			}
			out[k] = v
		}
	}
	return out, nil
}

// deployResult is what --output json prints.
type deployResult struct {
	StackName string
	Status    string
	Changes   []stack.Change
	Outputs   map[string]string
}

// runDeploy packages the template's code, sends the deploy and reports
// its events as they arrive.
func runDeploy(ctx context.Context, c *client, o deployOptions, out io.Writer) (*deployResult, error) {
	src, err := os.ReadFile(o.template)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(o.template)
	if o.stackName == "" {
		o.stackName = stackNameFrom(filepath.Base(filepath.Dir(abs)))
	}
	text := o.output != "json"
	began := time.Now()
	fns, err := stack.CodeToPackage(o.template, src)
	if err != nil {
		return nil, err
	}
	artifacts := map[string][]byte{}
	for _, f := range fns {
		t0 := time.Now()
		zip, err := artifact.Package(ctx, f)
		if err != nil {
			// Nothing has changed yet; say where the template names it.
			return nil, fmt.Errorf("%s: %w", f.Location, err)
		}
		artifacts[f.CodeURI] = zip
		if text {
			fmt.Fprintf(out, "packaged %-28s %s (%d KiB, %s)\n", f.LogicalID, f.CodeURI, (len(zip)+1023)/1024, time.Since(t0).Round(time.Millisecond))
		}
	}
	req := stack.DeployRequest{StackName: o.stackName, TemplateName: filepath.Base(o.template), TemplateBody: string(src),
		Parameters: o.params, Artifacts: artifacts, DryRun: o.dryRun}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	res := &deployResult{StackName: o.stackName, Outputs: map[string]string{}}
	var failed string
	noChanges := false
	err = c.streamTarget(ctx, stack.Target+"Deploy", body, func(e stack.Event) {
		switch e.Kind {
		case "warning":
			fmt.Fprintln(os.Stderr, "warning:", e.Message)
		case "plan":
			res.Changes = e.Changes
			if text {
				printPlan(out, o.stackName, e.Changes)
			}
		case "resource", "rollback":
			if text {
				printProgress(out, e)
			}
		case "complete":
			res.Status = e.Status
			if e.Message == "no changes" {
				noChanges = true
			}
			for _, op := range e.Outputs {
				res.Outputs[op.Key] = op.Value
			}
		case "failed":
			failed = e.Message
		}
	})
	if err != nil {
		return nil, err
	}
	if failed != "" {
		return nil, fmt.Errorf("deploy failed and was rolled back: %s", failed)
	}
	if res.Status == "" && !o.dryRun {
		// The stream ended without a verdict (the server went away).
		return nil, errors.New("deploy: the server ended the stream without a result; run `gatehouse stacks describe " + o.stackName + "`")
	}
	if !o.dryRun {
		if s, err := describeStack(c, o.stackName); err == nil {
			res.Status = s.Status
		}
	}
	if !text {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return res, enc.Encode(res)
	}
	if o.dryRun {
		fmt.Fprintln(out, "dry run: nothing changed")
		return res, nil
	}
	if noChanges {
		fmt.Fprintf(out, "stack %s: no changes (%s)\n", o.stackName, res.Status)
	} else {
		fmt.Fprintf(out, "stack %s: %s in %s\n", o.stackName, res.Status, time.Since(began).Round(time.Millisecond))
	}
	printOutputs(out, res.Outputs)
	return res, nil
}

// stackNameFrom makes a directory name a valid stack name.
func stackNameFrom(dir string) string {
	var b strings.Builder
	for _, r := range dir {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		s = "stack-" + s
	}
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}

func printPlan(out io.Writer, name string, changes []stack.Change) {
	fmt.Fprintf(out, "plan for stack %s:\n", name)
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.Action]++
		reason := ""
		if c.Reason != "" {
			reason = "  (" + c.Reason + ")"
		}
		fmt.Fprintf(out, "  %-9s %-32s %s%s\n", c.Action, c.LogicalID, c.Type, reason)
	}
	var parts []string
	for _, a := range []string{stack.ActionCreate, stack.ActionUpdate, stack.ActionReplace, stack.ActionDelete, stack.ActionUnchanged} {
		if counts[a] > 0 {
			if a == stack.ActionUnchanged {
				parts = append(parts, fmt.Sprintf("%d unchanged", counts[a]))
			} else {
				parts = append(parts, fmt.Sprintf("%d to %s", counts[a], a))
			}
		}
	}
	fmt.Fprintf(out, "  %s\n", strings.Join(parts, ", "))
}

func printProgress(out io.Writer, e stack.Event) {
	if e.Status == "in_progress" {
		return
	}
	verb := e.Action
	if e.Kind == "rollback" {
		verb = "rollback"
	}
	line := fmt.Sprintf("  %-9s %-32s %s", verb, e.LogicalID, e.Status)
	if e.Elapsed > 0 {
		line += " " + e.Elapsed.Round(time.Millisecond).String()
	}
	if e.Message != "" {
		line += ": " + e.Message
	}
	fmt.Fprintln(out, line)
}

func printOutputs(out io.Writer, outputs map[string]string) {
	if len(outputs) == 0 {
		return
	}
	keys := make([]string, 0, len(outputs))
	width := 0
	for k := range outputs {
		keys = append(keys, k)
		width = max(width, len(k))
	}
	sort.Strings(keys)
	fmt.Fprintln(out, "Outputs:")
	for _, k := range keys {
		fmt.Fprintf(out, "%-*s  %s\n", width, k, outputs[k])
	}
}

// streamTarget sends a JSON 1.1 request and calls fn for each event line
// of the answer.
func (c *client) streamTarget(ctx context.Context, target string, body []byte, fn func(stack.Event)) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	s := c.signer
	s.Service = "gatehouse"
	if err := s.Sign(req, body); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(resp.Body)
		return errorFrom(resp, data)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e stack.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("deploy: unreadable event %q: %w", sc.Text(), err)
		}
		fn(e)
	}
	return sc.Err()
}

// stackView is DescribeStack's answer.
type stackView struct {
	StackName, StackId, Status, StatusReason string
	Parameters                               map[string]string
	Resources                                []struct{ LogicalId, Type, PhysicalId string }
	Outputs                                  map[string]string
	Created, Updated                         time.Time
}

func describeStack(c *client, name string) (*stackView, error) {
	var out struct{ Stack stackView }
	if err := c.jsonTarget(stack.Target+"DescribeStack", "gatehouse", map[string]string{"StackName": name}, &out); err != nil {
		return nil, err
	}
	return &out.Stack, nil
}

func stacksCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("stacks: want list, describe NAME, outputs NAME or delete NAME")
	}
	fs := flag.NewFlagSet("stacks", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "gatehouse URL")
	data := fs.String("data", envOr("GATEHOUSE_DATA", ".gatehouse"), "data directory whose credentials sign the requests")
	output := fs.String("output", "text", "text or json")
	sub := args[0]
	positional := parseInterleaved(fs, args[1:])
	c, err := newClient(*endpoint, *data)
	if err != nil {
		return err
	}
	name := ""
	if len(positional) > 0 {
		name = positional[0]
	}
	if sub != "list" && name == "" {
		return fmt.Errorf("stacks %s: want a stack name", sub)
	}
	emit := func(v any) error {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	switch sub {
	case "list":
		var out struct {
			Stacks []struct {
				StackName, StackId, Status string
				Resources                  int
				Updated                    time.Time
			}
		}
		if err := c.jsonTarget(stack.Target+"ListStacks", "gatehouse", map[string]any{}, &out); err != nil {
			return err
		}
		if *output == "json" {
			return emit(out)
		}
		for _, s := range out.Stacks {
			fmt.Printf("%-32s %-26s %3d resources  updated %s\n", s.StackName, s.Status, s.Resources, s.Updated.Local().Format(time.DateTime))
		}
		return nil
	case "describe", "outputs":
		s, err := describeStack(c, name)
		if err != nil {
			return err
		}
		if sub == "outputs" {
			if *output == "json" {
				return emit(s.Outputs)
			}
			printOutputs(os.Stdout, s.Outputs)
			return nil
		}
		if *output == "json" {
			return emit(s)
		}
		fmt.Printf("%s  %s\n%s\n", s.StackName, s.Status, s.StackId)
		if s.StatusReason != "" {
			fmt.Printf("reason: %s\n", s.StatusReason)
		}
		for _, r := range s.Resources {
			fmt.Printf("  %-32s %-40s %s\n", r.LogicalId, r.Type, r.PhysicalId)
		}
		printOutputs(os.Stdout, s.Outputs)
		return nil
	case "delete":
		body, _ := json.Marshal(map[string]string{"StackName": name})
		var failed string
		err := c.streamTarget(context.Background(), stack.Target+"DeleteStack", body, func(e stack.Event) {
			if e.Kind == "failed" {
				failed = e.Message
			} else if *output != "json" {
				printProgress(os.Stdout, e)
			}
		})
		if err != nil {
			return err
		}
		if failed != "" {
			return fmt.Errorf("delete: %s", failed)
		}
		if *output == "json" {
			return emit(map[string]string{"StackName": name, "Status": "DELETE_COMPLETE"})
		}
		fmt.Printf("stack %s deleted\n", name)
		return nil
	}
	return fmt.Errorf("stacks: unknown subcommand %q", sub)
}

// parseInterleaved parses flags wherever they appear among the
// positional arguments (gatehouse stacks outputs NAME --output json), and
// returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) []string {
	var positional []string
	for {
		fs.Parse(args)
		if fs.NArg() == 0 {
			return positional
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
