"""Statements run on the driver directly (core/prepared.py): in the session's transaction,
with its tenant settings, and failing as SQLAlchemy's own statements fail."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import bindparam, literal_column, select, text
from sqlalchemy.exc import DBAPIError

from maintainpro.core import context, prepared
from maintainpro.core.db import Database, transaction
from maintainpro.core.transient import is_connection_loss, sqlstate

_SETTING = prepared.prepare(
    select(
        literal_column("current_setting('app.organization_id', true)").label("org"),
        literal_column("txid_current()").label("txid"),
        bindparam("echo", type_=None).label("echo"),
    )
)
_DIVIDE = prepared.prepare(select(literal_column("1") / bindparam("zero")))
_SELF_TERMINATE = prepared.prepare(select(literal_column("pg_terminate_backend(pg_backend_pid())")))


async def test_a_prepared_statement_runs_in_the_transaction_with_its_settings(
    database: Database,
) -> None:
    org = uuid4()
    with context.scoped(organization_id=org):
        async with transaction(database.sessions) as session:
            ours = await session.scalar(text("SELECT txid_current()"))
            row = await prepared.fetchrow(session, _SETTING, {"echo": "x"})
            rows = await prepared.fetch(session, _SETTING, {"echo": "y"})
    assert row is not None
    assert (row["org"], row["txid"], row["echo"]) == (str(org), ours, "x")
    assert [r["echo"] for r in rows] == ["y"]


async def test_a_failing_prepared_statement_raises_a_dbapi_error(database: Database) -> None:
    with pytest.raises(DBAPIError) as failed:
        async with transaction(database.sessions) as session:
            await prepared.fetchrow(session, _DIVIDE, {"zero": 0})
    assert sqlstate(failed.value) == "22012"
    assert "$1" in str(failed.value.statement)


async def test_a_connection_lost_under_a_prepared_statement_is_invalidated(
    database: Database,
) -> None:
    with pytest.raises(Exception) as failed:  # noqa: PT011 - whichever form the loss takes
        async with transaction(database.sessions) as session:
            await prepared.fetchrow(session, _SELF_TERMINATE, {})
    assert is_connection_loss(failed.value)
    async with transaction(database.sessions) as session:  # the pool hands out a live one
        assert await session.scalar(text("SELECT 1")) == 1
