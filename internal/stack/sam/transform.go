package sam

import (
	"slices"
	"strings"
)

const samTransform = "AWS::Serverless-2016-10-31"

// Options tunes the transform. It is empty for now; it exists so that flags
// can be added without changing Transform's signature.
type Options struct{}

// Result is a transformed template.
type Result struct {
	// Doc is a new template without Transform and Globals, holding only
	// native CloudFormation resource types.
	Doc map[string]any
	// Origin maps every logical ID in Doc's Resources to the path of what
	// it came from: the SAM resource or event that generated it
	// (["Resources", "Fn", "Properties", "Events", "Get"]), or the resource
	// itself when it passed through unchanged.
	Origin map[string][]string
	// Warnings are behaviours copied from aws-sam-translator that authors
	// often do not expect, such as events left out of an API whose
	// DefinitionBody SAM does not manage.
	Warnings []Warning
}

// Transform expands a template that uses the AWS::Serverless-2016-10-31
// transform into plain CloudFormation the way aws-sam-translator 1.110.0
// does, for the subset of SAM that gatehouse runs: functions, REST and HTTP
// APIs and their events. doc is the whole template in CloudFormation's JSON
// long form as plain Go values; it is never modified. A template without
// the SAM transform comes back as a deep copy. Anything SAM would do that
// gatehouse cannot (other resource and event types, IAM authorization,
// aliases, layers and more) is refused with an *Error rather than dropped;
// doc.go lists the decision for every property.
func Transform(doc map[string]any, opts Options) (*Result, error) {
	cp, err := copyValue(doc, nil)
	if err != nil {
		return nil, err
	}
	tmpl, _ := cp.(map[string]any)
	if tmpl == nil {
		tmpl = map[string]any{}
	}
	uses, err := usesSAM(tmpl)
	if err != nil {
		return nil, err
	}
	if !uses {
		return &Result{Doc: tmpl, Origin: passThroughOrigins(tmpl)}, nil
	}
	t := &transformer{
		doc:    tmpl,
		out:    map[string]any{},
		origin: map[string][]string{},
		source: map[string]string{},
		refs:   map[string]map[string]string{},
		funcs:  map[string]*function{},
		rest:   map[string]*restAPI{},
		http:   map[string]*httpAPI{},
	}
	if err := t.run(); err != nil {
		return nil, err
	}
	return &Result{Doc: t.doc, Origin: t.origin, Warnings: t.warnings}, nil
}

// usesSAM reads the Transform section: the SAM transform alone, as a string
// or in a list. Any other macro would change the template in ways this
// transform cannot reproduce.
func usesSAM(tmpl map[string]any) (bool, error) {
	v, ok := tmpl["Transform"]
	if !ok {
		return false, nil
	}
	l := loc{"Transform"}
	var names []string
	switch x := v.(type) {
	case string:
		names = []string{x}
	case []any:
		var err error
		if names, err = stringsOf(x, l); err != nil {
			return false, err
		}
	default:
		return false, l.errf("must be a transform name or a list of them, not %s", describe(v))
	}
	sam := false
	for i, n := range names {
		if n != samTransform {
			el := l
			if _, list := v.([]any); list {
				el = l.at(itoa(i))
			}
			return false, el.errf("the transform %q is not supported by gatehouse (only %s)", n, samTransform)
		}
		sam = true
	}
	return sam, nil
}

func passThroughOrigins(tmpl map[string]any) map[string][]string {
	origin := map[string][]string{}
	if res, ok := tmpl["Resources"].(map[string]any); ok {
		for id := range res {
			origin[id] = []string{"Resources", id}
		}
	}
	return origin
}

