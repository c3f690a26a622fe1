"""The Markdown table of a run: API, floor, their ratio, CPU per request and pgbench."""

from __future__ import annotations

from bench.run import Measure, Row, Run

HEADER = (
    "| request | API req/s | API p50 / p95 / p99 ms | errors (API / floor) | floor req/s"
    " | floor p50 / p95 / p99 ms | ratio req/s | ratio p99 | API CPU ms/req (app + PG)"
    " | floor CPU ms/req (app + PG) | pgbench tps (p99 ms, PG CPU ms/tx) | target |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def _rate(m: Measure | None) -> str:
    return f"{m.outcome.rate:,.0f}" if m else "-"


def _latency(m: Measure | None) -> str:
    if m is None:
        return "-"
    o = m.outcome
    return f"{o.p50:.1f} / {o.p95:.1f} / {o.p99:.1f}"


def _cpu(m: Measure | None) -> str:
    return f"{m.app_cpu_ms:.2f} + {m.pg_cpu_ms:.2f}" if m else "-"


def _errors(m: Measure | None) -> str:
    if m is None:
        return "-"
    return f"{m.outcome.errors} ({m.outcome.error_detail})" if m.outcome.errors else "0"


def _ratio(api: float | None, floor: float | None) -> str:
    return f"{api / floor:.2f}" if api and floor else "-"


def _pgbench(m: Measure | None) -> str:
    if m is None:
        return "-"
    return f"{m.outcome.rate:,.0f} ({m.outcome.p99:.1f}, {m.pg_cpu_ms:.2f})"


def _clean(m: Measure | None) -> Measure | None:
    """A side that answered with errors has no rate to compare."""
    return m if m and not m.outcome.errors else None


def line(row: Row) -> str:
    api, floor = row.api, row.floor
    a, f = _clean(api), _clean(floor)
    rate = _ratio(a.outcome.rate if a else None, f.outcome.rate if f else None)
    p99 = _ratio(a.outcome.p99 if a else None, f.outcome.p99 if f else None)
    cells = [
        row.label,
        _rate(api),
        _latency(api),
        f"{_errors(api)} / {_errors(floor)}",
        _rate(floor),
        _latency(floor),
        rate,
        p99,
        _cpu(api),
        _cpu(floor),
        _pgbench(row.pgbench),
        row.target,
    ]
    return "| " + " | ".join(cells) + " |"


def markdown(run: Run) -> str:
    c = run.conditions
    head = (
        f"Run {c['date']}: {c['tenants']} tenants x {c['assets_per_tenant']:,} assets,"
        f" {c['workers']} workers per server, wrk {c['wrk']} (warm-up {c['warmup_s']} s),"
        f" {c['cores']} cores, load average at start {c['load_average']}."
    )
    return "\n".join([head, "", HEADER, *(line(r) for r in run.rows)]) + "\n"
