package sam

import "strings"

// editor edits an API's OpenAPI (or Swagger 2.0) document in place the way
// the translator's SwaggerEditor and OpenApiEditor do. The translator copies
// the whole document on every edit; editing in place keeps a template with
// thousands of events linear.
//
// Paths and methods in an author's DefinitionBody may be wrapped in Fn::If;
// like the translator, every operation applies to both branches.
type editor struct {
	doc map[string]any
	// loc is where problems with the document are reported: the
	// DefinitionBody as written, or the API resource for a generated one.
	loc loc
}

const (
	extIntegration = "x-amazon-apigateway-integration"
	anyMethod      = "x-amazon-apigateway-any-method"
)

func (e editor) paths() (map[string]any, error) {
	p, ok := e.doc["paths"].(map[string]any)
	if !ok {
		return nil, e.loc.at("paths").errf("must be a map of paths")
	}
	return p, nil
}

// conditional returns the branches of an Fn::If (AWS::NoValue dropped), or
// the item itself.
func (e editor) conditional(item any) ([]any, error) {
	m, ok := item.(map[string]any)
	if !ok {
		return []any{item}, nil
	}
	params, ok := m["Fn::If"]
	if !ok {
		return []any{item}, nil
	}
	list, ok := params.([]any)
	if !ok {
		return nil, e.loc.errf("the value of Fn::If must be a list")
	}
	var out []any
	for i, c := range list {
		if i > 0 && !isNoValue(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// pathItems returns the path item (or both branches of a conditional one)
// of path, which must exist.
func (e editor) pathItems(path string) ([]map[string]any, error) {
	paths, err := e.paths()
	if err != nil {
		return nil, err
	}
	contents, err := e.conditional(paths[path])
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(contents))
	for _, c := range contents {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, e.loc.at("paths", path).errf("the value of the path %s must be a map", path)
		}
		out = append(out, m)
	}
	return out, nil
}

// normalizeMethod lower-cases a method and spells ANY as API Gateway does.
func normalizeMethod(m string) string {
	m = strings.ToLower(m)
	if m == "any" {
		return anyMethod
	}
	return m
}

func hasIntegrationDef(def map[string]any) bool { return truthy(def[extIntegration]) }

func (e editor) hasPath(path, method string) (bool, error) {
	paths, err := e.paths()
	if err != nil {
		return false, err
	}
	item, ok := paths[path]
	if !ok {
		return false, nil
	}
	if method == "" {
		return true, nil
	}
	contents, err := e.conditional(item)
	if err != nil {
		return false, err
	}
	for _, c := range contents {
		m, ok := c.(map[string]any)
		if !ok {
			return false, nil
		}
		if _, ok := m[normalizeMethod(method)]; !ok {
			return false, nil
		}
	}
	return true, nil
}

// hasIntegration reports whether every branch of path already has an
// integration for method.
func (e editor) hasIntegration(path, method string) (bool, error) {
	method = normalizeMethod(method)
	if ok, err := e.hasPath(path, method); !ok || err != nil {
		return false, err
	}
	items, err := e.pathItems(path)
	if err != nil {
		return false, err
	}
	for _, item := range items {
		def, ok := item[method].(map[string]any)
		if !ok {
			return false, nil
		}
		defs, err := e.conditional(def)
		if err != nil {
			return false, err
		}
		found := false
		for _, d := range defs {
			dm, ok := d.(map[string]any)
			if !ok {
				return false, e.loc.at("paths", path, method).errf("the definition of method %s for path %s must be a map", method, path)
			}
			found = found || hasIntegrationDef(dm)
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// addPath makes sure path and method exist, as empty maps if new.
func (e editor) addPath(path, method string) error {
	paths, err := e.paths()
	if err != nil {
		return err
	}
	item, ok := paths[path]
	if !ok {
		item = map[string]any{}
		paths[path] = item
	}
	if _, ok := item.(map[string]any); !ok {
		return e.loc.at("paths", path).errf("the value of the path %s must be a map", path)
	}
	items, err := e.pathItems(path)
	if err != nil {
		return err
	}
	method = normalizeMethod(method)
	for _, it := range items {
		if _, ok := it[method]; !ok {
			it[method] = map[string]any{}
		}
	}
	return nil
}

// methodDefs returns the definitions of method at path (both branches of
// any Fn::If), only those with an integration when integrated is set. The
// method must exist.
func (e editor) methodDefs(path, method string, integrated bool) ([]map[string]any, error) {
	method = normalizeMethod(method)
	items, err := e.pathItems(path)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, item := range items {
		defs, err := e.conditional(item[method])
		if err != nil {
			return nil, err
		}
		for _, d := range defs {
			dm, ok := d.(map[string]any)
			if !ok {
				return nil, e.loc.at("paths", path, method).errf("the definition of method %s for path %s must be a map", method, path)
			}
			if integrated && !hasIntegrationDef(dm) {
				continue
			}
			out = append(out, dm)
		}
	}
	return out, nil
}

// methodDef is one method of a path item with its normalized name.
type methodDef struct {
	name string
	def  map[string]any
}

// integratedMethods returns every method of path that has an integration,
// skipping the path-level keys that are not methods.
func (e editor) integratedMethods(path string, skip ...string) ([]methodDef, error) {
	items, err := e.pathItems(path)
	if err != nil {
		return nil, err
	}
	var out []methodDef
	for _, item := range items {
		for _, name := range sortedKeys(item) {
			if contains(skip, name) {
				continue
			}
			defs, err := e.conditional(item[name])
			if err != nil {
				return nil, err
			}
			for _, d := range defs {
				dm, ok := d.(map[string]any)
				if !ok {
					return nil, e.loc.at("paths", path, name).errf("the definition of method %s for path %s must be a map", name, path)
				}
				if hasIntegrationDef(dm) {
					out = append(out, methodDef{name: normalizeMethod(name), def: dm})
				}
			}
		}
	}
	return out, nil
}

// security returns a method's security requirements, which must be a list
// of maps.
func (e editor) security(def map[string]any, path, method string) ([]any, error) {
	v, ok := def["security"]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, e.loc.at("paths", path, method, "security").errf("the security of method %s for path %s must be a list", method, path)
	}
	for _, s := range list {
		if _, ok := s.(map[string]any); !ok {
			return nil, e.loc.at("paths", path, method, "security").errf("every security requirement of method %s for path %s must be a map", method, path)
		}
	}
	return list, nil
}

// section returns a top-level map of the document, creating it when absent.
func (e editor) section(keys ...string) (map[string]any, error) {
	cur := e.doc
	l := e.loc
	for _, k := range keys {
		l = l.at(k)
		v, ok := cur[k]
		if !ok || v == nil {
			m := map[string]any{}
			cur[k] = m
			cur = m
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, l.errf("must be a map, not %s", describe(v))
		}
		cur = m
	}
	return cur, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// trimTrailingSlash drops one trailing slash from any path but "/": API
// Gateway does the same to the resource paths permissions are matched on.
func trimTrailingSlash(p string) string {
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		return p[:len(p)-1]
	}
	return p
}

// wildcardParams replaces path parameters with * for a permission's source
// ARN: {name}, {name+} and {proxy+} for REST; the HTTP translator only knows
// {name} and {proxy+}, so {name+} stays as written there.
func wildcardParams(path string, greedyNames bool) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			return b.String()
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			b.WriteString(path)
			return b.String()
		}
		name := path[i+1 : i+j]
		if paramName(name, greedyNames) {
			b.WriteString(path[:i])
			b.WriteByte('*')
		} else {
			// Keep the brace and look for the next parameter after it, as a
			// regular expression scan would.
			b.WriteString(path[:i+1])
			path = path[i+1:]
			continue
		}
		path = path[i+j+1:]
	}
}

func paramName(name string, greedyNames bool) bool {
	if name == "proxy+" {
		return true
	}
	if greedyNames && strings.HasSuffix(name, "+") {
		name = name[:len(name)-1]
	}
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
