package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksServer serves discovery and a JWKS body the test changes at will.
type jwksServer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	body    string
	status  int
	fetches atomic.Int64
}

func newJWKSServer(t *testing.T) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"jwks_uri": s.srv.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, status := s.body, s.status
		s.mu.Unlock()
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) serve(status int, body string) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

func jwkJSON(t *testing.T, k jose.JSONWebKey) string {
	t.Helper()
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJWKSKeySelection: only RSA signing keys with a kid are kept; keys
// this package cannot use do not spoil the others.
func TestJWKSKeySelection(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	srv := newJWKSServer(t)
	set := `{"keys":[` + strings.Join([]string{
		jwkJSON(t, jose.JSONWebKey{Key: &keys[0].PublicKey, KeyID: "rsa", Use: "sig", Algorithm: "RS256"}),
		jwkJSON(t, jose.JSONWebKey{Key: &keys[1].PublicKey, KeyID: "enc", Use: "enc"}),
		jwkJSON(t, jose.JSONWebKey{Key: &keys[1].PublicKey, KeyID: ""}),
		jwkJSON(t, jose.JSONWebKey{Key: []byte("a shared secret, not a public key"), KeyID: "oct"}),
		`{"kty":"EC","kid":"broken","crv":"P-256","x":"!!","y":"??"}`,
		`{"kty":"unknown","kid":"what"}`,
		jwkJSON(t, jose.JSONWebKey{Key: &keys[2].PublicKey, KeyID: "nouse"}),
	}, ",") + `]}`
	srv.serve(http.StatusOK, set)
	c := newJWKSCache(http.DefaultClient, newTestClock().Now, time.Second, slog.New(slog.DiscardHandler))
	for kid, want := range map[string]bool{"rsa": true, "nouse": true, "enc": false, "oct": false, "broken": false, "what": false} {
		k, err := c.key(context.Background(), srv.srv.URL, kid)
		if want != (err == nil && k != nil) {
			t.Errorf("kid %q: key %v, err %v; want usable=%v", kid, k, err, want)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches", n)
	}
}

// TestJWKSFailures: a failing issuer is retried after jwksRetryInterval,
// not on every request; a document too large or not JSON is a failure.
func TestJWKSFailures(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	good := `{"keys":[` + jwkJSON(t, jose.JSONWebKey{Key: &keys[0].PublicKey, KeyID: "k1", Use: "sig"}) + `]}`
	for name, bad := range map[string]struct {
		status int
		body   string
	}{
		"500":       {http.StatusInternalServerError, good},
		"not JSON":  {http.StatusOK, "<html>"},
		"too large": {http.StatusOK, `{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSDocument) + `"}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newJWKSServer(t)
			srv.serve(bad.status, bad.body)
			clock := newTestClock()
			c := newJWKSCache(http.DefaultClient, clock.Now, time.Second, slog.New(slog.DiscardHandler))
			for range 3 {
				if _, err := c.key(context.Background(), srv.srv.URL, "k1"); err == nil || errors.Is(err, errUnknownKid) {
					t.Fatalf("err = %v", err)
				}
			}
			if n := srv.fetches.Load(); n != 1 {
				t.Fatalf("%d fetches while failing", n)
			}
			srv.serve(http.StatusOK, good)
			clock.Advance(jwksRetryInterval)
			if _, err := c.key(context.Background(), srv.srv.URL, "k1"); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
		})
	}
}

// TestJWKSMaxAge: keys are refetched once old, so a withdrawn key stops
// verifying; if the refetch fails the old keys keep serving.
func TestJWKSMaxAge(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	srv := newJWKSServer(t)
	k1 := `{"keys":[` + jwkJSON(t, jose.JSONWebKey{Key: &keys[0].PublicKey, KeyID: "k1"}) + `]}`
	srv.serve(http.StatusOK, k1)
	clock := newTestClock()
	c := newJWKSCache(http.DefaultClient, clock.Now, time.Second, slog.New(slog.DiscardHandler))
	first, err := c.key(context.Background(), srv.srv.URL, "k1")
	if err != nil {
		t.Fatal(err)
	}
	// Old keys, issuer failing: the old key keeps serving, and the failing
	// issuer is asked at most once per retry interval.
	clock.Advance(jwksMaxAge)
	srv.serve(http.StatusBadGateway, "")
	for range 3 {
		if k, err := c.key(context.Background(), srv.srv.URL, "k1"); err != nil || k != first {
			t.Fatalf("stale key not served: %v %v", k, err)
		}
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches", n)
	}
	// Back, same key: the same key identity (cached tokens stay valid).
	clock.Advance(jwksRetryInterval)
	srv.serve(http.StatusOK, k1)
	if k, err := c.key(context.Background(), srv.srv.URL, "k1"); err != nil || k != first {
		t.Fatalf("refetched unchanged key: %v %v (same=%v)", k, err, k == first)
	}
	// Withdrawn.
	clock.Advance(jwksMaxAge)
	srv.serve(http.StatusOK, `{"keys":[]}`)
	if _, err := c.key(context.Background(), srv.srv.URL, "k1"); !errors.Is(err, errUnknownKid) {
		t.Fatalf("withdrawn key: %v", err)
	}
	if c.current(srv.srv.URL, "k1") != nil {
		t.Fatal("withdrawn key still current")
	}
}

// TestJWKSConcurrentFetch: many requests meeting a cold issuer fetch once.
func TestJWKSConcurrentFetch(t *testing.T) {
	t.Parallel()
	keys := rsaKeys(t)
	srv := newJWKSServer(t)
	srv.serve(http.StatusOK, `{"keys":[`+jwkJSON(t, jose.JSONWebKey{Key: &keys[0].PublicKey, KeyID: "k1"})+`]}`)
	c := newJWKSCache(http.DefaultClient, newTestClock().Now, time.Second, slog.New(slog.DiscardHandler))
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := c.key(context.Background(), srv.srv.URL, "k1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for fifty concurrent requests", n)
	}
}

func TestJWKSNoJWKSURI(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"issuer":"x"}`)) }))
	t.Cleanup(srv.Close)
	c := newJWKSCache(http.DefaultClient, newTestClock().Now, time.Second, slog.New(slog.DiscardHandler))
	if _, err := c.key(context.Background(), srv.URL, "k1"); err == nil || !strings.Contains(err.Error(), "jwks_uri") {
		t.Fatalf("err = %v", err)
	}
}

// TestJWKSIssuersBounded: the issuers remembered stay bounded.
func TestJWKSIssuersBounded(t *testing.T) {
	t.Parallel()
	c := newJWKSCache(http.DefaultClient, newTestClock().Now, time.Second, slog.New(slog.DiscardHandler))
	for i := range maxIssuers + 50 {
		c.issuer("https://issuer.example/" + strconv.Itoa(i))
	}
	n := 0
	c.issuers.Range(func(any, any) bool { n++; return true })
	if n > maxIssuers || c.nIssuers.Load() != int64(n) {
		t.Fatalf("%d issuers remembered (count %d), bound %d", n, c.nIssuers.Load(), maxIssuers)
	}
}
