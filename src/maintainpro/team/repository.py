"""Team SQL: tenant-scoped; the member checks are one statement."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import Team, TeamMember, User
from maintainpro.models.user import SITE_BOUND_ROLES

OPEN_STATUSES = ("new", "assigned", "in_progress", "on_hold")

# Each named user that can be a member: live, active, one who can be given work (a requester
# cannot), and whether they may work in `site` (not site-bound, or bound to it).
_CANDIDATES = text(f"""
SELECT u.id,
       (CAST(:site AS uuid) IS NULL OR u.role NOT IN {tuple(sorted(SITE_BOUND_ROLES))}
        OR EXISTS (SELECT 1 FROM user_sites s WHERE s.organization_id = u.organization_id
                     AND s.user_id = u.id AND s.location_id = CAST(:site AS uuid))) AS in_site
FROM users u
WHERE u.organization_id = :org AND u.id = ANY(CAST(:ids AS uuid[]))
  AND u.deleted_at IS NULL AND u.is_active AND u.role <> 'requester'
""")


def live(organization_id: UUID) -> Select[Team]:
    return select(Team).where(Team.organization_id == organization_id, Team.deleted_at.is_(None))


async def candidates(
    session: AsyncSession, organization_id: UUID, user_ids: Sequence[UUID], site_id: UUID | None
) -> dict[UUID, bool]:
    """user id -> may work in the site, for the named users that can be members at all."""
    rows = await session.execute(
        _CANDIDATES, {"org": organization_id, "ids": list(user_ids), "site": site_id}
    )
    return {row.id: bool(row.in_site) for row in rows}


async def member_ids(session: AsyncSession, organization_id: UUID, team_id: UUID) -> list[UUID]:
    rows = await session.scalars(
        select(TeamMember.user_id).where(
            TeamMember.organization_id == organization_id, TeamMember.team_id == team_id
        )
    )
    return list(rows)


async def members(
    session: AsyncSession, organization_id: UUID, team_id: UUID
) -> list[tuple[UUID, str, str, str]]:
    rows = await session.execute(
        select(User.id, User.full_name, User.email, User.role)
        .join(
            TeamMember,
            (TeamMember.organization_id == User.organization_id) & (TeamMember.user_id == User.id),
        )
        .where(TeamMember.organization_id == organization_id, TeamMember.team_id == team_id)
        .order_by(User.full_name, User.id)
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def replace_members(
    session: AsyncSession, organization_id: UUID, team_id: UUID, user_ids: Sequence[UUID]
) -> None:
    """Exactly these members; a membership that stays is left alone (the audit trail shows only
    who joined and who left)."""
    await session.execute(
        text(
            "WITH gone AS (DELETE FROM team_members WHERE organization_id = :org"
            " AND team_id = :team AND NOT (user_id = ANY(CAST(:ids AS uuid[]))))"
            " INSERT INTO team_members (id, organization_id, team_id, user_id)"
            " SELECT app.uuidv7(), :org, :team, x FROM unnest(CAST(:ids AS uuid[])) AS x"
            " ON CONFLICT (team_id, user_id) DO NOTHING"
        ),
        {"org": organization_id, "team": team_id, "ids": list(user_ids)},
    )


async def has_open_work(session: AsyncSession, organization_id: UUID, team_id: UUID) -> bool:
    found = await session.scalar(
        text(
            "SELECT EXISTS (SELECT 1 FROM work_orders WHERE organization_id = :org"
            " AND team_id = :team AND deleted_at IS NULL"
            " AND status = ANY(CAST(:open AS text[])))"
        ),
        {"org": organization_id, "team": team_id, "open": list(OPEN_STATUSES)},
    )
    return bool(found)


async def is_site(session: AsyncSession, organization_id: UUID, location_id: UUID) -> bool:
    found = await session.scalar(
        text(
            "SELECT EXISTS (SELECT 1 FROM locations WHERE organization_id = :org AND id = :id"
            " AND site_id = id AND deleted_at IS NULL)"
        ),
        {"org": organization_id, "id": location_id},
    )
    return bool(found)
