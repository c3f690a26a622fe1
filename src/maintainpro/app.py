"""create_app(): middleware, error handlers, routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from maintainpro import api
from maintainpro.auth.deps import current_principal
from maintainpro.config import Settings, get_settings
from maintainpro.core import openapi, problems
from maintainpro.core.database import resolve_server
from maintainpro.core.db import Database, create_database
from maintainpro.core.logging import configure_logging, get_logger
from maintainpro.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from maintainpro.core.retry import TransientRetryMiddleware
from maintainpro.health import routes as health
from maintainpro.notification.stream import Hub
from maintainpro.partition import service as partition_service
from maintainpro.worker import job_conninfo

log = get_logger(__name__)


def tune_gc(gen0_threshold: int) -> None:
    """After start-up: what is loaded by now (modules, routes, compiled schemas) lives as long as
    the process, so it leaves the collector's generations; a larger generation-0 threshold
    makes the per-request garbage collections rarer."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)


def gate_routers(app: FastAPI) -> None:
    """Every router included in `app` answers "no match" at once for a path none of its routes
    can match: FastAPI tries each included router in turn, and trying one walks all its routes
    (twice for the one that matches), which was a tenth of a request's CPU. A route can only
    match a path that starts with its template's literal part (up to the first parameter), so
    the gate changes no outcome. Call it after the last route is added."""
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter):
            _gate(route)


def _gate(included: _IncludedRouter) -> None:
    prefixes = tuple(
        sorted({ctx.path_format.split("{", 1)[0] for ctx in included.effective_route_contexts()})
    )
    full_match = included.matches

    def matches(scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(prefixes):
            return Match.NONE, {}
        return full_match(scope)

    included.matches = matches  # type: ignore[method-assign]


MULTIPART_FRAMING = 64 * 1024


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.db = database or create_database(
            resolve_server(settings.database), settings.database
        )
        if owned:
            await partition_service.ensure_on_start(app.state.db, settings)
        log.info("app.started", environment=settings.environment)
        tune_gc(settings.http.gc_gen0_threshold)
        try:
            yield
        finally:
            await app.state.notification_hub.close()
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="MaintAInPro",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        # No OpenTelemetry here (metrics are Prometheus, core/metrics.py): FastAPI's native
        # instrumentation would otherwise look for a configured provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    # LISTEN for the notification streams, opened on the first subscriber: a direct connection
    # as the app role, the workers' own (`database.direct_url` behind PgBouncer).
    app.state.notification_hub = Hub(
        lambda: job_conninfo(resolve_server(settings.database), settings)
    )
    if database is not None:
        app.state.db = database
    problems.install(app)
    openapi.install(app, authenticated=current_principal)
    health.install(app)
    for domain in api.DOMAINS:
        app.include_router(domain, prefix=api.PREFIX)
    for public in api.PUBLIC:
        app.include_router(public)
    gate_routers(app)
    # Added last = outermost: request id and headers wrap everything, CORS answers preflights;
    # retries run innermost, replaying a body the size limit has already checked.
    app.add_middleware(
        TransientRetryMiddleware,
        attempts=settings.database.retry_attempts,
        base_delay_s=settings.database.retry_base_delay_s,
    )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.http.max_body_bytes,
        # An upload carries one file of up to `attachments.max_bytes` and its multipart framing.
        larger={f"{api.PREFIX}/attachments": settings.attachments.max_bytes + MULTIPART_FRAMING},
    )
    if settings.http.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.http.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware, access_log=settings.log.access)
    # Outermost: the client address every layer sees (throttling, audit) is the forwarded one
    # only when the peer is a trusted proxy.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.http.forwarded_allow_ips)
    return app
