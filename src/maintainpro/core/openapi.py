"""The served OpenAPI document, truthful about failures.

Every failure leaves as problem+json (`core.problems`), so the document declares each error
status once, as a named response in `components.responses` whose body is the named `Problem`
schema, and each operation references the statuses it can answer with:

- every API operation: 401 and 403 (missing or refused credentials, a refused sign-in or
  sign-up), 503 (the database is unavailable);
- authenticated operations (those that depend on the principal): a bearer security requirement;
  public API operations: 429 (sign-in, sign-up and reset throttles);
- operations with a path parameter: 404; with parameters or a body: 422 (replacing FastAPI's
  `HTTPValidationError`, which the server never sends);
- operations with a body: 400 (unparseable) and 413 (too large); writes: 409;
- operations reading `If-Match`: 412.

A status a route declares itself keeps its description and gets the problem body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from maintainpro.core.errors import PROBLEM_JSON

JsonObject = dict[str, object]
BEARER = "bearerAuth"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_AFTER: JsonObject = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
# status -> (component name, description)
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request body could not be parsed."),
    401: ("Unauthenticated", "Credentials are missing, invalid or expired."),
    403: ("PermissionDenied", "The credentials do not allow this operation."),
    404: ("NotFound", "No such resource (or not visible to the caller)."),
    409: ("Conflict", "The request conflicts with the current state of a resource."),
    412: ("PreconditionFailed", "`If-Match` does not match the current version."),
    413: ("PayloadTooLarge", "The request body is larger than the configured limit."),
    422: ("ValidationFailed", "The request is invalid; `errors` names each field."),
    429: ("TooManyRequests", "Too many attempts; retry after `Retry-After` seconds."),
    503: ("ServiceUnavailable", "Temporarily unavailable; retry after `Retry-After` seconds."),
}
FIELD_ERROR: JsonObject = {
    "type": "object",
    "title": "ProblemFieldError",
    "required": ["field", "message", "code"],
    "properties": {
        "field": {"type": "string", "description": "The camelCase field, dotted for nesting."},
        "message": {"type": "string"},
        "code": {"type": "string", "description": "A stable, machine-readable reason."},
    },
}
PROBLEM: JsonObject = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem detail; `code` is stable, `title` and `detail` are text.",
    "required": ["type", "title", "status", "detail", "code", "requestId"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "requestId": {"type": ["string", "null"]},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"}},
        "allowedTargets": {
            "type": "array",
            "items": {"type": "string"},
            "description": "A refused work order transition: the statuses the caller can move"
            " the work order to from its current one.",
        },
        "runningTimer": {
            "type": "object",
            "description": "A refused timer start: the caller's timer already running"
            " (`id`, `workOrderId`, `startedAt`).",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "workOrderId": {"type": "string", "format": "uuid"},
                "startedAt": {"type": "string", "format": "date-time"},
            },
        },
    },
}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


@dataclass(frozen=True, slots=True)
class Facts:
    """What an operation reads, as far as the error statuses it can answer depend on it."""

    api: bool
    authenticated: bool
    write: bool
    body: bool
    parameters: frozenset[tuple[str, str]]  # (in, name)

    def statuses(self) -> set[int]:
        if not self.api:
            return set()
        found = {401, 403, 503}
        found |= set() if self.authenticated else {429}
        found |= {404} if any(where == "path" for where, _ in self.parameters) else set()
        found |= {422} if self.parameters or self.body else set()
        found |= {400, 413} if self.body else set()
        found |= {409} if self.write else set()
        found |= {412} if ("header", "If-Match") in self.parameters else set()
        return found


def _calls(dependant: Dependant) -> Iterator[Callable[..., object]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _parameters(dependant: Dependant) -> Iterator[tuple[str, str]]:
    for where, fields in (
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("header", dependant.header_params),
    ):
        for field in fields:
            yield where, field.alias
    for dependency in dependant.dependencies:
        yield from _parameters(dependency)


def _facts(route: RouteContext, method: str, authenticated: Callable[..., object]) -> Facts:
    dependant: Dependant = route.dependant
    return Facts(
        # The public routes (request links, calendar feeds) answer like the API.
        api=str(route.path_format).startswith(("/api/", "/public/")),
        authenticated=any(call is authenticated for call in _calls(dependant)),
        write=method in WRITES,
        body=route.body_field is not None,
        parameters=frozenset(_parameters(dependant)),
    )


def _object(parent: JsonObject, key: str) -> JsonObject:
    value = parent.setdefault(key, {})
    assert isinstance(value, dict)
    return value


def _components(document: JsonObject) -> None:
    components = _object(document, "components")
    schemas = _object(components, "schemas")
    for name in FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM
    schemas["ProblemFieldError"] = FIELD_ERROR
    responses = _object(components, "responses")
    for status, (name, description) in ERRORS.items():
        response: JsonObject = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in {429, 503}:
            response["headers"] = RETRY_AFTER
        responses[name] = response
    _object(components, "securitySchemes")[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from `/api/v1/auth/login`, or an API key.",
    }


def _problem(description: str) -> JsonObject:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _declare(operation: JsonObject, facts: Facts) -> None:
    responses = _object(operation, "responses")
    for key, value in list(responses.items()):
        status = int(key) if key.isdigit() else 0
        if status >= 400 and status not in facts.statuses():
            assert isinstance(value, dict)
            responses[key] = _problem(str(value.get("description", "")))
    for status in sorted(facts.statuses()):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    operation["responses"] = dict(sorted(responses.items()))
    if facts.authenticated:
        operation["security"] = [{BEARER: []}]


def media(content: JsonObject) -> dict[int | str, dict[str, object]]:
    """`responses=` for a route whose 200 is not JSON: `media({"text/csv": TEXT})`."""
    return {200: {"content": content}}


TEXT: JsonObject = {"schema": {"type": "string"}}
BINARY: JsonObject = {"schema": {"type": "string", "format": "binary"}}


def build(app: FastAPI, *, authenticated: Callable[..., object]) -> JsonObject:
    """The document of `app`; `authenticated` is the dependency that resolves the principal."""
    document: JsonObject = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    _components(document)
    paths = _object(document, "paths")
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or route.path_format not in paths:
            continue
        item = _object(paths, route.path_format)
        for method in route.methods or ():
            if method.lower() in item:
                _declare(_object(item, method.lower()), _facts(route, method, authenticated))
    return document


def install(app: FastAPI, *, authenticated: Callable[..., object]) -> None:
    """Serve `build(app)` (computed once) as the app's OpenAPI document."""
    cache: list[JsonObject] = []

    def openapi() -> JsonObject:
        if not cache:
            cache.append(build(app, authenticated=authenticated))
        return cache[0]

    # FastAPI's documented hook for a custom document is replacing `app.openapi`.
    app.openapi = openapi  # type: ignore[method-assign]
