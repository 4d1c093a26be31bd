package gateway

import "strings"

// toOAS30 turns an imported document into OpenAPI 3.0.1: Swagger 2.0 is
// converted, OpenAPI 3.x kept, and both repaired where OpenAPI 3.0
// requires what API Gateway documents often omit (SAM writes
// "responses: {}", undeclared path parameters and oauth2 schemes without
// flows).
func toOAS30(src *node) *node {
	var out *node
	if src.has("swagger") {
		out = (&swaggerConv{memo: map[*node]*node{}}).document(src)
	} else {
		out = src.clone()
		out.del("jsonSchemaDialect") // OpenAPI 3.1 only
		out.del("webhooks")
	}
	out.set("openapi", strNode("3.0.1"))
	paths := out.get("paths")
	if paths == nil || paths.kind != kindObject {
		paths = objNode()
	}
	if comps := out.get("components"); comps != nil {
		out.set("components", fixComponents(comps))
	}
	out.set("paths", repairPaths(paths, out.get("components")))
	return out
}

// swaggerConv converts Swagger 2.0 to OpenAPI 3.0. Shared subtrees (YAML
// aliases) are converted once.
type swaggerConv struct {
	consumes, produces []string
	// bodyParams are the global parameters that become request bodies.
	bodyParams map[string]bool
	memo       map[*node]*node
}

func (cv *swaggerConv) document(src *node) *node {
	cv.consumes = stringList(src.get("consumes"))
	cv.produces = stringList(src.get("produces"))
	cv.bodyParams = map[string]bool{}
	params := src.get("parameters")
	if params != nil && params.kind == kindObject {
		for i, name := range params.keys {
			if in := params.vals[i].get("in"); in != nil && (in.text == "body" || in.text == "formData") {
				cv.bodyParams[name] = true
			}
		}
	}
	out := objNode()
	for i, k := range src.keys {
		switch k {
		case "swagger", "host", "basePath", "schemes", "consumes", "produces", "definitions", "parameters",
			"responses", "securityDefinitions", "components":
			// Moved into components and servers below; a Swagger
			// document has no components of its own.
		case "paths":
			out.set("paths", cv.paths(src.vals[i]))
		default:
			out.set(k, src.vals[i])
		}
	}
	comps := objNode()
	if defs := src.get("definitions"); defs != nil && defs.kind == kindObject {
		schemas := objNode()
		for i, name := range defs.keys {
			schemas.set(name, cv.schema(defs.vals[i]))
		}
		comps.set("schemas", schemas)
	}
	if params != nil && params.kind == kindObject {
		ps, bodies := objNode(), objNode()
		for i, name := range params.keys {
			p, body := cv.param(params.vals[i], cv.consumes)
			if body != nil {
				bodies.set(name, body)
			} else if p != nil {
				ps.set(name, p)
			}
		}
		setIfAny(comps, "parameters", ps)
		setIfAny(comps, "requestBodies", bodies)
	}
	if rs := src.get("responses"); rs != nil && rs.kind == kindObject {
		responses := objNode()
		for i, code := range rs.keys {
			responses.set(code, cv.response(rs.vals[i], cv.produces))
		}
		comps.set("responses", responses)
	}
	if sd := src.get("securityDefinitions"); sd != nil && sd.kind == kindObject {
		schemes := objNode()
		for i, name := range sd.keys {
			schemes.set(name, securityScheme(sd.vals[i]))
		}
		comps.set("securitySchemes", schemes)
	}
	if len(comps.keys) > 0 {
		out.set("components", comps)
	}
	return out
}

func setIfAny(o *node, key string, v *node) {
	if len(v.keys) > 0 {
		o.set(key, v)
	}
}

func stringList(n *node) []string {
	if n == nil || n.kind != kindArray {
		return nil
	}
	var out []string
	for _, v := range n.vals {
		if v.kind == kindString {
			out = append(out, v.text)
		}
	}
	return out
}

