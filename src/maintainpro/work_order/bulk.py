"""Bulk assign and bulk transition: up to 100 work orders, one savepoint each, so one refused
item does not undo the others; each item reports its own status and problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import AppError
from maintainpro.work_order import service, transitions
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


async def assign(session: AsyncSession, auth: Authorized, body: BulkAssign) -> BulkResult:
    async def one(work_order_id: UUID) -> WorkOrderRead:
        return await assign_to(session, auth, work_order_id, body.assignee_ids, body.team_id)

    return await _each(session, body.ids, one)


async def transition(session: AsyncSession, auth: Authorized, body: BulkTransition) -> BulkResult:
    request = TransitionRequest.model_validate({"to": body.to, "reason": body.reason})

    async def one(work_order_id: UUID) -> WorkOrderRead:
        return await transitions.transition(session, auth, work_order_id, request, version=None)

    return await _each(session, body.ids, one)
