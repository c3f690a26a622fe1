"""`uv run python -m bench.explain`: the plans of the work-order hot queries on the benchmark's
data, as the application role with the tenant set (RLS on), for the largest organization
(tenant A) and a small one (tenant B), executed (`EXPLAIN (ANALYZE, BUFFERS)`).

The statements are the API's own, built by the same functions the endpoints call
(`work_order/listing.py`, `work_order/repository.py`). A query fails the check when it reads a
work-order partition that holds rows by a sequential scan, and a get by id when it reads more
than one partition. Prints a Markdown table; exits 1 on a failed check.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Select, select, text

from bench import data, work_orders
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.calendar import service as calendar
from maintainpro.calendar.service import FEED_AHEAD, FEED_PAST
from maintainpro.config import Settings
from maintainpro.core.database import Role
from maintainpro.core.db import create_sync_engine
from maintainpro.core.pagination import encode_cursor
from maintainpro.models import WorkOrder
from maintainpro.work_order import listing, repository
from maintainpro.work_order.schemas import WorkOrderFilter

OUT = Path(__file__).parent / "out"
LISTS: dict[str, dict[str, object]] = {
    "first page": {},
    "status=in_progress": {"status": ["in_progress"]},
    "priority=critical": {"priority": ["critical"]},
    "type=inspection": {"type": "inspection"},
    "overdue=true": {"overdue": True},
    "sort=dueAt": {"sort": "dueAt"},
    "sort=-priority": {"sort": "-priority"},
    "q=<one work order>": {"q": work_orders.rare_term()},
}


@dataclass
class Plan:
    tenant: str
    query: str
    ms: float
    partitions: int
    scans: str
    buffers: int
    ok: bool


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _explain(conn: Connection, tenant: str, name: str, statement: Select[Any]) -> Plan:
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = conn.scalar(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"))
    top = (raw if isinstance(raw, list) else json.loads(str(raw)))[0]
    nodes = list(_nodes(top["Plan"]))
    # A partition the plan kept but never ran (pruned at run time), or an empty one (the
    # quarters ahead, which PostgreSQL scans sequentially at no cost), reads nothing.
    parts = [
        n
        for n in nodes
        if str(n.get("Relation Name", "")).startswith("work_orders_p")
        and n.get("Actual Loops", 0) > 0
        and n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0) > 0
    ]
    kinds = sorted({f"{n['Node Type']}" for n in parts})
    empty = top["Plan"].get("Actual Rows", 0) == 0  # e.g. a small tenant's page 201
    ok = (bool(parts) or empty) and all(n["Node Type"] != "Seq Scan" for n in parts)
    if name == "get by id":
        ok = ok and len({n["Relation Name"] for n in parts}) == 1
    buffers = int(top["Plan"].get("Shared Hit Blocks", 0)) + int(
        top["Plan"].get("Shared Read Blocks", 0)
    )
    partitions = len({n["Relation Name"] for n in parts})  # those that yielded or filtered rows
    ms = float(top["Execution Time"])
    return Plan(tenant, name, ms, partitions, ", ".join(kinds), buffers, ok)


def _plans(conn: Connection, label: str, org: UUID, admin: UUID, technician: UUID) -> list[Plan]:
    conn.execute(text("SELECT set_config('app.organization_id', :o, false)"), {"o": str(org)})
    sites: frozenset[UUID] = frozenset()
    admin_auth = Authorized(Principal(admin, org, "admin", sites), Scope.ALL)
    plans = []
    some_id = conn.scalar(
        select(WorkOrder.id).where(WorkOrder.organization_id == org).order_by(WorkOrder.id).limit(1)
    )
    by_id = select(*repository.READ_COLUMNS).where(*repository.live(), WorkOrder.id == some_id)
    plans.append(
        _explain(conn, label, "get by id", by_id.params(repository.scope_params(admin_auth)))
    )
    for name, params in LISTS.items():
        query = WorkOrderFilter.model_validate(params)
        if query.q:
            statement, bound = listing.search_statement(admin_auth, query)
        else:
            statement, bound = listing.page_statement(admin_auth, query)
        plans.append(_explain(conn, label, name, statement.params(**bound)))
    deep = conn.scalar(
        text(
            "SELECT id FROM work_orders WHERE organization_id = :org AND deleted_at IS NULL"
            " ORDER BY id DESC OFFSET :n LIMIT 1"
        ),
        {"org": org, "n": work_orders.DEEP_PAGE * work_orders.PAGE - 1},
    )
    if deep is not None:
        query = WorkOrderFilter.model_validate({"cursor": encode_cursor(deep, deep)})
        paged, bound = listing.page_statement(admin_auth, query)
        plans.append(_explain(conn, label, "page 201 (cursor)", paged.params(**bound)))
    now = datetime.now(UTC)
    feed = calendar.events_statement(
        Principal(technician, org, "technician", sites), "user", now - FEED_PAST, now + FEED_AHEAD
    )
    plans.append(_explain(conn, label, "calendar feed (technician)", feed))
    mine = Authorized(Principal(technician, org, "technician", sites), Scope.ASSIGNED)
    query = WorkOrderFilter.model_validate({"assignedToMe": True})
    paged, bound = listing.page_statement(mine, query)
    plans.append(_explain(conn, label, "assignedToMe (technician)", paged.params(**bound)))
    return plans


def main() -> int:
    settings = Settings()
    dataset = data.Dataset.load(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT / "data.json")
    engine = create_sync_engine(data.server_target(settings), settings.database, Role.APP)
    plans: list[Plan] = []
    with engine.connect() as conn:
        for label, tenant in zip(("A (largest)", "B (small)"), dataset.tenants, strict=True):
            email = work_orders.TECHNICIAN.format(slug=tenant.slug)
            conn.execute(
                text("SELECT set_config('app.organization_id', :o, false)"),
                {"o": tenant.organization_id},
            )
            technician = conn.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": email})
            assert technician is not None, email
            org, admin = UUID(tenant.organization_id), UUID(tenant.admin_id)
            plans += _plans(conn, label, org, admin, technician)
            conn.rollback()
    engine.dispose()
    print("| tenant | query | ms | partitions read | work-order scans | buffers | index-served |")
    print("|---|---|---:|---:|---|---:|---|")
    for p in plans:
        mark = "yes" if p.ok else "**no**"
        cells = (p.tenant, p.query, f"{p.ms:.2f}", p.partitions, p.scans, p.buffers, mark)
        print("| " + " | ".join(str(c) for c in cells) + " |")
    return 0 if all(p.ok for p in plans) else 1


if __name__ == "__main__":
    sys.exit(main())
