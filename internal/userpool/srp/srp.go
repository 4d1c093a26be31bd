// Package srp implements the server side of the SRP-6a variant that Amazon
// Cognito user pools use for USER_SRP_AUTH, bit-compatible with the clients
// in the wild: amazon-cognito-identity-js / Amplify (AuthenticationHelper.js),
// pycognito (aws_srp.py) and alexrudd/cognito-srp.
//
// The variant (see shared/reference/cognito.md §3):
//
//   - group: the RFC 5054 / RFC 3526 3072-bit prime N, g = 2, H = SHA-256;
//   - padHex(n): the minimal big-endian two's-complement encoding of n (Java's
//     BigInteger.toByteArray): even length, with a 00 byte prepended when
//     the top bit would otherwise be set; every hash input uses it;
//   - k = H(padHex(N) ‖ padHex(g)) = H(00 ‖ N ‖ 02);
//   - x = H(padHex(salt) ‖ H(poolName ‖ userIDForSRP ‖ ":" ‖ password)), v = g^x;
//   - u = H(padHex(A) ‖ padHex(B)); B = k·v + g^b; S = (A·v^u)^b;
//   - K = HKDF-SHA256(salt = padHex(u), ikm = padHex(S), info = "Caldera Derived Key"),
//     first 16 bytes of the first output block;
//   - PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(K, poolName ‖ userIDForSRP ‖
//     SECRET_BLOCK (decoded) ‖ TIMESTAMP)).
//
// TIMESTAMP: ValidTimestamp is the grammar check (InvalidParameterException
// on failure); Session.Verify also requires the canonical rendering, so a
// zero-padded day or a wrong weekday is a signature failure
// (NotAuthorizedException), as on AWS. See timestamp.go.
//
// The package is standard library only and keeps no mutable package state:
// the group constants below are computed once (at init, or on first use for
// the comb table) and only read after.
//
// Timing: math/big is not constant-time. The long-lived secret (the verifier
// v) is only ever a base, never an exponent, on the server; the exponents are
// the per-login ephemeral b, the public u, and x derived from the candidate
// password being tested (which the caller of CheckPassword already knows).
// Signature and verifier comparisons use constant-time comparisons.
package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"strings"
	"sync"
)

// nHex is the RFC 5054 / RFC 3526 3072-bit MODP prime.
const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

const (
	// groupBytes is the byte length of N; group elements (A, B, v, S) are
	// stored at this fixed width.
	groupBytes = 384
	// SaltSize is the length of the salts NewVerifier draws.
	SaltSize = 16
	// maxSaltBytes bounds salts accepted from storage (NewVerifier makes 16).
	maxSaltBytes = 64
	// MaxSRPAHexLen bounds the length of SRP_A. N has 768 hex digits; the
	// slack admits zero-padded or padHex-style encodings, and the bound keeps
	// a hostile SRP_A from costing more than a microsecond to reject
	// (faiscadev/fakecloud#1961 measured a 200 MB SRP_A at 1.8 s of CPU).
	MaxSRPAHexLen = 1024
	// ephemeralBytes is the size of the server's private exponent b: 256
	// bits. The 3072-bit group offers about 128-bit security (the number
	// field sieve cost depends on N only); the generic square-root attacks
	// (baby-step/giant-step, Pollard's kangaroo) against an exponent of n
	// bits cost 2^(n/2), so 256 bits matches that level, which is also
	// RFC 5054's "at least 256-bit" advice for a and b. A larger b only
	// makes g^b and S slower (1024 bits costs ~4x).
	ephemeralBytes = 32
	// clientEphemeralBytes is the size of the test client's a, as in
	// AuthenticationHelper.js (128 random bytes).
	clientEphemeralBytes = 128
	// maxTries bounds the loops that redraw a random value that came out
	// degenerate (probability ~2^-256 each with a working source).
	maxTries = 8
)

// derivedKeyInfo is the HKDF info string, followed by HKDF's block counter 1.
const derivedKeyInfo = "Caldera Derived Key\x01"

// Group constants: computed at init (gComb: on first use), read-only
// afterwards.
var (
	groupN = mustHex(nHex)
	groupG = big.NewInt(2)
	// groupK = H(padHex(N) ‖ padHex(g)).
	groupK = new(big.Int).SetBytes(hashBytes(padBytes(groupN), padBytes(groupG)))
	// gComb is the fixed-base comb table for g (see expG).
	gComb = sync.OnceValue(buildComb)
)

