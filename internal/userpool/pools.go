package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var (
	nameRe   = regexp.MustCompile(`^[\w\s+=,.@-]{1,128}$`)
	poolIDRe = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
)

// poolRecord is what the store keeps per pool.
type poolRecord struct {
	Pool Pool `json:"pool"`
	// Keys are the pool's signing keys, each sealed with the master key.
	Keys [][]byte `json:"keys"`
	// MFA is which second factors the pool offers.
	MFA poolMFA `json:"mfa,omitzero"`
}

// PoolInput is CreateUserPool's (and UpdateUserPool's) request.
type PoolInput struct {
	UserPoolID                  string                       `json:"UserPoolId"`
	PoolName                    *string                      `json:"PoolName"`
	Policies                    *Policies                    `json:"Policies"`
	DeletionProtection          *string                      `json:"DeletionProtection"`
	LambdaConfig                *LambdaConfig                `json:"LambdaConfig"`
	AutoVerifiedAttributes      []string                     `json:"AutoVerifiedAttributes"`
	AliasAttributes             []string                     `json:"AliasAttributes"`
	UsernameAttributes          []string                     `json:"UsernameAttributes"`
	SmsVerificationMessage      *string                      `json:"SmsVerificationMessage"`
	EmailVerificationMessage    *string                      `json:"EmailVerificationMessage"`
	EmailVerificationSubject    *string                      `json:"EmailVerificationSubject"`
	VerificationMessageTemplate *VerificationMessageTemplate `json:"VerificationMessageTemplate"`
	SmsAuthenticationMessage    *string                      `json:"SmsAuthenticationMessage"`
	MfaConfiguration            *string                      `json:"MfaConfiguration"`
	UserAttributeUpdateSettings *UserAttributeUpdateSettings `json:"UserAttributeUpdateSettings"`
	EmailConfiguration          *EmailConfiguration          `json:"EmailConfiguration"`
	SmsConfiguration            *SmsConfiguration            `json:"SmsConfiguration"`
	UserPoolTags                map[string]string            `json:"UserPoolTags"`
	AdminCreateUserConfig       *AdminCreateUserConfig       `json:"AdminCreateUserConfig"`
	Schema                      []SchemaAttribute            `json:"Schema"`
	UsernameConfiguration       *UsernameConfiguration       `json:"UsernameConfiguration"`
	AccountRecoverySetting      *AccountRecoverySetting      `json:"AccountRecoverySetting"`
	UserPoolTier                *string                      `json:"UserPoolTier"`
}

func oneOf(field, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return invalidParameter("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: %v", v, field, allowed)
}

