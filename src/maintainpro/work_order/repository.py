"""Work order SQL: always tenant-scoped, the caller's visibility (permission scope) applied in
the statement; the hot statements are built and compiled once (core/prepared.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core import prepared
from maintainpro.models import (
    TeamMember,
    WorkOrder,
    WorkOrderAsset,
    WorkOrderAssignee,
    WorkOrderTransition,
)

UUIDS = ARRAY(Uuid())


def _linked(column: Any, link: type[WorkOrderAsset] | type[WorkOrderAssignee]) -> Any:
    """The ids a work order links to, as one array column (no second query, no N+1)."""
    return func.array(
        select(column)
        .where(
            link.organization_id == WorkOrder.organization_id,
            link.work_order_id == WorkOrder.id,
        )
        .order_by(column)
        .correlate(WorkOrder)
        .scalar_subquery()
    )


ASSET_IDS = _linked(WorkOrderAsset.asset_id, WorkOrderAsset).label("asset_ids")
ASSIGNEE_IDS = _linked(WorkOrderAssignee.user_id, WorkOrderAssignee).label("assignee_ids")
# What a response needs: every column but the search vector, and the linked ids.
COLUMNS = tuple(c for c in WorkOrder.__table__.c if c.key != "search_vector")
READ_COLUMNS = (*COLUMNS, ASSET_IDS, ASSIGNEE_IDS)


# Built once: an alias proxies every column of the table, which per request cost a technician's
# list half its CPU.
_TEAM_WORK = aliased(WorkOrder)


def assigned_to(
    user: ColumnElement[UUID], organization: ColumnElement[UUID] | None = None
) -> ColumnElement[bool]:
    """Assigned to the user in person or through one of their teams: one uncorrelated `IN`
    over both sets of ids, which PostgreSQL plans as a semi-join starting from the user's few
    assignments. (An `EXISTS ... OR team_id IN ...` cannot become a join: a page of a large
    tenant then walked all its work orders, testing each.)"""
    org = bindparam("org") if organization is None else organization
    in_person = select(WorkOrderAssignee.work_order_id).where(
        WorkOrderAssignee.organization_id == org, WorkOrderAssignee.user_id == user
    )
    teams = select(TeamMember.team_id).where(
        TeamMember.organization_id == org, TeamMember.user_id == user
    )
    through_teams = select(_TEAM_WORK.id).where(
        _TEAM_WORK.organization_id == org, _TEAM_WORK.team_id.in_(teams)
    )
    return WorkOrder.id.in_(union_all(in_person, through_teams))


def _scoped(scope: Scope) -> list[ColumnElement[bool]]:
    """The visibility rule of a permission scope, with `:sites` / `:me` parameters."""
    if scope is Scope.SITE:
        # The cast keeps the parameter a uuid[] also when rendered as a literal (EXPLAIN tests).
        return [WorkOrder.site_id == any_(cast(bindparam("sites", type_=UUIDS), UUIDS))]
    if scope is Scope.ASSIGNED:
        return [assigned_to(bindparam("me", type_=Uuid()))]
    if scope is Scope.OWN:
        return [WorkOrder.requester_id == bindparam("me", type_=Uuid())]
    return []


def live() -> list[ColumnElement[bool]]:
    return [WorkOrder.organization_id == bindparam("org"), WorkOrder.deleted_at.is_(None)]


def scope_params(auth: Authorized) -> dict[str, object]:
    """The parameters `_scoped(auth.scope)` reads."""
    principal = auth.principal
    params: dict[str, object] = {"org": principal.organization_id}
    if auth.scope is Scope.SITE:
        params["sites"] = list(principal.site_ids)
    elif auth.scope in (Scope.ASSIGNED, Scope.OWN):
        params["me"] = principal.user_id
    return params


def visible(auth: Authorized) -> tuple[Select[Any], dict[str, object]]:
    """The caller's live work orders (response columns) and the parameters to run it with."""
    statement = select(*READ_COLUMNS).where(*live(), *_scoped(auth.scope))
    return statement, scope_params(auth)


# GET by id, one statement per scope, compiled once: the row and its linked ids.
_BY_ID = {
    scope: prepared.prepare(
        select(*READ_COLUMNS).where(*live(), WorkOrder.id == bindparam("id"), *_scoped(scope))
    )
    for scope in Scope
}
# The same row locked for a change (a transition or an edit re-reads it under the lock).
_FOR_UPDATE = {
    scope: prepared.prepare(
        select(*READ_COLUMNS)
        .where(*live(), WorkOrder.id == bindparam("id"), *_scoped(scope))
        .with_for_update(of=WorkOrder, key_share=True)
    )
    for scope in Scope
}


# Several work orders the caller may change, locked in id order (so that two batches sharing
# rows queue rather than deadlock): their ids.
_LOCK_MANY = {
    scope: prepared.prepare(
        select(WorkOrder.id)
        .where(
            *live(),
            WorkOrder.id == any_(cast(bindparam("ids", type_=UUIDS), UUIDS)),
            *_scoped(scope),
        )
        .order_by(WorkOrder.id)
        .with_for_update(of=WorkOrder, key_share=True)
    )
    for scope in Scope
}


async def lock_many(session: AsyncSession, auth: Authorized, ids: Sequence[UUID]) -> list[UUID]:
    params = {**scope_params(auth), "ids": list(ids)}
    rows = await prepared.fetch(session, _LOCK_MANY[auth.scope], params)
    return [UUID(str(row["id"])) for row in rows]


