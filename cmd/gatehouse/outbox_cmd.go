package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/mail"
)

// outboxCmd prints the messages user pools sent (or kept, when no SMTP
// server or SMS webhook is configured), newest first.
func outboxCmd(args []string) error {
	fs := flag.NewFlagSet("outbox", flag.ExitOnError)
	var cf clientFlags
	cf.register(fs)
	to := fs.String("to", "", "only messages to this email address or phone number")
	asJSON := fs.Bool("json", false, "print the messages as a JSON array")
	limit := fs.Int("limit", 20, fmt.Sprintf("print at most this many messages (1-%d)", mail.MaxListLimit))
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("outbox: unexpected argument %q", fs.Arg(0))
	}
	if *limit < 1 || *limit > mail.MaxListLimit {
		return fmt.Errorf("outbox: --limit must be between 1 and %d", mail.MaxListLimit)
	}
	c, err := newClient(cf.endpoint, cf.data)
	if err != nil {
		return err
	}
	var out struct {
		Messages json.RawMessage `json:"Messages"`
	}
	req := map[string]any{"Limit": *limit}
	if *to != "" {
		req["To"] = *to
	}
	if err := c.jsonTarget(mail.Target+"ListMessages", "gatehouse", req, &out); err != nil {
		return err
	}
	if *asJSON {
		return printJSONArray(os.Stdout, out.Messages)
	}
	var msgs []mail.WireMessage
	if err := json.Unmarshal(out.Messages, &msgs); err != nil {
		return fmt.Errorf("outbox: unexpected answer: %w", err)
	}
	printOutbox(os.Stdout, msgs)
	return nil
}

// printJSONArray prints the server's array as it came, indented; a
// missing array prints as [] so scripts can always parse the output.
func printJSONArray(w io.Writer, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("[]")
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("outbox: unexpected answer: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// printOutbox prints one block per message: a summary line, the headers
// that matter, then the body, indented so it cannot pass for a header.
func printOutbox(w io.Writer, msgs []mail.WireMessage) {
	if len(msgs) == 0 {
		fmt.Fprintln(w, "No messages.")
		return
	}
	for i, m := range msgs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		at := time.UnixMilli(int64(m.Time * 1000)).UTC().Format(time.RFC3339)
		fmt.Fprintf(w, "%s  %-5s  %s  %s\n", at, m.Medium, m.To, m.Status)
		if m.Subject != "" {
			fmt.Fprintf(w, "Subject: %s\n", m.Subject)
		}
		if m.From != "" {
			fmt.Fprintf(w, "From: %s\n", m.From)
		}
		if m.Source != "" {
			fmt.Fprintf(w, "Source: %s\n", m.Source)
		}
		fmt.Fprintf(w, "Id: %s\n", m.ID)
		if m.LastError != "" {
			fmt.Fprintf(w, "Error after %d attempt(s): %s\n", m.Attempts, m.LastError)
		}
		if m.NextAttempt > 0 && m.Status == mail.StatusQueued {
			fmt.Fprintf(w, "Next attempt: %s\n", time.UnixMilli(int64(m.NextAttempt*1000)).UTC().Format(time.RFC3339))
		}
		fmt.Fprintln(w)
		body := strings.TrimRight(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n")
		for _, line := range strings.Split(body, "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}