// apply validates in and writes it over p; creating allows the fields
// that are fixed once a pool exists.
func (in *PoolInput) apply(p *Pool, creating bool) error {
	if in.PoolName != nil {
		if !nameRe.MatchString(*in.PoolName) {
			return invalidParameter("1 validation error detected: Value '%s' at 'poolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", *in.PoolName)
		}
		p.Name = *in.PoolName
	}
	if in.Policies != nil {
		pp := in.Policies.PasswordPolicy
		if pp.MinimumLength == 0 {
			pp.MinimumLength = 8
		}
		if pp.MinimumLength < 6 || pp.MinimumLength > 99 {
			return invalidParameter("1 validation error detected: Value '%d' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99", pp.MinimumLength)
		}
		if pp.TemporaryPasswordValidityDays == 0 {
			pp.TemporaryPasswordValidityDays = 7
		}
		if pp.TemporaryPasswordValidityDays < 0 || pp.TemporaryPasswordValidityDays > 365 {
			return invalidParameter("1 validation error detected: Value '%d' at 'policies.passwordPolicy.temporaryPasswordValidityDays' failed to satisfy constraint: Member must have value less than or equal to 365", pp.TemporaryPasswordValidityDays)
		}
		p.Policies.PasswordPolicy = pp
		if in.Policies.SignInPolicy != nil {
			p.Policies.SignInPolicy = in.Policies.SignInPolicy
		}
	}
	if in.DeletionProtection != nil {
		if err := oneOf("deletionProtection", *in.DeletionProtection, "ACTIVE", "INACTIVE"); err != nil {
			return err
		}
		p.DeletionProtection = *in.DeletionProtection
	}
	if in.LambdaConfig != nil {
		p.LambdaConfig = *in.LambdaConfig
	}
	for _, a := range in.AutoVerifiedAttributes {
		if err := oneOf("autoVerifiedAttributes", a, "phone_number", "email"); err != nil {
			return err
		}
	}
	if in.AutoVerifiedAttributes != nil || creating {
		p.AutoVerifiedAttributes = in.AutoVerifiedAttributes
	}
	if creating {
		if len(in.AliasAttributes) > 0 && len(in.UsernameAttributes) > 0 {
			return invalidParameter("Only one of the username attributes or alias attributes can be set in a User Pool.")
		}
		for _, a := range in.AliasAttributes {
			if err := oneOf("aliasAttributes", a, "phone_number", "email", "preferred_username"); err != nil {
				return err
			}
		}
		for _, a := range in.UsernameAttributes {
			if err := oneOf("usernameAttributes", a, "phone_number", "email"); err != nil {
				return err
			}
		}
		p.AliasAttributes, p.UsernameAttributes = in.AliasAttributes, in.UsernameAttributes
		if in.UsernameConfiguration != nil {
			p.UsernameConfiguration = in.UsernameConfiguration
		}
		schema, err := applySchema(standardAttributes(), in.Schema, true)
		if err != nil {
			return err
		}
		p.SchemaAttributes = schema
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.SmsVerificationMessage, in.SmsVerificationMessage)
	set(&p.EmailVerificationMessage, in.EmailVerificationMessage)
	set(&p.EmailVerificationSubject, in.EmailVerificationSubject)
	set(&p.SmsAuthenticationMessage, in.SmsAuthenticationMessage)
	if in.VerificationMessageTemplate != nil {
		t := *in.VerificationMessageTemplate
		if t.DefaultEmailOption == "" {
			t.DefaultEmailOption = "CONFIRM_WITH_CODE"
		}
		p.VerificationMessageTemplate = t
	}
	if in.SmsConfiguration != nil {
		if in.SmsConfiguration.SnsCallerArn == "" {
			return invalidParameter("1 validation error detected: Value null at 'smsConfiguration.snsCallerArn' failed to satisfy constraint: Member must not be null")
		}
		p.SmsConfiguration = in.SmsConfiguration
	}
	if in.MfaConfiguration != nil {
		if err := oneOf("mfaConfiguration", *in.MfaConfiguration, "OFF", "ON", "OPTIONAL"); err != nil {
			return err
		}
		p.MfaConfiguration = *in.MfaConfiguration
	}
	if in.UserAttributeUpdateSettings != nil {
		p.UserAttributeUpdateSettings = in.UserAttributeUpdateSettings
	}
	if in.EmailConfiguration != nil {
		p.EmailConfiguration = *in.EmailConfiguration
	}
	if in.UserPoolTags != nil {
		p.UserPoolTags = in.UserPoolTags
	}
	if in.AdminCreateUserConfig != nil {
		c := *in.AdminCreateUserConfig
		if c.UnusedAccountValidityDays == nil {
			c.UnusedAccountValidityDays = ptr(p.Policies.PasswordPolicy.TemporaryPasswordValidityDays)
		}
		p.AdminCreateUserConfig = c
	}
	if in.AccountRecoverySetting != nil {
		p.AccountRecoverySetting = in.AccountRecoverySetting
	}
	if in.UserPoolTier != nil {
		if err := oneOf("userPoolTier", *in.UserPoolTier, "LITE", "ESSENTIALS", "PLUS"); err != nil {
			return err
		}
		p.UserPoolTier = *in.UserPoolTier
	}
	return nil
}

// defaultPool is a pool with every setting at the default Cognito reports.
func defaultPool(now time.Time) Pool {
	return Pool{
		Policies:                    Policies{PasswordPolicy: DefaultPasswordPolicy(), SignInPolicy: &SignInPolicy{AllowedFirstAuthFactors: []string{"PASSWORD"}}},
		DeletionProtection:          "INACTIVE",
		LastModifiedDate:            epoch(now),
		CreationDate:                epoch(now),
		VerificationMessageTemplate: VerificationMessageTemplate{DefaultEmailOption: "CONFIRM_WITH_CODE"},
		UserAttributeUpdateSettings: &UserAttributeUpdateSettings{AttributesRequireVerificationBeforeUpdate: []string{}},
		MfaConfiguration:            "OFF",
		EmailConfiguration:          EmailConfiguration{EmailSendingAccount: "COGNITO_DEFAULT"},
		UserPoolTags:                map[string]string{},
		AdminCreateUserConfig:       AdminCreateUserConfig{UnusedAccountValidityDays: ptr(7)},
		AccountRecoverySetting: &AccountRecoverySetting{RecoveryMechanisms: []RecoveryOption{
			{Priority: 1, Name: "verified_email"}, {Priority: 2, Name: "verified_phone_number"}}},
		UserPoolTier: "ESSENTIALS",
	}
}

// CreatePool implements CreateUserPool.
func (s *Service) CreatePool(ctx context.Context, in *PoolInput) (Pool, error) {
	if in.PoolName == nil {
		return Pool{}, invalidParameter("1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null")
	}
	p := defaultPool(s.now().UTC())
	if err := in.apply(&p, true); err != nil {
		return Pool{}, err
	}
	for attempt := 0; ; attempt++ {
		p.ID = s.newPoolID()
		p.Arn = fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", s.opts.Region, s.opts.Account, p.ID)
		keys, err := s.newPoolKeys(p.ID)
		if err != nil {
			return Pool{}, err
		}
		// A pool created with MFA and an SMS configuration offers SMS MFA,
		// as on AWS; TOTP needs SetUserPoolMfaConfig.
		mfa := poolMFA{SMS: p.MfaConfiguration != "OFF" && p.SmsConfiguration != nil}
		data, err := json.Marshal(poolRecord{Pool: p, Keys: keys, MFA: mfa})
		if err != nil {
			return Pool{}, err
		}
		_, err = s.st.Create(ctx, kindPool, p.ID, data)
		if errors.Is(err, store.ErrAlreadyExists) && attempt < 3 {
			continue // 62^9 ids: a collision is astronomically rare
		}
		if err != nil {
			return Pool{}, err
		}
		s.log.Info("user pool created", "pool", p.ID, "name", p.Name)
		return p, nil
	}
}

