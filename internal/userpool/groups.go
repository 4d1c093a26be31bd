package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

const (
	kindGroup      = "userpool-group"       // id: poolID/group
	kindMember     = "userpool-member"      // id: poolID/group/userkey
	kindUserGroups = "userpool-user-groups" // id: poolID/userkey/group
)

// Group is Cognito's GroupType.
type Group struct {
	GroupName        string `json:"GroupName"`
	UserPoolID       string `json:"UserPoolId"`
	Description      string `json:"Description,omitempty"`
	RoleArn          string `json:"RoleArn,omitempty"`
	Precedence       *int   `json:"Precedence,omitempty"`
	LastModifiedDate epoch  `json:"LastModifiedDate"`
	CreationDate     epoch  `json:"CreationDate"`
}

// GroupInput is CreateGroup's and UpdateGroup's request.
type GroupInput struct {
	GroupName   string  `json:"GroupName"`
	UserPoolID  string  `json:"UserPoolId"`
	Description *string `json:"Description"`
	RoleArn     *string `json:"RoleArn"`
	Precedence  *int    `json:"Precedence"`
}

func groupNotFound() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ResourceNotFoundException", "Group not found.")
}

func checkGroupName(name string) error {
	if name == "" || len(name) > 128 || strings.ContainsAny(name, "/\x00") {
		return invalidParameter("1 validation error detected: Value '%s' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+", name)
	}
	return nil
}

func (in *GroupInput) apply(g *Group) error {
	if in.Description != nil {
		if len(*in.Description) > 2048 {
			return invalidParameter("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048")
		}
		g.Description = *in.Description
	}
	if in.RoleArn != nil {
		g.RoleArn = *in.RoleArn
	}
	if in.Precedence != nil {
		if *in.Precedence < 0 {
			return invalidParameter("1 validation error detected: Value '%d' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.Precedence)
		}
		g.Precedence = in.Precedence
	}
	return nil
}

// CreateGroup implements CreateGroup.
func (s *Service) CreateGroup(ctx context.Context, in *GroupInput) (Group, error) {
	if _, err := s.pool(ctx, in.UserPoolID); err != nil {
		return Group{}, err
	}
	if err := checkGroupName(in.GroupName); err != nil {
		return Group{}, err
	}
	now := epoch(s.now().UTC())
	g := Group{GroupName: in.GroupName, UserPoolID: in.UserPoolID, CreationDate: now, LastModifiedDate: now}
	if err := in.apply(&g); err != nil {
		return Group{}, err
	}
	data, _ := json.Marshal(g)
	if _, err := s.st.Create(ctx, kindGroup, in.UserPoolID+"/"+in.GroupName, data); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return Group{}, awsproto.Errorf(http.StatusBadRequest, "GroupExistsException", "A group with the name %s already exists.", in.GroupName)
		}
		return Group{}, err
	}
	return g, nil
}

// GetGroup implements GetGroup.
func (s *Service) GetGroup(ctx context.Context, poolID, name string) (Group, error) {
	if _, err := s.pool(ctx, poolID); err != nil {
		return Group{}, err
	}
	var g Group
	_, err := s.getJSON(ctx, kindGroup, poolID+"/"+name, &g, groupNotFound())
	return g, err
}

// UpdateGroup implements UpdateGroup.
func (s *Service) UpdateGroup(ctx context.Context, in *GroupInput) (Group, error) {
	if _, err := s.pool(ctx, in.UserPoolID); err != nil {
		return Group{}, err
	}
	return updateJSON(ctx, s, kindGroup, in.UserPoolID+"/"+in.GroupName, groupNotFound(), func(g *Group) error {
		if err := in.apply(g); err != nil {
			return err
		}
		g.LastModifiedDate = epoch(s.now().UTC())
		return nil
	})
}

// DeleteGroup implements DeleteGroup, with its memberships.
func (s *Service) DeleteGroup(ctx context.Context, poolID, name string) error {
	if _, err := s.pool(ctx, poolID); err != nil {
		return err
	}
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if err := tx.Delete(kindGroup, poolID+"/"+name); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return groupNotFound()
			}
			return err
		}
		members, err := tx.List(kindMember, poolID+"/"+name+"/", "", 0)
		if err != nil {
			return err
		}
		for _, m := range members {
			key := strings.TrimPrefix(m.ID, poolID+"/"+name+"/")
			tx.Delete(kindMember, m.ID)
			tx.Delete(kindUserGroups, poolID+"/"+key+"/"+name)
		}
		return nil
	})
}

