package userpool

import (
	"strings"
	"testing"
)

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPasswordPolicy()
	for pw, want := range map[string]string{
		"Passw0rd!":                "",
		"Pass w0rdX":               "", // a space is a symbol
		"Pa0!":                     "Password not long enough",
		"password0!":               "Password must have uppercase characters",
		"PASSWORD0!":               "Password must have lowercase characters",
		"Password!!":               "Password must have numeric characters",
		"Password00":               "Password must have symbol characters",
		"Pässwörd0!":               "",
		strings.Repeat("Aa0!", 65): "Password is too long",
	} {
		err := p.Check(pw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", pw, err)
		case want != "" && (err == nil || err.Error() != want):
			t.Errorf("%q: %v, want %q", pw, err, want)
		}
	}
	loose := PasswordPolicy{MinimumLength: 6}
	if err := loose.Check("abcdef"); err != nil {
		t.Fatalf("loose policy: %v", err)
	}
}

func TestTemporaryPasswordMeetsPolicy(t *testing.T) {
	t.Parallel()
	for _, p := range []PasswordPolicy{DefaultPasswordPolicy(), {MinimumLength: 20, RequireSymbols: true, RequireNumbers: true}} {
		seen := map[string]bool{}
		for i := 0; i < 200; i++ {
			pw, err := p.TemporaryPassword(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Check(pw); err != nil {
				t.Fatalf("temporary password %q fails its own policy: %v", pw, err)
			}
			if seen[pw] {
				t.Fatalf("temporary password repeated: %q", pw)
			}
			seen[pw] = true
		}
	}
}
