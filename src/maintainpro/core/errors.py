"""The one error family and its RFC 9457 problem+json rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    code: str


@dataclass
class AppError(Exception):
    """Domain errors raised by services; never HTTPException (services know no HTTP)."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    retry_after_s: int | None = None
    # Problem extension members (RFC 9457 section 3.2), camelCase, e.g. `allowedTargets`.
    extensions: dict[str, object] = field(default_factory=dict)
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __str__(self) -> str:
        return self.detail


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PermissionDenied(AppError):
    status, code, title = 403, "permission_denied", "Permission denied"


class Unauthenticated(AppError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class InvalidState(AppError):
    status, code, title = 409, "invalid_state", "Invalid state"


class ValidationFailed(AppError):
    status, code, title = 422, "validation_failed", "Validation failed"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


class StaleVersion(AppError):
    status, code, title = 412, "stale_version", "Precondition failed"


class TooManyRequests(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"


class AccountLocked(AppError):
    status, code, title = 429, "account_locked", "Too many failed sign-ins"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


def problem(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    request_id: str | None,
    errors: list[FieldError] | None = None,
    extensions: dict[str, object] | None = None,
) -> dict[str, object]:
    body: dict[str, object] = {
        **(extensions or {}),
        "type": f"https://maintainpro.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "requestId": request_id,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message, "code": e.code} for e in errors]
    return body
