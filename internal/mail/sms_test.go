package mail

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hook is an SMS webhook receiver that answers with the statuses it is
// given, in order (200 once they run out), and records what it received.
type hook struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []smsPayload
	headers  []http.Header
}

func newHook(t *testing.T, statuses ...int) *hook {
	h := &hook{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p smsPayload
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &p) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		status := http.StatusOK
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		if status == http.StatusOK {
			h.got = append(h.got, p)
			h.headers = append(h.headers, r.Header.Clone())
		}
		h.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) received() []smsPayload {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]smsPayload(nil), h.got...)
}

func TestSMSWebhookDelivers(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	e := newEnv(t, nil)
	s := e.service(Options{SMSWebhook: h.URL + "/sms"})
	s.Start()
	id := send(t, s, Message{Medium: SMS, To: "+14155550100", Body: "Your code is 123456", Source: "us-east-1_AbC SignUp"})
	got := waitEntry(t, s, id, "SENT", hasStatus(StatusSent))
	if got.Attempts != 1 || got.LastError != "" {
		t.Fatalf("entry = %+v, want one clean attempt", got)
	}
	want := smsPayload{To: "+14155550100", Body: "Your code is 123456", Source: "us-east-1_AbC SignUp", ID: id}
	if r := h.received(); len(r) != 1 || r[0] != want {
		t.Fatalf("webhook received %+v, want %+v", r, want)
	}
	if k := h.headers[0].Get("Idempotency-Key"); k != id {
		t.Fatalf("Idempotency-Key = %q, want %q", k, id)
	}
}

// TestSMSWebhookRetries checks the back-off schedule exactly with a test
// clock: 500, then 503, then 200.
func TestSMSWebhookRetries(t *testing.T) {
	t.Parallel()
	h := newHook(t, 500, 503)
	clk := newClock()
	e := newEnv(t, clk.Now)
	s := e.service(Options{SMSWebhook: h.URL, RetryBase: 5 * time.Second, RetryMax: time.Minute, MaxAttempts: 8})
	s.Start()
	start := clk.Now()
	id := send(t, s, Message{Medium: SMS, To: "+442071838750", Body: "code 1"})

	first := waitEntry(t, s, id, "retried once", func(e Entry) bool { return e.Attempts == 1 })
	if first.Status != StatusQueued || !strings.Contains(first.LastError, "500") || !first.NextAttempt.Equal(start.Add(5*time.Second)) {
		t.Fatalf("after the first failure: %+v", first)
	}
	// Not due yet: nothing happens until the clock reaches the retry.
	clk.Advance(4 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if e, _ := findEntry(t, s, id); e.Attempts != 1 {
		t.Fatalf("retried before its time: %+v", e)
	}
	clk.Advance(time.Second)
	second := waitEntry(t, s, id, "retried twice", func(e Entry) bool { return e.Attempts == 2 })
	if second.Status != StatusQueued || !strings.Contains(second.LastError, "503") || !second.NextAttempt.Equal(start.Add(15*time.Second)) {
		t.Fatalf("after the second failure (the delay doubles to 10s): %+v", second)
	}
	clk.Advance(10 * time.Second)
	sent := waitEntry(t, s, id, "SENT", hasStatus(StatusSent))
	if sent.Attempts != 3 || sent.LastError != "" || !sent.NextAttempt.IsZero() {
		t.Fatalf("after delivery: %+v", sent)
	}
	if r := h.received(); len(r) != 1 {
		t.Fatalf("delivered %d times, want once", len(r))
	}
}

func TestSMSWebhookGivesUp(t *testing.T) {
	t.Parallel()
	h := newHook(t, 503, 503, 503, 503)
	e := newEnv(t, nil)
	s := e.service(Options{SMSWebhook: h.URL, MaxAttempts: 3})
	s.Start()
	id := send(t, s, Message{Medium: SMS, To: "+14155550100", Body: "code 2"})
	got := waitEntry(t, s, id, "FAILED", hasStatus(StatusFailed))
	if got.Attempts != 3 || !strings.Contains(got.LastError, "503 Service Unavailable") {
		t.Fatalf("entry = %+v, want FAILED after 3 attempts with the webhook's answer", got)
	}
	// The entry is stored FAILED just before the line is logged.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(e.logs(), "message delivery failed; giving up") {
		if time.Now().After(deadline) {
			t.Fatalf("the final failure was not logged:\n%s", e.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if strings.Contains(e.logs(), "code 2") {
		t.Fatalf("the log shows the message body:\n%s", e.logs())
	}
}

func TestSMSWebhookURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"ftp://example.com/x", "example.com/sms", "http://", "://nope"} {
		if _, err := newWebhook(raw, time.Second); err == nil {
			t.Errorf("newWebhook(%q) accepted it", raw)
		}
	}
	w, err := newWebhook("https://user:token@sms.example.com/send?key=secret", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s := w.String(); strings.Contains(s, "token") || strings.Contains(s, "secret") {
		t.Fatalf("String() = %q shows credentials", s)
	}
}
