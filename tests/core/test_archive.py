"""Old work-order partitions move to the archive schema with everything hanging off their work
orders, only when all their work is done and nothing live still needs it (D5).

Each test owns one quarter long past (no other test writes there), created and filled with
real commits as the maintenance role, with the triggers on: the rows are what the API writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.core.db import Database
from maintainpro.partition import service as partition_service
from tests.conftest import TenantFactory

RETENTION = 12 * 10  # months: only the test quarters (2011-2013) are older

_PARTITION = (
    "CREATE TABLE public.work_orders_p{year}_q1 PARTITION OF public.work_orders FOR VALUES"
    " FROM (app.uuid7_floor('{year}-01-01 UTC')) TO (app.uuid7_floor('{year}-04-01 UTC'))"
)
_USER = text(
    "INSERT INTO users (id, organization_id, email, full_name, role)"
    " VALUES (app.uuidv7(), :org, :email, 'Archivist', 'technician') RETURNING id"
)
_WORK_ORDER = text(
    "INSERT INTO work_orders (id, organization_id, number, title, type, priority, status,"
    " due_at, parent_work_order_id)"
    " VALUES (app.uuid7_floor(CAST(:at AS timestamptz)), :org, :number, 'Replace seal',"
    " 'corrective', 'medium', :status, CAST(:at AS timestamptz), :parent) RETURNING id"
)
_CHILDREN = [
    "INSERT INTO work_order_numbers (organization_id, number, work_order_id)"
    " SELECT organization_id, number, id FROM work_orders WHERE id = :wo",
    "INSERT INTO work_order_transitions (id, organization_id, work_order_id, to_status)"
    " VALUES (app.uuidv7(), :org, :wo, 'closed')",
    "INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)"
    " VALUES (app.uuidv7(), :org, :wo, :user)",
    "INSERT INTO labor_entries (id, organization_id, work_order_id, user_id, started_at,"
    " ended_at, hourly_rate, source)"
    " VALUES (app.uuidv7(), :org, :wo, :user, '2011-02-01', '2011-02-01 02:30', 40, 'manual')",
    "WITH c AS (INSERT INTO comments (id, organization_id, work_order_id, body)"
    " VALUES (app.uuidv7(), :org, :wo, 'done') RETURNING id)"
    " INSERT INTO comments (id, organization_id, work_order_id, parent_id, body)"
    " SELECT app.uuidv7(), :org, :wo, c.id, 'reply' FROM c",
    "WITH c AS (INSERT INTO checklists (id, organization_id, work_order_id, name, position)"
    " VALUES (app.uuidv7(), :org, :wo, 'Safety', 1) RETURNING id)"
    " INSERT INTO checklist_items (id, organization_id, checklist_id, position, label, kind)"
    " SELECT app.uuidv7(), :org, c.id, 1, 'Isolate', 'pass_fail' FROM c",
]
_COUNT_LIVE = text(
    "SELECT (SELECT count(*) FROM work_orders WHERE organization_id = :org AND id = :wo)"
    " + (SELECT count(*) FROM comments WHERE organization_id = :org AND work_order_id = :wo)"
    " + (SELECT count(*) FROM labor_entries WHERE organization_id = :org AND work_order_id = :wo)"
)


@pytest.fixture
async def quarters(maint_database: Database) -> AsyncIterator[list[str]]:
    """The test quarters a test leaves attached are emptied, detached and dropped after it, so
    no later test plans over them (their rows go with the tenant's purge)."""
    made: list[str] = []
    yield made
    async with maint_database.engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in made:
            if await conn.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}):
                await conn.execute(text(f"DELETE FROM {name}"))
                await conn.execute(text(f"ALTER TABLE public.work_orders DETACH PARTITION {name}"))
                await conn.execute(text(f"DROP TABLE {name}"))


async def _quarter(
    conn: AsyncConnection, org: UUID, year: int, statuses: list[str]
) -> tuple[str, list[UUID], UUID]:
    """The quarter's partition with one work order per status (and what hangs off each)."""
    await conn.execute(text("SET LOCAL ROLE maintainpro_owner"))  # the owner's partition
    await conn.execute(text(_PARTITION.format(year=year)))
    await conn.commit()
    user = await conn.scalar(_USER, {"org": org, "email": f"a-{org}@example.com"})
    ids = []
    for n, status in enumerate(statuses):
        at = datetime(year, 2, n + 1, 8, tzinfo=UTC)
        params = {"org": org, "number": f"WO-{year}{n}", "status": status, "at": at}
        wo = await conn.scalar(_WORK_ORDER, {**params, "parent": None})
        for statement in _CHILDREN:
            await conn.execute(text(statement), {"org": org, "wo": wo, "user": user})
        ids.append(wo)
    await conn.commit()
    return f"public.work_orders_p{year}_q1", ids, user


def _result(results: list[partition_service.Archived], name: str) -> partition_service.Archived:
    return next(r for r in results if r.partition in (name, name.replace("public.", "archive.")))


