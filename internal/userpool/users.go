package userpool

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/userpool/srp"
)

const (
	kindUser  = "userpool-user" // id: poolID/username-key
	kindIndex = "userpool-idx"  // id: poolID/attribute/value/username-key
)

// indexed are the attributes ListUsers can search and sign-in can use as
// aliases; every value has an index record, so a lookup is a range scan,
// whatever the pool's size.
var indexed = []string{"email", "phone_number", "name", "given_name", "family_name", "preferred_username", "sub", "cognito:user_status", "status"}

// userRecord is what the store keeps per user. The SRP verifier is sealed:
// a stolen database alone yields nothing to attack passwords with offline.
type userRecord struct {
	Username   string            `json:"username"`
	Attributes map[string]string `json:"attributes"`
	Status     string            `json:"status"`
	Enabled    bool              `json:"enabled"`
	Created    time.Time         `json:"created"`
	Modified   time.Time         `json:"modified"`
	Salt       []byte            `json:"salt,omitempty"`
	Verifier   []byte            `json:"verifier,omitempty"` // sealed
	// TempExpires is when a temporary password stops working.
	TempExpires time.Time `json:"tempExpires,omitzero"`
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	LastFailure time.Time `json:"lastFailure,omitzero"`
	// SignedOut: tokens issued up to this instant were ended by a global
	// sign-out.
	SignedOut time.Time `json:"signedOut,omitzero"`
	// Codes are the outstanding one-time codes by purpose.
	Codes map[string]*codeState `json:"codes,omitempty"`
	MFA   userMFA               `json:"mfa,omitzero"`
}

// Attribute is a name/value pair as the API carries them.
type Attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// User is Cognito's UserType.
type User struct {
	Username             string      `json:"Username"`
	Attributes           []Attribute `json:"Attributes"`
	UserCreateDate       epoch       `json:"UserCreateDate"`
	UserLastModifiedDate epoch       `json:"UserLastModifiedDate"`
	Enabled              bool        `json:"Enabled"`
	UserStatus           string      `json:"UserStatus"`
}

func (u *userRecord) view(filter func(string) bool) User {
	out := User{Username: u.Username, UserCreateDate: epoch(u.Created), UserLastModifiedDate: epoch(u.Modified), Enabled: u.Enabled, UserStatus: u.Status, Attributes: []Attribute{}}
	names := make([]string, 0, len(u.Attributes))
	for k := range u.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if filter == nil || filter(k) {
			out.Attributes = append(out.Attributes, Attribute{k, u.Attributes[k]})
		}
	}
	return out
}

// key is the store key of a username: usernames are case-insensitive
// unless the pool says otherwise.
func userKey(p *Pool, username string) string {
	if p.UsernameConfiguration != nil && p.UsernameConfiguration.CaseSensitive {
		return username
	}
	return strings.ToLower(username)
}

// indexEntries are the index ids a user's current values occupy.
func indexEntries(poolID string, u *userRecord, key string) []string {
	var out []string
	for _, attr := range indexed {
		v, ok := u.Attributes[attr]
		switch attr {
		case "cognito:user_status":
			v, ok = u.Status, true
		case "status":
			v, ok = map[bool]string{true: "Enabled", false: "Disabled"}[u.Enabled], true
		}
		if ok && v != "" && !strings.Contains(v, "/") {
			out = append(out, poolID+"/"+attr+"/"+v+"/"+key)
		}
	}
	return out
}

func userNotFound() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "UserNotFoundException", "User does not exist.")
}

// findUser resolves a username or a sign-in alias (email or phone) to the
// stored user. Aliases count only once verified, as in Cognito, except in
// pools where they are the username.
func (s *Service) findUser(ctx context.Context, p *Pool, name string) (userRecord, string, error) {
	var u userRecord
	key := userKey(p, name)
	_, err := s.getJSON(ctx, kindUser, p.ID+"/"+key, &u, userNotFound())
	if err == nil {
		return u, key, nil
	}
	if _, ok := awsproto.AsError(err); !ok {
		return u, "", err
	}
	aliases := append(slices.Clone(p.UsernameAttributes), p.AliasAttributes...)
	for _, attr := range aliases {
		rs, lerr := s.st.List(ctx, kindIndex, p.ID+"/"+attr+"/"+name+"/", "", 2)
		if lerr != nil {
			return u, "", lerr
		}
		for _, r := range rs {
			key := r.ID[strings.LastIndexByte(r.ID, '/')+1:]
			var cand userRecord
			if _, gerr := s.getJSON(ctx, kindUser, p.ID+"/"+key, &cand, userNotFound()); gerr != nil {
				continue
			}
			verified := cand.Attributes[attr+"_verified"] == "true" || slices.Contains(p.UsernameAttributes, attr)
			if verified {
				return cand, key, nil
			}
		}
	}
	return u, "", userNotFound()
}

