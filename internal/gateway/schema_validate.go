package gateway

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"unicode/utf8"
)

// ValidateJSON reports whether body is a JSON document the schema
// accepts.
func (s *Schema) ValidateJSON(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return false
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return false // trailing data
	}
	return s.valid(v, 0)
}

func (s *Schema) valid(v any, depth int) bool {
	if depth > maxSchemaDepth {
		return false
	}
	depth++
	if s.never {
		return false
	}
	if s.ref != nil {
		return s.ref.valid(v, depth)
	}
	if v == nil && s.nullable {
		return true
	}
	if s.types != 0 && s.types&typeOf(v) == 0 {
		return false
	}
	if s.enum != nil && !containsValue(s.enum, v) {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		if !s.validObject(x, depth) {
			return false
		}
	case []any:
		if !s.validArray(x, depth) {
			return false
		}
	case string:
		n := utf8.RuneCountInString(x)
		if s.minLength >= 0 && n < s.minLength || s.maxLength >= 0 && n > s.maxLength {
			return false
		}
		if s.pattern != nil && !s.pattern.MatchString(x) {
			return false
		}
	case json.Number:
		if !s.validNumber(x) {
			return false
		}
	}
	for _, sub := range s.allOf {
		if !sub.valid(v, depth) {
			return false
		}
	}
	if s.anyOf != nil {
		ok := false
		for _, sub := range s.anyOf {
			if sub.valid(v, depth) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if s.oneF != nil {
		n := 0
		for _, sub := range s.oneF {
			if sub.valid(v, depth) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	return s.not == nil || !s.not.valid(v, depth)
}

func (s *Schema) validObject(m map[string]any, depth int) bool {
	if s.minProps >= 0 && len(m) < s.minProps || s.maxProps >= 0 && len(m) > s.maxProps {
		return false
	}
	for _, r := range s.required {
		if _, ok := m[r]; !ok {
			return false
		}
	}
	for k, val := range m {
		matched := false
		if ps, ok := s.properties[k]; ok {
			matched = true
			if !ps.valid(val, depth) {
				return false
			}
		}
		for _, pp := range s.patternProperties {
			if pp.re.MatchString(k) {
				matched = true
				if !pp.s.valid(val, depth) {
					return false
				}
			}
		}
		if !matched && s.additionalProperties != nil && !s.additionalProperties.valid(val, depth) {
			return false
		}
	}
	return true
}

func (s *Schema) validArray(a []any, depth int) bool {
	if s.minItems >= 0 && len(a) < s.minItems || s.maxItems >= 0 && len(a) > s.maxItems {
		return false
	}
	for i, item := range a {
		var is *Schema
		switch {
		case s.tupleItems != nil && i < len(s.tupleItems):
			is = s.tupleItems[i]
		case s.tupleItems != nil:
			is = s.additionalItems
		default:
			is = s.items
		}
		if is != nil && !is.valid(item, depth) {
			return false
		}
	}
	if s.uniqueItems {
		for i := range a {
			for j := i + 1; j < len(a); j++ {
				if equalValues(a[i], a[j]) {
					return false
				}
			}
		}
	}
	return true
}

func (s *Schema) validNumber(n json.Number) bool {
	f, ok := new(big.Float).SetString(string(n))
	if !ok {
		return false
	}
	if s.minimum != nil {
		if c := f.Cmp(s.minimum); c < 0 || c == 0 && s.exclusiveMin {
			return false
		}
	}
	if s.maximum != nil {
		if c := f.Cmp(s.maximum); c > 0 || c == 0 && s.exclusiveMax {
			return false
		}
	}
	if s.multipleOf != nil {
		q := new(big.Float).Quo(f, s.multipleOf)
		if !q.IsInt() {
			// Decimal multiples (0.01) are inexact in binary: accept a
			// quotient within rounding of an integer.
			qf, _ := q.Float64()
			if math.Abs(qf-math.Round(qf)) > 1e-9 {
				return false
			}
		}
	}
	return true
}

func typeOf(v any) uint8 {
	switch x := v.(type) {
	case nil:
		return typeNull
	case bool:
		return typeBoolean
	case string:
		return typeString
	case []any:
		return typeArray
	case map[string]any:
		return typeObject
	case json.Number:
		if isIntegerLiteral(string(x)) {
			return typeInteger | typeNumber
		}
		return typeNumber
	}
	return 0
}

// isIntegerLiteral reports whether a JSON number is mathematically an
// integer (1, 1.0, 1e3).
func isIntegerLiteral(s string) bool {
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	f, ok := new(big.Float).SetString(s)
	return ok && f.IsInt()
}

func containsValue(list []any, v any) bool {
	for _, e := range list {
		if equalValues(e, v) {
			return true
		}
	}
	return false
}

// equalValues is JSON equality: numbers by value (1 equals 1.0).
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, okx := new(big.Float).SetString(string(x))
		fy, oky := new(big.Float).SetString(string(y))
		return okx && oky && fx.Cmp(fy) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}
