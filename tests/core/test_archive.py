"""Old work-order partitions move to the archive schema with everything hanging off their work
orders, only when all their work is done and nothing live still needs it (D5).

Each test owns one quarter long past (no other test writes there), created and filled with
real commits as the maintenance role, with the triggers on: the rows are what the API writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.core.db import Database
from maintainpro.partition import service as partition_service
from tests.conftest import TenantFactory

RETENTION = 12 * 5  # months: only the test quarters (2011-2021) are older

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

_PENDING = text("SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass(:n)")


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
                pending = await conn.scalar(_PENDING, {"n": name})
                if pending is not None:
                    how = "FINALIZE" if pending else ""
                    await conn.execute(
                        text(f"ALTER TABLE work_orders DETACH PARTITION {name} {how}")
                    )
                await conn.execute(text(f"DROP TABLE {name}"))


async def _quarter(
    conn: AsyncConnection, org: UUID, year: int, statuses: list[str]
) -> tuple[str, list[UUID], UUID]:
    """The quarter's partition with one work order per status (and what hangs off each)."""
    await conn.execute(text("SET LOCAL ROLE maintainpro_owner"))  # the owner's partition
    await conn.execute(text(_PARTITION.format(year=year)))
    await conn.commit()
    user = await conn.scalar(_USER, {"org": org, "email": f"a-{year}-{org}@example.com"})
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
    assert {int(r.partition.split("_p")[1][:4]) for r in results} <= set(range(2011, 2022))
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


_ARCHIVING = text(
    "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query LIKE '%archive_work_order_partition%')"
)
_MOVE = text("SELECT app.archive_work_order_partition(CAST(:n AS regclass))")


async def _eventually(conn: AsyncConnection, query: object, **params: object) -> None:
    """Until the query, polled on its own connection, answers true (or 30 s have passed)."""
    for _ in range(600):
        if await conn.scalar(query, params):  # type: ignore[call-overload]
            await conn.rollback()
            return
        await conn.rollback()
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {query}")


async def test_readers_never_wait_for_the_detach(
    maint_database: Database, committed_tenant: TenantFactory, quarters: list[str]
) -> None:
    """The detach waits for a transaction that reads work orders; meanwhile others read the
    work orders and what refers to them without waiting for any lock."""
    org = await committed_tenant()
    async with maint_database.engine.connect() as conn:
        name, (closed,), _ = await _quarter(conn, org, 2014, ["closed"])
        quarters.append(name)
    engine = maint_database.engine
    async with engine.connect() as holder, engine.connect() as reader:
        await holder.execute(text("SELECT FROM work_orders WHERE id = :wo"), {"wo": closed})
        archival = asyncio.create_task(
            partition_service.archive(maint_database, older_than_months=RETENTION)
        )
        await _eventually(reader, _PENDING, n=name)
        await reader.execute(text("SET lock_timeout = '100ms'"))
        for table in ("work_orders", "comments", "labor_entries", "work_order_transitions"):
            live = text(f"SELECT count(*) FROM {table} WHERE organization_id = :org")
            assert await reader.scalar(live, {"org": org}) == 0  # moved, and read at once
        await reader.rollback()
        assert not archival.done()  # still waiting for the holder
        await holder.rollback()
        results = await archival

    assert _result(results, name).kept is None
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT to_regclass(:n)"), {"n": name}) is None
        assert await conn.scalar(_COUNT_LIVE, {"org": org, "wo": closed}) == 0


