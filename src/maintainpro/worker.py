"""The job app: procrastinate on PostgreSQL (D7) and every task blueprint."""

from __future__ import annotations

import procrastinate
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL

from maintainpro.attachment.sweep import blueprint as attachment_tasks
from maintainpro.auth.tasks import blueprint as auth_tasks
from maintainpro.config import Settings
from maintainpro.core.database import Role, ServerTarget, role_url, session_target
from maintainpro.core.db import create_database
from maintainpro.escalation.tasks import blueprint as escalation_tasks
from maintainpro.inventory.tasks import blueprint as inventory_tasks
from maintainpro.notification.tasks import blueprint as notification_tasks
from maintainpro.outbox.tasks import blueprint as outbox_tasks
from maintainpro.partition.tasks import blueprint as partition_tasks
from maintainpro.pm.tasks import blueprint as pm_tasks
from maintainpro.rules import handlers as _rules  # noqa: F401  (subscribes the rules engine)
from maintainpro.webhook.tasks import blueprint as webhook_tasks

QUEUES = ("system", "events", "webhooks")


def libpq_conninfo(url: URL) -> str:
    """libpq keyword conninfo from a SQLAlchemy URL, every value quoted by psycopg.

    Workers connect straight to PostgreSQL: LISTEN does not work through PgBouncer (D7)."""
    params: dict[str, str | int | None] = dict(
        url.translate_connect_args(database="dbname", username="user")
    )
    params.update({key: value for key, value in url.query.items() if isinstance(value, str)})
    return make_conninfo("", **params)


def job_conninfo(target: ServerTarget, settings: Settings) -> str:
    direct = session_target(target, settings.database)
    return libpq_conninfo(role_url(direct, settings.database, Role.APP, driver="psycopg"))


def build_job_app(target: ServerTarget, settings: Settings) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(conninfo=job_conninfo(target, settings))
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(outbox_tasks, namespace="outbox")
    app.add_tasks_from(partition_tasks, namespace="partitions")
    app.add_tasks_from(auth_tasks, namespace="auth")
    app.add_tasks_from(attachment_tasks, namespace="attachments")
    app.add_tasks_from(inventory_tasks, namespace="inventory")
    app.add_tasks_from(pm_tasks, namespace="pm")
    app.add_tasks_from(escalation_tasks, namespace="escalations")
    app.add_tasks_from(notification_tasks, namespace="notifications")
    app.add_tasks_from(webhook_tasks, namespace="webhooks")
    return app


async def run_worker(target: ServerTarget, settings: Settings) -> None:
    database = create_database(target, settings.database)
    app = build_job_app(target, settings)
    try:
        async with app.open_async():
            await app.run_worker_async(
                queues=list(QUEUES),
                concurrency=settings.worker.concurrency,
                delete_jobs="successful",
                additional_context={"database": database, "settings": settings},
            )
    finally:
        await database.dispose()
