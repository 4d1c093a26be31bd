package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSendRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	s := e.service(Options{})
	ok := Message{Medium: Email, To: "user@example.com", Subject: "Your code", Body: "123456"}
	with := func(f func(*Message)) Message { m := ok; f(&m); return m }
	cases := []struct {
		name string
		msg  Message
		want error
		says string
	}{
		{"unknown medium", with(func(m *Message) { m.Medium = "FAX" }), ErrInvalidMessage, "Medium"},
		{"no medium", with(func(m *Message) { m.Medium = "" }), ErrInvalidMessage, "Medium"},
		{"CRLF in To", with(func(m *Message) { m.To = "user@example.com\r\nBcc: victim@example.com" }), ErrInvalidMessage, "header injection"},
		{"LF in To", with(func(m *Message) { m.To = "user@example.com\nBcc: victim@example.com" }), ErrInvalidMessage, "header injection"},
		{"CR in Subject", with(func(m *Message) { m.Subject = "Hi\rBcc: victim@example.com" }), ErrInvalidMessage, "header injection"},
		{"LF in Subject", with(func(m *Message) { m.Subject = "Hi\n\nforged body" }), ErrInvalidMessage, "header injection"},
		{"CRLF in From", with(func(m *Message) { m.From = "a@example.com\r\nX-Evil: 1" }), ErrInvalidMessage, "header injection"},
		{"NUL in Subject", with(func(m *Message) { m.Subject = "a\x00b" }), ErrInvalidMessage, "control character"},
		{"LF in Source", with(func(m *Message) { m.Source = "pool\nforged" }), ErrInvalidMessage, "header injection"},
		{"not an address", with(func(m *Message) { m.To = "not an address" }), ErrInvalidMessage, "To"},
		{"two addresses", with(func(m *Message) { m.To = "a@example.com, b@example.com" }), ErrInvalidMessage, "To"},
		{"bad sender", with(func(m *Message) { m.From = "nobody" }), ErrInvalidMessage, "From"},
		{"empty body", with(func(m *Message) { m.Body = "" }), ErrInvalidMessage, "empty"},
		{"invalid UTF-8", with(func(m *Message) { m.Body = "\xff\xfe" }), ErrInvalidMessage, "UTF-8"},
		{"body over 256 KiB", with(func(m *Message) { m.Body = strings.Repeat("x", MaxBodyBytes+1) }), ErrMessageTooLarge, "262145 bytes; the limit is 262144"},
		{"long subject", with(func(m *Message) { m.Subject = strings.Repeat("s", MaxSubjectBytes+1) }), ErrMessageTooLarge, "subject"},
		{"SMS to an email", Message{Medium: SMS, To: "user@example.com", Body: "1"}, ErrInvalidMessage, "E.164"},
		{"SMS without plus", Message{Medium: SMS, To: "14155550100", Body: "1"}, ErrInvalidMessage, "E.164"},
		{"SMS too long", Message{Medium: SMS, To: "+14155550100", Body: strings.Repeat("é", MaxSMSRunes+1)}, ErrMessageTooLarge, "1601 characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			id, err := s.Send(context.Background(), c.msg)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("Send = %q, %v; want %v saying %q", id, err, c.want, c.says)
			}
		})
	}
	t.Run("at the limit", func(t *testing.T) {
		if _, err := s.Send(context.Background(), with(func(m *Message) { m.Body = strings.Repeat("x", MaxBodyBytes) })); err != nil {
			t.Fatalf("a body of exactly %d bytes: %v", MaxBodyBytes, err)
		}
	})
}

