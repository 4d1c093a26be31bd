package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// PolicyEffect is what a policy says about one method ARN.
type PolicyEffect int

const (
	// ImplicitDeny: no statement allows the method (403, "User is not
	// authorized to access this resource").
	ImplicitDeny PolicyEffect = iota
	// Allowed: an Allow statement matches and no Deny does.
	Allowed
	// ExplicitDeny: a Deny statement matches; it wins over any Allow (403,
	// "… with an explicit deny").
	ExplicitDeny
)

// maxPolicyResource is the longest Resource API Gateway accepts in an
// authorizer policy (limits.md: "policy Resource … 512 characters").
const maxPolicyResource = 512

// Policy is a Lambda authorizer's policyDocument, parsed once (and cached
// with the authorizer's result) so that each request only matches strings.
type Policy struct {
	Statements []PolicyStatement
}

// PolicyStatement is one statement, its Action and Resource lists
// normalised from "string or array of strings".
type PolicyStatement struct {
	Deny      bool
	Actions   []string
	Resources []string
}

// errMalformedPolicy marks policies API Gateway refuses (500, the
// authorizer's configuration error).
var errMalformedPolicy = errors.New("malformed policy document")

// ParsePolicy reads an IAM policy document as API Gateway does for
// authorizers: Version is not checked, Statement is one object or an array,
// Effect is Allow or Deny, Action and Resource are strings or arrays of
// strings. Conditions, NotAction and NotResource are not supported:
// a statement using them is malformed rather than silently widened.
func ParsePolicy(raw json.RawMessage) (*Policy, error) {
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(raw, &doc); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, fmt.Errorf("%w: not a JSON object", errMalformedPolicy)
	}
	var stmts []json.RawMessage
	switch trimmed := bytes.TrimSpace(doc.Statement); {
	case len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")):
		return nil, fmt.Errorf("%w: no Statement", errMalformedPolicy)
	case trimmed[0] == '{':
		stmts = []json.RawMessage{trimmed}
	default:
		if err := json.Unmarshal(trimmed, &stmts); err != nil {
			return nil, fmt.Errorf("%w: Statement is neither an object nor an array", errMalformedPolicy)
		}
	}
	p := &Policy{Statements: make([]PolicyStatement, 0, len(stmts))}
	for i, raw := range stmts {
		s, err := parseStatement(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: Statement[%d]: %v", errMalformedPolicy, i, err)
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

func parseStatement(raw json.RawMessage) (PolicyStatement, error) {
	var st struct {
		Effect      string
		Action      json.RawMessage
		Resource    json.RawMessage
		NotAction   json.RawMessage
		NotResource json.RawMessage
		Condition   json.RawMessage
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return PolicyStatement{}, errors.New("not an object")
	}
	if st.NotAction != nil || st.NotResource != nil || st.Condition != nil {
		return PolicyStatement{}, errors.New("NotAction, NotResource and Condition are not supported")
	}
	var s PolicyStatement
	// IAM spells it Allow/Deny; authorizers written as "allow" work on AWS
	// in practice, so the case is not held against them.
	switch {
	case strings.EqualFold(st.Effect, "Allow"):
	case strings.EqualFold(st.Effect, "Deny"):
		s.Deny = true
	default:
		return PolicyStatement{}, fmt.Errorf("Effect %.20q is neither Allow nor Deny", st.Effect)
	}
	var err error
	if s.Actions, err = stringOrList(st.Action); err != nil {
		return PolicyStatement{}, fmt.Errorf("Action: %v", err)
	}
	if s.Resources, err = stringOrList(st.Resource); err != nil {
		return PolicyStatement{}, fmt.Errorf("Resource: %v", err)
	}
	for _, r := range s.Resources {
		if len(r) > maxPolicyResource {
			return PolicyStatement{}, fmt.Errorf("Resource longer than %d characters", maxPolicyResource)
		}
	}
	return s, nil
}

// stringOrList reads an IAM "string or array of strings" element, which
// must be present and hold at least one string.
func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, errors.New("missing, or not a string or a non-empty array of strings")
	}
	return many, nil
}

// Evaluate decides the policy for one method ARN
// (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path). A Deny that
// matches wins; otherwise an Allow that matches allows; otherwise the
// method is implicitly denied. It is evaluated on every request, also for
// a cached policy: that is what makes a policy written for one route deny
// the others while it is cached, as on AWS.
func (p *Policy) Evaluate(methodARN string) PolicyEffect {
	allowed := false
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.matches(methodARN) {
			continue
		}
		if s.Deny {
			return ExplicitDeny
		}
		allowed = true
	}
	if allowed {
		return Allowed
	}
	return ImplicitDeny
}

func (s *PolicyStatement) matches(methodARN string) bool {
	action := false
	for _, a := range s.Actions {
		// IAM action names are case-insensitive.
		if wildcardMatch(strings.ToLower(a), "execute-api:invoke") {
			action = true
			break
		}
	}
	if !action {
		return false
	}
	for _, r := range s.Resources {
		if wildcardMatch(r, methodARN) {
			return true
		}
	}
	return false
}

// wildcardMatch reports whether s matches pattern, where * stands for any
// run of characters (slashes and colons included, as in IAM ARNs) and ? for
// exactly one. It backtracks only to the last star, so it runs in
// O(len(pattern)·len(s)) at worst: a hostile policy cannot make it explode.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