// transformer holds one transform's state. The template is processed in the
// translator's order: implicit APIs and event paths first, then Globals,
// then functions (whose events edit their APIs' bodies), then the APIs,
// then everything else. Maps are walked in sorted key order so that the
// output never depends on Go's map iteration.
type transformer struct {
	doc       map[string]any
	resources map[string]any
	globals   globals
	funcs     map[string]*function
	rest      map[string]*restAPI
	http      map[string]*httpAPI
	out       map[string]any
	origin    map[string][]string
	// source is the SAM logical ID that generated each output resource.
	source map[string]string
	// refs resolves SAM's "LogicalId.Property" references (MyApi.Stage).
	refs     map[string]map[string]string
	shared   *sharedUsagePlan
	warnings []Warning
}

func (t *transformer) warn(l loc, msg string) {
	t.warnings = append(t.warnings, Warning{Path: append([]string(nil), l...), Msg: msg})
}

func (t *transformer) run() error {
	res, ok := t.doc["Resources"].(map[string]any)
	if !ok || len(res) == 0 {
		if v, present := t.doc["Resources"]; present && !ok {
			return loc{"Resources"}.errf("must be a map of resources, not %s", describe(v))
		}
		return loc{"Resources"}.errf("a SAM template needs at least one resource")
	}
	t.resources = res
	var err error
	if t.globals, err = parseGlobals(t.doc); err != nil {
		return err
	}
	if err := t.classify(); err != nil {
		return err
	}
	if err := t.collectEvents(); err != nil {
		return err
	}
	if err := t.mergeGlobals(); err != nil {
		return err
	}
	// Every resource is checked before any is expanded, so that a refused
	// property is reported as such, not as a problem it causes elsewhere.
	for _, id := range sortedKeys(t.funcs) {
		if err := t.checkFunction(t.funcs[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(t.rest) {
		if err := t.checkRestAPI(t.rest[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(t.http) {
		if err := t.checkHTTPAPI(t.http[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(t.funcs) {
		if err := t.translateFunction(t.funcs[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(t.rest) {
		if err := t.translateRestAPI(t.rest[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(t.http) {
		if err := t.translateHTTPAPI(t.http[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(t.resources) {
		r := t.resources[id].(map[string]any)
		if strings.HasPrefix(r["Type"].(string), samPrefix) {
			continue
		}
		if err := t.add(id, r, loc{"Resources", id}, id); err != nil {
			return err
		}
	}
	delete(t.doc, "Transform")
	delete(t.doc, "Globals")
	t.doc["Resources"] = t.out
	resolveResourceRefs(t.doc, t.refs)
	return nil
}

const samPrefix = "AWS::Serverless::"

// classify checks every resource's shape and sorts the SAM ones by kind.
func (t *transformer) classify() error {
	for _, id := range sortedKeys(t.resources) {
		l := loc{"Resources", id}
		r, ok := t.resources[id].(map[string]any)
		if !ok {
			return l.errf("a resource must be a map, not %s", describe(t.resources[id]))
		}
		typ, ok := r["Type"].(string)
		if !ok {
			if _, present := r["Type"]; !present {
				return l.errf("the resource has no Type")
			}
			return l.at("Type").errf("must be a string, not %s", describe(r["Type"]))
		}
		if !strings.HasPrefix(typ, samPrefix) {
			continue
		}
		if !isASCIIAlnum(id) {
			return l.errf("the logical ID of a SAM resource must be alphanumeric, as CloudFormation requires of the resources it expands to")
		}
		if err := checkAttributes(r, l); err != nil {
			return err
		}
		base, err := newSAMResource(id, r, l)
		if err != nil {
			return err
		}
		switch typ {
		case "AWS::Serverless::Function":
			base.section = "Function"
			t.funcs[id] = &function{samResource: base}
		case "AWS::Serverless::Api":
			base.section = "Api"
			a := &restAPI{samResource: base}
			if err := a.adoptBody(); err != nil {
				return err
			}
			t.rest[id] = a
		case "AWS::Serverless::HttpApi":
			base.section = "HttpApi"
			a := &httpAPI{samResource: base}
			if err := a.adoptBody(); err != nil {
				return err
			}
			t.http[id] = a
		default:
			return l.at("Type").errf("%s is not supported by gatehouse (only AWS::Serverless::Function, AWS::Serverless::Api and AWS::Serverless::HttpApi)", typ)
		}
	}
	return nil
}

// checkAttributes refuses resource attributes SAM does not define, and the
// ones gatehouse cannot honour.
func checkAttributes(r map[string]any, l loc) error {
	for _, k := range sortedKeys(r) {
		switch k {
		case "Type", "Properties", "Condition", "DependsOn", "Metadata", "DeletionPolicy",
			"UpdateReplacePolicy", "UpdatePolicy", "IgnoreGlobals":
		case "Connectors":
			return l.at(k).unsupported("Connectors (SAM connectors)")
		default:
			return l.at(k).errf("%s is not a resource attribute", k)
		}
	}
	if c, ok := r["Condition"]; ok {
		if _, ok := c.(string); !ok {
			return l.at("Condition").errf("must be the name of a condition, not %s", describe(c))
		}
	}
	if d, ok := r["DependsOn"]; ok {
		switch x := d.(type) {
		case string:
		case []any:
			if _, err := stringsOf(x, l.at("DependsOn")); err != nil {
				return err
			}
		default:
			return l.at("DependsOn").errf("must be a logical ID or a list of them, not %s", describe(d))
		}
	}
	return nil
}

// samResource is what every SAM resource kind shares.
type samResource struct {
	id  string
	loc loc
	// res is the resource as written, for its attributes.
	res map[string]any
	// local is Properties as written; props is local with Globals merged.
	local, props map[string]any
	section      string
}

func newSAMResource(id string, r map[string]any, l loc) (samResource, error) {
	local := map[string]any{}
	if v, ok := r["Properties"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok || isIntrinsic(v) {
			return samResource{}, l.at("Properties").errf("must be a map, not %s", describe(v))
		}
		local = m
	}
	return samResource{id: id, loc: l, res: r, local: local, props: local}, nil
}

func (r *samResource) p() props {
	p := props{m: r.props, loc: r.loc.at("Properties"), globalsLoc: loc{"Globals", r.section}}
	for k := range r.props {
		if _, ok := r.local[k]; !ok {
			if p.fromGlobals == nil {
				p.fromGlobals = map[string]bool{}
			}
			p.fromGlobals[k] = true
		}
	}
	return p
}

// attrs copies the resource attributes that the translator puts on the
// main generated resource: all of them but DependsOn, which callers add
// where the translator does.
func (r *samResource) attrs(dst map[string]any) {
	for _, k := range []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "Metadata"} {
		if v, ok := r.res[k]; ok {
			dst[k] = clone(v)
		}
	}
}

// passthrough copies the attributes the translator also gives every
// resource derived from this one.
func (r *samResource) passthrough(dst map[string]any) {
	for _, k := range []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy"} {
		if v, ok := r.res[k]; ok {
			dst[k] = clone(v)
		}
	}
}

func (r *samResource) dependsOn(dst map[string]any) {
	if v, ok := r.res["DependsOn"]; ok {
		dst["DependsOn"] = clone(v)
	}
}

// add puts a generated resource into the output. A logical ID may be
// generated once, and may not shadow a resource of the template other than
// the SAM resource it replaces: the translator would overwrite one with the
// other, and the author would lose a resource without a word.
func (t *transformer) add(id string, r map[string]any, origin loc, source string) error {
	if prev, ok := t.source[id]; ok {
		if prev == source {
			return origin.errf("generates the resource %s twice", id)
		}
		return origin.errf("generates the resource %s, which %s also generates; rename one of them", id, prev)
	}
	if _, ok := t.resources[id]; ok && id != source {
		return origin.errf("generates the resource %s (%v), but the template already has a resource %s; rename one of them", id, r["Type"], id)
	}
	t.out[id] = r
	t.source[id] = source
	t.origin[id] = slices.Clone(origin)
	return nil
}

func (t *transformer) addRef(samID, property, generated string) {
	m := t.refs[samID]
	if m == nil {
		m = map[string]string{}
		t.refs[samID] = m
	}
	m[property] = generated
}

func resource(typ string, properties map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": properties}
}
