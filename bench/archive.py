"""`uv run python -m bench.archive`: partition maintenance on the benchmark's data, timed.

1. Creates the partitions ahead (`partition/service.py: ensure`, as `serve` and the daily job do).
2. Ages the oldest work-order quarter that holds rows: its open work is closed (as the
   maintenance role, triggers off: the data's own loader setting), as a year's history would be.
3. Archives it (`partition/service.py: archive`, the `maintainpro partitions archive` path)
   with the retention that reaches exactly that quarter, while a probe on another connection
   reads one work order of tenant A by id in a loop: its slowest read is how long readers
   waited for the detach.

Run after the measurements (it changes the data); prints the figures. Argument: the run's
data.json (default bench/out/data.json), with BENCH_DATABASE as for the run.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench import data
from maintainpro.config import Settings
from maintainpro.core.database import Role
from maintainpro.core.db import create_database, create_sync_engine, transaction
from maintainpro.partition import service as partition_service

_OLDEST = text(
    """
    SELECT c.relname, count(*)
    FROM work_orders AS w JOIN pg_class AS c ON c.oid = w.tableoid
    WHERE w.tableoid = (SELECT tableoid FROM work_orders ORDER BY id LIMIT 1)
    GROUP BY 1
    """
)
_CLOSE = text(
    """
    UPDATE {partition} SET status = 'closed', closed_at = status_changed_at,
           completed_at = coalesce(completed_at, status_changed_at)
    WHERE deleted_at IS NULL AND status NOT IN ('closed', 'cancelled')
    """
)


def _probe(settings: Settings, org: str, stop: threading.Event, worst: list[float]) -> None:
    engine = create_sync_engine(data.server_target(settings), settings.database, Role.APP)
    with engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.organization_id', :o, false)"), {"o": org})
        newest = conn.scalar(
            text("SELECT id FROM work_orders WHERE organization_id = :o ORDER BY id DESC LIMIT 1"),
            {"o": org},
        )
        conn.commit()
        while not stop.is_set():
            started = time.perf_counter()
            conn.execute(text("SELECT id FROM work_orders WHERE id = :i"), {"i": newest})
            conn.commit()
            worst[0] = max(worst[0], time.perf_counter() - started)
            time.sleep(0.005)
    engine.dispose()


async def _maintain(settings: Settings, months: int) -> tuple[float, float, object]:
    target = data.server_target(settings)
    database = create_database(target, settings.database, role=Role.MAINT)
    started = time.perf_counter()
    async with transaction(database.sessions) as session:
        await partition_service.ensure(session, months_ahead=settings.partitions.months_ahead)
    ensured = time.perf_counter() - started
    started = time.perf_counter()
    results = await partition_service.archive(database, older_than_months=months)
    archived = time.perf_counter() - started
    await database.dispose()
    return ensured, archived, results


def main() -> None:
    settings = Settings()
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "out" / "data.json"
    dataset = data.Dataset.load(path)
    engine = create_sync_engine(data.server_target(settings), settings.database, Role.MAINT)
    with engine.begin() as conn:
        partition, rows = conn.execute(_OLDEST).one()
        conn.execute(partition_service.TRIGGERS_OFF)
        started = time.perf_counter()
        closed = conn.execute(text(_CLOSE.text.format(partition=partition))).rowcount
        print(
            f"{partition}: {rows:,} work orders, {closed:,} closed in"
            f" {time.perf_counter() - started:.1f} s"
        )
        year, quarter = int(partition[-7:-3]), int(partition[-1])
    engine.dispose()
    now = datetime.now(UTC)
    ends = year * 12 + quarter * 3  # the quarter's end, in months since year 0
    months = now.year * 12 + now.month - 1 - ends  # now - months falls just past that end
    stop, worst = threading.Event(), [0.0]
    probe = threading.Thread(
        target=_probe, args=(settings, dataset.tenants[0].organization_id, stop, worst)
    )
    probe.start()
    time.sleep(1)
    ensured, archived, results = asyncio.run(_maintain(settings, months))
    stop.set()
    probe.join()
    print(f"ensure: {ensured * 1000:.0f} ms")
    print(f"archive (--older-than-months {months}): {archived:.1f} s, {results}")
    print(f"slowest read by id during it: {worst[0] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
