package stack

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/stack/template"
	"github.com/gatehouse/gatehouse/internal/store"
)

// step is one change applied, remembered so a failure can undo it.
type step struct {
	id      string
	created bool           // undo: delete it
	prev    *ResourceState // undo an update: apply prev again
}

// apply runs the plan for real; see Deploy.
func (d *deployment) apply(ctx context.Context) error {
	next := d.stack.Resources
	var journal []step
	applied := map[string]string{} // what this deploy did to each resource
	var cleanup []*ResourceState   // replaced resources, deleted after success
	var cleanupIDs []string
	byID := map[string]template.Resource{}
	for _, r := range d.b.Resources() {
		byID[r.LogicalID] = r
	}
	fail := func(id string, path []string, err error) error {
		d.emit(Event{Kind: "resource", LogicalID: id, Type: byID[id].Type, Status: "failed", Message: err.Error()})
		var te *template.Error
		if !errors.As(err, &te) {
			err = d.t.Errorf(path, "%v", err)
		}
		return d.rollback(ctx, journal, err)
	}
	for _, id := range d.b.Order() {
		r := byID[id]
		path := []string{"Resources", id}
		props, err := d.resolvedProps(r, stateResolver(next))
		if err != nil {
			return fail(id, path, err)
		}
		prov := d.e.providers[r.Type]
		var o *ResourceState
		if d.old != nil {
			o = d.old.Resources[id]
		}
		call := d.call(id, r.Type, props, o)
		action := ActionCreate
		switch {
		case o == nil:
		case o.Type != r.Type:
			action = ActionReplace
		case reflect.DeepEqual(o.Props, props):
			action = ActionUnchanged
		default:
			action = ActionUpdate
			if rep, _ := prov.Replaces(o.Props, props); rep {
				action = ActionReplace
			}
		}
		if _, ok := d.snapshotsChangedAPI(r, applied); ok && o != nil && action != ActionReplace {
			action = ActionReplace
		}
		state := &ResourceState{Type: r.Type, Props: props, Deps: d.b.Deps(id), Retain: r.DeletionPolicy == "Retain"}
		if action == ActionUnchanged {
			state.PhysicalID, state.Attrs = o.PhysicalID, o.Attrs
			next[id] = state
			continue
		}
		d.emit(Event{Kind: "resource", LogicalID: id, Type: r.Type, Action: action, Status: "in_progress"})
		began := time.Now()
		var res Result
		switch action {
		case ActionUpdate:
			res, err = prov.Update(ctx, call)
		default:
			call.Old = nil
			res, err = prov.Create(ctx, call)
		}
		if err != nil {
			if action == ActionUpdate {
				// An update can fail half made (new code uploaded, the
				// configuration refused): undo it with the rest.
				state.PhysicalID, state.Attrs = o.PhysicalID, o.Attrs
				next[id] = state
				journal = append(journal, step{id: id, prev: o})
			}
			return fail(id, propertyPath(path, r.Properties, err), fmt.Errorf("%s failed: %w", action, err))
		}
		applied[id] = action
		state.PhysicalID, state.Attrs = res.PhysicalID, res.Attrs
		next[id] = state
		switch action {
		case ActionUpdate:
			journal = append(journal, step{id: id, prev: o})
		case ActionReplace:
			journal = append(journal, step{id: id, created: true})
			cleanup, cleanupIDs = append(cleanup, o), append(cleanupIDs, id)
		default:
			journal = append(journal, step{id: id, created: true})
		}
		d.emit(Event{Kind: "resource", LogicalID: id, Type: r.Type, Action: action, Status: "done", Elapsed: time.Since(began)})
	}

	outs, err := d.b.Outputs(stateResolver(next))
	if err != nil {
		return d.rollback(ctx, journal, err)
	}
	for _, o := range outs {
		d.stack.Outputs = append(d.stack.Outputs, Output{Key: o.Key, Value: d.e.localOutput(o.Value, next), Description: o.Description})
	}
	d.stack.Status = StatusCreateComplete
	if d.old != nil {
		d.stack.Status = StatusUpdateComplete
		if len(journal) == 0 && d.unchanged() {
			// Nothing to do: the stack stays exactly as it was.
			d.stack = d.old
			d.emit(Event{Kind: "complete", Status: d.old.Status, Outputs: d.old.Outputs, Message: "no changes"})
			return nil
		}
	}
	if err := d.save(ctx); err != nil {
		return d.rollback(ctx, journal, fmt.Errorf("saving the stack: %w", err))
	}

	// The new state is in place: delete what it no longer holds, the
	// dependents before what they depend on. A failure here leaves a
	// resource behind (and says so) but does not undo the deploy.
	var gone []string
	goneState := map[string]*ResourceState{}
	if d.old != nil {
		for id, s := range d.old.Resources {
			if _, ok := next[id]; !ok {
				gone = append(gone, id)
				goneState[id] = s
			}
		}
	}
	for i, s := range cleanup {
		key := cleanupIDs[i] + replacedSuffix
		gone = append(gone, key)
		goneState[key] = s
	}
	for _, id := range reverseDependencyOrder(gone, goneState) {
		s := goneState[id]
		if s.Retain {
			d.emit(Event{Kind: "resource", LogicalID: id, Type: s.Type, Action: ActionDelete, Status: "done", Message: "retained (DeletionPolicy: Retain)"})
			continue
		}
		d.emit(Event{Kind: "resource", LogicalID: id, Type: s.Type, Action: ActionDelete, Status: "in_progress"})
		began := time.Now()
		if err := d.e.deleteResource(ctx, d.stack, id, s); err != nil {
			d.e.opts.Logger.Warn("stack: delete left a resource behind", "stack", d.stack.Name, "resource", id, "err", err)
			d.emit(Event{Kind: "resource", LogicalID: id, Type: s.Type, Action: ActionDelete, Status: "failed", Message: err.Error()})
			continue
		}
		d.emit(Event{Kind: "resource", LogicalID: id, Type: s.Type, Action: ActionDelete, Status: "done", Elapsed: time.Since(began)})
	}
	d.emit(Event{Kind: "complete", Status: d.stack.Status, Outputs: d.stack.Outputs})
	return nil
}

