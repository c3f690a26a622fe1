"""What an hour of someone's labor costs, resolved when the entry is made and stored on it:
the person's own rate, else their craft's (the entry's craft when it names one). A later rate
change prices later entries only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.craft.service import check_live
from maintainpro.models import Craft, User


@dataclass(frozen=True, slots=True)
class Priced:
    craft_id: UUID | None
    hourly_rate: Decimal | None


async def resolve(
    session: AsyncSession, organization_id: UUID, user_id: UUID, craft_id: UUID | None
) -> Priced:
    """The craft and rate of an entry `user_id` makes now; `craft_id` overrides their craft.
    The person must be a live user of the organization."""
    if craft_id is not None:
        await check_live(session, organization_id, craft_id)
    craft = func.coalesce(craft_id, User.craft_id)
    row = (
        await session.execute(
            select(craft.label("craft_id"), User.hourly_rate, Craft.hourly_rate.label("craft_rate"))
            .outerjoin(
                Craft,
                and_(
                    Craft.organization_id == User.organization_id,
                    Craft.id == craft,
                    Craft.deleted_at.is_(None),
                ),
            )
            .where(
                User.organization_id == organization_id,
                User.id == user_id,
                User.deleted_at.is_(None),
            )
        )
    ).one_or_none()
    if row is None:
        message = "Not a user of this organization."
        raise ValidationFailed(message, [FieldError("userId", message, "unknown")])
    rate = row.hourly_rate if row.hourly_rate is not None else row.craft_rate
    return Priced(row.craft_id if row.craft_rate is not None else None, rate)
