"""Teams (C3): crews work is assigned to, a name unique among live teams, optionally bound to
one site; their members are active users who can be given work and, for a site-bound role, who
belong to the team's site."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset
from maintainpro.core.transient import flush_unique
from maintainpro.models import Team
from maintainpro.team import repository
from maintainpro.team.schemas import TeamCreate, TeamFilter, TeamUpdate

DUPLICATE = FieldError("name", "A live team already has this name.", "duplicate")
BY_NAME = Keyset(Team.name, Team.id, str)
MemberRows = list[tuple[UUID, str, str, str]]


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


async def get(
    session: AsyncSession, auth: Authorized, team_id: UUID, *, lock: bool = False
) -> Team:
    statement = repository.live(auth.principal.organization_id).where(Team.id == team_id)
    if lock:
        statement = statement.with_for_update()
    team = await session.scalar(statement)
    if team is None:
        raise NotFound("No such team.")
    return team


async def list_teams(
    session: AsyncSession, auth: Authorized, query: TeamFilter
) -> tuple[list[Team], str | None]:
    statement = repository.live(auth.principal.organization_id)
    if query.site_id is not None:
        statement = statement.where(Team.site_id == query.site_id)
    rows = list(await session.scalars(BY_NAME.page(statement, query.cursor, query.limit)))
    return BY_NAME.split(rows, query.limit)


async def create(session: AsyncSession, auth: Authorized, data: TeamCreate) -> Team:
    org = auth.principal.organization_id
    if data.site_id is not None:
        await _check_site(session, org, data.site_id)
    team = Team(organization_id=org, **data.model_dump())
    session.add(team)
    await _flush(session)
    return team


async def update(
    session: AsyncSession, auth: Authorized, team_id: UUID, data: TeamUpdate, *, version: int | None
) -> Team:
    team = await get(session, auth, team_id, lock=True)
    check_version(version, team.version, what="team")
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise _invalid("name", "Cannot be null.", "null")
    site_id = changes.get("site_id")
    if site_id is not None and site_id != team.site_id:
        await _check_site(session, team.organization_id, site_id)
        current = await repository.member_ids(session, team.organization_id, team.id)
        await _check_members(session, team.organization_id, current, site_id, field="siteId")
    for name, value in changes.items():
        setattr(team, name, value)
    await _flush(session)
    return team


async def delete(session: AsyncSession, auth: Authorized, team_id: UUID) -> None:
    """Soft delete, refused while open work is assigned to the team (its members would keep
    seeing work of a team nobody can assign anything to any more)."""
    team = await get(session, auth, team_id, lock=True)
    if await repository.has_open_work(session, team.organization_id, team.id):
        message = "Open work orders are assigned to this team; reassign or finish them first."
        raise Conflict(message, [FieldError("teamId", message, "has_open_work")])
    team.deleted_at = datetime.now(UTC)
    await session.flush()


async def members(session: AsyncSession, auth: Authorized, team_id: UUID) -> MemberRows:
    team = await get(session, auth, team_id)
    return await repository.members(session, team.organization_id, team.id)


async def replace_members(
    session: AsyncSession,
    auth: Authorized,
    team_id: UUID,
    user_ids: Sequence[UUID],
    *,
    version: int | None,
) -> tuple[Team, MemberRows]:
    """The team's members become exactly `user_ids`; the team gets a new version. The team row
    is locked first, so concurrent replacements apply one after the other."""
    team = await get(session, auth, team_id, lock=True)
    check_version(version, team.version, what="team")
    unique = list(dict.fromkeys(user_ids))
    await _check_members(session, team.organization_id, unique, team.site_id, field="userIds")
    await repository.replace_members(session, team.organization_id, team.id, unique)
    team.updated_at = datetime.now(UTC)
    await session.flush()
    return team, await repository.members(session, team.organization_id, team.id)


async def _check_members(
    session: AsyncSession,
    organization_id: UUID,
    user_ids: Sequence[UUID],
    site_id: UUID | None,
    *,
    field: str,
) -> None:
    """A 422 naming each user who cannot be a member (`userIds[i]`), or, when the check is of
    the present members against a new site (`siteId`), the site."""
    found = await repository.candidates(session, organization_id, user_ids, site_id)
    problems: list[FieldError] = []
    for index, user_id in enumerate(user_ids):
        where = f"{field}[{index}]" if field == "userIds" else field
        if user_id not in found:
            message = "No active user who can be given work has this id."
            problems.append(FieldError(where, message, "not_found"))
        elif not found[user_id]:
            message = f"User {user_id} is bound to sites other than the team's."
            problems.append(FieldError(where, message, "outside_site"))
    if problems:
        raise ValidationFailed("The team's members cannot be these users.", problems)


async def _check_site(session: AsyncSession, organization_id: UUID, site_id: UUID) -> None:
    if not await repository.is_site(session, organization_id, site_id):
        raise _invalid("siteId", "No live site has this id.", "not_found")


async def _flush(session: AsyncSession) -> None:
    await flush_unique(session, DUPLICATE)
