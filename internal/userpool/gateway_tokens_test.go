package userpool

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

func TestVerifyPoolToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	e.user(t, "nia")
	res, err := e.login(t, "nia", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	id, access := res.AuthenticationResult.IDToken, res.AuthenticationResult.AccessToken
	if c, err := e.s.VerifyPoolToken(ctx, e.pool.ID, id, "id"); err != nil || c["cognito:username"] != "nia" {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := e.s.VerifyPoolToken(ctx, e.pool.ID, access, "id"); !errors.Is(err, tokens.ErrWrongTokenUse) {
		t.Fatalf("access token as id token: %v", err)
	}
	other := newAccounts(t, &PoolInput{})
	if _, err := other.s.VerifyPoolToken(ctx, other.pool.ID, id, "id"); err == nil {
		t.Fatal("another pool accepted the token")
	}
	if _, err := e.s.VerifyPoolToken(ctx, e.pool.ID, id[:len(id)-3]+"AAA", "id"); err == nil {
		t.Fatal("tampered token accepted")
	}
	// Revocation takes effect at once on this node.
	if err := e.s.GlobalSignOut(ctx, access); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.VerifyPoolToken(ctx, e.pool.ID, id, "id"); !errors.Is(err, tokens.ErrRevoked) {
		t.Fatalf("after global sign-out: %v", err)
	}
}