async def test_a_run_cut_off_after_the_move_is_finished_by_the_next(
    maint_database: Database, committed_tenant: TenantFactory, quarters: list[str]
) -> None:
    """One quarter's rows moved and its detach never began; another's detach was cut off
    between its two transactions: the next run detaches and drops both, moving nothing twice."""
    org = await committed_tenant()
    engine = maint_database.engine
    async with engine.connect() as conn:
        moved_only, (first,), _ = await _quarter(conn, org, 2015, ["closed"])
        cut_off, (second,), _ = await _quarter(conn, org, 2016, ["closed"])
        quarters.extend([moved_only, cut_off])
        await conn.execute(partition_service.TRIGGERS_OFF)
        for name in (moved_only, cut_off):
            await conn.execute(_MOVE, {"n": name})
        await conn.commit()
    async with engine.connect() as holder, engine.connect() as raw:
        await holder.execute(text("SELECT FROM work_orders WHERE id = :wo"), {"wo": second})
        detacher = await raw.execution_options(isolation_level="AUTOCOMMIT")
        await detacher.execute(text("SET lock_timeout = '200ms'"))
        with pytest.raises(DBAPIError, match="lock timeout"):
            await detacher.execute(
                text(f"ALTER TABLE work_orders DETACH PARTITION {cut_off} CONCURRENTLY")
            )
        await holder.rollback()
        assert await detacher.scalar(_PENDING, {"n": cut_off}) is True
        await detacher.execute(text("RESET lock_timeout"))

    results = await partition_service.archive(maint_database, older_than_months=RETENTION)

    assert _result(results, cut_off) == partition_service.Archived(cut_off)
    assert _result(results, moved_only).moved == {"work_orders": 0}
    async with engine.connect() as conn:
        for name, wo in ((moved_only, first), (cut_off, second)):
            assert await conn.scalar(text("SELECT to_regclass(:n)"), {"n": name}) is None
            archived = f"archive.{name.split('.')[1]}"
            count = text(f"SELECT count(*) FROM {archived} WHERE id = :wo")
            assert await conn.scalar(count, {"wo": wo}) == 1


# A row referring to the quarter's work order, and one referring to a row that hangs off it
# (locked at the next level down).
_LATE_ROWS = {
    "comments": "INSERT INTO comments (id, organization_id, work_order_id, body)"
    " VALUES (app.uuidv7(), :org, :wo, 'late')",
    "checklist_items": "INSERT INTO checklist_items (id, organization_id, checklist_id,"
    " position, label, kind) SELECT app.uuidv7(), :org, id, 2, 'late', 'pass_fail'"
    " FROM checklists WHERE work_order_id = :wo",
}


@pytest.mark.parametrize(("table", "year"), [("comments", 2017), ("checklist_items", 2019)])
async def test_a_reference_written_while_the_quarter_moves_moves_with_it(
    maint_database: Database,
    committed_tenant: TenantFactory,
    quarters: list[str],
    table: str,
    year: int,
) -> None:
    """A row whose insert has checked its reference, but not committed, when the archival
    reaches the row it refers to: the archival waits for it and takes it along; nothing is
    left pointing into the archive."""
    org = await committed_tenant()
    engine = maint_database.engine
    async with engine.connect() as conn:
        name, (closed,), _ = await _quarter(conn, org, year, ["closed"])
        quarters.append(name)
    async with engine.connect() as writer, engine.connect() as watcher:
        await writer.execute(text(_LATE_ROWS[table]), {"org": org, "wo": closed})
        archival = asyncio.create_task(
            partition_service.archive(maint_database, older_than_months=RETENTION)
        )
        await _eventually(watcher, _ARCHIVING)
        await writer.commit()
        results = await archival

    moved = 3 if table == "comments" else 2  # the late row with the quarter's own
    assert _result(results, name).moved[table] == moved
    async with engine.connect() as conn:
        live = text(f"SELECT count(*) FROM {table} WHERE organization_id = :org")
        assert await conn.scalar(live, {"org": org}) == 0
        archived = text(f"SELECT count(*) FROM archive.{table} WHERE organization_id = :org")
        assert await conn.scalar(archived, {"org": org}) == moved


async def test_a_quarter_detached_and_not_dropped_is_dropped_by_the_next_run(
    maint_database: Database, committed_tenant: TenantFactory, quarters: list[str]
) -> None:
    org = await committed_tenant()
    async with maint_database.engine.connect() as conn:
        name, (closed,), _ = await _quarter(conn, org, 2018, ["closed"])
        quarters.append(name)
        await conn.execute(partition_service.TRIGGERS_OFF)
        await conn.execute(_MOVE, {"n": name})
        await conn.execute(text(f"ALTER TABLE work_orders DETACH PARTITION {name}"))
        await conn.commit()

    results = await partition_service.archive(maint_database, older_than_months=RETENTION)

    assert _result(results, name) == partition_service.Archived(name)
    async with maint_database.engine.connect() as conn:
        assert await conn.scalar(text("SELECT to_regclass(:n)"), {"n": name}) is None
        archived = text(f"SELECT count(*) FROM archive.{name.split('.')[1]} WHERE id = :wo")
        assert await conn.scalar(archived, {"wo": closed}) == 1
