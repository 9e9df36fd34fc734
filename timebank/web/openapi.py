"""The OpenAPI 3 document, generated from the API views' marshmallow schemas.

Each API view declares what it takes and returns with `@doc(...)`; `build_spec` walks the
URL map, so a route cannot be added to the API without appearing in the document.
"""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from timebank.web.schemas import ErrorSchema

_ERROR_TEXT = {
    400: "Malformed request",
    401: "Not logged in",
    403: "Not allowed for this role",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Too large; the message says the limit",
    415: "Not a supported media type",
    422: "Validation failed; `fields` maps field names to messages",
    429: "Rate limited",
    503: "The database is busy; try again after `Retry-After` seconds",
}


def doc(*, summary, tags, body=None, response=None, status=200, auth=True, errors=(),
        parameters=(), content_type="application/json", headers=(),
        body_content_type="application/json"):
    """Describe an API view for the OpenAPI document."""

    def decorator(view):
        view.openapi = {
            "summary": summary, "tags": list(tags), "body": body, "response": response,
            "status": status, "auth": auth, "errors": errors, "parameters": list(parameters),
            "content_type": content_type, "headers": list(headers),
            "body_content_type": body_content_type,
        }
        return view

    return decorator


def _operation(meta) -> dict:
    operation = {"summary": meta["summary"], "tags": meta["tags"]}
    if meta["body"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {meta["body_content_type"]: {"schema": meta["body"]}},
        }
    success = {"description": "OK"}
    if meta["response"] is not None:
        success["content"] = {meta["content_type"]: {"schema": meta["response"]}}
    elif meta["content_type"] != "application/json":
        success["content"] = {meta["content_type"]: {"schema": {"type": "string",
                                                                 "format": "binary"}}}
    operation["responses"] = {str(meta["status"]): success}
    statuses = set(meta["errors"])
    if meta["body"] is not None:
        statuses |= {400, 422}
    if meta["auth"]:
        statuses |= {401}
        operation["security"] = [{"bearer": []}, {"session": []}]
    statuses |= {503}  # any request may find the database busy (`timebank.errors.is_busy`)
    for status in sorted(statuses):
        operation["responses"][str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": {"application/json": {"schema": "Error"}},
        }
    operation["responses"]["503"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
    parameters = [dict(p) for p in meta["parameters"]]
    parameters += [{"in": "header", "name": name, "required": False,
                    "schema": {"type": "string"}} for name in meta["headers"]]
    if parameters:
        operation["parameters"] = parameters
    return operation


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        converter, name = match.group(1), match.group(2)
        kind = "integer" if converter == "int" else "string"
        params.append({"in": "path", "name": name, "required": True, "schema": {"type": kind}})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, rule), params


def build_spec() -> dict:
    spec = APISpec(
        title="Nansha Time Bank API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Time bank and volunteer coordination for social-work stations. "
                             "Durations and balances are whole minutes."},
    )
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        path, path_params = _openapi_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = _operation(meta)
            if path_params:
                operation["parameters"] = path_params + operation.get("parameters", [])
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()
