"""Work orders in the benchmark: their data, the SQL the floor runs, the floor's routes and the
inputs of the load scripts.

Data (per tenant, set-based SQL as the maintenance role): `rows` work orders numbered
`WO-000001...` (the tenant's `work_order` sequence taken past the last one, every number
reserved in `work_order_numbers`), a mix of types, priorities and statuses, requested by the
admin or a technician, every one past `new` assigned to a technician, its history from `new`
to its status, every second one linked to an asset (round the tenant's assets: an asset's
history grows with the data), labor on every started one, a comment on every third, a
checklist on every fifth, a calendar entry for each due or scheduled one, all built in chunks
of CHUNK by one statement each (`_BUILD`). The first TRANSITION_ROWS of
each side (API, then floor) are `in_progress` and reserved for the transition scenario. They
are reported over the past year, oldest first, each id a UUIDv7 of its time: they fill the
quarterly partitions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs
from uuid import UUID, uuid4

from fastapi import FastAPI, Header, HTTPException, Request, Response
from pydantic import Field
from sqlalchemy import Connection, Select, text

from bench import sql
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.core import prepared
from maintainpro.core.pagination import Page, encode_cursor
from maintainpro.core.schemas import WriteSchema
from maintainpro.work_order import listing
from maintainpro.work_order.schemas import Status, WorkOrderFilter, WorkOrderRead

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
_AT = "now() - interval '1 minute' - (:rows - i) * (interval '1 day' * :days / :rows)"
_ID_AT = (
    "encode(overlay(uuid_send(app.uuidv7()) PLACING substring(int8send("
    "floor(extract(epoch FROM at) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 'hex')::uuid"
)
_NUMBER = "'WO-' || lpad(i::text, greatest(6, length(i::text)), '0')"  # as the API numbers
_STARTED = "status IN ('in_progress','on_hold','completed','verified','closed')"
_FINISHED = "status IN ('completed','verified','closed')"
RATE = 40  # the generated labor's hourly rate
# A status's history from `new` (D: machine.py's moves); step k goes at `at` + k seconds.
_PATHS = """
    paths(status, path) AS (VALUES
      ('new', ARRAY['new']), ('assigned', ARRAY['new','assigned']),
      ('in_progress', ARRAY['new','assigned','in_progress']),
      ('on_hold', ARRAY['new','assigned','in_progress','on_hold']),
      ('completed', ARRAY['new','assigned','in_progress','completed']),
      ('verified', ARRAY['new','assigned','in_progress','completed','verified']),
      ('closed', ARRAY['new','assigned','in_progress','completed','verified','closed']),
      ('cancelled', ARRAY['new','cancelled']))"""
# One chunk of one tenant's work orders, positions :first to :last, with everything that hangs
# off them in the same statement: the reserved number, the assignee, the transition history,
# the asset link, labor (its roll-up written on the row), a comment, a checklist with three
# items, the calendar entry. Run with the triggers off (see data.py): what they derive is
# written here.
_BUILD = text(
    f"""{_PICKS}, {_PATHS}, numbered AS (
      SELECT i, CASE WHEN i <= :reserved THEN 'in_progress'
                     ELSE ({_STATUSES})[1 + i % 8] END AS status,
             techs[1 + i % cardinality(techs)] AS tech, areas[1 + i % cardinality(areas)] AS area,
             sites[1 + i % cardinality(areas)] AS site, {_AT} AS at, (i % 16) / 2.0 AS hours
      FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS i, picks
    ), wo AS (
      INSERT INTO work_orders (id, organization_id, number, title, description, type, priority,
                               status, location_id, site_id, requester_id, reported_at, due_at,
                               scheduled_start_at, scheduled_end_at, estimated_hours,
                               actual_hours, labor_cost, status_changed_at, started_at,
                               completed_at, completed_by, verified_at, verified_by, closed_at,
                               created_by, updated_by, created_at, updated_at)
      SELECT {_ID_AT}, CAST(:org AS uuid), {_NUMBER},
             'Repair ' || (ARRAY['pump','motor','gearbox','valve','conveyor'])[1 + i % 5]
               || ' ' || left(md5(i::text), 8),
             'seal leak on line ' || (i % 97) || ', vibration above limit',
             ({_TYPES})[1 + i % 6], ({_PRIORITIES})[1 + (i / 7) % 4], status, area, site,
             CASE WHEN i % 2 = 0 THEN CAST(:admin AS uuid) ELSE tech END,
             at, CASE WHEN i % 3 <> 0 THEN now() + (i % 60 - 20) * interval '1 day' END,
             CASE WHEN i % 4 = 0 AND status IN ('assigned','in_progress','on_hold')
                  THEN date_trunc('day', now()) + (i % 28 - 7) * interval '1 day'
                       + interval '8 hours' END,
             CASE WHEN i % 4 = 0 AND status IN ('assigned','in_progress','on_hold')
                  THEN date_trunc('day', now()) + (i % 28 - 7) * interval '1 day'
                       + interval '10 hours' END,
             hours, CASE WHEN {_STARTED} THEN hours ELSE 0 END,
             CASE WHEN {_STARTED} THEN hours * {RATE} ELSE 0 END,
             at + (cardinality(path) - 1) * interval '1 second',
             CASE WHEN {_STARTED} THEN at END, CASE WHEN {_FINISHED} THEN at END,
             CASE WHEN {_FINISHED} THEN tech END,
             CASE WHEN status IN ('verified','closed') THEN at END,
             CASE WHEN status IN ('verified','closed') THEN CAST(:admin AS uuid) END,
             CASE WHEN status = 'closed' THEN at END,
             CAST(:admin AS uuid), CAST(:admin AS uuid), at, at
      FROM numbered JOIN paths USING (status)
      RETURNING id, organization_id, number, title, status, site_id, due_at,
                scheduled_start_at, scheduled_end_at, requester_id, created_at, started_at,
                actual_hours, substring(number FROM 4)::int AS n
    ), numbers AS (
      INSERT INTO work_order_numbers (organization_id, number, work_order_id)
      SELECT organization_id, number, id FROM wo
    ), assignees AS (
      INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
      SELECT app.uuidv7(), wo.organization_id, wo.id, techs[1 + n % cardinality(techs)]
      FROM wo, picks WHERE wo.status <> 'new'
    ), history AS (
      INSERT INTO work_order_transitions (id, organization_id, work_order_id, from_status,
                                          to_status, reason, actor_id, occurred_at)
      SELECT app.uuidv7(), wo.organization_id, wo.id, path[k - 1], path[k],
             CASE WHEN path[k] IN ('on_hold','cancelled') THEN '{HOLD_REASON}' END,
             CAST(:admin AS uuid), wo.created_at + (k - 1) * interval '1 second'
      FROM wo JOIN paths USING (status), generate_subscripts(path, 1) AS k
    ), links AS (
      INSERT INTO work_order_assets (id, organization_id, work_order_id, asset_id)
      SELECT app.uuidv7(), wo.organization_id, wo.id, assets[1 + (n / 2) % cardinality(assets)]
      FROM wo, picks WHERE n % 2 = 0
    ), labor AS (
      INSERT INTO labor_entries (id, organization_id, work_order_id, user_id, started_at,
                                 ended_at, hourly_rate, source, created_by, updated_by)
      SELECT app.uuidv7(), wo.organization_id, wo.id, techs[1 + n % cardinality(techs)],
             started_at, started_at + actual_hours * interval '1 hour', {RATE}, 'manual',
             CAST(:admin AS uuid), CAST(:admin AS uuid)
      FROM wo, picks WHERE started_at IS NOT NULL
    ), notes AS (
      INSERT INTO comments (id, organization_id, work_order_id, author_id, body, created_by,
                            updated_by, created_at, updated_at)
      SELECT app.uuidv7(), organization_id, id, requester_id,
             'Checked on site: bearing noise on line ' || (n % 97), requester_id, requester_id,
             created_at, created_at
      FROM wo WHERE n % 3 = 0
    ), lists AS (
      INSERT INTO checklists (id, organization_id, work_order_id, name, position, created_by,
                              updated_by)
      SELECT app.uuidv7(), organization_id, id, 'Safety checks', 1, CAST(:admin AS uuid),
             CAST(:admin AS uuid)
      FROM wo WHERE n % 5 = 0
      RETURNING id, organization_id, work_order_id
    ), items AS (
      INSERT INTO checklist_items (id, organization_id, checklist_id, position, label, kind,
                                   required, status, result_by, result_at, created_by,
                                   updated_by)
      SELECT app.uuidv7(), lists.organization_id, lists.id, k,
             (ARRAY['Isolate energy','Guard refitted','Area clean'])[k], 'pass_fail', true,
             CASE WHEN wo.started_at IS NOT NULL THEN 'passed' ELSE 'open' END,
             CASE WHEN wo.started_at IS NOT NULL THEN CAST(:admin AS uuid) END,
             wo.started_at, CAST(:admin AS uuid), CAST(:admin AS uuid)
      FROM lists JOIN wo ON wo.id = lists.work_order_id, generate_series(1, 3) AS k
    ), events AS (
      INSERT INTO calendar_events (id, organization_id, kind, work_order_id, title, starts_at,
                                   ends_at, all_day, site_id)
      SELECT app.uuidv7(), organization_id, 'work_order', id, number || ' ' || title,
             coalesce(scheduled_start_at, due_at), coalesce(scheduled_end_at, due_at),
             scheduled_start_at IS NULL, site_id
      FROM wo WHERE status <> 'cancelled' AND coalesce(scheduled_start_at, due_at) IS NOT NULL
    )
    SELECT count(*) FROM wo
    """
)
CHUNK = 50_000  # work orders per statement: a chunk of a big tenant runs beside another


def chunks(
    org: str, admin: str, rows: int, reserved: int = TRANSITION_ROWS * len(SIDES)
) -> list[dict[str, object]]:
    """The parameters of `_BUILD` for one tenant's `rows` work orders (its locations,
    technicians and assets exist); the first `reserved` are `in_progress` (the transition
    scenario's)."""
    base = {"org": org, "admin": admin, "rows": rows, "reserved": reserved, "days": HISTORY_DAYS}
    return [
        {**base, "first": first, "last": min(rows, first + CHUNK - 1)}
        for first in range(1, rows + 1, CHUNK)
    ]


def build(conn: Connection, chunk: dict[str, object]) -> int:
    """One chunk (see `chunks`); returns how many work orders it made."""
    return int(conn.scalar(_BUILD, chunk) or 0)


# The tenant's sequence taken past the generated numbers (a new tenant's starts at 1).
_TENANT = text("SELECT set_config('app.organization_id', CAST(:org AS text), true)")
_TAKE = text("SELECT last_number FROM app.take_numbers('work_order', :rows)")


def take_numbers(conn: Connection, org: str, rows: int) -> None:
    conn.execute(_TENANT, {"org": org})
    conn.execute(_TAKE, {"rows": rows})


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


def _page(
    rows: Sequence[Mapping[str, Any]],
    limit: int,
    position: Callable[[Mapping[str, Any]], tuple[object, object]],
) -> Page[WorkOrderRead]:
    page = rows[:limit]
    after = position(page[-1]) if len(rows) > limit else None
    return Page[WorkOrderRead](
        items=[WorkOrderRead.model_validate(dict(r)) for r in page],
        next_cursor=encode_cursor(*after) if after else None,
    )


# The other lists' floors run the API's own statements, built by the endpoint's functions
# (`listing.page_statement`, `listing.search_statement`) for tenant A's admin, or for its
# technician where the query asks for `assignedToMe`, compiled with their values once per
# distinct query string (the statement, not the per-request work, is what the floor shares),
# under the API's plan cache mode for it (`listing.plans`).


@dataclass(frozen=True)
class Listing:
    sql: str
    args: tuple[object, ...]
    user: str
    limit: int
    search: bool
    plans: str


_LISTINGS: dict[str, Listing] = {}


def listing_statement(
    query_string: str, org: str, admin: str, technician: str
) -> tuple[Select[Any], Authorized, WorkOrderFilter]:
    """The API's statement for a work-order list query, its caller and the filter."""
    values = parse_qs(query_string)
    query = WorkOrderFilter.model_validate(
        {k: v if k in ("status", "priority") else v[0] for k, v in values.items()}
    )
    assert query.sort == "-createdAt", "the floor pages in the default order only"
    user = technician if query.assigned_to_me else admin
    role, scope = ("technician", Scope.ASSIGNED) if query.assigned_to_me else ("admin", Scope.ALL)
    auth = Authorized(Principal(UUID(user), UUID(org), role, frozenset()), scope)
    build = listing.search_statement if query.q else listing.page_statement
    statement, bound = build(auth, query)
    return statement.params(**bound), auth, query


def _listing(query_string: str, floor: Floor) -> Listing:
    statement, auth, query = listing_statement(
        query_string, floor.org, floor.user, floor.technician
    )
    # As SQLAlchemy sends it: `IN` lists expanded into a parameter each.
    expanded = statement.compile(dialect=prepared.DIALECT).construct_expanded_state()
    args = tuple(expanded.parameters[name] for name in expanded.positiontup or ())
    user, search = str(auth.principal.user_id), query.q is not None
    found = Listing(
        expanded.statement, args, user, query.limit, search, listing.plans(query, auth.scope)
    )
    _LISTINGS[query_string] = found
    return found


def register(app: FastAPI, floor: Floor) -> None:
    """The floor's work order routes: the API's read SQL, plain single-statement writes."""

    @app.get("/api/v1/work-orders/{work_order_id}")
    async def get_work_order(work_order_id: UUID, response: Response) -> WorkOrderRead:
        async with floor.tenant(plans=sql.GENERIC) as conn:
            row = await conn.fetchrow(BY_ID, floor.org, work_order_id)
        return _one(row, response)

    @app.get("/api/v1/work-orders")
    async def list_work_orders(request: Request, limit: int = PAGE) -> Page[WorkOrderRead]:
        if request.url.query in ("", f"limit={limit}"):
            async with floor.tenant(plans=sql.GENERIC) as conn:
                rows = await conn.fetch(FIRST_PAGE, floor.org, limit + 1)
            return _page(rows, limit, lambda r: (r["id"], r["id"]))
        found = _LISTINGS.get(request.url.query) or _listing(request.url.query, floor)
        async with floor.tenant(found.user, found.plans) as conn:
            rows = await conn.fetch(found.sql, *found.args)
        if found.search:
            return _page(rows, found.limit, lambda r: (repr(r["rank"]), r["id"]))
        return _page(rows, found.limit, lambda r: (r["id"], r["id"]))

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
# A technician with open work at every size: login-7 is given every 512th work order of tenant
# A, all `assigned`, and 4 reserved `in_progress` ones (97 at 100k, about 9,800 at 10M).
# (login-0's share is all `new`, never assigned: it held only the 4 reserved ones.)
TECHNICIAN = "login-7@{slug}.example.com"


def technician_id(fx: Fixtures) -> str:
    """Tenant A's TECHNICIAN (the `assignedToMe` and calendar scenarios' caller)."""
    with fx.engine.begin() as conn:
        found = conn.scalar(
            text("SELECT id FROM users WHERE organization_id = :org AND email = :email"),
            {"org": fx.tenant.organization_id, "email": TECHNICIAN.format(slug=fx.tenant.slug)},
        )
    assert found is not None, "the data has its technicians"
    return str(found)


def list_sql(fx: Fixtures, query: str) -> tuple[str, str]:
    """pgbench's statement for a list query (the API's, with its values written in) and the
    API's plan cache mode for it."""
    query_string = f"limit={PAGE}&{query}".replace("{cursor}", deep_cursor(fx))
    statement, auth, found = listing_statement(
        query_string, fx.tenant.organization_id, fx.tenant.admin_id, technician_id(fx)
    )
    compiled = statement.compile(dialect=prepared.DIALECT, compile_kwargs={"literal_binds": True})
    return str(compiled), listing.plans(found, auth.scope)


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


BULK_SIZE = 100  # the most a bulk assignment takes
BULK_POOL = 5_000  # assigned work orders the scenario draws its windows from


def bulk_assign_env(fx: Fixtures, side: Side) -> dict[str, str]:
    """Windows of BULK_SIZE of tenant A's assigned work orders (past the reserved ones), each
    request to one of two technicians: every request changes who does the work."""
    with fx.engine.begin() as conn:
        found = conn.scalars(
            text(
                "SELECT id FROM work_orders WHERE organization_id = :org AND status = 'assigned'"
                " AND number > :after AND deleted_at IS NULL ORDER BY id LIMIT :n"
            ),
            {
                "org": fx.tenant.organization_id,
                "after": number(TRANSITION_ROWS * 2),
                "n": BULK_POOL,
            },
        ).all()
        technicians = conn.scalars(
            text(
                "SELECT id FROM users WHERE organization_id = :org AND role = 'technician'"
                " ORDER BY email LIMIT 2"
            ),
            {"org": fx.tenant.organization_id},
        ).all()
    path = fx.out / "wo-bulk-ids.txt"
    path.write_text("".join(f"{i}\n" for i in sorted(str(i) for i in found)))
    return {
        "BENCH_IDS": str(path),
        "BENCH_SIZE": str(BULK_SIZE),
        "BENCH_ASSIGNEES": ",".join(str(t) for t in technicians),
        "BENCH_AUTH": side.auth,
    }


def asset_history_env(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_PREFIX": "/api/v1/assets/",
        "BENCH_SUFFIX": f"/history?limit={PAGE}",
        "BENCH_IDS": str(fx.ids_path),
        "BENCH_AUTH": side.auth,
    }
