"""What an escalation does to its work order, by a rule's level or by hand: reassign, raise the
priority, tell people, and announce it on the outbox (`work_order.escalated`). The changes go
through the work order service, so they are checked, versioned and audited like any edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import AppError
from maintainpro.models import WorkOrderEscalation
from maintainpro.models.work_order import PRIORITIES
from maintainpro.notification.audience import DOERS, SITE_SUPERVISORS
from maintainpro.notification.service import Message, notify
from maintainpro.outbox import service as outbox_service
from maintainpro.work_order import bulk, service
from maintainpro.work_order.schemas import WorkOrderRead, WorkOrderUpdate

EVENT = "work_order.escalated"
AUDIENCES = ("assignees", "requester", "supervisors", "managers")

# The people of each audience for one work order, in one statement.
_AUDIENCE = text(f"""
SELECT array(
  SELECT d.user_id FROM ({DOERS}) AS d WHERE :assignees
  UNION
  SELECT w.requester_id WHERE :requester AND w.requester_id IS NOT NULL
  UNION
  SELECT s.id FROM ({SITE_SUPERVISORS}) AS s WHERE :supervisors
  UNION
  SELECT u.id FROM users u
  WHERE :managers AND u.organization_id = w.organization_id AND u.role = 'manager'
    AND u.deleted_at IS NULL AND u.is_active)
FROM work_orders w
WHERE w.organization_id = :org AND w.id = :id
""")


@dataclass
class Plan:
    """What one escalation is to do."""

    audiences: frozenset[str] = frozenset()
    user_ids: list[UUID] = field(default_factory=list)
    reassign_user_id: UUID | None = None
    reassign_team_id: UUID | None = None
    raise_priority: bool = False
    priority: str | None = None  # by hand: straight to this priority


def raised(priority: str) -> str:
    """One step up; critical stays critical."""
    return PRIORITIES[min(PRIORITIES.index(priority) + 1, len(PRIORITIES) - 1)]


async def recipients(
    session: AsyncSession, work_order: WorkOrderRead, audiences: frozenset[str]
) -> list[UUID]:
    if not audiences:
        return []
    found = await session.scalar(
        _AUDIENCE,
        {
            "org": work_order.organization_id,
            "id": work_order.id,
            **{name: name in audiences for name in AUDIENCES},
        },
    )
    return list(found or [])


async def _change(
    session: AsyncSession, auth: Authorized, work_order: WorkOrderRead, plan: Plan
) -> tuple[WorkOrderRead, dict[str, Any]]:
    """Reassignment, then the priority; a refused change is recorded, not raised: the
    escalation (and whom it tells) stands."""
    done: dict[str, Any] = {}
    if plan.reassign_user_id or plan.reassign_team_id:
        user_ids = [plan.reassign_user_id] if plan.reassign_user_id else None
        try:
            async with session.begin_nested():
                work_order = await bulk.assign_to(
                    session, auth, work_order.id, user_ids, plan.reassign_team_id
                )
            key = "reassignedTo" if plan.reassign_user_id else "reassignedToTeam"
            done[key] = str(plan.reassign_user_id or plan.reassign_team_id)
        except AppError as exc:
            done["reassignError"] = exc.detail
    target = plan.priority or (raised(work_order.priority) if plan.raise_priority else None)
    if target and target != work_order.priority:
        try:
            async with session.begin_nested():
                changed = await service.update(
                    session,
                    auth,
                    work_order.id,
                    WorkOrderUpdate.model_validate({"priority": target}),
                    version=None,
                )
            done["priority"] = {"from": work_order.priority, "to": target}
            work_order = changed
        except AppError as exc:
            done["priorityError"] = exc.detail
    return work_order, done


async def apply(
    session: AsyncSession,
    auth: Authorized,
    work_order: WorkOrderRead,
    escalation: WorkOrderEscalation,
    plan: Plan,
) -> dict[str, Any]:
    """Carries out `plan` for the recorded `escalation` and stores what it did."""
    work_order, done = await _change(session, auth, work_order, plan)
    everyone = [*await recipients(session, work_order, plan.audiences), *plan.user_ids]
    told = [user for user in dict.fromkeys(everyone) if user != escalation.escalated_by]
    level = f"level {escalation.level}" if escalation.kind == "automatic" else "by hand"
    message = Message(
        type="escalation",
        title=f"{work_order.number} escalated ({level}): {work_order.title}",
        body=escalation.reason,
        entity_type="work_order",
        entity_id=work_order.id,
    )
    await notify(session, work_order.organization_id, told, message, event_id=escalation.id)
    done["notified"] = [str(user) for user in told]
    escalation.actions = done
    await outbox_service.emit(
        session,
        event_type=EVENT,
        entity_type="work_order",
        entity_id=work_order.id,
        payload={
            "escalationId": str(escalation.id),
            "ruleId": str(escalation.rule_id) if escalation.rule_id else None,
            "kind": escalation.kind,
            "level": escalation.level,
            "sequence": escalation.sequence,
            "priority": work_order.priority,
        },
    )
    await session.flush()
    return done
