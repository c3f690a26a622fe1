"""The load generators: wrk (HTTP, Lua scripts) and pgbench (the same SQL, no HTTP).

Every run is bounded: wrk and pgbench by their duration, the subprocess by a timeout on top.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).parent / "lua"
GRACE_S = 60  # on top of the duration, before a hung generator is killed


@dataclass(frozen=True)
class Load:
    threads: int
    connections: int
    duration_s: int
    warmup_s: int


@dataclass
class Outcome:
    """What a generator reports; latencies in milliseconds."""

    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int
    error_detail: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"{tool} not found: apt-get install -y {package}")
    return path


def wrk(url: str, script: str, env: dict[str, str], load: Load, *, warmup: bool = False) -> Outcome:
    duration = load.warmup_s if warmup else load.duration_s
    argv = [
        require("wrk", "wrk"),
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
        url,
    ]
    full = {**os.environ, **env, "BENCH_LUA": str(LUA), "BENCH_THREADS": str(load.threads)}
    done = subprocess.run(
        argv, env=full, capture_output=True, text=True, timeout=duration + GRACE_S, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    sockets = {k: raw[k] for k in ("connect", "read", "write", "timeout") if raw[k]}
    detail = ", ".join(
        [f"{raw['status']} non-2xx"] * bool(raw["status"])
        + [f"{v} socket {k}" for k, v in sockets.items()]
    )
    return Outcome(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50=raw["p50"] / 1000,
        p95=raw["p95"] / 1000,
        p99=raw["p99"] / 1000,
        errors=raw["status"] + sum(sockets.values()),
        error_detail=detail,
    )


def _quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def pgbench(
    scripts: list[Path], conninfo: dict[str, str], variables: dict[str, str], load: Load
) -> Outcome:
    """`pgbench -M prepared` over the scripts (equal weights) for load.duration_s."""
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as logs:
        argv = [
            require("pgbench", "postgresql-client-15"),
            "-n",
            "-M",
            "prepared",
            f"-c{load.connections}",
            f"-j{load.threads}",
            f"-T{load.duration_s}",
            "-l",
            f"--log-prefix={logs}/tx",
            *[arg for script in scripts for arg in ("-f", f"{script}@1")],
            *[f"-D{k}={v}" for k, v in variables.items()],
            "-h",
            conninfo["host"],
            "-p",
            conninfo["port"],
            "-U",
            conninfo["user"],
            conninfo["dbname"],
        ]
        env = {**os.environ, "PGPASSWORD": conninfo["password"]}
        done = subprocess.run(
            argv,
            env=env,
            capture_output=True,
            text=True,
            timeout=load.duration_s + GRACE_S,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed ({done.returncode}): {done.stderr}")
        latencies = [
            int(parts[2]) / 1000
            for log in Path(logs).iterdir()
            for parts in (line.split() for line in log.read_text().splitlines())
            if len(parts) >= 6 and parts[2].isdigit()
        ]
    failed = sum(
        int(line.split(":")[1].split()[0])
        for line in done.stdout.splitlines()
        if line.startswith("number of failed transactions")
    )
    return Outcome(
        requests=len(latencies),
        seconds=float(load.duration_s),
        p50=_quantile(latencies, 50),
        p95=_quantile(latencies, 95),
        p99=_quantile(latencies, 99),
        errors=failed,
        error_detail=f"{failed} failed" if failed else "",
    )
