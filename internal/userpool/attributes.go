package userpool

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	phoneRe = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

// checkValue holds a value to its attribute's type and constraints.
func checkValue(def SchemaAttribute, v string) error {
	switch def.Name {
	case "email":
		if v != "" && !emailRe.MatchString(v) {
			return invalidParameter("Invalid email address format.")
		}
	case "phone_number":
		if v != "" && !phoneRe.MatchString(v) {
			return invalidParameter("Invalid phone number format.")
		}
	}
	switch def.AttributeDataType {
	case "Boolean":
		if v != "true" && v != "false" {
			return invalidParameter("%s: Value %q is not a valid boolean.", def.Name, v)
		}
	case "Number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return invalidParameter("%s: Value %q is not a valid number.", def.Name, v)
		}
		if c := def.NumberAttributeConstraints; c != nil {
			if c.MinValue != nil {
				if lo, err := strconv.ParseFloat(*c.MinValue, 64); err == nil && n < lo {
					return invalidParameter("%s: Number must be greater than or equal to %s", def.Name, *c.MinValue)
				}
			}
			if c.MaxValue != nil {
				if hi, err := strconv.ParseFloat(*c.MaxValue, 64); err == nil && n > hi {
					return invalidParameter("%s: Number must be less than or equal to %s", def.Name, *c.MaxValue)
				}
			}
		}
	case "String":
		if c := def.StringAttributeConstraints; c != nil && strings.HasPrefix(def.Name, "custom:") {
			n := utf8.RuneCountInString(v)
			if c.MinLength != nil {
				if lo, err := strconv.Atoi(*c.MinLength); err == nil && n < lo {
					return invalidParameter("%s: String must be at least %s characters long", def.Name, *c.MinLength)
				}
			}
			if c.MaxLength != nil {
				if hi, err := strconv.Atoi(*c.MaxLength); err == nil && n > hi {
					return invalidParameter("%s: String must be no longer than %s characters", def.Name, *c.MaxLength)
				}
			}
		}
	}
	return nil
}

// verifiable are the attributes a code can prove.
func verifiable(attr string) bool { return attr == "email" || attr == "phone_number" }

// changeAttributes applies updates to u. A new email or phone becomes
// unverified (unless the caller is an administrator setting *_verified in
// the same call); when the pool verifies it and wants verification before
// the update, the old value stays until VerifyUserAttribute. It returns
// the attributes that need a code sent.
func (s *Service) changeAttributes(p *Pool, u *userRecord, set map[string]string, admin bool) (pending []string) {
	for k, v := range set {
		if !verifiable(k) || u.Attributes[k] == v {
			u.Attributes[k] = v
			continue
		}
		if admin && set[k+"_verified"] == "true" {
			u.Attributes[k] = v
			continue
		}
		auto := slices.Contains(p.AutoVerifiedAttributes, k)
		holdBack := auto && p.UserAttributeUpdateSettings != nil && slices.Contains(p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate, k) &&
			u.Attributes[k] != "" && u.Attributes[k+"_verified"] == "true"
		if holdBack {
			// The new value waits in the code's state.
			pending = append(pending, k+"="+v)
			continue
		}
		u.Attributes[k] = v
		u.Attributes[k+"_verified"] = "false"
		if auto && v != "" {
			pending = append(pending, k+"="+v)
		}
	}
	return pending
}

// sendVerifications issues and sends a code for each pending attribute
// change ("attr=value").
func (s *Service) sendVerifications(ctx context.Context, p *Pool, username, clientID string, pending []string, meta map[string]string) ([]CodeDelivery, error) {
	out := []CodeDelivery{}
	for _, pv := range pending {
		attr, value, _ := strings.Cut(pv, "=")
		var code string
		u, err := s.updateUser(ctx, p, username, func(u *userRecord) error {
			var err error
			code, err = s.newCode(p, u, codeVerify+attr, attr, value)
			return err
		})
		if err != nil {
			return out, err
		}
		d, err := s.send(ctx, p, &u, delivery{kind: msgVerify, source: "CustomMessage_UpdateUserAttribute", attr: attr, to: value,
			username: u.Username, code: code, clientID: clientID, meta: meta})
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// UpdateUserAttributes implements UpdateUserAttributes (the user's own,
// with an access token; the client's WriteAttributes apply).
func (s *Service) UpdateUserAttributes(ctx context.Context, accessToken string, attrs []Attribute, meta map[string]string) ([]CodeDelivery, error) {
	p, u, claims, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	var cr clientRecord
	if _, err := s.getJSON(ctx, kindClient, p.ID+"/"+claims.ClientID(), &cr, notAuthorized("Invalid Access Token")); err != nil {
		return nil, err
	}
	for _, a := range attrs {
		if strings.HasSuffix(a.Name, "_verified") && !slices.Contains(cr.Client.WriteAttributes, a.Name) {
			return nil, notAuthorized("A client attempted to write unauthorized attribute")
		}
	}
	if err := checkWritable(cr.Client, attrs); err != nil {
		return nil, err
	}
	set, err := validateAttributes(p, attrs, false)
	if err != nil {
		return nil, err
	}
	var pending []string
	if _, err := s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
		pending = s.changeAttributes(p, u, set, false)
		return nil
	}); err != nil {
		return nil, err
	}
	return s.sendVerifications(ctx, p, u.Username, cr.Client.ClientID, pending, meta)
}