// TestOutboxWithoutTransports is the developer's default: nothing is
// configured, so every message is kept, readable, and logged without its
// body.
func TestOutboxWithoutTransports(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnv(t, clk.Now)
	s := e.service(Options{})
	s.Start()
	first := send(t, s, Message{Medium: Email, To: "Alice@Example.com", Subject: "Welcome", Body: "<b>Temporary password: Tp!9x</b>", HTML: true, Source: "us-east-1_AbC AdminCreateUser"})
	clk.Advance(time.Second)
	second := send(t, s, Message{Medium: SMS, To: "+14155550100", Body: "Your code is 424242", Subject: "dropped for SMS", From: "ignored@example.com"})
	clk.Advance(time.Second)
	third := send(t, s, Message{Medium: Email, To: "bob@example.com", From: "Team <team@example.com>", Subject: "Code", Body: "999000"})

	all, err := s.List(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].ID != third || all[1].ID != second || all[2].ID != first {
		t.Fatalf("List order = %v, want newest first", ids(all))
	}
	a := all[2]
	want := Entry{ID: first, Time: clk.Now().Add(-2 * time.Second), Medium: Email, To: "Alice@Example.com", From: DefaultFrom,
		Subject: "Welcome", Body: "<b>Temporary password: Tp!9x</b>", HTML: true, Source: "us-east-1_AbC AdminCreateUser", Status: StatusOutbox}
	if !a.Time.Equal(want.Time) {
		t.Fatalf("Time = %v, want %v", a.Time, want.Time)
	}
	a.Time = want.Time
	if a != want {
		t.Fatalf("entry =\n%+v\nwant\n%+v", a, want)
	}
	if sms := all[1]; sms.Subject != "" || sms.From != "" || sms.Status != StatusOutbox || sms.Body != "Your code is 424242" {
		t.Fatalf("SMS entry = %+v", sms)
	}
	if all[0].From != "Team <team@example.com>" {
		t.Fatalf("From = %q, want the message's own sender", all[0].From)
	}

	for _, q := range []struct {
		query Query
		want  []string
	}{
		{Query{To: "alice@example.COM"}, []string{first}},
		{Query{To: " +14155550100 "}, []string{second}},
		{Query{To: "nobody@example.com"}, nil},
		{Query{Limit: 2}, []string{third, second}},
		{Query{Limit: 1, To: "bob@example.com"}, []string{third}},
	} {
		got, err := s.List(context.Background(), q.query)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(got)) != fmt.Sprint(q.want) {
			t.Errorf("List(%+v) = %v, want %v", q.query, ids(got), q.want)
		}
	}
	logs := e.logs()
	if !strings.Contains(logs, "gatehouse outbox") || !strings.Contains(logs, first) {
		t.Errorf("the outbox was not pointed to in the log:\n%s", logs)
	}
	for _, secret := range []string{"Tp!9x", "424242", "999000"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows message text %q:\n%s", secret, logs)
		}
	}
}

func ids(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// TestSealedAtRest looks for the message text in the database files
// themselves, and checks that a sealed text cannot be moved to another
// entry.
func TestSealedAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	s := e.service(Options{})
	const body, subject = "Your temporary password is Zq8#kP2!vW", "Reset code 7F3K9Q"
	a := send(t, s, Message{Medium: Email, To: "carol@example.com", Subject: subject, Body: body})
	b := send(t, s, Message{Medium: Email, To: "dave@example.com", Subject: "other", Body: "other body"})
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(e.path + "*")
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Zq8#kP2!vW", "7F3K9Q", "other body"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("%s contains %q in the clear", filepath.Base(f), secret)
			}
		}
	}
	e.open()
	s = e.service(Options{})
	ctx := context.Background()
	ra, err := e.store.Get(ctx, recordKind, a)
	if err != nil {
		t.Fatal(err)
	}
	recA, _ := decodeRecord(ra)
	if m, err := s.open(a, recA); err != nil || m.Body != body || m.Subject != subject {
		t.Fatalf("open own entry = %+v, %v", m, err)
	}
	if _, err := s.open(b, recA); err == nil {
		t.Fatal("a sealed text opened under another entry's id")
	}
}

// TestQueuedMessagesSurviveRestart sends while the webhook is down and no
// worker runs, closes everything, and delivers after reopening.
func TestQueuedMessagesSurviveRestart(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	e := newEnv(t, nil)
	s := e.service(Options{SMSWebhook: h.URL})
	var sent []string
	for i := range 3 {
		sent = append(sent, send(t, s, Message{Medium: SMS, To: "+14155550100", Body: fmt.Sprintf("code %d", i)}))
	}
	s.Stop(context.Background())
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}

	e.open()
	s = e.service(Options{SMSWebhook: h.URL})
	for _, id := range sent {
		if got, ok := findEntry(t, s, id); !ok || got.Status != StatusQueued || got.Attempts != 0 {
			t.Fatalf("after restart %s = %+v (found %v), want QUEUED", id, got, ok)
		}
	}
	s.Start()
	for _, id := range sent {
		waitEntry(t, s, id, "SENT", hasStatus(StatusSent))
	}
	if got := h.received(); len(got) != 3 {
		t.Fatalf("webhook got %d messages, want 3: %+v", len(got), got)
	}
}

