"""`maintainpro ...`: thin commands calling into the modules."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress

from maintainpro import worker
from maintainpro.config import Settings, get_settings
from maintainpro.core import context
from maintainpro.core.bootstrap import bootstrap
from maintainpro.core.database import (
    Role,
    ServerTarget,
    admin_url,
    resolve_server,
    session_target,
)
from maintainpro.core.db import create_database, transaction
from maintainpro.core.logging import configure_logging
from maintainpro.core.migrate import Migrator
from maintainpro.demo import seed as demo
from maintainpro.devtools import erd
from maintainpro.models import Base
from maintainpro.partition import service as partition_service

app = typer.Typer(help="MaintAInPro CMMS", no_args_is_help=True)
db_app = typer.Typer(help="Database administration", no_args_is_help=True)
migrate_app = typer.Typer(help="Schema migrations", no_args_is_help=True)
partitions_app = typer.Typer(help="Partition maintenance", no_args_is_help=True)
docs_app = typer.Typer(help="Generated documentation", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(migrate_app, name="migrate")
app.add_typer(partitions_app, name="partitions")
app.add_typer(docs_app, name="docs")
console = Console(stderr=True)


def _target(settings: Settings) -> ServerTarget:
    """The configured server; the embedded one is started and bootstrapped on demand."""
    target = resolve_server(settings.database)
    if target.embedded:
        bootstrap(
            admin_url(target, settings.database), settings.database, target.database, lambda _: None
        )
    return target


def _prepare(settings: Settings) -> ServerTarget:
    configure_logging(settings.log)
    return _target(settings)


@db_app.command("bootstrap")
def db_bootstrap(
    database: Annotated[
        str | None, typer.Option(help="Database name (default: from the URL)")
    ] = None,
) -> None:
    """Create roles, the database and extensions (idempotent; needs a superuser)."""
    settings = get_settings()
    target = resolve_server(settings.database)
    name = database or target.database
    bootstrap(admin_url(target, settings.database), settings.database, name, console.print)


def _migrate(settings: Settings, target: ServerTarget) -> None:
    migrator = Migrator(target, settings.database)
    try:
        with console.status("Applying migrations..."):
            migrator.upgrade("head")
        console.print(f"database at revision {migrator.current()}")
    finally:
        migrator.dispose()
    asyncio.run(_ensure_partitions(settings, target))


@migrate_app.command("upgrade")
def migrate_upgrade(revision: str = "head") -> None:
    """Upgrade the schema (then create the partitions ahead)."""
    settings = get_settings()
    target = _prepare(settings)
    if revision == "head":
        _migrate(settings, target)
        return
    migrator = Migrator(target, settings.database)
    migrator.upgrade(revision)
    migrator.dispose()


@migrate_app.command("downgrade")
def migrate_downgrade(revision: str) -> None:
    """Downgrade the schema to a revision (`base` removes every table)."""
    settings = get_settings()
    migrator = Migrator(_prepare(settings), settings.database)
    migrator.downgrade(revision)
    migrator.dispose()


@migrate_app.command("current")
def migrate_current() -> None:
    """Print the database's revision."""
    settings = get_settings()
    migrator = Migrator(_prepare(settings), settings.database)
    typer.echo(migrator.current() or "base")
    migrator.dispose()


@migrate_app.command("check")
def migrate_check() -> None:
    """Fail when the models and the migrated schema differ."""
    settings = get_settings()
    migrator = Migrator(_prepare(settings), settings.database)
    migrator.check()
    migrator.dispose()
    console.print("models and schema match")


async def _ensure_partitions(settings: Settings, target: ServerTarget) -> dict[str, int]:
    database = create_database(target, settings.database)
    try:
        async with transaction(database.sessions) as session:
            return await partition_service.ensure(
                session, months_ahead=settings.partitions.months_ahead
            )
    finally:
        await database.dispose()


@partitions_app.command("ensure")
def partitions_ensure() -> None:
    """Create the partitions of the coming months."""
    settings = get_settings()
    created = asyncio.run(_ensure_partitions(settings, _prepare(settings)))
    console.print(f"partitions created: {created}")


