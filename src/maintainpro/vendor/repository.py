"""Vendor and contractor queries: always tenant-scoped; geo goes through the definer functions
of revision 0004 (D3), one per table."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import Contractor, User, Vendor

P = TypeVar("P", Vendor, Contractor)


def live(model: type[P], organization_id: UUID) -> Select[P]:
    return select(model).where(model.organization_id == organization_id, model.deleted_at.is_(None))


async def nearby(
    session: AsyncSession,
    model: type[Vendor] | type[Contractor],
    *,
    lat: float,
    lng: float,
    radius_m: float,
    limit: int,
) -> list[tuple[UUID, float]]:
    """(id, metres) nearest first; the function name comes from our own table name."""
    rows = await session.execute(
        text(
            f"SELECT id, distance_m FROM app.nearby_{model.__tablename__}"
            "(:lat, :lng, :radius, :limit)"
        ),
        {"lat": lat, "lng": lng, "radius": radius_m, "limit": limit},
    )
    return [(row[0], float(row[1])) for row in rows]


async def live_user_role(session: AsyncSession, organization_id: UUID, user_id: UUID) -> str | None:
    role: str | None = await session.scalar(
        select(User.role).where(
            User.organization_id == organization_id,
            User.id == user_id,
            User.deleted_at.is_(None),
        )
    )
    return role


async def live_vendor_exists(session: AsyncSession, organization_id: UUID, vendor_id: UUID) -> bool:
    found = await session.scalar(
        select(Vendor.id).where(
            Vendor.organization_id == organization_id,
            Vendor.id == vendor_id,
            Vendor.deleted_at.is_(None),
        )
    )
    return found is not None
