package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/userpool/tokens"
)

const kindRefresh = "userpool-refresh" // id: sha256(token) hex

func notAuthorized(msg string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "NotAuthorizedException", "%s", msg)
}

// AuthInput is InitiateAuth's and AdminInitiateAuth's request.
type AuthInput struct {
	UserPoolID     string            `json:"UserPoolId"`
	ClientID       string            `json:"ClientId"`
	AuthFlow       string            `json:"AuthFlow"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

// AuthResult is a successful sign-in.
type AuthResult struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int    `json:"ExpiresIn"`
	TokenType    string `json:"TokenType"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	IDToken      string `json:"IdToken"`
}

// AuthOutput is either tokens or a challenge, never both.
type AuthOutput struct {
	ChallengeName        string            `json:"ChallengeName,omitempty"`
	Session              string            `json:"Session,omitempty"`
	ChallengeParameters  map[string]string `json:"ChallengeParameters"`
	AuthenticationResult *AuthResult       `json:"AuthenticationResult,omitempty"`
}

// clientByID finds an app client by id alone (InitiateAuth names no pool).
func (s *Service) clientByID(ctx context.Context, clientID string) (poolRecord, clientRecord, error) {
	var pr poolRecord
	var cr clientRecord
	if clientID == "" {
		return pr, cr, invalidParameter("1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	}
	poolID, err := s.clientPool(ctx, clientID)
	if err != nil {
		return pr, cr, err
	}
	if pr, err = s.pool(ctx, poolID); err != nil {
		return pr, cr, err
	}
	cr, err = cachedJSON[clientRecord](ctx, s, kindClient, pr.Pool.ID+"/"+clientID, clientNotFound(clientID))
	return pr, cr, err
}

// clientPool maps a client id to its pool (through the cache: the index
// record never changes while the client exists).
func (s *Service) clientPool(ctx context.Context, clientID string) (string, error) {
	key := kindClientPool + "\x00" + clientID
	if c, ok := s.configCache.Load(key); ok {
		if e := c.(cachedRecord); time.Since(e.at) < configTTL {
			return e.v.(string), nil
		}
	}
	r, err := s.st.Get(ctx, kindClientPool, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return "", clientNotFound(clientID)
	}
	if err != nil {
		return "", err
	}
	s.configCache.Store(key, cachedRecord{v: string(r.Data), at: time.Now()})
	return string(r.Data), nil
}

// secretHash checks SECRET_HASH for clients that have a secret:
// Base64(HMAC-SHA256(secret, username ‖ clientId)).
func (s *Service) secretHash(c Client, username, given string) error {
	if c.ClientSecret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(c.ClientSecret))
	m.Write([]byte(username + c.ClientID))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if given == "" {
		return notAuthorized("Client " + c.ClientID + " is configured with secret but SECRET_HASH was not received")
	}
	if !hmac.Equal([]byte(want), []byte(given)) {
		return notAuthorized("Unable to verify secret hash for client " + c.ClientID)
	}
	return nil
}

// flowAllowed applies ExplicitAuthFlows (and its default when unset).
func flowAllowed(c Client, flow string) bool {
	flows := c.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
	}
	want := map[string][]string{
		"USER_PASSWORD_AUTH":       {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"},
		"ADMIN_USER_PASSWORD_AUTH": {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
		"ADMIN_NO_SRP_AUTH":        {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
		"REFRESH_TOKEN_AUTH":       {"ALLOW_REFRESH_TOKEN_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
		"REFRESH_TOKEN":            {"ALLOW_REFRESH_TOKEN_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
		"USER_SRP_AUTH":            {"ALLOW_USER_SRP_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
		"CUSTOM_AUTH":              {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
	}[flow]
	for _, f := range flows {
		if slices.Contains(want, f) {
			return true
		}
	}
	return false
}

// caller resolves the pool and client of an auth call: the Admin
// operations name the pool, the public ones only the client.
func (s *Service) caller(ctx context.Context, poolID, clientID string, admin bool) (*Pool, Client, error) {
	var pr poolRecord
	var cr clientRecord
	var err error
	if admin {
		if pr, err = s.pool(ctx, poolID); err != nil {
			return nil, Client{}, err
		}
		if cr, err = cachedJSON[clientRecord](ctx, s, kindClient, poolID+"/"+clientID, clientNotFound(clientID)); err != nil {
			return nil, Client{}, err
		}
	} else if pr, cr, err = s.clientByID(ctx, clientID); err != nil {
		return nil, Client{}, err
	}
	c, err := s.openSecret(cr)
	return &pr.Pool, c, err
}

// InitiateAuth runs the password and refresh flows; admin says whether
// the call came through AdminInitiateAuth (signed, names the pool).
func (s *Service) InitiateAuth(ctx context.Context, in *AuthInput, admin bool) (*AuthOutput, error) {
	p, c, err := s.caller(ctx, in.UserPoolID, in.ClientID, admin)
	if err != nil {
		return nil, err
	}
	flow := in.AuthFlow
	switch flow {
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
	case "USER_SRP_AUTH", "CUSTOM_AUTH":
	case "USER_AUTH":
		return nil, invalidParameter("%s is not supported by gatehouse yet.", flow)
	default:
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]", flow)
	}
	adminFlow := flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH"
	if adminFlow && !admin || flow == "USER_PASSWORD_AUTH" && admin {
		return nil, invalidParameter("Initiate Auth method not supported.")
	}
	if !flowAllowed(c, flow) {
		return nil, invalidParameter("%s flow not enabled for this client", flow)
	}
	params := in.AuthParameters
	switch flow {
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refresh(ctx, p, c, params, in.ClientMetadata)
	case "USER_SRP_AUTH":
		return s.srpStart(ctx, p, c, params, in.ClientMetadata, false)
	case "CUSTOM_AUTH":
		return s.customStart(ctx, p, c, params, in.ClientMetadata)
	}
	name, password := params["USERNAME"], params["PASSWORD"]
	if name == "" || password == "" {
		return nil, invalidParameter("Missing required parameter %s", map[bool]string{true: "USERNAME", false: "PASSWORD"}[name == ""])
	}
	if err := s.secretHash(c, name, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, err := s.passwordUser(ctx, p, c, name, password, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if !u.Enabled {
		return nil, notAuthorized("User is disabled.")
	}
	if now.Before(u.LockedUntil) {
		return nil, notAuthorized("Password attempts exceeded")
	}
	switch u.Status {
	case "UNCONFIRMED":
		return nil, awsproto.Errorf(http.StatusBadRequest, "UserNotConfirmedException", "User is not confirmed.")
	case "RESET_REQUIRED":
		return nil, awsproto.Errorf(http.StatusBadRequest, "PasswordResetRequiredException", "Password reset required for the user")
	}
	if ok, err := s.checkPassword(p, &u, password); err != nil {
		return nil, err
	} else if !ok {
		s.recordFailure(ctx, p, u.Username)
		return nil, notAuthorized("Incorrect username or password.")
	}
	if u.Failures > 0 {
		s.updateUser(ctx, p, u.Username, func(u *userRecord) error { u.Failures, u.LockedUntil = 0, time.Time{}; return nil })
	}
	if u.Status == "FORCE_CHANGE_PASSWORD" {
		if !u.TempExpires.IsZero() && now.After(u.TempExpires) {
			return nil, notAuthorized("Temporary password has expired and must be reset by an administrator.")
		}
		return s.newPasswordChallenge(p, c, &u)
	}
	return s.signedIn(ctx, p, c, &u, "TokenGeneration_Authentication", in.ClientMetadata)
}

// signedIn finishes a sign-in whose first factor passed: an MFA
// challenge when the pool and the user call for one, else tokens.
func (s *Service) signedIn(ctx context.Context, p *Pool, c Client, u *userRecord, source string, meta map[string]string) (*AuthOutput, error) {
	if out, err := s.mfaChallenge(ctx, p, c, u, source); out != nil || err != nil {
		return out, err
	}
	return s.complete(ctx, p, c, u, source, meta)
}

// complete ends a sign-in that passed every challenge: the
// PostAuthentication trigger, then fresh tokens with a new lineage.
// source is the PreTokenGeneration trigger source.
func (s *Service) complete(ctx context.Context, p *Pool, c Client, u *userRecord, source string, meta map[string]string) (*AuthOutput, error) {
	if err := s.postAuthentication(ctx, p, c, u, meta); err != nil {
		return nil, err
	}
	return s.issue(ctx, p, c, u, s.now().UTC(), "", true, source, meta)
}

// recordFailure counts a failed sign-in: after five, the user is locked
// for 1 s, doubling with each further failure up to about 15 minutes; the
// count resets after 15 minutes without failures.
func (s *Service) recordFailure(ctx context.Context, p *Pool, username string) {
	now := s.now().UTC()
	s.updateUser(ctx, p, username, func(u *userRecord) error {
		if now.Sub(u.LastFailure) > 15*time.Minute {
			u.Failures = 0
		}
		u.Failures++
		u.LastFailure = now
		if u.Failures >= 5 {
			lock := time.Second << min(u.Failures-5, 10)
			if lock > 15*time.Minute {
				lock = 15 * time.Minute
			}
			u.LockedUntil = now.Add(lock)
		}
		return nil
	})
}

// challengeSession is sealed into a challenge's Session: bound to pool,
// client and user, and short-lived.
type challengeSession struct {
	Pool, Client, User, Challenge string
	Expires                       time.Time
	Nonce                         string
	// Source is the PreTokenGeneration trigger source the sign-in will
	// end with; Verified marks an MFA_SETUP session whose new factor
	// VerifySoftwareToken accepted.
	Source   string `json:",omitempty"`
	Verified bool   `json:",omitempty"`
}

func (s *Service) sealSession(cs challengeSession) string {
	cs.Nonce = newUUID()
	b, _ := json.Marshal(cs)
	return base64.RawURLEncoding.EncodeToString(s.opts.Box.Seal(b, []byte("auth-session")))
}

func (s *Service) openSession(raw string) (challengeSession, error) {
	var cs challengeSession
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		b, err = s.opts.Box.Open(b, []byte("auth-session"))
	}
	if err == nil {
		err = json.Unmarshal(b, &cs)
	}
	if err != nil {
		return cs, notAuthorized("Invalid session for the user.")
	}
	if s.now().After(cs.Expires) {
		return cs, notAuthorized("Invalid session for the user, session is expired.")
	}
	return cs, nil
}

func (s *Service) newPasswordChallenge(p *Pool, c Client, u *userRecord) (*AuthOutput, error) {
	attrs := map[string]string{}
	for k, v := range u.Attributes {
		if k != "sub" {
			attrs[k] = v
		}
	}
	attrJSON, _ := json.Marshal(attrs)
	var required []string
	for _, a := range p.SchemaAttributes {
		if a.Required != nil && *a.Required && a.Name != "sub" && u.Attributes[a.Name] == "" {
			required = append(required, "userAttributes."+a.Name)
		}
	}
	reqJSON, _ := json.Marshal(append([]string{}, required...))
	session := s.sealSession(challengeSession{Pool: p.ID, Client: c.ClientID, User: u.Username, Challenge: "NEW_PASSWORD_REQUIRED",
		Expires: s.now().Add(time.Duration(c.AuthSessionValidity) * time.Minute)})
	return &AuthOutput{ChallengeName: "NEW_PASSWORD_REQUIRED", Session: session, ChallengeParameters: map[string]string{
		"USER_ID_FOR_SRP": u.Username, "requiredAttributes": string(reqJSON), "userAttributes": string(attrJSON),
	}}, nil
}

// ChallengeInput is RespondToAuthChallenge's request.
type ChallengeInput struct {
	UserPoolID         string            `json:"UserPoolId"`
	ClientID           string            `json:"ClientId"`
	ChallengeName      string            `json:"ChallengeName"`
	Session            string            `json:"Session"`
	ChallengeResponses map[string]string `json:"ChallengeResponses"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

// RespondToAuthChallenge answers NEW_PASSWORD_REQUIRED.
func (s *Service) RespondToAuthChallenge(ctx context.Context, in *ChallengeInput, admin bool) (*AuthOutput, error) {
	p, c, err := s.caller(ctx, in.UserPoolID, in.ClientID, admin)
	if err != nil {
		return nil, err
	}
	switch in.ChallengeName {
	case "PASSWORD_VERIFIER":
		return s.srpVerify(ctx, p, c, in.ChallengeResponses, in.ClientMetadata)
	case "SMS_MFA", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP":
		return s.respondMFA(ctx, p, c, in)
	case "CUSTOM_CHALLENGE":
		return s.customRespond(ctx, p, c, in)
	case "NEW_PASSWORD_REQUIRED":
	default:
		return nil, invalidParameter("%s is not supported by gatehouse yet.", in.ChallengeName)
	}
	cs, err := s.openSession(in.Session)
	if err != nil {
		return nil, err
	}
	r := in.ChallengeResponses
	if cs.Pool != p.ID || cs.Client != c.ClientID || cs.Challenge != in.ChallengeName {
		return nil, notAuthorized("Invalid session for the user.")
	}
	if err := s.secretHash(c, r["USERNAME"], r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	pw := r["NEW_PASSWORD"]
	if pw == "" {
		return nil, invalidParameter("Missing required parameter NEW_PASSWORD")
	}
	if err := p.Policies.PasswordPolicy.Check(pw); err != nil {
		return nil, invalidPassword(err)
	}
	attrs := []Attribute{}
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs = append(attrs, Attribute{name, v})
		}
	}
	set, err := validateAttributes(p, attrs, false)
	if err != nil {
		return nil, err
	}
	u, err := s.updateUser(ctx, p, cs.User, func(u *userRecord) error {
		if u.Status != "FORCE_CHANGE_PASSWORD" {
			return notAuthorized("Invalid session for the user.")
		}
		for k, v := range set {
			u.Attributes[k] = v
		}
		for _, a := range p.SchemaAttributes {
			if a.Required != nil && *a.Required && u.Attributes[a.Name] == "" {
				return invalidParameter("Attributes did not conform to the schema: %s: The attribute %s is required", a.Name, a.Name)
			}
		}
		if err := s.setPassword(p, u, pw); err != nil {
			return err
		}
		u.Status, u.TempExpires = "CONFIRMED", time.Time{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, &u, "TokenGeneration_NewPasswordChallenge", in.ClientMetadata)
}

// refreshRecord is a refresh token's server-side state; the token itself
// is 32 random bytes, stored only as a hash.
type refreshRecord struct {
	Pool, Client, User string
	OriginJTI          string
	AuthTime           time.Time
	Issued             time.Time
	Expires            time.Time
	// RotatedOut is when rotation replaced this token; it works for the
	// client's grace period after that.
	RotatedOut time.Time `json:",omitzero"`
}

// newRefreshToken stores rec under a fresh opaque token and returns it.
func (s *Service) newRefreshToken(ctx context.Context, rec refreshRecord) (string, error) {
	var raw [32]byte
	rand.Read(raw[:])
	rt := base64.RawURLEncoding.EncodeToString(raw[:])
	data, _ := json.Marshal(rec)
	if _, err := s.st.Create(ctx, kindRefresh, hashToken(rt), data); err != nil {
		return "", err
	}
	return rt, nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// issue signs ID and access tokens (and a refresh token when withRefresh);
// source and meta are for the PreTokenGeneration trigger.
func (s *Service) issue(ctx context.Context, p *Pool, c Client, u *userRecord, authTime time.Time, originJTI string, withRefresh bool, source string, meta map[string]string) (*AuthOutput, error) {
	ks, err := s.keySet(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if originJTI == "" {
		originJTI = newUUID()
	}
	readable := u.Attributes
	if len(c.ReadAttributes) > 0 {
		readable = map[string]string{}
		for _, k := range c.ReadAttributes {
			if v, ok := u.Attributes[k]; ok {
				readable[k] = v
			}
		}
	}
	issuer := s.Issuer(p.ID)
	eventID := newUUID()
	gs, err := s.groupsOf(ctx, p.ID, userKey(p, u.Username))
	if err != nil {
		return nil, err
	}
	groups, roles, preferred := groupClaims(gs)
	tc, err := s.preTokenGeneration(ctx, p, c, u, source, meta, tokenClaims{Groups: groups, Roles: roles, PreferredRole: preferred})
	if err != nil {
		return nil, err
	}
	accessValidity := seconds(c.AccessTokenValidity, c.TokenValidityUnits.AccessToken)
	idClaims := tokens.IDClaims(tokens.IDTokenInput{
		Issuer: issuer, ClientID: c.ClientID, Sub: u.Attributes["sub"], Username: u.Username, AuthTime: authTime, IssuedAt: now,
		Validity: time.Duration(seconds(c.IDTokenValidity, c.TokenValidityUnits.IDToken)) * time.Second,
		JTI:      newUUID(), OriginJTI: originJTI, EventID: eventID, Attributes: readable,
		Groups: tc.Groups, Roles: tc.Roles, PreferredRole: tc.PreferredRole, Extra: tc.IDAdd, Suppress: tc.IDSuppress,
	})
	accessClaims := tokens.AccessClaims(tokens.AccessTokenInput{
		Issuer: issuer, ClientID: c.ClientID, Sub: u.Attributes["sub"], Username: u.Username, AuthTime: authTime, IssuedAt: now,
		Validity: time.Duration(accessValidity) * time.Second, JTI: newUUID(), OriginJTI: originJTI, EventID: eventID,
		Groups: tc.Groups, Extra: tc.AccessAdd, Suppress: tc.AccessSupp, Scopes: tc.Scopes,
	})
	var idTok, accessTok string
	var idErr, accessErr error
	if err := s.crunch.do(func() {
		idTok, idErr = tokens.Sign(ks.Active(tokens.UseID), idClaims)
		accessTok, accessErr = tokens.Sign(ks.Active(tokens.UseAccess), accessClaims)
	}); err != nil {
		return nil, err
	}
	if err := errors.Join(idErr, accessErr); err != nil {
		return nil, err
	}
	res := &AuthResult{AccessToken: accessTok, IDToken: idTok, ExpiresIn: accessValidity, TokenType: "Bearer"}
	if withRefresh {
		expires := now.Add(time.Duration(seconds(c.RefreshTokenValidity, c.TokenValidityUnits.RefreshToken)) * time.Second)
		if res.RefreshToken, err = s.newRefreshToken(ctx, refreshRecord{Pool: p.ID, Client: c.ClientID, User: u.Username,
			OriginJTI: originJTI, AuthTime: authTime, Issued: now, Expires: expires}); err != nil {
			return nil, err
		}
	}
	return &AuthOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}

// refresh runs REFRESH_TOKEN_AUTH: new ID and access tokens in the same
// lineage, no new refresh token, auth_time kept.
func (s *Service) refresh(ctx context.Context, p *Pool, c Client, params, meta map[string]string) (*AuthOutput, error) {
	rt := params["REFRESH_TOKEN"]
	if rt == "" {
		return nil, invalidParameter("Missing required parameter REFRESH_TOKEN")
	}
	if c.RefreshTokenRotation != nil && c.RefreshTokenRotation.Feature == "ENABLED" {
		return nil, notAuthorized("Refresh token rotation is enabled for this app client: use GetTokensFromRefreshToken.")
	}
	rec, u, err := s.loadRefresh(ctx, p, c, rt, func(user string) error {
		// Clients hash the internal username (the sub in email pools).
		err := s.secretHash(c, user, params["SECRET_HASH"])
		if err != nil && params["USERNAME"] != "" && s.secretHash(c, params["USERNAME"], params["SECRET_HASH"]) == nil {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, p, c, &u, rec.AuthTime, rec.OriginJTI, false, "TokenGeneration_RefreshTokens", meta)
}

// loadRefresh checks a refresh token: known, this pool's and client's,
// unexpired, not revoked, not rotated out past its grace, its user still
// there and enabled and not signed out since; check verifies the
// client's secret for the token's user.
func (s *Service) loadRefresh(ctx context.Context, p *Pool, c Client, rt string, check func(user string) error) (refreshRecord, userRecord, error) {
	var rec refreshRecord
	var u userRecord
	if _, err := s.getJSON(ctx, kindRefresh, hashToken(rt), &rec, notAuthorized("Invalid Refresh Token.")); err != nil {
		return rec, u, err
	}
	now := s.now()
	if rec.Pool != p.ID || rec.Client != c.ClientID || now.After(rec.Expires) {
		return rec, u, notAuthorized("Invalid Refresh Token.")
	}
	if !rec.RotatedOut.IsZero() && now.After(rec.RotatedOut.Add(rotationGrace(c))) {
		return rec, u, notAuthorized("Invalid Refresh Token.")
	}
	if _, err := s.st.Get(ctx, kindRevoked, rec.OriginJTI); err == nil {
		return rec, u, notAuthorized("Refresh Token has been revoked")
	}
	if err := check(rec.User); err != nil {
		return rec, u, err
	}
	u, _, err := s.findUser(ctx, p, rec.User)
	if err != nil || !u.Enabled {
		return rec, u, notAuthorized("Invalid Refresh Token.")
	}
	if !u.SignedOut.IsZero() && rec.Issued.Before(u.SignedOut) {
		return rec, u, notAuthorized("Refresh Token has been revoked")
	}
	return rec, u, nil
}

func rotationGrace(c Client) time.Duration {
	if c.RefreshTokenRotation == nil || c.RefreshTokenRotation.RetryGracePeriodSeconds == nil {
		return 0
	}
	return time.Duration(*c.RefreshTokenRotation.RetryGracePeriodSeconds) * time.Second
}

// GetTokensFromRefreshToken refreshes tokens and, when the client rotates
// refresh tokens, replaces the refresh token too: the new one keeps the
// lineage and the original expiry (rotation does not extend a session),
// the old one works for the grace period and then never again.
func (s *Service) GetTokensFromRefreshToken(ctx context.Context, rt, clientID, clientSecret string, meta map[string]string) (*AuthOutput, error) {
	if rt == "" {
		return nil, invalidParameter("1 validation error detected: Value null at 'refreshToken' failed to satisfy constraint: Member must not be null")
	}
	p, c, err := s.caller(ctx, "", clientID, false)
	if err != nil {
		return nil, err
	}
	if c.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(c.ClientSecret), []byte(clientSecret)) != 1 {
		return nil, notAuthorized("Unable to verify secret hash for client " + c.ClientID)
	}
	rec, u, err := s.loadRefresh(ctx, p, c, rt, func(string) error { return nil })
	if err != nil {
		return nil, err
	}
	rotate := c.RefreshTokenRotation != nil && c.RefreshTokenRotation.Feature == "ENABLED"
	if rotate {
		// Compare-and-swap: of two racing rotations without a grace
		// period, one wins.
		now := s.now().UTC()
		if _, err := updateJSON(ctx, s, kindRefresh, hashToken(rt), notAuthorized("Invalid Refresh Token."), func(r *refreshRecord) error {
			if !r.RotatedOut.IsZero() && now.After(r.RotatedOut.Add(rotationGrace(c))) {
				return notAuthorized("Invalid Refresh Token.")
			}
			if r.RotatedOut.IsZero() {
				r.RotatedOut = now
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	out, err := s.issue(ctx, p, c, &u, rec.AuthTime, rec.OriginJTI, false, "TokenGeneration_RefreshTokens", meta)
	if err != nil || !rotate {
		return out, err
	}
	next := rec
	next.Issued, next.RotatedOut = s.now().UTC(), time.Time{}
	if out.AuthenticationResult.RefreshToken, err = s.newRefreshToken(ctx, next); err != nil {
		return nil, err
	}
	return out, nil
}
