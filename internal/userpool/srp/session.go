package srp

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// sessionVersion is the first byte of a marshalled Session.
const sessionVersion = 1

// sessionLen is the length of a marshalled Session:
// version ‖ b (32) ‖ u (32) ‖ A (384) ‖ v (384), all big-endian, fixed width.
const sessionLen = 1 + ephemeralBytes + 32 + groupBytes + groupBytes

// Session is the server-side state between InitiateAuth (Start) and
// RespondToAuthChallenge (Verify). It holds the server's private ephemeral
// b, so the caller must seal (encrypt and authenticate) MarshalBinary's
// output, e.g. inside SECRET_BLOCK together with the user, client id and
// issue time, and must itself bind it to that user and client.
//
// S is computed in Verify rather than in Start so that InitiateAuth, which
// anyone can call, costs one modular exponentiation instead of three.
//
// A Session is immutable once made; Verify may be called concurrently.
type Session struct {
	b *big.Int // server private ephemeral, 0 < b < 2^256
	u *big.Int // H(padHex(A) ‖ padHex(B)), non-zero
	a *big.Int // client public ephemeral A, 0 < A < N
	v *big.Int // verifier, 0 < v < N
}

// ChallengeParams are the PASSWORD_VERIFIER challenge parameters as the
// client must see them.
type ChallengeParams struct {
	// SRPB is SRP_B: B in lowercase hex, without leading zeros.
	SRPB string
	// Salt is SALT: padHex of the salt. Clients differ in how they read it
	// (AJS parses and re-pads, pycognito pads the string as received); the
	// two agree only on this canonical form.
	Salt string
}

// parseA parses and validates SRP_A: 1..MaxSRPAHexLen hex digits with
// 0 < A < N. A ≥ N is rejected rather than reduced: no client produces it,
// and both sides hash A as sent. This covers A mod N == 0 (A = 0, A = N).
func parseA(srpA string) (*big.Int, error) {
	a, ok := parseHex(srpA, MaxSRPAHexLen)
	if !ok || !inGroup(a) {
		return nil, ErrInvalidA
	}
	return a, nil
}

// randomExponent reads n bytes from random as a big-endian integer, redrawing
// a zero result.
func randomExponent(random io.Reader, n int) (*big.Int, error) {
	buf := make([]byte, n)
	for range maxTries {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("srp: reading random: %w", err)
		}
		if x := new(big.Int).SetBytes(buf); x.Sign() != 0 {
			return x, nil
		}
	}
	return nil, ErrRandom
}

// Start begins the server side of a login. It validates SRP_A, draws b from
// random (use crypto/rand.Reader), computes B = (k·v + g^b) mod N and
// returns the session plus SRP_B and SALT for the PASSWORD_VERIFIER
// challenge. salt and verifier are the values NewVerifier returned.
//
// SRP_A must be 1 to MaxSRPAHexLen hex digits (either case, no sign or
// prefix) naming 0 < A < N; anything else, including A mod N == 0, is
// ErrInvalidA (answer InvalidParameterException). A ≥ N is refused rather
// than reduced: no client sends it. Corrupt stored values give
// ErrInvalidSalt or ErrInvalidVerifier.
//
// B mod N == 0 and u == 0 cannot happen with a working random source
// (probability ~2^-256 each) but are handled by drawing b again.
func Start(random io.Reader, srpA string, salt, verifier []byte) (*Session, ChallengeParams, error) {
	a, err := parseA(srpA)
	if err != nil {
		return nil, ChallengeParams{}, err
	}
	s, err := saltInt(salt)
	if err != nil {
		return nil, ChallengeParams{}, err
	}
	v, err := verifierInt(verifier)
	if err != nil {
		return nil, ChallengeParams{}, err
	}
	kv := new(big.Int).Mul(groupK, v)
	for range maxTries {
		b, err := randomExponent(random, ephemeralBytes)
		if err != nil {
			return nil, ChallengeParams{}, err
		}
		bigB := expG(b)
		bigB.Add(bigB, kv).Mod(bigB, groupN)
		if bigB.Sign() == 0 {
			continue
		}
		u := computeU(a, bigB)
		if u.Sign() == 0 {
			continue
		}
		return &Session{b: b, u: u, a: a, v: v},
			ChallengeParams{SRPB: bigB.Text(16), Salt: padHex(s)}, nil
	}
	return nil, ChallengeParams{}, ErrRandom
}

// Verify checks PASSWORD_CLAIM_SIGNATURE (standard base64; padding
// optional, as Java's decoder allows) against
// HMAC(K, poolName ‖ userIDForSRP ‖ secretBlock ‖ timestamp), comparing in
// constant time. secretBlock is the base64-decoded PASSWORD_CLAIM_SECRET_BLOCK
// exactly as the client signed it; timestamp is TIMESTAMP as received.
//
// The caller should first reject a TIMESTAMP failing ValidTimestamp with
// InvalidParameterException. Verify additionally requires the timestamp
// to be canonical (FormatTimestamp of the instant it names: day not
// zero-padded, weekday matching the date, a real calendar date) and reports
// false otherwise, which the caller maps to NotAuthorizedException, as AWS
// answers a zero-padded day or a wrong weekday (qwigo/warrant#12,
// ministack#1758).
func (s *Session) Verify(poolName, userIDForSRP string, secretBlock []byte, timestamp, signatureB64 string) bool {
	if s == nil || s.b == nil || s.u == nil || s.a == nil || s.v == nil {
		return false
	}
	if !canonicalTimestamp(timestamp) {
		return false
	}
	got, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(signatureB64, "="))
	if err != nil || len(got) != 32 {
		return false
	}
	want := signature(s.key(), poolName, userIDForSRP, secretBlock, timestamp)
	return hmac.Equal(got, want)
}

// key computes S = (A·v^u)^b mod N and K.
func (s *Session) key() []byte {
	sv := new(big.Int).Exp(s.v, s.u, groupN)
	sv.Mul(sv, s.a).Mod(sv, groupN)
	sv.Exp(sv, s.b, groupN)
	return sessionKey(s.u, sv)
}

// MarshalBinary encodes the session (833 bytes, fixed length). The output
// contains the private b: seal it before it leaves the server.
func (s *Session) MarshalBinary() ([]byte, error) {
	if s == nil || s.b == nil || s.u == nil || s.a == nil || s.v == nil {
		return nil, ErrInvalidSession
	}
	out := make([]byte, sessionLen)
	out[0] = sessionVersion
	p := out[1:]
	s.b.FillBytes(p[:ephemeralBytes])
	p = p[ephemeralBytes:]
	s.u.FillBytes(p[:32])
	p = p[32:]
	s.a.FillBytes(p[:groupBytes])
	s.v.FillBytes(p[groupBytes:])
	return out, nil
}

// UnmarshalBinary decodes MarshalBinary's output, validating every field.
// On error the receiver is left unchanged.
func (s *Session) UnmarshalBinary(data []byte) error {
	if len(data) != sessionLen || data[0] != sessionVersion {
		return ErrInvalidSession
	}
	p := data[1:]
	b := new(big.Int).SetBytes(p[:ephemeralBytes])
	p = p[ephemeralBytes:]
	u := new(big.Int).SetBytes(p[:32])
	p = p[32:]
	a := new(big.Int).SetBytes(p[:groupBytes])
	v := new(big.Int).SetBytes(p[groupBytes:])
	if b.Sign() == 0 || u.Sign() == 0 || !inGroup(a) || !inGroup(v) {
		return ErrInvalidSession
	}
	*s = Session{b: b, u: u, a: a, v: v}
	return nil
}