// TestQueuedWithoutTransportNow: a message queued for SMS delivery, read
// back by a server started without the webhook, is kept for the
// developer rather than failed.
func TestQueuedWithoutTransportNow(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	e := newEnv(t, nil)
	s := e.service(Options{SMSWebhook: h.URL})
	id := send(t, s, Message{Medium: SMS, To: "+14155550100", Body: "code"})
	s.Stop(context.Background())
	s = e.service(Options{})
	s.Start()
	waitEntry(t, s, id, "OUTBOX", hasStatus(StatusOutbox))
	if len(h.received()) != 0 {
		t.Fatal("delivered through a webhook no longer configured")
	}
}

func TestConcurrentSend(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	e := newEnv(t, nil)
	s := e.service(Options{SMSWebhook: h.URL, Workers: 4})
	s.Start()
	const n = 50
	idc := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := Message{Medium: SMS, To: fmt.Sprintf("+1415555%04d", i), Body: fmt.Sprintf("code %d", i)}
			if i%2 == 0 {
				m = Message{Medium: Email, To: fmt.Sprintf("user%d@example.com", i), Subject: "s", Body: fmt.Sprintf("code %d", i)}
			}
			id, err := s.Send(context.Background(), m)
			if err != nil {
				t.Error(err)
				return
			}
			idc <- id
		}()
	}
	wg.Wait()
	close(idc)
	seen := map[string]bool{}
	for id := range idc {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("%d sends succeeded, want %d", len(seen), n)
	}
	var count map[string]int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		entries, err := s.List(context.Background(), Query{Limit: 2 * n})
		if err != nil {
			t.Fatal(err)
		}
		count = map[string]int{}
		for _, en := range entries {
			if !seen[en.ID] {
				t.Fatalf("unexpected entry %+v", en)
			}
			count[en.Status]++
		}
		if count[StatusQueued] == 0 {
			break
		}
	}
	if count[StatusSent] != n/2 || count[StatusOutbox] != n/2 {
		t.Fatalf("statuses = %v, want %d SENT (SMS) and %d OUTBOX (email)", count, n/2, n/2)
	}
	bodies := map[string]bool{}
	for _, p := range h.received() {
		if bodies[p.Body] {
			t.Fatalf("%q delivered twice", p.Body)
		}
		bodies[p.Body] = true
	}
}

// TestOrphanedQueueMessage is a crash between Send's two writes: the
// queue message exists, its entry never will. It waits a grace period
// (Send may still be writing) and is then dropped.
func TestOrphanedQueueMessage(t *testing.T) {
	t.Parallel()
	h := newHook(t)
	clk := newClock()
	e := newEnv(t, clk.Now)
	s := e.service(Options{SMSWebhook: h.URL})
	if _, err := e.store.Enqueue(context.Background(), queueName, []byte(newID(clk.Now())), clk.Now()); err != nil {
		t.Fatal(err)
	}
	s.Start()
	time.Sleep(50 * time.Millisecond)
	clk.Advance(orphanGrace + time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.logs(), "no outbox entry") {
		if time.Now().After(deadline) {
			t.Fatalf("orphan not dropped:\n%s", e.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ms, _ := e.store.Claim(context.Background(), queueName, 10, time.Minute); len(ms) != 0 {
		t.Fatalf("the orphan is still queued: %+v", ms)
	}
	if len(h.received()) != 0 {
		t.Fatal("an orphan was delivered")
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	h := newHook(t, 503, 503, 503)
	clk := newClock()
	e := newEnv(t, clk.Now)
	s := e.service(Options{SMSWebhook: h.URL, MaxAttempts: 100, RetryBase: 24 * time.Hour, RetryMax: 24 * time.Hour})
	old := send(t, s, Message{Medium: Email, To: "old@example.com", Body: "old"})
	stuck := send(t, s, Message{Medium: SMS, To: "+14155550100", Body: "still queued"})
	clk.Advance(8 * 24 * time.Hour)
	recent := send(t, s, Message{Medium: Email, To: "new@example.com", Body: "new"})
	if err := s.prune(context.Background()); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(all)); got != fmt.Sprint([]string{recent, stuck}) {
		t.Fatalf("after pruning: %v; want the recent one and the queued one (not %s)", got, old)
	}
}

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Store: newEnv(t, nil).store, Box: newEnv(t, nil).box})
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for a := 1; a < s.opts.MaxAttempts; a++ {
		got = append(got, s.backoff(a))
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 320 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delays = %v, want %v", got, want)
	}
	if d := s.backoff(30); d != 10*time.Minute {
		t.Fatalf("backoff(30) = %v, want the 10m cap", d)
	}
}
