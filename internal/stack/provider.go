package stack

import (
	"context"
	"crypto/rand"
	"reflect"
	"sort"
	"strings"
)

// Provider creates, updates and deletes one resource type through the
// services' public operations.
type Provider interface {
	// Attributes are the names Fn::GetAtt may ask for.
	Attributes() []string
	// Create makes the resource from c.Props.
	Create(ctx context.Context, c *Call) (Result, error)
	// Update changes c.Old in place to c.Props.
	Update(ctx context.Context, c *Call) (Result, error)
	// Delete removes c.Old; a resource already gone is not an error.
	Delete(ctx context.Context, c *Call) error
	// Replaces reports whether going from old to new properties needs a
	// new resource, and names the property that forces it.
	Replaces(old, new map[string]any) (bool, string)
}

// Call is one provider operation on one resource.
type Call struct {
	API             API
	Stack, StackID  string
	LogicalID, Type string
	Region, Account string
	// Props are the evaluated properties to apply.
	Props map[string]any
	// Old is the resource as it stands (nil when creating).
	Old *ResourceState
	// Artifact returns uploaded code by the key the template names it by.
	Artifact func(key string) ([]byte, bool)
}

// Result is what a provider reports about the resource it made.
type Result struct {
	// PhysicalID is what Ref returns.
	PhysicalID string
	Attrs      map[string]any
}

// physicalName is CloudFormation's generated name for a resource the
// template does not name: stack-logicalId-RANDOM, within max characters.
func (c *Call) physicalName(max int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	suffix := "-" + string(b)
	base := c.Stack + "-" + c.LogicalID
	if len(base)+len(suffix) > max {
		base = base[:max-len(suffix)]
	}
	return base + suffix
}

// replacing reports the first of keys whose value differs.
func replacing(old, new map[string]any, keys ...string) (bool, string) {
	for _, k := range keys {
		if !reflect.DeepEqual(old[k], new[k]) {
			return true, k
		}
	}
	return false, ""
}

// changedKeys lists the top-level properties that differ, sorted.
func changedKeys(old, new map[string]any) []string {
	var out []string
	for k, v := range new {
		if !reflect.DeepEqual(old[k], v) {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// str reads a string property.
func str(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}

// strList reads a list-of-strings property.
func strList(props map[string]any, key string) []string {
	l, _ := props[key].([]any)
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// without copies props leaving out keys.
func without(props map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// isNotFound reports an AWS not-found answer of any service.
func isNotFound(err error) bool {
	e, ok := err.(*APIError)
	return ok && (e.Status == 404 || strings.HasSuffix(e.Code, "NotFoundException") || e.Code == "ResourceNotFoundException")
}
