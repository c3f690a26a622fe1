"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import hmac
from enum import Enum

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from maintainpro.core import metrics
from maintainpro.core.db import Database
from maintainpro.core.deps import AppDatabase, AppSettings
from maintainpro.core.errors import ServiceUnavailable, Unauthenticated
from maintainpro.core.logging import get_logger
from maintainpro.core.openapi import TEXT, media

log = get_logger(__name__)

JOB_DEPTH = text(
    "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs"
    " WHERE status IN ('todo', 'doing') GROUP BY 1, 2"
)


async def live() -> dict[str, str]:
    return {"status": "ok"}


async def ready(database: AppDatabase, settings: AppSettings) -> dict[str, str]:
    try:
        async with asyncio.timeout(settings.database.connect_timeout_s):
            async with database.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except (DBAPIError, OSError, TimeoutError) as exc:
        log.warning("health.not_ready", error=type(exc).__name__)
        raise ServiceUnavailable("The database is unreachable.") from exc
    return {"status": "ready"}


def require_metrics_token(request: Request, settings: AppSettings) -> None:
    """With `http.metrics_token` set, scraping needs it as a bearer token."""
    expected = settings.http.metrics_token
    if expected is None or not expected.get_secret_value():
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise Unauthenticated("The metrics endpoint requires its bearer token.")


async def prometheus(database: AppDatabase) -> Response:
    _observe_pool(database)
    await _observe_jobs(database)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _observe_pool(database: Database) -> None:
    pool = database.engine.pool
    if isinstance(pool, QueuePool):
        metrics.POOL.labels("checked_out").set(pool.checkedout())
        metrics.POOL.labels("idle").set(pool.checkedin())
        metrics.POOL.labels("overflow").set(max(pool.overflow(), 0))
        metrics.POOL.labels("size").set(pool.size())


async def _observe_jobs(database: Database) -> None:
    metrics.JOBS.clear()
    try:
        async with asyncio.timeout(2), database.engine.connect() as conn:
            for queue, status, count in await conn.execute(JOB_DEPTH):
                metrics.JOBS.labels(queue, status).set(count)
    except (DBAPIError, OSError, TimeoutError):
        log.warning("metrics.jobs_unavailable")


def install(app: FastAPI) -> None:
    """The probes and the scrape on the application's own router, ahead of the included
    routers: the liveness probe is the most frequent request a deployment makes, and an
    included router's dispatch (matching its routes, then again to run the one matched) would
    cost it more than the rest of its routing."""
    tags: list[str | Enum] = ["health"]
    app.add_api_route("/health/live", live, methods=["GET"], tags=tags)
    app.add_api_route(
        "/health/ready",
        ready,
        methods=["GET"],
        tags=tags,
        responses={503: {"description": "The database is unreachable"}},
    )
    app.add_api_route(
        "/metrics",
        prometheus,
        methods=["GET"],
        tags=tags,
        response_class=Response,
        dependencies=[Depends(require_metrics_token)],
        responses={
            **media({"text/plain": TEXT}),
            401: {"description": "The metrics token is set and was not given"},
        },
    )
