"""/api/v1/teams: crews work is assigned to, and their members (C3)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page
from maintainpro.models import Team
from maintainpro.team import service
from maintainpro.team.schemas import (
    MemberRead,
    MembersReplace,
    TeamCreate,
    TeamFilter,
    TeamMembers,
    TeamRead,
    TeamUpdate,
)
from maintainpro.team.service import MemberRows

router = APIRouter(prefix="/teams", tags=["teams"])

CanRead = Annotated[Authorized, Depends(permission(Resource.TEAM, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.TEAM, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.TEAM, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.TEAM, Action.DELETE))]
CREATE_ROUTE = "POST /teams"


def _one(team: Team, response: Response) -> TeamRead:
    set_etag(response, team.version)
    return TeamRead.model_validate(team)


def _members(team_id: UUID, rows: MemberRows) -> TeamMembers:
    items = [
        MemberRead(user_id=user_id, full_name=name, email=email, role=role)
        for user_id, name, email, role in rows
    ]
    return TeamMembers(team_id=team_id, items=items)


@router.get("")
async def list_teams(
    auth: CanRead, session: DbSession, query: Annotated[TeamFilter, Query()]
) -> Page[TeamRead]:
    rows, next_cursor = await service.list_teams(session, auth, query)
    return Page(items=[TeamRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TeamRead)
async def create_team(
    body: TeamCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TeamRead | Response:
    async def create() -> TeamRead:
        return _one(await service.create(session, auth, body), response)

    return await idempotency.create_once(
        session,
        auth.principal,
        CREATE_ROUTE,
        idempotency_key,
        body,
        response,
        create,
    )


@router.get("/{team_id}")
async def get_team(
    team_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> TeamRead:
    return _one(await service.get(session, auth, team_id), response)


@router.patch("/{team_id}")
async def update_team(
    team_id: UUID,
    body: TeamUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> TeamRead:
    team = await service.update(session, auth, team_id, body, version=expected_version(if_match))
    return _one(team, response)


@router.delete("/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(team_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.delete(session, auth, team_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{team_id}/members")
async def get_members(team_id: UUID, auth: CanRead, session: DbSession) -> TeamMembers:
    return _members(team_id, await service.members(session, auth, team_id))


@router.put("/{team_id}/members")
async def replace_members(
    team_id: UUID,
    body: MembersReplace,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> TeamMembers:
    """Sets the members to exactly `userIds`; the team's ETag changes."""
    team, rows = await service.replace_members(
        session, auth, team_id, body.user_ids, version=expected_version(if_match)
    )
    set_etag(response, team.version)
    return _members(team.id, rows)
