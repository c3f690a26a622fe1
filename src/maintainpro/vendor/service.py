"""Vendors and contractors (C5): one set of rules for both tables, parameterised by a `Kind`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Select, any_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset
from maintainpro.core.transient import sqlstate
from maintainpro.models import Contractor, Vendor
from maintainpro.vendor import repository
from maintainpro.vendor.repository import P
from maintainpro.vendor.schemas import NearbyQuery, PartnerCreate, PartnerFilter, PartnerUpdate

UNIQUE_VIOLATION = "23505"
POSITION = ("latitude", "longitude")


@dataclass(frozen=True, slots=True)
class Kind(Generic[P]):
    """What differs between the two tables; everything else is shared."""

    model: type[P]
    label: str
    tags: InstrumentedAttribute[list[str]]
    # The table's one unique index besides the keys (a live code or a live user link), as the
    # client sees a violation of it.
    unique: FieldError
    # Columns a PATCH may change but never null.
    required: frozenset[str]
    check_links: Callable[[AsyncSession, P, Set[str]], Awaitable[None]] | None = None


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


async def get(session: AsyncSession, auth: Authorized, kind: Kind[P], partner_id: UUID) -> P:
    model = kind.model
    partner = await session.scalar(
        repository.live(model, auth.principal.organization_id).where(model.id == partner_id)
    )
    if partner is None:
        raise NotFound(f"No such {kind.label}.")
    return partner


def page_statement(
    auth: Authorized, kind: Kind[P], query: PartnerFilter, *, tag: str | None
) -> Select[P]:
    """The statement one page runs: filters, keyset over (name, id), sort."""
    model = kind.model
    statement = repository.live(model, auth.principal.organization_id)
    if query.status is not None:
        statement = statement.where(model.status == query.status)
    if tag is not None:
        statement = statement.where(any_(kind.tags) == tag)
    return _by_name(model).page(statement, query.cursor, query.limit)


async def list_partners(
    session: AsyncSession,
    auth: Authorized,
    kind: Kind[P],
    query: PartnerFilter,
    *,
    tag: str | None,
) -> tuple[list[P], str | None]:
    """One page by (name, id) and the cursor of the next one, if any."""
    rows = list(await session.scalars(page_statement(auth, kind, query, tag=tag)))
    return _by_name(kind.model).split(rows, query.limit)


def _by_name(model: type[P]) -> Keyset[str]:
    return Keyset(model.name, model.id, str)


async def create(session: AsyncSession, auth: Authorized, kind: Kind[P], data: PartnerCreate) -> P:
    partner = kind.model(organization_id=auth.principal.organization_id, **data.model_dump())
    await _validate(session, kind, partner, data.model_fields_set)
    session.add(partner)
    await _flush(session, kind)
    return partner


async def update(
    session: AsyncSession,
    auth: Authorized,
    kind: Kind[P],
    partner_id: UUID,
    data: PartnerUpdate,
    *,
    version: int | None,
) -> P:
    partner = await get(session, auth, kind, partner_id)
    check_version(version, partner.version, what=kind.label)
    changes = data.model_dump(exclude_unset=True)
    for name in kind.required & changes.keys():
        if changes[name] is None:
            raise _invalid(to_camel(name), "Cannot be null.", "null")
    for name, value in changes.items():
        setattr(partner, name, value)
    await _validate(session, kind, partner, changes.keys())
    await _flush(session, kind)
    return partner


async def delete(session: AsyncSession, auth: Authorized, kind: Kind[P], partner_id: UUID) -> None:
    """Soft delete: the row stays for history; its code or user link is free again."""
    partner = await get(session, auth, kind, partner_id)
    partner.deleted_at = datetime.now(UTC)
    await session.flush()


async def nearby(
    session: AsyncSession, auth: Authorized, kind: Kind[P], query: NearbyQuery
) -> list[tuple[P, float]]:
    """Nearest first, each with its distance in metres."""
    model = kind.model
    found = await repository.nearby(
        session, model, lat=query.lat, lng=query.lng, radius_m=query.radius_m, limit=query.limit
    )
    rows = await session.scalars(
        repository.live(model, auth.principal.organization_id).where(
            model.id.in_([partner_id for partner_id, _ in found])
        )
    )
    by_id = {row.id: row for row in rows}
    return [(by_id[pid], distance) for pid, distance in found if pid in by_id]


async def _validate(session: AsyncSession, kind: Kind[P], partner: P, changed: Set[str]) -> None:
    """Checks over the resulting row. No autoflush meanwhile, so nothing half-checked reaches
    the database (and a bad reference is a 422, not a foreign-key error)."""
    _check_position(partner, changed)
    if kind.check_links is not None:
        with session.no_autoflush:
            await kind.check_links(session, partner, changed)


def _check_position(partner: Vendor | Contractor, changed: Set[str]) -> None:
    """Both coordinates or neither; the error names the one the client left out or nulled."""
    if (partner.latitude is None) == (partner.longitude is None):
        return
    unsent = [name for name in POSITION if name not in changed]
    if len(unsent) != 1:
        unsent = ["latitude" if partner.latitude is None else "longitude"]
    raise _invalid(unsent[0], "Latitude and longitude are both set or both null.", "incomplete")


async def _flush(session: AsyncSession, kind: Kind[P]) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        raise Conflict(kind.unique.message, [kind.unique]) from exc


async def _check_contractor_links(
    session: AsyncSession, contractor: Contractor, changed: Set[str]
) -> None:
    org = contractor.organization_id
    if "user_id" in changed and contractor.user_id is not None:
        role = await repository.live_user_role(session, org, contractor.user_id)
        if role != "contractor":
            raise _invalid(
                "userId", "Link a live user of this organization with the contractor role."
            )
    vendor_id = contractor.vendor_id if "vendor_id" in changed else None
    if vendor_id is not None and not await repository.live_vendor_exists(session, org, vendor_id):
        raise _invalid("vendorId", "No such vendor in this organization.")


VENDORS = Kind(
    model=Vendor,
    label="vendor",
    tags=Vendor.services,
    unique=FieldError("code", "A live vendor already uses this code.", "duplicate"),
    required=frozenset({"name", "status", "contacts", "services"}),
)
CONTRACTORS = Kind(
    model=Contractor,
    label="contractor",
    tags=Contractor.trades,
    unique=FieldError(
        "userId", "Another live contractor is already linked to this user.", "duplicate"
    ),
    required=frozenset({"name", "status", "contacts", "trades"}),
    check_links=_check_contractor_links,
)
