"""The benchmark's own data: two tenants built with set-based SQL as the maintenance role.

Each tenant gets a site with buildings and areas, `assets` assets spread over them (a quarter
retired, half with a position, a rare and a common search term), one meter per hundred assets
plus dedicated counters (BULK_METERS for the API, as many for the floor), an admin and LOGIN_USERS
technicians, all with one known password. The schema comes from the project's bootstrap and
migrations, as in the tests.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import create_engine
from sqlalchemy.pool import NullPool

from bench import inventory, scale, work_orders
from bench.tenant_sql import ADMIN, ASSETS, AUDIT_ASSETS, LOCATIONS, METERS, ORG
from maintainpro.auth import passwords
from maintainpro.config import Settings
from maintainpro.core.bootstrap import bootstrap
from maintainpro.core.database import Role, ServerTarget, admin_url, resolve_server
from maintainpro.core.db import create_sync_engine
from maintainpro.core.migrate import Migrator
from maintainpro.partition.service import TRIGGERS_OFF

# BENCH_DATABASE: another database of the same server (two runs side by side never share one).
DATABASE = os.environ.get("BENCH_DATABASE", "maintainpro_bench")
DATA_VERSION = 7  # bump when the generator changes: older data is rebuilt
PASSWORD = "bench-password-1"
TENANTS = ("bench-a", "bench-b")
RARE_TERM = "acme42"  # one manufacturer in a thousand: 1 in 1,000 assets
COMMON_TERM = "pump"  # in every description
LOGIN_USERS = 512  # technicians of tenant A with the same password: login-<n>@bench-a.example.com
BULK_METERS = 4  # per side: one per connection of the bulk scenario
UPDATE_ROWS = 1024  # rows the update scenario owns (tenant A), split over wrk connections
LOADERS = 2  # connections building at once: one per core of the machine
HISTORY_START = timedelta(days=4 * 365)  # bulk readings start this far back, one second apart

_BENCH_METER = text(
    """
    INSERT INTO meters (id, organization_id, asset_id, name, unit, kind)
    SELECT app.uuidv7(), organization_id, id, :name, 's', 'counter'
    FROM assets WHERE organization_id = CAST(:org AS uuid) AND code = 'A-1'
    RETURNING id
    """
)
_LOGIN_USERS = text(
    """
    INSERT INTO users (id, organization_id, email, full_name, role, password_hash)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'login-' || n || '@' || :slug || '.example.com',
           'Bench user ' || n, 'technician', :hash
    FROM generate_series(0, :users - 1) AS n
    """
)


@dataclass
class Tenant:
    slug: str
    organization_id: str
    admin_id: str
    admin_email: str
    # Counters the bulk scenario writes to, one per connection of each side: a meter's
    # batches are applied one at a time (its row lock), as a gateway's would be.
    api_meter_ids: list[str]
    floor_meter_ids: list[str]


@dataclass
class Dataset:
    """What the load scripts need, written to bench/out/data.json by the generator."""

    assets_per_tenant: int
    password: str
    version: int = DATA_VERSION
    tenants: list[Tenant] = field(default_factory=list)
    history_start: str = ""
    work_orders_per_tenant: int = 0  # tenant A's (and B's unless a scale run)
    scale: int = 0  # a scale run's work orders in all (scale.py), 0 otherwise

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> Dataset:
        raw = json.loads(path.read_text())
        raw.setdefault("version", 1)
        tenants = [Tenant(**t) for t in raw.pop("tenants")]
        return cls(**raw, tenants=tenants)


def server_target(settings: Settings) -> ServerTarget:
    return resolve_server(settings.database).with_database(DATABASE)


def _drop(settings: Settings, target: ServerTarget) -> None:
    admin = create_engine(
        admin_url(target, settings.database), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def _schema(settings: Settings, *, reset: bool) -> ServerTarget:
    target = server_target(settings)
    if reset:
        _drop(settings, target)
    bootstrap(admin_url(target, settings.database), settings.database, DATABASE, print)
    migrator = Migrator(target, settings.database)
    migrator.upgrade("head")
    migrator.dispose()
    return target


def _tenant(conn: Connection, org: str, slug: str, rows: int, password_hash: str) -> Tenant:
    """One tenant's places, assets, meters and people (triggers off: see `generate`)."""
    conn.execute(LOCATIONS, {"org": org})
    conn.execute(ASSETS, {"org": org, "rows": rows})
    conn.execute(AUDIT_ASSETS, {"org": org})
    conn.execute(METERS, {"org": org})
    meters = {
        side: [
            str(conn.scalar(_BENCH_METER, {"org": org, "name": f"bench-{side}-{n}"}))
            for n in range(BULK_METERS)
        ]
        for side in ("api", "floor")
    }
    email = f"admin@{slug}.example.com"
    admin = str(conn.scalar(ADMIN, {"org": org, "email": email, "hash": password_hash}))
    users = {"org": org, "slug": slug, "hash": password_hash, "users": LOGIN_USERS}
    conn.execute(_LOGIN_USERS, users)
    return Tenant(slug, org, admin, email, meters["api"], meters["floor"])


def _partitions(conn: Connection, start: datetime) -> None:
    """Every month the bulk scenario may write to exists beforehand, so neither the API nor the
    floor pays for partition DDL inside a measured request."""
    conn.execute(
        text(
            "SELECT app.ensure_partition_for('meter_readings', m)"
            " FROM generate_series(date_trunc('month', CAST(:start AS timestamptz)),"
            " now() + interval '1 month', interval '1 month') AS m"
        ),
        {"start": start},
    )


_LEAVES = text(
    "SELECT format('%I.%I', n.nspname, c.relname), c.relkind FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relpages DESC"
)


