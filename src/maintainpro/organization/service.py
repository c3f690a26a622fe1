"""Organization lifecycle."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import Organization


async def purge(session: AsyncSession, organization_id: UUID) -> bool:
    """Hard-deletes a tenant and everything it owns (operator action: needs the maintenance
    role). The cascade takes the tenant's audit trail with it instead of auditing each row."""
    await session.execute(
        text("SELECT set_config('app.purge_organization', :org, true)"),
        {"org": str(organization_id)},
    )
    result = await session.execute(delete(Organization).where(Organization.id == organization_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML
