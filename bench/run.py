"""One benchmark run: data, both servers, every scenario on the API, the floor and pgbench."""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from bench import data, procs, work_orders
from bench.fixtures import Fixtures
from bench.load import Load, Outcome, pgbench, require, wrk
from bench.scenarios import SCENARIOS, Scenario, Side
from maintainpro.config import Settings
from maintainpro.core.database import Role, password_for
from maintainpro.core.db import create_sync_engine

ROOT = Path(__file__).resolve().parent.parent
# BENCH_PORT: the API's port (the floor takes the next one), for a second run side by side.
API_PORT = int(os.environ.get("BENCH_PORT", "8701"))
FLOOR_PORT = API_PORT + 1
POOL_PER_WORKER = 16


@dataclass
class Measure:
    """One generator run on one side, with the CPU it cost per request (milliseconds)."""

    outcome: Outcome
    app_cpu_ms: float
    pg_cpu_ms: float


@dataclass
class Row:
    key: str
    label: str
    target: str
    api: Measure | None = None
    floor: Measure | None = None
    pgbench: Measure | None = None
    failures: list[str] = field(default_factory=list)


@dataclass
class Run:
    conditions: dict[str, object]
    rows: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _server_env(settings: Settings, workers: int) -> dict[str, str]:
    assert settings.database.url is not None, "set MAINTAINPRO_DATABASE__URL (see ci-env.sh)"
    url = settings.database.url.rsplit("/", 1)[0] + f"/{data.DATABASE}"
    return {
        **os.environ,
        "MAINTAINPRO_ENVIRONMENT": "production",
        "MAINTAINPRO_DATABASE__URL": url,
        "MAINTAINPRO_LOG__LEVEL": "WARNING",
        "MAINTAINPRO_LOG__SQL": "false",
        # Production behind a proxy that logs requests: no access log line per request.
        "MAINTAINPRO_LOG__ACCESS": "false",
        "MAINTAINPRO_HTTP__WORKERS": str(workers),
        # Worker start-up on a loaded 2-core machine exceeds uvicorn's 5 s default.
        "MAINTAINPRO_HTTP__WORKER_HEALTHCHECK_TIMEOUT_S": "120",
        # 16 connections per worker at most, for the API and the floor alike: enough for wrk's
        # 32 connections over 2 workers, and within the shared server's 100 slots. All of them
        # in the pool, none as overflow: SQLAlchemy closes an overflow connection when it is
        # returned, so under 16 concurrent requests per worker a pool of 8 + 8 opened and
        # closed connections all the time (TLS and SCRAM included), where the floor's asyncpg
        # pool keeps its 16 open.
        "MAINTAINPRO_DATABASE__POOL_SIZE": str(POOL_PER_WORKER),
        "MAINTAINPRO_DATABASE__MAX_OVERFLOW": "0",
        "BENCH_FLOOR_POOL": str(POOL_PER_WORKER),
        "MAINTAINPRO_AUTH__SECRET_KEY": secrets.token_urlsafe(32),
        # The bench logs in once per scenario and runs a login scenario from one address.
        "MAINTAINPRO_AUTH__LOGIN_RATE_PER_MINUTE": "100000000",
        "PYTHONPATH": str(ROOT),
    }


def _conninfo(settings: Settings) -> dict[str, str]:
    target = data.server_target(settings)
    secret = password_for(settings.database, Role.APP)
    return {
        "host": target.url.host or "127.0.0.1",
        "port": str(target.url.port or 5432),
        "user": str(Role.APP),
        "password": secret.get_secret_value() if secret else "",
        "dbname": data.DATABASE,
    }


