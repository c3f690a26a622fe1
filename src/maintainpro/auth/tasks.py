"""Worker housekeeping for sign-in protection."""

from __future__ import annotations

from datetime import timedelta

import procrastinate

from maintainpro.auth import throttle
from maintainpro.core.db import Database, transaction

blueprint = procrastinate.Blueprint()
RETENTION = timedelta(days=1)


async def prune(database: Database) -> None:
    async with transaction(database.sessions) as session:
        await throttle.prune(session, older_than=RETENTION)


@blueprint.periodic(cron="41 * * * *", periodic_id="auth-prune")
@blueprint.task(name="prune", queue="system", pass_context=True)
async def prune_task(job: procrastinate.JobContext, timestamp: int) -> None:
    await prune(job.additional_context["database"])
