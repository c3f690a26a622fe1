"""The daily ledger check: every stock balance equals the sum of its movements. The write
paths keep it so by construction (one statement writes both); the check is what proves it
in production, and reports any row that differs (a manual fix in SQL, a restore gone wrong)."""

from __future__ import annotations

import procrastinate
from sqlalchemy import text

from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.logging import get_logger
from maintainpro.inventory.stock import unbalanced

blueprint = procrastinate.Blueprint()
log = get_logger(__name__)


async def check_ledger(database: Database) -> int:
    """How many stock rows differ from their ledger; each one is logged as an error."""
    async with transaction(database.sessions) as session:
        organizations = list(await session.scalars(text("SELECT app.organizations_with_stock()")))
    found = 0
    for organization_id in organizations:
        with context.scoped(organization_id=organization_id):
            async with transaction(database.sessions) as session:
                rows = await unbalanced(session, organization_id)
        for row in rows:
            log.error("stock.unbalanced", **{key: str(value) for key, value in row.items()})
        found += len(rows)
    return found


@blueprint.periodic(cron="41 3 * * *", periodic_id="stock-ledger-check")
@blueprint.task(name="check_ledger", queue="system", pass_context=True)
async def check_ledger_task(job: procrastinate.JobContext, timestamp: int) -> int:
    return await check_ledger(job.additional_context["database"])
