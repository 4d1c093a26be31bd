# Lambda Runtime API client for Python handlers, stdlib only (CPython 3.8+).
#
# It reproduces the behaviour of awslambdaric, the client of the python3.x managed runtimes, so
# handlers written for Lambda run unmodified. awslambdaric needs a native extension (curl and
# aws-lambda-cpp); this file needs only the interpreter.
#
# Started by the host as `python3 -S <runtime dir>/python.py`, by the interpreter's real path (a
# pyenv shim costs hundreds of milliseconds), with the working directory set to LAMBDA_TASK_ROOT.
#
# Why -S: importing `site` costs 40-90 ms per cold start on a Python with many packages, and it
# would put the host's own site-packages on sys.path, which no Lambda function can see; functions
# bring their dependencies in the deployment package (or on PYTHONPATH, which -S still honours).
# Of the rest of what `site` does, only the exit()/quit() builtins are visible to handler code;
# they are restored below.

import decimal
import http.client
import importlib
import json
import logging
import math
import os
import sys
import time
import traceback
from urllib.parse import quote

_THIS_FILE = os.path.abspath(__file__)
_NEXT_PATH = "/2018-06-01/runtime/invocation/next"
_INVOCATION_PATH = "/2018-06-01/runtime/invocation/"
_INIT_ERROR_PATH = "/2018-06-01/runtime/init/error"
_ERROR_LOG_LINE_TERMINATE = "\r"
_ERROR_LOG_INDENT = "\u00a0"

_request_id = None
_tenant_id = None


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


# ---- Runtime API transport ----


class RuntimeAPI(object):
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host.strip("[]")
        self._port = int(port)
        self._conn = None

    def _request(self, method, path, body=None, headers=None):
        # One persistent connection; if the host dropped it (e.g. idle while a handler ran), the
        # request is retried once on a new one.
        for attempt in (1, 2):
            if self._conn is None:
                # No timeout: `next` blocks until the host has an event, however long that takes.
                self._conn = http.client.HTTPConnection(self._host, self._port)
            try:
                self._conn.request(method, path, body, headers or {})
                resp = self._conn.getresponse()
                return resp.status, resp.msg, resp.read()
            except (OSError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise

    def _post(self, path, body, headers):
        status, _, reply = self._request("POST", path, body, headers)
        if status >= 300:
            sys.stderr.write(
                "Runtime API rejected POST %s: %d %s\n" % (path, status, reply.decode("utf-8", "replace"))
            )

    def next(self):
        status, headers, body = self._request("GET", _NEXT_PATH)
        if status != 200:
            raise RuntimeError("Runtime API GET next failed: %d %s" % (status, body.decode("utf-8", "replace")))
        return headers, body

    def post_result(self, invoke_id, payload, content_type):
        path = _INVOCATION_PATH + quote(invoke_id, safe="") + "/response"
        self._post(path, payload, {"Content-Type": content_type})

    def post_error(self, invoke_id, error):
        path = _INVOCATION_PATH + quote(invoke_id, safe="") + "/error"
        self._post(path, _to_json(error).encode("utf-8"), _error_headers(error))

    def post_init_error(self, error):
        self._post(_INIT_ERROR_PATH, _to_json(error).encode("utf-8"), _error_headers(error))


def _error_headers(error):
    headers = {"Content-Type": "application/json"}
    # User code picks exception names; one that is not a valid header value goes in the body only.
    if error["errorType"].isascii() and error["errorType"].isprintable():
        headers["Lambda-Runtime-Function-Error-Type"] = error["errorType"]
    return headers


# ---- Marshalling ----


class _Encoder(json.JSONEncoder):
    # awslambdaric serialises with simplejson, which accepts Decimal (what boto3 returns for
    # DynamoDB numbers); the stdlib encoder does not, so Decimals become int or float here.
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            if o.is_finite() and o == o.to_integral_value():
                return int(o)
            return float(o)
        return json.JSONEncoder.default(self, o)


_encoder = _Encoder()


def _to_json(obj):
    return _encoder.encode(obj)


def _marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return _encoder.encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)))


