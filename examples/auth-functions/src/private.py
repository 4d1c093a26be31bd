"""GET /private, behind the API's Cognito authorizer: API Gateway has
checked the ID token before this runs. The function reads the caller
from the token's claims and looks the user up with the admin API (signed
with the function's own credentials)."""

from cognito import POOL_ID, endpoint, idp


@endpoint
def handler(event, context):
    claims = event["requestContext"]["authorizer"]["claims"]
    user = idp.admin_get_user(UserPoolId=POOL_ID, Username=claims["cognito:username"])
    return {
        "message": "hello, " + claims["email"],
        "sub": claims["sub"],
        "status": user["UserStatus"],
        "attributes": {a["Name"]: a["Value"] for a in user["UserAttributes"]},
    }
