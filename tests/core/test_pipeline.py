"""The request pipeline's cost and its safety: round trips per request, a connection lost in
the pool, and authentication that no cache can make stale."""

from __future__ import annotations

import gc
import logging
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import Executable, func, text, update
from sqlalchemy.engine import create_engine
from sqlalchemy.pool import NullPool, QueuePool
from typer.testing import CliRunner

from maintainpro import cli
from maintainpro.app import create_app, tune_gc
from maintainpro.asset import listing
from maintainpro.auth import principal
from maintainpro.config import Settings, get_settings
from maintainpro.core import context
from maintainpro.core.database import admin_url, resolve_server
from maintainpro.core.db import Database, plan_mode, transaction
from maintainpro.core.deps import DbSession
from maintainpro.core.logging import configure_logging
from maintainpro.models import ApiKey, User, UserSite
from tests.conftest import Committed
from tests.factories.identity import Tenant, make_api_key
from tests.factories.statements import statements


async def _asset(committed: Committed, headers: dict[str, str]) -> str:
    created = await committed.client.post(
        "/api/v1/assets", headers=headers, json={"code": "P-1", "name": "Pump"}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_get_by_id_is_three_statements_then_two(committed: Committed) -> None:
    """A session's first request in a process: the tenant settings once, authentication in one
    statement, the asset row; no ping, no second set_config, no separate user and site lookups.
    Its later requests carry the principal's check in the settings' round trip: two."""
    tenant = await committed.make_tenant()
    headers = tenant.headers("admin")
    asset_id = await _asset(committed, headers)
    principal._SESSIONS.clear()
    sent: list[list[str]] = []
    for _ in range(2):
        with statements(committed.database) as trips:
            answer = await committed.client.get(f"/api/v1/assets/{asset_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["etag"] == 'W/"1"'
        sent.append(trips)
    first, later = sent
    assert len(first) == 3, first
    assert len(later) == 2, later
    assert "require_session_principal" in later[0]
    assert later[1] == first[2]
    for trips in sent:
        assert sum("set_config" in sql for sql in trips) == 1
        assert "search_vector" not in trips[-1]
        assert "password" not in " ".join(trips)


async def test_a_connection_lost_in_the_pool_is_replaced(
    committed: Committed, settings: Settings
) -> None:
    """Without a ping per checkout, a pooled connection the server has closed fails its first
    statement; the pool is invalidated and the read is retried on a fresh connection."""
    tenant = await committed.make_tenant()
    headers = tenant.headers("admin")
    asset_id = await _asset(committed, headers)
    assert (await committed.client.get("/api/v1/assets", headers=headers)).status_code == 200
    server = resolve_server(settings.database)
    admin = create_engine(admin_url(server, settings.database), poolclass=NullPool)
    with admin.begin() as conn:
        ended = conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :db AND usename = 'maintainpro_app'"
            ),
            {"db": server.database},
        )
    admin.dispose()
    assert ended
    answer = await committed.client.get(f"/api/v1/assets/{asset_id}", headers=headers)
    assert answer.status_code == 200, answer.text


async def test_revocation_role_and_site_changes_apply_to_the_next_request(
    committed: Committed,
) -> None:
    """Nothing about a caller is trusted across requests: the next request sees a new role,
    a new site, a revoked key and a deactivated account (each request before it was answered
    for a principal remembered and confirmed in its first round trip)."""
    tenant = await committed.make_tenant()
    tech = tenant.users["technician"]
    created = await committed.client.post(
        "/api/v1/assets",
        headers=tenant.headers("admin"),
        json={"code": "S-1", "name": "South pump", "locationId": str(tenant.south.id)},
    )
    assert created.status_code == 201, created.text
    south_asset = f"/api/v1/assets/{created.json()['id']}"
    headers = tenant.headers("technician")
    key = await make_api_key(committed.database.sessions, tech, ["asset:read"])
    by_key = {"authorization": f"Bearer {key}"}
    assert (await committed.client.get(south_asset, headers=headers)).status_code == 404

    async def change(*statements: Executable, site: bool = False) -> None:
        with context.scoped(organization_id=tenant.organization_id):
            async with transaction(committed.database.sessions) as session:
                for statement in statements:
                    await session.execute(statement)
                if site:
                    session.add(
                        UserSite(
                            organization_id=tenant.organization_id,
                            user_id=tech.id,
                            location_id=tenant.south.id,
                        )
                    )

    await change(update(User).where(User.id == tech.id).values(role="manager"))
    assert (await committed.client.get(south_asset, headers=headers)).status_code == 200
    await change(update(User).where(User.id == tech.id).values(role="technician"), site=True)
    assert (await committed.client.get(south_asset, headers=headers)).status_code == 200
    assert (await committed.client.get(south_asset, headers=by_key)).status_code == 200
    await change(update(ApiKey).where(ApiKey.user_id == tech.id).values(revoked_at=func.now()))
    assert (await committed.client.get(south_asset, headers=by_key)).status_code == 401
    assert (await committed.client.get(south_asset, headers=headers)).status_code == 200
    await change(update(User).where(User.id == tech.id).values(is_active=False))
    assert (await committed.client.get(south_asset, headers=headers)).status_code == 401


