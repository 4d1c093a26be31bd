package srp

import (
	"encoding/base64"
	"errors"
	"io"
	"math/big"
)

// Client is the client side of a Cognito SRP login, computed the way
// amazon-cognito-identity-js's AuthenticationHelper does. It exists for
// tests and tools (the user-pool package's tests, a CLI smoke test); the
// server never needs it. A Client serves one login: make a new one per
// InitiateAuth.
type Client struct {
	a    *big.Int // private ephemeral, 1024 bits like AJS
	bigA *big.Int // g^a mod N
}

// NewClient draws the private ephemeral a (128 bytes, as AJS does) from
// random and computes A = g^a mod N.
func NewClient(random io.Reader) (*Client, error) {
	return NewClientSize(random, clientEphemeralBytes)
}

// NewClientSize is NewClient with an ephemeral of size bytes: 32 gives
// the 256-bit a the server uses for b, at a third of the cost (load
// generators that share cores with the server under test want that).
func NewClientSize(random io.Reader, size int) (*Client, error) {
	if size < 32 {
		return nil, errors.New("srp: client ephemeral below 256 bits")
	}
	for range maxTries {
		a, err := randomExponent(random, size)
		if err != nil {
			return nil, err
		}
		if bigA := expG(a); bigA.Sign() != 0 {
			return &Client{a: a, bigA: bigA}, nil
		}
	}
	return nil, ErrRandom
}

// A returns SRP_A: A in lowercase hex without leading zeros, as AJS sends
// it (BigInteger.toString(16)).
func (c *Client) A() string { return c.bigA.Text(16) }

// Respond answers the PASSWORD_VERIFIER challenge: from the challenge's
// SRP_B, SALT and SECRET_BLOCK (base64, as received) and the TIMESTAMP to
// send (normally FormatTimestamp(time.Now()); any string may be passed, to
// test the server), it returns PASSWORD_CLAIM_SIGNATURE. userIDForSRP is
// the challenge's USER_ID_FOR_SRP. Like AJS it rejects B mod N == 0 and
// u == 0, parses SALT as an integer and re-pads it.
func (c *Client) Respond(poolName, userIDForSRP, password, srpB, salt, secretBlockB64, timestamp string) (string, error) {
	bigB, ok := parseHex(srpB, MaxSRPAHexLen)
	if !ok || new(big.Int).Mod(bigB, groupN).Sign() == 0 {
		return "", ErrInvalidB
	}
	s, ok := parseHex(salt, 2*maxSaltBytes+2)
	if !ok {
		return "", ErrInvalidSalt
	}
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return "", ErrInvalidSecretBlock
	}
	key, err := c.key(poolName, userIDForSRP, password, bigB, s)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(signature(key, poolName, userIDForSRP, block, timestamp)), nil
}

// key computes u, x, S = (B − k·g^x)^(a + u·x) mod N and K.
func (c *Client) key(poolName, userIDForSRP, password string, bigB, salt *big.Int) ([]byte, error) {
	u := computeU(c.bigA, bigB)
	if u.Sign() == 0 {
		return nil, ErrInvalidU
	}
	x := computeX(poolName, userIDForSRP, password, salt)
	base := expG(x)
	base.Mul(base, groupK)
	base.Sub(bigB, base).Mod(base, groupN) // Euclidean: result in [0, N)
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, c.a)
	return sessionKey(u, base.Exp(base, exp, groupN)), nil
}
