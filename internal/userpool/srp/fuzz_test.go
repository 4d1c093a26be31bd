package srp

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzStart: no SRP_A string may panic Start; an accepted one is a bounded
// hex string naming 0 < A < N, and yields a usable session.
func FuzzStart(f *testing.F) {
	salt, verifier, err := NewVerifier(rand.Reader, "Pool", "user", "password")
	if err != nil {
		f.Fatal(err)
	}
	c, err := NewClient(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"", "0", "00", "1", "2", "abc", "ABC", "-1", "+1", "0x1", "1_0", " 1", "1 ", "\x00",
		c.A(), strings.ToUpper(c.A()), padHex(groupN), groupN.Text(16), strings.Repeat("f", 768),
		strings.Repeat("0", MaxSRPAHexLen), strings.Repeat("0", MaxSRPAHexLen-1) + "1",
		strings.Repeat("0", MaxSRPAHexLen) + "1", strings.Repeat("9", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, srpA string) {
		sess, params, err := Start(rand.Reader, srpA, salt, verifier)
		if err != nil {
			if !errors.Is(err, ErrInvalidA) {
				t.Fatalf("Start(%q): unexpected error %v", srpA, err)
			}
			return
		}
		if len(srpA) > MaxSRPAHexLen || strings.Trim(srpA, "0123456789abcdefABCDEF") != "" {
			t.Fatalf("Start accepted %q", srpA)
		}
		if !inGroup(sess.a) || !inGroup(sess.v) || sess.b.Sign() == 0 || sess.u.Sign() == 0 {
			t.Fatalf("bad session from %q", srpA)
		}
		if b, ok := parseHex(params.SRPB, MaxSRPAHexLen); !ok || !inGroup(b) {
			t.Fatalf("bad SRP_B %q", params.SRPB)
		}
		data, err := sess.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Session
		if err := back.UnmarshalBinary(data); err != nil {
			t.Fatalf("round trip of session from %q: %v", srpA, err)
		}
	})
}

// FuzzUnmarshalSession: no input may panic UnmarshalBinary (or Verify on
// what it accepted); accepted input round-trips exactly.
func FuzzUnmarshalSession(f *testing.F) {
	salt, verifier, err := NewVerifier(rand.Reader, "Pool", "user", "password")
	if err != nil {
		f.Fatal(err)
	}
	c, err := NewClient(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	sess, _, err := Start(rand.Reader, c.A(), salt, verifier)
	if err != nil {
		f.Fatal(err)
	}
	good, err := sess.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{sessionVersion})
	f.Add(make([]byte, sessionLen))
	f.Add(append([]byte{sessionVersion}, bytes.Repeat([]byte{0xff}, sessionLen-1)...))
	f.Add(append([]byte{sessionVersion}, bytes.Repeat([]byte{0x01}, sessionLen-1)...))
	f.Add(good[:sessionLen-1])
	f.Add(append(bytes.Clone(good), 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Session
		if err := s.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrInvalidSession) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("round trip: %v", err)
		}
		// Verify costs two exponentiations (far more under the fuzzer's
		// coverage instrumentation): run it on one accepted input in 64 to
		// keep the fuzzer's throughput.
		if data[1]%64 == 0 {
			_ = s.Verify("Pool", "user", data, "Tue Mar 3 09:05:01 UTC 2020", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
		}
	})
}

// FuzzTimestamp: ValidTimestamp never panics; a grammatical TIMESTAMP names
// an instant whose rendering is itself canonical, and canonical ones parse
// the same with Go's time.Parse.
func FuzzTimestamp(f *testing.F) {
	for _, seed := range []string{
		"Tue Mar 3 09:05:01 UTC 2020", "Tue Mar 03 09:05:01 UTC 2020", "Wed Nov 22 14:00:00 UTC 2026",
		"Mon Feb 31 23:59:59 UTC 2020", "tue Mar 3 09:05:01 UTC 2020", "", "Tue", "Tue Mar 3 24:00:00 UTC 2020",
		"Tue Mar 3 09:05:01 UTC 99999", "Sun Jan 1 00:00:00 UTC 0000",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ts string) {
		tm, err := ParseTimestamp(ts)
		if (err == nil) != ValidTimestamp(ts) {
			t.Fatalf("ParseTimestamp and ValidTimestamp disagree on %q", ts)
		}
		if err != nil {
			if canonicalTimestamp(ts) {
				t.Fatalf("invalid %q is canonical", ts)
			}
			return
		}
		canon := FormatTimestamp(tm)
		if tm.Year() >= 1000 && !canonicalTimestamp(canon) {
			t.Fatalf("%q → %q, which is not canonical", ts, canon)
		}
		if canonicalTimestamp(ts) {
			if canon != ts {
				t.Fatalf("canonical %q renders as %q", ts, canon)
			}
			gt, err := time.Parse("Mon Jan 2 15:04:05 UTC 2006", ts)
			if err != nil || !gt.Equal(tm) {
				t.Fatalf("time.Parse(%q) = %v, %v; ParseTimestamp = %v", ts, gt, err, tm)
			}
		}
	})
}
