package userpool

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// Code purposes, the keys of userRecord.Codes.
const (
	codeSignUp = "signup"
	codeReset  = "reset"
	codeVerify = "verify:" // + attribute name
)

// codeRules are Cognito's per-purpose limits: how long a code lives, how
// many wrong answers an hour a user gets, how many sends an hour.
type codeRules struct {
	ttl          time.Duration
	attempts     int
	sendsPerHour int
}

func rulesFor(purpose string) codeRules {
	switch purpose {
	case codeSignUp:
		return codeRules{ttl: 24 * time.Hour, attempts: 15, sendsPerHour: 5}
	case codeReset:
		return codeRules{ttl: time.Hour, attempts: 10, sendsPerHour: 5}
	default:
		return codeRules{ttl: 24 * time.Hour, attempts: 10, sendsPerHour: 5}
	}
}

// codeState is an outstanding one-time code. The code is sealed: six
// digits hashed would fall to an offline search in a second.
type codeState struct {
	Code    []byte    `json:"code"`
	Attr    string    `json:"attr,omitempty"`  // attribute the code proves
	Value   string    `json:"value,omitempty"` // the value it was sent to
	Expires time.Time `json:"expires"`
	// Failures counts wrong answers in the hour since FailWindow began.
	Failures   int         `json:"failures,omitempty"`
	FailWindow time.Time   `json:"failWindow,omitzero"`
	Sends      []time.Time `json:"sends,omitempty"`
}

func limitExceeded() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
}

func codeMismatch() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "CodeMismatchException", "Invalid verification code provided, please try again.")
}

func expiredCode() *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ExpiredCodeException", "Invalid code provided, please request a code again.")
}

// keepErr tells updateUser to save the user and then fail with err: a
// wrong code must be counted even though the call fails.
type keepErr struct{ err error }

func (k keepErr) Error() string { return k.err.Error() }

func (s *Service) codeAAD(p *Pool, u *userRecord, purpose string) []byte {
	return []byte("code/" + p.ID + "/" + u.Attributes["sub"] + "/" + purpose)
}

// newCode draws a fresh six-digit code for purpose, replacing any older
// one, unless the user has asked for too many within the hour.
func (s *Service) newCode(p *Pool, u *userRecord, purpose, attr, value string) (string, error) {
	rules := rulesFor(purpose)
	now := s.now().UTC()
	var sends []time.Time
	var failures int
	var window time.Time
	if old := u.Codes[purpose]; old != nil {
		for _, t := range old.Sends {
			if now.Sub(t) < time.Hour {
				sends = append(sends, t)
			}
		}
		failures, window = old.Failures, old.FailWindow
	}
	if len(sends) >= rules.sendsPerHour {
		return "", limitExceeded()
	}
	code := randomString("0123456789", 6)
	if u.Codes == nil {
		u.Codes = map[string]*codeState{}
	}
	u.Codes[purpose] = &codeState{Code: s.opts.Box.Seal([]byte(code), s.codeAAD(p, u, purpose)), Attr: attr, Value: value,
		Expires: now.Add(rules.ttl), Sends: append(sends, now), Failures: failures, FailWindow: window}
	return code, nil
}

// useCode checks an answer and, when right, consumes the code. A wrong
// answer is counted (the caller must save the user: the error is a
// keepErr); past the hourly limit every answer is refused.
func (s *Service) useCode(p *Pool, u *userRecord, purpose, answer string) (*codeState, error) {
	c := u.Codes[purpose]
	if c == nil {
		return nil, codeMismatch()
	}
	now := s.now().UTC()
	if now.Sub(c.FailWindow) >= time.Hour {
		c.Failures, c.FailWindow = 0, now
	}
	if c.Failures >= rulesFor(purpose).attempts {
		return nil, limitExceeded()
	}
	want, err := s.opts.Box.Open(c.Code, s.codeAAD(p, u, purpose))
	if err != nil || subtle.ConstantTimeCompare(want, []byte(answer)) != 1 {
		c.Failures++
		return nil, keepErr{codeMismatch()}
	}
	if now.After(c.Expires) {
		return nil, expiredCode()
	}
	delete(u.Codes, purpose)
	return c, nil
}
