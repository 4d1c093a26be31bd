package gateway

import (
	"fmt"
	"strings"
)

// anyMethodKey is API Gateway's path item key for a method matching every
// HTTP method.
const anyMethodKey = "x-amazon-apigateway-any-method"

// opMethod maps a path item key to the method it defines.
func opMethod(key string) (string, bool) {
	switch key {
	case "get", "put", "post", "delete", "options", "head", "patch":
		return strings.ToUpper(key), true
	case anyMethodKey:
		return "ANY", true
	}
	return "", false
}

// methodKey is opMethod's inverse.
func methodKey(method string) string {
	if method == "ANY" {
		return anyMethodKey
	}
	return strings.ToLower(method)
}

func (c *compiler) paths(paths at) error {
	if paths.missing() {
		return nil
	}
	if err := paths.object(); err != nil {
		return err
	}
	return paths.members(func(path string, item at) error {
		if msg := c.checkPath(path); msg != "" {
			return item.errf("%s", msg)
		}
		if err := item.object(); err != nil {
			return err
		}
		c.pathItem = item
		return item.members(func(key string, op at) error {
			method, ok := opMethod(key)
			switch {
			case key == "trace":
				return op.errf("API Gateway has no TRACE methods")
			case key == "$ref":
				return op.errf("a path item $ref is not supported by gatehouse; write the path item inline")
			case !ok:
				return nil // summary, parameters, servers, extensions
			case path == "$default" && method != "ANY":
				return op.errf("the $default route takes only %s", anyMethodKey)
			}
			routePath, err := c.defaultRoute(path, key, op)
			if err != nil {
				return err
			}
			r, err := c.operation(routePath, method, op)
			if err != nil {
				return err
			}
			c.def.Routes = append(c.def.Routes, r)
			return nil
		})
	})
}

// defaultRoute reads isDefaultRoute, with which API Gateway writes an
// HTTP API's $default route as the path /$default (SAM writes the path
// $default itself).
func (c *compiler) defaultRoute(path, key string, op at) (string, error) {
	flag := op.get("isDefaultRoute")
	isDefault, _, err := flag.boolean()
	switch {
	case err != nil:
		return "", err
	case !isDefault:
		return path, nil
	case c.proto == REST:
		return "", flag.errf("isDefaultRoute is for HTTP APIs")
	case key != anyMethodKey || path != "/$default" && path != "$default":
		return "", flag.errf("isDefaultRoute belongs on %s of the path /$default", anyMethodKey)
	}
	return "$default", nil
}

// checkPath validates a resource path template, returning what is wrong.
func (c *compiler) checkPath(path string) string {
	if path == "$default" {
		if c.proto == HTTP {
			return ""
		}
		return "the $default route is for HTTP APIs; a REST API catches everything with /{proxy+}"
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Sprintf("path %q must start with /", path)
	}
	if path == "/" {
		return ""
	}
	segs := strings.Split(path[1:], "/")
	names := map[string]bool{}
	for i, s := range segs {
		switch {
		case s == "":
			return fmt.Sprintf("path %q has an empty segment", path)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			name, greedy := strings.CutSuffix(s[1:len(s)-1], "+")
			if greedy && i != len(segs)-1 {
				return fmt.Sprintf("path %q has {%s+} before its end; a greedy variable must be the last segment", path, name)
			}
			if !paramName(name) {
				return fmt.Sprintf("path %q has the variable %q; names are letters, digits, _, - and .", path, s)
			}
			if names[name] {
				return fmt.Sprintf("path %q names the variable {%s} twice", path, name)
			}
			names[name] = true
		case strings.ContainsAny(s, "{}"):
			return fmt.Sprintf("path %q has the segment %q; API Gateway variables take a whole segment ({name} or {name+})", path, s)
		case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune(`?#\`, r) }):
			return fmt.Sprintf("path %q has a character API Gateway does not allow in a path", path)
		}
	}
	return ""
}

func paramName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func (c *compiler) operation(path, method string, op at) (Route, error) {
	if err := op.object(); err != nil {
		return Route{}, err
	}
	r := Route{Method: method, Path: path, Pointer: op.ptr}
	var err error
	if r.OperationName, _, err = op.get("operationId").str(); err != nil {
		return r, err
	}
	x := op.get("x-amazon-apigateway-integration")
	if x.missing() {
		return r, op.errf("%s %s has no x-amazon-apigateway-integration; gatehouse needs one to serve it", method, path)
	}
	if r.Integration, err = c.integration(x); err != nil {
		return r, err
	}
	if r.Validation, err = c.validation(op); err != nil {
		return r, err
	}
	if sec := op.get("security"); !sec.missing() {
		r.Security, r.APIKeyRequired, err = c.security(sec)
		return r, err
	}
	r.Security = append([]Security(nil), c.docSecurity...)
	r.APIKeyRequired = c.docAPIKey
	return r, nil
}

// conflicts refuses routes API Gateway could not hold together: the same
// method on the same path once variable names are set aside, and (REST,
// whose resources form a tree) two different variables under one parent.
func (c *compiler) conflicts() error {
	routes := map[string]*Route{}
	variables := map[string]string{} // parent resource → variable part
	origin := map[string]string{}    // parent resource → path that set it
	for i := range c.def.Routes {
		r := &c.def.Routes[i]
		key := r.Method + " " + normalizePath(r.Path)
		if prev, ok := routes[key]; ok {
			return &DefinitionError{Pointer: r.Pointer, Message: fmt.Sprintf("%s %s conflicts with %s %s (%s): they match the same requests",
				r.Method, r.Path, prev.Method, prev.Path, prev.Pointer)}
		}
		routes[key] = r
		if c.proto != REST || r.Path == "/" {
			continue
		}
		segs := strings.Split(r.Path[1:], "/")
		for k, s := range segs {
			if !strings.HasPrefix(s, "{") {
				continue
			}
			parent := "/" + strings.Join(segs[:k], "/")
			if v, ok := variables[parent]; ok && v != s {
				return &DefinitionError{Pointer: "/paths/" + escapePointer(r.Path), Message: fmt.Sprintf(
					"path %s puts the variable %s beside %s (from %s); a REST API allows one variable path part under %s",
					r.Path, s, v, origin[parent], parent)}
			}
			variables[parent], origin[parent] = s, r.Path
		}
	}
	return nil
}

// normalizePath sets variable names aside: /a/{x} and /a/{y} match alike.
func normalizePath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			if strings.HasSuffix(s, "+}") {
				segs[i] = "{+}"
			} else {
				segs[i] = "{}"
			}
		}
	}
	return strings.Join(segs, "/")
}
