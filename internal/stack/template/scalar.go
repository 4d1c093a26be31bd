package template

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// scalar converts a YAML scalar; the error is a message, empty when none.
func scalar(y *yaml.Node) (any, string) {
	quoted := y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	explicit := y.Style&yaml.TaggedStyle != 0
	switch tag := y.ShortTag(); tag {
	case "!!null":
		return nil, ""
	case "!!bool":
		var b bool
		if err := y.Decode(&b); err != nil {
			return nil, "not a boolean: " + y.Value
		}
		return b, ""
	case "!!int", "!!float":
		return number(y.Value)
	case "!!str":
		// The YAML library calls 1e400 a string because it overflows; it
		// was meant as a number, and a silent string would surprise.
		if !quoted && !explicit && looksNumeric(y.Value) {
			return number(y.Value)
		}
		return y.Value, ""
	case "!!timestamp", "!!binary":
		// Kept as written: AWSTemplateFormatVersion: 2010-09-09 is a
		// string to CloudFormation.
		return y.Value, ""
	default:
		return nil, "YAML tag " + tag + " is not supported"
	}
}

// number applies the package's number rule (see doc.go) to a literal.
func number(text string) (any, string) {
	digits := text
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	lower := strings.ToLower(digits)
	switch {
	case strings.HasPrefix(lower, "0x"), strings.HasPrefix(lower, "0o"), strings.HasPrefix(lower, "0b"):
		return nil, "the number " + text + " is hexadecimal, octal or binary, which YAML parsers read differently; write it in decimal or quote it"
	case strings.Contains(digits, "_"):
		return nil, "the number " + text + " has underscores, which YAML parsers read differently; write it without them or quote it"
	case lower == ".inf" || lower == ".nan":
		return nil, "the number " + text + " is not finite and has no JSON form"
	case isDecimalInt(digits) && len(digits) > 1 && digits[0] == '0':
		// YAML 1.1 reads this as octal (or a string when it has an 8 or
		// 9), YAML 1.2 as decimal; it is nearly always an account ID.
		return text, ""
	case isDecimalInt(digits):
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, "the integer " + text + " does not fit in 64 bits; quote it to keep it as a string"
		}
		return n, ""
	case isDecimalFloat(digits):
		f, err := strconv.ParseFloat(text, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, "the number " + text + " is out of range"
		}
		if err != nil {
			return nil, "not a number: " + text
		}
		return normalNumber(f), ""
	}
	return nil, "not a number: " + text
}

// normalNumber makes an integral float an int64, per the number rule.
func normalNumber(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
		return int64(f)
	}
	return f
}

func isDecimalInt(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDecimalFloat matches (digits)[.digits][e[+-]digits] with at least one
// digit before the exponent.
func isDecimalFloat(s string) bool {
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
		if !isDecimalInt(exp) {
			return false
		}
	}
	whole, frac, dot := strings.Cut(mant, ".")
	if whole == "" && frac == "" {
		return false
	}
	return (whole == "" || isDecimalInt(whole)) && (!dot || frac == "" || isDecimalInt(frac))
}

// looksNumeric reports whether an unquoted string has a number's shape.
func looksNumeric(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return isDecimalFloat(s)
}