// setPassword derives and seals a new SRP verifier (which also checks
// plain passwords).
func (s *Service) setPassword(p *Pool, u *userRecord, password string) error {
	var salt, v []byte
	var err error
	if cerr := s.crunch.do(func() { salt, v, err = srp.NewVerifier(rand.Reader, srp.PoolName(p.ID), u.Username, password) }); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	u.Salt, u.Verifier = salt, s.opts.Box.Seal(v, []byte("srp/"+p.ID+"/"+u.Username))
	return nil
}

// checkPassword verifies a password against the stored verifier; the
// error is for the check not being run (throttled), not for a mismatch.
func (s *Service) checkPassword(p *Pool, u *userRecord, password string) (bool, error) {
	if len(u.Verifier) == 0 {
		return false, nil
	}
	v, err := s.opts.Box.Open(u.Verifier, []byte("srp/"+p.ID+"/"+u.Username))
	if err != nil {
		return false, nil
	}
	var ok bool
	err = s.crunch.do(func() { ok = srp.CheckPassword(srp.PoolName(p.ID), u.Username, password, u.Salt, v) })
	return ok, err
}

// saveUser writes a user and its index entries in one transaction; prev
// is the version read (0: the user must not exist yet).
func (s *Service) saveUser(ctx context.Context, p *Pool, key string, u *userRecord, old *userRecord, version int64) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(kindUser, p.ID+"/"+key, data, version); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return awsproto.Errorf(http.StatusBadRequest, "UsernameExistsException", "User account already exists")
			}
			return err
		}
		var before []string
		if old != nil {
			before = indexEntries(p.ID, old, key)
		}
		after := indexEntries(p.ID, u, key)
		for _, id := range before {
			if !slices.Contains(after, id) {
				if err := tx.Delete(kindIndex, id); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		for _, id := range after {
			if !slices.Contains(before, id) {
				if _, err := tx.Create(kindIndex, id, nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
					return err
				}
			}
		}
		return nil
	})
}

// validateAttributes checks names against the schema and mutability.
func validateAttributes(p *Pool, attrs []Attribute, creating bool) (map[string]string, error) {
	schema := map[string]SchemaAttribute{}
	for _, a := range p.SchemaAttributes {
		schema[a.Name] = a
	}
	out := map[string]string{}
	for _, a := range attrs {
		def, ok := schema[a.Name]
		if !ok {
			return nil, invalidParameter("Attribute does not exist in the schema.\n")
		}
		if a.Name == "sub" || (!creating && def.Mutable != nil && !*def.Mutable) {
			return nil, invalidParameter("Cannot modify an already provided %s", a.Name)
		}
		if len(a.Value) > 2048 {
			return nil, invalidParameter("1 validation error detected: Value at 'userAttributes.%s.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048", a.Name)
		}
		if err := checkValue(def, a.Value); err != nil {
			return nil, err
		}
		out[a.Name] = a.Value
	}
	return out, nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newUser validates a new user's name and attributes against the pool and
// builds its record (not yet saved, no password, no status). In pools
// that sign in by email or phone, the name given is that attribute and
// the stored username is the sub.
func (s *Service) newUser(ctx context.Context, p *Pool, name string, given []Attribute) (*userRecord, error) {
	if name == "" || len(name) > 128 {
		return nil, invalidParameter("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length between 1 and 128")
	}
	attrs, err := validateAttributes(p, given, true)
	if err != nil {
		return nil, err
	}
	sub := newUUID()
	username := name
	if len(p.UsernameAttributes) > 0 {
		email, phone := slices.Contains(p.UsernameAttributes, "email"), slices.Contains(p.UsernameAttributes, "phone_number")
		switch {
		case email && strings.Contains(name, "@"):
			attrs["email"] = name
		case phone && strings.HasPrefix(name, "+"):
			attrs["phone_number"] = name
		case email && !phone:
			return nil, invalidParameter("Username should be an email.")
		case phone && !email:
			return nil, invalidParameter("Username should be a phone number.")
		default:
			return nil, invalidParameter("Username should be either an email or a phone number.")
		}
		username = sub
		if _, _, err := s.findUser(ctx, p, name); err == nil {
			attr := "email"
			if !strings.Contains(name, "@") {
				attr = "phone_number"
			}
			return nil, awsproto.Errorf(http.StatusBadRequest, "UsernameExistsException", "An account with the given %s already exists.", attr)
		}
	} else if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' }) {
		// Cognito's pattern excludes separators and controls; "/" is ours
		// to refuse, as it separates store keys.
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+", name)
	}
	attrs["sub"] = sub
	for _, a := range p.SchemaAttributes {
		if a.Required != nil && *a.Required && attrs[a.Name] == "" {
			return nil, invalidParameter("Attributes did not conform to the schema: %s: The attribute %s is required", a.Name, a.Name)
		}
	}
	now := s.now().UTC()
	return &userRecord{Username: username, Attributes: attrs, Enabled: true, Created: now, Modified: now}, nil
}

