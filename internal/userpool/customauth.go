package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// CUSTOM_AUTH: the pool's DefineAuthChallenge function decides, from the
// history of challenges so far, whether to issue tokens, fail, or ask
// another CUSTOM_CHALLENGE, which CreateAuthChallenge makes and
// VerifyAuthChallengeResponse grades. The history and the outstanding
// challenge's private parameters travel sealed in the Session, which is
// bound to pool, client and user, expires after the client's
// AuthSessionValidity, and is good for one answer.

const (
	kindCustomSpent      = "userpool-custom-spent" // id: nonce of an answered CUSTOM_CHALLENGE session
	customSessionContext = "custom-auth-session"
)

// challengeResult is one entry of the session Define and Create see.
type challengeResult struct {
	ChallengeName     string `json:"challengeName"`
	ChallengeResult   bool   `json:"challengeResult"`
	ChallengeMetadata string `json:"challengeMetadata,omitempty"`
}

// customSession is sealed into a CUSTOM_CHALLENGE's Session.
type customSession struct {
	Pool, Client string
	// User is the username, or the name given for a user that does not
	// exist (NotFound, when the client hides which users exist).
	User     string
	NotFound bool              `json:",omitempty"`
	History  []challengeResult `json:",omitempty"`
	Private  map[string]string `json:",omitempty"`
	Metadata string            `json:",omitempty"`
	Expires  time.Time
	Nonce    string
}

// customActor is who a custom sign-in is for.
type customActor struct {
	name     string      // as the events and USERNAME name it
	user     *userRecord // nil when not found
	notFound bool
}

func customNotConfigured() *awsproto.Error {
	return invalidParameter("Custom auth lambda trigger is not configured for the user pool.")
}

