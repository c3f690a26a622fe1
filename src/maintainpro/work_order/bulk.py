"""Bulk assign and bulk transition of up to 100 work orders, each item reporting its own status.

Assignment is one statement for the whole batch: what it sets is the same for every work order,
so only a work order the caller cannot see can fail (404). A transition has rules per work
order, so each runs in its own savepoint and one refused item does not undo the others."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core import context, prepared
from maintainpro.core.errors import AppError, FieldError, ValidationFailed
from maintainpro.work_order import repository, service, transitions
from maintainpro.work_order.machine import SUPERVISORS
from maintainpro.work_order.references import Named, check
from maintainpro.work_order.schemas import (
    BulkAssign,
    BulkItem,
    BulkResult,
    BulkTransition,
    TransitionRequest,
    WorkOrderRead,
    WorkOrderUpdate,
)

Change = Callable[[UUID], Awaitable[WorkOrderRead]]


async def _each(session: AsyncSession, ids: list[UUID], change: Change) -> BulkResult:
    items: list[BulkItem] = []
    for work_order_id in dict.fromkeys(ids):
        try:
            async with session.begin_nested():
                work_order = await change(work_order_id)
        except AppError as exc:
            problem = {"code": exc.code, "detail": exc.detail, **exc.extensions}
            if exc.errors:
                problem["errors"] = [
                    {"field": e.field, "message": e.message, "code": e.code} for e in exc.errors
                ]
            items.append(BulkItem(id=work_order_id, status=exc.status, error=problem))
        else:
            items.append(BulkItem(id=work_order_id, status=200, work_order=work_order))
    return BulkResult(items=items)


async def assign_to(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    assignee_ids: list[UUID] | None,
    team_id: UUID | None,
) -> WorkOrderRead:
    """New work moves to `assigned`; work already under way gets the new assignees (bulk
    assignment and escalations alike)."""
    current = await service.read(session, auth, work_order_id)
    if current.status == "new":
        request = TransitionRequest.model_validate(
            {"to": "assigned", "assigneeIds": assignee_ids, "teamId": team_id}
        )
        return await transitions.transition(session, auth, work_order_id, request, version=None)
    changes: dict[str, object] = {}
    if assignee_ids:
        changes["assigneeIds"] = assignee_ids
    if team_id is not None:
        changes["teamId"] = team_id
    update = WorkOrderUpdate.model_validate(changes)
    return await service.update(session, auth, work_order_id, update, version=None)


# The work orders `repository.lock_many` locked, written by a statement of its own: its
# snapshot, taken once the locks are held, sees what a batch that held them before committed
# (the assignees it wrote included, which a snapshot taken before the wait would miss, keeping
# both batches' people). New work moves to `assigned` with its history entry and event, as a
# single transition would; the assignees become exactly the given ones (rows that stay are
# left alone), the team is set if given.
_ASSIGN = prepared.prepare(
    text(f"""
WITH target AS (
  SELECT w.id, w.status FROM work_orders w
  WHERE w.organization_id = :org AND w.id = ANY(CAST(:ids AS uuid[]))
), changed AS (
  UPDATE work_orders w SET
    status = CASE WHEN t.status = 'new' THEN 'assigned' ELSE w.status END,
    status_changed_at = CASE WHEN t.status = 'new' THEN now() ELSE w.status_changed_at END,
    team_id = coalesce(CAST(:team_id AS uuid), w.team_id),
    version = w.version + 1,
    updated_at = now(),
    updated_by = :actor
  FROM target t
  WHERE w.organization_id = :org AND w.id = t.id
  RETURNING w.*, t.status AS was
), history AS (
  INSERT INTO work_order_transitions
    (id, organization_id, work_order_id, from_status, to_status, actor_id)
  SELECT app.uuidv7(), :org, id, 'new', 'assigned', :actor FROM changed WHERE was = 'new'
), event AS (
  INSERT INTO outbox (id, organization_id, event_type, entity_type, entity_id, payload,
                      request_id, actor_id)
  SELECT app.uuidv7(), :org, 'work_order.status_changed', 'work_order', id,
         jsonb_build_object('number', number, 'from', 'new', 'to', 'assigned', 'reason', NULL),
         :request_id, :actor
  FROM changed WHERE was = 'new'
), gone AS (
  DELETE FROM work_order_assignees l USING changed c
  WHERE :set_assignees AND l.organization_id = :org AND l.work_order_id = c.id
    AND NOT (l.user_id = ANY(CAST(:assignee_ids AS uuid[])))
), added AS (
  INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
  SELECT app.uuidv7(), :org, c.id, u FROM changed c, unnest(CAST(:assignee_ids AS uuid[])) u
  ON CONFLICT (organization_id, work_order_id, user_id) DO NOTHING
)
SELECT {repository.RETURNED},
  array(SELECT l.asset_id FROM work_order_assets l WHERE l.organization_id = :org
        AND l.work_order_id = changed.id ORDER BY l.asset_id) AS asset_ids,
  CASE WHEN :set_assignees
       THEN array(SELECT u FROM unnest(CAST(:assignee_ids AS uuid[])) u ORDER BY u)
       ELSE array(SELECT l.user_id FROM work_order_assignees l WHERE l.organization_id = :org
                  AND l.work_order_id = changed.id ORDER BY l.user_id)
  END AS assignee_ids
FROM changed
""")
)
_MISSING = {"code": "not_found", "detail": "No such work order."}


async def assign(session: AsyncSession, auth: Authorized, body: BulkAssign) -> BulkResult:
    """Assigns every work order the caller can see to the same people and/or team; the people
    and the team are checked once, and a batch naming an unusable one is refused whole."""
    principal = auth.principal
    field = "assigneeIds" if body.assignee_ids else "teamId"
    if principal.role not in SUPERVISORS:
        message = "Only supervisors and above assign work."
        raise ValidationFailed(message, [FieldError(field, message, "not_allowed")])
    assignees = list(dict.fromkeys(body.assignee_ids or ()))
    await check(session, auth, Named(assignee_ids=assignees, team_id=body.team_id))
    ids = list(dict.fromkeys(body.ids))
    locked = await repository.lock_many(session, auth, ids)
    params = {
        "org": principal.organization_id,
        "ids": locked,
        "team_id": body.team_id,
        "set_assignees": bool(assignees),
        "assignee_ids": assignees,
        "actor": principal.user_id,
        "request_id": context.current().request_id,
    }
    rows = await prepared.fetch(session, _ASSIGN, params)
    done = {row["id"]: WorkOrderRead.model_validate(dict(row)) for row in rows}
    return BulkResult(
        items=[
            BulkItem(id=i, status=200, work_order=done[i])
            if i in done
            else BulkItem(id=i, status=404, error=_MISSING)
            for i in ids
        ]
    )


async def transition(session: AsyncSession, auth: Authorized, body: BulkTransition) -> BulkResult:
    request = TransitionRequest.model_validate({"to": body.to, "reason": body.reason})

    async def one(work_order_id: UUID) -> WorkOrderRead:
        return await transitions.transition(session, auth, work_order_id, request, version=None)

    return await _each(session, body.ids, one)
