"""Request/job context: who is acting, for which organization, under which request id.

One source of truth for the log lines (`add_log_fields`, a structlog processor) and for the
transaction-local PostgreSQL settings that row-level security and the audit trigger read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import NamedTuple, TypedDict, Unpack
from uuid import UUID

from structlog.typing import EventDict, WrappedLogger


class RequestContext(NamedTuple):
    """Immutable; a tuple, because one is made per request and a frozen dataclass's
    construction (a `object.__setattr__` per field) cost several times as much."""

    request_id: str | None = None
    organization_id: UUID | None = None
    user_id: UUID | None = None
    client_ip: str | None = None


class ContextChanges(TypedDict, total=False):
    request_id: str | None
    organization_id: UUID | None
    user_id: UUID | None
    client_ip: str | None


_current: ContextVar[RequestContext] = ContextVar(
    "maintainpro_context",
    default=RequestContext(),  # noqa: B039  # immutable, so sharing the default is safe
)


def current() -> RequestContext:
    return _current.get()


def add_log_fields(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The context's ids on every log line, read when a line is written: a request changes its
    context a few times and logs rarely, so nothing is bound per request."""
    ctx = _current.get()
    event.setdefault("request_id", ctx.request_id)
    event.setdefault("organization_id", str(ctx.organization_id) if ctx.organization_id else None)
    event.setdefault("user_id", str(ctx.user_id) if ctx.user_id else None)
    return event


def begin(request_id: str, client_ip: str | None) -> Token[RequestContext]:
    """A request's context, set whole (no copy of the one before): the request middleware's,
    undone with `end` when the request is over."""
    return _current.set(RequestContext(request_id=request_id, client_ip=client_ip))


def end(token: Token[RequestContext]) -> None:
    _current.reset(token)


def bind(**changes: Unpack[ContextChanges]) -> RequestContext:
    """Changes the context for the rest of the current task (the request middleware restores the
    previous one when the request ends). A transaction already begun must call
    `db.apply_context` to pick the change up."""
    ctx = current()._replace(**changes)
    _current.set(ctx)
    return ctx


@contextmanager
def scoped(**changes: Unpack[ContextChanges]) -> Iterator[RequestContext]:
    """Run a block under a changed context and restore the previous one afterwards."""
    token = _current.set(current()._replace(**changes))
    try:
        yield current()
    finally:
        _current.reset(token)
