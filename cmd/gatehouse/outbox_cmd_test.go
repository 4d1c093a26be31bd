package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/mail"
)

func TestPrintOutbox(t *testing.T) {
	t.Parallel()
	msgs := []mail.WireMessage{
		{ID: "b", Time: 1741964966.5, Medium: "SMS", To: "+14155550100", Body: "Your code is 123456", Status: "OUTBOX"},
		{ID: "a", Time: 1741964900, Medium: "EMAIL", To: "ann@example.com", From: "no-reply@verificationemail.com", Subject: "Your code",
			Body: "Line one\r\nSubject: not a header\n", Source: "us-east-1_AbC SignUp", Status: "QUEUED", Attempts: 2,
			LastError: "AUTH: 535 Authentication failed", NextAttempt: 1741964920},
	}
	var b strings.Builder
	printOutbox(&b, msgs)
	want := `2025-03-14T15:09:26Z  SMS    +14155550100  OUTBOX
Id: b

    Your code is 123456

2025-03-14T15:08:20Z  EMAIL  ann@example.com  QUEUED
Subject: Your code
From: no-reply@verificationemail.com
Source: us-east-1_AbC SignUp
Id: a
Error after 2 attempt(s): AUTH: 535 Authentication failed
Next attempt: 2025-03-14T15:08:40Z

    Line one
    Subject: not a header
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	printOutbox(&b, nil)
	if b.String() != "No messages.\n" {
		t.Fatalf("empty outbox printed %q", b.String())
	}
}

func TestPrintJSONArray(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"":                      "[]\n",
		"null":                  "[]\n",
		"[]":                    "[]\n",
		`[{"Id":"a","Time":1}]`: "[\n  {\n    \"Id\": \"a\",\n    \"Time\": 1\n  }\n]\n",
	} {
		var b strings.Builder
		if err := printJSONArray(&b, json.RawMessage(raw)); err != nil || b.String() != want {
			t.Errorf("printJSONArray(%q) = %q, %v; want %q", raw, b.String(), err, want)
		}
	}
}
