"""Reading query plans: which scans serve a statement (D3 index tests)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.core.prepared import Prepared


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def plan_nodes(
    conn: AsyncConnection, sql: str, params: dict[str, object] | None = None
) -> list[dict[str, Any]]:
    result = await conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), params or {})
    return list(_nodes(result.scalar_one()[0]["Plan"]))


async def prepared_plan_nodes(
    conn: AsyncConnection, statement: Prepared, params: Mapping[str, object]
) -> list[dict[str, Any]]:
    """The plan of a statement run on the driver directly (`core/prepared.py`)."""
    explain = f"EXPLAIN (FORMAT JSON) {statement.sql}"
    result = await conn.exec_driver_sql(explain, statement.args(params))
    return list(_nodes(result.scalar_one()[0]["Plan"]))


def assert_indexed(nodes: list[dict[str, Any]], table: str) -> None:
    """No sequential scan of the table, and one of its own indexes in the plan."""
    scans = [n for n in nodes if n.get("Relation Name") == table]
    assert scans, nodes
    assert all(n["Node Type"] != "Seq Scan" for n in scans), scans
    used = {n["Index Name"] for n in nodes if "Index Name" in n}
    assert any(name.startswith((f"ix_{table}_", f"uq_{table}_", f"pk_{table}")) for name in used), (
        nodes
    )


def literal_sql(statement: Select[Any]) -> str:
    return str(
        statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )
