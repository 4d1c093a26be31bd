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

func TestRefreshTokenRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	e.user(t, "kim")
	grace := 10
	c, err := e.s.CreateClient(ctx, &ClientInput{UserPoolID: e.pool.ID, ClientName: ptr("rotating"), GenerateSecret: true,
		ExplicitAuthFlows:    []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		RefreshTokenRotation: &RefreshTokenRotation{Feature: "ENABLED", RetryGracePeriodSeconds: &grace}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.s.InitiateAuth(ctx, &AuthInput{UserPoolID: e.pool.ID, ClientID: c.ClientID, AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
		AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": "Passw0rd!", "SECRET_HASH": secretHashFor(c, "kim")}}, true)
	if err != nil {
		t.Fatal(err)
	}
	rt := res.AuthenticationResult.RefreshToken
	_, err = e.s.InitiateAuth(ctx, &AuthInput{ClientID: c.ClientID, AuthFlow: "REFRESH_TOKEN_AUTH",
		AuthParameters: map[string]string{"REFRESH_TOKEN": rt, "SECRET_HASH": secretHashFor(c, "kim")}}, false)
	wantErr(t, err, "NotAuthorizedException", "")
	_, err = e.s.GetTokensFromRefreshToken(ctx, rt, c.ClientID, "wrong", nil)
	wantErr(t, err, "NotAuthorizedException", "Unable to verify secret hash for client "+c.ClientID)

	first, err := e.s.GetTokensFromRefreshToken(ctx, rt, c.ClientID, c.ClientSecret, nil)
	if err != nil || first.AuthenticationResult.RefreshToken == "" || first.AuthenticationResult.RefreshToken == rt {
		t.Fatalf("%+v %v", first, err)
	}
	// Within the grace period the old token still works (a retry)...
	if _, err := e.s.GetTokensFromRefreshToken(ctx, rt, c.ClientID, c.ClientSecret, nil); err != nil {
		t.Fatal(err)
	}
	// ...and after it, never again; the new one carries on.
	*e.now = e.now.Add(11 * time.Second)
	_, err = e.s.GetTokensFromRefreshToken(ctx, rt, c.ClientID, c.ClientSecret, nil)
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token.")
	second, err := e.s.GetTokensFromRefreshToken(ctx, first.AuthenticationResult.RefreshToken, c.ClientID, c.ClientSecret, nil)
	if err != nil || second.AuthenticationResult.IDToken == "" {
		t.Fatalf("%+v %v", second, err)
	}
	// Revoking the newest token ends the whole lineage.
	if err := e.s.RevokeToken(ctx, second.AuthenticationResult.RefreshToken, c.ClientID, c.ClientSecret); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetUser(ctx, first.AuthenticationResult.AccessToken)
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
}

func TestSweepForgetsOnlyWhatNoLongerMatters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	e.user(t, "lee")
	short := 1
	c, err := e.s.CreateClient(ctx, &ClientInput{UserPoolID: e.pool.ID, ClientName: ptr("short"), ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		RefreshTokenValidity: &short, TokenValidityUnits: &TokenValidityUnits{RefreshToken: "hours"}})
	if err != nil {
		t.Fatal(err)
	}
	login := func(client string) string {
		res, err := e.s.InitiateAuth(ctx, &AuthInput{ClientID: client, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "lee", "PASSWORD": "Passw0rd!"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		return res.AuthenticationResult.RefreshToken
	}
	shortRT, longRT := login(c.ClientID), login(e.client.ClientID)
	if n, err := e.s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("fresh sweep deleted %d (%v)", n, err)
	}
	*e.now = e.now.Add(2 * time.Hour)
	if n, err := e.s.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep deleted %d (%v), want the one expired refresh token", n, err)
	}
	refresh := func(client, rt string) error {
		_, err := e.s.InitiateAuth(ctx, &AuthInput{ClientID: client, AuthFlow: "REFRESH_TOKEN_AUTH",
			AuthParameters: map[string]string{"REFRESH_TOKEN": rt}}, false)
		return err
	}
	wantErr(t, refresh(c.ClientID, shortRT), "NotAuthorizedException", "Invalid Refresh Token.")
	if err := refresh(e.client.ClientID, longRT); err != nil {
		t.Fatal(err)
	}
}

// TestRotationSeenByAnotherNode: two services on one store, as two nodes
// sharing a database; a rotation on one reaches the other's signing and
// verification within the configuration cache's lifetime.
func TestRotationSeenByAnotherNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	e.user(t, "mo")
	other := New(e.s.opts)
	before, err := other.keySet(ctx, e.pool.ID)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := e.s.RotateSigningKeys(ctx, e.pool.ID)
	if err != nil {
		t.Fatal(err)
	}
	if before.Active("access").Kid == kids["access"] {
		t.Fatal("rotation produced the same kid")
	}
	time.Sleep(configTTL + 100*time.Millisecond)
	after, err := other.keySet(ctx, e.pool.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Active("access").Kid != kids["access"] || after.Active("id").Kid != kids["id"] {
		t.Fatalf("other node still signs with %s", after.Active("access").Kid)
	}
}
