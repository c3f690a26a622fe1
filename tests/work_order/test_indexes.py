"""Every work order list query is index-served and a get by id reads one partition (SPEC
section 2, D3, D5): plans read as the application role with a tenant set, over enough rows that
a sequential scan would win otherwise, for a large tenant and a small one beside it (the
skew of a real installation: one organization holds most of the rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.config import Settings
from maintainpro.core import prepared
from maintainpro.core.pagination import encode_cursor
from maintainpro.escalation import scan
from maintainpro.models import WorkOrder
from maintainpro.work_order import listing, repository
from maintainpro.work_order.schemas import WorkOrderFilter
from tests.factories.identity import Tenant, make_tenant
from tests.factories.plans import literal_sql, plan_nodes

ROWS = {"large": 4000, "small": 200}

FILL = text(
    """
    WITH made AS (
      INSERT INTO work_orders (id, organization_id, number, title, description, type, priority,
                               status, location_id, site_id, requester_id, team_id, due_at,
                               reported_at, status_changed_at)
      SELECT app.uuidv7(), CAST(:org AS uuid), 'WO-' || lpad(i::text, 6, '0'),
             'Work ' || md5(i::text), 'pump seal number ' || i,
             (ARRAY['corrective','preventive','emergency','inspection','predictive',
                    'improvement'])[1 + i % 6],
             (ARRAY['low','medium','high','critical'])[1 + i % 4],
             (ARRAY['new','assigned','in_progress','on_hold','completed','verified','closed',
                    'cancelled'])[1 + i % 8],
             CASE WHEN i % 2 = 0 THEN CAST(:location AS uuid) END,
             CASE WHEN i % 2 = 0 THEN CAST(:site AS uuid) END,
             CAST(:requester AS uuid), NULL,
             CASE WHEN i % 3 = 0 THEN now() + (i - 2000) * interval '1 hour' END, now(), now()
      FROM generate_series(1, :rows) AS i
      RETURNING id
    )
    INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
    SELECT app.uuidv7(), CAST(:org AS uuid), id, CAST(:technician AS uuid)
    FROM made WHERE get_byte(uuid_send(id), 15) % 50 = 0
    """
)


@pytest.fixture
async def both(
    conn: AsyncConnection,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> dict[str, Tenant]:
    """acme the large tenant and a small one with every role; acme's tenant set."""
    small = await make_tenant(sessions, settings.auth, label="initech")
    tenants = {"large": acme, "small": small}
    for size, tenant in tenants.items():
        await _tenant(conn, tenant.organization_id)
        await conn.execute(
            FILL,
            {
                "org": tenant.organization_id,
                "location": tenant.north_area.id,
                "site": tenant.north.id,
                "requester": tenant.users["requester"].id,
                "technician": tenant.users["technician"].id,
                "rows": ROWS[size],
            },
        )
    await conn.execute(text("ANALYZE work_orders, work_order_assets, work_order_assignees"))
    await _tenant(conn, acme.organization_id)
    return tenants


@pytest.fixture
def filled(both: dict[str, Tenant]) -> Tenant:
    return both["large"]


async def _tenant(conn: AsyncConnection, org: UUID) -> None:
    await conn.execute(text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(org)})


def _auth(tenant: Tenant, scope: Scope = Scope.ALL, role: str = "admin") -> Authorized:
    user = tenant.users[role]
    principal = Principal(user.id, tenant.organization_id, role, frozenset({tenant.north.id}))
    return Authorized(principal, scope)


def _assert_partitions_indexed(nodes: list[dict[str, Any]]) -> None:
    """No sequential scan of any work order partition, and at least one index scan of one."""
    scans = [n for n in nodes if str(n.get("Relation Name", "")).startswith("work_orders_p")]
    assert scans, nodes
    assert all(n["Node Type"] != "Seq Scan" for n in scans), scans
    assert any("Index Name" in n for n in scans), scans


def _partitions(nodes: list[dict[str, Any]]) -> set[str]:
    """The work order partitions a plan reads."""
    return {
        n["Relation Name"]
        for n in nodes
        if str(n.get("Relation Name", "")).startswith("work_orders_p")
    }


async def _plan(conn: AsyncConnection, statement: Select[Any], params: dict[str, object]) -> Any:
    return await plan_nodes(conn, literal_sql(statement.params(**params)))