def _serve(port: int, workers: int) -> list[str]:
    """The API as production runs it: `maintainpro serve` (uvloop, httptools, the worker
    health-check timeout from the environment above)."""
    command = str(Path(sys.executable).with_name("maintainpro"))
    return [command, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def _uvicorn(factory: str, port: int, workers: int) -> list[str]:
    """The floor alike: uvicorn's CLI (uvloop, httptools), the app factory, N workers."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--timeout-worker-healthcheck",
        "120",
    ]


def _servers(settings: Settings, workers: int, out: Path, fx: Fixtures) -> list[procs.Server]:
    env = _server_env(settings, workers)
    api = procs.Server(
        "api",
        _serve(API_PORT, workers),
        env,
        API_PORT,
        out / "api.log",
    )
    info = _conninfo(settings)
    floor_env = {
        **env,
        "BENCH_FLOOR_DSN": (
            f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}"
            f"/{info['dbname']}"
        ),
        "BENCH_FLOOR_ORG": fx.tenant.organization_id,
        "BENCH_FLOOR_USER": fx.tenant.admin_id,
        "BENCH_FLOOR_TECHNICIAN": work_orders.technician_id(fx),
    }
    floor = procs.Server(
        "floor",
        _uvicorn("bench.floor:create_app", FLOOR_PORT, workers),
        floor_env,
        FLOOR_PORT,
        out / "floor.log",
    )
    return [api, floor]


def _measured(
    run: Callable[[], Outcome], groups: dict[str, Callable[[], dict[int, float]]]
) -> Measure:
    with procs.CpuMeter(groups) as cpu:
        outcome = run()
    used = cpu.used()
    per = 1000 / outcome.requests if outcome.requests else 0.0
    return Measure(outcome, used.get("app", 0.0) * per, used.get("pg", 0.0) * per)


def _attempt(row: Row, side: str, measure: Callable[[], Measure | None]) -> Measure | None:
    """A failed measurement is recorded in the row, not fatal to the run."""
    try:
        return measure()
    except (RuntimeError, OSError) as exc:
        print(f"    {side} failed: {exc}", flush=True)
        row.failures.append(f"{side}: {str(exc)[:300]}")
        return None


class Bench:
    def __init__(self, settings: Settings, load: Load, workers: int, assets: int, out: Path):
        self.settings, self.load, self.workers, self.out = settings, load, workers, out
        self.assets = assets
        self.work_orders = work_orders.WORK_ORDERS  # per tenant
        self.scale = 0  # a scale run's work orders in all (bench/scale.py)
        self.pg: Callable[[], dict[int, float]] = lambda: procs.backends(data.DATABASE)

    def _side(self, scenario: Scenario, fx: Fixtures, server: procs.Server, side: Side) -> Measure:
        load = self.load
        if scenario.connections is not None:
            threads = scenario.threads or load.threads
            load = Load(threads, scenario.connections, load.duration_s, load.warmup_s)
        url = f"http://127.0.0.1:{server.port}"
        procs.settle(server.pid, data.DATABASE)
        if load.warmup_s:
            wrk(url, scenario.script, scenario.env(fx, side), load, warmup=True)
            procs.settle(server.pid, data.DATABASE)
        env = scenario.env(fx, side)
        app: Callable[[], dict[int, float]] = lambda: procs.tree(server.pid)  # noqa: E731
        return _measured(lambda: wrk(url, scenario.script, env, load), {"app": app, "pg": self.pg})

    def _pgbench(self, scenario: Scenario, fx: Fixtures) -> Measure | None:
        if scenario.pgbench is None:
            return None
        directory = self.out / "pgbench"
        directory.mkdir(exist_ok=True)
        scripts = scenario.pgbench(fx, directory)
        variables = {"org": fx.tenant.organization_id, "user": fx.tenant.admin_id}
        info = _conninfo(self.settings)
        return _measured(lambda: pgbench(scripts, info, variables, self.load), {"pg": self.pg})

    def scenario(
        self, scenario: Scenario, fx: Fixtures, api: procs.Server, floor: procs.Server, key: str
    ) -> Row:
        """The API, then the floor, one after the other (the second server idles meanwhile)."""
        print(f"  {scenario.label}", flush=True)
        row = Row(scenario.key, scenario.label, scenario.target)
        token = fx.login(f"http://127.0.0.1:{api.port}")
        if scenario.auth == "technician":
            email = work_orders.TECHNICIAN.format(slug=fx.tenant.slug)
            token = fx.login(f"http://127.0.0.1:{api.port}", email)
        auth = {"key": f"Bearer {key}", "none": ""}.get(scenario.auth, f"Bearer {token}")
        row.api = _attempt(
            row,
            "api",
            lambda: self._side(scenario, fx, api, Side("api", auth, fx.tenant.api_meter_ids)),
        )
        if scenario.floor == scenario.key:
            floor_side = Side("floor", auth, fx.tenant.floor_meter_ids)
            row.floor = _attempt(row, "floor", lambda: self._side(scenario, fx, floor, floor_side))
        return row

    def run(self, selected: list[str] | None, reset: bool) -> Run:
        require("wrk", "wrk")
        require("pgbench", "postgresql-client-15")
        self.out.mkdir(parents=True, exist_ok=True)
        dataset = data.generate(
            self.settings,
            self.assets,
            self.out / "data.json",
            reset=reset,
            work_order_rows=self.work_orders,
            scale_total=self.scale,
        )
        engine = create_sync_engine(
            data.server_target(self.settings), self.settings.database, Role.MAINT
        )
        fx = Fixtures(engine, dataset, self.out, run_id=time.strftime("%m%d%H%M%S"))
        fx.prepare()
        api, floor = _servers(self.settings, self.workers, self.out, fx)
        run = Run(self.conditions(dataset))
        chosen = [s for s in SCENARIOS if not selected or s.key in selected]
        try:
            api.start("/health/ready")
            floor.start("/health/live")
            token = fx.login(f"http://127.0.0.1:{api.port}")
            key = fx.api_key(f"http://127.0.0.1:{api.port}", token)
            for scenario in chosen:
                row = self.scenario(scenario, fx, api, floor, key)
                if row.floor is None and scenario.floor is not None:
                    row.floor = next((r.floor for r in run.rows if r.key == scenario.floor), None)
                run.rows.append(row)
        finally:
            api.stop()
            floor.stop()
        # pgbench last, with both servers gone: its connections come on top of nothing else.
        try:
            for row, scenario in zip(run.rows, chosen, strict=True):
                if scenario.pgbench is not None:
                    print(f"  pgbench: {scenario.label}", flush=True)
                    row.pgbench = _attempt(row, "pgbench", partial(self._pgbench, scenario, fx))
        finally:
            engine.dispose()
        return run

    def conditions(self, dataset: data.Dataset) -> dict[str, object]:
        return {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "cores": os.cpu_count(),
            "assets_per_tenant": dataset.assets_per_tenant,
            "tenants": len(dataset.tenants),
            "workers": self.workers,
            "wrk": f"-t{self.load.threads} -c{self.load.connections} -d{self.load.duration_s}s",
            "warmup_s": self.load.warmup_s,
            "load_average": os.getloadavg(),
        }
