"""Rows as the arrays a set-based `INSERT ... SELECT ... FROM unnest(...)` reads: one list a
parameter, and the organization as `org`."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID


def columns(
    organization_id: UUID, names: str, rows: Iterable[tuple[object, ...]]
) -> dict[str, object]:
    """The rows' fields as one list each, named in their order by `names` (space-separated)."""
    keys = names.split()
    arrays = [list(values) for values in zip(*rows, strict=True)] or [[] for _ in keys]
    return {"org": organization_id, **dict(zip(keys, arrays, strict=True))}
