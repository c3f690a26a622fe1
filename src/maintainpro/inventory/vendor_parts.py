"""Who sells a part (`vendor_parts`): the vendor's number, price, lead time and minimum
order; one vendor per part is the preferred one, whose offer prices purchase orders and
reorder proposals."""

from __future__ import annotations

from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.inventory import parts
from maintainpro.inventory.schemas import VendorPartCreate, VendorPartUpdate
from maintainpro.models import Vendor, VendorPart

OFFERED = "This vendor offers the part already; change that offer instead."
REQUIRED = ("price", "currency", "preferred")


async def of_part(session: AsyncSession, auth: Authorized, part_id: UUID) -> list[VendorPart]:
    part = await parts.get(session, auth, part_id)
    rows = await session.scalars(
        select(VendorPart)
        .where(VendorPart.organization_id == part.organization_id, VendorPart.part_id == part.id)
        .order_by(VendorPart.preferred.desc(), VendorPart.price, VendorPart.id)
    )
    return list(rows)


async def get(session: AsyncSession, auth: Authorized, offer_id: UUID) -> VendorPart:
    offer = await session.scalar(
        select(VendorPart).where(
            VendorPart.organization_id == auth.principal.organization_id, VendorPart.id == offer_id
        )
    )
    if offer is None:
        raise NotFound("No such vendor part.")
    return offer


async def _unprefer_others(
    session: AsyncSession, organization_id: UUID, part_id: UUID, keep: UUID | None
) -> None:
    """The part's other offers stop being preferred (the partial unique index allows one),
    before the preferred one is written: no autoflush may write it first."""
    others = update(VendorPart).where(
        VendorPart.organization_id == organization_id,
        VendorPart.part_id == part_id,
        VendorPart.preferred.is_(True),
    )
    if keep is not None:
        others = others.where(VendorPart.id != keep)
    with session.no_autoflush:
        await session.execute(
            others.values(preferred=False).execution_options(synchronize_session=False)
        )


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # the same vendor twice, or two preferred at once
        raise Conflict(OFFERED, [FieldError("vendorId", OFFERED, "taken")]) from exc


async def create(
    session: AsyncSession, auth: Authorized, part_id: UUID, data: VendorPartCreate
) -> VendorPart:
    part = await parts.get(session, auth, part_id)
    vendor = await session.scalar(
        select(Vendor.id).where(
            Vendor.organization_id == part.organization_id,
            Vendor.id == data.vendor_id,
            Vendor.deleted_at.is_(None),
        )
    )
    if vendor is None:
        message = "Not a live vendor of this organization."
        raise ValidationFailed(message, [FieldError("vendorId", message, "unknown")])
    if data.preferred:
        await _unprefer_others(session, part.organization_id, part.id, None)
    offer = VendorPart(organization_id=part.organization_id, part_id=part.id, **data.model_dump())
    session.add(offer)
    await _flush(session)
    return offer


async def change(
    session: AsyncSession,
    auth: Authorized,
    offer_id: UUID,
    data: VendorPartUpdate,
    *,
    version: int | None,
) -> VendorPart:
    offer = await get(session, auth, offer_id)
    check_version(version, offer.version, what="vendor part")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name in REQUIRED:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
        setattr(offer, name, value)
    if offer.preferred:
        await _unprefer_others(session, offer.organization_id, offer.part_id, offer.id)
    await _flush(session)
    return offer


async def remove(session: AsyncSession, auth: Authorized, offer_id: UUID) -> None:
    await session.delete(await get(session, auth, offer_id))
    await session.flush()
