package sam

import (
	"cmp"
	"slices"
	"strings"
)

// event is one Api or HttpApi event of a function.
type event struct {
	id   string
	loc  loc
	http bool
	p    props
	// apiRef is RestApiId/ApiId as written, or a Ref to the implicit API;
	// apiID is the logical ID it names.
	apiRef   any
	apiID    string
	explicit bool
	path     string
	method   string
	rest     *restAPI
	httpAPI  *httpAPI
	// native is the named API when it is plain CloudFormation
	// (AWS::ApiGateway::RestApi, AWS::ApiGatewayV2::Api), whose document the
	// author writes; the event only grants API Gateway the permission.
	native map[string]any
}

const (
	implicitRestID = "ServerlessRestApi"
	implicitHTTPID = "ServerlessHttpApi"
)

// implicitAPIs are the APIs SAM creates for events that name none, with
// what they inherit from the functions that use them.
type implicitAPIs struct {
	rest          *restAPI
	http          *httpAPI
	deletion      [2][]string // rest, http
	replacePolicy [2][]string
}

// collectEvents is the translator's implicit-API plugin: it reads every
// function's events, creates the implicit APIs that events without an API
// share, and adds each event's path and method to the document of an API
// whose document SAM manages, all before Globals are merged.
func (t *transformer) collectEvents() error {
	imp := &implicitAPIs{rest: newImplicitRestAPI(), http: newImplicitHTTPAPI()}
	for _, id := range sortedKeys(t.funcs) {
		f := t.funcs[id]
		p := f.p()
		events, err := p.mapOf("Events")
		if err != nil {
			return err
		}
		el := p.keyLoc("Events")
		for _, eid := range sortedKeys(events) {
			l := el.at(eid)
			if !isASCIIAlnum(eid) {
				return l.errf("an event's name must be alphanumeric: SAM builds logical IDs such as %s%sPermission from it", f.id, eid)
			}
			ep, err := asProps(events[eid], l, "an event")
			if err != nil {
				return err
			}
			if err := ep.only("an event", "Type", "Properties"); err != nil {
				return err
			}
			typ, ok := ep.m["Type"].(string)
			if !ok {
				if _, present := ep.m["Type"]; !present {
					return l.errf("the event has no Type")
				}
				return l.at("Type").errf("must be a string, not %s", describe(ep.m["Type"]))
			}
			var ev *event
			switch typ {
			case "Api":
				ev, err = t.collectRestEvent(f, eid, l, ep.m["Properties"], imp)
			case "HttpApi":
				ev, err = t.collectHTTPEvent(f, eid, l, ep.m["Properties"], imp)
			default:
				return l.at("Type").errf("the event type %s is not supported by gatehouse (only Api and HttpApi)", typ)
			}
			if err != nil {
				return err
			}
			f.events = append(f.events, ev)
		}
		if _, ok := f.res["Condition"]; ok && len(f.events) > 0 {
			return f.loc.at("Condition").errf("a Condition on a function with Api or HttpApi events is not supported by gatehouse (SAM would make the API's paths conditional)")
		}
	}
	if imp.rest.loc != nil {
		if err := t.registerImplicit(implicitRestID, imp.rest.loc); err != nil {
			return err
		}
		imp.rest.res["DeletionPolicy"], imp.rest.res["UpdateReplacePolicy"] = strongestPolicies(imp.deletion[0], imp.replacePolicy[0])
		dropEmpty(imp.rest.res)
		t.rest[implicitRestID] = imp.rest
	}
	if imp.http.loc != nil {
		if err := t.registerImplicit(implicitHTTPID, imp.http.loc); err != nil {
			return err
		}
		imp.http.res["DeletionPolicy"], imp.http.res["UpdateReplacePolicy"] = strongestPolicies(imp.deletion[1], imp.replacePolicy[1])
		dropEmpty(imp.http.res)
		t.http[implicitHTTPID] = imp.http
	}
	return nil
}

// registerImplicit refuses a template resource with the implicit API's
// logical ID: the translator would silently replace it with the API.
func (t *transformer) registerImplicit(id string, first loc) error {
	if _, ok := t.resources[id]; ok {
		return loc{"Resources", id}.errf("%s is the logical ID SAM gives the API of events that name no API (such as %s); rename this resource",
			id, strings.Join(first, "."))
	}
	return nil
}

// strongestPolicies applies an implicit API the deletion and replacement
// policies of the functions that use it: Retain wins, then Snapshot, then
// Delete.
func strongestPolicies(deletion, replace []string) (any, any) {
	pick := func(list []string, order ...string) any {
		for _, want := range order {
			if slices.Contains(list, want) {
				return want
			}
		}
		return nil
	}
	return pick(deletion, "Retain", "Delete"), pick(replace, "Retain", "Snapshot", "Delete")
}

func dropEmpty(m map[string]any) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
}

// propagateToImplicit gives the implicit API the function's tags when the
// function propagates them, as the translator does.
func (t *transformer) propagateToImplicit(f *function, api *samResource) error {
	global := t.globals["Function"]
	propagate := f.local["PropagateTags"]
	if !truthy(propagate) {
		propagate = global["PropagateTags"]
	}
	tags := f.local["Tags"]
	if !truthy(tags) {
		tags = global["Tags"]
	}
	if !truthy(tags) || !truthy(propagate) {
		return nil
	}
	tm, ok := tags.(map[string]any)
	if !ok {
		return f.loc.at("Properties", "Tags").errf("must be a map, not %s", describe(tags))
	}
	dst, _ := api.local["Tags"].(map[string]any)
	if dst == nil {
		dst = map[string]any{}
		api.local["Tags"] = dst
	}
	for k, v := range tm {
		dst[k] = clone(v)
	}
	api.local["PropagateTags"] = true
	return nil
}

func (t *transformer) collectRestEvent(f *function, eid string, l loc, raw any, imp *implicitAPIs) (*event, error) {
	if !truthy(raw) {
		return nil, l.errf("an Api event needs Properties with Path and Method")
	}
	p, err := asProps(raw, l.at("Properties"), "an event's Properties")
	if err != nil {
		return nil, err
	}
	if err := checkRestEventProps(p); err != nil {
		return nil, err
	}
	ev := &event{id: eid, loc: l, p: p, explicit: p.has("RestApiId")}
	if ev.explicit {
		ev.apiRef = p.m["RestApiId"]
	} else {
		if err := t.propagateToImplicit(f, &imp.rest.samResource); err != nil {
			return nil, err
		}
		ev.apiRef = ref(implicitRestID)
	}
	var ok bool
	if ev.apiID, ok = refTarget(ev.apiRef); !ok {
		return nil, p.keyLoc("RestApiId").errf("must reference an AWS::Serverless::Api in this template (a logical ID or a Ref), not %s", describe(ev.apiRef))
	}
	t.warnEventRef(p, "RestApiId", ev.apiRef)
	if ev.path, ev.method, err = pathAndMethod(p); err != nil {
		return nil, err
	}
	switch {
	case ev.apiID == implicitRestID:
		ev.rest = imp.rest
		if imp.rest.loc == nil {
			imp.rest.loc, imp.rest.bodyLoc = l, l
		}
		imp.deletion[0] = append(imp.deletion[0], toString(f.res["DeletionPolicy"]))
		imp.replacePolicy[0] = append(imp.replacePolicy[0], toString(f.res["UpdateReplacePolicy"]))
	case t.rest[ev.apiID] != nil:
		ev.rest = t.rest[ev.apiID]
	default:
		if ev.native, err = t.nativeAPI(ev.apiID, "AWS::ApiGateway::RestApi", "AWS::Serverless::Api", p.keyLoc("RestApiId")); err != nil {
			return nil, err
		}
	}
	if ev.rest != nil && ev.rest.managed {
		ed := editor{doc: ev.rest.body, loc: ev.rest.bodyLoc}
		if err := ed.addPath(ev.path, ev.method); err != nil {
			return nil, err
		}
	}
	if ev.explicit && ev.rest != nil && truthy(f.local["FunctionName"]) {
		ev.rest.functionNames = append(ev.rest.functionNames, clone(f.local["FunctionName"]))
	}
	return ev, nil
}

func (t *transformer) collectHTTPEvent(f *function, eid string, l loc, raw any, imp *implicitAPIs) (*event, error) {
	if raw == nil {
		raw = map[string]any{}
	}
	p, err := asProps(raw, l.at("Properties"), "an event's Properties")
	if err != nil {
		return nil, err
	}
	if err := checkHTTPEventProps(p); err != nil {
		return nil, err
	}
	ev := &event{id: eid, loc: l, p: p, http: true, explicit: p.has("ApiId")}
	if ev.explicit {
		ev.apiRef = p.m["ApiId"]
	} else {
		if err := t.propagateToImplicit(f, &imp.http.samResource); err != nil {
			return nil, err
		}
		ev.apiRef = ref(implicitHTTPID)
	}
	var ok bool
	if ev.apiID, ok = refTarget(ev.apiRef); !ok {
		return nil, p.keyLoc("ApiId").errf("must reference an AWS::Serverless::HttpApi in this template (a logical ID or a Ref), not %s", describe(ev.apiRef))
	}
	t.warnEventRef(p, "ApiId", ev.apiRef)
	// An event with neither Path nor Method is the API's $default route.
	if !truthy(p.m["Path"]) && !truthy(p.m["Method"]) {
		ev.path, ev.method = "$default", anyMethod
	} else if ev.path, ev.method, err = pathAndMethod(p); err != nil {
		return nil, err
	}
	var api *httpAPI
	switch {
	case ev.apiID == implicitHTTPID:
		api = imp.http
		if api.loc == nil {
			api.loc, api.bodyLoc = l, l
		}
		imp.deletion[1] = append(imp.deletion[1], toString(f.res["DeletionPolicy"]))
		imp.replacePolicy[1] = append(imp.replacePolicy[1], toString(f.res["UpdateReplacePolicy"]))
	case t.http[ev.apiID] != nil:
		api = t.http[ev.apiID]
	default:
		if ev.native, err = t.nativeAPI(ev.apiID, "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi", p.keyLoc("ApiId")); err != nil {
			return nil, err
		}
	}
	ev.httpAPI = api
	if api != nil && api.managed {
		if err := api.editor().addPath(ev.path, ev.method); err != nil {
			return nil, err
		}
	}
	if _, ok := p.m["RouteSettings"]; ok {
		if api == nil {
			return nil, p.keyLoc("RouteSettings").errf("RouteSettings need an AWS::Serverless::HttpApi; set them on the stage of %s", ev.apiID)
		}
		if err := routeSettings(api, ev); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// warnEventRef points out event properties that SAM accepts and then does
// nothing useful with.
func (t *transformer) warnEventRef(p props, key string, apiRef any) {
	if s, ok := apiRef.(string); ok {
		t.warn(p.keyLoc(key), "SAM copies "+key+" "+s+" into the permission's source ARN as written, where it is not the API's ID; write !Ref "+s)
	}
	if p.has("Stage") {
		t.warn(p.keyLoc("Stage"), "Stage is ignored, as SAM ignores it: the permission covers every stage")
	}
}

// routeSettings adds an event's RouteSettings to its API's, under the
// route key API Gateway uses ("GET /items", or the bare path for ANY).
func routeSettings(api *httpAPI, ev *event) error {
	route := strings.ToUpper(ev.method) + " " + ev.path
	if ev.method == anyMethod {
		route = ev.path
	}
	all, ok := api.local["RouteSettings"]
	if !ok || all == nil {
		all = map[string]any{}
		api.local["RouteSettings"] = all
	}
	am, ok := all.(map[string]any)
	if !ok || isIntrinsic(all) {
		return api.loc.at("Properties", "RouteSettings").errf("must be a map of routes, not %s", describe(all))
	}
	es, err := ev.p.mapOf("RouteSettings")
	if err != nil {
		return err
	}
	cur, ok := am[route].(map[string]any)
	if !ok {
		cur = map[string]any{}
		am[route] = cur
	}
	for k, v := range es {
		cur[k] = clone(v)
	}
	return nil
}

// nativeAPI checks that an event names an API of the right kind.
func (t *transformer) nativeAPI(id, native, sam string, l loc) (map[string]any, error) {
	r, ok := t.resources[id].(map[string]any)
	if !ok {
		return nil, l.errf("must reference an %s in this template; there is no resource %s", sam, id)
	}
	if r["Type"] != native {
		return nil, l.errf("must reference an %s (or an %s) in this template; %s is an %v", sam, native, id, r["Type"])
	}
	return r, nil
}

func pathAndMethod(p props) (string, string, error) {
	path, ok, err := p.str("Path")
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", p.loc.errf("Path is required")
	}
	method, ok, err := p.str("Method")
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", p.loc.errf("Method is required")
	}
	return path, method, nil
}

