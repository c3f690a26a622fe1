"""`uv run python -m bench.soak`: the API held at a fraction (default 80%) of its measured
maximum on a mixed workload (`lua/mixed.lua`: reads by id, first pages, creates, transitions,
meter readings) for a number of minutes, in consecutive windows.

Reported per window: requests per second, latency percentiles, errors and the resident memory
of the API's worker processes; around the whole run, the application role's connections to the
database (after the calibration, when the pools are warm, and after the soak). Passing means no
error, p99 of the last window within 1.5x of the first, worker memory grown < 10% from the
first window to the last, and no more connections after than before.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench import data, procs, scale, work_orders
from bench.fixtures import Fixtures
from bench.load import Load, Outcome, require, wrk
from bench.run import API_PORT, _servers
from maintainpro.config import Settings
from maintainpro.core.database import Role
from maintainpro.core.db import create_sync_engine

SCRIPT = "mixed.lua"
READING_BATCH = 10
CALIBRATION_S = 20


@dataclass
class Window:
    seconds: float
    rate: float
    p50: float
    p95: float
    p99: float
    errors: int
    worker_rss_mb: float


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--window", type=int, default=30, help="seconds per window")
    parser.add_argument("--fraction", type=float, default=0.8, help="of the measured maximum")
    parser.add_argument("--assets", type=int, default=50_000, help="assets per tenant")
    parser.add_argument("--work-orders", type=int, default=work_orders.WORK_ORDERS)
    parser.add_argument("--scale", type=scale.parse_count, default=0, help="as for python -m bench")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-t", "--threads", type=int, default=2)
    parser.add_argument("-c", "--connections", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    return parser.parse_args()


def worker_rss_mb(master: int) -> float:
    """Resident memory of the server's processes but its master (the workers)."""
    total_kb = 0
    for pid in procs.tree(master):
        if pid == master:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "VmRSS: 0")
        total_kb += int(line.split()[1])
    return total_kb / 1024


def app_connections(engine: Engine, quiet_s: float = 5.0) -> dict[str, int]:
    """The application role's connections to the bench database by state, after `quiet_s`
    without load (a pool returns its overflow connections as requests finish)."""
    time.sleep(quiet_s)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT coalesce(state, 'none'), count(*) FROM pg_stat_activity"
                " WHERE datname = :db AND usename = 'maintainpro_app' GROUP BY 1 ORDER BY 1"
            ),
            {"db": data.DATABASE},
        ).all()
    return {str(state): int(count) for state, count in rows}