def _vacuum(settings: Settings, target: ServerTarget) -> None:
    """VACUUM ANALYZE as the bootstrap superuser: only a table's owner may vacuum it, and the
    maintenance role owns none (as itself it would skip every table with a warning). The
    vacuum also empties the GIN pending lists the bulk inserts filled, which every search
    would read otherwise, and sets the visibility map the index-only scans rely on. Tables
    (partitions one by one) on LOADERS connections, then the partitioned parents' statistics,
    which only an explicit ANALYZE gathers."""
    admin = create_engine(
        admin_url(target, settings.database).set(database=DATABASE),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as conn:
        tables = conn.execute(_LEAVES).all()

    def vacuum(table: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))

    with ThreadPoolExecutor(LOADERS) as pool:
        list(pool.map(vacuum, [name for name, kind in tables if kind == "r"]))
    with admin.connect() as conn:
        for name, kind in tables:
            if kind == "p":
                conn.execute(text(f"ANALYZE {name}"))
    admin.dispose()


def _load(engine: Engine, chunks: list[dict[str, object]]) -> None:
    """Every chunk of work orders, LOADERS at a time, each in its own transaction."""
    started, done = time.monotonic(), 0

    def load(chunk: dict[str, object]) -> int:
        with engine.begin() as conn:
            # The per-row triggers (audit, foreign-key checks, roll-ups, calendar) would cost ten
            # times the insert; what they derive, the generator writes itself.
            conn.execute(TRIGGERS_OFF)
            return work_orders.build(conn, chunk)

    with ThreadPoolExecutor(LOADERS) as pool:
        for n, built in enumerate(pool.map(load, chunks), start=1):
            done += built
            if n % 50 == 0 or n == len(chunks):
                print(
                    f"  {done:,} work orders ({n}/{len(chunks)} chunks)"
                    f" in {time.monotonic() - started:.0f} s"
                )


def existing(conn: Connection) -> bool:
    found = conn.scalar(
        text("SELECT count(*) FROM organizations WHERE slug = ANY(:slugs)"),
        {"slugs": list(TENANTS)},
    )
    return bool(found)


def generate(
    settings: Settings,
    rows: int,
    out: Path,
    *,
    reset: bool,
    work_order_rows: int = work_orders.WORK_ORDERS,
    scale_total: int = 0,
) -> Dataset:
    """Builds the data unless it is already there (same size); `reset` rebuilds from scratch.
    A `scale_total` replaces `work_order_rows` by the split of scale.py."""
    if scale_total:
        work_order_rows = scale.split(scale_total)[0]
    target = _schema(settings, reset=reset)
    engine = create_sync_engine(target, settings.database, Role.MAINT)
    if out.exists() and not reset:
        previous = Dataset.load(out)
        with engine.connect() as conn:
            same = (
                previous.assets_per_tenant == rows
                and previous.work_orders_per_tenant == work_order_rows
                and previous.scale == scale_total
                and previous.version == DATA_VERSION
            )
            if same and existing(conn):
                engine.dispose()
                print(f"data present: 2 tenants x {rows} assets, {work_order_rows} work orders")
                return previous
    if not reset:
        engine.dispose()
        return generate(
            settings,
            rows,
            out,
            reset=True,
            work_order_rows=work_order_rows,
            scale_total=scale_total,
        )
    start = (datetime.now(UTC) - HISTORY_START).replace(microsecond=0)
    dataset = Dataset(rows, PASSWORD, history_start=start.isoformat())
    dataset.work_orders_per_tenant, dataset.scale = work_order_rows, scale_total
    small = scale.split(scale_total)[1] if scale_total else work_order_rows
    password_hash = passwords.hash_password(PASSWORD)
    began = time.monotonic()
    counts = (work_order_rows, small)
    with engine.begin() as conn:
        # The past year's quarters, which the work orders are spread over, and the months the
        # readings and the bulk scenario write to.
        conn.execute(text("SELECT app.ensure_quarterly_partitions('work_orders', 3, 5)"))
        _partitions(conn, start)
        # Organizations with their triggers (each gets its number sequences), the rest without.
        orgs = [str(conn.scalar(ORG, {"name": f"Bench {s}", "slug": s})) for s in TENANTS]
        others = scale.create(conn, scale_total) if scale_total else []
        conn.execute(TRIGGERS_OFF)
        for org, slug, count in zip(orgs, TENANTS, counts, strict=True):
            print(f"tenant {slug}: {rows} assets, {count} work orders")
            dataset.tenants.append(_tenant(conn, org, slug, rows, password_hash))
        print(f"{len(others)} further organizations")
        admins = scale.prepare(conn, others, password_hash)
    chunks = [
        chunk
        for tenant, count in zip(dataset.tenants, counts, strict=True)
        for chunk in work_orders.chunks(tenant.organization_id, tenant.admin_id, count)
    ]
    for (org, count), admin in zip(others, admins, strict=True):
        chunks += work_orders.chunks(org, admin, count, reserved=0)
    print(f"places, assets and people in {time.monotonic() - began:.0f} s")
    _load(engine, chunks)
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.request_id', 'bench-data', true)"))
        for tenant in dataset.tenants:
            inventory.build(conn, tenant.organization_id, tenant.admin_id)
        for org, count in [
            *((t.organization_id, c) for t, c in zip(dataset.tenants, counts, strict=True)),
            *others,
        ]:
            work_orders.take_numbers(conn, org, count)
    engine.dispose()
    print(f"built in {time.monotonic() - began:.0f} s; vacuum")
    _vacuum(settings, target)
    print(f"data ready in {time.monotonic() - began:.0f} s")
    dataset.save(out)
    return dataset
