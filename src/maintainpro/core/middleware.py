"""Pure-ASGI middleware: request id + access log + metrics, body size limit, security headers."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from random import getrandbits

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maintainpro.core import context, metrics
from maintainpro.core.errors import PROBLEM_JSON, problem
from maintainpro.core.logging import get_logger

log = get_logger("maintainpro.http")
REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; object-src 'none'",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), geolocation=(self), microphone=()",
}


_SECURITY_RAW = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
_REQUEST_ID_RAW = REQUEST_ID_HEADER.encode()
_OURS = frozenset({_REQUEST_ID_RAW, *(name for name, _ in _SECURITY_RAW)})


def _header(scope: Scope, name: bytes) -> bytes | None:
    """One request header from the raw list (lower-case names, as the server gives them)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _with_ids(headers: list[tuple[bytes, bytes]], request_id: bytes) -> list[tuple[bytes, bytes]]:
    """The response's headers with the request id (replacing any) and each security header the
    response has not set itself."""
    if not any(key.lower() in _OURS for key, _ in headers):  # the usual response
        return [*headers, (_REQUEST_ID_RAW, request_id), *_SECURITY_RAW]
    present = {key.lower() for key, _ in headers}
    kept = (
        [h for h in headers if h[0].lower() != _REQUEST_ID_RAW]
        if _REQUEST_ID_RAW in present
        else list(headers)
    )
    kept.append((_REQUEST_ID_RAW, request_id))
    kept += [h for h in _SECURITY_RAW if h[0] not in present]
    return kept


def _new_request_id() -> str:
    """128 random bits as 32 hex digits. A correlation id, not a secret: the generator of the
    `random` module (reseeded in each worker) costs no system call, which `os.urandom` did on
    every request (a twentieth of a liveness probe)."""
    return f"{getrandbits(128):032x}"


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path", metrics.UNMATCHED_ROUTE))


class RequestContextMiddleware:
    """Takes or creates X-Request-ID, binds it to logs and SQL, echoes it, logs and counts the
    request."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = (_header(scope, _REQUEST_ID_RAW) or b"").decode("latin-1")
        request_id = given if _VALID_REQUEST_ID.match(given) else _new_request_id()
        raw_id = request_id.encode()
        client = scope.get("client")
        status = 500
        started = time.perf_counter()
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = _with_ids(list(message.get("headers", ())), raw_id)
            await send(message)

        token = context.begin(request_id, client[0] if client else None)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Here, inside the request context, so the 500 carries its request id and
            # headers (Starlette's own last-resort handler sits outside every middleware).
            log.error("http.unhandled", exc_info=exc)
            if response_started:
                raise
            await send_json(send_with_id, 500, _internal_error(), content_type=PROBLEM_JSON)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            metrics.observe_request(scope["method"], route, status, elapsed)
            if self.access_log:
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            context.end(token)


def _internal_error() -> dict[str, object]:
    return problem(
        status=500,
        code="internal_error",
        title="Internal error",
        detail="An unexpected error occurred.",
        request_id=context.current().request_id,
    )


class BodySizeLimitMiddleware:
    """Refuses bodies above the configured size (declared or streamed) with a 413 problem;
    `larger` names paths with a limit of their own (file uploads)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope["path"], self.default_max_bytes)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > max_bytes:
                await self._reject(send, max_bytes)
                return
            # The HTTP server frames the body by its declared length (HTTP/1.1 and HTTP/2
            # alike): it cannot grow past it, so there is nothing to count.
            await self.app(scope, receive, send)
            return
        if scope.get("http_version") != "2" and _header(scope, b"transfer-encoding") is None:
            # HTTP/1.x without a length or a chunked encoding has no body (most GETs).
            await self.app(scope, receive, send)
            return
        received = 0
        rejected = False

        async def limited_receive() -> Message:
            # Past the limit: answer 413 now and tell the app the client is gone.
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes and not rejected:
                    rejected = True
                    await self._reject(send, max_bytes)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not rejected:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _reject(self, send: Send, max_bytes: int) -> None:
        body = problem(
            status=413,
            code="payload_too_large",
            title="Payload too large",
            detail=f"The request body exceeds {max_bytes} bytes.",
            request_id=context.current().request_id,
        )
        await send_json(send, 413, body, content_type=PROBLEM_JSON)


async def send_json(
    send: Send, status: int, body: dict[str, object], *, content_type: str = "application/json"
) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
