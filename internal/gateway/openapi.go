package gateway

import (
	"fmt"
	"strings"
)

// DefinitionError is a problem with an OpenAPI document, located by the
// JSON pointer (RFC 6901) of the offending value and, where known, its
// line and column in the document as written.
type DefinitionError struct {
	Pointer string
	Message string
	Line    int // 0 when unknown
	Column  int // 0 when unknown
}

func (e *DefinitionError) Error() string {
	switch {
	case e.Pointer != "":
		return "invalid OpenAPI document at " + e.Pointer + ": " + e.Message
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("invalid OpenAPI document at line %d, column %d: %s", e.Line, e.Column, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("invalid OpenAPI document at line %d: %s", e.Line, e.Message)
	}
	return "invalid OpenAPI document: " + e.Message
}

// ParseDefinition compiles an OpenAPI 3.0/3.1 or Swagger 2.0 document, in
// JSON or YAML, with API Gateway's x-amazon-apigateway-* extensions, into
// the Definition an API serves from. Whatever gatehouse cannot serve as
// API Gateway would (other integration types, VTL mapping templates,
// parameter mapping, IAM authorization) is refused with a
// *DefinitionError rather than skipped, so that an API never runs open or
// half-configured without its author knowing.
//
// region and account are this gatehouse's: functions and user pools named
// in the document must live there (empty skips the check).
func ParseDefinition(doc []byte, proto Protocol, region, account string) (*Definition, error) {
	if proto != REST && proto != HTTP {
		return nil, fmt.Errorf("gateway: unknown API protocol %q", proto)
	}
	root, err := decodeDocument(doc)
	if err != nil {
		return nil, err
	}
	c := &compiler{proto: proto, region: region, account: account, def: &Definition{Protocol: proto}}
	if err := c.compile(at{n: root}); err != nil {
		return nil, err
	}
	return c.def, nil
}

// compiler holds what one compilation has learnt so far.
type compiler struct {
	proto           Protocol
	region, account string
	swagger         bool
	def             *Definition
	// schemes classifies every security scheme by name.
	schemes map[string]scheme
	// docSecurity is the document-level requirement, for operations that
	// have none of their own.
	docSecurity []Security
	docAPIKey   bool
	// root is the whole document, for $ref resolution.
	root at
	// pathItem is the path item whose operations are being compiled
	// (its parameters apply to each).
	pathItem at
	// validators are x-amazon-apigateway-request-validators by name;
	// defaultValidator names the API's default.
	validators       map[string]validatorFlags
	defaultValidator string
	schemas          *schemaCompiler
}

func (c *compiler) compile(root at) error {
	if err := c.version(root); err != nil {
		return err
	}
	if err := c.info(root.get("info")); err != nil {
		return err
	}
	c.root = root
	c.schemas = &schemaCompiler{root: root, swagger: c.swagger, done: map[string]*Schema{}}
	if err := c.extensions(root); err != nil {
		return err
	}
	if err := c.requestValidators(root); err != nil {
		return err
	}
	if err := c.securitySchemes(root); err != nil {
		return err
	}
	var err error
	if c.docSecurity, c.docAPIKey, err = c.security(root.get("security")); err != nil {
		return err
	}
	if err := c.paths(root.get("paths")); err != nil {
		return err
	}
	return c.conflicts()
}

// version accepts Swagger 2.0 and OpenAPI 3.0.x / 3.1.x.
func (c *compiler) version(root at) error {
	sw, oa := root.get("swagger"), root.get("openapi")
	switch {
	case !sw.missing() && !oa.missing():
		return root.errf("the document declares both swagger and openapi")
	case !sw.missing():
		v, err := sw.scalarText()
		if err != nil {
			return err
		}
		if v != "2.0" {
			return sw.errf("swagger version %q is not supported; use 2.0, or OpenAPI 3.0 or 3.1", v)
		}
		c.swagger = true
	case !oa.missing():
		v, err := oa.scalarText()
		if err != nil {
			return err
		}
		if !versionIn(v, "3.0") && !versionIn(v, "3.1") {
			return oa.errf("OpenAPI version %q is not supported; use 3.0 or 3.1 (or Swagger 2.0)", v)
		}
	default:
		return root.errf("the document has neither openapi (3.0, 3.1) nor swagger (2.0)")
	}
	return nil
}

// versionIn reports whether v is minor or one of its patch versions.
func versionIn(v, minor string) bool {
	return v == minor || strings.HasPrefix(v, minor+".")
}

func (c *compiler) info(info at) error {
	if info.missing() {
		return nil
	}
	if err := info.object(); err != nil {
		return err
	}
	var err error
	if c.def.Title, err = info.get("title").scalarText(); err != nil {
		return err
	}
	if c.def.Version, err = info.get("version").scalarText(); err != nil {
		return err
	}
	c.def.Description, err = info.get("description").scalarText()
	return err
}
