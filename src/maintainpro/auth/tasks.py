"""Worker housekeeping: sign-in throttling state, expired credentials and the stored answers
of `Idempotency-Key` creates past their retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import procrastinate
from sqlalchemy import delete, or_, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import throttle
from maintainpro.core import context, idempotency
from maintainpro.core.db import Database, transaction
from maintainpro.core.logging import get_logger
from maintainpro.models import PasswordResetToken, UserSession

blueprint = procrastinate.Blueprint()
log = get_logger(__name__)
RETENTION = timedelta(days=1)


async def prune_credentials(session: AsyncSession, organization_id: UUID, cutoff: datetime) -> int:
    """Sessions (with their refresh tokens, by cascade) and reset tokens that expired, ended or
    were used before `cutoff`. Live sessions keep their rotated refresh tokens: reuse of one is
    how a stolen token is detected."""
    sessions = await session.execute(
        delete(UserSession).where(
            UserSession.organization_id == organization_id,
            or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff),
        )
    )
    resets = await session.execute(
        delete(PasswordResetToken).where(
            PasswordResetToken.organization_id == organization_id,
            or_(PasswordResetToken.expires_at < cutoff, PasswordResetToken.used_at < cutoff),
        )
    )
    return int(sessions.rowcount) + int(resets.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML


async def prune(database: Database) -> int:
    cutoff = datetime.now(UTC) - RETENTION
    async with transaction(database.sessions) as session:
        await throttle.prune(session, older_than=RETENTION)
        # Cross-tenant by a definer function that answers with a count only (D4).
        answers = await session.scalar(
            text("SELECT app.prune_idempotency_keys(:cutoff)"),
            {"cutoff": datetime.now(UTC) - idempotency.RETENTION},
        )
        # The organizations with credentials to clean, through a definer function (D4).
        organizations = list(
            await session.scalars(
                text("SELECT app.organizations_with_expired_credentials(:cutoff)"),
                {"cutoff": cutoff},
            )
        )
    removed = int(answers or 0)
    for organization_id in organizations:
        with context.scoped(organization_id=organization_id):
            async with transaction(database.sessions) as session:
                removed += await prune_credentials(session, organization_id, cutoff)
    if removed:
        log.info("auth.credentials_pruned", rows=removed)
    return removed


@blueprint.periodic(cron="41 * * * *", periodic_id="auth-prune")
@blueprint.task(name="prune", queue="system", pass_context=True)
async def prune_task(job: procrastinate.JobContext, timestamp: int) -> None:
    await prune(job.additional_context["database"])