FILTERS: list[dict[str, object]] = [
    {},
    {"sort": "createdAt"},
    {"sort": "dueAt"},
    {"sort": "-priority"},
    {"sort": "number"},
    {"status": ["in_progress"]},
    {"status": ["new", "assigned"]},
    {"priority": ["critical"]},
    {"type": "inspection"},
    {"requesterId": "{requester}"},
    {"assigneeId": "{technician}"},
    {"assignedToMe": True},
    {"teamId": "{nobody}"},
    {"locationId": "{area}"},
    {"dueBefore": "2026-01-01T00:00:00Z"},
    {"dueAfter": "2030-01-01T00:00:00Z"},
    {"overdue": True},
]


def _filled_in(params: dict[str, object], tenant: Tenant) -> dict[str, object]:
    values = {
        "{requester}": str(tenant.users["requester"].id),
        "{technician}": str(tenant.users["technician"].id),
        "{nobody}": "01a231c1-0000-7000-8000-000000000000",
        "{area}": str(tenant.north_area.id),
    }
    return {key: values.get(str(value), value) for key, value in params.items()}


@pytest.mark.parametrize("size", sorted(ROWS))
async def test_every_list_query_uses_an_index(
    conn: AsyncConnection, both: dict[str, Tenant], size: str
) -> None:
    filled = both[size]
    await _tenant(conn, filled.organization_id)
    cases = [(Scope.ALL, "admin", params) for params in FILTERS] + [
        (Scope.SITE, "supervisor", {}),
        (Scope.SITE, "supervisor", {"status": ["in_progress"]}),
        (Scope.ASSIGNED, "technician", {}),
        (Scope.OWN, "requester", {}),
    ]
    for scope, role, params in cases:
        query = WorkOrderFilter.model_validate(_filled_in(params, filled))
        paged, bound = listing.page_statement(_auth(filled, scope, role), query)
        try:
            _assert_partitions_indexed(await _plan(conn, paged, bound))
        except AssertionError as exc:
            raise AssertionError(f"{scope} {params}: {exc}") from exc


async def test_search_joins_its_ranked_matches_through_an_index(
    conn: AsyncConnection, filled: Tenant
) -> None:
    query = WorkOrderFilter.model_validate({"q": "seal"})
    statement, bound = listing.search_statement(_auth(filled), query)
    nodes = await _plan(conn, statement, bound)
    assert any(n.get("Function Name") == "search_work_orders" for n in nodes), nodes
    _assert_partitions_indexed(nodes)


async def test_a_get_by_id_reads_one_partition(conn: AsyncConnection, filled: Tenant) -> None:
    work_id = (
        await conn.execute(
            select(WorkOrder.id).where(WorkOrder.organization_id == filled.organization_id).limit(1)
        )
    ).scalar_one()
    auth = _auth(filled)
    statement = select(*repository.READ_COLUMNS).where(*repository.live(), WorkOrder.id == work_id)
    nodes = await _plan(conn, statement, repository.scope_params(auth))
    quarter = (datetime.now(UTC).month - 1) // 3 + 1
    assert _partitions(nodes) == {f"work_orders_p{datetime.now(UTC).year}_q{quarter}"}, nodes
    _assert_partitions_indexed(nodes)


async def test_a_page_reads_each_work_order_s_links_by_its_key(
    conn: AsyncConnection, filled: Tenant
) -> None:
    """The linked ids of each row come from the (organization, work order, link) unique keys,
    never from a walk of the tenant's range of another index."""
    statement, bound = repository.visible(_auth(filled))
    nodes = await _plan(conn, statement.order_by(WorkOrder.id.desc()).limit(51), bound)
    used = {n["Relation Name"]: n.get("Index Name") for n in nodes if "Relation Name" in n}
    assert used["work_order_assets"] == (
        "uq_work_order_assets_organization_id_work_order_id_asset_id"
    ), nodes
    assert used["work_order_assignees"] == (
        "uq_work_order_assignees_organization_id_work_order_id_user_id"
    ), nodes


# Each partition's copy of the partial indexes `ix_work_orders_organization_id_open_due` and
# `..._unacknowledged` (no other work order index has these columns).
OPEN_DUE = "_organization_id_due_at_idx"


