package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/userpool/srp"
)

const kindSRPUsed = "userpool-srp-used" // id: hash of a spent SECRET_BLOCK

// secretBlock is the SRP state carried to the client and back inside
// SECRET_BLOCK, sealed: the server keeps nothing between the two calls,
// and the block names the pool, client and user it was issued for.
type secretBlock struct {
	Pool, Client, User string
	Issued             time.Time
	Session            []byte
	// Custom is the CUSTOM_AUTH session history when the SRP check is a
	// step of CUSTOM_AUTH (CHALLENGE_NAME=SRP_A).
	Custom []challengeResult `json:",omitempty"`
}

const secretBlockContext = "srp-secret-block"

// srpStart answers USER_SRP_AUTH (or CUSTOM_AUTH starting with SRP_A,
// when custom) with the PASSWORD_VERIFIER challenge. Unlike the other
// challenges it carries no Session: the state is in SECRET_BLOCK, as on
// AWS.
func (s *Service) srpStart(ctx context.Context, p *Pool, c Client, params, meta map[string]string, custom bool) (*AuthOutput, error) {
	name, srpA := params["USERNAME"], params["SRP_A"]
	if name == "" {
		return nil, invalidParameter("Missing required parameter USERNAME")
	}
	if srpA == "" {
		return nil, invalidParameter("Missing required parameter SRP_A")
	}
	if err := s.secretHash(c, name, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, _, err := s.findUser(ctx, p, name)
	var salt, verifier []byte
	switch {
	case err == nil:
		if u.Status == "UNCONFIRMED" {
			return nil, awsproto.Errorf(http.StatusBadRequest, "UserNotConfirmedException", "User is not confirmed.")
		}
		if !u.Enabled {
			return nil, notAuthorized("User is disabled.")
		}
		if u.Status == "RESET_REQUIRED" || len(u.Verifier) == 0 {
			return nil, awsproto.Errorf(http.StatusBadRequest, "PasswordResetRequiredException", "Password reset required for the user")
		}
		v, oerr := s.opts.Box.Open(u.Verifier, []byte("srp/"+p.ID+"/"+u.Username))
		if oerr != nil {
			return nil, oerr
		}
		salt, verifier = u.Salt, v
	case c.PreventUserExistenceErrors == "ENABLED":
		if _, ok := awsproto.AsError(err); !ok {
			return nil, err
		}
		// An unknown user gets a challenge that looks real and is stable
		// for the name (same salt and USER_ID_FOR_SRP every time), so the
		// answer cannot reveal whether the account exists.
		u = userRecord{Username: fakeUserID(s, p.ID, name)}
		salt = fakeBytes(s, "salt/"+p.ID+"/"+name, 16)
		if cerr := s.crunch.do(func() {
			_, verifier, _ = srp.NewVerifier(rand.Reader, srp.PoolName(p.ID), u.Username, string(fakeBytes(s, "pw/"+p.ID+"/"+name, 32)))
		}); cerr != nil {
			return nil, cerr
		}
	default:
		return nil, err
	}
	found := &u
	if err != nil {
		found = nil
	}
	if err := s.preAuthentication(ctx, p, c, name, found, meta); err != nil {
		return nil, err
	}
	var history []challengeResult
	if custom {
		a := customActor{name: u.Username, user: found}
		if found == nil {
			a = customActor{name: name, notFound: true}
		}
		out, h, err := s.customSRPStart(ctx, p, c, a, meta)
		if out != nil || err != nil {
			return out, err
		}
		history = h
	}
	var sess *srp.Session
	var cp srp.ChallengeParams
	if cerr := s.crunch.do(func() { sess, cp, err = srp.Start(rand.Reader, srpA, salt, verifier) }); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, invalidParameter("SRP_A is not a valid SRP value.")
	}
	raw, err := sess.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(secretBlock{Pool: p.ID, Client: c.ClientID, User: u.Username, Issued: s.now().UTC(), Session: raw, Custom: history})
	block := base64.StdEncoding.EncodeToString(s.opts.Box.Seal(b, []byte(secretBlockContext)))
	return &AuthOutput{ChallengeName: "PASSWORD_VERIFIER", ChallengeParameters: map[string]string{
		"SALT": cp.Salt, "SRP_B": cp.SRPB, "SECRET_BLOCK": block, "USERNAME": u.Username, "USER_ID_FOR_SRP": u.Username,
	}}, nil
}

