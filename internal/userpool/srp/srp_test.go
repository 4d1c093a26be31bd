package srp

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"
)

// hexHash is the clients' hexHash: SHA-256 of hexdecode(h), as hex. Used to
// check the byte-level helpers against the string-level description.
func hexHash(t *testing.T, h string) string {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatalf("hexHash(%q): %v", h, err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestConstants(t *testing.T) {
	t.Parallel()
	const wantK = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
	if got := hex.EncodeToString(groupK.FillBytes(make([]byte, 32))); got != wantK {
		t.Errorf("k = %s, want %s", got, wantK)
	}
	if got := hexHash(t, padHex(groupN)+padHex(groupG)); got != wantK {
		t.Errorf("hexHash(padHex(N) ‖ padHex(g)) = %s, want %s", got, wantK)
	}
	if groupN.BitLen() != 3072 || !groupN.ProbablyPrime(4) {
		t.Errorf("N: %d bits, prime=%v", groupN.BitLen(), groupN.ProbablyPrime(4))
	}
	if !strings.HasPrefix(padHex(groupN), "00ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1") ||
		!strings.HasSuffix(padHex(groupN), "43db5bfce0fd108e4b82d120a93ad2caffffffffffffffff") ||
		len(padHex(groupN)) != 2*(groupBytes+1) {
		t.Errorf("padHex(N) = %s", padHex(groupN))
	}
}

func TestPadHex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string // hex
		want string
	}{
		{"0", "00"},
		{"1", "01"},
		{"f", "0f"},     // odd length: one "0" makes it even and the top nibble 0
		{"10", "10"},    // even, top nibble < 8
		{"7f", "7f"},    // largest one-byte value without a sign byte
		{"80", "0080"},  // top nibble 8: sign byte
		{"ec", "00ec"},  // AJS doc example 236
		{"14", "14"},    // AJS doc example 20
		{"c8", "00c8"},  // AJS doc example 200
		{"8bc", "08bc"}, // odd length with top nibble ≥ 8: "0" only
		{"abc", "0abc"},
		{"ff", "00ff"},
		{"100", "0100"},
		{"ffff", "00ffff"},
		{"00ff", "00ff"}, // input leading zeros are not significant
		{"deadbeef", "00deadbeef"},
		{"7eadbeef", "7eadbeef"},
	} {
		n := mustHex(tc.in)
		if got := padHex(n); got != tc.want {
			t.Errorf("padHex(0x%s) = %s, want %s", tc.in, got, tc.want)
		}
		if got := hex.EncodeToString(padBytes(n)); got != tc.want {
			t.Errorf("padBytes(0x%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPoolName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"us-east-1_AbCdEf123", "AbCdEf123"},
		{"eu-west-2_x", "x"},
		{"local_0123456789", "0123456789"},
		{"noUnderscore", "noUnderscore"},
		{"a_b_c", "b"}, // like AJS's split("_")[1]
		{"us-east-1_", ""},
		{"", ""},
	} {
		if got := PoolName(tc.in); got != tc.want {
			t.Errorf("PoolName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// verifyArgs are the arguments the server passes to Verify.
type verifyArgs struct {
	pool, user string
	block      []byte
	ts, sig    string
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	const pool, user, pw = "AbCdEf123", "0c2c4a5e-8f1b-4c7e-9d1a-3b5f6e7d8c9a", "Correct horse 1!"
	salt, verifier, err := NewVerifier(rand.Reader, pool, user, pw)
	if err != nil {
		t.Fatal(err)
	}
	block := []byte("opaque sealed secret block \x00\xff")
	blockB64 := base64.StdEncoding.EncodeToString(block)
	ts := FormatTimestamp(time.Now())

	for _, tc := range []struct {
		name string
		// client-side inputs
		clientPool, clientUser, clientPW, clientTS string
		// server-side change
		mutate func(*verifyArgs)
		want   bool
	}{
		{name: "right password", want: true},
		{name: "wrong password", clientPW: pw + "x"},
		{name: "empty password", clientPW: "\x00"},
		{name: "wrong user (client)", clientUser: user + "x"},
		{name: "wrong user (server)", mutate: func(a *verifyArgs) { a.user = "someone-else" }},
		{name: "wrong pool (client)", clientPool: "OtherPool"},
		{name: "wrong pool (server)", mutate: func(a *verifyArgs) { a.pool = "OtherPool" }},
		{name: "tampered secret block", mutate: func(a *verifyArgs) {
			a.block = append(bytes.Clone(a.block[:len(a.block)-1]), a.block[len(a.block)-1]^1)
		}},
		{name: "truncated secret block", mutate: func(a *verifyArgs) { a.block = a.block[:len(a.block)-1] }},
		{name: "tampered timestamp", mutate: func(a *verifyArgs) {
			a.ts = FormatTimestamp(time.Now().Add(-time.Hour))
			if a.ts == ts {
				a.ts = FormatTimestamp(time.Now().Add(time.Hour))
			}
		}},
		{name: "tampered signature", mutate: func(a *verifyArgs) {
			s, _ := base64.StdEncoding.DecodeString(a.sig)
			s[0] ^= 0x80
			a.sig = base64.StdEncoding.EncodeToString(s)
		}},
		{name: "truncated signature", mutate: func(a *verifyArgs) { a.sig = a.sig[:40] }},
		{name: "signature not base64", mutate: func(a *verifyArgs) { a.sig = "!" + a.sig[1:] }},
		{name: "empty signature", mutate: func(a *verifyArgs) { a.sig = "" }},
		{name: "unpadded signature accepted", mutate: func(a *verifyArgs) { a.sig = strings.TrimRight(a.sig, "=") }, want: true},
		// The signed message is a plain concatenation, as in every client,
		// so moving the pool/user boundary is invisible to the HMAC. That
		// is harmless: the key K is bound to the user's verifier through
		// the session, and the caller passes its own pool name and user.
		{name: "pool and user boundary moved", mutate: func(a *verifyArgs) {
			a.pool, a.user = pool+user[:1], user[1:]
		}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sess, params, err := Start(rand.Reader, c.A(), salt, verifier)
			if err != nil {
				t.Fatal(err)
			}
			or := func(s, def string) string {
				if s == "" {
					return def
				}
				return s
			}
			cts := or(tc.clientTS, ts)
			sig, err := c.Respond(or(tc.clientPool, pool), or(tc.clientUser, user), or(tc.clientPW, pw),
				params.SRPB, params.Salt, blockB64, cts)
			if err != nil {
				t.Fatal(err)
			}
			args := verifyArgs{pool: pool, user: user, block: block, ts: cts, sig: sig}
			if tc.mutate != nil {
				tc.mutate(&args)
			}
			if got := sess.Verify(args.pool, args.user, args.block, args.ts, args.sig); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestVerifyTimestampCanonical: a client that signs a grammatical but
// non-canonical TIMESTAMP fails verification (NotAuthorizedException), as
// on AWS; the canonical form verifies.
func TestVerifyTimestampCanonical(t *testing.T) {
	t.Parallel()
	const pool, user, pw = "Pool1", "user-1", "pw"
	salt, verifier, err := NewVerifier(rand.Reader, pool, user, pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ts   string
		want bool
	}{
		{"Tue Mar 3 09:05:01 UTC 2020", true},
		{"Sun Nov 22 14:00:00 UTC 2026", true},
		// Grammatical, but 2026-11-22 is a Sunday: fails like any wrong weekday.
		{"Wed Nov 22 14:00:00 UTC 2026", false},
		{"Sun Jan 1 00:00:00 UTC 2017", true},
		{"Sat Dec 31 23:59:59 UTC 2016", true},
		{"Thu Feb 29 12:00:00 UTC 2024", true},  // leap day
		{"Tue Mar 03 09:05:01 UTC 2020", false}, // zero-padded day
		{"Wed Mar 3 09:05:01 UTC 2020", false},  // wrong weekday
		{"Sat Feb 29 12:00:00 UTC 2025", false}, // no such date (Java would read Mar 1)
		{"Mon Feb 31 12:00:00 UTC 2025", false},
		{"tue Mar 3 09:05:01 UTC 2020", false}, // not grammatical either
		{"Tue Mar 3 9:05:01 UTC 2020", false},
		{"", false},
	} {
		t.Run(tc.ts, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sess, params, err := Start(rand.Reader, c.A(), salt, verifier)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := c.Respond(pool, user, pw, params.SRPB, params.Salt, "AAAA", tc.ts)
			if err != nil {
				t.Fatal(err)
			}
			if got := sess.Verify(pool, user, []byte{0, 0, 0}, tc.ts, sig); got != tc.want {
				t.Errorf("Verify(%q) = %v, want %v", tc.ts, got, tc.want)
			}
		})
	}
}

func TestStartRejectsA(t *testing.T) {
	t.Parallel()
	salt, verifier, err := NewVerifier(rand.Reader, "P", "u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	nMinus1 := new(big.Int).Sub(groupN, big.NewInt(1))
	for _, tc := range []struct {
		name, a string
		ok      bool
	}{
		{"empty", "", false},
		{"zero", "0", false},
		{"zeros", "0000", false},
		{"N", groupN.Text(16), false},
		{"N uppercase", strings.ToUpper(groupN.Text(16)), false},
		{"padHex N", padHex(groupN), false},
		{"2N", new(big.Int).Lsh(groupN, 1).Text(16), false},
		{"N+1", new(big.Int).Add(groupN, big.NewInt(1)).Text(16), false},
		{"non-hex", "xyz", false},
		{"hex with g", "12g4", false},
		{"0x prefix", "0x1234", false},
		{"sign", "-1234", false},
		{"plus", "+1234", false},
		{"underscore", "12_34", false},
		{"space", "12 34", false},
		{"trailing newline", "1234\n", false},
		{"huge", strings.Repeat("1", MaxSRPAHexLen+1), false},
		{"very huge", strings.Repeat("f", 200<<10), false},
		{"one", "1", true},
		{"odd length", "abc", true},
		{"uppercase", "ABCDEF", true},
		{"N-1", nMinus1.Text(16), true},
		{"padHex N-1", padHex(nMinus1), true},
		{"zero-padded to max", strings.Repeat("0", MaxSRPAHexLen-1) + "2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sess, params, err := Start(rand.Reader, tc.a, salt, verifier)
			if tc.ok {
				if err != nil || sess == nil || params.SRPB == "" || params.Salt == "" {
					t.Fatalf("Start(%.20q) = %v, %+v, %v; want success", tc.a, sess, params, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidA) || sess != nil {
				t.Fatalf("Start(%.20q) error = %v, want ErrInvalidA", tc.a, err)
			}
		})
	}
}

func TestStartRejectsStoredValues(t *testing.T) {
	t.Parallel()
	c, err := NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	salt, verifier, err := NewVerifier(rand.Reader, "P", "u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		salt, verifier []byte
		want           error
	}{
		{"empty salt", nil, verifier, ErrInvalidSalt},
		{"huge salt", make([]byte, 65), verifier, ErrInvalidSalt},
		{"empty verifier", salt, nil, ErrInvalidVerifier},
		{"zero verifier", salt, make([]byte, groupBytes), ErrInvalidVerifier},
		{"verifier = N", salt, groupN.Bytes(), ErrInvalidVerifier},
		{"verifier too long", salt, append([]byte{0}, verifier...), ErrInvalidVerifier},
	} {
		if _, _, err := Start(rand.Reader, c.A(), tc.salt, tc.verifier); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// zeroReader yields zero bytes: every b drawn from it is 0.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// TestDegenerateRandom covers the redraw loops (b = 0; the same loop guards
// B mod N == 0 and u == 0, which no test can provoke: that needs a SHA-256
// preimage) and a failing random source.
func TestDegenerateRandom(t *testing.T) {
	t.Parallel()
	salt, verifier, err := NewVerifier(rand.Reader, "P", "u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Start(zeroReader{}, "1234", salt, verifier); !errors.Is(err, ErrRandom) {
		t.Errorf("Start with zero random: %v, want ErrRandom", err)
	}
	if _, _, err := Start(failReader{}, "1234", salt, verifier); err == nil {
		t.Error("Start with failing random: no error")
	}
	if _, err := NewClient(zeroReader{}); !errors.Is(err, ErrRandom) {
		t.Errorf("NewClient with zero random: %v, want ErrRandom", err)
	}
	if _, _, err := NewVerifier(failReader{}, "P", "u", "pw"); err == nil {
		t.Error("NewVerifier with failing random: no error")
	}
	// A few zero draws followed by good ones succeed.
	r := io.MultiReader(bytes.NewReader(make([]byte, 3*ephemeralBytes)), rand.Reader)
	if _, _, err := Start(r, "1234", salt, verifier); err != nil {
		t.Errorf("Start after zero draws: %v", err)
	}
}

// TestZeroU: a session whose u is zero (impossible from Start) is refused by
// UnmarshalBinary, MarshalBinary and Verify; a Client refuses u = 0 too.
func TestZeroU(t *testing.T) {
	t.Parallel()
	data := make([]byte, sessionLen)
	data[0] = sessionVersion
	data[1] = 1 // b = 1 << 248
	data[1+ephemeralBytes+32+groupBytes-1] = 2
	data[sessionLen-1] = 3
	var got Session
	if err := got.UnmarshalBinary(data); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("UnmarshalBinary with u = 0: %v", err)
	}
	data[1+ephemeralBytes] = 1 // now u ≠ 0
	if err := got.UnmarshalBinary(data); err != nil {
		t.Errorf("UnmarshalBinary with u ≠ 0: %v", err)
	}
	var zero Session
	if zero.Verify("p", "u", nil, "Tue Mar 3 09:05:01 UTC 2020", strings.Repeat("A", 43)+"=") {
		t.Error("zero Session verified")
	}
	if (*Session)(nil).Verify("p", "u", nil, "Tue Mar 3 09:05:01 UTC 2020", "") {
		t.Error("nil Session verified")
	}
	if _, err := zero.MarshalBinary(); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("MarshalBinary of zero Session: %v", err)
	}
}

func TestClientRejects(t *testing.T) {
	t.Parallel()
	c, err := NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, b, salt, block string
		want                 error
	}{
		{"B = 0", "0", "01", "", ErrInvalidB},
		{"B = N", groupN.Text(16), "01", "", ErrInvalidB},
		{"B not hex", "xyz", "01", "", ErrInvalidB},
		{"salt not hex", "1234", "zz", "", ErrInvalidSalt},
		{"block not base64", "1234", "01", "!!", ErrInvalidSecretBlock},
	} {
		if _, err := c.Respond("p", "u", "pw", tc.b, tc.salt, tc.block, "t"); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	const pool, user, pw = "AbCdEf123", "user", "pässwörd 🔑"
	salt, verifier, err := NewVerifier(rand.Reader, pool, user, pw)
	if err != nil {
		t.Fatal(err)
	}
	if len(salt) != SaltSize || len(verifier) != groupBytes {
		t.Fatalf("len(salt) = %d, len(verifier) = %d", len(salt), len(verifier))
	}
	for _, tc := range []struct {
		name, pool, user, pw string
		salt, verifier       []byte
		want                 bool
	}{
		{"right", pool, user, pw, salt, verifier, true},
		{"minimal verifier encoding", pool, user, pw, salt, new(big.Int).SetBytes(verifier).Bytes(), true},
		{"wrong password", pool, user, pw + " ", salt, verifier, false},
		{"password case", pool, user, strings.ToUpper(pw), salt, verifier, false},
		{"wrong user", pool, "User", pw, salt, verifier, false},
		{"wrong pool", "abcdef123", user, pw, salt, verifier, false},
		{"user/password boundary", pool, user + ":p", pw[1:], salt, verifier, false},
		{"other salt", pool, user, pw, bytes.Repeat([]byte{1}, SaltSize), verifier, false},
		{"no salt", pool, user, pw, nil, verifier, false},
		{"no verifier", pool, user, pw, salt, nil, false},
		{"verifier = N", pool, user, pw, salt, groupN.Bytes(), false},
		{"oversized verifier", pool, user, pw, salt, append([]byte{0}, verifier...), false},
	} {
		if got := CheckPassword(tc.pool, tc.user, tc.pw, tc.salt, tc.verifier); got != tc.want {
			t.Errorf("%s: CheckPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestVerifierDiffersPerSalt(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	salts := map[string]bool{}
	for range 4 {
		salt, v, err := NewVerifier(rand.Reader, "P", "u", "same password")
		if err != nil {
			t.Fatal(err)
		}
		if salts[string(salt)] || seen[string(v)] {
			t.Fatal("salt or verifier repeated")
		}
		salts[string(salt)], seen[string(v)] = true, true
		if !CheckPassword("P", "u", "same password", salt, v) {
			t.Fatal("CheckPassword rejects its own verifier")
		}
	}
	// The same salt gives the same verifier; NewVerifier is deterministic
	// in its random input.
	fixed := bytes.Repeat([]byte{0x80}, SaltSize)
	s1, v1, _ := NewVerifier(bytes.NewReader(fixed), "P", "u", "pw")
	s2, v2, _ := NewVerifier(bytes.NewReader(fixed), "P", "u", "pw")
	if !bytes.Equal(s1, fixed) || !bytes.Equal(s1, s2) || !bytes.Equal(v1, v2) {
		t.Error("NewVerifier not deterministic for a fixed salt")
	}
}

// TestSaltEncodings: salts with a leading zero byte or the top bit set are
// sent as padHex, and the client's SALT parsing round-trips them.
func TestSaltEncodings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		salt []byte
		want string
	}{
		{append([]byte{0x00, 0x00}, bytes.Repeat([]byte{0x11}, 14)...), strings.Repeat("11", 14)},
		{append([]byte{0x00, 0x80}, bytes.Repeat([]byte{0x11}, 14)...), "0080" + strings.Repeat("11", 14)},
		{append([]byte{0x0a}, bytes.Repeat([]byte{0x11}, 15)...), "0a" + strings.Repeat("11", 15)},
		{append([]byte{0xf0}, bytes.Repeat([]byte{0x11}, 15)...), "00f0" + strings.Repeat("11", 15)},
		{make([]byte, SaltSize), "00"},
	} {
		salt, verifier, err := NewVerifier(bytes.NewReader(tc.salt), "P", "u", "pw")
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewClient(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sess, params, err := Start(rand.Reader, c.A(), salt, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if params.Salt != tc.want {
			t.Errorf("SALT for %x = %s, want %s", tc.salt, params.Salt, tc.want)
		}
		ts := "Tue Mar 3 09:05:01 UTC 2020"
		sig, err := c.Respond("P", "u", "pw", params.SRPB, params.Salt, "", ts)
		if err != nil {
			t.Fatal(err)
		}
		if !sess.Verify("P", "u", nil, ts, sig) {
			t.Errorf("salt %x: login failed", tc.salt)
		}
	}
}

func TestSessionMarshal(t *testing.T) {
	t.Parallel()
	const pool, user, pw = "P", "u", "pw"
	salt, verifier, err := NewVerifier(rand.Reader, pool, user, pw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sess, params, err := Start(rand.Reader, c.A(), salt, verifier)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sess.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != sessionLen {
		t.Fatalf("len = %d, want %d", len(data), sessionLen)
	}
	var back Session
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(data, again) {
		t.Error("Marshal(Unmarshal(x)) != x")
	}
	ts := FormatTimestamp(time.Now())
	sig, err := c.Respond(pool, user, pw, params.SRPB, params.Salt, "c2VjcmV0", ts)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Verify(pool, user, []byte("secret"), ts, sig) {
		t.Error("unmarshalled session does not verify")
	}

	// Every corruption is rejected without panicking, and leaves the
	// receiver unchanged.
	bad := map[string][]byte{
		"nil":         nil,
		"empty":       {},
		"short":       data[:len(data)-1],
		"long":        append(bytes.Clone(data), 0),
		"version 0":   append([]byte{0}, data[1:]...),
		"version 2":   append([]byte{2}, data[1:]...),
		"b = 0":       withZero(data, 1, ephemeralBytes),
		"u = 0":       withZero(data, 1+ephemeralBytes, 32),
		"A = 0":       withZero(data, 1+ephemeralBytes+32, groupBytes),
		"v = 0":       withZero(data, 1+ephemeralBytes+32+groupBytes, groupBytes),
		"A = N":       withValue(data, 1+ephemeralBytes+32, groupN),
		"v = N":       withValue(data, 1+ephemeralBytes+32+groupBytes, groupN),
		"A = all ff":  withFF(data, 1+ephemeralBytes+32, groupBytes),
		"v = all ff":  withFF(data, 1+ephemeralBytes+32+groupBytes, groupBytes),
		"garbage":     []byte("garbage"),
		"sessionLen0": make([]byte, sessionLen),
	}
	for name, b := range bad {
		s := back
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrInvalidSession) {
			t.Errorf("%s: UnmarshalBinary = %v, want ErrInvalidSession", name, err)
		}
		if !s.Verify(pool, user, []byte("secret"), ts, sig) {
			t.Errorf("%s: failed UnmarshalBinary changed the receiver", name)
		}
	}
}

func withZero(data []byte, off, n int) []byte {
	d := bytes.Clone(data)
	clear(d[off : off+n])
	return d
}

func withFF(data []byte, off, n int) []byte {
	d := bytes.Clone(data)
	for i := off; i < off+n; i++ {
		d[i] = 0xff
	}
	return d
}

func withValue(data []byte, off int, v *big.Int) []byte {
	d := bytes.Clone(data)
	v.FillBytes(d[off : off+groupBytes])
	return d
}

func TestTimestampGrammar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ts    string
		valid bool
	}{
		{"Tue Mar 3 09:05:01 UTC 2020", true},
		{"Wed Nov 22 14:00:00 UTC 2026", true}, // grammatical; the weekday is wrong (a Sunday), which Verify catches
		{"Sun Jan 1 00:00:00 UTC 2017", true},
		{"Sat Dec 31 23:59:59 UTC 2016", true},
		// Decision: a zero-padded day is grammatical (Java's "d" parses
		// it); Verify then fails it, i.e. NotAuthorizedException, as AWS.
		{"Tue Mar 03 09:05:01 UTC 2020", true},
		// A wrong weekday or an impossible date is grammatical too, and
		// fails Verify.
		{"Mon Mar 3 09:05:01 UTC 2020", true},
		{"Mon Feb 31 09:05:01 UTC 2020", true},
		// 12-hour misuse (alexrudd/cognito-srp's "03" layout: 15:05 sent
		// as 03:05) is NOT detectable: it is a valid 24-hour time.
		{"Tue Mar 3 03:05:01 UTC 2020", true},

		{"tue Mar 3 09:05:01 UTC 2020", false}, // lowercase day name
		{"TUE Mar 3 09:05:01 UTC 2020", false},
		{"Tue mar 3 09:05:01 UTC 2020", false},
		{"Tuesday Mar 3 09:05:01 UTC 2020", false},
		{"Tue March 3 09:05:01 UTC 2020", false},
		{"Tue Mar 3 09:05:01 2020", false},     // missing zone
		{"Tue Mar 3 09:05:01 GMT 2020", false}, // only UTC
		{"Tue Mar 3 09:05:01 utc 2020", false}, // zone case
		{"Tue Mar 3 09:05:01 UTC+0 2020", false},
		{"Tue Mar 0 09:05:01 UTC 2020", false},  // day 0
		{"Tue Mar 32 09:05:01 UTC 2020", false}, // day 32
		{"Tue Mar 003 09:05:01 UTC 2020", false},
		{"Tue Mar 3 24:00:00 UTC 2020", false}, // Chrome's Intl hour 24 (amazon-cognito-passwordless-auth#145)
		{"Tue Mar 3 9:05:01 UTC 2020", false},  // hour not zero-padded
		{"Tue Mar 3 09:5:01 UTC 2020", false},
		{"Tue Mar 3 09:05:1 UTC 2020", false},
		{"Tue Mar 3 09:60:01 UTC 2020", false},
		{"Tue Mar 3 09:05:60 UTC 2020", false},
		{"Tue Mar 3 09:05:01 PM UTC 2020", false},
		{"Tue Mar 3 09:05:01 UTC 20", false},
		{"Tue Mar 3 09:05:01 UTC 20200", false},
		{"Tue  Mar 3 09:05:01 UTC 2020", false}, // double space
		{"Tue Mar  3 09:05:01 UTC 2020", false}, // C asctime-style space padding
		{" Tue Mar 3 09:05:01 UTC 2020", false},
		{"Tue Mar 3 09:05:01 UTC 2020 ", false},
		{"Tue Mar 3 09:05:01 UTC 2020\n", false},
		{"Tue, 03 Mar 2020 09:05:01 GMT", false}, // RFC 1123
		{"2020-03-03T09:05:01Z", false},
		{"1583226301", false},
		{"", false},
		{"Tue", false},
		{"garbage", false},
		{"Tue Mar 3 ０9:05:01 UTC 2020", false}, // non-ASCII digit
	} {
		if got := ValidTimestamp(tc.ts); got != tc.valid {
			t.Errorf("ValidTimestamp(%q) = %v, want %v", tc.ts, got, tc.valid)
		}
	}
}

func TestFormatParseTimestamp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2020, 3, 3, 9, 5, 1, 0, time.UTC), "Tue Mar 3 09:05:01 UTC 2020"},
		{time.Date(2026, 11, 22, 14, 0, 0, 999, time.UTC), "Sun Nov 22 14:00:00 UTC 2026"},
		{time.Date(2020, 3, 3, 23, 5, 1, 0, time.FixedZone("X", 5*3600)), "Tue Mar 3 18:05:01 UTC 2020"},
		{time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), "Tue Dec 31 23:59:59 UTC 2024"},
	} {
		got := FormatTimestamp(tc.t)
		if got != tc.want {
			t.Errorf("FormatTimestamp(%v) = %q, want %q", tc.t, got, tc.want)
		}
		back, err := ParseTimestamp(got)
		if err != nil || !back.Equal(tc.t.Truncate(time.Second)) {
			t.Errorf("ParseTimestamp(%q) = %v, %v", got, back, err)
		}
		if !canonicalTimestamp(got) {
			t.Errorf("%q not canonical", got)
		}
	}
	// Java-lenient reading of an impossible date.
	if got, err := ParseTimestamp("Mon Feb 30 00:00:00 UTC 2026"); err != nil || got.Month() != time.March || got.Day() != 2 {
		t.Errorf("ParseTimestamp(Feb 30) = %v, %v", got, err)
	}
	if _, err := ParseTimestamp("nope"); !errors.Is(err, ErrInvalidTimestamp) {
		t.Errorf("ParseTimestamp error = %v", err)
	}
}

// TestExpG checks the fixed-base comb against big.Int.Exp.
func TestExpG(t *testing.T) {
	t.Parallel()
	max256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	exps := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(3), big.NewInt(255), big.NewInt(256),
		new(big.Int).Lsh(big.NewInt(1), 31), new(big.Int).Lsh(big.NewInt(1), 32),
		new(big.Int).Lsh(big.NewInt(1), 255), max256,
		new(big.Int).Lsh(big.NewInt(1), 256),    // 257 bits: falls back to Exp
		new(big.Int).Lsh(max256, 700),           // much larger
		new(big.Int).Sub(groupN, big.NewInt(1)), // N-1
		new(big.Int).SetBytes(bytes.Repeat([]byte{0x5a}, 32)),
	}
	for range 20 {
		e, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 256))
		if err != nil {
			t.Fatal(err)
		}
		exps = append(exps, e)
	}
	for _, e := range exps {
		want := new(big.Int).Exp(groupG, e, groupN)
		if got := expG(e); got.Cmp(want) != 0 {
			t.Errorf("expG(%x) = %x…, want %x…", e, got.Bytes()[:8], want.Bytes()[:8])
		}
	}
}
