// Package bootstraps embeds the runtime clients that run unmodified Node.js and Python Lambda
// handlers against the Lambda Runtime API. AWS's own clients need native builds, so these are
// stdlib-only scripts that the host writes to disk and runs with the system interpreter:
//
//	node <dir>/node.mjs          (Node 18+)
//	python3 -S <dir>/python.py   (CPython 3.8+; exec the interpreter's real path, not a shim)
//
// Both expect the working directory to be LAMBDA_TASK_ROOT and the Lambda environment
// (AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_* ...) to be set.
// Keep <dir> out of the task root so user code cannot shadow or be shadowed by the client.
package bootstraps

import _ "embed"

// Node is the Node.js client (aws-lambda-nodejs-runtime-interface-client v3 semantics).
//
//go:embed node.mjs
var Node []byte

// Python is the Python client (awslambdaric semantics).
//
//go:embed python.py
var Python []byte
