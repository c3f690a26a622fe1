"""Injected database failures: real PostgreSQL errors of a chosen SQLSTATE."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

RAISE = "DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{code}'; END $$"


class Flaky:
    """Unit of work that fails with SQLSTATE `code` for its first `failures` calls, then
    answers 42."""

    def __init__(self, code: str = "40001", failures: int = 0) -> None:
        self.code = code
        self.failures = failures
        self.calls = 0

    async def __call__(self, session: AsyncSession) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            await session.execute(text(RAISE.format(code=self.code)))
        return int(await session.scalar(text("SELECT 41 + 1")) or 0)
