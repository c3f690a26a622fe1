"""Failure codes (C3): problem, cause and remedy lists per organization, a code unique per kind
among live rows, optionally for one asset category only."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset
from maintainpro.core.transient import flush_unique
from maintainpro.failure_code.schemas import (
    FailureCodeCreate,
    FailureCodeFilter,
    FailureCodeUpdate,
)
from maintainpro.models import FailureCode

DUPLICATE = FieldError(
    "code", "A live failure code of this kind already uses this code.", "duplicate"
)
REQUIRED = frozenset({"kind", "code", "name"})
# Listed by code within a kind (the live unique index serves a kind's list), then by id.
BY_CODE = Keyset(FailureCode.code, FailureCode.id, str)


def _live(organization_id: UUID) -> Select[FailureCode]:
    return select(FailureCode).where(
        FailureCode.organization_id == organization_id, FailureCode.deleted_at.is_(None)
    )


async def get(session: AsyncSession, auth: Authorized, code_id: UUID) -> FailureCode:
    row = await session.scalar(
        _live(auth.principal.organization_id).where(FailureCode.id == code_id)
    )
    if row is None:
        raise NotFound("No such failure code.")
    return row


async def list_codes(
    session: AsyncSession, auth: Authorized, query: FailureCodeFilter
) -> tuple[list[FailureCode], str | None]:
    statement = _live(auth.principal.organization_id)
    if query.kind is not None:
        statement = statement.where(FailureCode.kind == query.kind)
    if query.asset_category is not None:
        statement = statement.where(
            or_(
                FailureCode.asset_category == query.asset_category,
                FailureCode.asset_category.is_(None),
            )
        )
    rows = list(await session.scalars(BY_CODE.page(statement, query.cursor, query.limit)))
    return BY_CODE.split(rows, query.limit)


async def create(session: AsyncSession, auth: Authorized, data: FailureCodeCreate) -> FailureCode:
    row = FailureCode(organization_id=auth.principal.organization_id, **data.model_dump())
    session.add(row)
    await _flush(session)
    return row


async def update(
    session: AsyncSession,
    auth: Authorized,
    code_id: UUID,
    data: FailureCodeUpdate,
    *,
    version: int | None,
) -> FailureCode:
    row = await get(session, auth, code_id)
    check_version(version, row.version, what="failure code")
    changes = data.model_dump(exclude_unset=True)
    for name in sorted(REQUIRED & changes.keys()):
        if changes[name] is None:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
    for name, value in changes.items():
        setattr(row, name, value)
    await _flush(session)
    return row


async def delete(session: AsyncSession, auth: Authorized, code_id: UUID) -> None:
    """Soft delete: work orders that name the code keep it; its code is free again."""
    row = await get(session, auth, code_id)
    row.deleted_at = datetime.now(UTC)
    await session.flush()


async def _flush(session: AsyncSession) -> None:
    await flush_unique(session, DUPLICATE)
