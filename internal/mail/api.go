package mail

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// Target is the X-Amz-Target prefix of the outbox API; it is signed for
// the service name "gatehouse".
const Target = "GatehouseOutbox."

// MaxListLimit is the most entries one ListMessages returns.
const MaxListLimit = 1000

// API serves the outbox over JSON 1.1 for `gatehouse outbox`.
type API struct {
	Service *Service
	// Authorize decides whether a verified caller may read the outbox; it
	// shows message bodies (codes, temporary passwords), so the server
	// lets only the root key in, not a function's key. It returns the
	// error to answer with; nil lets every verified caller in.
	Authorize func(ctx context.Context, accessKeyID string) error
}

// Serve dispatches on X-Amz-Target.
func (a *API) Serve(w http.ResponseWriter, r *awsproto.Request) error {
	if a.Authorize != nil {
		if err := a.Authorize(r.Context(), r.Credential.AccessKeyID); err != nil {
			return err
		}
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), Target)
	switch op {
	case "ListMessages":
		return a.list(w, r)
	}
	return awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Operation %s is not supported.", op)
}

// WireMessage is an outbox entry as ListMessages renders it; times are
// epoch seconds, as in every JSON 1.1 AWS API.
type WireMessage struct {
	ID          string  `json:"Id"`
	Time        float64 `json:"Time"`
	Medium      string  `json:"Medium"`
	To          string  `json:"To"`
	From        string  `json:"From,omitempty"`
	Subject     string  `json:"Subject,omitempty"`
	Body        string  `json:"Body"`
	HTML        bool    `json:"Html,omitempty"`
	Source      string  `json:"Source,omitempty"`
	Status      string  `json:"Status"`
	Attempts    int     `json:"Attempts"`
	LastError   string  `json:"LastError,omitempty"`
	NextAttempt float64 `json:"NextAttempt,omitempty"`
}

func epochSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

func (a *API) list(w http.ResponseWriter, r *awsproto.Request) error {
	var in struct {
		To    string `json:"To"`
		Limit *int   `json:"Limit"`
	}
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return awsproto.Errorf(http.StatusBadRequest, "SerializationException", "Could not parse the request body.")
		}
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > MaxListLimit {
			return awsproto.Errorf(http.StatusBadRequest, "InvalidParameterException", "Limit must be between 1 and %d.", MaxListLimit)
		}
		limit = *in.Limit
	}
	entries, err := a.Service.List(r.Context(), Query{To: in.To, Limit: limit})
	if err != nil {
		return err
	}
	out := struct {
		Messages []WireMessage `json:"Messages"`
	}{Messages: make([]WireMessage, 0, len(entries))}
	for _, e := range entries {
		out.Messages = append(out.Messages, WireMessage{
			ID: e.ID, Time: epochSeconds(e.Time), Medium: e.Medium, To: e.To, From: e.From, Subject: e.Subject,
			Body: e.Body, HTML: e.HTML, Source: e.Source, Status: e.Status, Attempts: e.Attempts,
			LastError: e.LastError, NextAttempt: epochSeconds(e.NextAttempt),
		})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, err = w.Write(b)
	return err
}
