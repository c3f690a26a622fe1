"""Bounded retries of transient database failures in the request path (D10).

A dependency cannot re-run a route, so this pure-ASGI middleware does: the problem handler marks
a response that answers a retryable failure (deadlock, serialization failure, connection lost
before COMMIT) with an internal header; when the request is safe to repeat (GET/HEAD, or a route
declared idempotent) and nothing has been sent yet, the response is dropped and the application
runs again with the recorded request body. Otherwise the 503 + Retry-After goes out, without
the marker. The body is already size-limited by the middleware outside this one.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maintainpro.core.logging import get_logger
from maintainpro.core.transient import backoff_s, is_retryable

log = get_logger("maintainpro.db")
R = TypeVar("R", bound=Response)

RETRYABLE_HEADER = "x-maintainpro-retryable"
_RETRYABLE_RAW = RETRYABLE_HEADER.encode()
SAFE_METHODS = frozenset({"GET", "HEAD"})
# `openapi_extra=IDEMPOTENT` on a route: repeating it changes nothing (a resent batch stores
# nothing twice), so a transient failure is retried. Clients see it in the OpenAPI document.
IDEMPOTENT_KEY = "x-idempotent"
IDEMPOTENT: dict[str, object] = {IDEMPOTENT_KEY: True}


def mark_retryable(exc: BaseException, response: R) -> R:
    """Called by the problem handler: a transient failure that another run may cure."""
    if is_retryable(exc):
        response.headers[RETRYABLE_HEADER] = "1"
    return response


def is_repeatable(scope: Scope) -> bool:
    if scope["method"] in SAFE_METHODS:
        return True
    extra = getattr(scope.get("route"), "openapi_extra", None) or {}
    return bool(extra.get(IDEMPOTENT_KEY))


class _Recorder:
    """Records the request body as the first run reads it, and replays it to later runs."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.messages: list[Message] = []

    async def record(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.messages.append(message)
        return message

    def replay(self) -> Receive:
        pending = list(self.messages)

        async def receive() -> Message:
            return pending.pop(0) if pending else await self.record()

        return receive


class _Attempt:
    """Passes one run's response through, or drops it when it is marked retryable and the
    request may be repeated (decided at response start, once the router has matched it)."""

    __slots__ = ("dropped", "last", "scope", "send")

    def __init__(self, send: Send, scope: Scope, *, last: bool) -> None:
        self.send = send
        self.scope = scope
        self.last = last
        self.dropped = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.dropped = _unmark(message) and not self.last and is_repeatable(self.scope)
        if not self.dropped:
            await self.send(message)


def _unmark(start: Message) -> bool:
    """Whether the response is marked retryable; the marker is taken off. The raw header list
    has lower-case names, as Starlette's responses build it: the marker is rare, and a header
    object per response is not free."""
    headers = start.get("headers", ())
    for name, _ in headers:
        if name == _RETRYABLE_RAW:
            start["headers"] = [h for h in headers if h[0] != _RETRYABLE_RAW]
            return True
    return False


class TransientRetryMiddleware:
    def __init__(self, app: ASGIApp, *, attempts: int, base_delay_s: float) -> None:
        self.app = app
        self.attempts = attempts
        self.base_delay_s = base_delay_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorder = _Recorder(receive)
        run = _Attempt(send, scope, last=self.attempts <= 1)
        await self.app(scope, recorder.record, run)
        attempt = 1
        while run.dropped:
            log.warning("db.retry", attempt=attempt, method=scope["method"], path=scope["path"])
            await asyncio.sleep(backoff_s(self.base_delay_s, attempt))
            attempt += 1
            run = _Attempt(send, scope, last=attempt >= self.attempts)
            await self.app(scope, recorder.replay(), run)
