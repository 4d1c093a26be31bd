package userpool

import "context"

// mfaChallenge decides whether a sign-in needs a second factor and, if
// so, returns the challenge.
func (s *Service) mfaChallenge(ctx context.Context, p *Pool, c Client, u *userRecord, source string) (*AuthOutput, error) {
	if p.MfaConfiguration == "" || p.MfaConfiguration == "OFF" {
		return nil, nil
	}
	return nil, nil
}
