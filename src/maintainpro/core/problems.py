"""Exception handlers: every failure leaves as RFC 9457 problem+json, none with internals."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from maintainpro.core import context
from maintainpro.core.errors import (
    PROBLEM_JSON,
    AppError,
    Conflict,
    FieldError,
    PermissionDenied,
    ServiceUnavailable,
    StaleVersion,
    ValidationFailed,
    problem,
)
from maintainpro.core.logging import get_logger
from maintainpro.core.retry import mark_retryable
from maintainpro.core.schemas import UNSTORABLE
from maintainpro.core.transient import is_connection_loss, is_unavailable, sqlstate

log = get_logger("maintainpro.errors")

HTTP_CODES = {
    401: ("unauthenticated", "Authentication required"),
    403: ("permission_denied", "Permission denied"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("rate_limited", "Too many requests"),
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, object] | None = None,
) -> JSONResponse:
    body = problem(
        status=status,
        code=code,
        title=title,
        detail=detail,
        request_id=context.current().request_id,
        errors=errors,
        extensions=extensions,
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _printable(text: str) -> str:
    """A key or message echoing refused input never carries NUL or a lone surrogate out."""
    return UNSTORABLE.sub("\ufffd", text)


def _field_path(location: tuple[object, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return _printable(".".join(parts) or str(location[0] if location else ""))


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            field=_field_path(tuple(err["loc"])),
            message=_printable(str(err["msg"])),
            code=str(err["type"]),
        )
        for err in exc.errors()
    ]


def retry_after(request: Request) -> dict[str, str]:
    return {"Retry-After": str(request.app.state.settings.http.retry_after_s)}


async def on_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = retry_after(request) if isinstance(exc, ServiceUnavailable) else None
    if exc.retry_after_s is not None:
        headers = {"Retry-After": str(max(exc.retry_after_s, 1))}
    return problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        errors=exc.errors,
        headers=headers,
        extensions=exc.extensions,
    )


async def on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    err = ValidationFailed("The request is invalid; see `errors` for each field.")
    return problem_response(
        err.status, err.code, err.title, err.detail, errors=validation_errors(exc)
    )


async def on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, title = HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return problem_response(exc.status_code, code, title, detail, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method some route answers at this path. The router's own `Allow` names only the
    first route whose path matched, so a path served by two routes (GET and POST) lied."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


INTEGRITY = {
    "23505": (Conflict, "A record with the same unique value already exists."),
    "23503": (Conflict, "The record references, or is referenced by, another record."),
    "23514": (ValidationFailed, "A value breaks a rule of the record."),
    "23502": (ValidationFailed, "A required value is missing."),
    # Row-level security refused a row: never a crash, never a hint about other tenants.
    "42501": (PermissionDenied, "The operation is not permitted."),
}


async def on_database(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, StaleDataError):
        err: AppError = StaleVersion("The record was changed by someone else; reload it.")
        return await on_app_error(request, err)
    assert isinstance(exc, DBAPIError)
    state = sqlstate(exc)
    if state in INTEGRITY and (isinstance(exc, IntegrityError) or state == "42501"):
        kind, detail = INTEGRITY[state]
        return await on_app_error(request, kind(detail))
    if is_unavailable(exc):
        log.warning("db.unavailable", sqlstate=state)
        unavailable = ServiceUnavailable("The database is temporarily unavailable.")
        return mark_retryable(exc, await on_app_error(request, unavailable))
    return await on_unexpected(request, exc)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("http.unhandled", exc_info=exc)
    return problem_response(
        500, "internal_error", "Internal error", "An unexpected error occurred."
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(StaleDataError, on_database)
    app.add_exception_handler(DBAPIError, on_database)
    app.add_exception_handler(OSError, on_database_unreachable)
    app.add_exception_handler(PoolTimeout, on_pool_exhausted)


async def on_pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    """Every connection of the pool stayed busy for `pool_timeout_s`: an overloaded service,
    which the client meets as a 503 with Retry-After (not retried here: that would only keep
    the request in the queue longer)."""
    log.warning("db.pool_exhausted")
    return await on_app_error(request, ServiceUnavailable("The service is busy; retry shortly."))


async def on_database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    if not is_connection_loss(exc):  # a file or other OS error is not the database
        return await on_unexpected(request, exc)
    log.warning("db.unreachable", error=type(exc).__name__)
    unavailable = ServiceUnavailable("The database is temporarily unavailable.")
    return mark_retryable(exc, await on_app_error(request, unavailable))