func (cv *swaggerConv) paths(paths *node) *node {
	if paths.kind != kindObject {
		return paths
	}
	out := objNode()
	for i, path := range paths.keys {
		item := paths.vals[i]
		if item.kind != kindObject {
			out.set(path, item)
			continue
		}
		// Path-level body parameters move into each operation's body.
		var shared []*node
		conv := objNode()
		for j, key := range item.keys {
			v := item.vals[j]
			if key == "parameters" {
				if v.kind != kindArray {
					continue
				}
				kept := arrNode()
				for _, p := range v.vals {
					if cp, body := cv.param(p, cv.consumes); body != nil {
						shared = append(shared, p)
					} else if cp != nil {
						kept.vals = append(kept.vals, cp)
					}
				}
				if len(kept.vals) > 0 {
					conv.set("parameters", kept)
				}
				continue
			}
			conv.set(key, v)
		}
		for j, key := range conv.keys {
			if _, isOp := opMethod(key); isOp && conv.vals[j].kind == kindObject {
				conv.vals[j] = cv.operation(conv.vals[j], shared)
			}
		}
		out.set(path, conv)
	}
	return out
}

func (cv *swaggerConv) operation(op *node, shared []*node) *node {
	consumes, produces := cv.consumes, cv.produces
	if c := op.get("consumes"); c != nil {
		consumes = stringList(c)
	}
	if p := op.get("produces"); p != nil {
		produces = stringList(p)
	}
	out := objNode()
	var params []*node
	if ps := op.get("parameters"); ps != nil && ps.kind == kindArray {
		params = ps.vals
	}
	kept, body := cv.params(append(append([]*node(nil), shared...), params...), consumes)
	for i, k := range op.keys {
		v := op.vals[i]
		switch k {
		case "consumes", "produces", "schemes":
		case "parameters":
			if len(kept) > 0 {
				out.set("parameters", arrNode(kept...))
			}
		case "responses":
			if v.kind != kindObject {
				continue
			}
			rs := objNode()
			for j, code := range v.keys {
				rs.set(code, cv.response(v.vals[j], produces))
			}
			out.set("responses", rs)
		default:
			out.set(k, v)
		}
	}
	if body != nil {
		out.set("requestBody", body)
	}
	return out
}

