"""Work orders in the benchmark: their data, the SQL the floor runs, the floor's routes and the
inputs of the load scripts.

Data (per tenant, set-based SQL as the maintenance role): `rows` work orders numbered
`WO-000001...` (the tenant's `work_order` sequence taken past the last one, every number
reserved in `work_order_numbers`), a mix of types, priorities and statuses, requested by the
admin or a technician, every one past `new` assigned to a technician, one history row each
(from NULL to its status), every second one linked to an asset. The first TRANSITION_ROWS of
each side (API, then floor) are `in_progress` and reserved for the transition scenario. They
are reported over the past year, oldest first, each id a UUIDv7 of its time: they fill the
quarterly partitions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID, uuid4

from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import Field
from sqlalchemy import Connection, text

from maintainpro.core.pagination import Page, encode_cursor
from maintainpro.core.schemas import WriteSchema
from maintainpro.work_order.schemas import Status, WorkOrderRead

if TYPE_CHECKING:
    from bench.fixtures import Fixtures
    from bench.floor import Floor
    from bench.scenarios import Side

WORK_ORDERS = 50_000  # per tenant
TRANSITION_ROWS = 1024  # per side (API, floor), tenant A, all `in_progress` when built
SIDES = ("api", "floor")
PAGE = 50
HOLD_REASON = "waiting for parts"

_STATUSES = (
    "ARRAY['new','assigned','in_progress','on_hold','completed','verified','closed','cancelled']"
)
_TYPES = "ARRAY['corrective','preventive','emergency','inspection','predictive','improvement']"
_PRIORITIES = "ARRAY['low','medium','high','critical']"

# Joins against rows inserted in the same transaction are planned without statistics (a nested
# loop over 50,000 rows each side): the tenant's areas, technicians and assets are read once into
# arrays and picked by position instead.
_PICKS = """
    WITH picks AS (
      SELECT (SELECT array_agg(id ORDER BY id) FROM locations
              WHERE organization_id = CAST(:org AS uuid) AND kind = 'area') AS areas,
             (SELECT array_agg(site_id ORDER BY id) FROM locations
              WHERE organization_id = CAST(:org AS uuid) AND kind = 'area') AS sites,
             (SELECT array_agg(id ORDER BY email) FROM users
              WHERE organization_id = CAST(:org AS uuid) AND role = 'technician') AS techs,
             (SELECT array_agg(id ORDER BY substring(code FROM 3)::int) FROM assets
              WHERE organization_id = CAST(:org AS uuid) AND code ~ '^A-[0-9]+$') AS assets
    )"""
_N = "substring(w.number FROM 4)::int"  # a generated work order's position
# Reported over the past year, oldest first, each id a UUIDv7 of its time (so the rows fill
# the quarterly partitions as real work would): the random bits of `app.uuidv7()` under the
# timestamp of position i.
HISTORY_DAYS = 365
_AT = "now() - (:rows - i) * (interval '1 day' * :days / :rows)"
_ID_AT = (
    "encode(overlay(uuid_send(app.uuidv7()) PLACING substring(int8send("
    "floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 'hex')::uuid"
)
_INSERT = text(
    f"""{_PICKS}, numbered AS (
      SELECT i, CASE WHEN i <= :reserved THEN 'in_progress'
                     ELSE ({_STATUSES})[1 + i % 8] END AS status,
             techs[1 + i % cardinality(techs)] AS tech, areas[1 + i % cardinality(areas)] AS area,
             sites[1 + i % cardinality(areas)] AS site, {_AT} AS at
      FROM generate_series(1, :rows) AS i, picks
    )
    INSERT INTO work_orders (id, organization_id, number, title, description, type, priority,
                             status, location_id, site_id, requester_id, reported_at, due_at,
                             estimated_hours, status_changed_at, started_at, completed_at,
                             completed_by, verified_at, verified_by, closed_at, created_by,
                             updated_by, created_at, updated_at)
    SELECT {_ID_AT}, CAST(:org AS uuid), 'WO-' || lpad(i::text, 6, '0'),
           'Repair ' || (ARRAY['pump','motor','gearbox','valve','conveyor'])[1 + i % 5]
             || ' ' || left(md5(i::text), 8),
           'seal leak on line ' || (i % 97) || ', vibration above limit',
           ({_TYPES})[1 + i % 6], ({_PRIORITIES})[1 + (i / 7) % 4], status, area, site,
           CASE WHEN i % 2 = 0 THEN CAST(:admin AS uuid) ELSE tech END,
           at, CASE WHEN i % 3 <> 0 THEN now() + (i % 60 - 20) * interval '1 day' END,
           (i % 16) / 2.0, at,
           CASE WHEN status IN ('in_progress','on_hold','completed','verified','closed')
                THEN at END,
           CASE WHEN status IN ('completed','verified','closed') THEN at END,
           CASE WHEN status IN ('completed','verified','closed') THEN tech END,
           CASE WHEN status IN ('verified','closed') THEN at END,
           CASE WHEN status IN ('verified','closed') THEN CAST(:admin AS uuid) END,
           CASE WHEN status = 'closed' THEN at END,
           CAST(:admin AS uuid), CAST(:admin AS uuid), at, at
    FROM numbered
    """
)
_LINKS = [
    text(
        """
        INSERT INTO work_order_numbers (organization_id, number, work_order_id)
        SELECT organization_id, number, id FROM work_orders
        WHERE organization_id = CAST(:org AS uuid)
        """
    ),
    # The tenant's sequence taken past the generated numbers (a new tenant's starts at 1).
    text("SELECT set_config('app.organization_id', CAST(:org AS text), true)"),
    text("SELECT last_number FROM app.take_numbers('work_order', :rows)"),
    text(
        f"""{_PICKS}
        INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
        SELECT app.uuidv7(), w.organization_id, w.id, techs[1 + {_N} % cardinality(techs)]
        FROM work_orders AS w, picks
        WHERE w.organization_id = CAST(:org AS uuid) AND w.status <> 'new'
        """
    ),
    text(
        """
        INSERT INTO work_order_transitions (id, organization_id, work_order_id, from_status,
                                            to_status, actor_id, occurred_at)
        SELECT app.uuidv7(), organization_id, id, NULL, status, created_by, created_at
        FROM work_orders WHERE organization_id = CAST(:org AS uuid)
        """
    ),
    text(
        f"""{_PICKS}
        INSERT INTO work_order_assets (id, organization_id, work_order_id, asset_id)
        SELECT app.uuidv7(), w.organization_id, w.id, assets[{_N}]
        FROM work_orders AS w, picks
        WHERE w.organization_id = CAST(:org AS uuid) AND {_N} % 2 = 0
          AND {_N} <= cardinality(assets)
        """
    ),
]


def build(
    conn: Connection, org: str, admin: str, rows: int, reserved: int = TRANSITION_ROWS * len(SIDES)
) -> None:
    """One tenant's work orders (the tenant's locations, technicians and assets exist); the
    first `reserved` are `in_progress` (the transition scenario's)."""
    params = {"org": org, "admin": admin, "rows": rows, "reserved": reserved, "days": HISTORY_DAYS}
    conn.execute(_INSERT, params)
    for statement in _LINKS:
        conn.execute(statement, params)


def number(n: int) -> str:
    return f"WO-{n:06d}"


# ---------------------------------------------------------------------------------------------
# The SQL: the API's reads verbatim from its SQL trace (`MAINTAINPRO_LOG__SQL=true`, one
# request each, an admin: the unscoped statement); the floor's writes are plain statements.

_READ = (
    "id, organization_id, number, title, description, type, priority, status, location_id,"
    " site_id, requester_id, team_id, parent_work_order_id, template_id, reported_at, due_at,"
    " scheduled_start_at, scheduled_end_at, estimated_hours, actual_hours, labor_cost,"
    " parts_cost, other_cost, asset_down, problem_code_id, cause_code_id, remedy_code_id,"
    " status_changed_at, started_at, completed_at, completed_by, verified_at, verified_by,"
    " closed_at, priority_rank, due_sort, created_at, updated_at, created_by, updated_by,"
    " deleted_at, version"
)
# The API selects every column but the search vector (its sort keys included).
COLUMNS = ", ".join(f"work_orders.{name}" for name in _READ.split(", "))
_LINKED = (
    "array((SELECT work_order_assets.asset_id \nFROM work_order_assets \n"
    "WHERE work_order_assets.organization_id = work_orders.organization_id"
    " AND work_order_assets.work_order_id = work_orders.id"
    " ORDER BY work_order_assets.asset_id)) AS asset_ids,"
    " array((SELECT work_order_assignees.user_id \nFROM work_order_assignees \n"
    "WHERE work_order_assignees.organization_id = work_orders.organization_id"
    " AND work_order_assignees.work_order_id = work_orders.id"
    " ORDER BY work_order_assignees.user_id)) AS assignee_ids"
)
_NONE_LINKED = "CAST('{}' AS uuid[]) AS asset_ids, CAST('{}' AS uuid[]) AS assignee_ids"
_SELECT = (
    f"SELECT {COLUMNS}, {_LINKED} \nFROM work_orders \n"
    "WHERE work_orders.organization_id = $1::UUID AND work_orders.deleted_at IS NULL"
)
# $1 organization, $2 id.
BY_ID = f"{_SELECT} AND work_orders.id = $2::UUID"
# $1 organization, $2 page size + 1. The default sort `-createdAt` is the UUIDv7 id, which is
# the keyset's key and its tie-breaker both: the API repeats it in the ORDER BY.
FIRST_PAGE = f"{_SELECT} ORDER BY work_orders.id DESC, work_orders.id DESC \n LIMIT $2::INTEGER"

# $1 organization, $2 number, $3 title, $4 the user (requester and creator).
INSERT = (
    "INSERT INTO work_orders (id, organization_id, number, title, type, priority, status,"
    " requester_id, created_by, updated_by)"
    " VALUES (app.uuidv7(), $1::UUID, $2::VARCHAR, $3::VARCHAR, 'corrective', 'medium', 'new',"
    " $4::UUID, $4::UUID, $4::UUID)"
    f" RETURNING {COLUMNS}, {_NONE_LINKED}"
)
# $1 target status, $2 the user, $3 organization, $4 id, $5 the version the client read.
MOVE = (
    "UPDATE work_orders SET status = $1::VARCHAR, status_changed_at = now(),"
    " updated_at = now(), updated_by = $2::UUID, version = version + 1"
    " WHERE work_orders.organization_id = $3::UUID AND work_orders.id = $4::UUID"
    " AND work_orders.version = $5::INTEGER AND work_orders.deleted_at IS NULL"
    f" RETURNING {COLUMNS}, {_LINKED}"
)


# ---------------------------------------------------------------------------------------------
# The floor's routes: the request models are the floor's own (the fields the scripts send),
# the response models the API's (`WorkOrderRead`, `Page`): the same serialisation both sides.


class CreateIn(WriteSchema):
    title: str = Field(min_length=1, max_length=200)


class TransitionIn(WriteSchema):
    to: Status
    reason: str | None = Field(default=None, min_length=1, max_length=2000)


def _one(row: Mapping[str, object] | None, response: Response) -> WorkOrderRead:
    if row is None:
        raise HTTPException(404)
    work_order = WorkOrderRead.model_validate(dict(row))
    response.headers["ETag"] = f'W/"{work_order.version}"'
    return work_order


def register(app: FastAPI, floor: Floor) -> None:
    """The floor's work order routes: the API's read SQL, plain single-statement writes."""

    @app.get("/api/v1/work-orders/{work_order_id}")
    async def get_work_order(work_order_id: UUID, response: Response) -> WorkOrderRead:
        async with floor.tenant() as conn:
            row = await conn.fetchrow(BY_ID, floor.org, work_order_id)
        return _one(row, response)

    @app.get("/api/v1/work-orders")
    async def list_work_orders(limit: int = PAGE) -> Page[WorkOrderRead]:
        async with floor.tenant() as conn:
            rows = await conn.fetch(FIRST_PAGE, floor.org, limit + 1)
        page = rows[:limit]
        last = page[-1]["id"] if len(rows) > limit else None
        return Page[WorkOrderRead](
            items=[WorkOrderRead.model_validate(dict(r)) for r in page],
            next_cursor=encode_cursor(last, last) if last else None,
        )

    @app.post("/api/v1/work-orders", status_code=201)
    async def create_work_order(body: CreateIn, response: Response) -> WorkOrderRead:
        number = f"WF-{uuid4().hex[:24]}"  # no numbering: a plain single-statement INSERT
        async with floor.tenant() as conn:
            row = await conn.fetchrow(INSERT, floor.org, number, body.title, floor.user)
        return _one(row, response)

    @app.post("/api/v1/work-orders/{work_order_id}/transitions")
    async def transition(
        work_order_id: UUID,
        body: TransitionIn,
        response: Response,
        if_match: Annotated[str, Header(alias="If-Match")],
    ) -> WorkOrderRead:
        version = int(if_match.removeprefix("W/").strip('"'))
        async with floor.tenant() as conn:
            row = await conn.fetchrow(MOVE, body.to, floor.user, floor.org, work_order_id, version)
        if row is None:
            raise HTTPException(412)
        return _one(row, response)


# ---------------------------------------------------------------------------------------------
# The load scripts' inputs (tenant A).

SAMPLE_IDS = 10_000
_SAMPLED: dict[str, Path] = {}


def ids(fx: Fixtures) -> Path:
    """10,000 random work order ids of tenant A, sampled once per run."""
    path = fx.out / "wo-ids.txt"
    if _SAMPLED.get(fx.run_id) != path:
        with fx.engine.begin() as conn:
            found = conn.scalars(
                text(
                    "SELECT id FROM work_orders WHERE organization_id = :org"
                    " AND number LIKE 'WO-%' ORDER BY random() LIMIT :n"
                ),
                {"org": fx.tenant.organization_id, "n": SAMPLE_IDS},
            )
            path.write_text("\n".join(str(i) for i in found) + "\n")
        _SAMPLED[fx.run_id] = path
    return path


def transition_rows(fx: Fixtures, side: str) -> Path:
    """The side's reserved rows as they are now: "id version status" lines."""
    first = SIDES.index(side) * TRANSITION_ROWS + 1
    numbers = [number(n) for n in range(first, first + TRANSITION_ROWS)]
    with fx.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT id, version, status FROM work_orders WHERE organization_id = :org"
                " AND number = ANY(:numbers) AND status IN ('in_progress', 'on_hold')"
                " AND deleted_at IS NULL ORDER BY number"
            ),
            {"org": fx.tenant.organization_id, "numbers": numbers},
        ).all()
    path = fx.out / f"wo-transition-{side}.txt"
    path.write_text("".join(f"{i} {v} {s}\n" for i, v, s in rows))
    return path


