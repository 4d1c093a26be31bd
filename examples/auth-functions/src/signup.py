"""POST /sign-up {"email", "password", "name"?} and
POST /confirm-sign-up {"email", "code"}: self-service sign-up; Cognito
mails the code (gatehouse: to the outbox, or through SMTP)."""

from cognito import CLIENT_ID, endpoint, body_of, idp, required, secret_hash


@endpoint
def handler(event, context):
    doc = body_of(event)
    email, password = required(doc, "email", "password")
    attrs = [{"Name": "email", "Value": email}]
    if doc.get("name"):
        attrs.append({"Name": "name", "Value": doc["name"]})
    out = idp.sign_up(
        ClientId=CLIENT_ID,
        SecretHash=secret_hash(email),
        Username=email,
        Password=password,
        UserAttributes=attrs,
    )
    print("signed up", out["UserSub"])
    return {
        "userSub": out["UserSub"],
        "userConfirmed": out["UserConfirmed"],
        "codeDeliveryDetails": out.get("CodeDeliveryDetails"),
    }


@endpoint
def confirm(event, context):
    email, code = required(body_of(event), "email", "code")
    idp.confirm_sign_up(
        ClientId=CLIENT_ID,
        SecretHash=secret_hash(email),
        Username=email,
        ConfirmationCode=code,
    )
    return {"confirmed": True}
