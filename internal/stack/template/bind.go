package template

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Context is what a deployment knows before the template is evaluated:
// the pseudo parameters' values and the parameter overrides. Fields left
// empty make their pseudo parameter evaluate to "".
type Context struct {
	StackName, StackID, Region, AccountID, Partition, URLSuffix string
	// Parameters overrides parameter values by name.
	Parameters map[string]string
}

// ResourceTypes tells Bind which resource types the engine can create and
// which attributes Fn::GetAtt may read from each.
type ResourceTypes interface {
	Known(resourceType string) bool
	Attributes(resourceType string) []string
}

// Resolver gives the values of resources that exist: the physical ID
// (Ref) and attributes (Fn::GetAtt) of resources created earlier in
// Order.
type Resolver interface {
	Ref(logicalID string) (any, error)
	GetAtt(logicalID, attr string) (any, error)
}

// Resource is a resource to create. Properties and Metadata are the
// unevaluated document values, shared with the Template: pass them to
// Eval, and do not modify them.
type Resource struct {
	LogicalID, Type     string
	Properties          map[string]any
	DependsOn           []string // as declared; Deps adds the references
	Metadata            map[string]any
	DeletionPolicy      string
	UpdateReplacePolicy string
	Condition           string
}

// Bound is a template bound to parameter values and resource types: every
// check that can run before anything is created has passed, conditions
// are decided, and the resources to create are known and ordered. It is
// never modified after Bind, so it is safe for concurrent use.
type Bound struct {
	t        *Template
	ctx      Context
	params   map[string]*param
	mappings map[string]any
	conds    map[string]bool
	res      map[string]*Resource // every declared resource
	skipped  map[string]string    // logical ID → its condition, which is false
	deps     map[string][]string  // created resource → resources it needs first
	order    []string
	outputs  []string // output keys whose condition holds
}

// checker collects every problem Bind finds.
type checker struct {
	b     *Bound
	types ResourceTypes
	errs  ErrorList
	deps  map[string]bool // references recorded while walking a created resource
}

func (c *checker) errorf(path []string, format string, args ...any) {
	c.errs = append(c.errs, c.b.t.Errorf(path, format, args...))
}

// add records an error from the evaluator, which are all *Error.
func (c *checker) add(err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = c.b.t.Errorf(nil, "%v", err)
	}
	c.errs = append(c.errs, e)
}

// Bind validates the template against the parameter values and the
// engine's resource types, decides the conditions and orders the
// resources. It reports every problem it finds, as an ErrorList of
// *Error. Bind runs after the SAM transform.
func (t *Template) Bind(ctx Context, types ResourceTypes) (*Bound, error) {
	b := &Bound{
		t: t, ctx: ctx,
		params: map[string]*param{}, mappings: map[string]any{}, conds: map[string]bool{},
		res: map[string]*Resource{}, skipped: map[string]string{}, deps: map[string][]string{},
	}
	c := &checker{b: b, types: types}
	c.sections()
	c.parameters()
	c.mappingsSection()
	c.declareResources()
	c.conditions()
	c.resources()
	c.outputsSection()
	c.graph()
	if len(c.errs) > 0 {
		return nil, c.errs.sorted()
	}
	return b, nil
}

func (c *checker) sections() {
	doc := c.b.t.Doc
	for _, k := range sortedKeys(doc) {
		path := []string{k}
		switch v := doc[k]; k {
		case "AWSTemplateFormatVersion":
			if s, _ := v.(string); s != "2010-09-09" {
				c.errorf(path, "AWSTemplateFormatVersion must be \"2010-09-09\", the only version there is")
			}
		case "Description":
			if _, ok := v.(string); !ok {
				c.errorf(path, "Description must be a string, not %s", describe(v))
			}
		case "Metadata", "Parameters", "Mappings", "Conditions", "Resources", "Outputs":
			if _, ok := v.(map[string]any); !ok && v != nil {
				c.errorf(path, "%s must be a mapping, not %s", k, describe(v))
			}
		case "Transform":
			// The SAM transform has run by now; what it named is done.
		case "Rules":
			c.errorf(path, "Rules are not supported by gatehouse")
		case "Globals":
			c.errorf(path, "Globals requires Transform AWS::Serverless-2016-10-31 (the SAM transform consumes it)")
		default:
			c.errorf(path, "unknown top-level section %q; a template has AWSTemplateFormatVersion, Description, Metadata, Parameters, Mappings, Conditions, Transform, Resources and Outputs", k)
		}
	}
	switch res, _ := doc["Resources"].(map[string]any); {
	case len(res) == 0:
		c.errorf([]string{"Resources"}, "the template must declare at least one resource")
	case len(res) > maxResources:
		c.errorf([]string{"Resources"}, "the template declares %d resources; the limit is %d", len(res), maxResources)
	}
	if outs, _ := doc["Outputs"].(map[string]any); len(outs) > maxOutputs {
		c.errorf([]string{"Outputs"}, "the template declares %d outputs; the limit is %d", len(outs), maxOutputs)
	}
}

// section returns a top-level section (sections reports a bad one).
func (c *checker) section(name string) map[string]any {
	m, _ := c.b.t.Doc[name].(map[string]any)
	return m
}

// logicalID checks a name CloudFormation requires to be alphanumeric.
func (c *checker) logicalID(path []string, what, id string) bool {
	switch {
	case strings.HasPrefix(id, "Fn::ForEach::"):
		c.errorf(path, "Fn::ForEach (AWS::LanguageExtensions) is not supported by gatehouse")
	case id == "" || len(id) > maxLogicalIDLen || strings.IndexFunc(id, notAlnum) >= 0:
		c.errorf(path, "%s name %q must be 1 to %d letters and digits (A-Z, a-z, 0-9)", what, id, maxLogicalIDLen)
	default:
		return true
	}
	return false
}

