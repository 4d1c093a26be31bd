package logs

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// API serves the CloudWatch Logs operations that read function logs:
// `aws logs filter-log-events`, `describe-log-groups`, and `gatehouse logs`.
type API struct {
	Store *Store
}

// Target is the X-Amz-Target prefix of CloudWatch Logs.
const Target = "Logs_20140328."

func badRequest(code, format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, code, format, args...)
}

// Serve dispatches on X-Amz-Target.
func (a *API) Serve(w http.ResponseWriter, r *awsproto.Request) error {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), Target)
	switch op {
	case "FilterLogEvents":
		return a.filter(w, r)
	case "DescribeLogGroups":
		return a.describeGroups(w, r)
	}
	return badRequest("UnknownOperationException", "Operation %s is not supported.", op)
}

type filterInput struct {
	LogGroupName  string `json:"logGroupName"`
	StartTime     *int64 `json:"startTime"`
	EndTime       *int64 `json:"endTime"`
	FilterPattern string `json:"filterPattern"`
	NextToken     string `json:"nextToken"`
	Limit         int    `json:"limit"`
}

type event struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, err = w.Write(b)
	return err
}

func (a *API) filter(w http.ResponseWriter, r *awsproto.Request) error {
	var in filterInput
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return badRequest("SerializationException", "Could not parse the request body.")
	}
	if in.LogGroupName == "" {
		return badRequest("InvalidParameterException", "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null")
	}
	if in.Limit <= 0 || in.Limit > 10000 {
		in.Limit = 10000
	}
	var start, end time.Time
	if in.StartTime != nil {
		start = time.UnixMilli(*in.StartTime)
	}
	if in.EndTime != nil {
		end = time.UnixMilli(*in.EndTime)
	}
	// The token is how many matching events were already returned; the
	// query is otherwise the same, so paging is stable while logs grow.
	skip := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 {
			return badRequest("InvalidParameterException", "The specified nextToken is invalid.")
		}
		skip = n
	}
	// Plain terms only: a quoted or bare term must appear in the message.
	contains := strings.Trim(strings.TrimSpace(in.FilterPattern), `"`)
	evs, more, err := a.Store.Read(in.LogGroupName, start, end, contains, skip, in.Limit)
	if errors.Is(err, ErrNoGroup) {
		return awsproto.Errorf(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
	}
	if err != nil {
		return err
	}
	out := struct {
		Events             []event  `json:"events"`
		SearchedLogStreams []string `json:"searchedLogStreams"`
		NextToken          string   `json:"nextToken,omitempty"`
	}{Events: make([]event, 0, len(evs)), SearchedLogStreams: []string{}}
	for i, e := range evs {
		ms := e.Timestamp.UnixMilli()
		out.Events = append(out.Events, event{LogStreamName: e.Stream, Timestamp: ms, Message: e.Message + "\n", IngestionTime: ms, EventID: strconv.Itoa(skip + i)})
	}
	if more {
		out.NextToken = strconv.Itoa(skip + len(evs))
	}
	return writeJSON(w, out)
}

func (a *API) describeGroups(w http.ResponseWriter, r *awsproto.Request) error {
	var in struct {
		LogGroupNamePrefix string `json:"logGroupNamePrefix"`
	}
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return badRequest("SerializationException", "Could not parse the request body.")
		}
	}
	names, err := a.Store.Groups()
	if err != nil {
		return err
	}
	sort.Strings(names)
	type group struct {
		LogGroupName string `json:"logGroupName"`
		Arn          string `json:"arn"`
	}
	out := struct {
		LogGroups []group `json:"logGroups"`
	}{LogGroups: []group{}}
	for _, n := range names {
		if strings.HasPrefix(n, in.LogGroupNamePrefix) {
			out.LogGroups = append(out.LogGroups, group{LogGroupName: n, Arn: "arn:aws:logs:::log-group:" + n + ":*"})
		}
	}
	return writeJSON(w, out)
}
