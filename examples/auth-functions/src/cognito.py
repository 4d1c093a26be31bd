"""What the auth functions share: the user pool client, SECRET_HASH and
API Gateway proxy responses.

boto3 finds the endpoint and the credentials in the environment, as on
AWS Lambda (gatehouse sets AWS_ENDPOINT_URL and a key pair of the
function's own); nothing here knows which one it runs on.
"""

import base64
import hashlib
import hmac
import json
import os

import boto3
from botocore.exceptions import ClientError

POOL_ID = os.environ["USER_POOL_ID"]
CLIENT_ID = os.environ["USER_POOL_CLIENT_ID"]
CLIENT_SECRET = os.environ["USER_POOL_CLIENT_SECRET"]

# Created once per execution environment and reused while it is warm.
idp = boto3.client("cognito-idp")

# Cognito's errors, as the status codes these endpoints answer them with.
_STATUS = {
    "NotAuthorizedException": 401,
    "UserNotFoundException": 401,  # not 404: do not tell who has an account
    "UserNotConfirmedException": 403,
    "PasswordResetRequiredException": 403,
    "UsernameExistsException": 409,
    "TooManyRequestsException": 429,
    "LimitExceededException": 429,
}


def secret_hash(username):
    """Base64(HMAC-SHA256(client secret, username + client id))."""
    mac = hmac.new(CLIENT_SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def body_of(event):
    """The request's JSON body as a dict ({} when empty)."""
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise ValueError("the body must be a JSON object")
    return doc


def required(doc, *names):
    missing = [n for n in names if not isinstance(doc.get(n), str) or not doc.get(n)]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    return [doc[n] for n in names]


def respond(status, doc):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(doc),
    }


def endpoint(fn):
    """Wraps a handler: bad input is a 400, a Cognito error its status."""

    def wrapper(event, context):
        try:
            return respond(200, fn(event, context))
        except ValueError as e:
            return respond(400, {"error": "BadRequest", "message": str(e)})
        except ClientError as e:
            err = e.response.get("Error", {})
            code = err.get("Code", "Error")
            return respond(_STATUS.get(code, 400), {"error": code, "message": err.get("Message", "")})

    return wrapper


def claims_of(token):
    """The payload of a JWT Cognito just issued (not verified: it came
    from Cognito over this call, not from a client)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def tokens(result):
    out = {
        "idToken": result["IdToken"],
        "accessToken": result["AccessToken"],
        "expiresIn": result["ExpiresIn"],
        "tokenType": result["TokenType"],
        # The pool's own name for the user (its sub when users sign in
        # with their email): what /refresh needs for SECRET_HASH.
        "username": claims_of(result["IdToken"])["cognito:username"],
    }
    if result.get("RefreshToken"):
        out["refreshToken"] = result["RefreshToken"]
    return out
