package userpool

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRotateSigningKeysKeepsLiveTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	e.user(t, "jo")
	before, err := e.login(t, "jo", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	kids, err := e.s.RotateSigningKeys(ctx, e.pool.ID)
	if err != nil || kids["id"] == "" || kids["access"] == "" {
		t.Fatalf("%v %v", kids, err)
	}
	// Tokens from the old keys still work; new ones are signed by the new keys.
	if _, err := e.s.GetUser(ctx, before.AuthenticationResult.AccessToken); err != nil {
		t.Fatal(err)
	}
	after, _ := e.login(t, "jo", "Passw0rd!")
	ks, _ := e.s.keySet(ctx, e.pool.ID)
	if ks.Active("access").Kid != kids["access"] || len(ks.Keys()) != 4 {
		t.Fatalf("active %s, %d keys", ks.Active("access").Kid, len(ks.Keys()))
	}
	if _, err := e.s.GetUser(ctx, after.AuthenticationResult.AccessToken); err != nil {
		t.Fatal(err)
	}
	jwks := string(ks.JWKS(e.s.now(), 24*time.Hour))
	if strings.Count(jwks, `"kid"`) != 4 {
		t.Fatalf("jwks: %s", jwks)
	}
	// A day later the old keys are gone from the set on the next rotation.
	*e.now = e.now.Add(25 * time.Hour)
	if _, err := e.s.RotateSigningKeys(ctx, e.pool.ID); err != nil {
		t.Fatal(err)
	}
	ks, _ = e.s.keySet(ctx, e.pool.ID)
	if len(ks.Keys()) != 4 {
		t.Fatalf("%d keys after pruning", len(ks.Keys()))
	}
}
