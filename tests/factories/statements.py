"""The SQL statements a database's connections send while a block runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from maintainpro.core import prepared
from maintainpro.core.db import Database


class _Prepared(logging.Handler):
    """The statements run on the driver directly (core/prepared.py), from the SQL trace."""

    def __init__(self, sent: list[str]) -> None:
        super().__init__(logging.INFO)
        self.sent = sent

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "prepared", False):
            self.sent.append(record.getMessage())


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """SQLAlchemy's statements and those run on the driver directly, in order."""
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    engine = database.engine.sync_engine
    handler = _Prepared(sent)
    level = prepared.SQL_LOG.level
    event.listen(engine, "before_cursor_execute", record)
    prepared.SQL_LOG.addHandler(handler)
    prepared.SQL_LOG.setLevel(logging.INFO)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
        prepared.SQL_LOG.removeHandler(handler)
        prepared.SQL_LOG.setLevel(level)
