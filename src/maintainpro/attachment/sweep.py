"""The daily sweep of stored files no attachment names: what a process that died between
writing a file and committing its row left behind (service.py). Files younger than a day are
never touched, so an upload in flight keeps its bytes; a soft-deleted attachment keeps its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import procrastinate
from sqlalchemy import text

from maintainpro.attachment.storage import LocalStorage
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.logging import get_logger

blueprint = procrastinate.Blueprint()
log = get_logger(__name__)
GRACE = timedelta(days=1)
THUMBNAIL = ".thumb"

# Read as the tenant (the folder names the organization): no cross-tenant read is needed.
_NAMED = text(
    "SELECT storage_key FROM attachments"
    " WHERE organization_id = :org AND storage_key = ANY(CAST(:keys AS text[]))"
)


def _by_organization(keys: list[str]) -> dict[UUID, list[str]]:
    grouped: dict[UUID, list[str]] = {}
    for key in keys:
        folder = key.partition("/")[0]
        try:
            grouped.setdefault(UUID(folder), []).append(key)
        except ValueError:
            continue  # not a folder this service writes
    return grouped


async def sweep(database: Database, storage: LocalStorage, now: datetime) -> int:
    """Deletes every file older than a day whose attachment row (or, for a thumbnail, its
    original's) does not exist; returns how many."""
    removed = 0
    for organization_id, keys in _by_organization(await storage.stale_keys(now - GRACE)).items():
        originals = sorted({key.removesuffix(THUMBNAIL) for key in keys})
        with context.scoped(organization_id=organization_id):
            async with transaction(database.sessions) as session:
                params = {"org": organization_id, "keys": originals}
                named = set(await session.scalars(_NAMED, params))
        for key in keys:
            if key.removesuffix(THUMBNAIL) not in named:
                await storage.remove(key)
                removed += 1
    if removed:
        log.info("attachments.orphans_removed", files=removed)
    return removed


@blueprint.periodic(cron="23 4 * * *", periodic_id="attachments-sweep")
@blueprint.task(name="sweep", queue="system", pass_context=True)
async def sweep_task(job: procrastinate.JobContext, timestamp: int) -> int:
    settings = job.additional_context["settings"]
    storage = LocalStorage(settings.attachments.directory)
    return await sweep(job.additional_context["database"], storage, datetime.now(UTC))
