"""`uv run python -m bench.archive`: partition maintenance on the benchmark's data, timed.

1. Creates the partitions ahead (`partition/service.py: ensure`, as `serve` and the daily job do).
2. Ages the oldest work-order quarter that holds rows: its open work is closed (as the
   maintenance role, triggers off: the data's own loader setting), as a year's history would be.
3. Archives it (`partition/service.py: archive`, the `maintainpro partitions archive` path)
   with the retention that reaches exactly that quarter, while a probe on another connection
   reads one work order of tenant A by id and the comments on it, and writes the work order,
   in a loop: its slowest statements are how long readers and writers waited for the detach
   and the drop (the comments are read because the end of a detach locks the tables that
   refer to the partition).

With `--hold S`, a long report runs beside it: one transaction that reads work orders, opened
as the archival starts and held open S seconds (longer than the move, so the detach meets it).

Run after the measurements (it changes the data); prints the figures. Arguments: the run's
data.json (default bench/out/data.json), with BENCH_DATABASE as for the run, and `--hold`.
"""

from __future__ import annotations

import argparse
import asyncio
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


_PROBES = {
    "work order by id": text("SELECT id FROM work_orders WHERE id = :i"),
    "its comments": text(
        "SELECT count(*) FROM comments WHERE organization_id = :o AND work_order_id = :i"
    ),
    # The detach checks the referring keys while writers to those tables wait.
    "a write to it": text("UPDATE work_orders SET priority = priority WHERE id = :i"),
}


def _probe(settings: Settings, org: str, stop: threading.Event, worst: dict[str, float]) -> None:
    engine = create_sync_engine(data.server_target(settings), settings.database, Role.APP)
    with engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.organization_id', :o, false)"), {"o": org})
        newest = conn.scalar(
            text("SELECT id FROM work_orders WHERE organization_id = :o ORDER BY id DESC LIMIT 1"),
            {"o": org},
        )
        conn.commit()
        while not stop.is_set():
            for name, probe in _PROBES.items():
                started = time.perf_counter()
                conn.execute(probe, {"i": newest, "o": org})
                conn.commit()
                worst[name] = max(worst.get(name, 0.0), time.perf_counter() - started)
            time.sleep(0.005)
    engine.dispose()


def _hold(settings: Settings, seconds: float) -> None:
    engine = create_sync_engine(data.server_target(settings), settings.database, Role.MAINT)
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM work_orders WHERE id = app.uuidv7()"))
        time.sleep(seconds)
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
    parser = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__)
    parser.add_argument(
        "data", nargs="?", type=Path, default=Path(__file__).parent / "out" / "data.json"
    )
    parser.add_argument(
        "--hold", type=float, default=0.0, help="seconds of a long report beside it"
    )
    args = parser.parse_args()
    settings = Settings()
    dataset = data.Dataset.load(args.data)
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
    stop, worst = threading.Event(), dict[str, float]()
    probe = threading.Thread(
        target=_probe, args=(settings, dataset.tenants[0].organization_id, stop, worst)
    )
    probe.start()
    time.sleep(1)
    report = threading.Thread(target=_hold, args=(settings, args.hold))
    report.start()
    ensured, archived, results = asyncio.run(_maintain(settings, months))
    stop.set()
    probe.join()
    report.join()
    print(f"ensure: {ensured * 1000:.0f} ms")
    print(f"archive (--older-than-months {months}): {archived:.1f} s, {results}")
    for name, seconds in worst.items():
        print(f"slowest probe during it ({name}): {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