// snapshotsChangedAPI reports whether r is a REST API deployment whose
// API this deploy updates (actions: by logical ID), and names the API.
// SAM names a deployment after the API's definition as written, so a
// change that only shows once references are resolved (a replaced pool's
// ARN in an authorizer, a replaced function's ARN in an integration)
// keeps the old deployment, and its stage would go on serving the old
// snapshot: a new deployment is made instead.
func (d *deployment) snapshotsChangedAPI(r template.Resource, actions map[string]string) (string, bool) {
	if r.Type != "AWS::ApiGateway::Deployment" {
		return "", false
	}
	for _, dep := range d.b.Deps(r.LogicalID) {
		if actions[dep] != ActionUpdate {
			continue
		}
		for _, res := range d.b.Resources() {
			if res.LogicalID == dep && res.Type == "AWS::ApiGateway::RestApi" {
				return dep, true
			}
		}
	}
	return "", false
}

// unchanged reports whether the deploy leaves the stored stack as it was:
// same resources, template, parameters and outputs.
func (d *deployment) unchanged() bool {
	if len(d.old.Resources) != len(d.stack.Resources) || d.old.Template != d.stack.Template ||
		!sameMap(d.old.Parameters, d.stack.Parameters) || !sameMap(d.old.NoEcho, d.stack.NoEcho) || !sameOutputs(d.old.Outputs, d.stack.Outputs) ||
		d.old.Status == StatusUpdateRollbackComplete {
		return false
	}
	for id := range d.old.Resources {
		if _, ok := d.stack.Resources[id]; !ok {
			return false
		}
	}
	return true
}

