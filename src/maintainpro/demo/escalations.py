"""The demo's escalation rules: unstarted urgent work climbs to the managers, overdue work is
chased through the business day, overdue PM in the north site is re-raised daily."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import acting_for
from maintainpro.core import context
from maintainpro.escalation import service
from maintainpro.escalation.schemas import EscalationRuleCreate
from maintainpro.models import EscalationRule


def _rules(north: UUID) -> list[dict[str, object]]:
    return [
        {
            "name": "Urgent work nobody has started",
            "trigger": "unacknowledged",
            "priorities": ["critical", "high"],
            "levels": [
                {"afterMinutes": 30, "notify": ["supervisors"]},
                {"afterMinutes": 120, "notify": ["managers"], "raisePriority": True},
            ],
            "repeatMinutes": 240,
        },
        {
            "name": "Overdue corrective work",
            "trigger": "overdue",
            "workOrderTypes": ["corrective", "emergency"],
            "clock": "business_hours",
            "levels": [
                {"afterMinutes": 0, "notify": ["assignees", "supervisors"]},
                {"afterMinutes": 540, "notify": ["managers"]},  # a working day late
            ],
        },
        {
            "name": "Overdue PM in the north site",
            "trigger": "overdue",
            "workOrderTypes": ["preventive"],
            "siteId": str(north),
            "levels": [{"afterMinutes": 1440, "notify": ["supervisors"]}],
            "repeatMinutes": 1440,
        },
    ]


async def seed_escalations(
    session: AsyncSession, organization_id: UUID, admin_id: UUID, north: UUID
) -> None:
    """Idempotent: an organization with any rule is left alone. Written by the admin, whom
    the scan acts for."""
    if await session.scalar(
        select(EscalationRule.id).where(EscalationRule.organization_id == organization_id).limit(1)
    ):
        return
    auth = acting_for(admin_id, organization_id)
    with context.scoped(user_id=admin_id):
        for body in _rules(north):
            await service.create(session, auth, EscalationRuleCreate.model_validate(body))
