"""Wire schemas of vendors and contractors: one set of partner fields, two small extensions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    EmailStr,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema

Status = Literal["active", "inactive", "blocked"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$"
    ),
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
MIN_PHONE_DIGITS = 6
URL_MAX_LENGTH = 500
_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


def _lower(value: str) -> str:
    return value.lower()


def _enough_digits(value: str) -> str:
    if sum(ch.isdigit() for ch in value) < MIN_PHONE_DIGITS:
        raise ValueError(f"a phone number has at least {MIN_PHONE_DIGITS} digits")
    return value


def _http_url(value: str) -> str:
    """pydantic's http(s) check, kept as its normalised text: the column is a string."""
    try:
        url = str(_HTTP_URL.validate_python(value))
    except ValidationError as exc:
        raise ValueError("must be an http or https URL") from exc
    if len(url) > URL_MAX_LENGTH:
        raise ValueError(f"at most {URL_MAX_LENGTH} characters")
    return url


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Email = Annotated[EmailStr, AfterValidator(_lower)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()./-]{6,32}$"),
    AfterValidator(_enough_digits),
]
Website = Annotated[str, AfterValidator(_http_url)]
Tags = Annotated[list[Short], Field(max_length=50), AfterValidator(_unique)]


class Contact(WriteSchema):
    name: Name
    role: Short | None = None
    email: Email | None = None
    phone: Phone | None = None


Contacts = Annotated[list[Contact], Field(max_length=20)]


class ContactRead(ReadSchema):
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None


class _PartnerRead(ReadSchema):
    id: UUID
    organization_id: UUID
    name: str
    email: str | None
    phone: str | None
    website: str | None
    address: str | None
    status: str
    latitude: float | None
    longitude: float | None
    contacts: list[ContactRead]
    notes: str | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class VendorRead(_PartnerRead):
    code: str | None
    services: list[str]


class ContractorRead(_PartnerRead):
    trades: list[str]
    user_id: UUID | None
    vendor_id: UUID | None


class VendorNearby(VendorRead):
    distance_m: float


class ContractorNearby(ContractorRead):
    distance_m: float


class _Optional(WriteSchema):
    """Fields that may be null; on PATCH only the keys sent change."""

    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None
    address: str | None = Field(default=None, max_length=2000)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    notes: str | None = Field(default=None, max_length=10_000)


class PartnerCreate(_Optional):
    name: Name
    status: Status = "active"
    contacts: Contacts = Field(default_factory=list)


class PartnerUpdate(_Optional):
    name: Name | None = None
    status: Status | None = None
    contacts: Contacts | None = None


class VendorCreate(PartnerCreate):
    code: Code | None = None
    services: Tags = Field(default_factory=list)


class VendorUpdate(PartnerUpdate):
    code: Code | None = None
    services: Tags | None = None


class ContractorCreate(PartnerCreate):
    trades: Tags = Field(default_factory=list)
    user_id: UUID | None = None
    vendor_id: UUID | None = None


class ContractorUpdate(PartnerUpdate):
    trades: Tags | None = None
    user_id: UUID | None = None
    vendor_id: UUID | None = None


class PartnerFilter(PageQuery):
    status: Status | None = None


class VendorFilter(PartnerFilter):
    service: Short | None = None


class ContractorFilter(PartnerFilter):
    trade: Short | None = None


class NearbyQuery(QuerySchema):
    lat: Latitude
    lng: Longitude
    radius_m: float = Field(default=50_000, ge=1, le=1_000_000)
    limit: int = Field(default=20, ge=1, le=100)