def by_id_env(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_PREFIX": "/api/v1/work-orders/",
        "BENCH_IDS": str(ids(fx)),
        "BENCH_AUTH": side.auth,
    }


def create_env(fx: Fixtures, side: Side) -> dict[str, str]:
    # Unique per invocation, as the asset create: the titles tell the runs apart.
    nonce = f"{fx.run_id}{side.name[0]}{time.monotonic_ns() % 10**9}"
    return {"BENCH_RUN": nonce, "BENCH_AUTH": side.auth}


def transition_env(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_ROWS": str(transition_rows(fx, side.name)),
        "BENCH_REASON": HOLD_REASON,
        "BENCH_AUTH": side.auth,
    }


# ---------------------------------------------------------------------------------------------
# The scale scenarios (issue 10), API only: their p95 from one scale to the next is the figure.

DEEP_PAGE = 200  # pages of PAGE rows: the cursor after the 10,000 newest
RARE_NUMBER = 4242  # the title's md5 token of this position is in one work order per tenant
TECHNICIAN = "login-0@{slug}.example.com"  # assigned every 512th work order of tenant A


def rare_term() -> str:
    return hashlib.md5(str(RARE_NUMBER).encode()).hexdigest()[:8]


def deep_cursor(fx: Fixtures) -> str:
    """The cursor of page DEEP_PAGE + 1 in the default order (newest first: the id is the
    keyset's key and tie-breaker)."""
    with fx.engine.begin() as conn:
        last = conn.scalar(
            text(
                "SELECT id FROM work_orders WHERE organization_id = :org AND deleted_at IS NULL"
                " ORDER BY id DESC OFFSET :n LIMIT 1"
            ),
            {"org": fx.tenant.organization_id, "n": DEEP_PAGE * PAGE - 1},
        )
    return encode_cursor(last, last)


def list_env(query: str) -> Callable[[Fixtures, Side], dict[str, str]]:
    def env(fx: Fixtures, side: Side) -> dict[str, str]:
        path = f"/api/v1/work-orders?limit={PAGE}&{query}"
        if "{cursor}" in path:
            path = path.replace("{cursor}", deep_cursor(fx))
        return {"BENCH_PATH": path, "BENCH_AUTH": side.auth}

    return env
