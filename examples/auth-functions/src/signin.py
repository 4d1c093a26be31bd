"""POST /sign-in {"email", "password"}: USER_PASSWORD_AUTH with the
client's SECRET_HASH; answers the tokens."""

from cognito import CLIENT_ID, endpoint, body_of, idp, required, secret_hash, tokens


@endpoint
def handler(event, context):
    email, password = required(body_of(event), "email", "password")
    out = idp.initiate_auth(
        ClientId=CLIENT_ID,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password, "SECRET_HASH": secret_hash(email)},
    )
    if "AuthenticationResult" not in out:
        # A challenge (NEW_PASSWORD_REQUIRED, MFA, …) this example does
        # not answer: hand it to the caller as is.
        return {"challenge": out.get("ChallengeName"), "session": out.get("Session")}
    return tokens(out["AuthenticationResult"])
