package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/userpool/srp"
)

// password is every login user's password; it meets the default policy.
const password = "Bench-Passw0rd!"

func loginName(i int) string { return fmt.Sprintf("login-%06d", i) }

// setup creates the pool, the app client and the login users.
func (b *bench) setup() error {
	var pool struct{ UserPool struct{ Id string } }
	if err := b.api.call("CreateUserPool", true, map[string]any{"PoolName": "poolbench"}, &pool); err != nil {
		return fmt.Errorf("CreateUserPool: %w", err)
	}
	b.poolID = pool.UserPool.Id
	var client struct{ UserPoolClient struct{ ClientId string } }
	err := b.api.call("CreateUserPoolClient", true, map[string]any{
		"UserPoolId": b.poolID, "ClientName": "poolbench",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"},
	}, &client)
	if err != nil {
		return fmt.Errorf("CreateUserPoolClient: %w", err)
	}
	b.clientID = client.UserPoolClient.ClientId
	start := time.Now()
	err = forEach(b.logins, b.conc, func(i int) error {
		name := loginName(i)
		err := b.api.call("AdminCreateUser", true, map[string]any{
			"UserPoolId": b.poolID, "Username": name, "MessageAction": "SUPPRESS",
			"UserAttributes": []attr{{"email", name + "@example.com"}, {"email_verified", "true"}},
		}, nil)
		if err != nil {
			return fmt.Errorf("AdminCreateUser: %w", err)
		}
		err = b.api.call("AdminSetUserPassword", true, map[string]any{
			"UserPoolId": b.poolID, "Username": name, "Password": password, "Permanent": true}, nil)
		if err != nil {
			return fmt.Errorf("AdminSetUserPassword: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.refresh = make([]string, b.logins)
	b.note("created %d login users in %.1f s", b.logins, time.Since(start).Seconds())
	return nil
}

// user is the login user worker w takes for its i-th operation: workers
// take disjoint turns, so no two sign in as the same user at once.
func (b *bench) user(w, i int) int { return (i*b.conc + w) % b.logins }

// passwordLogin is InitiateAuth with USER_PASSWORD_AUTH; it keeps the
// refresh token for the refresh phase.
func (b *bench) passwordLogin(w, i int) error {
	u := b.user(w, i)
	out, err := b.api.initiateAuth(b.clientID, "USER_PASSWORD_AUTH", map[string]string{"USERNAME": loginName(u), "PASSWORD": password})
	if err == nil {
		err = out.tokens()
	}
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.refresh[u] = out.AuthenticationResult.RefreshToken
	b.mu.Unlock()
	return nil
}

// srpLogin is a full USER_SRP_AUTH sign-in: InitiateAuth, the client's
// proof, RespondToAuthChallenge with PASSWORD_VERIFIER. The client's
// modular exponentiations run here, on the same cores as the server.
func (b *bench) srpLogin(w, i int) error {
	c, err := srp.NewClientSize(rand.Reader, b.srpABytes)
	if err != nil {
		return err
	}
	out, err := b.api.initiateAuth(b.clientID, "USER_SRP_AUTH", map[string]string{"USERNAME": loginName(b.user(w, i)), "SRP_A": c.A()})
	if err != nil {
		return err
	}
	if out.ChallengeName != "PASSWORD_VERIFIER" {
		return fmt.Errorf("challenge %q, want PASSWORD_VERIFIER", out.ChallengeName)
	}
	p := out.ChallengeParameters
	ts := srp.FormatTimestamp(time.Now())
	sig, err := c.Respond(srp.PoolName(b.poolID), p["USER_ID_FOR_SRP"], password, p["SRP_B"], p["SALT"], p["SECRET_BLOCK"], ts)
	if err != nil {
		return err
	}
	var res authOutput
	err = b.api.call("RespondToAuthChallenge", false, map[string]any{
		"ClientId": b.clientID, "ChallengeName": "PASSWORD_VERIFIER",
		"ChallengeResponses": map[string]string{
			"USERNAME": p["USERNAME"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts,
		},
	}, &res)
	if err != nil {
		return err
	}
	return res.tokens()
}

// signInAll gives every login user a refresh token, signing in those the
// password phase did not reach.
func (b *bench) signInAll() error {
	var missing []int
	for u, rt := range b.refresh {
		if rt == "" {
			missing = append(missing, u)
		}
	}
	return forEach(len(missing), b.conc, func(i int) error {
		// passwordLogin's worker w and turn 0 pick user w.
		return b.passwordLogin(missing[i], 0)
	})
}

// refreshLogin is InitiateAuth with REFRESH_TOKEN_AUTH.
func (b *bench) refreshLogin(w, i int) error {
	rt := b.refresh[b.user(w, i)]
	if rt == "" {
		return errors.New("no refresh token for this user")
	}
	out, err := b.api.initiateAuth(b.clientID, "REFRESH_TOKEN_AUTH", map[string]string{"REFRESH_TOKEN": rt})
	if err == nil {
		err = out.tokens()
	}
	return err
}

// signUp is SignUp with a fresh username, as AWS documents it: the
// answer has UserConfirmed, UserSub and (when a code was sent)
// CodeDeliveryDetails.
func (b *bench) signUp(w, i int) error {
	name := fmt.Sprintf("signup-%s-%d-%d", b.runID, w, i)
	var out struct {
		UserConfirmed       *bool
		UserSub             string
		CodeDeliveryDetails *struct{ Destination, DeliveryMedium, AttributeName string }
	}
	err := b.api.call("SignUp", false, map[string]any{
		"ClientId": b.clientID, "Username": name, "Password": password,
		"UserAttributes": []attr{{"email", name + "@example.com"}},
	}, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Code == "UnknownOperationException" {
		return errUnavailable
	}
	if err != nil {
		return err
	}
	if out.UserSub == "" || out.UserConfirmed == nil {
		return fmt.Errorf("SignUp answer lacks UserSub or UserConfirmed")
	}
	return nil
}