// fakeBytes derives stable pseudo-random bytes for PreventUserExistenceErrors.
func fakeBytes(s *Service, label string, n int) []byte {
	m := hmac.New(sha256.New, s.opts.Box.Derive("fake-users"))
	m.Write([]byte(label))
	out := m.Sum(nil)
	for len(out) < n {
		out = append(out, m.Sum(out)...)
	}
	return out[:n]
}

func fakeUserID(s *Service, poolID, name string) string {
	b := fakeBytes(s, "id/"+poolID+"/"+name, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}

// srpVerify checks the PASSWORD_VERIFIER answer.
func (s *Service) srpVerify(ctx context.Context, p *Pool, c Client, r, meta map[string]string) (*AuthOutput, error) {
	blockB64, sig, ts := r["PASSWORD_CLAIM_SECRET_BLOCK"], r["PASSWORD_CLAIM_SIGNATURE"], r["TIMESTAMP"]
	if blockB64 == "" || sig == "" || ts == "" {
		return nil, invalidParameter("Missing required parameter %s", map[bool]string{true: "PASSWORD_CLAIM_SECRET_BLOCK", false: "PASSWORD_CLAIM_SIGNATURE or TIMESTAMP"}[blockB64 == ""])
	}
	if !srp.ValidTimestamp(ts) {
		return nil, invalidParameter("%s", srp.TimestampFormatMessage)
	}
	rawBlock, err := base64.StdEncoding.DecodeString(blockB64)
	if err != nil {
		return nil, notAuthorized("Incorrect username or password.")
	}
	plain, err := s.opts.Box.Open(rawBlock, []byte(secretBlockContext))
	var sb secretBlock
	if err != nil || json.Unmarshal(plain, &sb) != nil || sb.Pool != p.ID || sb.Client != c.ClientID {
		return nil, notAuthorized("Incorrect username or password.")
	}
	if s.now().Sub(sb.Issued) > time.Duration(c.AuthSessionValidity)*time.Minute {
		return nil, notAuthorized("Invalid session for the user, session is expired.")
	}
	if err := s.secretHash(c, r["USERNAME"], r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	var sess srp.Session
	if err := sess.UnmarshalBinary(sb.Session); err != nil {
		return nil, notAuthorized("Incorrect username or password.")
	}
	u, _, err := s.findUser(ctx, p, sb.User)
	if err != nil {
		return nil, notAuthorized("Incorrect username or password.")
	}
	var proved bool
	if err := s.crunch.do(func() { proved = sess.Verify(srp.PoolName(p.ID), sb.User, rawBlock, ts, sig) }); err != nil {
		return nil, err
	}
	if !proved {
		s.recordFailure(ctx, p, u.Username)
		return nil, notAuthorized("Incorrect username or password.")
	}
	// A proof is good once: a replayed answer mints nothing.
	sum := sha256.Sum256(rawBlock)
	if _, err := s.st.Create(ctx, kindSRPUsed, base64.RawURLEncoding.EncodeToString(sum[:]), nil); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, notAuthorized("Incorrect username or password.")
		}
		return nil, err
	}
	now := s.now().UTC()
	if now.Before(u.LockedUntil) {
		return nil, notAuthorized("Password attempts exceeded")
	}
	if u.Failures > 0 {
		s.updateUser(ctx, p, u.Username, func(u *userRecord) error { u.Failures, u.LockedUntil = 0, time.Time{}; return nil })
	}
	switch u.Status {
	case "RESET_REQUIRED":
		return nil, awsproto.Errorf(http.StatusBadRequest, "PasswordResetRequiredException", "Password reset required for the user")
	case "FORCE_CHANGE_PASSWORD":
		return s.newPasswordChallenge(p, c, &u)
	}
	if sb.Custom != nil {
		return s.customAfterPassword(ctx, p, c, &u, sb.Custom, meta)
	}
	return s.signedIn(ctx, p, c, &u, "TokenGeneration_Authentication", meta)
}