def _unmarshal_event(body):
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)))


# ---- Errors ----


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if os.path.abspath(frame.filename) != _THIS_FILE:
            return frames[i:]
    return frames


def _error_from_exception(invoke_id=None):
    etype, value, tb = sys.exc_info()
    if isinstance(value, FaultException):
        return make_error(value.msg, value.exception_type, value.trace, invoke_id)
    return make_error(str(value), etype.__name__, traceback.format_list(_user_frames(tb)), invoke_id)


def _replace_indentation(line):
    stripped = line.lstrip(" ")
    return _ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped


# Logged as one record: lines joined by \r, indentation as no-break spaces, like awslambdaric.
def _log_error(error):
    description = "[ERROR]"
    if error["errorType"]:
        description += " " + error["errorType"]
    if error["errorMessage"]:
        if error["errorType"]:
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        if element == "":
            lines.append("")
        else:
            lines.extend(_replace_indentation(line) for line in element.splitlines())
    sys.stdout.write(_ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---- Loading the handler ----


def _get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname)
        )


# ---- Context ----

_FUNCTION_NAME = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
_FUNCTION_VERSION = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
_MEMORY_SIZE = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
_LOG_GROUP_NAME = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
_LOG_STREAM_NAME = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = _LOG_GROUP_NAME
        self.log_stream_name = _LOG_STREAM_NAME
        self.function_name = _FUNCTION_NAME
        self.memory_limit_in_mb = _MEMORY_SIZE
        self.function_version = _FUNCTION_VERSION
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = _make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj_from_dict(Client, self.client_context.client)

        self.identity = _make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "%s([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
            "identity=%s,tenant_id=%s])"
            % (
                self.__class__.__name__,
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


class _SlotsRepr(object):
    __slots__ = []

    def __repr__(self):
        fields = ",".join("%s=%s" % (f, getattr(self, f, None)) for f in self.__slots__)
        return "%s([%s])" % (self.__class__.__name__, fields)


class CognitoIdentity(_SlotsRepr):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(_SlotsRepr):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(_SlotsRepr):
    __slots__ = ["custom", "env", "client"]


def _make_obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


def _parse_json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e))
        )


# ---- Output ----


class Unbuffered(object):
    # Flushes every write so output reaches the host even if the process is killed at a timeout.
    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        msg = self.format(record)
        # One record per line of the host's log stream, as the Node runtime does; the record's
        # own trailing newline stays.
        sys.stdout.write(msg[:-1].replace("\n", "\r") + msg[-1:])


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def _restore_site_builtins():
    if not sys.flags.no_site:
        return
    import builtins
    import _sitebuiltins

    builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
    builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")


# ---- Invoke loop ----


def _handle(api, request_handler, headers, body):
    global _request_id, _tenant_id
    invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    _request_id = invoke_id
    _tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    try:
        context = LambdaContext(
            invoke_id,
            _parse_json_header(headers.get("Lambda-Runtime-Client-Context"), "Client Context"),
            _parse_json_header(headers.get("Lambda-Runtime-Cognito-Identity"), "Cognito Identity"),
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            _tenant_id,
        )
        event = _unmarshal_event(body)
        payload, content_type = _marshal_response(request_handler(event, context))
    except Exception:
        error = _error_from_exception(invoke_id)
        _log_error(error)
        api.post_error(invoke_id, error)
        return
    api.post_result(invoke_id, payload, content_type)


def main():
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    _restore_site_builtins()

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if not sys.path or sys.path[0] != task_root:
        sys.path.insert(0, task_root)

    api = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        _setup_logging()
        request_handler = _get_handler(os.environ.get("_HANDLER", ""))
    except Exception:
        error = _error_from_exception()
        _log_error(error)
        api.post_init_error(error)
        sys.exit(1)

    while True:
        headers, body = api.next()
        _handle(api, request_handler, headers, body)


if __name__ == "__main__":
    main()
