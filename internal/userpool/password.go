package userpool

import (
	"net/http"

	"crypto/rand"
	"errors"
	"github.com/gatehouse/gatehouse/internal/awsproto"
	"io"
	"math/big"
	"strings"
	"unicode/utf8"
)

// PasswordPolicy is a pool's password policy, with Cognito's JSON names.
type PasswordPolicy struct {
	MinimumLength                 int  `json:"MinimumLength"`
	RequireUppercase              bool `json:"RequireUppercase"`
	RequireLowercase              bool `json:"RequireLowercase"`
	RequireNumbers                bool `json:"RequireNumbers"`
	RequireSymbols                bool `json:"RequireSymbols"`
	PasswordHistorySize           *int `json:"PasswordHistorySize,omitempty"`
	TemporaryPasswordValidityDays int  `json:"TemporaryPasswordValidityDays"`
}

// DefaultPasswordPolicy is what a new pool reports when none is given.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
}

// symbols are the characters Cognito counts as symbols (a space counts too).
const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// Check returns the InvalidPasswordException message for a password the
// policy refuses, in Cognito's order and words, or nil.
func (p PasswordPolicy) Check(pw string) error {
	const prefix = ""
	if utf8.RuneCountInString(pw) < p.MinimumLength {
		return errors.New(prefix + "Password not long enough")
	}
	if len(pw) > 256 {
		return errors.New(prefix + "Password is too long")
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 128 && strings.ContainsRune(symbols, r):
			symbol = true
		}
	}
	switch {
	case p.RequireUppercase && !upper:
		return errors.New(prefix + "Password must have uppercase characters")
	case p.RequireLowercase && !lower:
		return errors.New(prefix + "Password must have lowercase characters")
	case p.RequireNumbers && !digit:
		return errors.New(prefix + "Password must have numeric characters")
	case p.RequireSymbols && !symbol:
		return errors.New(prefix + "Password must have symbol characters")
	}
	return nil
}

// TemporaryPassword generates a password the policy accepts, for
// AdminCreateUser without one: every character class once, the rest mixed,
// shuffled, at least 12 characters.
func (p PasswordPolicy) TemporaryPassword(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	// Symbols that shells and the aws CLI's shorthand syntax leave alone,
	// so a password pasted from the outbox works as typed.
	classes := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "-_.+%@"}
	n := max(p.MinimumLength, 12)
	out := make([]byte, 0, n)
	pick := func(set string) error {
		i, err := rand.Int(random, big.NewInt(int64(len(set))))
		if err != nil {
			return err
		}
		out = append(out, set[i.Int64()])
		return nil
	}
	for _, c := range classes {
		if err := pick(c); err != nil {
			return "", err
		}
	}
	all := strings.Join(classes, "")
	for len(out) < n {
		if err := pick(all); err != nil {
			return "", err
		}
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(random, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

// invalidPassword is the InvalidPasswordException for a refused password,
// worded as Cognito words it outside SignUp.
func invalidPassword(reason error) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidPasswordException", "Password does not conform to policy: %s", reason.Error())
}