// AdminGetUser returns a user by username or alias.
func (s *Service) AdminGetUser(ctx context.Context, poolID, username string) (User, error) {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return User{}, err
	}
	u, _, err := s.findUser(ctx, &rec.Pool, username)
	if err != nil {
		return User{}, err
	}
	return u.view(nil), nil
}

// AdminDeleteUser removes a user and its index entries.
func (s *Service) AdminDeleteUser(ctx context.Context, poolID, username string) error {
	defer s.forgetLive()
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	u, key, err := s.findUser(ctx, &rec.Pool, username)
	if err != nil {
		return err
	}
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if err := tx.Delete(kindUser, poolID+"/"+key); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return userNotFound()
			}
			return err
		}
		for _, id := range indexEntries(poolID, &u, key) {
			if err := tx.Delete(kindIndex, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		memberships, err := tx.List(kindUserGroups, poolID+"/"+key+"/", "", 0)
		if err != nil {
			return err
		}
		for _, m := range memberships {
			group := strings.TrimPrefix(m.ID, poolID+"/"+key+"/")
			tx.Delete(kindUserGroups, m.ID)
			tx.Delete(kindMember, poolID+"/"+group+"/"+key)
		}
		return nil
	})
}

// updateUser applies fn to a user with compare-and-swap, keeping the
// indexes in step.
func (s *Service) updateUser(ctx context.Context, p *Pool, username string, fn func(*userRecord) error) (userRecord, error) {
	for attempt := 0; ; attempt++ {
		old, key, err := s.findUser(ctx, p, username)
		if err != nil {
			return old, err
		}
		r, err := s.st.Get(ctx, kindUser, p.ID+"/"+key)
		if err != nil {
			return old, err
		}
		var cur userRecord
		if err := json.Unmarshal(r.Data, &cur); err != nil {
			return old, err
		}
		next := cur
		next.Attributes = map[string]string{}
		for k, v := range cur.Attributes {
			next.Attributes[k] = v
		}
		next.Codes = make(map[string]*codeState, len(cur.Codes))
		for k, v := range cur.Codes {
			c := *v
			next.Codes[k] = &c
		}
		var after error
		if err := fn(&next); err != nil {
			var ke keepErr
			if !errors.As(err, &ke) {
				return old, err
			}
			after = ke.err
		}
		next.Modified = s.now().UTC()
		err = s.saveUser(ctx, p, key, &next, &cur, r.Version)
		if errors.Is(err, store.ErrConflict) && attempt < 5 {
			continue
		}
		if err == nil {
			err = after
		}
		return next, err
	}
}

