"""/api/v1/notifications and /api/v1/notification-preferences on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.models.notification import Channel, NotificationType


class NotificationRead(ReadSchema):
    id: UUID
    type: str
    title: str
    body: str | None
    entity_type: str | None
    entity_id: UUID | None
    read_at: datetime | None
    created_at: datetime


class NotificationFilter(PageQuery):
    unread: bool | None = None


class UnreadCount(ReadSchema):
    unread: int


class ReadAll(ReadSchema):
    marked: int


class Preference(WriteSchema):
    type: NotificationType
    channel: Channel
    enabled: bool


class PreferenceRead(ReadSchema):
    type: str
    channel: str
    enabled: bool


class PreferencesUpdate(WriteSchema):
    """The choices sent change; the others stay as they are."""

    items: Annotated[list[Preference], Field(min_length=1, max_length=50)]


class PreferenceList(ReadSchema):
    items: list[PreferenceRead]
