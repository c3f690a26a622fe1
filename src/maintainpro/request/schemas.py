from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.work_order.schemas import Priority, Reason, Title, WorkOrderType

RequestStatus = Literal["submitted", "approved", "rejected"]
Description = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Target(WriteSchema):
    asset_id: UUID | None = None
    location_id: UUID | None = None


class RequestCreate(_Target):
    """What a requester reports; at least an asset or a location says where."""

    title: Title
    description: Description | None = None
    priority: Priority = "medium"

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        if self.asset_id is None and self.location_id is None:
            raise ValueError("name an assetId or a locationId")
        return self


class RequestRead(ReadSchema):
    id: UUID
    organization_id: UUID
    title: str
    description: str | None
    asset_id: UUID | None
    location_id: UUID | None
    site_id: UUID | None
    priority: str
    status: str
    requester_id: UUID | None
    requester_name: str | None
    requester_email: str | None
    request_link_id: UUID | None
    decided_by: UUID | None
    decided_at: datetime | None
    rejection_reason: str | None
    work_order_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    version: int


class RequestFilter(PageQuery):
    status: list[RequestStatus] | None = Field(default=None, max_length=3)
    # The other side of the link: the request a work order came from.
    work_order_id: UUID | None = None


class ApproveRequest(WriteSchema):
    """What the approver decides for the work order; the rest comes from the request."""

    type: WorkOrderType = "corrective"
    priority: Priority | None = None
    due_at: AwareDatetime | None = None


class RejectRequest(WriteSchema):
    reason: Reason


class RequestLinkCreate(_Target):
    name: Name | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.asset_id is None) == (self.location_id is None):
            raise ValueError("name exactly one of assetId and locationId")
        return self


class RequestLinkCreated(ReadSchema):
    id: UUID
    url: str


class RequestLinkRead(ReadSchema):
    id: UUID
    organization_id: UUID
    asset_id: UUID | None
    location_id: UUID | None
    name: str | None
    url: str
    revoked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class OpenWorkOrder(ReadSchema):
    number: str
    title: str
    status: str


class PublicTarget(ReadSchema):
    """What anyone holding the link sees: where it points and the work already open there."""

    kind: Literal["asset", "location"]
    name: str
    open_work_orders: list[OpenWorkOrder]


class PublicRequestCreate(WriteSchema):
    title: Title
    description: Description | None = None
    priority: Priority = "medium"
    name: Name | None = None
    email: EmailStr | None = None


class PublicRequestAccepted(ReadSchema):
    id: UUID
    status: str


class PublicPhotoAccepted(ReadSchema):
    """A photo stored on a request filed through a link (only what the sender sent)."""

    id: UUID
    file_name: str
    content_type: str
    size_bytes: int