// sameMap is map equality with nil and empty alike (a stored stack's
// empty map comes back from JSON as nil).
func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func sameOutputs(a, b []Output) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func (d *deployment) call(id, typ string, props map[string]any, old *ResourceState) *Call {
	return &Call{API: d.e.opts.API, Stack: d.stack.Name, StackID: d.stack.ID, LogicalID: id, Type: typ,
		Region: d.e.opts.Region, Account: d.e.opts.Account, Props: props, Old: old,
		Artifact: func(key string) ([]byte, bool) {
			if b, ok := d.artifacts[key]; ok {
				return b, true
			}
			// Undoing a code change needs the package the function ran
			// before, which this deploy did not carry (see save).
			b, err := d.e.opts.Store.GetBlob(context.Background(), key)
			return b, err == nil
		}}
}

// codeSums lists the packages a stack's functions run, by hash.
func codeSums(s *Stack) map[string]bool {
	out := map[string]bool{}
	if s == nil {
		return out
	}
	for _, r := range s.Resources {
		code, _ := r.Props["Code"].(map[string]any)
		if sum, ok := code["gatehouse:ZipSha256"].(string); ok {
			out[sum] = true
		}
	}
	return out
}

// rollback undoes the journal, newest first, and returns cause (with any
// undo failures added). The stack's stored state is untouched: it still
// describes the resources as they were, which is what undoing restores.
func (d *deployment) rollback(ctx context.Context, journal []step, cause error) error {
	// Undo even when the caller's context is gone: a half-applied stack
	// is worse than a late answer.
	ctx = context.WithoutCancel(ctx)
	var undoErrs []error
	for i := len(journal) - 1; i >= 0; i-- {
		st := journal[i]
		cur := d.stack.Resources[st.id]
		d.emit(Event{Kind: "rollback", LogicalID: st.id, Type: cur.Type, Status: "in_progress"})
		var err error
		if st.created {
			err = d.e.deleteResource(ctx, d.stack, st.id, cur)
		} else {
			_, err = d.e.providers[cur.Type].Update(ctx, d.call(st.id, cur.Type, st.prev.Props, cur))
		}
		if err != nil {
			undoErrs = append(undoErrs, fmt.Errorf("undoing %s: %w", st.id, err))
			d.emit(Event{Kind: "rollback", LogicalID: st.id, Type: cur.Type, Status: "failed", Message: err.Error()})
			continue
		}
		d.emit(Event{Kind: "rollback", LogicalID: st.id, Type: cur.Type, Status: "done"})
	}
	if d.old != nil {
		reason := cause.Error()
		err := d.e.updateRecord(ctx, d.stack.Name, func(s *Stack) {
			s.Status, s.StatusReason = StatusUpdateRollbackComplete, reason
		})
		if err != nil {
			undoErrs = append(undoErrs, err)
		}
	}
	d.emit(Event{Kind: "failed", Message: cause.Error()})
	if len(undoErrs) > 0 {
		return fmt.Errorf("%w (rolling back also failed: %v)", cause, errors.Join(undoErrs...))
	}
	return cause
}

func (e *Engine) deleteResource(ctx context.Context, s *Stack, id string, rs *ResourceState) error {
	p := e.providers[rs.Type]
	if p == nil {
		return fmt.Errorf("no provider for %s", rs.Type)
	}
	return p.Delete(ctx, &Call{API: e.opts.API, Stack: s.Name, StackID: s.ID, LogicalID: id, Type: rs.Type,
		Region: e.opts.Region, Account: e.opts.Account, Props: rs.Props, Old: rs})
}

func (d *deployment) save(ctx context.Context) error {
	data, err := d.e.encode(d.stack)
	if err != nil {
		return err
	}
	// The packages the stack's functions now run go in before the state
	// that names them, so that a later deploy that changes them can put
	// them back when it rolls back. Blobs are immutable and addressed by
	// content: the functions service has usually stored the same package
	// under the same key already, which makes this a no-op, and none is
	// ever deleted here, since that one may be the functions service's.
	had := codeSums(d.old)
	for sum := range codeSums(d.stack) {
		if zip, ok := d.artifacts[sum]; ok && !had[sum] {
			if err := d.e.opts.Store.PutBlob(ctx, sum, zip); err != nil {
				return err
			}
		}
	}
	if d.old == nil {
		_, err = d.e.opts.Store.Create(ctx, kindStack, d.stack.Name, data)
		return err
	}
	_, err = d.e.opts.Store.Update(ctx, kindStack, d.stack.Name, func([]byte) ([]byte, error) { return data, nil })
	return err
}

