package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// webhook delivers SMS by POSTing JSON to a URL the operator runs (a small
// bridge to Twilio, SNS or a test server): any 2xx answer is delivery.
type webhook struct {
	url    string
	shown  string // the URL without credentials or query, for logs
	client *http.Client
}

func newWebhook(raw string, timeout time.Duration) (*webhook, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("SMS webhook: want an http:// or https:// URL")
	}
	shown := u.Scheme + "://" + u.Host + u.EscapedPath()
	return &webhook{url: raw, shown: shown, client: &http.Client{
		Timeout: timeout,
		// A redirect would re-send the message body somewhere the
		// operator did not name.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

func (w *webhook) String() string { return w.shown }

// smsPayload is the webhook's request body.
type smsPayload struct {
	To     string `json:"to"`
	Body   string `json:"body"`
	Source string `json:"source"`
	ID     string `json:"id"`
}

func (w *webhook) deliver(ctx context.Context, d delivery) error {
	body, err := json.Marshal(smsPayload{To: d.To, Body: d.Body, Source: d.Source, ID: d.ID})
	if err != nil {
		return &permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return &permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gatehouse-mail")
	// The id lets a receiver drop the duplicate an at-least-once retry
	// may bring.
	req.Header.Set("Idempotency-Key", d.ID)
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("SMS webhook %s: %w", w.shown, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("SMS webhook %s answered %s: %s", w.shown, resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}