async def read_by_id(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, *, lock: bool = False
) -> dict[str, object] | None:
    params = {**scope_params(auth), "id": work_order_id}
    statement = (_FOR_UPDATE if lock else _BY_ID)[auth.scope]
    row = await prepared.fetchrow(session, statement, params)
    return None if row is None else dict(row)


_TRANSITIONS = select(
    WorkOrderTransition.id,
    WorkOrderTransition.work_order_id,
    WorkOrderTransition.from_status,
    WorkOrderTransition.to_status,
    WorkOrderTransition.reason,
    WorkOrderTransition.actor_id,
    WorkOrderTransition.occurred_at,
).where(
    WorkOrderTransition.organization_id == bindparam("org"),
    WorkOrderTransition.work_order_id == bindparam("id"),
)
_ALL_TRANSITIONS = prepared.prepare(_TRANSITIONS.order_by(WorkOrderTransition.id))


async def transitions(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID
) -> list[Mapping[str, object]]:
    """Every status change of a work order, oldest first (the creation included)."""
    rows = await prepared.fetch(
        session, _ALL_TRANSITIONS, {"org": organization_id, "id": work_order_id}
    )
    return [dict(row) for row in rows]


# The response's columns, for statements that answer with the row they wrote.
RETURNED = ", ".join(column.name for column in COLUMNS)
# The number comes from the organization's sequence (D5 as amended): no row lock, so
# concurrent creates of one tenant do not queue; a rolled-back create leaves a gap.
_INSERT = text(f"""
WITH numbered AS (
  SELECT 'WO-' || lpad(last_number::text, greatest(6, length(last_number::text)), '0') AS number
  FROM app.take_numbers('work_order', 1)
), created AS (
  INSERT INTO work_orders (
    id, organization_id, number, title, description, type, priority, status, location_id,
    site_id, requester_id, team_id, parent_work_order_id, template_id, reported_at, due_at,
    scheduled_start_at, scheduled_end_at, estimated_hours, other_cost, asset_down,
    problem_code_id, cause_code_id, remedy_code_id, status_changed_at, created_by, updated_by)
  SELECT :id, :org, numbered.number, :title, :description, :type, :priority, :status,
    :location_id, :site_id, :requester_id, :team_id, :parent_work_order_id, :template_id,
    coalesce(:reported_at, now()), :due_at, :scheduled_start_at, :scheduled_end_at,
    :estimated_hours, coalesce(:other_cost, 0), :asset_down, :problem_code_id, :cause_code_id,
    :remedy_code_id, now(), :actor, :actor
  FROM numbered
  RETURNING *
), reserved AS (
  INSERT INTO work_order_numbers (organization_id, number, work_order_id)
  SELECT :org, number, id FROM created
), assets AS (
  INSERT INTO work_order_assets (id, organization_id, work_order_id, asset_id)
  SELECT app.uuidv7(), :org, created.id, asset_id
  FROM created, unnest(CAST(:asset_ids AS uuid[])) AS asset_id
), assignees AS (
  INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
  SELECT app.uuidv7(), :org, created.id, user_id
  FROM created, unnest(CAST(:assignee_ids AS uuid[])) AS user_id
), history AS (
  INSERT INTO work_order_transitions (id, organization_id, work_order_id, to_status, actor_id)
  SELECT app.uuidv7(), :org, created.id, :status, :actor FROM created
), event AS (
  INSERT INTO outbox (id, organization_id, event_type, entity_type, entity_id, payload,
                      request_id, actor_id)
  SELECT app.uuidv7(), :org, 'work_order.created', 'work_order', created.id,
         jsonb_build_object('number', created.number, 'status', CAST(:status AS text)),
         :request_id, :actor
  FROM created
)
SELECT {RETURNED} FROM created
""")
INSERT = prepared.prepare(_INSERT)


async def insert(session: AsyncSession, values: Mapping[str, object]) -> dict[str, object]:
    """Writes the work order with its number, links, history entry and event; returns the row
    as a read shows it (the links as a read orders them), so no re-read is needed."""
    row = await prepared.fetchrow(session, INSERT, values)
    assert row is not None, "an INSERT ... SELECT from one taken number writes one row"
    created = dict(row)
    for name in ("asset_ids", "assignee_ids"):
        ids = values[name]
        assert isinstance(ids, list)
        created[name] = sorted(ids)
    return created


async def replace_links(
    session: AsyncSession,
    organization_id: UUID,
    work_order_id: UUID,
    *,
    asset_ids: Sequence[UUID] | None = None,
    assignee_ids: Sequence[UUID] | None = None,
) -> None:
    """Sets the work order's assets and/or assignees to exactly the given ids (a row that stays
    is left alone, so the audit trail shows only what changed)."""
    for link, column, ids in (
        ("work_order_assets", "asset_id", asset_ids),
        ("work_order_assignees", "user_id", assignee_ids),
    ):
        if ids is None:
            continue
        await session.execute(
            text(
                f"WITH gone AS (DELETE FROM {link} WHERE organization_id = :org"
                f" AND work_order_id = :id AND NOT ({column} = ANY(CAST(:ids AS uuid[]))))"
                f" INSERT INTO {link} (id, organization_id, work_order_id, {column})"
                " SELECT app.uuidv7(), :org, :id, x FROM unnest(CAST(:ids AS uuid[])) AS x"
                f" ON CONFLICT (organization_id, work_order_id, {column}) DO NOTHING"
            ),
            {"org": organization_id, "id": work_order_id, "ids": list(ids)},
        )