// AdminSetUserPassword sets a permanent (CONFIRMED) or temporary
// (FORCE_CHANGE_PASSWORD) password.
func (s *Service) AdminSetUserPassword(ctx context.Context, poolID, username, password string, permanent bool) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	p := &rec.Pool
	if err := p.Policies.PasswordPolicy.Check(password); err != nil {
		return invalidPassword(err)
	}
	_, err = s.updateUser(ctx, p, username, func(u *userRecord) error {
		if err := s.setPassword(p, u, password); err != nil {
			return err
		}
		u.Failures, u.LockedUntil = 0, time.Time{}
		if permanent {
			u.Status, u.TempExpires = "CONFIRMED", time.Time{}
		} else {
			u.Status = "FORCE_CHANGE_PASSWORD"
			u.TempExpires = s.now().UTC().AddDate(0, 0, p.Policies.PasswordPolicy.TemporaryPasswordValidityDays)
		}
		return nil
	})
	return err
}

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	UserPoolID      string   `json:"UserPoolId"`
	AttributesToGet []string `json:"AttributesToGet"`
	Limit           int      `json:"Limit"`
	PaginationToken string   `json:"PaginationToken"`
	Filter          string   `json:"Filter"`
}

// ListUsers pages through users, by an index when filtered: the cost is
// that of the page, not of the pool.
func (s *Service) ListUsers(ctx context.Context, in *ListUsersInput) ([]User, string, error) {
	rec, err := s.pool(ctx, in.UserPoolID)
	if err != nil {
		return nil, "", err
	}
	p := &rec.Pool
	if in.Limit == 0 {
		in.Limit = 60
	}
	if in.Limit < 0 || in.Limit > 60 {
		return nil, "", invalidParameter("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60", in.Limit)
	}
	f, err := ParseFilter(in.Filter)
	if err != nil {
		return nil, "", invalidParameter("%s", err.Error())
	}
	if f != nil {
		// Status filters ignore case; the index holds the canonical form.
		switch f.Attribute {
		case "cognito:user_status":
			f.Value = strings.ToUpper(f.Value)
		case "status":
			if v := strings.ToLower(f.Value); v != "" {
				f.Value = strings.ToUpper(v[:1]) + v[1:]
			}
		}
	}
	after := ""
	if in.PaginationToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.PaginationToken)
		if err != nil {
			return nil, "", invalidParameter("Invalid pagination token.")
		}
		after = string(b)
	}
	var keep func(string) bool
	if in.AttributesToGet != nil {
		keep = func(n string) bool { return slices.Contains(in.AttributesToGet, n) }
	}
	var out []User
	next := ""
	switch {
	case f == nil || f.Attribute == "username":
		prefix := p.ID + "/"
		if f != nil {
			prefix += userKey(p, f.Value)
		}
		rs, err := s.st.List(ctx, kindUser, prefix, after, in.Limit+1)
		if err != nil {
			return nil, "", err
		}
		for i, r := range rs {
			var u userRecord
			if err := json.Unmarshal(r.Data, &u); err != nil {
				return nil, "", err
			}
			if f != nil && !f.Prefix && userKey(p, f.Value) != userKey(p, u.Username) {
				continue
			}
			if i == in.Limit {
				next = rs[i-1].ID
				break
			}
			out = append(out, u.view(keep))
		}
	default:
		prefix := p.ID + "/" + f.Attribute + "/" + f.Value
		if !f.Prefix {
			prefix += "/"
		}
		rs, err := s.st.List(ctx, kindIndex, prefix, after, in.Limit+1)
		if err != nil {
			return nil, "", err
		}
		for i, r := range rs {
			if i == in.Limit {
				next = rs[i-1].ID
				break
			}
			key := r.ID[strings.LastIndexByte(r.ID, '/')+1:]
			var u userRecord
			if _, err := s.getJSON(ctx, kindUser, p.ID+"/"+key, &u, userNotFound()); err != nil {
				continue // deleted between the index read and now
			}
			if f.Attribute != "cognito:user_status" && f.Attribute != "status" && !f.Match(u.Attributes[f.Attribute]) {
				continue
			}
			out = append(out, u.view(keep))
		}
	}
	if out == nil {
		out = []User{}
	}
	token := ""
	if next != "" {
		token = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return out, token, nil
}
