// Package template reads CloudFormation and SAM templates and evaluates
// their intrinsic functions. It is the layer under `gatehouse deploy`:
// the SAM transform rewrites a parsed Template's document, and the deploy
// engine binds the result to parameter values and resource types, walks
// the resources in dependency order and evaluates their properties.
//
// # Representation
//
// Parse turns YAML or JSON into CloudFormation's JSON long form built from
// plain Go values: map[string]any, []any, string, int64, float64, bool and
// nil. Short tags become their long forms (!Ref X is {"Ref": "X"}, !GetAtt
// A.B is {"Fn::GetAtt": ["A", "B"]}), so the SAM transform and the engine
// see one shape whatever the author wrote.
//
// Numbers follow one rule: a number whose value is integral and exactly
// representable (|v| <= 2^53) is an int64, whether it was written 8, 8.0
// or 8e0; every other number is a float64. Templates mean integers far
// more often than not (MemorySize, Timeout, ports), and one rule keeps the
// consumers from checking three types. Literals the YAML and JSON worlds
// read differently are refused or kept as text instead of guessed:
// hexadecimal, octal and binary literals (0x10, 0o17, 0b1) and
// underscores (1_000) are errors; a decimal with a leading zero
// (012345678901, nearly always an account ID) stays the string as
// written; integers beyond 64 bits, 1e400, .inf and .nan are errors.
// Unquoted timestamps (AWSTemplateFormatVersion: 2010-09-09) stay strings.
//
// # Limits
//
// A template body is at most 1 MiB (CloudFormation accepts 1 MB from S3
// and 51,200 bytes inline), nests at most 100 levels, and expands to at
// most 200,000 values with YAML aliases counted each time they are used,
// so an alias bomb is refused after bounded work. A template declares at
// most 500 resources and 200 outputs, as in CloudFormation, and one Eval
// call builds at most 4 MiB of text (Fn::Join, Fn::Sub, Fn::Split,
// Fn::Base64), so a small template cannot make evaluation expand values
// without end.
package template
