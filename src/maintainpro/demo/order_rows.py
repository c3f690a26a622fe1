"""Writing the demo's work orders: their partitions and numbers, assets and assignees, status
history and downtime, with one set-based statement per table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.demo.columns import columns
from maintainpro.demo.labor import NOTHING
from maintainpro.demo.orders import Step, Work


async def write_orders(
    session: AsyncSession,
    organization_id: UUID,
    work: list[Work],
    now: datetime,
    totals: dict[UUID, tuple[Decimal, Decimal]],
) -> None:
    oldest = min(item.reported_at for item in work)
    quarters_back = (now.year - oldest.year) * 4 + (now.month - 1) // 3 - (oldest.month - 1) // 3
    await session.execute(
        text("SELECT app.ensure_quarterly_partitions('work_orders', 1, :back)"),
        {"back": quarters_back},
    )
    # The seed's transaction began before its tenant was known: numbers are the tenant's.
    await session.execute(
        text("SELECT set_config('app.organization_id', :org, true)"), {"org": str(organization_id)}
    )
    last = await session.scalar(
        text("SELECT last_number FROM app.take_numbers('work_order', :n)"),
        {"n": len(work)},
    )
    assert isinstance(last, int)
    first_number = last - len(work) + 1
    numbers = [f"WO-{first_number + i:06d}" for i in range(len(work))]
    await session.execute(_INSERT_WORK, _work_columns(organization_id, work, numbers, totals))
    await session.execute(_INSERT_LINKS, _link_columns(organization_id, work, numbers))
    await session.execute(_INSERT_HISTORY, _history_columns(organization_id, work))
    await session.execute(_INSERT_DOWNTIME, _downtime_columns(organization_id, work))


_INSERT_WORK = text("""
INSERT INTO work_orders (
  id, organization_id, number, title, description, type, priority, status, location_id, site_id,
  requester_id, team_id, reported_at, due_at, scheduled_start_at, scheduled_end_at,
  estimated_hours, other_cost, asset_down, problem_code_id, cause_code_id, remedy_code_id,
  status_changed_at, started_at, completed_at, completed_by, verified_at, verified_by, closed_at,
  actual_hours, labor_cost, created_at, updated_at, created_by, updated_by, version)
SELECT w.id, CAST(:org AS uuid), w.number, w.title, w.description, w.type, w.priority, w.status,
  w.location_id, w.site_id, w.requester_id, w.team_id, w.reported_at, w.due_at, w.start_at,
  w.end_at, w.estimated_hours, w.other_cost, w.asset_down, w.problem, w.cause, w.remedy,
  w.changed_at, w.started_at, w.completed_at, w.completed_by, w.verified_at, w.verified_by,
  w.closed_at, w.actual_hours, w.labor_cost, w.reported_at, w.changed_at, w.requester_id,
  w.updated_by, w.version
FROM unnest(
  CAST(:ids AS uuid[]), CAST(:numbers AS text[]), CAST(:titles AS text[]),
  CAST(:descriptions AS text[]), CAST(:types AS text[]), CAST(:priorities AS text[]),
  CAST(:statuses AS text[]), CAST(:locations AS uuid[]), CAST(:sites AS uuid[]),
  CAST(:requesters AS uuid[]), CAST(:teams AS uuid[]), CAST(:reported AS timestamptz[]),
  CAST(:due AS timestamptz[]), CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]),
  CAST(:estimates AS numeric[]), CAST(:other_costs AS numeric[]), CAST(:down AS boolean[]),
  CAST(:problems AS uuid[]), CAST(:causes AS uuid[]), CAST(:remedies AS uuid[]),
  CAST(:changed AS timestamptz[]), CAST(:started AS timestamptz[]),
  CAST(:completed AS timestamptz[]), CAST(:completers AS uuid[]),
  CAST(:verified AS timestamptz[]), CAST(:verifiers AS uuid[]), CAST(:closed AS timestamptz[]),
  CAST(:hours AS numeric[]), CAST(:labor_costs AS numeric[]), CAST(:updaters AS uuid[]),
  CAST(:versions AS int[])
) AS w(id, number, title, description, type, priority, status, location_id, site_id,
       requester_id, team_id, reported_at, due_at, start_at, end_at, estimated_hours, other_cost,
       asset_down, problem, cause, remedy, changed_at, started_at, completed_at, completed_by,
       verified_at, verified_by, closed_at, actual_hours, labor_cost, updated_by, version)
