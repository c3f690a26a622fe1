"""The escalation scan, every minute in the worker."""

from __future__ import annotations

import procrastinate

from maintainpro.core import context
from maintainpro.escalation import scan

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="* * * * *", periodic_id="escalation-scan")
@blueprint.task(name="scan", queue="system", pass_context=True, queueing_lock="escalation.scan")
async def scan_task(job: procrastinate.JobContext, timestamp: int) -> int:
    with context.scoped(request_id=f"job-{job.job.id}"):
        return await scan.run_all(job.additional_context["database"])