async def test_the_access_log_can_be_switched_off(
    settings: Settings, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = settings.model_copy(update={"log": settings.log.model_copy(update={"access": False})})
    transport = httpx.ASGITransport(app=create_app(quiet, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/health/live")).status_code == 200
    assert '"http.request"' not in capsys.readouterr().err


def test_start_up_freezes_the_heap_and_raises_the_gen0_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_gc(12_345)
        assert gc.get_threshold()[0] == 12_345
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_serve_selects_uvloop_httptools_and_the_health_check_timeout(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("MAINTAINPRO_DATABASE__URL", settings.database.url or "")
    monkeypatch.setenv("MAINTAINPRO_HTTP__WORKER_HEALTHCHECK_TIMEOUT_S", "90")
    get_settings.cache_clear()
    try:
        CliRunner().invoke(cli.app, ["serve", "--workers", "2"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert seen["workers"] == 2
    assert seen["loop"] == "uvloop"
    assert seen["http"] == "httptools"
    assert seen["timeout_worker_healthcheck"] == 90


async def test_create_reads_the_derived_site_back_in_its_insert(committed: Committed) -> None:
    """The site the database derives comes back with the INSERT (RETURNING), not through a
    second SELECT; a site-bound creator is still held to their sites."""
    tenant = await committed.make_tenant()
    body = {"code": "S-9", "name": "South pump", "locationId": str(tenant.south.id)}
    with statements(committed.database) as sent:
        created = await committed.client.post(
            "/api/v1/assets", headers=tenant.headers("admin"), json=body
        )
    assert created.status_code == 201, created.text
    assert created.json()["siteId"] == str(tenant.south.id)
    inserts = [sql for sql in sent if sql.startswith("INSERT INTO assets")]
    assert len(inserts) == 1
    _, returning = inserts[0].split("RETURNING")
    assert "site_id" in returning
    assert not [sql for sql in sent if sql.startswith("SELECT assets.site_id")]


async def test_a_failed_commit_is_an_error_and_returns_the_connection(
    settings: Settings, database: Database
) -> None:
    """D10 on the request session: the commit runs before the response, and a commit the
    server refuses (here a deferred unique constraint) answers an error, never a 200; the
    connection goes back to the pool."""
    app = create_app(settings, database=database)

    @app.post("/test/deferred")
    async def deferred(session: DbSession) -> dict[str, bool]:
        await session.execute(
            text(
                "CREATE TEMP TABLE twice (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
                " ON COMMIT DROP; INSERT INTO twice VALUES (1), (1)"
            )
        )
        return {"written": True}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        answer = await http.post("/test/deferred")
    assert answer.status_code >= 400, answer.text
    pool = database.engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0


@pytest.mark.parametrize("client_ip", ["10.0.0.7", "fe80::1%eth0", "o'brien"])
async def test_the_tenant_settings_arrive_whatever_their_values(
    database: Database, client_ip: str
) -> None:
    """BEGIN and the settings travel in one round trip with the values inlined only when they
    need no quoting; any other value takes the bound statement. Either way the transaction
    carries exactly the context."""
    org, user = uuid4(), uuid4()
    with context.scoped(organization_id=org, user_id=user, request_id="req-1", client_ip=client_ip):
        async with transaction(database.sessions) as session:
            seen = (
                await session.execute(
                    text(
                        "SELECT current_setting('app.organization_id'),"
                        " current_setting('app.user_id'), current_setting('app.request_id'),"
                        " current_setting('app.client_ip'),"
                        " (SELECT setting FROM pg_settings WHERE name = 'statement_timeout')"
                    )
                )
            ).one()
    timeout = str(database.sessions.kw["info"]["statement_timeout_ms"])
    assert tuple(seen) == (str(org), str(user), "req-1", client_ip, timeout)


async def test_the_plan_mode_travels_with_the_settings_or_follows_them(
    database: Database,
) -> None:
    """Chosen before the transaction's first statement, the plan cache mode rides with its
    settings; chosen later, or changed, it costs one statement, and choosing again what is in
    force costs none. A session that never chose keeps PostgreSQL's choice."""
    mode = text("SELECT current_setting('plan_cache_mode')")
    with context.scoped(organization_id=uuid4(), user_id=uuid4(), request_id="r", client_ip=""):
        async with transaction(database.sessions) as session:
            with statements(database) as early:
                await plan_mode(session, "force_generic_plan")
                assert (await session.execute(mode)).scalar_one() == "force_generic_plan"
        async with transaction(database.sessions) as session:
            assert (await session.execute(mode)).scalar_one() == "auto"
            with statements(database) as late:
                await plan_mode(session, "force_custom_plan")
                await plan_mode(session, "force_custom_plan")
                assert (await session.execute(mode)).scalar_one() == "force_custom_plan"
                await plan_mode(session, "auto")
                assert (await session.execute(mode)).scalar_one() == "auto"
    assert len(early) == 2, early  # BEGIN and the settings, then the query
    assert "force_generic_plan" in early[0]
    assert len(late) == 4, late  # settings, query, settings, query
    assert "plan_cache_mode" in late[0]
    assert "plan_cache_mode" in late[2]


async def test_routers_still_answer_404_and_405(client: httpx.AsyncClient) -> None:
    """Routers are skipped for paths none of their routes can match; what a path matches
    (or almost matches) is unchanged."""
    assert (await client.get("/api/v1/nowhere")).status_code == 404
    assert (await client.put("/api/v1/assets")).status_code == 405
    assert (await client.get("/health/live")).status_code == 200
    assert (await client.get("/api/v1/assets")).status_code == 401


async def _technician_page(
    committed: Committed, tenant: Tenant, params: dict[str, str]
) -> tuple[list[str], list[str]]:
    """The codes a technician's list request answers, and the statements it sent."""
    with statements(committed.database) as sent:
        page = await committed.client.get(
            "/api/v1/assets", headers=tenant.headers("technician"), params=params
        )
    assert page.status_code == 200, page.text
    return [item["code"] for item in page.json()["items"]], sent


async def test_a_list_page_is_one_statement_built_once(committed: Committed) -> None:
    """A page (filters, sort, cursor; a search too) is a statement built once per shape and
    run on the driver, with the site scope as `= ANY` of an array: the values change, the
    statement does not, and a site-bound caller still sees only their sites."""
    tenant = await committed.make_tenant()
    admin = tenant.headers("admin")
    for code, site in (("N-1", tenant.north), ("S-1", tenant.south)):
        created = await committed.client.post(
            "/api/v1/assets",
            headers=admin,
            json={"code": code, "name": f"Pump {code}", "locationId": str(site.id)},
        )
        assert created.status_code == 201, created.text
    codes, sent = await _technician_page(committed, tenant, {"status": "active"})
    assert codes == ["N-1"]
    assert len(sent) == 3, sent  # the session's first request: settings, authentication, page
    assert "= ANY (" in sent[2]
    assert "search_vector" not in sent[2]
    shapes = len(listing._PAGES)
    for status in ("retired", "active"):
        await _technician_page(committed, tenant, {"status": status})
    assert len(listing._PAGES) == shapes
    codes, sent = await _technician_page(committed, tenant, {"q": "pump"})
    assert codes == ["N-1"]
    # The settings with the principal's check; a search is planned with its values
    # (prepared.plan_each_call).
    assert len(sent) == 3, sent
    assert "require_session_principal" in sent[0]
    assert "force_custom_plan" in sent[1]
    assert "app.search_assets(" in sent[2]
    assert "= ANY (" in sent[2]


def test_uvicorn_formats_no_access_line_of_its_own(settings: Settings) -> None:
    """The request middleware writes the access log; uvicorn's protocol formats its own line
    per request only while its access logger has a handler on its path (`hasHandlers()`)."""
    configure_logging(settings.log)
    assert not logging.getLogger("uvicorn.access").hasHandlers()
    assert logging.getLogger("uvicorn.error").hasHandlers()  # errors still reach the log
