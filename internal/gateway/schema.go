package gateway

import (
	"encoding/json"
	"math/big"
	"regexp"

	"strings"
)

// Schema is a compiled JSON Schema (draft 4, the dialect API Gateway
// models use) for request body validation. Only what changes the answer
// is kept; annotations (title, description, example, format) are not.
type Schema struct {
	types    uint8 // bit set of schemaType; 0 means any
	nullable bool  // OpenAPI 3.0's nullable: true

	enum []any

	properties           map[string]*Schema
	patternProperties    []patternSchema
	additionalProperties *Schema // nil: anything; noneSchema: nothing
	required             []string
	minProps, maxProps   int // -1: unset

	items           *Schema   // every item
	tupleItems      []*Schema // items as an array
	additionalItems *Schema
	minItems        int
	maxItems        int
	uniqueItems     bool

	minLength, maxLength int
	pattern              *regexp.Regexp

	minimum, maximum   *big.Float
	exclusiveMin       bool
	exclusiveMax       bool
	multipleOf         *big.Float
	allOf, anyOf, oneF []*Schema
	not                *Schema
	ref                *Schema
	never              bool // false, or additionalProperties: false
}

type patternSchema struct {
	re *regexp.Regexp
	s  *Schema
}

const (
	typeNull uint8 = 1 << iota
	typeBoolean
	typeInteger
	typeNumber
	typeString
	typeArray
	typeObject
)

var schemaTypes = map[string]uint8{
	"null": typeNull, "boolean": typeBoolean, "integer": typeInteger, "number": typeNumber,
	"string": typeString, "array": typeArray, "object": typeObject,
}

// schemaCompiler compiles the schemas of one document, sharing compiled
// $ref targets (and so allowing recursive models).
type schemaCompiler struct {
	root    at
	swagger bool
	done    map[string]*Schema // by JSON pointer
}

// maxSchemaDepth bounds validation through $ref chains and nesting: a
// hostile body or a schema that refers to itself cannot recurse forever.
const maxSchemaDepth = 64

// compileRef resolves a $ref within the document: "#/definitions/X",
// "#/components/schemas/X", or an API Gateway model URL
// (https://apigateway.amazonaws.com/restapis/{id}/models/{Name}) naming a
// model of this document.
func (sc *schemaCompiler) compileRef(a at, ref string) (*Schema, error) {
	var ptr string
	switch {
	case strings.HasPrefix(ref, "#/"):
		ptr = ref[1:]
	case strings.HasPrefix(ref, "https://apigateway.amazonaws.com/restapis/") && strings.Contains(ref, "/models/"):
		name := ref[strings.LastIndex(ref, "/models/")+len("/models/"):]
		if sc.swagger {
			ptr = "/definitions/" + escapePointer(name)
		} else {
			ptr = "/components/schemas/" + escapePointer(name)
		}
	default:
		return nil, a.errf("$ref %q is not supported; refer to a model of this document (#/components/schemas/… or #/definitions/…)", ref)
	}
	if s, ok := sc.done[ptr]; ok {
		return s, nil
	}
	target := sc.root
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if target.n == nil || target.n.kind != kindObject {
			target.n = nil
			break
		}
		target = target.get(tok)
	}
	if target.missing() {
		return nil, a.errf("$ref %q names no schema in this document", ref)
	}
	s := &Schema{}
	sc.done[ptr] = s
	if err := sc.fill(s, target); err != nil {
		return nil, err
	}
	return s, nil
}

func (sc *schemaCompiler) compile(a at) (*Schema, error) {
	s := &Schema{}
	return s, sc.fill(s, a)
}

