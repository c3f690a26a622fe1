"""Subscribers of domain events (webhooks, notifications, rules register here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import OutboxEvent

Handler = Callable[[AsyncSession, OutboxEvent], Awaitable[None]]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event_type: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _handlers[event_type].append(handler)
        return handler

    return register


def unsubscribe(event_type: str, handler: Handler) -> None:
    _handlers[event_type].remove(handler)


def subscribed_types() -> frozenset[str]:
    return frozenset(kind for kind, handlers in _handlers.items() if handlers)


def handlers_for(event_type: str) -> list[Handler]:
    return list(_handlers.get(event_type, ()))


async def dispatch(session: AsyncSession, event: OutboxEvent) -> int:
    """Every subscriber in the caller's transaction (the worker gives each its own:
    `outbox/tasks.py: dispatch`)."""
    handlers = handlers_for(event.event_type)
    for handler in handlers:
        await handler(session, event)
    return len(handlers)
