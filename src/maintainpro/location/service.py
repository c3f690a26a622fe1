"""Sites, buildings, areas and storerooms (C2): a tree per site."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro import tree
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Page, rows_by_id
from maintainpro.location import repository
from maintainpro.location.schemas import (
    LocationCreate,
    LocationFilter,
    LocationRead,
    LocationUpdate,
)
from maintainpro.models import Location

DUPLICATE_CODE = "A live location with this code already exists."


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, "invalid")])


async def get(session: AsyncSession, auth: Authorized, location_id: UUID) -> Location:
    location = await session.scalar(repository.visible(auth).where(Location.id == location_id))
    if location is None:
        raise NotFound("No such location.")
    return location


async def list_locations(
    session: AsyncSession, auth: Authorized, query: LocationFilter
) -> Page[LocationRead]:
    statement = repository.visible(auth)
    for column, value in (
        (Location.kind, query.kind),
        (Location.parent_id, query.parent_id),
        (Location.site_id, query.site_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    rows, next_cursor = await rows_by_id(session, statement, Location.id, query)
    return Page(items=[LocationRead.model_validate(r) for r in rows], next_cursor=next_cursor)


async def _parent(session: AsyncSession, auth: Authorized, parent_id: UUID) -> Location:
    try:
        return await get(session, auth, parent_id)
    except NotFound as exc:
        raise _invalid("parentId", "The parent location does not exist.") from exc


async def create(session: AsyncSession, auth: Authorized, data: LocationCreate) -> Location:
    location = Location(
        id=uuid7(),
        organization_id=auth.principal.organization_id,
        code=data.code,
        name=data.name,
        kind=data.kind,
        description=data.description,
    )
    if data.kind == "site":
        if data.parent_id is not None:
            raise _invalid("parentId", "A site is a root: it has no parent.")
        location.site_id = location.id
    else:
        if data.parent_id is None:
            raise _invalid("parentId", "Everything but a site needs a parent location.")
        parent = await _parent(session, auth, data.parent_id)
        location.parent_id, location.site_id = parent.id, parent.site_id
    session.add(location)
    await _flush_unique(session)
    return location


async def _flush_unique(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(DUPLICATE_CODE, [FieldError("code", DUPLICATE_CODE, "duplicate")]) from exc


async def update(
    session: AsyncSession,
    auth: Authorized,
    location_id: UUID,
    data: LocationUpdate,
    *,
    version: int | None,
) -> Location:
    location = await get(session, auth, location_id)
    check_version(version, location.version, what="location")
    changes = data.model_dump(exclude_unset=True)
    if "parent_id" in changes:
        await _move(session, auth, location, changes.pop("parent_id"))
    for name, value in changes.items():
        if value is None and name != "description":
            raise _invalid(to_camel(name), "Cannot be null.")
        setattr(location, name, value)
    await _flush_unique(session)
    await session.refresh(location, ["site_id"])
    return location


async def _move(
    session: AsyncSession, auth: Authorized, location: Location, parent_id: UUID | None
) -> None:
    if parent_id == location.parent_id:
        return
    if location.kind == "site" or parent_id is None:
        raise _invalid("parentId", "Sites stay roots and everything else keeps a parent.")
    parent = await _parent(session, auth, parent_id)
    await tree.lock(session, Location, location.organization_id)
    if await tree.contains(session, Location, location.organization_id, location.id, parent.id):
        raise Conflict(
            "A location cannot move below itself.",
            [
                FieldError(
                    "parentId", "The new parent lies inside this location's subtree.", "cycle"
                )
            ],
        )
    # The database re-derives the site of the whole subtree and of the assets placed in it
    # (revision 0008); the flush in `update` runs it and the refresh reads it back.
    location.parent_id = parent.id


async def delete(session: AsyncSession, auth: Authorized, location_id: UUID) -> None:
    location = await get(session, auth, location_id)
    if await repository.has_live_children(session, location.organization_id, location.id):
        raise Conflict("The location still has live child locations; move or delete them first.")
    location.deleted_at = datetime.now(UTC)
    await session.flush()
