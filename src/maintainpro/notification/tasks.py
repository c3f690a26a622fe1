"""The mail job of notifications: deferred in the notifying transaction, sent after it."""

from __future__ import annotations

import procrastinate

from maintainpro.config import Settings
from maintainpro.notification import handlers as _handlers  # noqa: F401  (registers them)
from maintainpro.notification.service import send_mail

blueprint = procrastinate.Blueprint()


@blueprint.task(name="send_mail", queue="system", pass_context=True, retry=5)
async def send_mail_task(
    job: procrastinate.JobContext, to: list[str], subject: str, body: str | None
) -> int:
    settings: Settings = job.additional_context["settings"]
    await send_mail(settings.mail, to, subject, body)
    return len(to)