""")


# In the order of `_work_row`'s values: a line each group.
_WORK_COLUMNS = (
    "ids numbers titles descriptions types priorities statuses"
    " locations sites requesters teams"
    " reported due starts ends"
    " estimates other_costs down"
    " problems causes remedies"
    " changed started completed completers"
    " verified verifiers closed"
    " hours labor_costs"
    " updaters versions"
)


def _work_columns(
    organization_id: UUID,
    work: Sequence[Work],
    numbers: Sequence[str],
    totals: dict[UUID, tuple[Decimal, Decimal]],
) -> dict[str, object]:
    rows = zip(work, numbers, strict=True)
    return columns(
        organization_id,
        _WORK_COLUMNS,
        (_work_row(item, number, totals.get(item.id, NOTHING)) for item, number in rows),
    )


def _work_row(item: Work, number: str, total: tuple[Decimal, Decimal]) -> tuple[object, ...]:
    last = item.steps[-1]
    return (
        *(item.id, number, item.title, item.description, item.type, item.priority, last.target),
        *(item.asset.location_id, item.asset.site_id, item.requester, item.team_id),
        *(item.reported_at, item.due_at, *(item.scheduled or (None, None))),
        *(item.estimated_hours, item.other_cost, item.asset_down),
        *item.codes,
        *(last.at, _at(item, "in_progress"), _at(item, "completed"), _by(item, "completed")),
        *(_at(item, "verified"), _by(item, "verified"), _at(item, "closed")),
        *total,
        *(last.actor, len(item.steps)),
    )


def _at(item: Work, target: str) -> datetime | None:
    step = _first(item, target)
    return None if step is None else step.at


def _by(item: Work, target: str) -> UUID | None:
    step = _first(item, target)
    return None if step is None else step.actor


def _first(item: Work, target: str) -> Step | None:
    return next((s for s in item.steps if s.target == target), None)


_INSERT_LINKS = text("""
WITH numbers AS (
  INSERT INTO work_order_numbers (organization_id, number, work_order_id)
  SELECT CAST(:org AS uuid), n, w
  FROM unnest(CAST(:numbers AS text[]), CAST(:ids AS uuid[])) AS x(n, w)
), assets AS (
  INSERT INTO work_order_assets (id, organization_id, work_order_id, asset_id)
  SELECT app.uuidv7(), CAST(:org AS uuid), w, a
  FROM unnest(CAST(:ids AS uuid[]), CAST(:assets AS uuid[])) AS x(w, a)
)
INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
SELECT app.uuidv7(), CAST(:org AS uuid), w, u
FROM unnest(CAST(:assigned_work AS uuid[]), CAST(:assignees AS uuid[])) AS x(w, u)
""")


def _link_columns(
    organization_id: UUID, work: Sequence[Work], numbers: Sequence[str]
) -> dict[str, object]:
    linked = ((n, w.id, w.asset.id) for n, w in zip(numbers, work, strict=True))
    assigned = ((w.id, user) for w in work for user in w.assignees)
    return columns(organization_id, "numbers ids assets", linked) | columns(
        organization_id, "assigned_work assignees", assigned
    )


_INSERT_HISTORY = text("""
INSERT INTO work_order_transitions (id, organization_id, work_order_id, from_status, to_status,
                                    reason, actor_id, occurred_at)
SELECT t.id, CAST(:org AS uuid), t.w, t.f, t.s, t.r, t.a, t.at
FROM unnest(CAST(:ids AS uuid[]), CAST(:work AS uuid[]), CAST(:sources AS text[]),
            CAST(:targets AS text[]), CAST(:reasons AS text[]), CAST(:actors AS uuid[]),
            CAST(:times AS timestamptz[])) AS t(id, w, f, s, r, a, at)
""")


def _history_columns(organization_id: UUID, work: Sequence[Work]) -> dict[str, object]:
    return columns(
        organization_id,
        "ids work sources targets reasons actors times",
        ((s.id, w.id, s.source, s.target, s.reason, s.actor, s.at) for w in work for s in w.steps),
    )


_INSERT_DOWNTIME = text("""
INSERT INTO downtime_events (id, organization_id, asset_id, started_at, ended_at, kind,
                             reason_code, notes, work_order_id, created_at, created_by)
SELECT app.uuidv7(), CAST(:org AS uuid), d.a, d.s, d.e, 'unplanned', 'work_order', d.n, d.w,
       d.s, d.r
FROM unnest(CAST(:assets AS uuid[]), CAST(:starts AS timestamptz[]),
            CAST(:ends AS timestamptz[]), CAST(:notes AS text[]), CAST(:work AS uuid[]),
            CAST(:reporters AS uuid[])) AS d(a, s, e, n, w, r)
""")


def _downtime_columns(organization_id: UUID, work: Sequence[Work]) -> dict[str, object]:
    down = (w for w in work if w.asset_down)
    return columns(
        organization_id,
        "assets starts ends notes work reporters",
        ((w.asset.id, w.reported_at, w.down_until, w.title, w.id, w.requester) for w in down),
    )
