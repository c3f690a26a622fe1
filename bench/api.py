"""API benchmark: list, filter, search and nearby on a loaded tenant; bulk reading ingestion."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from uuid_utils.compat import uuid7

from maintainpro.app import create_app
from maintainpro.auth import passwords
from maintainpro.auth import service as auth_service
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.bootstrap import bootstrap
from maintainpro.core.database import Role, ServerTarget, admin_url, resolve_server
from maintainpro.core.db import Database, create_database, transaction
from maintainpro.core.migrate import Migrator
from maintainpro.models import Organization, User

DATABASE = "maintainpro_bench"
FILL = text(
    """
    INSERT INTO assets (id, organization_id, code, name, category, status, criticality,
                        latitude, longitude, label_code, description)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'A-' || i, 'Asset ' || md5(i::text),
           'cat-' || (i % 50), (ARRAY['active','inactive','in_maintenance','retired'])[1 + i % 4],
           (ARRAY['low','medium','high','critical'])[1 + i % 4],
           CASE WHEN i % 2 = 0 THEN 45 + (i % 1000) / 100.0 END,
           CASE WHEN i % 2 = 0 THEN 5 + (i % 977) / 100.0 END,
           'L-' || i, 'pump motor gearbox ' || (i % 97)
    FROM generate_series(1, :rows) AS i
    """
)


def prepare(settings: Settings) -> ServerTarget:
    server = resolve_server(settings.database)
    bootstrap(admin_url(server, settings.database), settings.database, DATABASE, print)
    target = server.with_database(DATABASE)
    migrator = Migrator(target, settings.database)
    migrator.downgrade("base")
    migrator.upgrade("head")
    migrator.dispose()
    return target


async def load(target: ServerTarget, settings: Settings, rows: int) -> tuple[str, str]:
    """Two tenants of `rows` assets; returns the first tenant's admin token and a meter id."""
    maint = create_database(target, settings.database, role=Role.MAINT)
    app_db = create_database(target, settings.database)
    orgs = [uuid7(), uuid7()]
    async with transaction(maint.sessions) as session:
        for org in orgs:
            session.add(Organization(id=org, name="Bench", slug=f"bench-{org.hex[-10:]}"))
            await session.flush()
            await session.execute(FILL, {"org": org, "rows": rows})
        admin = User(
            organization_id=orgs[0],
            email=f"bench-{orgs[0].hex[-8:]}@example.com",
            full_name="Bench",
            role="admin",
            password_hash=passwords.hash_password("x" * 12),
        )
        session.add(admin)
        await session.flush()
        asset_id = await session.scalar(
            text("SELECT id FROM assets WHERE organization_id = :o LIMIT 1"), {"o": orgs[0]}
        )
        meter_id = uuid7()
        await session.execute(
            text(
                "INSERT INTO meters (id, organization_id, asset_id, name, unit, kind)"
                " VALUES (:m, :o, :a, 'runtime', 'h', 'counter')"
            ),
            {"m": meter_id, "o": orgs[0], "a": asset_id},
        )
        await session.execute(text("ANALYZE"))
    with context.scoped(organization_id=orgs[0], user_id=admin.id):
        async with transaction(app_db.sessions) as session:
            issued = await auth_service.start_session(
                session, settings.auth, admin, ip=None, user_agent="bench"
            )
    await maint.dispose()
    await app_db.dispose()
    return issued.access_token, str(meter_id)


async def measure(
    name: str, call: Callable[[], Awaitable[httpx.Response]], requests: int, concurrency: int
) -> None:
    latencies: list[float] = []
    failures = 0
    queue = asyncio.Queue[int]()
    for i in range(requests):
        queue.put_nowait(i)

    async def worker() -> None:
        nonlocal failures
        while not queue.empty():
            queue.get_nowait()
            started = time.perf_counter()
            response = await call()
            latencies.append(time.perf_counter() - started)
            failures += response.status_code >= 400

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=20)
    print(
        f"{name:<28} p50 {statistics.median(latencies) * 1000:7.1f} ms"
        f"   p95 {cuts[18] * 1000:7.1f} ms"
        f"   {requests / elapsed:7.1f} req/s   errors {failures}"
    )


async def run(args: argparse.Namespace) -> None:
    settings = Settings()
    target = prepare(settings)
    token, meter_id = await load(target, settings, args.assets)
    database: Database = create_database(target, settings.database)
    app = create_app(settings, database=database)
    headers = {"Authorization": f"Bearer {token}"}
    where = "embedded PostgreSQL" if target.embedded else f"PostgreSQL at {target.url.host}"
    print(
        f"{where}, database {target.database}; {args.assets} assets x 2 tenants;"
        f" concurrency {args.concurrency}; {platform.machine()}, {os.cpu_count()} cores"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
    ) as http:
        n, c = args.requests, args.concurrency
        await measure("GET /assets (default sort)", lambda: http.get("/api/v1/assets"), n, c)
        await measure(
            "GET /assets?status=retired",
            lambda: http.get("/api/v1/assets", params={"status": "retired"}),
            n,
            c,
        )
        await measure(
            "GET /assets?q=gearbox",
            lambda: http.get("/api/v1/assets", params={"q": "gearbox 42"}),
            n,
            c,
        )
        await measure(
            "GET /assets/nearby",
            lambda: http.get(
                "/api/v1/assets/nearby", params={"lat": 46, "lng": 6, "radiusM": 20000}
            ),
            n,
            c,
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        batches = iter(range(10_000))

        def bulk() -> Awaitable[httpx.Response]:
            b = next(batches)
            readings = [
                {
                    "meterId": meter_id,
                    "value": b * 5000 + i,
                    "measuredAt": (start + timedelta(seconds=b * 5000 + i)).isoformat(),
                }
                for i in range(5000)
            ]
            return http.post("/api/v1/meter-readings/bulk", json={"readings": readings})

        await measure("POST bulk (5,000 readings)", bulk, max(n // 20, 5), 1)
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
