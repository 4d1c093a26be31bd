package userpool

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/userpool/srp"
)

// newImportService is a Service on a fresh SQLite store.
func newImportService(t *testing.T) *Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := secrets.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Store: st, Box: box, Region: "us-east-1", Account: "000000000000", Endpoint: "http://127.0.0.1"})
}

func wantImportCode(t *testing.T, err error, code string) {
	t.Helper()
	if e, ok := awsproto.AsError(err); !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestImportUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newImportService(t)
	p, err := s.CreatePool(ctx, &PoolInput{PoolName: ptr("imports"), AliasAttributes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ImportUsers(ctx, p.ID, []ImportedUser{
		{Username: "alice", Attributes: map[string]string{"email": "alice@example.com", "email_verified": "true", "name": "Alice"}},
		{Username: "bob", Attributes: map[string]string{"email": "bob@example.com"}},
		{Username: "carol"},
	})
	if err != nil {
		t.Fatal(err)
	}

	// A verified email is a sign-in alias, as for any other user.
	u, err := s.AdminGetUser(ctx, p.ID, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range u.Attributes {
		attrs[a.Name] = a.Value
	}
	if u.Username != "alice" || u.UserStatus != "RESET_REQUIRED" || !u.Enabled || len(attrs["sub"]) != 36 || attrs["name"] != "Alice" {
		t.Fatalf("imported user: %+v", u)
	}
	if _, err := s.AdminGetUser(ctx, p.ID, "bob@example.com"); err == nil {
		t.Fatal("an unverified email resolved as an alias")
	}

	for filter, want := range map[string]string{
		`email = "bob@example.com"`:              "bob",
		`cognito:user_status = "reset_required"`: "alice,bob,carol",
		`sub = "` + attrs["sub"] + `"`:           "alice",
		`username ^= "car"`:                      "carol",
	} {
		users, _, err := s.ListUsers(ctx, &ListUsersInput{UserPoolID: p.ID, Filter: filter})
		if err != nil {
			t.Fatal(filter, err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		if got := strings.Join(names, ","); got != want {
			t.Errorf("ListUsers %s: %s, want %s", filter, got, want)
		}
	}

	// Imported users have no password: sign-in asks for a reset, by
	// password and by SRP alike.
	c, err := s.CreateClient(ctx, &ClientInput{UserPoolID: p.ID, ClientName: ptr("app"),
		ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func() error {
		_, err := s.InitiateAuth(ctx, &AuthInput{ClientID: c.ClientID, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}, false)
		return err
	}
	wantImportCode(t, signIn(), "PasswordResetRequiredException")
	sc, err := srp.NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.InitiateAuth(ctx, &AuthInput{ClientID: c.ClientID, AuthFlow: "USER_SRP_AUTH",
		AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": sc.A()}}, false)
	wantImportCode(t, err, "PasswordResetRequiredException")

	// Once a password is set, the imported user is an ordinary one.
	if err := s.AdminSetUserPassword(ctx, p.ID, "alice", "Passw0rd!", true); err != nil {
		t.Fatal(err)
	}
	if err := signIn(); err != nil {
		t.Fatal(err)
	}
}

func TestImportUsersRefusesDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newImportService(t)
	p, err := s.CreatePool(ctx, &PoolInput{PoolName: ptr("dups")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdminCreateUser(ctx, &AdminCreateUserInput{UserPoolID: p.ID, Username: "Existing"}); err != nil {
		t.Fatal(err)
	}
	// Usernames are case-insensitive by default.
	wantImportCode(t, s.ImportUsers(ctx, p.ID, []ImportedUser{{Username: "existing"}}), "UsernameExistsException")

	// A duplicate within one call is caught before anything is written.
	wantImportCode(t, s.ImportUsers(ctx, p.ID, []ImportedUser{{Username: "dave"}, {Username: "DAVE"}}), "UsernameExistsException")
	wantImportCode(t, importErrOf(s.AdminGetUser(ctx, p.ID, "dave")), "UserNotFoundException")

	// One already in the store fails its own batch; earlier batches stay.
	var many []ImportedUser
	for i := range importBatch + 10 {
		many = append(many, ImportedUser{Username: fmt.Sprintf("user%05d", i)})
	}
	many[importBatch+5].Username = "existing"
	err = s.ImportUsers(ctx, p.ID, many)
	wantImportCode(t, err, "UsernameExistsException")
	if !strings.Contains(err.Error(), fmt.Sprintf("%d users imported", importBatch)) {
		t.Errorf("error does not say how many were imported: %v", err)
	}
	if _, err := s.AdminGetUser(ctx, p.ID, fmt.Sprintf("user%05d", importBatch-1)); err != nil {
		t.Errorf("first batch: %v", err)
	}
	wantImportCode(t, importErrOf(s.AdminGetUser(ctx, p.ID, fmt.Sprintf("user%05d", importBatch))), "UserNotFoundException")
}

func TestImportUsersEmailAsUsername(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newImportService(t)
	p, err := s.CreatePool(ctx, &PoolInput{PoolName: ptr("emails"), UsernameAttributes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportUsers(ctx, p.ID, []ImportedUser{{Username: "erin@example.com"}}); err != nil {
		t.Fatal(err)
	}
	u, err := s.AdminGetUser(ctx, p.ID, "erin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// As with AdminCreateUser, the stored username is the sub.
	sub := ""
	for _, a := range u.Attributes {
		if a.Name == "sub" {
			sub = a.Value
		}
	}
	if u.Username != sub || u.UserStatus != "RESET_REQUIRED" {
		t.Fatalf("imported user: %+v", u)
	}
	wantImportCode(t, s.ImportUsers(ctx, p.ID, []ImportedUser{{Username: "erin@example.com"}}), "UsernameExistsException")
	wantImportCode(t, s.ImportUsers(ctx, p.ID, []ImportedUser{{Username: "frank@example.com"}, {Username: "frank@example.com"}}), "UsernameExistsException")
	wantImportCode(t, s.ImportUsers(ctx, p.ID, []ImportedUser{{Username: "not-an-email"}}), "InvalidParameterException")
}

func TestImportUsersValidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newImportService(t)
	p, err := s.CreatePool(ctx, &PoolInput{PoolName: ptr("strict"), Schema: []SchemaAttribute{{Name: "email", Required: ptr(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{"email": "g@example.com"}
	for name, users := range map[string][]ImportedUser{
		"unknown attribute":  {{Username: "g", Attributes: map[string]string{"email": "g@example.com", "shoe_size": "9"}}},
		"sub given":          {{Username: "g", Attributes: map[string]string{"email": "g@example.com", "sub": "x"}}},
		"required missing":   {{Username: "g"}},
		"empty username":     {{Username: "", Attributes: ok}},
		"long username":      {{Username: strings.Repeat("g", 129), Attributes: ok}},
		"slash in username":  {{Username: "g/h", Attributes: ok}},
		"bad user after one": {{Username: "h", Attributes: ok}, {Username: "g"}},
	} {
		t.Run(name, func(t *testing.T) { wantImportCode(t, s.ImportUsers(ctx, p.ID, users), "InvalidParameterException") })
	}
	// Validation comes before any write: "h" above was not imported.
	wantImportCode(t, importErrOf(s.AdminGetUser(ctx, p.ID, "h")), "UserNotFoundException")
	wantImportCode(t, s.ImportUsers(ctx, "us-east-1_nothere", []ImportedUser{{Username: "g", Attributes: ok}}), "ResourceNotFoundException")
}

func importErrOf[T any](_ T, err error) error { return err }
