"""Crafts (trades) and their hourly rates, per organization."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import PageQuery, rows_by_id
from maintainpro.craft.schemas import CraftCreate, CraftUpdate
from maintainpro.models import Craft, User

NAME_TAKEN = "A craft of that name exists already."


def _live(organization_id: UUID) -> Select[Craft]:
    return select(Craft).where(Craft.organization_id == organization_id, Craft.deleted_at.is_(None))


async def get(session: AsyncSession, auth: Authorized, craft_id: UUID) -> Craft:
    craft = await session.scalar(_live(auth.principal.organization_id).where(Craft.id == craft_id))
    if craft is None:
        raise NotFound("No such craft.")
    return craft


async def list_crafts(
    session: AsyncSession, auth: Authorized, query: PageQuery
) -> tuple[list[Craft], str | None]:
    return await rows_by_id(session, _live(auth.principal.organization_id), Craft.id, query)


async def _flush_named(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(NAME_TAKEN, [FieldError("name", NAME_TAKEN, "taken")]) from exc


async def create(session: AsyncSession, auth: Authorized, data: CraftCreate) -> Craft:
    craft = Craft(organization_id=auth.principal.organization_id, **data.model_dump())
    session.add(craft)
    await _flush_named(session)
    return craft


async def update_craft(
    session: AsyncSession,
    auth: Authorized,
    craft_id: UUID,
    data: CraftUpdate,
    *,
    version: int | None,
) -> Craft:
    craft = await get(session, auth, craft_id)
    check_version(version, craft.version, what="craft")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
        setattr(craft, name, value)
    await _flush_named(session)
    return craft


async def delete(session: AsyncSession, auth: Authorized, craft_id: UUID) -> None:
    """Soft delete; its people keep their own rates but no longer belong to it. Entries made
    in the craft keep their rate and their craft reference."""
    craft = await get(session, auth, craft_id)
    craft.deleted_at = datetime.now(UTC)
    await session.flush()
    await session.execute(
        update(User)
        .where(User.organization_id == craft.organization_id, User.craft_id == craft.id)
        .values(craft_id=None)
        .execution_options(synchronize_session=False)
    )


async def check_live(session: AsyncSession, organization_id: UUID, craft_id: UUID) -> None:
    """A craft a person or an entry may name: a live one of the organization."""
    found = await session.scalar(_live(organization_id).where(Craft.id == craft_id))
    if found is None:
        message = "Not a craft of this organization."
        raise ValidationFailed(message, [FieldError("craftId", message, "unknown")])
