package server

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/userpool"
)

// poolMailer hands user pool messages to the delivery service.
type poolMailer struct{ m *mail.Service }

func (p poolMailer) Send(ctx context.Context, msg userpool.Message) error {
	_, err := p.m.Send(ctx, mail.Message{Medium: msg.Medium, To: msg.To, Subject: msg.Subject, Body: msg.Body, HTML: msg.HTML, Source: msg.Source})
	return err
}