def checkpoints(engine: Engine) -> dict[str, int]:
    """The server's checkpoints so far, timed and requested (by WAL volume): a window that
    holds one shows it in its latency."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT checkpoints_timed, checkpoints_req FROM pg_stat_bgwriter")
        ).one()
    return {"timed": int(row[0]), "requested": int(row[1])}


def mixed_env(fx: Fixtures, auth: str, delay_ms: float) -> dict[str, str]:
    return {
        "BENCH_AUTH": auth,
        "BENCH_DELAY_MS": str(int(delay_ms)),
        "BENCH_IDS": str(work_orders.ids(fx)),
        "BENCH_ROWS": str(work_orders.transition_rows(fx, "api")),
        "BENCH_REASON": work_orders.HOLD_REASON,
        "BENCH_RUN": f"{fx.run_id}s{time.monotonic_ns() % 10**9}",
        "BENCH_METERS": ",".join(fx.tenant.api_meter_ids),
        "BENCH_START": str(fx.bulk_start(fx.tenant.api_meter_ids)),
        "BENCH_ORIGIN": str(fx.origin),
        "BENCH_BATCH": str(READING_BATCH),
    }


def _window(outcome: Outcome, rss: float) -> Window:
    return Window(
        outcome.seconds, outcome.rate, outcome.p50, outcome.p95, outcome.p99, outcome.errors, rss
    )


def _pace(connections: int, target: float, outcome: Outcome) -> float:
    """The per-connection pause that brings `outcome`'s rate to `target`: each connection
    sends one request per (latency + pause)."""
    return max(0.0, connections * 1000 / target - outcome.p50)


def soak(args: argparse.Namespace) -> dict[str, object]:
    settings = Settings()
    dataset = data.generate(
        settings,
        args.assets,
        args.out / "data.json",
        reset=False,
        work_order_rows=args.work_orders,
        scale_total=args.scale,
    )
    engine = create_sync_engine(data.server_target(settings), settings.database, Role.MAINT)
    fx = Fixtures(engine, dataset, args.out, run_id=time.strftime("%m%d%H%M%S"))
    fx.prepare()
    api = _servers(settings, args.workers, args.out, fx)[0]
    url = f"http://127.0.0.1:{API_PORT}"
    result: dict[str, object] = {"load_average_at_start": list(os.getloadavg())}
    try:
        api.start("/health/ready")
        auth = f"Bearer {fx.login(url)}"
        full = Load(args.threads, args.connections, CALIBRATION_S, 0)
        maximum = wrk(url, SCRIPT, mixed_env(fx, auth, 0), full)
        target = args.fraction * maximum.rate
        delay = _pace(args.connections, target, maximum)
        trial = wrk(url, SCRIPT, mixed_env(fx, auth, delay), full)
        delay *= trial.rate / target  # one correction from what the first guess gave
        procs.settle(api.pid, data.DATABASE)
        before = app_connections(engine)
        checkpoints_before = checkpoints(engine)
        windows: list[Window] = []
        for _ in range(max(1, round(args.minutes * 60 / args.window))):
            window = Load(args.threads, args.connections, args.window, 0)
            outcome = wrk(url, SCRIPT, mixed_env(fx, auth, delay), window)
            windows.append(_window(outcome, worker_rss_mb(api.pid)))
            print(f"  {windows[-1]}", flush=True)
        procs.settle(api.pid, data.DATABASE)
        after = app_connections(engine)
        checkpoints_after = checkpoints(engine)
    finally:
        api.stop()
        engine.dispose()
    first, last = windows[0], windows[-1]
    result.update(
        maximum_rate=maximum.rate,
        maximum_errors=maximum.errors,
        target_rate=target,
        delay_ms=delay,
        windows=[asdict(w) for w in windows],
        errors=sum(w.errors for w in windows),
        p99_first_last_max=[first.p99, last.p99, max(w.p99 for w in windows)],
        rss_growth=last.worker_rss_mb / first.worker_rss_mb - 1 if first.worker_rss_mb else 0.0,
        connections_before_after=[before, after],
        checkpoints_during={
            k: checkpoints_after[k] - checkpoints_before[k] for k in ("timed", "requested")
        },
    )
    return result


def markdown(result: dict[str, object]) -> str:
    windows = result["windows"]
    assert isinstance(windows, list)
    lines = [
        "| window | req/s | p50 / p95 / p99 ms | errors | worker RSS MB |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, w in enumerate(windows, start=1):
        lines.append(
            f"| {n} | {w['rate']:,.0f} | {w['p50']:.1f} / {w['p95']:.1f} / {w['p99']:.1f}"
            f" | {w['errors']} | {w['worker_rss_mb']:.1f} |"
        )
    p99 = result["p99_first_last_max"]
    assert isinstance(p99, list)
    growth = result["rss_growth"]
    assert isinstance(growth, float)
    lines += [
        "",
        f"Maximum {result['maximum_rate']:,.0f} req/s ({result['maximum_errors']} errors);"
        f" target {result['target_rate']:,.0f} req/s (pause {result['delay_ms']:.0f} ms per"
        f" connection). Errors: {result['errors']}. p99 first / last / worst window:"
        f" {p99[0]:.1f} / {p99[1]:.1f} / {p99[2]:.1f} ms. Worker memory growth:"
        f" {growth:+.1%}. Application connections before / after:"
        f" {result['connections_before_after']}. Checkpoints during the soak:"
        f" {result['checkpoints_during']}.",
    ]
    return "\n".join(lines)


def main() -> None:
    args = _arguments()
    require("wrk", "wrk")
    args.out.mkdir(parents=True, exist_ok=True)
    result = soak(args)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"soak-{stamp}.json").write_text(json.dumps(result, indent=2))
    table = markdown(result)
    (args.out / f"soak-{stamp}.md").write_text(table)
    print()
    print(table)


if __name__ == "__main__":
    main()
