package userpool

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Message is one email or SMS a pool sends: a code, a temporary password.
type Message struct {
	Medium  string // EMAIL or SMS, Cognito's DeliveryMedium names
	To      string
	Subject string
	Body    string
	HTML    bool
	Source  string // pool id and operation, for the outbox
}

// Mailer delivers messages. Send returns once the message is durably
// accepted; delivery (SMTP, SMS webhook, local outbox) happens after.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// CodeDelivery is Cognito's CodeDeliveryDetailsType.
type CodeDelivery struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

// Cognito's default wording when a pool sets none.
const (
	defaultVerifyMessage = "Your verification code is {####}. "
	defaultVerifySubject = "Your verification code"
	defaultInviteMessage = "Your username is {username} and temporary password is {####}. "
	defaultInviteSubject = "Your temporary password"
	defaultMFAMessage    = "Your authentication code is {####}. "
)

// messageKind says which template a message uses.
type messageKind int

const (
	msgVerify messageKind = iota // sign-up, attribute verification, password reset
	msgInvite                    // AdminCreateUser's temporary password
	msgMFA                       // SMS MFA code
)

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// template picks the pool's wording for a kind of message and medium.
func (p *Pool) template(kind messageKind, medium string) (subject, body string) {
	t := p.VerificationMessageTemplate
	switch kind {
	case msgInvite:
		var inv MessageTemplate
		if p.AdminCreateUserConfig.InviteMessageTemplate != nil {
			inv = *p.AdminCreateUserConfig.InviteMessageTemplate
		}
		if medium == "SMS" {
			return "", firstNonEmpty(inv.SMSMessage, defaultInviteMessage)
		}
		return firstNonEmpty(inv.EmailSubject, defaultInviteSubject), firstNonEmpty(inv.EmailMessage, defaultInviteMessage)
	case msgMFA:
		return "", firstNonEmpty(p.SmsAuthenticationMessage, defaultMFAMessage)
	}
	if medium == "SMS" {
		return "", firstNonEmpty(t.SmsMessage, p.SmsVerificationMessage, defaultVerifyMessage)
	}
	return firstNonEmpty(t.EmailSubject, p.EmailVerificationSubject, defaultVerifySubject),
		firstNonEmpty(t.EmailMessage, p.EmailVerificationMessage, defaultVerifyMessage)
}

// mediumOf is the delivery medium for an attribute.
func mediumOf(attr string) string {
	if attr == "phone_number" {
		return "SMS"
	}
	return "EMAIL"
}

// delivery is one code or temporary password to send.
type delivery struct {
	kind     messageKind
	source   string // the CustomMessage trigger source, e.g. CustomMessage_SignUp
	attr     string // email or phone_number
	to       string
	username string // for {username}
	code     string // for {####}
	clientID string
	meta     map[string]string
}

// send renders a message in the pool's words (or the CustomMessage
// trigger's) and hands it to the mailer; the details are what the API
// reports.
func (s *Service) send(ctx context.Context, p *Pool, u *userRecord, d delivery) (CodeDelivery, error) {
	medium := mediumOf(d.attr)
	subject, body := p.template(d.kind, medium)
	subject, body, err := s.customMessage(ctx, p, d.clientID, d.source, u, d.meta, subject, body, medium == "SMS")
	if err != nil {
		return CodeDelivery{}, err
	}
	if s.opts.Mailer == nil {
		return CodeDelivery{}, fmt.Errorf("no mailer configured")
	}
	body = strings.ReplaceAll(body, "{####}", d.code)
	body = strings.ReplaceAll(body, "{username}", d.username)
	m := Message{Medium: medium, To: d.to, Subject: subject, Body: body, HTML: medium == "EMAIL" && strings.Contains(body, "<"),
		Source: p.ID + " " + strings.TrimPrefix(d.source, "CustomMessage_")}
	if err := s.opts.Mailer.Send(ctx, m); err != nil {
		return CodeDelivery{}, fmt.Errorf("deliver %s: %w", d.source, err)
	}
	return CodeDelivery{Destination: maskDestination(d.attr, d.to), DeliveryMedium: medium, AttributeName: d.attr}, nil
}

// maskDestination hides most of an address as Cognito does:
// j***@e***.com, +*******4567.
func maskDestination(attr, v string) string {
	if attr == "phone_number" {
		if len(v) <= 4 {
			return strings.Repeat("*", len(v))
		}
		return "+" + strings.Repeat("*", max(len(v)-5, 0)) + v[len(v)-4:]
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	host, tld, _ := strings.Cut(domain, ".")
	_, n := utf8.DecodeRuneInString(local)
	_, m := utf8.DecodeRuneInString(host)
	out := local[:n] + "***@" + host[:m] + "***"
	if tld != "" {
		out += "." + tld
	}
	return out
}
