"""Files that follow their record into the next one: a request's photos onto the work order its
approval creates. Imports nothing of the domains that call it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_CARRY_OVER = text("""
INSERT INTO attachments (id, organization_id, parent_type, parent_id, file_name, content_type,
                         size_bytes, sha256, storage_key, thumbnail_key, width, height,
                         created_by, updated_by)
SELECT app.uuidv7(), organization_id, :to_type, :to_id, file_name, content_type, size_bytes,
       sha256, storage_key, thumbnail_key, width, height, created_by, created_by
FROM attachments
WHERE organization_id = :org AND parent_type = :from_type AND parent_id = :from_id
  AND deleted_at IS NULL
ORDER BY id
""")


async def carry_over(
    session: AsyncSession, organization_id: UUID, source: tuple[str, UUID], to: tuple[str, UUID]
) -> int:
    """The live files of one parent, attached to another as well: new rows on the same stored
    bytes (immutable, so shared safely), each keeping its uploader. Returns how many."""
    result = await session.execute(
        _CARRY_OVER,
        {
            "org": organization_id,
            "from_type": source[0],
            "from_id": source[1],
            "to_type": to[0],
            "to_id": to[1],
        },
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML
