"""Daily partition maintenance in the worker."""

from __future__ import annotations

import procrastinate

from maintainpro.core.db import Database, transaction
from maintainpro.partition import service as partition_service

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="17 3 * * *", periodic_id="partitions-ensure")
@blueprint.task(name="ensure", queue="system", pass_context=True)
async def ensure_task(job: procrastinate.JobContext, timestamp: int) -> dict[str, int]:
    database: Database = job.additional_context["database"]
    settings = job.additional_context["settings"]
    async with transaction(database.sessions) as session:
        return await partition_service.ensure(
            session, months_ahead=settings.partitions.months_ahead
        )
