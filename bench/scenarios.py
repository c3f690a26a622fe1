"""The benchmarked requests: wrk script and inputs per side (API or floor), pgbench script for
the reads, and the target the issue sets for the ratio to the floor."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import inventory, sql, work_orders
from bench.data import COMMON_TERM, LOGIN_USERS, RARE_TERM
from bench.fixtures import Fixtures
from maintainpro.core.pagination import decode_cursor

PAGE = 50
BULK_BATCH = 5000
BULK_CONNECTIONS = 4  # 5,000-reading requests: a few in flight, not 32
BULK_ASSIGN_CONNECTIONS = 8  # 100 work orders a request: 32 in flight would only queue
LOGIN_CONNECTIONS = 4  # argon2 costs ~0.1-1 s of CPU per sign-in: 32 in flight only time out


@dataclass(frozen=True)
class Side:
    name: str  # "api" or "floor"
    auth: str  # Authorization header value ("" for none)
    meter_ids: list[str]  # the meters this side's bulk readings go to, one per connection


Env = Callable[[Fixtures, Side], dict[str, str]]


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    script: str
    env: Env
    target: str
    floor: str | None = None  # key of the floor measurement to compare with (None: no floor)
    pgbench: Callable[[Fixtures, Path], list[Path]] | None = None
    connections: int | None = None  # overrides -c (bulk)
    threads: int | None = None  # overrides -t (bulk: a thread, and a meter, per connection)
    auth: str = "token"  # "token", "key", "technician" (tenant A's first) or "none"


def _get(path: str) -> Env:
    def env(fx: Fixtures, side: Side) -> dict[str, str]:
        return {"BENCH_PATH": path.format(cursor=fx.cursor), "BENCH_AUTH": side.auth}

    return env


def _by_id(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_PREFIX": "/api/v1/assets/",
        "BENCH_IDS": str(fx.ids_path),
        "BENCH_AUTH": side.auth,
    }


def _create(fx: Fixtures, side: Side) -> dict[str, str]:
    # Unique per invocation: the warm-up and the measured run never share a code.
    nonce = f"{fx.run_id}{side.name[0]}{time.monotonic_ns() % 10**9}"
    return {"BENCH_RUN": nonce, "BENCH_AUTH": side.auth}


def _update(fx: Fixtures, side: Side) -> dict[str, str]:
    return {"BENCH_ROWS": str(fx.update_rows()), "BENCH_AUTH": side.auth}


def _bulk(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_METERS": ",".join(side.meter_ids),
        "BENCH_START": str(fx.bulk_start(side.meter_ids)),
        "BENCH_ORIGIN": str(fx.origin),
        "BENCH_BATCH": str(BULK_BATCH),
        "BENCH_AUTH": side.auth,
    }


def _login(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_EMAIL": f"login-%d@{fx.tenant.slug}.example.com",
        "BENCH_USERS": str(LOGIN_USERS),
        "BENCH_PASSWORD": fx.dataset.password,
    }


# pgbench: the same transaction, the tenant as -D variables (:org, :user), inputs as literals.
_PGBENCH_CONTEXT = (
    sql.SET_CONTEXT.replace("$1", ":org")
    .replace("$2", ":user")
    .replace("$3", "'pgbench'")
    .replace("$4", "'127.0.0.1'")
    .replace("$5", "'30000'")
)


def _bind(statement: str, values: list[str]) -> str:
    for n in range(len(values), 0, -1):  # $10 before $1
        statement = statement.replace(f"${n}", values[n - 1])
    return statement


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _script(directory: Path, name: str, *statements: str, plans: str = sql.AUTO) -> Path:
    path = directory / f"{name}.sql"
    body = "".join(f"{s.strip()};\n" for s in statements)
    context = _PGBENCH_CONTEXT.replace("$6", f"'{plans}'")
    path.write_text(f"BEGIN;\n{context};\n{body}COMMIT;\n")
    return path


def _pg(
    name: str, statement: str, values: list[str], plans: str = sql.AUTO
) -> Callable[[Fixtures, Path], list[Path]]:
    def scripts(fx: Fixtures, directory: Path) -> list[Path]:
        return [_script(directory, name, _bind(statement, [":org", *values]), plans=plans)]

    return scripts


def _pg_ids(
    name: str, ids_of: Callable[[Fixtures], Path], *statements: str, plans: str = sql.AUTO
) -> Callable[[Fixtures, Path], list[Path]]:
    """One script per id of the first 64 sampled (pgbench takes up to 128 scripts), the
    statements ($1 organization, $2 id) in one transaction."""

    def scripts(fx: Fixtures, directory: Path) -> list[Path]:
        ids = ids_of(fx).read_text().split()[:64]
        return [
            _script(
                directory,
                f"{name}_{n}",
                *(_bind(statement, [":org", f"'{i}'"]) for statement in statements),
                plans=plans,
            )
            for n, i in enumerate(ids)
        ]

    return scripts


_pg_by_id = _pg_ids("by_id", lambda fx: fx.ids_path, sql.ASSET_BY_ID)


def _pg_list(key: str, query: str) -> Callable[[Fixtures, Path], list[Path]]:
    def scripts(fx: Fixtures, directory: Path) -> list[Path]:
        statement, plans = work_orders.list_sql(fx, query)
        return [_script(directory, key, statement, plans=plans)]

    return scripts


def _pg_cursor(fx: Fixtures, directory: Path) -> list[Path]:
    name, last = decode_cursor(fx.cursor, parts=2)
    statement = _bind(sql.CURSOR_PAGE, [":org", _literal(name), f"'{last}'", str(PAGE + 1)])
    return [_script(directory, "deep", statement)]


def _pg_search(term: str) -> Callable[[Fixtures, Path], list[Path]]:
    def scripts(fx: Fixtures, directory: Path) -> list[Path]:
        values = [_literal(term), "NULL", "NULL", "NULL", ":org", str(PAGE + 1)]
        return [_script(directory, f"search_{term}", _bind(sql.SEARCH, values))]

    return scripts


ASSETS = "/api/v1/assets"
SCENARIOS = [
    Scenario(
        "by_id",
        "GET /assets/{id}",
        "by_id.lua",
        _by_id,
        ">= 0.6, p99 <= 2x",
        floor="by_id",
        pgbench=_pg_by_id,
    ),
    Scenario(
        "by_id_key",
        "GET /assets/{id} (API key)",
        "by_id.lua",
        _by_id,
        ">= 0.6, p99 <= 2x",
        floor="by_id",
        auth="key",
    ),
    Scenario(
        "first_page",
        f"GET /assets?limit={PAGE}",
        "get.lua",
        _get(f"{ASSETS}?limit={PAGE}"),
        ">= 0.6, p99 <= 2x",
        floor="first_page",
        pgbench=_pg("first_page", sql.FIRST_PAGE, [str(PAGE + 1)]),
    ),
    Scenario(
        "filtered",
        f"GET /assets?status=retired&limit={PAGE}",
        "get.lua",
        _get(f"{ASSETS}?status=retired&limit={PAGE}"),
        ">= 0.5",
        floor="filtered",
        pgbench=_pg("filtered", sql.STATUS_PAGE, ["'retired'", str(PAGE + 1)]),
    ),
    Scenario(
        "search_rare",
        f"GET /assets?q={RARE_TERM} (selective)",
        "get.lua",
        _get(f"{ASSETS}?q={RARE_TERM}&limit={PAGE}"),
        ">= 0.5",
        floor="search_rare",
        pgbench=_pg_search(RARE_TERM),
    ),
    Scenario(
        "search_common",
        f"GET /assets?q={COMMON_TERM} (every asset)",
        "get.lua",
        _get(f"{ASSETS}?q={COMMON_TERM}&limit={PAGE}"),
        "documented, bounded",
        floor="search_common",
        pgbench=_pg_search(COMMON_TERM),
    ),
    Scenario(
        "deep_page",
        "GET /assets?cursor=<half-way>",
        "get.lua",
        _get(f"{ASSETS}?limit={PAGE}&cursor={{cursor}}"),
        "(as first page)",
        floor="deep_page",
        pgbench=_pg_cursor,
    ),
    Scenario("create", "POST /assets", "create.lua", _create, ">= 0.4", floor="create"),
    Scenario(
        "update", "PATCH /assets/{id} (If-Match)", "update.lua", _update, ">= 0.4", floor="update"
    ),
    Scenario(
        "bulk",
        f"POST /meter-readings/bulk ({BULK_BATCH:,})",
        "bulk.lua",
        _bulk,
        ">= 0.5",
        floor="bulk",
        connections=BULK_CONNECTIONS,
        threads=BULK_CONNECTIONS,
    ),
    Scenario(
        "login",
        "POST /auth/login",
        "login.lua",
        _login,
        "-",
        auth="none",
        connections=LOGIN_CONNECTIONS,
    ),
    Scenario(
        "health", "GET /health/live", "get.lua", _get("/health/live"), ">= 0.8", floor="health"
    ),
    # Work orders (issue 9): bench/work_orders.py holds their data, SQL, floor routes and inputs.
    Scenario(
        "wo_by_id",
        "GET /work-orders/{id}",
        "by_id.lua",
        work_orders.by_id_env,
        ">= 0.6, p99 <= 2x",
        floor="wo_by_id",
        pgbench=_pg_ids("wo_by_id", work_orders.ids, work_orders.BY_ID, plans=sql.GENERIC),
    ),
    Scenario(
        "wo_first_page",
        f"GET /work-orders?limit={PAGE}",
        "get.lua",
        _get(f"/api/v1/work-orders?limit={PAGE}"),
        ">= 0.6",
        floor="wo_first_page",
        pgbench=_pg("wo_first_page", work_orders.FIRST_PAGE, [str(PAGE + 1)], plans=sql.GENERIC),
    ),
    Scenario(
        "wo_create",
        "POST /work-orders",
        "wo_create.lua",
        work_orders.create_env,
        ">= 0.4",
        floor="wo_create",
    ),
    Scenario(
        "wo_transition",
        "POST /work-orders/{id}/transitions (in_progress <-> on_hold, If-Match)",
        "wo_transition.lua",
        work_orders.transition_env,
        ">= 0.4",
        floor="wo_transition",
    ),
    # Inventory: bench/inventory.py holds its data, SQL, floor routes and inputs.
    Scenario(
        "part_list",
        f"GET /parts?limit={PAGE}",
        "get.lua",
        _get(f"/api/v1/parts?limit={PAGE}"),
        ">= 0.6",
        floor="part_list",
        pgbench=_pg("part_list", inventory.FIRST_PAGE, [str(PAGE + 1)]),
    ),
    Scenario(
        "part_stock",
        "GET /parts/{id}/stock",
        "by_id.lua",
        inventory.stock_env,
        ">= 0.6",
        floor="part_stock",
        pgbench=_pg_ids("part_stock", inventory.part_ids, inventory.PART_FOUND, inventory.STOCK),
    ),
    Scenario(
        "stock_receipt",
        "POST /stock-movements (receipt)",
        "receipt.lua",
        inventory.receipt_env,
        ">= 0.4",
        floor="stock_receipt",
    ),
    Scenario(
        "stock_issue",
        "POST /work-orders/{id}/parts/{usageId}/issue",
        "issue.lua",
        inventory.issue_env,
        ">= 0.4",
        floor="stock_issue",
    ),
    # Scale (issue 10): compared from one data size to the next; the lists against a floor
    # running the API's own statement.
    *(
        Scenario(
            f"wo_{key}",
            f"GET /work-orders?{query}",
            "get.lua",
            work_orders.list_env(query),
            "p95 <= 1.3x at 100k",
            floor=f"wo_{key}",
            pgbench=_pg_list(f"wo_{key}", query),
        )
        for key, query in (
            ("filtered", "status=in_progress"),
            ("overdue", "overdue=true"),
            ("search_rare", f"q={work_orders.rare_term()}"),
            ("search_common", "q=pump"),
            ("deep_page", "cursor={cursor}"),
        )
    ),
    Scenario(
        "wo_bulk_assign",
        f"POST /work-orders/bulk/assign ({work_orders.BULK_SIZE})",
        "bulk_assign.lua",
        work_orders.bulk_assign_env,
        "p95 <= 1.3x at 100k",
        connections=BULK_ASSIGN_CONNECTIONS,
    ),
    Scenario(
        "wo_calendar",
        "GET /calendar.ics (a technician's feed)",
        "get.lua",
        _get("/api/v1/calendar.ics"),
        "p95 <= 1.3x at 100k",
        auth="technician",
    ),
    Scenario(
        "asset_history",
        f"GET /assets/{{id}}/history?limit={PAGE}",
        "by_id.lua",
        work_orders.asset_history_env,
        "p95 <= 1.3x at 100k",
    ),
    Scenario(
        "wo_mine",
        "GET /work-orders?assignedToMe=true (a technician)",
        "get.lua",
        work_orders.list_env("assignedToMe=true"),
        "p95 <= 1.3x at 100k",
        floor="wo_mine",
        pgbench=_pg_list("wo_mine", "assignedToMe=true"),
        auth="technician",
    ),
]
BY_KEY = {s.key: s for s in SCENARIOS}
