package tokens

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: no input panics, and nothing verifies unless it is one of the
// tokens signed here (forging needs the private key). Claims helpers must
// cope with whatever a verified token holds.
func FuzzVerify(f *testing.F) {
	a, b := sharedPools()
	signed := map[string]bool{}
	add := func(tok string) {
		signed[tok] = true
		f.Add(tok)
	}
	add(a.token(f, UseID, nil))
	add(a.token(f, UseAccess, nil))
	add(a.token(f, UseID, func(c map[string]any) { c["aud"] = []any{clientA, "x"}; c["nbf"] = t0.Unix() }))
	add(rawToken(f, a.id, `{"kid":`+mustJSON(f, a.id.Kid)+`,"alg":"RS256","typ":"JWT"}`, mustJSON(f, IDClaims(a.idInput()))))
	bTok := b.token(f, UseID, nil)
	f.Add(bTok) // pool B's: never verifies for pool A
	seg := strings.Split(a.token(f, UseID, nil), ".")
	for _, s := range []string{
		"", ".", "..", "a.b.c", seg[0] + "." + seg[1] + ".", seg[0] + ".." + seg[2],
		forge(`{"kid":"x","alg":"none"}`, `{}`, nil),
		forge(`{"kid":`+mustJSON(f, a.id.Kid)+`,"alg":"HS256"}`, `{"iss":"`+issA+`"}`, []byte("sig")),
		forge(`{"alg":"RS256","kid":`+mustJSON(f, a.id.Kid)+`,"crit":["x"]}`, `{"exp":1}`, make([]byte, 256)),
		seg[0] + "." + b64.EncodeToString([]byte(`{"iss":"`+issA+`","token_use":"id","exp":1e99,"iat":0,"aud":"`+clientA+`"}`)) + "." + seg[2],
	} {
		f.Add(s)
	}
	cached := verifierFor(a, b)
	cold := NewVerifier(WithCacheSize(0))
	cold.SetKeys(a.iss, a.ks)
	exp := Expectations{Issuer: issA, Now: t0.Add(time.Minute), Leeway: time.Minute}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, v := range []*Verifier{cached, cold} {
			c, err := v.Verify(context.Background(), tok, exp)
			if err == nil && !signed[tok] {
				t.Fatalf("verified a token nobody signed: %q", tok)
			}
			if err != nil && c != nil {
				t.Fatal("claims with an error")
			}
			if err == nil {
				_ = c.Subject() + c.ClientID() + c.Username() + c.JTI() + c.OriginJTI() + c.TokenUse()
				_, _, _, _, _ = c.Audience(), c.Groups(), c.Scopes(), c.Expiry(), c.AuthTime()
			}
		}
	})
}
