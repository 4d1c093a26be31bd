package stack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/stack/sam"
	"github.com/gatehouse/gatehouse/internal/stack/template"
	"github.com/gatehouse/gatehouse/internal/store"
)

// kindStack holds stacks by name.
const kindStack = "stack"

// Options configures an Engine.
type Options struct {
	Store store.Store
	API   API
	// Region and Account are the pseudo parameters AWS::Region and
	// AWS::AccountId.
	Region, Account string
	// URLSuffix is AWS::URLSuffix: gatehouse's host and port (such as
	// "localhost:4566"), so that an output written as
	// http://${Api}.execute-api.${AWS::URLSuffix}/v1 is a working URL.
	URLSuffix string
	// IssuerBase is where pools' token issuers live
	// (http://127.0.0.1:4566), for UserPool.ProviderURL.
	IssuerBase string
	// ExecuteAPIHost is the host:port execute-api URLs take here
	// (localhost:4566): outputs that name an API of the stack the AWS way
	// (https://{id}.execute-api.{region}.amazonaws.com/...) are given
	// as the working local URL. Empty leaves outputs as written.
	ExecuteAPIHost string
	// Seal and Open encrypt stack records at rest (they hold NoEcho
	// parameters and resolved properties, secrets included); nil stores
	// them as they are.
	Seal   func(plaintext, context []byte) []byte
	Open   func(sealed, context []byte) ([]byte, error)
	Logger *slog.Logger
	Now    func() time.Time
}

// Engine plans and applies stacks.
type Engine struct {
	opts      Options
	providers map[string]Provider
	locks     sync.Map // stack name → *sync.Mutex
}

// New builds an Engine with every resource type gatehouse can deploy.
func New(opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{opts: opts, providers: map[string]Provider{}}
	registerProviders(e.providers, opts.IssuerBase)
	return e
}

// Known and Attributes tell the template binder what can be deployed.
func (e *Engine) Known(t string) bool { _, ok := e.providers[t]; return ok }

func (e *Engine) Attributes(t string) []string {
	if p := e.providers[t]; p != nil {
		return p.Attributes()
	}
	return nil
}

// DeployInput is one deploy request.
type DeployInput struct {
	StackName string
	// TemplateName names the template in error messages (template.yaml).
	TemplateName string
	Template     []byte
	Parameters   map[string]string
	// Artifacts are code packages by the CodeUri the template names them
	// with (a directory or zip path, as written).
	Artifacts map[string][]byte
	// DryRun plans without applying.
	DryRun bool
}

var stackNameRe = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// ErrNoStack is returned for a stack that does not exist.
var ErrNoStack = errors.New("stack does not exist")

// ValidationError is a request the engine refuses before changing
// anything.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

