"""Servers under test and the CPU they burn, read from /proc (Linux only).

A sampler thread polls every `interval` seconds the CPU time (utime + stime) of two process
groups: the server's process tree (uvicorn master and workers) and the PostgreSQL backends
connected to the benchmark database (their process title names it). A process seen for the
first time after the start counts from zero (a new backend's start-up is part of the cost);
a process that exits between two polls loses at most one interval.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None once it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def tree(root: int) -> dict[int, float]:
    """CPU seconds of `root` and every descendant."""
    stats = {pid: s for pid in _pids() if (s := _stat(pid)) is not None}
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in stats.items() if ppid == parent]
        members.update(children)
        frontier += children
    return {pid: stats[pid][1] for pid in members if pid in stats}


def backends(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends connected to `database`."""
    marker = f" {database} ".encode()
    found: dict[int, float] = {}
    for pid in _pids():
        try:
            title = (PROC / str(pid) / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if title.startswith(b"postgres: ") and marker in title:
            stat = _stat(pid)
            if stat is not None:
                found[pid] = stat[1]
    return found


def settle(server_pid: int, database: str, *, quiet_s: float = 0.05, limit_s: float = 90) -> None:
    """Waits until the server and its backends stop burning CPU: wrk abandons the requests in
    flight when its time is up, and the server still finishes them (writes included)."""
    deadline = time.monotonic() + limit_s

    def total() -> float:
        return sum(tree(server_pid).values()) + sum(backends(database).values())

    before = total()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = total()
        if now - before < quiet_s:
            return
        before = now


@dataclass
class Group:
    read: Callable[[], dict[int, float]]
    base: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)

    def poll(self) -> None:
        self.last.update(self.read())

    def used(self) -> float:
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.last.items())


class CpuMeter:
    """CPU seconds of each group over a `with` block."""

    def __init__(self, groups: dict[str, Callable[[], dict[int, float]]], interval: float = 0.2):
        self.groups = {name: Group(read) for name, read in groups.items()}
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for group in self.groups.values():
                group.poll()

    def __enter__(self) -> CpuMeter:
        for group in self.groups.values():
            group.base = group.read()
            group.last = dict(group.base)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for group in self.groups.values():
            group.poll()

    def used(self) -> dict[str, float]:
        return {name: group.used() for name, group in self.groups.items()}


class Server:
    """A uvicorn server started for the run and stopped (SIGTERM, then SIGKILL) afterwards."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log: Path):
        self.name, self.argv, self.env, self.port, self.log = name, argv, env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, ready_path: str, timeout_s: float = 180.0) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        url = f"http://127.0.0.1:{self.port}{ready_path}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} not ready within {timeout_s:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
