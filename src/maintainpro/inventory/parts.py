"""The parts catalogue: one entry per part number among an organization's live parts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Float, Select, Uuid, bindparam, column, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page, decode_position, split_page
from maintainpro.inventory.schemas import PartCreate, PartQuery, PartRead, PartUpdate
from maintainpro.models import Part, PartStock, VendorPart

NUMBER_TAKEN = "A live part with this part number exists already."
REQUIRED = ("part_number", "name", "unit", "criticality", "default_unit_cost")
BY_NAME = Keyset(Part.name, Part.id, str)


def live(organization_id: UUID) -> Select[Part]:
    return select(Part).where(Part.organization_id == organization_id, Part.deleted_at.is_(None))


async def get(session: AsyncSession, auth: Authorized, part_id: UUID) -> Part:
    part = await session.scalar(live(auth.principal.organization_id).where(Part.id == part_id))
    if part is None:
        raise NotFound("No such part.")
    return part


async def _flush_numbered(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(NUMBER_TAKEN, [FieldError("partNumber", NUMBER_TAKEN, "taken")]) from exc


async def create(session: AsyncSession, auth: Authorized, data: PartCreate) -> Part:
    part = Part(organization_id=auth.principal.organization_id, **data.model_dump())
    session.add(part)
    await _flush_numbered(session)
    return part


async def update(
    session: AsyncSession, auth: Authorized, part_id: UUID, data: PartUpdate, *, version: int | None
) -> Part:
    part = await get(session, auth, part_id)
    check_version(version, part.version, what="part")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name in REQUIRED:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
        setattr(part, name, value)
    await _flush_numbered(session)
    return part


async def delete(session: AsyncSession, auth: Authorized, part_id: UUID) -> None:
    """Soft delete: its stock rows and ledger stay (history); its number is free again."""
    part = await get(session, auth, part_id)
    part.deleted_at = datetime.now(UTC)
    await session.flush()


# A list's columns: what a part shows, read as rows (no ORM entity per part).
LIST_COLUMNS = [Part.__table__.c[name] for name in PartRead.model_fields]


def _filtered(auth: Authorized, query: PartQuery) -> Select[Any]:
    org = auth.principal.organization_id
    statement = select(*LIST_COLUMNS).where(Part.organization_id == org, Part.deleted_at.is_(None))
    if query.category is not None:
        statement = statement.where(Part.category == query.category)
    if query.barcode is not None:
        statement = statement.where(Part.barcode == query.barcode)
    if query.storeroom_id is not None or query.below_reorder_point:
        stocked = select(PartStock.id).where(
            PartStock.organization_id == org, PartStock.part_id == Part.id
        )
        if query.storeroom_id is not None:
            stocked = stocked.where(PartStock.storeroom_id == query.storeroom_id)
        if query.below_reorder_point:
            stocked = stocked.where(
                PartStock.on_hand - PartStock.reserved <= PartStock.reorder_point
            )
        statement = statement.where(stocked.exists())
    if query.vendor_id is not None:
        offered = select(VendorPart.id).where(
            VendorPart.organization_id == org,
            VendorPart.part_id == Part.id,
            VendorPart.vendor_id == query.vendor_id,
        )
        statement = statement.where(offered.exists())
    return statement


def page_statement(auth: Authorized, query: PartQuery) -> Select[Any]:
    """A page of the catalogue in name order (`q` absent)."""
    return BY_NAME.page(_filtered(auth, query), query.cursor, query.limit)


def search_statement(auth: Authorized, query: PartQuery) -> Select[Any]:
    """Best matches first, then id; the definer function ranks and applies the cursor."""
    rank, last_id = decode_position(query.cursor, float) if query.cursor else (None, None)
    matches: Any = (
        func.app.search_parts(
            bindparam("query", query.q),
            bindparam("after_rank", rank, type_=Float),
            bindparam("after_id", last_id, type_=Uuid),
        )
        .table_valued(column("id", Uuid), column("rank", Float))
        .alias("matches")
    )
    return (
        _filtered(auth, query)
        .add_columns(matches.c.rank)
        .join(matches, matches.c.id == Part.id)
        .order_by(matches.c.rank.desc(), matches.c.id)
        .limit(query.limit + 1)
    )


async def list_parts(session: AsyncSession, auth: Authorized, query: PartQuery) -> Page[PartRead]:
    if query.q is not None:
        rows = (await session.execute(search_statement(auth, query))).all()
        found, next_cursor = split_page(rows, query.limit, lambda row: (repr(row.rank), row.id))
        return Page(items=[PartRead.model_validate(row) for row in found], next_cursor=next_cursor)
    parts = list(await session.execute(page_statement(auth, query)))
    page, next_cursor = BY_NAME.split(parts, query.limit)
    return Page(items=[PartRead.model_validate(part) for part in page], next_cursor=next_cursor)
