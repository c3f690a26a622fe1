"""The spare parts of an asset (`asset_parts`): which parts fit it and how many it takes.
Read by whoever may read the asset; kept by whoever manages the catalogue."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.asset import service as assets
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.inventory import parts
from maintainpro.inventory.schemas import AssetPartRead
from maintainpro.models import Asset, AssetPart, Part

# One row per fit, with what the stores have of it in every storeroom.
_FITS = text("""
SELECT f.part_id, p.part_number, p.name, p.unit, f.quantity,
       coalesce((SELECT sum(s.on_hand - s.reserved) FROM parts_inventory s
                 WHERE s.organization_id = f.organization_id AND s.part_id = f.part_id), 0)
         AS available
FROM asset_parts f JOIN parts p ON p.organization_id = f.organization_id AND p.id = f.part_id
WHERE f.organization_id = :org AND f.asset_id = :asset AND p.deleted_at IS NULL
ORDER BY p.part_number
""")


async def of_asset(session: AsyncSession, auth: Authorized, asset_id: UUID) -> list[AssetPartRead]:
    asset = await assets.get(session, auth, asset_id)  # the caller's asset scope applies
    rows = await session.execute(_FITS, {"org": asset.organization_id, "asset": asset.id})
    return [AssetPartRead.model_validate(dict(row._mapping)) for row in rows]


async def _asset(session: AsyncSession, auth: Authorized, asset_id: UUID) -> Asset:
    """An asset of the organization (catalogue keepers fit parts to any of them)."""
    return await assets.get(session, Authorized(auth.principal, Scope.ALL), asset_id)


async def fit(
    session: AsyncSession, auth: Authorized, asset_id: UUID, part_id: UUID, quantity: Decimal
) -> None:
    """PUT: the part fits the asset, `quantity` of it (created or changed)."""
    asset = await _asset(session, auth, asset_id)
    try:
        part: Part = await parts.get(session, auth, part_id)
    except NotFound as exc:
        raise ValidationFailed(
            "No such part.", [FieldError("partId", "Not a live part.", "unknown")]
        ) from exc
    found = await session.scalar(
        select(AssetPart).where(
            AssetPart.organization_id == asset.organization_id,
            AssetPart.asset_id == asset.id,
            AssetPart.part_id == part.id,
        )
    )
    if found is None:
        session.add(
            AssetPart(
                organization_id=asset.organization_id,
                asset_id=asset.id,
                part_id=part.id,
                quantity=quantity,
            )
        )
    else:
        found.quantity = quantity
    await session.flush()


async def unfit(session: AsyncSession, auth: Authorized, asset_id: UUID, part_id: UUID) -> None:
    asset = await _asset(session, auth, asset_id)
    removed = await session.execute(
        delete(AssetPart).where(
            AssetPart.organization_id == asset.organization_id,
            AssetPart.asset_id == asset.id,
            AssetPart.part_id == part_id,
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]  # CursorResult for DML
        raise NotFound("This part is not fitted to the asset.")