async def _archive_partitions(
    settings: Settings, target: ServerTarget, months: int
) -> list[partition_service.Archived]:
    # Its session lock and lock timeout must stay on one server connection: never through
    # PgBouncer in transaction mode.
    direct = settings.database.model_copy(update={"pgbouncer": False})
    database = create_database(session_target(target, direct), direct, role=Role.MAINT)
    try:
        return await partition_service.archive(database, older_than_months=months)
    finally:
        await database.dispose()


@partitions_app.command("archive")
def partitions_archive(
    older_than_months: Annotated[
        int | None,
        typer.Option(
            min=3, max=1200, help="Retention in months (default: partitions.archive_after_months)"
        ),
    ] = None,
) -> None:
    """Move work-order partitions older than the retention, all closed, to the archive schema."""
    settings = get_settings()
    if settings.database.pgbouncer and not settings.database.direct_url:
        console.print("archiving needs a direct connection: set database.direct_url")
        raise typer.Exit(code=2)
    months = older_than_months or settings.partitions.archive_after_months
    results = asyncio.run(_archive_partitions(settings, _prepare(settings), months))
    for result in results:
        if result.kept:
            console.print(f"kept {result.partition}: {result.kept}")
        else:
            console.print(f"archived {result.partition}: {result.moved}")
    console.print(f"partitions archived: {sum(r.kept is None for r in results)} of {len(results)}")


async def _seed(settings: Settings, target: ServerTarget, *, reset: bool) -> None:
    database = create_database(target, settings.database, role=Role.MAINT)
    try:
        with context.scoped(request_id="seed"), Progress(console=console) as progress:
            if reset:
                async with transaction(database.sessions) as session:
                    await demo.reset(session)
            job = progress.add_task(
                "Seeding demo data",
                total=demo.step_count(),
            )
            async with transaction(database.sessions) as session:
                await demo.seed(
                    session, settings.demo, lambda _: progress.advance(job), settings.auth
                )
    finally:
        await database.dispose()


@app.command()
def seed(reset: Annotated[bool, typer.Option(help="Remove the demo data first")] = False) -> None:
    """Load the demo organization (idempotent)."""
    settings = get_settings()
    asyncio.run(_seed(settings, _prepare(settings), reset=reset))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int | None, typer.Option()] = None,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first")] = False,
    with_demo: Annotated[bool, typer.Option("--demo", help="Load the demo data first")] = False,
    with_worker: Annotated[
        bool, typer.Option("--worker", help="Also run one background worker beside the API")
    ] = False,
) -> None:
    """Run the HTTP API (and, with --worker, a job worker in a child process)."""
    settings = get_settings()
    target = _prepare(settings)
    if migrate or with_demo:
        _migrate(settings, target)
    if with_demo:
        asyncio.run(_seed(settings, target, reset=False))
    if with_worker:
        # A daemon child: it stops with the API. Production runs workers as their own service.
        multiprocessing.get_context("spawn").Process(
            target=_worker_process, name="maintainpro-worker", daemon=True
        ).start()
    uvicorn.run(
        "maintainpro.app:create_app",
        factory=True,
        host=host or settings.http.host,
        port=port or settings.http.port,
        workers=workers or settings.http.workers,
        timeout_worker_healthcheck=settings.http.worker_healthcheck_timeout_s,
        loop="uvloop",
        http="httptools",
        log_config=None,
        # The application applies `http.forwarded_allow_ips` itself (create_app).
        proxy_headers=False,
    )


@app.command("worker")
def run_worker() -> None:
    """Run a background worker (any number may run, on any machine)."""
    _worker_process()


def _worker_process() -> None:
    settings = get_settings()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(worker.run_worker(_prepare(settings), settings))


@docs_app.command("erd")
def docs_erd() -> None:
    """Regenerate the ER diagram in the database document from the models."""
    changed = erd.write_document(erd.DOCUMENT, Base.metadata)
    console.print("diagram updated" if changed else "diagram already current")
