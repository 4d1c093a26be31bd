"""POST /refresh {"refreshToken", "username"}: REFRESH_TOKEN_AUTH.

SECRET_HASH is computed over the pool's username for the user (the
"username" /sign-in answered, the sub in a pool whose users sign in with
their email), not over the email."""

from cognito import CLIENT_ID, endpoint, body_of, idp, required, secret_hash, tokens


@endpoint
def handler(event, context):
    refresh_token, username = required(body_of(event), "refreshToken", "username")
    out = idp.initiate_auth(
        ClientId=CLIENT_ID,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token, "SECRET_HASH": secret_hash(username)},
    )
    return tokens(out["AuthenticationResult"])
