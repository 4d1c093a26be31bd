package srp

import (
	"crypto/rand"
	"testing"
	"time"
)

// Benchmarks for the server side. One login is Start + Verify; report it
// as logins/s (BenchmarkLogin: one core; BenchmarkLoginParallel: all).

type benchFixture struct {
	salt, verifier []byte
	client         *Client
}

func newBenchFixture(b *testing.B) benchFixture {
	b.Helper()
	salt, verifier, err := NewVerifier(rand.Reader, "Pool", "user", "password")
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return benchFixture{salt, verifier, c}
}

func BenchmarkNewVerifier(b *testing.B) {
	for b.Loop() {
		if _, _, err := NewVerifier(rand.Reader, "Pool", "user", "password"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	fx := newBenchFixture(b)
	for b.Loop() {
		if !CheckPassword("Pool", "user", "password", fx.salt, fx.verifier) {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkStart(b *testing.B) {
	fx := newBenchFixture(b)
	a := fx.client.A()
	for b.Loop() {
		if _, _, err := Start(rand.Reader, a, fx.salt, fx.verifier); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	fx := newBenchFixture(b)
	sess, params, err := Start(rand.Reader, fx.client.A(), fx.salt, fx.verifier)
	if err != nil {
		b.Fatal(err)
	}
	ts := FormatTimestamp(time.Now())
	sig, err := fx.client.Respond("Pool", "user", "password", params.SRPB, params.Salt, "YmxvY2s=", ts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !sess.Verify("Pool", "user", []byte("block"), ts, sig) {
			b.Fatal("rejected")
		}
	}
}

// login is the server's work for one SRP login, the session passing
// through MarshalBinary/UnmarshalBinary as it would through SECRET_BLOCK.
func login(b *testing.B, fx benchFixture, a, sig, ts string) {
	sess, _, err := Start(rand.Reader, a, fx.salt, fx.verifier)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := sess.MarshalBinary()
	var back Session
	if err := back.UnmarshalBinary(data); err != nil {
		b.Fatal(err)
	}
	// The signature is for another session, so this is rejected, but the
	// work (S, K, HMAC) is the same as for an accepted one.
	_ = back.Verify("Pool", "user", []byte("block"), ts, sig)
}

func BenchmarkLogin(b *testing.B) {
	fx := newBenchFixture(b)
	a, ts := fx.client.A(), FormatTimestamp(time.Now())
	sig := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	for b.Loop() {
		login(b, fx, a, sig, ts)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

func BenchmarkLoginParallel(b *testing.B) {
	fx := newBenchFixture(b)
	a, ts := fx.client.A(), FormatTimestamp(time.Now())
	sig := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			login(b, fx, a, sig, ts)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

func BenchmarkClientRespond(b *testing.B) {
	fx := newBenchFixture(b)
	_, params, err := Start(rand.Reader, fx.client.A(), fx.salt, fx.verifier)
	if err != nil {
		b.Fatal(err)
	}
	ts := FormatTimestamp(time.Now())
	for b.Loop() {
		if _, err := fx.client.Respond("Pool", "user", "password", params.SRPB, params.Salt, "YmxvY2s=", ts); err != nil {
			b.Fatal(err)
		}
	}
}
