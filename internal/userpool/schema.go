package userpool

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

func ptr[T any](v T) *T { return &v }

// standardAttributes is the schema every pool starts with, as
// DescribeUserPool reports it.
func standardAttributes() []SchemaAttribute {
	str := func(name string, mutable, required bool, min, max string) SchemaAttribute {
		return SchemaAttribute{Name: name, AttributeDataType: "String", DeveloperOnlyAttribute: ptr(false), Mutable: ptr(mutable), Required: ptr(required),
			StringAttributeConstraints: &StringConstraints{MinLength: ptr(min), MaxLength: ptr(max)}}
	}
	boolean := func(name string) SchemaAttribute {
		return SchemaAttribute{Name: name, AttributeDataType: "Boolean", DeveloperOnlyAttribute: ptr(false), Mutable: ptr(true), Required: ptr(false)}
	}
	out := []SchemaAttribute{str("sub", false, true, "1", "2048")}
	for _, n := range []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email"} {
		out = append(out, str(n, true, false, "0", "2048"))
	}
	out = append(out, boolean("email_verified"), str("gender", true, false, "0", "2048"), str("birthdate", true, false, "10", "10"),
		str("zoneinfo", true, false, "0", "2048"), str("locale", true, false, "0", "2048"), str("phone_number", true, false, "0", "2048"),
		boolean("phone_number_verified"), str("address", true, false, "0", "2048"),
		SchemaAttribute{Name: "updated_at", AttributeDataType: "Number", DeveloperOnlyAttribute: ptr(false), Mutable: ptr(true), Required: ptr(false),
			NumberAttributeConstraints: &NumberConstraints{MinValue: ptr("0")}})
	return out
}

var customNameRe = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,20}$`)

func invalidParameter(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

// applySchema merges a CreateUserPool/AddCustomAttributes schema into the
// pool's: standard attributes may be made required (or immutable); other
// names become custom:NAME (dev:custom:NAME when developer-only).
func applySchema(schema []SchemaAttribute, in []SchemaAttribute, creating bool) ([]SchemaAttribute, error) {
	index := map[string]int{}
	for i, a := range schema {
		index[a.Name] = i
	}
	for _, a := range in {
		if a.Name == "" {
			return nil, invalidParameter("1 validation error detected: Value null at 'schema.member.name' failed to satisfy constraint: Member must not be null")
		}
		if i, ok := index[a.Name]; ok && !strings.HasPrefix(a.Name, "custom:") {
			if !creating {
				return nil, invalidParameter("Existing attribute already has name %s.", a.Name)
			}
			std := &schema[i]
			if a.AttributeDataType != "" && a.AttributeDataType != std.AttributeDataType {
				return nil, invalidParameter("You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute %s", a.Name)
			}
			if a.Required != nil {
				std.Required = a.Required
			}
			if a.Mutable != nil {
				std.Mutable = a.Mutable
			}
			if a.StringAttributeConstraints != nil && std.StringAttributeConstraints != nil {
				std.StringAttributeConstraints = a.StringAttributeConstraints
			}
			continue
		}
		name := strings.TrimPrefix(a.Name, "custom:")
		if !customNameRe.MatchString(name) {
			return nil, invalidParameter("1 validation error detected: Value '%s' at 'schema.member.name' failed to satisfy constraint: Member must have length less than or equal to 20", a.Name)
		}
		switch a.AttributeDataType {
		case "String", "Number", "DateTime", "Boolean":
		case "":
			a.AttributeDataType = "String"
		default:
			return nil, invalidParameter("1 validation error detected: Value '%s' at 'schema.member.attributeDataType' failed to satisfy constraint: Member must satisfy enum value set: [Number, String, DateTime, Boolean]", a.AttributeDataType)
		}
		if a.Required != nil && *a.Required {
			return nil, invalidParameter("Required custom attributes are not supported currently.")
		}
		full := "custom:" + name
		if a.DeveloperOnlyAttribute != nil && *a.DeveloperOnlyAttribute {
			full = "dev:" + full
		}
		if _, dup := index[full]; dup {
			return nil, invalidParameter("Existing attribute already has name %s.", full)
		}
		c := SchemaAttribute{Name: full, AttributeDataType: a.AttributeDataType, DeveloperOnlyAttribute: ptr(a.DeveloperOnlyAttribute != nil && *a.DeveloperOnlyAttribute),
			Mutable: ptr(a.Mutable == nil || *a.Mutable), Required: ptr(false)}
		switch a.AttributeDataType {
		case "String":
			c.StringAttributeConstraints = a.StringAttributeConstraints
			if c.StringAttributeConstraints == nil {
				c.StringAttributeConstraints = &StringConstraints{}
			}
		case "Number":
			c.NumberAttributeConstraints = a.NumberAttributeConstraints
			if c.NumberAttributeConstraints == nil {
				c.NumberAttributeConstraints = &NumberConstraints{}
			}
		}
		index[full] = len(schema)
		schema = append(schema, c)
	}
	customs := 0
	for _, a := range schema {
		if strings.Contains(a.Name, "custom:") {
			customs++
		}
	}
	if customs > 50 {
		return nil, invalidParameter("The number of custom attributes cannot exceed 50.")
	}
	return schema, nil
}
