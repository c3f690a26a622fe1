from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, JsonValue, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema

Status = Literal["active", "inactive", "in_maintenance", "retired", "disposed"]
Criticality = Literal["low", "medium", "high", "critical"]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class AssetRead(ReadSchema):
    id: UUID
    organization_id: UUID
    code: str
    name: str
    description: str | None
    category: str | None
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    status: str
    criticality: str
    parent_id: UUID | None
    location_id: UUID | None
    site_id: UUID | None
    latitude: float | None
    longitude: float | None
    purchase_cost: Decimal | None
    replacement_value: Decimal | None
    install_date: date | None
    warranty_expires_on: date | None
    specifications: dict[str, JsonValue]
    label_code: str
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class AssetNode(AssetRead):
    depth: int


class AssetNearby(AssetRead):
    distance_m: float


class _Position(WriteSchema):
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        given = {"latitude", "longitude"} & self.model_fields_set
        if len(given) == 1:
            missing = ({"latitude", "longitude"} - given).pop()
            raise ValueError(f"latitude and longitude go together: {missing} is missing")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude are both set or both null")
        return self


class _Optional(_Position):
    description: str | None = Field(default=None, max_length=10_000)
    category: Short | None = None
    manufacturer: Short | None = None
    model: Short | None = None
    serial_number: Short | None = None
    parent_id: UUID | None = None
    location_id: UUID | None = None
    purchase_cost: Money | None = None
    replacement_value: Money | None = None
    install_date: date | None = None
    warranty_expires_on: date | None = None
    label_code: Code | None = None


class AssetCreate(_Optional):
    code: Code
    name: Name
    status: Status = "active"
    criticality: Criticality = "medium"
    specifications: dict[str, JsonValue] = Field(default_factory=dict)


class AssetUpdate(_Optional):
    """PATCH: only the keys sent change; `null` clears an optional field."""

    code: Code | None = None
    name: Name | None = None
    status: Status | None = None
    criticality: Criticality | None = None
    specifications: dict[str, JsonValue] | None = None


SortKey = Literal["name", "-name", "code", "-code", "createdAt", "-createdAt"]


class AssetFilter(PageQuery):
    status: Status | None = None
    criticality: Criticality | None = None
    category: Short | None = None
    location_id: UUID | None = None
    parent_id: UUID | None = None
    warranty_expiring_before: date | None = None
    min_lat: Latitude | None = None
    max_lat: Latitude | None = None
    min_lng: Longitude | None = None
    max_lng: Longitude | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)
    sort: SortKey = "name"

    @model_validator(mode="after")
    def _box(self) -> Self:
        corners = [self.min_lat, self.max_lat, self.min_lng, self.max_lng]
        if any(c is not None for c in corners) and any(c is None for c in corners):
            raise ValueError("a bounding box needs minLat, maxLat, minLng and maxLng")
        return self


class NearbyQuery(QuerySchema):
    lat: Latitude
    lng: Longitude
    radius_m: float = Field(default=50_000, gt=0, le=1_000_000)
    limit: int = Field(default=20, ge=1, le=100)


class DeleteQuery(QuerySchema):
    children: Literal["refuse", "detach", "delete"] = "refuse"


class LabelQuery(QuerySchema):
    format: Literal["svg", "png"] = "svg"


class AssetRollup(ReadSchema):
    asset_id: UUID
    assets: int
    by_status: dict[str, int]
    by_criticality: dict[str, int]
    down_now: int
    # Work orders in new, assigned, in_progress or on_hold naming any asset of the subtree.
    open_work_orders: int
    open_work_orders_by_priority: dict[str, int]