func (e *Engine) lock(name string) func() {
	m, _ := e.locks.LoadOrStore(name, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Get returns a stack by name.
func (e *Engine) Get(ctx context.Context, name string) (*Stack, error) {
	rec, err := e.opts.Store.Get(ctx, kindStack, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoStack, name)
	}
	if err != nil {
		return nil, err
	}
	return e.decode(name, rec.Data)
}

// sealedRecord is a stack record as stored when sealing is on.
type sealedRecord struct {
	Sealed []byte `json:"sealed"`
}

func (e *Engine) encode(s *Stack) ([]byte, error) {
	data, err := json.Marshal(s)
	if err != nil || e.opts.Seal == nil {
		return data, err
	}
	return json.Marshal(sealedRecord{Sealed: e.opts.Seal(data, []byte("stack/"+s.Name))})
}

func (e *Engine) decode(name string, data []byte) (*Stack, error) {
	var sr sealedRecord
	if e.opts.Open != nil && json.Unmarshal(data, &sr) == nil && sr.Sealed != nil {
		plain, err := e.opts.Open(sr.Sealed, []byte("stack/"+name))
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", name, err)
		}
		data = plain
	}
	var s Stack
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// List returns every stack, by name.
func (e *Engine) List(ctx context.Context) ([]*Stack, error) {
	rs, err := e.opts.Store.List(ctx, kindStack, "", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]*Stack, 0, len(rs))
	for _, r := range rs {
		s, err := e.decode(r.ID, r.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// deployment is one deploy in progress.
type deployment struct {
	e         *Engine
	in        DeployInput
	old       *Stack
	stack     *Stack // what the deploy builds
	b         *template.Bound
	t         *template.Template
	artifacts map[string][]byte // by sha256
	emit      func(Event)
	// warnings are what the SAM transform did that the author may not
	// expect; they go out before the plan.
	warnings []string
}

// Deploy plans the template against the stack's last state, reports the
// plan, and applies it: resources in dependency order, removed ones
// deleted last. If anything fails, what this deploy changed is undone and
// the stack keeps its previous state.
func (e *Engine) Deploy(ctx context.Context, in DeployInput, emit func(Event)) (*Stack, []Change, error) {
	if emit == nil {
		emit = func(Event) {}
	}
	if !stackNameRe.MatchString(in.StackName) {
		return nil, nil, &ValidationError{fmt.Sprintf("stack name %q must start with a letter and hold only letters, digits and hyphens (at most 128)", in.StackName)}
	}
	if in.TemplateName == "" {
		in.TemplateName = "template.yaml"
	}
	defer e.lock(in.StackName)()
	old, err := e.Get(ctx, in.StackName)
	if err != nil && !errors.Is(err, ErrNoStack) {
		return nil, nil, err
	}
	d := &deployment{e: e, in: in, old: old, emit: emit}
	if err := d.bind(); err != nil {
		return nil, nil, err
	}
	changes, err := d.plan()
	if err != nil {
		return nil, nil, err
	}
	for _, w := range d.warnings {
		emit(Event{Kind: "warning", Message: w})
	}
	emit(Event{Kind: "plan", Changes: changes})
	if in.DryRun {
		return old, changes, nil
	}
	if err := d.apply(ctx); err != nil {
		return nil, changes, err
	}
	return d.stack, changes, nil
}

// bind parses, transforms and binds the template, and checks that every
// code package it names was uploaded.
func (d *deployment) bind() error {
	t, err := template.Parse(d.in.TemplateName, d.in.Template)
	if err != nil {
		return err
	}
	res, err := sam.Transform(t.Doc, sam.Options{})
	if err != nil {
		var se *sam.Error
		if errors.As(err, &se) {
			return t.Errorf(se.Path, "%s", se.Msg)
		}
		return err
	}
	t = t.WithDoc(res.Doc, res.Origin)
	d.t = t
	for _, w := range res.Warnings {
		d.warnings = append(d.warnings, t.Errorf(w.Path, "%s", w.Msg).Error())
	}

	now := d.e.opts.Now().UTC()
	d.stack = &Stack{Name: d.in.StackName, Template: string(d.in.Template), Resources: map[string]*ResourceState{}, Created: now, Updated: now}
	if d.old != nil {
		d.stack.ID, d.stack.Created = d.old.ID, d.old.Created
	} else {
		d.stack.ID = fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", d.e.opts.Region, d.e.opts.Account, d.in.StackName, newUUID())
	}
	params := map[string]string{}
	if d.old != nil {
		// A parameter given before keeps its value unless overridden, so
		// a redeploy need not repeat every override (as samconfig does).
		for _, m := range []map[string]string{d.old.Parameters, d.old.NoEcho} {
			for k, v := range m {
				if declaredParam(t, k) {
					params[k] = v
				}
			}
		}
	}
	for k, v := range d.in.Parameters {
		params[k] = v
	}
	d.b, err = t.Bind(template.Context{StackName: d.in.StackName, StackID: d.stack.ID, Region: d.e.opts.Region,
		AccountID: d.e.opts.Account, Partition: "aws", URLSuffix: d.e.opts.URLSuffix, Parameters: params}, d.e)
	if err != nil {
		return err
	}
	d.stack.Parameters = map[string]string{}
	for k, v := range params {
		if d.b.NoEcho(k) {
			if d.stack.NoEcho == nil {
				d.stack.NoEcho = map[string]string{}
			}
			d.stack.NoEcho[k] = v
		} else {
			d.stack.Parameters[k] = v
		}
	}

	d.artifacts = map[string][]byte{}
	for _, r := range d.b.Resources() {
		key, ok := codeURI(r.Properties)
		if !ok {
			continue
		}
		zip, ok := d.in.Artifacts[key]
		if !ok {
			return t.Errorf([]string{"Resources", r.LogicalID, "Properties", "Code"}, "no code package was uploaded for CodeUri %q", key)
		}
		sum := sha256.Sum256(zip)
		d.artifacts[hex.EncodeToString(sum[:])] = zip
	}
	return nil
}

func declaredParam(t *template.Template, name string) bool {
	ps, _ := t.Doc["Parameters"].(map[string]any)
	_, ok := ps[name]
	return ok
}

// codeURI finds the local code a function names ({"gatehouse:CodeUri": …}).
func codeURI(props map[string]any) (string, bool) {
	code, _ := props["Code"].(map[string]any)
	key, ok := code["gatehouse:CodeUri"].(string)
	return key, ok
}

// resolvedProps evaluates a resource's properties against the state so
// far, naming code by its hash so that a changed package is a changed
// property.
func (d *deployment) resolvedProps(r template.Resource, res template.Resolver) (map[string]any, error) {
	v, err := d.b.Eval([]string{"Resources", r.LogicalID, "Properties"}, r.Properties, res)
	if err != nil {
		return nil, err
	}
	props, _ := v.(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	if key, ok := codeURI(props); ok {
		sum := sha256.Sum256(d.in.Artifacts[key])
		props["Code"] = map[string]any{"gatehouse:ZipSha256": hex.EncodeToString(sum[:])}
	}
	// In the form the stored state has after its JSON round trip
	// (numbers as float64), so that equal properties compare equal.
	b, err := json.Marshal(props)
	if err != nil {
		return nil, err
	}
	var canon map[string]any
	if err := json.Unmarshal(b, &canon); err != nil {
		return nil, err
	}
	return canon, nil
}

// plan previews each resource's action against the last state; resources
// whose inputs are not known until apply (they depend on a resource being
// created or replaced) show as updates.
func (d *deployment) plan() ([]Change, error) {
	var changes []Change
	actions := map[string]string{}
	byID := map[string]template.Resource{}
	for _, r := range d.b.Resources() {
		byID[r.LogicalID] = r
	}
	for _, id := range d.b.Order() {
		r := byID[id]
		var o *ResourceState
		if d.old != nil {
			o = d.old.Resources[id]
		}
		c := Change{LogicalID: id, Type: r.Type}
		switch {
		case o == nil:
			c.Action = ActionCreate
		case o.Type != r.Type:
			c.Action, c.Reason = ActionReplace, "Type"
		default:
			var pending string
			for _, dep := range d.b.Deps(id) {
				if a := actions[dep]; a == ActionCreate || a == ActionReplace {
					pending = dep
					break
				}
			}
			props, err := d.resolvedProps(r, planResolver{d: d, pending: actions})
			if err != nil && pending == "" {
				return nil, err
			}
			switch {
			case pending != "":
				c.Action, c.Reason = ActionUpdate, "depends on "+pending+", which is "+actions[pending]+"d"
			case reflect.DeepEqual(props, o.Props):
				c.Action = ActionUnchanged
			default:
				if rep, key := d.e.providers[r.Type].Replaces(o.Props, props); rep {
					c.Action, c.Reason = ActionReplace, "Properties."+key
				} else {
					c.Action = ActionUpdate
					if keys := changedKeys(o.Props, props); len(keys) > 0 {
						c.Reason = "Properties." + keys[0]
						if len(keys) > 1 {
							c.Reason += fmt.Sprintf(" (+%d more)", len(keys)-1)
						}
					}
				}
			}
		}
		if api, ok := d.snapshotsChangedAPI(r, actions); ok && o != nil && c.Action != ActionReplace {
			c.Action, c.Reason = ActionReplace, "a new snapshot of "+api+", which is updated"
		}
		actions[id] = c.Action
		changes = append(changes, c)
	}
	if d.old != nil {
		for _, id := range sortedIDs(d.old.Resources) {
			if _, ok := byID[id]; !ok {
				changes = append(changes, Change{LogicalID: id, Type: d.old.Resources[id].Type, Action: ActionDelete})
			}
		}
	}
	return changes, nil
}

// planResolver answers from the last state; values of resources being
// created or replaced are not known yet.
type planResolver struct {
	d       *deployment
	pending map[string]string
}

var errNotYet = errors.New("not known until the deploy runs")

func (p planResolver) state(id string) (*ResourceState, error) {
	if a := p.pending[id]; a == ActionCreate || a == ActionReplace || p.d.old == nil {
		return nil, errNotYet
	}
	s := p.d.old.Resources[id]
	if s == nil {
		return nil, errNotYet
	}
	return s, nil
}

func (p planResolver) Ref(id string) (any, error) {
	s, err := p.state(id)
	if err != nil {
		return nil, err
	}
	return s.PhysicalID, nil
}

func (p planResolver) GetAtt(id, attr string) (any, error) {
	s, err := p.state(id)
	if err != nil {
		return nil, err
	}
	return attrOf(s, attr)
}

// stateResolver answers from the state being built.
type stateResolver map[string]*ResourceState

func (m stateResolver) Ref(id string) (any, error) {
	s := m[id]
	if s == nil {
		return nil, fmt.Errorf("resource %s has not been created", id)
	}
	return s.PhysicalID, nil
}

func (m stateResolver) GetAtt(id, attr string) (any, error) {
	s := m[id]
	if s == nil {
		return nil, fmt.Errorf("resource %s has not been created", id)
	}
	return attrOf(s, attr)
}

func attrOf(s *ResourceState, attr string) (any, error) {
	v, ok := s.Attrs[attr]
	if !ok {
		return nil, fmt.Errorf("%s has no attribute %s", s.Type, attr)
	}
	return v, nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
