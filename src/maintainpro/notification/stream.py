"""The live stream (Server-Sent Events): each API process holds one LISTEN connection, opened
when its first browser subscribes, and hands every committed notification to the streams of
its user only. The payload comes from the INSERT trigger on `notifications`, so a notification
is streamed if and only if it committed, and nothing is read per event. LISTEN needs a direct
connection (not PgBouncer): the same one the workers use (`database.direct_url`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

import orjson
import psycopg

from maintainpro.core.logging import get_logger

CHANNEL = "maintainpro_notifications"
BACKLOG = 100  # undelivered events per stream; a stream that far behind drops the oldest

log = get_logger(__name__)
Key = tuple[UUID, UUID]  # (organization, user)
Queue = asyncio.Queue[dict[str, object]]


class Hub:
    def __init__(self, conninfo: Callable[[], str]) -> None:
        self._conninfo = conninfo
        self._streams: dict[Key, set[Queue]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._opening = asyncio.Lock()

    async def listen(self) -> None:
        """Opens (or, after a lost connection, reopens) the LISTEN connection."""
        async with self._opening:
            if self._reader is not None and not self._reader.done():
                return
            connection = await psycopg.AsyncConnection.connect(self._conninfo(), autocommit=True)
            await connection.execute(f"LISTEN {CHANNEL}")
            self._reader = asyncio.create_task(self._read(connection))

    async def _read(self, connection: psycopg.AsyncConnection[Any]) -> None:
        try:
            async for notice in connection.notifies():
                self._heard(notice.payload)
        except psycopg.OperationalError as exc:
            log.warning("notifications.listen_lost", error=str(exc))
        finally:
            await connection.close()

    def _heard(self, payload: str) -> None:
        event: dict[str, object] = orjson.loads(payload)
        key = (UUID(str(event.pop("organizationId"))), UUID(str(event.pop("userId"))))
        for queue in self._streams.get(key, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribed(self, organization_id: UUID, user_id: UUID) -> AsyncIterator[Queue]:
        await self.listen()
        queue: Queue = asyncio.Queue(maxsize=BACKLOG)
        key = (organization_id, user_id)
        self._streams[key].add(queue)
        try:
            yield queue
        finally:
            self._streams[key].discard(queue)
            if not self._streams[key]:
                del self._streams[key]

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._reader = None