async def test_a_closed_quarter_moves_to_the_archive_with_its_rows(
    maint_database: Database, committed_tenant: TenantFactory, quarters: list[str]
) -> None:
    org = await committed_tenant()
    async with maint_database.engine.connect() as conn:
        name, (closed, cancelled), _ = await _quarter(conn, org, 2011, ["closed", "cancelled"])
        quarters.append(name)
        rolled_up = await conn.scalar(
            text("SELECT actual_hours FROM work_orders WHERE id = :wo"), {"wo": closed}
        )
        # A live work order naming an archived one as its parent: the link is cleared, as a
        # delete of the parent would clear it.
        child = await conn.scalar(
            _WORK_ORDER,
            {
                "org": org,
                "number": "WO-LIVE",
                "status": "new",
                "at": datetime.now(UTC),
                "parent": closed,
            },
        )
        await conn.commit()
        audit_rows = text("SELECT count(*) FROM activity_logs WHERE organization_id = :org")
        audited = await conn.scalar(audit_rows, {"org": org})

    results = await partition_service.archive(maint_database, older_than_months=RETENTION)

    # Only quarters wholly older than the retention are considered, never the live ones.
    assert {int(r.partition.split("_p")[1][:4]) for r in results} <= {2011, 2012, 2013}
    archived = _result(results, name)
    assert archived.kept is None
    assert archived.moved["work_orders"] == 2
    assert archived.moved["comments"] == 4  # the replies with their comments
    assert archived.moved["checklist_items"] == 2
    assert archived.moved["labor_entries"] == 2
    assert archived.moved["work_order_numbers"] == 2
    async with maint_database.engine.connect() as conn:
        for wo in (closed, cancelled):
            assert await conn.scalar(_COUNT_LIVE, {"org": org, "wo": wo}) == 0
        hours = await conn.scalar(
            text("SELECT actual_hours FROM archive.work_orders_p2011_q1 WHERE id = :wo"),
            {"wo": closed},
        )
        assert hours == rolled_up == 2.5  # the labor left with its work order, not before it
        assert (
            await conn.scalar(
                text("SELECT count(*) FROM archive.comments WHERE work_order_id = :wo"),
                {"wo": closed},
            )
            == 2
        )
        parent = text("SELECT parent_work_order_id FROM work_orders WHERE id = :wo")
        assert await conn.scalar(parent, {"wo": child}) is None
        attached = text("SELECT to_regclass('public.work_orders_p2011_q1') IS NOT NULL")
        assert await conn.scalar(attached) is False
        # Moving rows is not changing them: no audit rows for the archived ones.
        assert await conn.scalar(audit_rows, {"org": org}) == audited


async def test_a_quarter_with_open_work_stays(
    maint_database: Database, committed_tenant: TenantFactory, quarters: list[str]
) -> None:
    org = await committed_tenant()
    async with maint_database.engine.connect() as conn:
        name, (_, open_one), _ = await _quarter(conn, org, 2012, ["closed", "in_progress"])
        quarters.append(name)

    results = await partition_service.archive(maint_database, older_than_months=RETENTION)

    assert _result(results, name).kept == f"1 work orders of {name.split('.')[1]} are still open"
    async with maint_database.engine.connect() as conn:
        assert await conn.scalar(_COUNT_LIVE, {"org": org, "wo": open_one}) == 4


async def test_work_the_stock_ledger_names_stays(
    maint_database: Database, committed_tenant: TenantFactory, quarters: list[str]
) -> None:
    """The ledger is never rewritten: a partition whose work issued parts keeps its place."""
    org = await committed_tenant()
    async with maint_database.engine.connect() as conn:
        name, (closed,), _ = await _quarter(conn, org, 2013, ["closed"])
        quarters.append(name)
        await conn.execute(
            text(
                "WITH site AS (INSERT INTO locations (id, organization_id, code, name, kind,"
                " site_id) SELECT s, :org, 'S', 'Plant', 'site', s FROM app.uuidv7() AS s"
                " RETURNING id), store AS (INSERT INTO locations (id, organization_id, code,"
                " name, kind, parent_id, site_id) SELECT app.uuidv7(), :org, 'ST', 'Store',"
                " 'storeroom', site.id, site.id FROM site RETURNING id),"
                " part AS (INSERT INTO parts (id, organization_id, part_number, name)"
                " VALUES (app.uuidv7(), :org, 'P-1', 'Seal') RETURNING id)"
                " INSERT INTO stock_movements (id, organization_id, part_id, storeroom_id, kind,"
                " quantity, unit_cost, balance_after, work_order_id)"
                " SELECT app.uuidv7(), :org, part.id, store.id, 'receipt', 1, 2, 1, :wo"
                " FROM store, part"
            ),
            {"org": org, "wo": closed},
        )
        await conn.commit()

    results = await partition_service.archive(maint_database, older_than_months=RETENTION)

    assert _result(results, name).kept == "still referenced from stock_movements"
    async with maint_database.engine.connect() as conn:
        assert await conn.scalar(_COUNT_LIVE, {"org": org, "wo": closed}) == 4
