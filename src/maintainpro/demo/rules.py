"""The demo's rules: critical work at the North Plant goes to its mechanical crew, and the
manager hears when a critical spare runs low. Read through the API's own schema."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.demo.work import TEAMS
from maintainpro.models import Rule, Team
from maintainpro.rules import service as rules
from maintainpro.rules.schemas import RuleCreate


def demo_rules(team_id: UUID, site_id: UUID) -> list[dict[str, object]]:
    """The rules as a client would post them."""
    return [
        {
            "name": "Critical work goes to the North mechanical crew",
            "description": "Critical work orders of the North Plant are given to its crew.",
            "event": "work_order.created",
            "conditions": [
                {"field": "priority", "op": "equals", "value": "critical"},
                {"field": "siteId", "op": "equals", "value": str(site_id)},
            ],
            "actions": [{"type": "assign_team", "teamId": str(team_id)}],
        },
        {
            "name": "Tell the manager when a critical spare runs low",
            "event": "part.low_stock",
            "conditions": [{"field": "criticality", "op": "in", "value": ["high", "critical"]}],
            "actions": [{"type": "notify", "roles": ["manager"]}],
        },
    ]


async def seed_rules(session: AsyncSession, organization_id: UUID) -> None:
    """Idempotent: an organization with any rule is left alone."""
    if await session.scalar(
        select(Rule.id).where(Rule.organization_id == organization_id).limit(1)
    ):
        return
    crew = (
        await session.execute(
            select(Team.id, Team.site_id).where(
                Team.organization_id == organization_id,
                Team.name == TEAMS[0][0],
                Team.deleted_at.is_(None),
            )
        )
    ).one()
    for position, shown in enumerate(demo_rules(crew.id, crew.site_id)):
        data = RuleCreate.model_validate({**shown, "position": position})
        session.add(rules.new_rule(organization_id, data))
    await session.flush()