// AdminUpdateUserAttributes implements AdminUpdateUserAttributes.
func (s *Service) AdminUpdateUserAttributes(ctx context.Context, poolID, username string, attrs []Attribute, meta map[string]string) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	p := &rec.Pool
	set, err := validateAttributes(p, attrs, false)
	if err != nil {
		return err
	}
	var pending []string
	u, err := s.updateUser(ctx, p, username, func(u *userRecord) error {
		pending = s.changeAttributes(p, u, set, true)
		return s.claimAliases(ctx, p, u, false)
	})
	if err != nil {
		return err
	}
	_, err = s.sendVerifications(ctx, p, u.Username, "", pending, meta)
	return err
}

// deleteAttributes removes attributes; required ones and sub stay.
func (s *Service) deleteAttributes(ctx context.Context, p *Pool, username string, names []string) error {
	for _, n := range names {
		i := slices.IndexFunc(p.SchemaAttributes, func(a SchemaAttribute) bool { return a.Name == n })
		if i < 0 {
			return invalidParameter("Attribute does not exist in the schema.\n")
		}
		a := p.SchemaAttributes[i]
		if n == "sub" || (a.Required != nil && *a.Required) {
			return invalidParameter("Attributes did not conform to the schema: %s: The attribute %s is required", n, n)
		}
		if a.Mutable != nil && !*a.Mutable {
			return invalidParameter("Cannot modify an already provided %s", n)
		}
	}
	_, err := s.updateUser(ctx, p, username, func(u *userRecord) error {
		for _, n := range names {
			delete(u.Attributes, n)
			if verifiable(n) {
				delete(u.Attributes, n+"_verified")
				delete(u.Codes, codeVerify+n)
			}
		}
		return nil
	})
	return err
}

// DeleteUserAttributes implements DeleteUserAttributes.
func (s *Service) DeleteUserAttributes(ctx context.Context, accessToken string, names []string) error {
	p, u, _, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return err
	}
	return s.deleteAttributes(ctx, p, u.Username, names)
}

// AdminDeleteUserAttributes implements AdminDeleteUserAttributes.
func (s *Service) AdminDeleteUserAttributes(ctx context.Context, poolID, username string, names []string) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	return s.deleteAttributes(ctx, &rec.Pool, username, names)
}

// GetUserAttributeVerificationCode sends a code proving the user's email
// or phone number.
func (s *Service) GetUserAttributeVerificationCode(ctx context.Context, accessToken, attr string, meta map[string]string) (CodeDelivery, error) {
	p, u, claims, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return CodeDelivery{}, err
	}
	if !verifiable(attr) {
		return CodeDelivery{}, invalidParameter("Invalid attribute name: %s", attr)
	}
	value := u.Attributes[attr]
	if value == "" {
		return CodeDelivery{}, invalidParameter("Attribute %s is not present for the user.", attr)
	}
	var code string
	u, err = s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
		code, err = s.newCode(p, u, codeVerify+attr, attr, value)
		return err
	})
	if err != nil {
		return CodeDelivery{}, err
	}
	return s.send(ctx, p, &u, delivery{kind: msgVerify, source: "CustomMessage_VerifyUserAttribute", attr: attr, to: value,
		username: u.Username, code: code, clientID: claims.ClientID(), meta: meta})
}

// VerifyUserAttribute checks a verification code; a value held back until
// verified takes effect now.
func (s *Service) VerifyUserAttribute(ctx context.Context, accessToken, attr, code string) error {
	p, u, _, err := s.accessUser(ctx, accessToken)
	if err != nil {
		return err
	}
	if !verifiable(attr) {
		return invalidParameter("Invalid attribute name: %s", attr)
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *userRecord) error {
		cs, err := s.useCode(p, u, codeVerify+attr, code)
		if err != nil {
			return err
		}
		u.Attributes[attr] = cs.Value
		u.Attributes[attr+"_verified"] = "true"
		return s.claimAliases(ctx, p, u, false)
	})
	return err
}

// AddCustomAttributes adds custom attributes to a pool's schema.
func (s *Service) AddCustomAttributes(ctx context.Context, poolID string, attrs []SchemaAttribute) error {
	if err := checkPoolID(poolID); err != nil {
		return err
	}
	if len(attrs) == 0 {
		return invalidParameter("1 validation error detected: Value '[]' at 'customAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	for i := range attrs {
		if !strings.HasPrefix(attrs[i].Name, "custom:") {
			attrs[i].Name = "custom:" + attrs[i].Name
		}
	}
	_, err := updateJSON(ctx, s, kindPool, poolID, poolNotFound(poolID), func(rec *poolRecord) error {
		schema, err := applySchema(slices.Clone(rec.Pool.SchemaAttributes), attrs, false)
		if err != nil {
			return err
		}
		rec.Pool.SchemaAttributes = schema
		rec.Pool.LastModifiedDate = epoch(s.now().UTC())
		return nil
	})
	return err
}