func notAlnum(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

func resourceAttribute(k string) bool {
	switch k {
	case "Condition", "CreationPolicy", "DeletionPolicy", "DependsOn", "Metadata", "Properties", "Type", "UpdatePolicy", "UpdateReplacePolicy":
		return true
	}
	return false
}

// resourceDef returns a declared resource's definition.
func (c *checker) resourceDef(id string) map[string]any {
	def, _ := c.section("Resources")[id].(map[string]any)
	return def
}

func (c *checker) declareResources() {
	res := c.section("Resources")
	for _, id := range sortedKeys(res) {
		path := []string{"Resources", id}
		if !c.logicalID(path, "resource", id) {
			continue
		}
		if _, clash := c.b.params[id]; clash {
			c.errorf(path, "%s is both a parameter and a resource; logical IDs must be unique", id)
		}
		def, ok := res[id].(map[string]any)
		if !ok {
			c.errorf(path, "a resource must be a mapping with a Type, not %s", describe(res[id]))
			continue
		}
		r := &Resource{LogicalID: id}
		for _, k := range sortedKeys(def) {
			if !resourceAttribute(k) {
				c.errorf(append(path, k), "unknown resource attribute %q; a resource has Type, Properties, DependsOn, Condition, Metadata, DeletionPolicy, UpdateReplacePolicy, CreationPolicy and UpdatePolicy", k)
			}
		}
		switch typ, ok := def["Type"].(string); {
		case !ok:
			c.errorf(path, "the resource has no Type (a string such as AWS::Lambda::Function)")
		case !c.types.Known(typ):
			msg := fmt.Sprintf("resource type %s is not supported by gatehouse", typ)
			if strings.HasPrefix(typ, "AWS::Serverless::") {
				msg += "; SAM resources must go through the SAM transform (Transform: AWS::Serverless-2016-10-31) first"
			}
			c.errorf(append(path, "Type"), "%s", msg)
			r.Type = typ
		default:
			r.Type = typ
		}
		r.Properties = c.mapAttr(path, def, "Properties")
		r.Metadata = c.mapAttr(path, def, "Metadata")
		c.mapAttr(path, def, "CreationPolicy")
		c.mapAttr(path, def, "UpdatePolicy")
		r.DeletionPolicy = c.policy(path, def, "DeletionPolicy", "Delete", "Retain", "RetainExceptOnCreate", "Snapshot")
		r.UpdateReplacePolicy = c.policy(path, def, "UpdateReplacePolicy", "Delete", "Retain", "Snapshot")
		r.DependsOn = c.dependsOn(path, def)
		if v, ok := def["Condition"]; ok {
			if s, ok := v.(string); ok {
				r.Condition = s
			} else {
				c.errorf(append(path, "Condition"), "Condition must name a condition (a string), not %s", describe(v))
			}
		}
		c.b.res[id] = r
	}
}

func (c *checker) mapAttr(path []string, def map[string]any, key string) map[string]any {
	v, ok := def[key]
	if !ok || v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.errorf(append(path, key), "%s must be a mapping, not %s", key, describe(v))
	}
	return m
}

func (c *checker) policy(path []string, def map[string]any, key string, allowed ...string) string {
	v, ok := def[key]
	if !ok {
		return ""
	}
	s, _ := v.(string)
	if !slices.Contains(allowed, s) {
		c.errorf(append(path, key), "%s must be one of %s", key, strings.Join(allowed, ", "))
		return ""
	}
	return s
}

func (c *checker) dependsOn(path []string, def map[string]any) []string {
	v, ok := def["DependsOn"]
	if !ok {
		return nil
	}
	path = append(path, "DependsOn")
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		names := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				c.errorf(append(path, fmt.Sprint(i)), "DependsOn takes logical IDs (strings), not %s", describe(e))
				return nil
			}
			names[i] = s
		}
		return names
	}
	c.errorf(path, "DependsOn takes a logical ID or a list of them, not %s", describe(v))
	return nil
}

// resources checks what needs the conditions decided: the conditions
// named, DependsOn targets, and the intrinsics in every attribute.
func (c *checker) resources() {
	for _, id := range sortedKeys(c.b.res) {
		r := c.b.res[id]
		path := []string{"Resources", id}
		if r.Condition != "" {
			if on, ok := c.b.conds[r.Condition]; !ok {
				c.errorf(append(path, "Condition"), "condition %q is not declared in Conditions", r.Condition)
			} else if !on {
				c.b.skipped[id] = r.Condition
			}
		}
	}
	for _, id := range sortedKeys(c.b.res) {
		r := c.b.res[id]
		// Room for the walk to append to without reallocating at
		// every level.
		path := append(make([]string, 0, 32), "Resources", id)
		_, skip := c.b.skipped[id]
		def := c.resourceDef(id)
		_, depList := def["DependsOn"].([]any)
		c.deps = map[string]bool{}
		for i, dep := range r.DependsOn {
			p := append(path, "DependsOn")
			if depList {
				p = append(p, fmt.Sprint(i))
			}
			switch cond, off := c.b.skipped[dep]; {
			case c.b.res[dep] == nil:
				c.errorf(p, "DependsOn: there is no resource named %q", dep)
			case off && !skip:
				c.errorf(p, "DependsOn: %s is not created, because its condition %s is false", dep, cond)
			default:
				c.deps[dep] = true
			}
		}
		for _, k := range []string{"Properties", "Metadata", "CreationPolicy", "UpdatePolicy"} {
			if v, ok := def[k]; ok {
				c.walk(append(path, k), v, !skip)
			}
		}
		if !skip {
			c.b.deps[id] = sortedKeys(c.deps)
		}
		c.deps = nil
	}
}
