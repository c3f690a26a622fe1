"""CSV and JSON renderings of the audit trail, produced row by row for streaming."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import orjson

from maintainpro.audit.schemas import ActivityLogRead

COLUMNS = tuple(ActivityLogRead.model_fields)


def _csv_line(values: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


async def as_csv(entries: AsyncIterator[ActivityLogRead]) -> AsyncIterator[str]:
    yield _csv_line([ActivityLogRead.model_fields[name].alias or name for name in COLUMNS])
    async for entry in entries:
        data = entry.model_dump(mode="json", by_alias=False)
        yield _csv_line(
            [
                orjson.dumps(data[name]).decode() if name in {"before", "after"} else data[name]
                for name in COLUMNS
            ]
        )


async def as_json(entries: AsyncIterator[ActivityLogRead]) -> AsyncIterator[str]:
    yield "["
    first = True
    async for entry in entries:
        yield ("" if first else ",") + entry.model_dump_json()
        first = False
    yield "]"