func (e *Engine) updateRecord(ctx context.Context, name string, fn func(*Stack)) error {
	_, err := e.opts.Store.Update(ctx, kindStack, name, func(old []byte) ([]byte, error) {
		s, err := e.decode(name, old)
		if err != nil {
			return nil, err
		}
		fn(s)
		s.Updated = e.opts.Now().UTC()
		return e.encode(s)
	})
	return err
}

// Delete deletes a stack's resources, dependents first, then the stack.
func (e *Engine) Delete(ctx context.Context, name string, emit func(Event)) error {
	if emit == nil {
		emit = func(Event) {}
	}
	defer e.lock(name)()
	s, err := e.Get(ctx, name)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range reverseDependencyOrder(sortedIDs(s.Resources), s.Resources) {
		rs := s.Resources[id]
		if rs.Retain {
			emit(Event{Kind: "resource", LogicalID: id, Type: rs.Type, Action: ActionDelete, Status: "done", Message: "retained (DeletionPolicy: Retain)"})
			continue
		}
		emit(Event{Kind: "resource", LogicalID: id, Type: rs.Type, Action: ActionDelete, Status: "in_progress"})
		if err := e.deleteResource(ctx, s, id, rs); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			emit(Event{Kind: "resource", LogicalID: id, Type: rs.Type, Action: ActionDelete, Status: "failed", Message: err.Error()})
			continue
		}
		emit(Event{Kind: "resource", LogicalID: id, Type: rs.Type, Action: ActionDelete, Status: "done"})
	}
	if len(errs) > 0 {
		// Keep the stack so a second delete can finish the job.
		return errors.Join(errs...)
	}
	if err := e.opts.Store.Delete(ctx, kindStack, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	emit(Event{Kind: "complete"})
	return nil
}

func sortedIDs(m map[string]*ResourceState) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// replacedSuffix marks, among the resources a deploy deletes, those it
// replaced.
const replacedSuffix = " (replaced)"

// reverseDependencyOrder orders ids so that a resource comes before the
// ones it depends on (deletion order), by the dependencies recorded when
// each was applied; ties by id.
func reverseDependencyOrder(ids []string, states map[string]*ResourceState) []string {
	sort.Strings(ids)
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	// Depth-first post-order over "depends on" gives creation order;
	// reversed, deletion order.
	var order []string
	seen := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		if s := states[id]; s != nil {
			for _, dep := range s.Deps {
				// What a resource depended on when it was applied is, if
				// replaced since, the replaced one.
				if !in[dep] && in[dep+replacedSuffix] {
					dep += replacedSuffix
				}
				if in[dep] {
					visit(dep)
				}
			}
		}
		order = append(order, id)
	}
	for _, id := range ids {
		visit(id)
	}
	slices.Reverse(order)
	return order
}

// fieldInMessage finds the member an AWS validation message names
// ("Value 'nodejs1.x' at 'runtime' failed to satisfy constraint"; "at
// 'environment.variables'").
var fieldInMessage = regexp.MustCompile(`at '([A-Za-z][A-Za-z0-9]*)[.']`)

// propertyPath points an error at the property a service refused when its
// message names one the resource has, else at the resource's Properties.
func propertyPath(resource []string, props map[string]any, err error) []string {
	path := append(slices.Clone(resource), "Properties")
	m := fieldInMessage.FindStringSubmatch(err.Error())
	if m == nil {
		return path
	}
	for k := range props {
		if strings.EqualFold(k, m[1]) {
			return append(path, k)
		}
	}
	return path
}