func checkRestEventProps(p props) error {
	if err := p.only("an Api event", "Path", "Method", "RestApiId", "Stage", "Auth", "RequestModel",
		"RequestParameters", "TimeoutInMillis", "ResponseTransferMode"); err != nil {
		return err
	}
	if v, ok := p.m["ResponseTransferMode"]; ok && v != nil && v != "BUFFERED" {
		return p.keyLoc("ResponseTransferMode").unsupported("ResponseTransferMode " + pyStr(v) + " (response streaming)")
	}
	if _, err := p.listOf("RequestParameters"); err != nil {
		return err
	}
	auth, err := p.mapOf("Auth")
	if err != nil {
		return err
	}
	if auth != nil {
		ap := props{m: auth, loc: p.keyLoc("Auth")}
		if err := ap.only("an Api event's Auth", "Authorizer", "AuthorizationScopes", "ApiKeyRequired",
			"ResourcePolicy", "InvokeRole", "OverrideApiAuth"); err != nil {
			return err
		}
		if auth["Authorizer"] == "AWS_IAM" {
			return ap.loc.at("Authorizer").unsupported("IAM (AWS_IAM) authorization")
		}
		if ap.has("ResourcePolicy") {
			return ap.loc.at("ResourcePolicy").unsupported("ResourcePolicy (API resource policies)")
		}
		if ap.has("InvokeRole") {
			return ap.loc.at("InvokeRole").unsupported("InvokeRole (IAM authorization's caller credentials)")
		}
	}
	model, err := p.mapOf("RequestModel")
	if err != nil || model == nil {
		return err
	}
	mp := props{m: model, loc: p.keyLoc("RequestModel")}
	if err := mp.only("RequestModel", "Model", "Required", "ValidateBody", "ValidateParameters"); err != nil {
		return err
	}
	for _, k := range []string{"ValidateBody", "ValidateParameters"} {
		v, ok := model[k]
		if !ok || v == nil {
			continue
		}
		if _, isBool := v.(bool); !isBool {
			return mp.loc.at(k).errf("must be true or false, not %s", describe(v))
		}
	}
	return nil
}

func checkHTTPEventProps(p props) error {
	if err := p.only("an HttpApi event", "Path", "Method", "ApiId", "Stage", "Auth", "TimeoutInMillis",
		"RouteSettings", "PayloadFormatVersion"); err != nil {
		return err
	}
	if _, err := p.mapOf("RouteSettings"); err != nil {
		return err
	}
	auth, err := p.mapOf("Auth")
	if err != nil || auth == nil {
		return err
	}
	ap := props{m: auth, loc: p.keyLoc("Auth")}
	if err := ap.only("an HttpApi event's Auth", "Authorizer", "AuthorizationScopes"); err != nil {
		return err
	}
	if auth["Authorizer"] == "AWS_IAM" {
		return ap.loc.at("Authorizer").unsupported("IAM (AWS_IAM) authorization")
	}
	return nil
}

// translateEvents expands a function's events in the translator's order:
// by path, so that an HttpApi $default route comes first.
func (t *transformer) translateEvents(f *function) error {
	evs := slices.Clone(f.events)
	slices.SortStableFunc(evs, func(a, b *event) int {
		return cmp.Or(cmp.Compare(a.path, b.path), cmp.Compare(a.id, b.id))
	})
	for _, ev := range evs {
		var err error
		if ev.http {
			err = t.httpEvent(f, ev)
		} else {
			err = t.restEvent(f, ev)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func permission(f *function, sourceArn map[string]any) map[string]any {
	perm := resource("AWS::Lambda::Permission", map[string]any{
		"Action":       "lambda:InvokeFunction",
		"FunctionName": ref(f.id),
		"Principal":    "apigateway.amazonaws.com",
		"SourceArn":    sourceArn,
	})
	f.passthrough(perm)
	return perm
}