// Fixed-base exponentiation of g for the 256-bit exponents b and x.
//
// big.Int.Exp costs ~320 Montgomery multiplications for a 256-bit exponent
// (1.4 ms on the 2-vCPU test machine). g never changes, so a Lim–Lee comb
// does it in 32 squarings and 32 multiplications (~0.45 ms): the exponent's
// 256 bits are read as 8 rows of 32, and table[j] = Π g^(2^(32·r)) over the
// bits r set in j. The table is 256 × 384 bytes, built once (~3 ms).
const (
	combRows = 8
	combCols = 256 / combRows
)

func buildComb() *[1 << combRows]*big.Int {
	var rowBase [combRows]*big.Int // g^(2^(combCols·r))
	rowBase[0] = groupG
	for r := 1; r < combRows; r++ {
		x := new(big.Int).Set(rowBase[r-1])
		for range combCols {
			x.Mul(x, x).Mod(x, groupN)
		}
		rowBase[r] = x
	}
	var t [1 << combRows]*big.Int
	t[0] = big.NewInt(1)
	for j := 1; j < len(t); j++ {
		low := bits.TrailingZeros(uint(j))
		x := new(big.Int).Mul(t[j&^(1<<low)], rowBase[low])
		t[j] = x.Mod(x, groupN)
	}
	return &t
}

// expG returns g^e mod N for e ≥ 0, by the comb for e < 2^256 and by
// big.Int.Exp otherwise. Like big.Int.Exp it is not constant-time.
func expG(e *big.Int) *big.Int {
	if e.Sign() < 0 || e.BitLen() > combRows*combCols {
		return new(big.Int).Exp(groupG, e, groupN)
	}
	t := gComb()
	r := big.NewInt(1)
	prod, quo := new(big.Int), new(big.Int)
	for col := combCols - 1; col >= 0; col-- {
		if col != combCols-1 {
			prod.Mul(r, r)
			quo.QuoRem(prod, groupN, r)
		}
		idx := 0
		for row := range combRows {
			idx |= int(e.Bit(row*combCols+col)) << row
		}
		prod.Mul(r, t[idx])
		quo.QuoRem(prod, groupN, r)
	}
	return r
}

// Sentinel errors. Callers map them to Cognito errors: ErrInvalidA and
// ErrInvalidB to InvalidParameterException; ErrInvalidSalt,
// ErrInvalidVerifier and ErrInvalidSession indicate corrupt stored or sealed
// state (an internal error or, for a sealed SECRET_BLOCK the caller could
// not authenticate, NotAuthorizedException).
var (
	ErrInvalidA           = errors.New("srp: invalid SRP_A")
	ErrInvalidB           = errors.New("srp: invalid SRP_B")
	ErrInvalidSalt        = errors.New("srp: invalid salt")
	ErrInvalidVerifier    = errors.New("srp: invalid verifier")
	ErrInvalidSession     = errors.New("srp: invalid session")
	ErrInvalidSecretBlock = errors.New("srp: invalid SECRET_BLOCK")
	ErrInvalidU           = errors.New("srp: u is zero")
	ErrRandom             = errors.New("srp: random source produced only degenerate values")
)

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("srp: bad constant " + s)
	}
	return n
}

// PoolName returns the SRP pool name: the part of a pool id after "_"
// ("us-east-1_AbCdEf123" → "AbCdEf123"), as CognitoUserPool.getUserPoolName
// does (split on "_", element 1). An id without "_" is returned unchanged.
func PoolName(poolID string) string {
	_, after, found := strings.Cut(poolID, "_")
	if !found {
		return poolID
	}
	// AJS takes split("_")[1]: anything after a second "_" is dropped.
	// Cognito pool ids never have one; mirror the client anyway.
	name, _, _ := strings.Cut(after, "_")
	return name
}

// padHex returns the hex form of n ≥ 0 that the clients hash: minimal
// big-endian, even length, with "00" prepended when the first nibble is
// 8–f (Java BigInteger.toByteArray). padHex(0) is "00".
func padHex(n *big.Int) string {
	s := n.Text(16)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	if s[0] >= '8' {
		s = "00" + s
	}
	return s
}