func sessionValidity(c Client) time.Duration {
	if c.AuthSessionValidity <= 0 {
		return 3 * time.Minute
	}
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

// customStart answers InitiateAuth CUSTOM_AUTH. With CHALLENGE_NAME=SRP_A
// the password is checked first, by SRP, when Define asks for
// PASSWORD_VERIFIER.
func (s *Service) customStart(ctx context.Context, p *Pool, c Client, params, meta map[string]string) (*AuthOutput, error) {
	lc := p.LambdaConfig
	if lc.DefineAuthChallenge == "" || lc.CreateAuthChallenge == "" || lc.VerifyAuthChallengeResponse == "" {
		return nil, customNotConfigured()
	}
	name := params["USERNAME"]
	if name == "" {
		return nil, invalidParameter("Missing required parameter USERNAME")
	}
	if params["CHALLENGE_NAME"] == "SRP_A" {
		return s.srpStart(ctx, p, c, params, meta, true)
	}
	if err := s.secretHash(c, name, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	a, err := s.customActorFor(ctx, p, c, name)
	if err != nil {
		return nil, err
	}
	if err := s.preAuthentication(ctx, p, c, name, a.user, meta); err != nil {
		return nil, err
	}
	return s.customNext(ctx, p, c, a, []challengeResult{}, meta)
}

// customActorFor resolves the user a custom sign-in names.
func (s *Service) customActorFor(ctx context.Context, p *Pool, c Client, name string) (customActor, error) {
	u, _, err := s.findUser(ctx, p, name)
	if err != nil {
		if _, ok := awsproto.AsError(err); ok && c.PreventUserExistenceErrors == "ENABLED" {
			return customActor{name: name, notFound: true}, nil
		}
		return customActor{}, err
	}
	if !u.Enabled {
		return customActor{}, notAuthorized("User is disabled.")
	}
	if u.Status == "UNCONFIRMED" {
		return customActor{}, awsproto.Errorf(http.StatusBadRequest, "UserNotConfirmedException", "User is not confirmed.")
	}
	return customActor{name: u.Username, user: &u}, nil
}

// customSRPStart is Define's first call when CUSTOM_AUTH starts with SRP:
// the session holds SRP_A. Define normally asks for PASSWORD_VERIFIER
// (ok is then true and the caller answers with the SRP challenge); any
// other decision is carried out here.
func (s *Service) customSRPStart(ctx context.Context, p *Pool, c Client, a customActor, meta map[string]string) (out *AuthOutput, history []challengeResult, err error) {
	history = []challengeResult{{ChallengeName: "SRP_A", ChallengeResult: true}}
	d, err := s.defineAuthChallenge(ctx, p, c, a, history, meta)
	if err != nil {
		return nil, nil, err
	}
	if d.ChallengeName == "PASSWORD_VERIFIER" && !d.FailAuthentication && !d.IssueTokens {
		return nil, history, nil
	}
	out, err = s.customDecide(ctx, p, c, a, history, d, meta)
	return out, nil, err
}

// customAfterPassword continues a CUSTOM_AUTH that started with SRP once
// the PASSWORD_VERIFIER answer was right.
func (s *Service) customAfterPassword(ctx context.Context, p *Pool, c Client, u *userRecord, history []challengeResult, meta map[string]string) (*AuthOutput, error) {
	history = append(history, challengeResult{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: true})
	return s.customNext(ctx, p, c, customActor{name: u.Username, user: u}, history, meta)
}

type defineResponse struct {
	ChallengeName      string `json:"challengeName"`
	IssueTokens        bool   `json:"issueTokens"`
	FailAuthentication bool   `json:"failAuthentication"`
}

// actorRequest is the part of a custom auth event about the user.
func actorRequest(c Client, a customActor, meta map[string]string) map[string]any {
	req := map[string]any{"userAttributes": map[string]string{}, "clientMetadata": clientMetadata(meta)}
	if a.user != nil {
		req["userAttributes"] = a.user.eventAttributes()
	}
	if c.PreventUserExistenceErrors == "ENABLED" {
		req["userNotFound"] = a.notFound
	}
	return req
}

func (s *Service) defineAuthChallenge(ctx context.Context, p *Pool, c Client, a customActor, history []challengeResult, meta map[string]string) (defineResponse, error) {
	var d defineResponse
	req := actorRequest(c, a, meta)
	req["session"] = history
	err := s.runTrigger(ctx, p.LambdaConfig.DefineAuthChallenge, triggerEvent{TriggerSource: "DefineAuthChallenge_Authentication",
		UserPoolID: p.ID, UserName: a.name, CallerContext: callerContext{ClientID: c.ClientID}, Request: req,
		Response: map[string]any{"challengeName": nil, "issueTokens": nil, "failAuthentication": nil}}, &d)
	return d, err
}

// customNext asks Define what comes after history and carries it out.
func (s *Service) customNext(ctx context.Context, p *Pool, c Client, a customActor, history []challengeResult, meta map[string]string) (*AuthOutput, error) {
	d, err := s.defineAuthChallenge(ctx, p, c, a, history, meta)
	if err != nil {
		return nil, err
	}
	return s.customDecide(ctx, p, c, a, history, d, meta)
}

// customDecide carries out Define's decision: failing wins over issuing
// tokens, and a user that does not exist never gets any.
func (s *Service) customDecide(ctx context.Context, p *Pool, c Client, a customActor, history []challengeResult, d defineResponse, meta map[string]string) (*AuthOutput, error) {
	switch {
	case d.FailAuthentication:
		return nil, notAuthorized("Incorrect username or password.")
	case d.IssueTokens:
		if a.user == nil {
			return nil, notAuthorized("Incorrect username or password.")
		}
		return s.complete(ctx, p, c, a.user, "TokenGeneration_Authentication", meta)
	case d.ChallengeName == "CUSTOM_CHALLENGE":
		return s.createAuthChallenge(ctx, p, c, a, history, meta)
	case d.ChallengeName == "":
		return nil, lambdaInvalid("Unrecognizable lambda output")
	}
	// Built-in challenges other than PASSWORD_VERIFIER after SRP_A (MFA,
	// devices) are not offered inside CUSTOM_AUTH here.
	return nil, lambdaInvalid("Invalid lambda response received: challengeName " + d.ChallengeName + " is not supported in this flow.")
}

// createAuthChallenge asks Create for the challenge and returns it with a
// sealed session.
func (s *Service) createAuthChallenge(ctx context.Context, p *Pool, c Client, a customActor, history []challengeResult, meta map[string]string) (*AuthOutput, error) {
	req := actorRequest(c, a, meta)
	req["challengeName"] = "CUSTOM_CHALLENGE"
	req["session"] = history
	var r struct {
		Public   map[string]string `json:"publicChallengeParameters"`
		Private  map[string]string `json:"privateChallengeParameters"`
		Metadata string            `json:"challengeMetadata"`
	}
	err := s.runTrigger(ctx, p.LambdaConfig.CreateAuthChallenge, triggerEvent{TriggerSource: "CreateAuthChallenge_Authentication",
		UserPoolID: p.ID, UserName: a.name, CallerContext: callerContext{ClientID: c.ClientID}, Request: req,
		Response: map[string]any{"publicChallengeParameters": nil, "privateChallengeParameters": nil, "challengeMetadata": nil}}, &r)
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	for k, v := range r.Public {
		params[k] = v
	}
	params["USERNAME"] = a.name
	session := s.sealCustom(customSession{Pool: p.ID, Client: c.ClientID, User: a.name, NotFound: a.notFound, History: history,
		Private: r.Private, Metadata: r.Metadata, Expires: s.now().Add(sessionValidity(c))})
	return &AuthOutput{ChallengeName: "CUSTOM_CHALLENGE", Session: session, ChallengeParameters: params}, nil
}

func (s *Service) sealCustom(cs customSession) string {
	cs.Nonce = newUUID()
	b, _ := json.Marshal(cs)
	return base64.RawURLEncoding.EncodeToString(s.opts.Box.Seal(b, []byte(customSessionContext)))
}

func (s *Service) openCustom(raw string) (customSession, error) {
	var cs customSession
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		b, err = s.opts.Box.Open(b, []byte(customSessionContext))
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

// customRespond answers RespondToAuthChallenge CUSTOM_CHALLENGE: Verify
// grades ANSWER, the result joins the session, and Define decides again.
func (s *Service) customRespond(ctx context.Context, p *Pool, c Client, in *ChallengeInput) (*AuthOutput, error) {
	lc := p.LambdaConfig
	if lc.DefineAuthChallenge == "" || lc.CreateAuthChallenge == "" || lc.VerifyAuthChallengeResponse == "" {
		return nil, customNotConfigured()
	}
	r := in.ChallengeResponses
	name, answer := r["USERNAME"], r["ANSWER"]
	if name == "" {
		return nil, invalidParameter("Missing required parameter USERNAME")
	}
	if answer == "" {
		return nil, invalidParameter("Missing required parameter ANSWER")
	}
	cs, err := s.openCustom(in.Session)
	if err != nil {
		return nil, err
	}
	if cs.Pool != p.ID || cs.Client != c.ClientID {
		return nil, notAuthorized("Invalid session for the user.")
	}
	if err := s.secretHash(c, name, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	a := customActor{name: cs.User, notFound: cs.NotFound}
	if !cs.NotFound {
		u, _, err := s.findUser(ctx, p, name)
		if err != nil || u.Username != cs.User {
			// USERNAME must name the user the session is for (by username
			// or alias); a user deleted since cannot go on either.
			return nil, notAuthorized("Invalid session for the user.")
		}
		if !u.Enabled {
			return nil, notAuthorized("User is disabled.")
		}
		a.user = &u
	} else if name != cs.User {
		return nil, notAuthorized("Invalid session for the user.")
	}
	// A session is good for one answer: a replay, or a second answer
	// racing the first, is refused before Verify runs.
	if _, err := s.st.Create(ctx, kindCustomSpent, cs.Nonce, nil); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, notAuthorized("Invalid session for the user.")
		}
		return nil, err
	}
	req := actorRequest(c, a, in.ClientMetadata)
	req["privateChallengeParameters"] = nonNilMap(cs.Private)
	req["challengeAnswer"] = answer
	var v struct {
		AnswerCorrect bool `json:"answerCorrect"`
	}
	err = s.runTrigger(ctx, p.LambdaConfig.VerifyAuthChallengeResponse, triggerEvent{TriggerSource: "VerifyAuthChallengeResponse_Authentication",
		UserPoolID: p.ID, UserName: a.name, CallerContext: callerContext{ClientID: c.ClientID}, Request: req,
		Response: map[string]any{"answerCorrect": nil}}, &v)
	if err != nil {
		return nil, err
	}
	history := append(cs.History, challengeResult{ChallengeName: "CUSTOM_CHALLENGE", ChallengeResult: v.AnswerCorrect, ChallengeMetadata: cs.Metadata})
	return s.customNext(ctx, p, c, a, history, in.ClientMetadata)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
