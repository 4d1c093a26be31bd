// Command gatehouse is a self-hosted, AWS-compatible serverless platform
// in one binary. This package only parses flags and wires packages.
package main

import (
	"fmt"
	"os"
)

const usage = `gatehouse: AWS-compatible functions and user pools in one binary.

Usage:
  gatehouse serve [--data DIR] [--addr HOST:PORT] [--region REGION] [--api-listen API_ID=HOST:PORT]
                  [--smtp URL] [--mail-from ADDRESS] [--sms-webhook URL]
  gatehouse functions create NAME --runtime RT --handler H (--zip FILE | --dir DIR) [flags]
  gatehouse functions update NAME [--zip FILE | --dir DIR] [config flags]
  gatehouse functions list
  gatehouse functions delete NAME
  gatehouse invoke FUNCTION [--payload JSON|@FILE] [--event]
  gatehouse logs FUNCTION [--follow] [--since 10m]
  gatehouse outbox [--to ADDRESS] [--json] [--limit N]
  gatehouse pools rotate-keys POOL_ID
  gatehouse up [DIR] [--parameter-overrides Key=Value ...] [--addr HOST:PORT] [--data DIR] [--watch=false]
  gatehouse deploy [--template template.yaml] [--stack-name NAME] [--parameter-overrides Key=Value ...] [--output json] [--dry-run]
  gatehouse stacks list | describe NAME | outputs NAME | delete NAME

Client commands find the server at --endpoint, $GATEHOUSE_ENDPOINT,
$AWS_ENDPOINT_URL or http://$GATEHOUSE_ADDR (default 127.0.0.1:4566), and
sign with the data dir's credentials or the usual AWS environment variables.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		err = serve(args)
	case "functions", "function", "fn":
		err = functionsCmd(args)
	case "invoke":
		err = invokeCmd(args)
	case "logs":
		err = logsCmd(args)
	case "outbox":
		err = outboxCmd(args)
	case "pools", "pool":
		err = poolsCmd(args)
	case "deploy":
		err = deployCmd(args)
	case "up":
		err = upCmd(args)
	case "stacks", "stack":
		err = stacksCmd(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "gatehouse: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