// ListGroups implements ListGroups.
func (s *Service) ListGroups(ctx context.Context, poolID string, limit int, next string) ([]Group, string, error) {
	if _, err := s.pool(ctx, poolID); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	after := ""
	if next != "" {
		after = poolID + "/" + next
	}
	rs, err := s.st.List(ctx, kindGroup, poolID+"/", after, limit+1)
	if err != nil {
		return nil, "", err
	}
	token := ""
	if len(rs) > limit {
		rs = rs[:limit]
		token = strings.TrimPrefix(rs[len(rs)-1].ID, poolID+"/")
	}
	out := []Group{}
	for _, r := range rs {
		var g Group
		if err := json.Unmarshal(r.Data, &g); err != nil {
			return nil, "", err
		}
		out = append(out, g)
	}
	return out, token, nil
}

// membership adds (add) or removes a user's membership of a group.
func (s *Service) membership(ctx context.Context, poolID, username, group string, add bool) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	if _, err := s.GetGroup(ctx, poolID, group); err != nil {
		return err
	}
	_, key, err := s.findUser(ctx, &rec.Pool, username)
	if err != nil {
		return err
	}
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if add {
			if _, err := tx.Create(kindMember, poolID+"/"+group+"/"+key, nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
				return err
			}
			if _, err := tx.Create(kindUserGroups, poolID+"/"+key+"/"+group, nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
				return err
			}
			return nil
		}
		for _, id := range []struct{ kind, id string }{{kindMember, poolID + "/" + group + "/" + key}, {kindUserGroups, poolID + "/" + key + "/" + group}} {
			if err := tx.Delete(id.kind, id.id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// groupsOf returns a user's groups, lowest precedence first (then name):
// the order of cognito:groups, and the first with a role is preferred.
func (s *Service) groupsOf(ctx context.Context, poolID, key string) ([]Group, error) {
	rs, err := s.st.List(ctx, kindUserGroups, poolID+"/"+key+"/", "", 0)
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, r := range rs {
		name := strings.TrimPrefix(r.ID, poolID+"/"+key+"/")
		var g Group
		if _, err := s.getJSON(ctx, kindGroup, poolID+"/"+name, &g, groupNotFound()); err == nil {
			out = append(out, g)
		}
	}
	prec := func(g Group) int {
		if g.Precedence == nil {
			return int(^uint(0) >> 1)
		}
		return *g.Precedence
	}
	sort.SliceStable(out, func(i, j int) bool {
		if prec(out[i]) != prec(out[j]) {
			return prec(out[i]) < prec(out[j])
		}
		return out[i].GroupName < out[j].GroupName
	})
	return out, nil
}

// AdminListGroupsForUser implements AdminListGroupsForUser.
func (s *Service) AdminListGroupsForUser(ctx context.Context, poolID, username string) ([]Group, error) {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	_, key, err := s.findUser(ctx, &rec.Pool, username)
	if err != nil {
		return nil, err
	}
	gs, err := s.groupsOf(ctx, poolID, key)
	if gs == nil {
		gs = []Group{}
	}
	return gs, err
}

// ListUsersInGroup implements ListUsersInGroup.
func (s *Service) ListUsersInGroup(ctx context.Context, poolID, group string, limit int, next string) ([]User, string, error) {
	if _, err := s.GetGroup(ctx, poolID, group); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	after := ""
	if next != "" {
		after = poolID + "/" + group + "/" + next
	}
	rs, err := s.st.List(ctx, kindMember, poolID+"/"+group+"/", after, limit+1)
	if err != nil {
		return nil, "", err
	}
	token := ""
	if len(rs) > limit {
		rs = rs[:limit]
		token = strings.TrimPrefix(rs[len(rs)-1].ID, poolID+"/"+group+"/")
	}
	out := []User{}
	for _, r := range rs {
		key := strings.TrimPrefix(r.ID, poolID+"/"+group+"/")
		var u userRecord
		if _, err := s.getJSON(ctx, kindUser, poolID+"/"+key, &u, userNotFound()); err == nil {
			out = append(out, u.view(nil))
		}
	}
	return out, token, nil
}

// groupClaims are cognito:groups, cognito:roles and cognito:preferred_role.
func groupClaims(gs []Group) (names, roles []string, preferred string) {
	best := -1
	tie := false
	for _, g := range gs {
		names = append(names, g.GroupName)
		if g.RoleArn == "" {
			continue
		}
		roles = append(roles, g.RoleArn)
		if g.Precedence == nil {
			continue
		}
		switch {
		case best < 0 || *g.Precedence < best:
			best, preferred, tie = *g.Precedence, g.RoleArn, false
		case *g.Precedence == best && g.RoleArn != preferred:
			tie = true
		}
	}
	if tie {
		preferred = ""
	}
	return names, roles, preferred
}
