"""Every ORM table; Alembic imports this package as its single source of metadata."""

from maintainpro.models.activity_log import ActivityLog
from maintainpro.models.base import Base
from maintainpro.models.location import Location
from maintainpro.models.organization import Organization
from maintainpro.models.outbox import OutboxEvent

__all__ = ["ActivityLog", "Base", "Location", "Organization", "OutboxEvent"]