@pytest.mark.parametrize(
    ("trigger", "index"),
    [
        ("overdue", OPEN_DUE),
        ("unacknowledged", "_organization_id_reported_at_idx"),
    ],
)
async def test_the_escalation_scan_reads_open_work_through_its_partial_indexes(
    conn: AsyncConnection, filled: Tenant, trigger: str, index: str
) -> None:
    params = {
        "org": filled.organization_id,
        "rule": uuid7(),
        "started_by": datetime.now(UTC),
        "types": None,
        "priorities": ["high", "critical"],
        "site": None,
        "repeats": False,
        "top": 2,
        "batch": scan.BATCH,
    }
    nodes = await plan_nodes(conn, str(scan._CANDIDATES[trigger]), params)
    _assert_partitions_indexed(nodes)
    assert any(str(n.get("Index Name")).endswith(index) for n in nodes), nodes
    escalations = [n for n in nodes if n.get("Relation Name") == "work_order_escalations"]
    assert escalations
    assert all(n.get("Index Name") == "uq_work_order_escalations_rule_level" for n in escalations)


async def test_overdue_notices_read_work_just_past_due_through_its_index(
    conn: AsyncConnection, filled: Tenant
) -> None:
    now = datetime.now(UTC)
    params = {"org": filled.organization_id, "now": now, "since": now - scan.OVERDUE_WINDOW}
    nodes = await plan_nodes(conn, str(scan._JUST_OVERDUE), params)
    _assert_partitions_indexed(nodes)
    assert any(str(n.get("Index Name")).endswith(OPEN_DUE) for n in nodes), nodes


async def test_the_overdue_list_walks_open_work_newest_first(
    conn: AsyncConnection, filled: Tenant
) -> None:
    """A page of overdue work comes from open work in id order with the due time tested in the
    index (`ix_work_orders_organization_id_open_id_due_sort`), so it reads about a page however
    much of the tenant's work is overdue; no sort of every overdue work order."""
    query = WorkOrderFilter.model_validate({"overdue": True})
    paged, bound = listing.page_statement(_auth(filled), query)
    nodes = await _plan(conn, paged, bound)
    _assert_partitions_indexed(nodes)
    scans = [n for n in nodes if str(n.get("Relation Name", "")).startswith("work_orders_p")]
    assert all(str(n["Index Name"]).endswith("_organization_id_id_due_sort_idx") for n in scans), (
        scans
    )
    assert all("due_sort <" in n["Index Cond"] for n in scans), scans
    assert not any(n["Node Type"] == "Sort" for n in nodes), nodes


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


async def _generic_plan(
    conn: AsyncConnection, statement: Select[Any], params: dict[str, object]
) -> list[dict[str, Any]]:
    """The plan a prepared statement runs once PostgreSQL plans it generically (what
    `core.db.generic_plans` asks for): prepared with its `$n` parameters, explained at
    execution."""
    compiled = statement.params(**params).compile(dialect=prepared.DIALECT)
    values = compiled.construct_params()
    args = ", ".join(_literal(values[name]) for name in compiled.positiontup or ())
    await conn.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    await conn.exec_driver_sql(f"PREPARE generic AS {compiled}")
    try:
        return await plan_nodes(conn, f"EXECUTE generic({args})")
    finally:
        await conn.exec_driver_sql("DEALLOCATE generic")


@pytest.mark.parametrize("size", sorted(ROWS))
async def test_the_generic_plans_are_index_served_and_read_one_partition_by_id(
    conn: AsyncConnection, both: dict[str, Tenant], size: str
) -> None:
    """The statements planned generically keep their index for a large tenant and a small one:
    the unfiltered pages in every sort, after a cursor too, and a read by id, which prunes to
    one partition when it runs."""
    tenant = both[size]
    await _tenant(conn, tenant.organization_id)
    auth = _auth(tenant)
    newest = (
        await conn.execute(
            select(WorkOrder.id)
            .where(WorkOrder.organization_id == tenant.organization_id)
            .order_by(WorkOrder.id.desc())
            .limit(1)
        )
    ).scalar_one()
    by_id = select(*repository.READ_COLUMNS).where(*repository.live(), WorkOrder.id == newest)
    nodes = await _generic_plan(conn, by_id, repository.scope_params(auth))
    assert len(_partitions(nodes)) == 1, nodes
    assert any("Subplans Removed" in n for n in nodes), nodes  # pruned at run time: generic
    _assert_partitions_indexed(nodes)
    cursor = encode_cursor(newest, newest)
    for params in (
        {},
        {"sort": "dueAt"},
        {"sort": "-priority"},
        {"sort": "number"},
        {"cursor": cursor},
    ):
        query = WorkOrderFilter.model_validate(params)
        assert listing.plans(query, auth.scope) == "force_generic_plan"
        paged, bound = listing.page_statement(auth, query)
        try:
            _assert_partitions_indexed(await _generic_plan(conn, paged, bound))
        except AssertionError as exc:
            raise AssertionError(f"{params}: {exc}") from exc
