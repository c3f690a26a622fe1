from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base


class AuthThrottle(Base):
    """Failed-login state per (account, client IP), shared by every worker. Keyed by a digest:
    it is written before any tenant is known and holds no personal data in clear."""

    __tablename__ = "auth_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RateLimitWindow(Base):
    """Fixed-window request counters shared by every worker (login and other strict routes)."""

    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, server_default="0")
