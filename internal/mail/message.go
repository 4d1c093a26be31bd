// Package mail delivers the messages user pools send (verification codes,
// temporary passwords, reset and MFA codes): email over SMTP, SMS through
// an HTTP webhook, and, when neither is configured, a local outbox a
// developer reads with `gatehouse outbox`. Every message is written to the
// store (its text sealed) and to the store's durable queue before Send
// returns, so an acknowledged message survives a crash and is retried with
// back-off until it is delivered or reported FAILED.
package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Delivery media, named as Cognito's DeliveryMedium is.
const (
	Email = "EMAIL"
	SMS   = "SMS"
)

// Size limits. An email body is capped well above anything a user pool
// template produces so a runaway template fails loudly instead of filling
// the store; SMS bodies are capped at what SMS providers accept (ten
// concatenated segments).
const (
	MaxBodyBytes    = 256 << 10
	MaxSMSRunes     = 1600
	MaxSubjectBytes = 512
	maxAddressBytes = 320 // RFC 3696's longest address
	maxSourceBytes  = 256
)

// Errors Send returns for a message it will not accept. They are wrapped
// with the reason, so callers test with errors.Is and show err.Error().
var (
	ErrInvalidMessage  = errors.New("mail: invalid message")
	ErrMessageTooLarge = errors.New("mail: message too large")
)

// Message is one email or SMS.
type Message struct {
	Medium  string // Email or SMS (Cognito's DeliveryMedium names)
	To      string // email address, or E.164 phone number for SMS
	From    string // optional (email); default from Options.From
	Subject string // email only
	Body    string // the text; for Email it is HTML when HTML is true
	HTML    bool
	Source  string // what sent it, shown in the outbox, e.g. "us-east-1_AbC123xyz SignUp"
}

// e164 is an international phone number: a plus, then up to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// normalize validates m and fills in defaults; defaultFrom is the sender
// for email that names none.
func (m Message) normalize(defaultFrom string) (Message, error) {
	m.Medium = strings.ToUpper(strings.TrimSpace(m.Medium))
	m.To = strings.TrimSpace(m.To)
	m.From = strings.TrimSpace(m.From)
	// Header fields are checked before anything else: a line break in one
	// of them is an injection attempt, and must be refused as such even if
	// the value is otherwise malformed.
	for _, f := range []struct{ name, value string }{{"To", m.To}, {"From", m.From}, {"Subject", m.Subject}, {"Source", m.Source}} {
		if err := headerSafe(f.name, f.value); err != nil {
			return m, err
		}
	}
	if !utf8.ValidString(m.Body) || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Source) {
		return m, invalid("text must be valid UTF-8")
	}
	if m.Body == "" {
		return m, invalid("the body is empty")
	}
	if len(m.Source) > maxSourceBytes {
		return m, invalid("Source is longer than %d bytes", maxSourceBytes)
	}
	switch m.Medium {
	case Email:
		return m.normalizeEmail(defaultFrom)
	case SMS:
		return m.normalizeSMS()
	}
	return m, invalid("Medium must be %s or %s, not %q", Email, SMS, m.Medium)
}

func (m Message) normalizeEmail(defaultFrom string) (Message, error) {
	if m.From == "" {
		m.From = defaultFrom
	}
	if _, err := ParseAddress(m.To); err != nil {
		return m, invalid("To: %v", err)
	}
	if _, err := ParseAddress(m.From); err != nil {
		return m, invalid("From: %v", err)
	}
	if len(m.Subject) > MaxSubjectBytes {
		return m, fmt.Errorf("%w: the subject is %d bytes; the limit is %d", ErrMessageTooLarge, len(m.Subject), MaxSubjectBytes)
	}
	if len(m.Body) > MaxBodyBytes {
		return m, fmt.Errorf("%w: the body is %d bytes; the limit is %d", ErrMessageTooLarge, len(m.Body), MaxBodyBytes)
	}
	return m, nil
}

func (m Message) normalizeSMS() (Message, error) {
	if !e164.MatchString(m.To) {
		return m, invalid("To must be an E.164 phone number such as +14155550100, not %q", m.To)
	}
	// An SMS has neither sender address nor subject; dropping them keeps
	// the outbox from showing what was never sent.
	m.From, m.Subject, m.HTML = "", "", false
	if n := utf8.RuneCountInString(m.Body); n > MaxSMSRunes {
		return m, fmt.Errorf("%w: the SMS body is %d characters; the limit is %d", ErrMessageTooLarge, n, MaxSMSRunes)
	}
	return m, nil
}

// headerSafe refuses control characters in a value that becomes a header
// line: CR or LF would let the text start a header (or a body) of its own.
func headerSafe(name, value string) error {
	for _, r := range value {
		if r == '\r' || r == '\n' {
			return invalid("%s contains a line break (header injection)", name)
		}
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return invalid("%s contains control character %U", name, r)
		}
	}
	return nil
}

// ParseAddress parses one email address, with or without a display name
// ("Team <team@example.com>"), as it may appear in From or To.
func ParseAddress(s string) (*mail.Address, error) {
	if s == "" {
		return nil, errors.New("no address")
	}
	if len(s) > maxAddressBytes {
		return nil, fmt.Errorf("address longer than %d bytes", maxAddressBytes)
	}
	if err := headerSafe("address", s); err != nil {
		return nil, err
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an email address: %w", s, err)
	}
	return a, nil
}
