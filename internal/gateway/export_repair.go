package gateway

import "strings"

// repairPaths gives the paths what OpenAPI 3.0 requires and API Gateway
// documents often leave out, without changing what they mean to import:
//   - every operation has a response;
//   - every path variable is declared as a parameter;
//   - every parameter has a schema (SAM's HTTP API documents have none);
//   - a response header's schema is not wrapped twice (SAM's OpenAPI 3
//     CORS methods write schema: {schema: {type: string}});
//   - an HTTP API's "$default" path becomes "/$default" with
//     isDefaultRoute, the form API Gateway documents.
func repairPaths(paths, components *node) *node {
	var declared *node // components.parameters, for $ref'd parameters
	if components != nil {
		declared = components.get("parameters")
	}
	out := objNode()
	for i, path := range paths.keys {
		item := paths.vals[i]
		if item.kind != kindObject {
			out.set(path, item)
			continue
		}
		item = item.clone()
		if path == "$default" && !paths.has("/$default") {
			path = "/$default"
			if op := item.get(anyMethodKey); op != nil && op.kind == kindObject {
				op = op.clone()
				op.set("isDefaultRoute", boolNode(true))
				item.set(anyMethodKey, op)
			}
		}
		shared := item.get("parameters")
		if shared != nil {
			shared = withSchemas(shared)
			item.set("parameters", shared)
		}
		for j, key := range item.keys {
			op := item.vals[j]
			if _, isOp := opMethod(key); !isOp || op.kind != kindObject {
				continue
			}
			op = op.clone()
			if r := op.get("responses"); r == nil || r.kind != kindObject || len(r.keys) == 0 {
				op.set("responses", objWith("200", objWith("description", strNode("200 response"))))
			} else {
				op.set("responses", unwrapHeaderSchemas(r))
			}
			params := op.get("parameters")
			if params != nil {
				params = withSchemas(params)
			}
			if missing := undeclared(path, shared, params, declared); len(missing) > 0 {
				if params == nil || params.kind != kindArray {
					params = arrNode()
				} else {
					params = params.clone()
				}
				for _, name := range missing {
					params.vals = append(params.vals, objWith("name", strNode(name), "in", strNode("path"),
						"required", boolNode(true), "schema", objWith("type", strNode("string"))))
				}
			}
			if params != nil {
				op.set("parameters", params)
			}
			item.vals[j] = op
		}
		out.set(path, item)
	}
	return out
}

// withSchemas gives each inline parameter without schema or content a
// string schema.
func withSchemas(params *node) *node {
	if params.kind != kindArray {
		return params
	}
	out := params.clone()
	for i, p := range out.vals {
		if p.kind == kindObject && !p.has("$ref") && !p.has("schema") && !p.has("content") {
			p = p.clone()
			p.set("schema", objWith("type", strNode("string")))
			out.vals[i] = p
		}
	}
	return out
}

// undeclared lists the path's variables that no parameter declares. A
// greedy {proxy+} is declared as "proxy+" (what validators match against
// the template) or as "proxy" (what API Gateway's own exports write).
func undeclared(path string, lists ...*node) []string {
	declared := lists[len(lists)-1]
	names := map[string]bool{}
	for _, list := range lists[:len(lists)-1] {
		if list == nil || list.kind != kindArray {
			continue
		}
		for _, p := range list.vals {
			if ref := p.get("$ref"); ref != nil && ref.kind == kindString {
				if name, ok := strings.CutPrefix(ref.text, "#/components/parameters/"); ok {
					p = declared.get(name)
				}
			}
			in, name := p.get("in"), p.get("name")
			if in != nil && in.text == "path" && name != nil {
				names[name.text] = true
			}
		}
	}
	var missing []string
	for _, seg := range strings.Split(path, "/") {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		name := seg[1 : len(seg)-1]
		if !names[name] && !names[strings.TrimSuffix(name, "+")] {
			missing = append(missing, name)
		}
	}
	return missing
}

// unwrapHeaderSchemas undoes SAM's doubled header schemas.
func unwrapHeaderSchemas(responses *node) *node {
	out := responses.clone()
	for i, r := range out.vals {
		hs := r.get("headers")
		if hs == nil || hs.kind != kindObject {
			continue
		}
		fixed := hs.clone()
		changed := false
		for j, h := range fixed.vals {
			s := h.get("schema")
			if s == nil || s.kind != kindObject || len(s.keys) != 1 || s.keys[0] != "schema" {
				continue
			}
			h = h.clone()
			h.set("schema", s.vals[0])
			fixed.vals[j], changed = h, true
		}
		if changed {
			r = r.clone()
			r.set("headers", fixed)
			out.vals[i] = r
		}
	}
	return out
}