// padBytes returns the bytes padHex(n) encodes, for n ≥ 0.
func padBytes(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// hashBytes returns SHA-256 over the concatenation of parts.
func hashBytes(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// computeX returns x = H(padHex(salt) ‖ H(poolName ‖ user ‖ ":" ‖ password)).
func computeX(poolName, userIDForSRP, password string, salt *big.Int) *big.Int {
	inner := sha256.Sum256([]byte(poolName + userIDForSRP + ":" + password))
	return new(big.Int).SetBytes(hashBytes(padBytes(salt), inner[:]))
}

// computeU returns u = H(padHex(A) ‖ padHex(B)).
func computeU(a, b *big.Int) *big.Int {
	return new(big.Int).SetBytes(hashBytes(padBytes(a), padBytes(b)))
}

// sessionKey returns K = HKDF-SHA256(salt=padHex(u), ikm=padHex(S),
// info="Caldera Derived Key")[:16]: HKDF-Extract, then the first
// HKDF-Expand block, truncated.
func sessionKey(u, s *big.Int) []byte {
	extract := hmac.New(sha256.New, padBytes(u))
	extract.Write(padBytes(s))
	expand := hmac.New(sha256.New, extract.Sum(nil))
	expand.Write([]byte(derivedKeyInfo))
	return expand.Sum(nil)[:16]
}

// signature returns HMAC-SHA256(K, poolName ‖ userIDForSRP ‖ secretBlock ‖ timestamp).
func signature(key []byte, poolName, userIDForSRP string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userIDForSRP))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// parseHex parses a non-empty string of hex digits (either case) of at most
// maxLen characters. Unlike big.Int.SetString it rejects signs, prefixes and
// underscores.
func parseHex(s string, maxLen int) (*big.Int, bool) {
	if len(s) == 0 || len(s) > maxLen {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 16)
	return n, ok
}

// inGroup reports whether 0 < n < N.
func inGroup(n *big.Int) bool {
	return n.Sign() > 0 && n.Cmp(groupN) < 0
}

// saltInt converts stored salt bytes to the integer both sides pad and hash.
func saltInt(salt []byte) (*big.Int, error) {
	if len(salt) == 0 || len(salt) > maxSaltBytes {
		return nil, ErrInvalidSalt
	}
	return new(big.Int).SetBytes(salt), nil
}

// verifierInt parses a stored verifier: big-endian, 0 < v < N.
func verifierInt(verifier []byte) (*big.Int, error) {
	if len(verifier) == 0 || len(verifier) > groupBytes {
		return nil, ErrInvalidVerifier
	}
	v := new(big.Int).SetBytes(verifier)
	if !inGroup(v) {
		return nil, ErrInvalidVerifier
	}
	return v, nil
}

// NewVerifier derives a fresh 16-byte salt and the verifier v = g^x mod N
// for a password. The verifier is returned as 384 big-endian bytes. Store
// both; they serve SRP (Start) and plaintext password checks (CheckPassword).
// userIDForSRP is the user's internal username (the one sent back as
// USER_ID_FOR_SRP), not an alias.
func NewVerifier(random io.Reader, poolName, userIDForSRP, password string) (salt, verifier []byte, err error) {
	salt = make([]byte, SaltSize)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, nil, fmt.Errorf("srp: reading salt: %w", err)
	}
	s := new(big.Int).SetBytes(salt)
	v := expG(computeX(poolName, userIDForSRP, password, s))
	return salt, v.FillBytes(make([]byte, groupBytes)), nil
}

// CheckPassword recomputes g^x for the candidate password and compares it
// with the stored verifier in constant time (USER_PASSWORD_AUTH,
// ChangePassword). Malformed stored values compare unequal.
func CheckPassword(poolName, userIDForSRP, password string, salt, verifier []byte) bool {
	s, err := saltInt(salt)
	if err != nil {
		return false
	}
	v, err := verifierInt(verifier)
	if err != nil {
		return false
	}
	got := expG(computeX(poolName, userIDForSRP, password, s))
	return subtle.ConstantTimeCompare(
		got.FillBytes(make([]byte, groupBytes)),
		v.FillBytes(make([]byte, groupBytes))) == 1
}