func (sc *schemaCompiler) fill(s *Schema, a at) error {
	s.minProps, s.maxProps, s.minItems, s.maxItems, s.minLength, s.maxLength = -1, -1, -1, -1, -1, -1
	if a.n.kind == kindBool { // draft 6 boolean schemas
		s.never = a.n.text == "false"
		return nil
	}
	if a.n.kind != kindObject {
		return a.typeErr("a schema object")
	}
	if r := a.get("$ref"); !r.missing() {
		ref, _, err := r.str()
		if err != nil {
			return err
		}
		// Draft 4: a $ref replaces its object's other keywords.
		s.ref, err = sc.compileRef(r, ref)
		return err
	}
	return a.members(func(key string, v at) error {
		var err error
		switch key {
		case "type":
			err = sc.types(s, v)
		case "nullable":
			s.nullable, _, err = v.boolean()
		case "enum":
			if v.n.kind != kindArray {
				return v.typeErr("an array")
			}
			for _, item := range v.n.vals {
				s.enum = append(s.enum, nodeValue(item))
			}
		case "properties":
			if err = v.object(); err != nil {
				return err
			}
			s.properties = map[string]*Schema{}
			err = v.members(func(name string, p at) error {
				ps, err := sc.compile(p)
				s.properties[name] = ps
				return err
			})
		case "patternProperties":
			if err = v.object(); err != nil {
				return err
			}
			err = v.members(func(pat string, p at) error {
				re, err := regexp.Compile(pat)
				if err != nil {
					return p.errf("pattern %q does not compile: %v", pat, err)
				}
				ps, err := sc.compile(p)
				s.patternProperties = append(s.patternProperties, patternSchema{re, ps})
				return err
			})
		case "additionalProperties":
			s.additionalProperties, err = sc.compile(v)
		case "required":
			s.required, err = v.strings()
		case "minProperties":
			s.minProps, err = count(v)
		case "maxProperties":
			s.maxProps, err = count(v)
		case "items":
			if v.n.kind == kindArray {
				for i := range v.n.vals {
					is, err := sc.compile(v.index(i))
					if err != nil {
						return err
					}
					s.tupleItems = append(s.tupleItems, is)
				}
				return nil
			}
			s.items, err = sc.compile(v)
		case "additionalItems":
			s.additionalItems, err = sc.compile(v)
		case "minItems":
			s.minItems, err = count(v)
		case "maxItems":
			s.maxItems, err = count(v)
		case "uniqueItems":
			s.uniqueItems, _, err = v.boolean()
		case "minLength":
			s.minLength, err = count(v)
		case "maxLength":
			s.maxLength, err = count(v)
		case "pattern":
			var pat string
			if pat, _, err = v.str(); err != nil {
				return err
			}
			if s.pattern, err = regexp.Compile(pat); err != nil {
				return v.errf("pattern %q does not compile: %v", pat, err)
			}
		case "minimum":
			s.minimum, err = number(v)
		case "maximum":
			s.maximum, err = number(v)
		case "exclusiveMinimum", "exclusiveMaximum":
			// Draft 4 flags the bound; later drafts give the bound itself.
			lower := key == "exclusiveMinimum"
			if v.n.kind == kindBool {
				if lower {
					s.exclusiveMin = v.n.text == "true"
				} else {
					s.exclusiveMax = v.n.text == "true"
				}
				return nil
			}
			var f *big.Float
			if f, err = number(v); err != nil {
				return err
			}
			if lower {
				s.minimum, s.exclusiveMin = f, true
			} else {
				s.maximum, s.exclusiveMax = f, true
			}
		case "multipleOf":
			if s.multipleOf, err = number(v); err == nil && s.multipleOf.Sign() <= 0 {
				return v.errf("multipleOf must be greater than 0")
			}
		case "allOf", "anyOf", "oneOf":
			if v.n.kind != kindArray || len(v.n.vals) == 0 {
				return v.typeErr("a non-empty array of schemas")
			}
			var list []*Schema
			for i := range v.n.vals {
				is, err := sc.compile(v.index(i))
				if err != nil {
					return err
				}
				list = append(list, is)
			}
			switch key {
			case "allOf":
				s.allOf = list
			case "anyOf":
				s.anyOf = list
			default:
				s.oneF = list
			}
		case "not":
			s.not, err = sc.compile(v)
		}
		// Other keywords (title, description, format, default, example,
		// $schema, id, discriminator, readOnly, …) do not decide
		// validity, as JSON Schema prescribes for unknown keywords.
		return err
	})
}

func (sc *schemaCompiler) types(s *Schema, v at) error {
	names := []string{}
	switch v.n.kind {
	case kindString:
		names = append(names, v.n.text)
	case kindArray:
		var err error
		if names, err = v.strings(); err != nil {
			return err
		}
	default:
		return v.typeErr("a type name or an array of them")
	}
	for _, n := range names {
		t, ok := schemaTypes[n]
		if !ok {
			return v.errf("%q is not a JSON Schema type", n)
		}
		s.types |= t
	}
	return nil
}

func count(v at) (int, error) {
	n, _, err := v.integer()
	if err == nil && n < 0 {
		return 0, v.errf("must not be negative")
	}
	return n, err
}

func number(v at) (*big.Float, error) {
	if v.n.kind != kindNumber {
		return nil, v.typeErr("a number")
	}
	f, ok := new(big.Float).SetString(v.n.num)
	if !ok {
		return nil, v.errf("%q is not a number", v.n.num)
	}
	return f, nil
}

// nodeValue converts a document value to what encoding/json (with
// UseNumber) decodes, for enum comparisons.
func nodeValue(n *node) any {
	switch n.kind {
	case kindNull:
		return nil
	case kindBool:
		return n.text == "true"
	case kindNumber:
		return json.Number(n.num)
	case kindString:
		return n.text
	case kindArray:
		out := make([]any, len(n.vals))
		for i, v := range n.vals {
			out[i] = nodeValue(v)
		}
		return out
	}
	out := make(map[string]any, len(n.keys))
	for i, k := range n.keys {
		out[k] = nodeValue(n.vals[i])
	}
	return out
}
