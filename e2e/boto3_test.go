package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// boto3Script drives the core flow with boto3 and prints one JSON object
// of observations; the Go test makes the assertions. Credentials come
// from AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (the data dir's).
const boto3Script = `
import base64, json, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, name, zip_path = sys.argv[1], sys.argv[2], sys.argv[3]
lam = boto3.client("lambda", endpoint_url=endpoint,
                   config=Config(retries={"total_max_attempts": 1}, read_timeout=120))
code = open(zip_path, "rb").read()
out = {}

def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return {"code": None, "status": None}

def invoke(payload, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload), **kw)
    res = {"status": r["StatusCode"], "functionError": r.get("FunctionError"),
           "payload": json.loads(r["Payload"].read() or b"null")}
    if "LogResult" in r:
        res["log"] = base64.b64decode(r["LogResult"]).decode()
    return res

c = lam.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                        Role="arn:aws:iam::000000000000:role/boto3", Code={"ZipFile": code},
                        Timeout=10, Environment={"Variables": {"MY_VAR": "boto"}})
out["create"] = {"name": c["FunctionName"], "state": c["State"], "sha": c["CodeSha256"]}
lam.get_waiter("function_active_v2").wait(FunctionName=name)
out["get"] = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
out["list"] = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]]
out["echo"] = invoke({"action": "echo", "text": "from boto3"}, LogType="Tail")
out["error"] = invoke({"action": "error"})
lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MY_VAR": "boto2"}})
out["echo2"] = invoke({"action": "echo"})
lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
out["throttle"] = error_code(lambda: lam.invoke(FunctionName=name, Payload=b"{}"))
lam.delete_function_concurrency(FunctionName=name)
out["after_throttle"] = invoke({"action": "echo"})["status"]
out["bad_name"] = error_code(lambda: lam.get_function(FunctionName="bad name!"))
out["unknown"] = error_code(lambda: lam.invoke(FunctionName=name + "-missing", Payload=b"{}"))
out["corrupt_zip"] = error_code(lambda: lam.create_function(
    FunctionName=name + "-corrupt", Runtime="provided.al2023", Handler="bootstrap",
    Role="arn:aws:iam::000000000000:role/boto3", Code={"ZipFile": b"PK\x03\x04 this is not a zip"}))
out["duplicate"] = error_code(lambda: lam.create_function(
    FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
    Role="arn:aws:iam::000000000000:role/boto3", Code={"ZipFile": code}))
lam.delete_function(FunctionName=name)
out["deleted"] = error_code(lambda: lam.get_function(FunctionName=name))
print(json.dumps(out))
`

type boto3Invoke struct {
	Status        int             `json:"status"`
	FunctionError *string         `json:"functionError"`
	Payload       json.RawMessage `json:"payload"`
	Log           string          `json:"log"`
}

type boto3Err struct {
	Code   *string `json:"code"`
	Status int     `json:"status"`
}

// TestBoto3 runs the core flow with boto3, including function errors,
// throttling and the ClientError codes clients branch on.
func TestBoto3(t *testing.T) {
	t.Parallel()
	py := needBoto3(t)
	s := startServer(t)
	name := uniqueName("boto3")
	script := writeFile(t, "flow.py", []byte(boto3Script))
	zipPath := writeFile(t, "fn.zip", gofnZip)
	stdout, stderr, code := runCmd(t, s.Env, 2*time.Minute, py, script, s.URL, name, zipPath)
	if code != 0 {
		t.Fatalf("boto3 script: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var out struct {
		Create struct {
			Name, State, Sha string
		}
		Get           string
		List          []string
		Echo          boto3Invoke
		Error         boto3Invoke
		Echo2         boto3Invoke
		Throttle      boto3Err
		AfterThrottle int      `json:"after_throttle"`
		BadName       boto3Err `json:"bad_name"`
		Unknown       boto3Err
		CorruptZip    boto3Err `json:"corrupt_zip"`
		Duplicate     boto3Err
		Deleted       boto3Err
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("script output: %v\n%s\nstderr: %s", err, stdout, stderr)
	}

	if out.Create.Name != name || out.Create.State != "Active" || out.Create.Sha != sha256B64(gofnZip) {
		t.Errorf("create_function: %+v", out.Create)
	}
	if out.Get != "arn:aws:lambda:us-east-1:000000000000:function:"+name {
		t.Errorf("get_function ARN %q", out.Get)
	}
	if len(out.List) != 1 || out.List[0] != name {
		t.Errorf("list_functions: %v", out.List)
	}

	var echo struct {
		Text string
		Env  map[string]string
	}
	if out.Echo.Status != 200 || out.Echo.FunctionError != nil {
		t.Errorf("invoke echo: %+v", out.Echo)
	}
	if err := json.Unmarshal(out.Echo.Payload, &echo); err != nil || echo.Text != "from boto3" || echo.Env["MY_VAR"] != "boto" {
		t.Errorf("invoke echo payload %s (%v)", out.Echo.Payload, err)
	}
	if !strings.Contains(out.Echo.Log, "START RequestId: ") || !strings.Contains(out.Echo.Log, "REPORT RequestId: ") {
		t.Errorf("invoke echo log tail:\n%s", out.Echo.Log)
	}

	var fnErr errorDoc
	json.Unmarshal(out.Error.Payload, &fnErr)
	if out.Error.Status != 200 || out.Error.FunctionError == nil || *out.Error.FunctionError != "Unhandled" ||
		fnErr.ErrorMessage != "requested failure" || fnErr.ErrorType != "myErr" {
		t.Errorf("function error: %+v (body %+v)", out.Error, fnErr)
	}

	echo.Env = nil
	if err := json.Unmarshal(out.Echo2.Payload, &echo); err != nil || echo.Env["MY_VAR"] != "boto2" {
		t.Errorf("after update_function_configuration: %s (%v)", out.Echo2.Payload, err)
	}

	for _, c := range []struct {
		what   string
		got    boto3Err
		code   string
		status int
	}{
		// The function is warm here: it has just been invoked.
		{"reserved concurrency 0", out.Throttle, "TooManyRequestsException", 429},
		{"bad function name", out.BadName, "ValidationException", 400},
		{"unknown function", out.Unknown, "ResourceNotFoundException", 404},
		{"corrupt zip", out.CorruptZip, "InvalidParameterValueException", 400},
		{"duplicate create", out.Duplicate, "ResourceConflictException", 409},
		{"deleted function", out.Deleted, "ResourceNotFoundException", 404},
	} {
		t.Run(c.what, func(t *testing.T) {
			if c.got.Code == nil || *c.got.Code != c.code || c.got.Status != c.status {
				code := "<no error>"
				if c.got.Code != nil {
					code = *c.got.Code
				}
				t.Errorf("ClientError %s (HTTP %d), want %s (HTTP %d)", code, c.got.Status, c.code, c.status)
			}
		})
	}
	if out.AfterThrottle != 200 {
		t.Errorf("invoke after delete_function_concurrency: status %d", out.AfterThrottle)
	}
	noLeftovers(t, name)
}
