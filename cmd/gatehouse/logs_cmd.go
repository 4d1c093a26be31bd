package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// logsCmd prints a function's log group through the CloudWatch Logs API,
// polling for new records with --follow.
func logsCmd(args []string) error {
	var follow *bool
	var since *time.Duration
	name, c, err := namedCommand("logs", "FUNCTION", args, func(fs *flag.FlagSet) {
		follow = fs.Bool("follow", false, "keep printing new records")
		since = fs.Duration("since", 10*time.Minute, "show records this recent")
	})
	if err != nil {
		return err
	}
	group := name
	if !strings.HasPrefix(group, "/") {
		group = "/aws/lambda/" + name
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	start := time.Now().Add(-*since).UnixMilli()
	seen := 0 // events already printed at timestamp >= start
	for {
		token := ""
		printed := 0
		for {
			req := map[string]any{"logGroupName": group, "startTime": start}
			if token != "" {
				req["nextToken"] = token
			}
			var out struct {
				Events []struct {
					Timestamp int64  `json:"timestamp"`
					Message   string `json:"message"`
				} `json:"events"`
				NextToken string `json:"nextToken"`
			}
			err := c.jsonTarget("Logs_20140328.FilterLogEvents", "logs", req, &out)
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == "ResourceNotFoundException" && *follow {
				break // no logs yet; keep waiting
			}
			if err != nil {
				return err
			}
			for _, e := range out.Events {
				printed++
				if printed <= seen {
					continue
				}
				ts := time.UnixMilli(e.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z")
				fmt.Printf("%s %s", ts, e.Message)
			}
			if out.NextToken == "" {
				break
			}
			token = out.NextToken
		}
		if printed > seen {
			seen = printed
		}
		if !*follow {
			return nil
		}
		select {
		case <-stop:
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (c *client) jsonTarget(target, service string, in, out any) error {
	body, err := jsonMarshal(in)
	if err != nil {
		return err
	}
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {target}}
	_, data, err := c.do("POST", "/", h, body, service)
	if err != nil {
		return err
	}
	return jsonUnmarshal(data, out)
}
