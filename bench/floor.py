"""The floor: the least a FastAPI + asyncpg handler can do for each benchmarked request.

Same SQL as the API (bench/sql.py), as the same application role (RLS applies), in the same
transaction shape (BEGIN, the tenant `set_config` call, the query, COMMIT), with the same
driver settings (asyncpg prepared-statement cache of 100, the API's application name) and a
Pydantic camelCase response model. No authentication, ORM, audit, idempotency or middleware.
Writes are plain single-statement handlers; bulk ingestion runs the API's batched insert.

Run by the harness as `uvicorn bench.floor:create_app --factory --workers N`; it reads the
database and tenant from BENCH_FLOOR_* environment variables.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID, uuid4

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import orjson
from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel

from bench import inventory, sql, work_orders

STATEMENT_CACHE = 100  # asyncpg's and SQLAlchemy's default
TIMEOUT_MS = "30000"


class Camel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True
    )


class AssetOut(Camel):
    id: UUID
    organization_id: UUID
    code: str
    name: str
    description: str | None
    category: str | None
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    status: str
    criticality: str
    parent_id: UUID | None
    location_id: UUID | None
    site_id: UUID | None
    latitude: float | None
    longitude: float | None
    purchase_cost: Decimal | None
    replacement_value: Decimal | None
    install_date: date | None
    warranty_expires_on: date | None
    specifications: dict[str, JsonValue]
    label_code: str
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class PageOut(Camel):
    items: list[AssetOut]
    next_cursor: str | None = None


class AssetIn(Camel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class AssetPatch(Camel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class ReadingIn(Camel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")
    meter_id: UUID
    value: float
    measured_at: datetime


class BulkIn(Camel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")
    readings: list[ReadingIn] = Field(max_length=10_000)


class BulkOut(Camel):
    stored: int


def _encode_cursor(*values: object) -> str:
    raw = orjson.dumps([str(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[str]:
    values: list[str] = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return values


async def _init(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class Floor:
    """The pool and the tenant every request runs as."""

    def __init__(self) -> None:
        self.dsn = os.environ["BENCH_FLOOR_DSN"]
        self.org = os.environ["BENCH_FLOOR_ORG"]
        self.user = os.environ["BENCH_FLOOR_USER"]
        self.technician = os.environ.get("BENCH_FLOOR_TECHNICIAN", self.user)
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=int(os.environ.get("BENCH_FLOOR_POOL", "20")),  # the API's pool + overflow
            statement_cache_size=STATEMENT_CACHE,
            max_inactive_connection_lifetime=5,
            init=_init,
            server_settings={"application_name": "maintainpro"},
        )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    @asynccontextmanager
    async def tenant(
        self, user: str | None = None, plans: str = sql.AUTO
    ) -> AsyncIterator[asyncpg.Connection]:
        """BEGIN, the tenant settings (as the admin unless told, with the API's plan cache
        mode for the request), the caller's statements, COMMIT."""
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                sql.SET_CONTEXT,
                self.org,
                user or self.user,
                uuid4().hex,
                "127.0.0.1",
                TIMEOUT_MS,
                plans,
            )
            yield conn


def _asset(row: asyncpg.Record | None) -> AssetOut:
    if row is None:
        raise HTTPException(404)
    return AssetOut.model_validate(dict(row))


def _page(rows: list[asyncpg.Record], limit: int) -> PageOut:
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    return PageOut(
        items=[AssetOut.model_validate(dict(r)) for r in page],
        next_cursor=_encode_cursor(last["name"], last["id"]) if last else None,
    )


async def _search(conn: asyncpg.Connection, q: str, limit: int) -> PageOut:
    rows = await conn.fetch(sql.SEARCH, q, None, None, None, floor.org, limit + 1)
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    return PageOut(
        items=[AssetOut.model_validate(dict(r)) for r in page],
        next_cursor=_encode_cursor(repr(last["rank"]), last["id"]) if last else None,
    )


floor = Floor()


def _routes(app: FastAPI) -> None:
    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/assets/{asset_id}")
    async def get_asset(asset_id: UUID, response: Response) -> AssetOut:
        async with floor.tenant() as conn:
            asset = _asset(await conn.fetchrow(sql.ASSET_BY_ID, floor.org, asset_id))
        response.headers["ETag"] = f'W/"{asset.version}"'
        return asset

    @app.get("/api/v1/assets")
    async def list_assets(
        limit: int = 50, status: str | None = None, q: str | None = None, cursor: str | None = None
    ) -> PageOut:
        async with floor.tenant() as conn:
            if q:
                return await _search(conn, q, limit)
            if status:
                rows = await conn.fetch(sql.STATUS_PAGE, floor.org, status, limit + 1)
            elif cursor:
                name, last = _decode_cursor(cursor)
                rows = await conn.fetch(sql.CURSOR_PAGE, floor.org, name, UUID(last), limit + 1)
            else:
                rows = await conn.fetch(sql.FIRST_PAGE, floor.org, limit + 1)
        return _page(rows, limit)

    @app.post("/api/v1/assets", status_code=201)
    async def create_asset(body: AssetIn, response: Response) -> AssetOut:
        async with floor.tenant() as conn:
            row = await conn.fetchrow(sql.INSERT_ASSET, floor.org, body.code, body.name, floor.user)
        response.headers["ETag"] = 'W/"1"'
        return _asset(row)

    @app.patch("/api/v1/assets/{asset_id}")
    async def update_asset(
        asset_id: UUID,
        body: AssetPatch,
        response: Response,
        if_match: Annotated[str, Header(alias="If-Match")],
    ) -> AssetOut:
        version = int(if_match.removeprefix("W/").strip('"'))
        async with floor.tenant() as conn:
            row = await conn.fetchrow(
                sql.UPDATE_ASSET, body.name, floor.user, floor.org, asset_id, version
            )
        if row is None:
            raise HTTPException(412)
        asset = _asset(row)
        response.headers["ETag"] = f'W/"{asset.version}"'
        return asset

    @app.post("/api/v1/meter-readings/bulk")
    async def ingest(body: BulkIn) -> BulkOut:
        items = body.readings
        async with floor.tenant() as conn:
            rows = await conn.fetch(
                sql.INSERT_READINGS,
                floor.org,
                [i.meter_id for i in items],
                [i.measured_at for i in items],
                [i.value for i in items],
                [None] * len(items),
                [None] * len(items),
            )
        return BulkOut(stored=len(rows))


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await floor.open()
        try:
            yield
        finally:
            await floor.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    _routes(app)
    work_orders.register(app, floor)
    inventory.register(app, floor)
    return app
