package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// invokeCmd is the "test event" workflow: send an event, print the result
// and the log tail.
func invokeCmd(args []string) error {
	var payload *string
	var event, quiet *bool
	name, c, err := namedCommand("invoke", "FUNCTION", args, func(fs *flag.FlagSet) {
		payload = fs.String("payload", "{}", "event JSON, or @FILE to read it from a file (@- for stdin)")
		event = fs.Bool("event", false, "invoke asynchronously (InvocationType Event)")
		quiet = fs.Bool("quiet", false, "print only the result")
	})
	if err != nil {
		return err
	}
	body := []byte(*payload)
	if strings.HasPrefix(*payload, "@") {
		var err error
		if *payload == "@-" {
			body, err = readAll(os.Stdin)
		} else {
			body, err = os.ReadFile((*payload)[1:])
		}
		if err != nil {
			return err
		}
	}
	h := http.Header{"X-Amz-Log-Type": {"Tail"}}
	if *event {
		h = http.Header{"X-Amz-Invocation-Type": {"Event"}}
	}
	resp, out, err := c.do("POST", "/2015-03-31/functions/"+url.PathEscape(name)+"/invocations", h, body, "")
	if err != nil {
		return err
	}
	if *event {
		fmt.Println("queued", resp.Header.Get("X-Amzn-Requestid"))
		return nil
	}
	if !*quiet {
		if tail, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Amz-Log-Result")); err == nil && len(tail) > 0 {
			fmt.Fprintf(os.Stderr, "--- log tail ---\n%s--- result ---\n", tail)
		}
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") == nil {
		out = pretty.Bytes()
	}
	fmt.Println(string(out))
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		return fmt.Errorf("function error (%s)", fe)
	}
	return nil
}

func readAll(f *os.File) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(f)
	return b.Bytes(), err
}