// params converts an operation's parameters: body and formData ones
// become its request body.
func (cv *swaggerConv) params(ps []*node, consumes []string) (kept []*node, body *node) {
	form := objWith("type", strNode("object"))
	props, required := objNode(), arrNode()
	multipart := contains(consumes, "multipart/form-data")
	for _, p := range ps {
		if in := p.get("in"); in != nil && in.text == "formData" {
			name := p.get("name")
			if name == nil || name.kind != kindString {
				continue
			}
			s, _ := cv.param(p, nil)
			props.set(name.text, s.get("schema"))
			if r := p.get("required"); r != nil && r.text == "true" {
				required.vals = append(required.vals, strNode(name.text))
			}
			if t := p.get("type"); t != nil && t.text == "file" {
				multipart = true
			}
			continue
		}
		cp, b := cv.param(p, consumes)
		switch {
		case b != nil:
			body = b
		case cp != nil:
			kept = append(kept, cp)
		}
	}
	if len(props.keys) > 0 && body == nil {
		form.set("properties", props)
		if len(required.vals) > 0 {
			form.set("required", required)
		}
		ct := "application/x-www-form-urlencoded"
		if multipart {
			ct = "multipart/form-data"
		}
		body = objWith("content", objWith(ct, objWith("schema", form)))
	}
	return kept, body
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// schemaKeys are the Swagger parameter fields that OpenAPI 3 moves into
// the parameter's schema.
func schemaKey(k string) bool {
	switch k {
	case "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
		"maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf":
		return true
	}
	return false
}

// param converts one parameter: a non-body one to an OpenAPI 3 parameter,
// a body one to a request body.
func (cv *swaggerConv) param(p *node, consumes []string) (param, body *node) {
	if p.kind != kindObject {
		return nil, nil
	}
	if ref := p.get("$ref"); ref != nil && ref.kind == kindString {
		name, ok := strings.CutPrefix(ref.text, "#/parameters/")
		switch {
		case ok && cv.bodyParams[name]:
			return nil, objWith("$ref", strNode("#/components/requestBodies/"+name))
		case ok:
			return objWith("$ref", strNode("#/components/parameters/"+name)), nil
		}
		return p, nil
	}
	in := ""
	if v := p.get("in"); v != nil {
		in = v.text
	}
	if in == "body" {
		b := objNode()
		for _, k := range []string{"description", "required"} {
			if v := p.get(k); v != nil {
				b.set(k, v)
			}
		}
		content := objNode()
		schema := objNode()
		if s := p.get("schema"); s != nil {
			schema = cv.schema(s)
		}
		for _, ct := range mediaTypes(consumes) {
			content.set(ct, objWith("schema", schema))
		}
		b.set("content", content)
		return nil, b
	}
	out, schema := objNode(), objNode()
	for i, k := range p.keys {
		v := p.vals[i]
		switch {
		case k == "items":
			schema.set(k, cv.schema(v))
		case schemaKey(k):
			schema.set(k, v)
		case k == "collectionFormat":
			style, explode := collectionStyle(v.text, in)
			out.set("style", strNode(style))
			out.set("explode", boolNode(explode))
		case k == "type" && v.text == "file":
			schema.set("type", strNode("string"))
			schema.set("format", strNode("binary"))
		default:
			out.set(k, v)
		}
	}
	if t := schema.get("type"); t != nil && t.text == "file" {
		schema.set("type", strNode("string"))
		schema.set("format", strNode("binary"))
	}
	if in == "path" {
		out.set("required", boolNode(true))
	}
	out.set("schema", schema)
	return out, nil
}

// collectionStyle maps Swagger's collectionFormat to OpenAPI 3's style.
func collectionStyle(format, in string) (string, bool) {
	simple := "form"
	if in == "path" || in == "header" {
		simple = "simple"
	}
	switch format {
	case "ssv":
		return "spaceDelimited", false
	case "pipes":
		return "pipeDelimited", false
	case "multi":
		return "form", true
	}
	return simple, false
}

func mediaTypes(list []string) []string {
	if len(list) == 0 {
		return []string{"application/json"}
	}
	return list
}

// response converts a response: its schema moves under content, its
// headers' types under schema.
func (cv *swaggerConv) response(r *node, produces []string) *node {
	if r.kind != kindObject {
		return objWith("description", strNode(""))
	}
	if ref := r.get("$ref"); ref != nil && ref.kind == kindString {
		return objWith("$ref", strNode(strings.Replace(ref.text, "#/responses/", "#/components/responses/", 1)))
	}
	out := objNode()
	var content *node
	for i, k := range r.keys {
		v := r.vals[i]
		switch k {
		case "schema":
			content = objNode()
			for _, ct := range mediaTypes(produces) {
				content.set(ct, objWith("schema", cv.schema(v)))
			}
		case "headers":
			if v.kind != kindObject {
				continue
			}
			hs := objNode()
			for j, name := range v.keys {
				h, _ := cv.param(v.vals[j], nil)
				if h != nil {
					h.del("name")
					h.del("in")
					h.del("required")
					hs.set(name, h)
				}
			}
			out.set("headers", hs)
		case "examples":
		default:
			out.set(k, v)
		}
	}
	if content != nil {
		out.set("content", content)
	}
	if d := out.get("description"); d == nil || d.kind != kindString {
		out.set("description", strNode(""))
	}
	return out
}

// schema converts a Swagger schema: $refs to definitions, x-nullable,
// a string discriminator and the file type.
func (cv *swaggerConv) schema(s *node) *node {
	if done, ok := cv.memo[s]; ok {
		return done
	}
	if s.kind != kindObject {
		return s
	}
	out := objNode()
	cv.memo[s] = out
	for i, k := range s.keys {
		v := s.vals[i]
		switch {
		case k == "$ref" && v.kind == kindString:
			v = strNode(strings.Replace(v.text, "#/definitions/", "#/components/schemas/", 1))
		case k == "x-nullable":
			k = "nullable"
		case k == "discriminator" && v.kind == kindString:
			v = objWith("propertyName", v)
		case k == "type" && v.text == "file":
			out.set("format", strNode("binary"))
			v = strNode("string")
		case k == "items" || k == "additionalProperties" || k == "not":
			v = cv.schema(v)
		case (k == "allOf" || k == "anyOf" || k == "oneOf") && v.kind == kindArray:
			a := arrNode()
			for _, item := range v.vals {
				a.vals = append(a.vals, cv.schema(item))
			}
			v = a
		case k == "properties" && v.kind == kindObject:
			props := objNode()
			for j, name := range v.keys {
				props.set(name, cv.schema(v.vals[j]))
			}
			v = props
		}
		out.set(k, v)
	}
	return out
}