func checkPoolID(id string) error {
	if id == "" {
		return invalidParameter("1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
	}
	if len(id) > 55 || !poolIDRe.MatchString(id) {
		return invalidParameter("1 validation error detected: Value '%s' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+", id)
	}
	return nil
}

// pool loads a pool by id.
func (s *Service) pool(ctx context.Context, id string) (poolRecord, error) {
	var rec poolRecord
	if err := checkPoolID(id); err != nil {
		return rec, err
	}
	return cachedJSON[poolRecord](ctx, s, kindPool, id, poolNotFound(id))
}

// DescribePool implements DescribeUserPool.
func (s *Service) DescribePool(ctx context.Context, id string) (Pool, error) {
	rec, err := s.pool(ctx, id)
	return rec.Pool, err
}

// UpdatePool implements UpdateUserPool: fields left out are reset to
// their defaults, as Cognito's UpdateUserPool does for most of them; the
// ones that cannot change after creation keep their values.
func (s *Service) UpdatePool(ctx context.Context, in *PoolInput) error {
	if err := checkPoolID(in.UserPoolID); err != nil {
		return err
	}
	_, err := updateJSON(ctx, s, kindPool, in.UserPoolID, poolNotFound(in.UserPoolID), func(rec *poolRecord) error {
		old := rec.Pool
		p := defaultPool(s.now().UTC())
		// What UpdateUserPool cannot change carries over.
		p.ID, p.Arn, p.Name, p.CreationDate = old.ID, old.Arn, old.Name, old.CreationDate
		p.SchemaAttributes, p.AliasAttributes, p.UsernameAttributes = old.SchemaAttributes, old.AliasAttributes, old.UsernameAttributes
		p.UsernameConfiguration, p.Domain, p.EstimatedNumberOfUsers = old.UsernameConfiguration, old.Domain, old.EstimatedNumberOfUsers
		if in.UserPoolTags == nil {
			p.UserPoolTags = old.UserPoolTags // tags have their own operations
		}
		if err := in.apply(&p, false); err != nil {
			return err
		}
		rec.Pool = p
		return nil
	})
	return err
}

// DeletePool implements DeleteUserPool: the pool and everything in it.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	rec, err := s.pool(ctx, id)
	if err != nil {
		return err
	}
	if rec.Pool.DeletionProtection == "ACTIVE" {
		return invalidParameter("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
	}
	defer s.keys.Delete(id)
	defer s.forgetConfig()
	return s.st.Tx(ctx, func(tx store.Tx) error {
		if err := tx.Delete(kindPool, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return poolNotFound(id)
			}
			return err
		}
		clients, err := tx.List(kindClient, id+"/", "", 0)
		if err != nil {
			return err
		}
		for _, c := range clients {
			if err := tx.Delete(kindClient, c.ID); err != nil {
				return err
			}
			if err := tx.Delete(kindClientPool, strings.TrimPrefix(c.ID, id+"/")); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		for _, kind := range []string{kindUser, kindIndex, kindGroup, kindMember, kindUserGroups, kindResourceServer} {
			rs, err := tx.List(kind, id+"/", "", 0)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if err := tx.Delete(kind, r.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// PoolSummary is one entry of ListUserPools.
type PoolSummary struct {
	ID               string       `json:"Id"`
	Name             string       `json:"Name"`
	LambdaConfig     LambdaConfig `json:"LambdaConfig"`
	LastModifiedDate epoch        `json:"LastModifiedDate"`
	CreationDate     epoch        `json:"CreationDate"`
}

// ListPools implements ListUserPools.
func (s *Service) ListPools(ctx context.Context, max int, next string) ([]PoolSummary, string, error) {
	if max < 1 || max > 60 {
		return nil, "", invalidParameter("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", max)
	}
	rs, err := s.st.List(ctx, kindPool, "", next, max+1)
	if err != nil {
		return nil, "", err
	}
	token := ""
	if len(rs) > max {
		rs = rs[:max]
		token = rs[len(rs)-1].ID
	}
	out := make([]PoolSummary, 0, len(rs))
	for _, r := range rs {
		var rec poolRecord
		if err := json.Unmarshal(r.Data, &rec); err != nil {
			return nil, "", err
		}
		p := rec.Pool
		out = append(out, PoolSummary{ID: p.ID, Name: p.Name, LambdaConfig: p.LambdaConfig, LastModifiedDate: p.LastModifiedDate, CreationDate: p.CreationDate})
	}
	return out, token, nil
}
