"""`Idempotency-Key` on creates and other one-time actions (D11).

The key is scoped to (organization, user, route). The first request takes a transaction-level
advisory lock on it, does its work and stores its answer in the same transaction, so the stored
answer exists if and only if the create committed. A retry with the same key and body gets the
stored answer back (`Idempotent-Replayed: true`); the same key with another body is a 422; a
retry while the first request is still running is a 409. Answers are kept 24 hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Annotated, Protocol, TypeVar
from uuid import UUID

import orjson
from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core import prepared
from maintainpro.core.errors import Conflict, FieldError, ValidationFailed
from maintainpro.core.etag import set_etag

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
MAX_LENGTH = 255
REPLAYED = "Idempotent-Replayed"
# Response headers worth replaying (the rest describe the transport, not the answer).
KEPT_HEADERS = ("etag", "location")

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="Makes a retried create safe: the same key and body within 24 hours"
        " return the first answer instead of creating again.",
    ),
]


class Caller(Protocol):
    """Who creates: a key is theirs alone (the authenticated principal)."""

    @property
    def organization_id(self) -> UUID: ...

    @property
    def user_id(self) -> UUID: ...


_LOOKUP = prepared.prepare(
    text("""
SELECT pg_try_advisory_xact_lock(hashtextextended(:scope, 0)) AS locked,
       k.body_hash, k.status_code, k.response, k.headers
FROM (SELECT 1) AS one
LEFT JOIN idempotency_keys k
  ON k.organization_id = :org AND k.user_id = :user AND k.route = :route AND k.key = :key
 AND k.created_at > now() - CAST(:retention AS interval)
""")
)
_STORE = prepared.prepare(
    text("""
INSERT INTO idempotency_keys
  (id, organization_id, user_id, route, key, body_hash, status_code, response, headers)
VALUES (app.uuidv7(), :org, :user, :route, :key, :body_hash, :status_code,
        CAST(:response AS jsonb), CAST(:headers AS jsonb))
ON CONFLICT (organization_id, user_id, route, key) DO UPDATE
  SET body_hash = EXCLUDED.body_hash, status_code = EXCLUDED.status_code,
      response = EXCLUDED.response, headers = EXCLUDED.headers, created_at = now()
""")
)


class Slot:
    """One keyed create: `replay` is the stored answer when there is one; otherwise the route
    does its work and calls `store`."""

    def __init__(
        self, organization_id: UUID, user_id: UUID, route: str, key: str, body_hash: bytes
    ) -> None:
        self._params: dict[str, object] = {
            "org": organization_id,
            "user": user_id,
            "route": route,
            "key": key,
            "body_hash": body_hash,
        }
        self.replay: Response | None = None

    async def store(
        self, session: AsyncSession, status_code: int, body: BaseModel, response: Response
    ) -> None:
        headers = {name: value for name, value in response.headers.items() if name in KEPT_HEADERS}
        params = {
            **self._params,
            "status_code": status_code,
            "response": body.model_dump_json(by_alias=True),
            "headers": orjson.dumps(headers).decode(),
        }
        await prepared.fetch(session, _STORE, params)


def _checked(key: str) -> str:
    if not key or len(key) > MAX_LENGTH or not key.isascii() or not key.isprintable():
        message = f"Expected 1 to {MAX_LENGTH} printable ASCII characters."
        raise ValidationFailed(
            "The Idempotency-Key header is invalid.", [FieldError(HEADER, message, "invalid")]
        )
    return key


def _replay(status_code: int, body: object, headers: object) -> Response:
    assert isinstance(headers, Mapping)
    return Response(
        content=orjson.dumps(body),
        status_code=status_code,
        media_type="application/json",
        headers={**headers, REPLAYED: "true"},
    )


async def begin(
    session: AsyncSession, caller: Caller, route: str, key: str | None, body: BaseModel
) -> Slot | None:
    """None without a key; otherwise the slot of this key, its stored answer in `replay` if the
    create already happened."""
    if key is None:
        return None
    key = _checked(key)
    body_hash = hashlib.sha256(body.model_dump_json(by_alias=True).encode()).digest()
    organization_id, user_id = caller.organization_id, caller.user_id
    slot = Slot(organization_id, user_id, route, key, body_hash)
    scope = f"{organization_id}/{user_id}/{route}/{key}"
    row = await prepared.fetchrow(
        session,
        _LOOKUP,
        {
            "scope": scope,
            "org": organization_id,
            "user": user_id,
            "route": route,
            "key": key,
            "retention": RETENTION,
        },
    )
    assert row is not None
    if not row["locked"]:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            [FieldError(HEADER, "In use by a request in flight.", "in_flight")],
        )
    if row["body_hash"] is None:
        return slot
    stored_hash = row["body_hash"]
    assert isinstance(stored_hash, bytes)
    if stored_hash != body_hash:
        raise ValidationFailed(
            "This Idempotency-Key was used with another request body.",
            [FieldError(HEADER, "Reused with a different body.", "key_reused")],
        )
    status_code = row["status_code"]
    assert isinstance(status_code, int)
    slot.replay = _replay(status_code, _json(row["response"]), _json(row["headers"]))
    return slot


def _json(value: object) -> object:
    """jsonb from the driver: text (SQLAlchemy's asyncpg codec) or already decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


M = TypeVar("M", bound=BaseModel)


async def create_once(
    session: AsyncSession,
    caller: Caller,
    route: str,
    key: str | None,
    body: BaseModel,
    response: Response,
    create: Callable[[], Awaitable[M]],
    *,
    status_code: int = 201,
) -> M | Response:
    """A keyed create (or another one-time action, answering `status_code`): the stored answer
    when this key already acted, else `create()` stored under the key. A resource with a
    `version` gets its ETag here (before the answer is stored, so a replay carries it too);
    other headers `create()` sets itself."""
    slot = await begin(session, caller, route, key, body)
    if slot is not None and slot.replay is not None:
        return slot.replay
    created = await create()
    version = getattr(created, "version", None)
    if isinstance(version, int):
        set_etag(response, version)
    if slot is not None:
        await slot.store(session, status_code, created, response)
    return created
