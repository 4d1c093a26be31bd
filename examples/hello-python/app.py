"""The README's Python function: a plain handler, run unmodified."""


def handler(event, context):
    name = event.get("name", "world")
    print("greeting", name, "in request", context.aws_request_id)
    return {"greeting": f"hello, {name}", "runtime": "python"}
