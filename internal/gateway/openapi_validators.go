package gateway

import (
	"strings"
)

const (
	extRequestValidators = "x-amazon-apigateway-request-validators"
	extRequestValidator  = "x-amazon-apigateway-request-validator"
)

// validatorFlags is one x-amazon-apigateway-request-validators entry.
type validatorFlags struct {
	body, params bool
}

// requestValidators reads the API's validators and its default one.
// HTTP APIs have no request validation, so there the extensions are
// refused rather than silently not enforced.
func (c *compiler) requestValidators(root at) error {
	vs, def := root.get(extRequestValidators), root.get(extRequestValidator)
	if c.proto == HTTP {
		for _, x := range []at{vs, def} {
			if !x.missing() {
				return x.errf("request validators are for REST APIs; an HTTP API does not validate requests")
			}
		}
		return nil
	}
	if err := vs.object(); err != nil {
		return err
	}
	if !vs.missing() {
		c.validators = map[string]validatorFlags{}
		err := vs.members(func(name string, v at) error {
			if err := v.object(); err != nil {
				return err
			}
			var f validatorFlags
			err := v.members(func(key string, b at) error {
				var err error
				switch key {
				case "validateRequestBody":
					f.body, _, err = b.boolean()
				case "validateRequestParameters":
					f.params, _, err = b.boolean()
				default:
					return b.errf("%q is not a validator setting (validateRequestBody, validateRequestParameters)", key)
				}
				return err
			})
			c.validators[name] = f
			return err
		})
		if err != nil {
			return err
		}
	}
	name, ok, err := def.str()
	if err != nil || !ok {
		return err
	}
	if _, found := c.validators[name]; !found {
		return def.errf("the default request validator %q is not in %s", name, extRequestValidators)
	}
	c.defaultValidator = name
	return nil
}

// validation compiles what an operation's validator checks: nil when it
// has none or the validator checks nothing.
func (c *compiler) validation(op at) (*Validation, error) {
	name := c.defaultValidator
	x := op.get(extRequestValidator)
	if !x.missing() {
		if c.proto == HTTP {
			return nil, x.errf("request validators are for REST APIs; an HTTP API does not validate requests")
		}
		var err error
		if name, _, err = x.str(); err != nil {
			return nil, err
		}
		if _, ok := c.validators[name]; !ok {
			return nil, x.errf("request validator %q is not in %s", name, extRequestValidators)
		}
	}
	if name == "" {
		return nil, nil
	}
	flags := c.validators[name]
	v := &Validation{}
	if flags.params {
		if err := c.requiredParams(v, c.pathItem.get("parameters"), op.get("parameters")); err != nil {
			return nil, err
		}
	}
	if flags.body {
		if err := c.bodyModels(v, op); err != nil {
			return nil, err
		}
	}
	if len(v.Params) == 0 && len(v.Bodies) == 0 {
		return nil, nil
	}
	return v, nil
}

// requiredParams collects required query strings and headers; an
// operation's parameter replaces the path item's of the same name and
// location, as OpenAPI says.
func (c *compiler) requiredParams(v *Validation, lists ...at) error {
	type key struct{ in, name string }
	seen := map[key]int{}
	for _, list := range lists {
		if list.missing() {
			continue
		}
		if list.n.kind != kindArray {
			return list.typeErr("an array of parameters")
		}
		for i := range list.n.vals {
			p, err := c.deref(list.index(i), "parameters")
			if err != nil {
				return err
			}
			if err := p.object(); err != nil {
				return err
			}
			in, _, err := p.get("in").str()
			if err != nil {
				return err
			}
			name, _, err := p.get("name").str()
			if err != nil {
				return err
			}
			required, _, err := p.get("required").boolean()
			if err != nil {
				return err
			}
			switch in {
			case "query", "header":
			case "path", "body", "formData":
				continue // the route match guarantees path parameters; bodies are models
			case "cookie":
				if required {
					return p.errf("API Gateway cannot require a cookie parameter; require the Cookie header instead")
				}
				continue
			default:
				return p.get("in").errf("parameter location %q is not query, header, path or cookie", in)
			}
			if name == "" {
				return p.errf("a parameter needs a name")
			}
			k := key{in, name}
			if in == "header" {
				k.name = strings.ToLower(name)
			}
			if j, ok := seen[k]; ok {
				if !required {
					v.Params = append(v.Params[:j], v.Params[j+1:]...)
					delete(seen, k)
				}
				continue
			}
			if required {
				seen[k] = len(v.Params)
				v.Params = append(v.Params, RequiredParam{In: in, Name: name})
			}
		}
	}
	return nil
}

// bodyModels reads the operation's body schemas by media type: OpenAPI 3
// requestBody.content, or a Swagger 2.0 body parameter with the media
// types of consumes (application/json when unset).
func (c *compiler) bodyModels(v *Validation, op at) error {
	add := func(media string, schema at) error {
		if schema.missing() {
			return nil
		}
		s, err := c.schemas.compile(schema)
		if err != nil {
			return err
		}
		if v.Bodies == nil {
			v.Bodies = map[string]*Schema{}
		}
		v.Bodies[strings.ToLower(media)] = s
		return nil
	}
	if !c.swagger {
		rb, err := c.deref(op.get("requestBody"), "requestBodies")
		if err != nil || rb.missing() {
			return err
		}
		content := rb.get("content")
		if err := content.object(); err != nil || content.missing() {
			return err
		}
		return content.members(func(media string, m at) error {
			if err := m.object(); err != nil {
				return err
			}
			return add(media, m.get("schema"))
		})
	}
	params := op.get("parameters")
	if params.missing() || params.n.kind != kindArray {
		return nil
	}
	for i := range params.n.vals {
		p, err := c.deref(params.index(i), "parameters")
		if err != nil {
			return err
		}
		if in, _, _ := p.get("in").str(); in != "body" {
			continue
		}
		consumes, err := op.get("consumes").strings()
		if err != nil {
			return err
		}
		if consumes == nil {
			if consumes, err = c.root.get("consumes").strings(); err != nil {
				return err
			}
		}
		if consumes == nil {
			consumes = []string{"application/json"}
		}
		for _, media := range consumes {
			if err := add(media, p.get("schema")); err != nil {
				return err
			}
		}
	}
	return nil
}

// deref follows a local $ref to a reusable component (parameters,
// requestBodies) of this document.
func (c *compiler) deref(a at, section string) (at, error) {
	r := a.get("$ref")
	if r.missing() {
		return a, nil
	}
	ref, _, err := r.str()
	if err != nil {
		return a, err
	}
	prefix := "#/components/" + section + "/"
	if c.swagger {
		prefix = "#/" + section + "/"
	}
	name, ok := strings.CutPrefix(ref, prefix)
	if !ok {
		return a, r.errf("$ref %q must name one of this document's %s (%s…)", ref, section, prefix)
	}
	var target at
	if c.swagger {
		target = c.root.get(section).get(name)
	} else {
		target = c.root.get("components").get(section).get(name)
	}
	if target.missing() {
		return a, r.errf("$ref %q names nothing in this document", ref)
	}
	if !target.get("$ref").missing() {
		return a, target.errf("a $ref to another $ref is not supported")
	}
	return target, nil
}
