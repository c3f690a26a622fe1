"""The wire mapping (C9, D11): every column of an entity round-trips through its read schema in
camelCase, except declared internal columns, which never appear in a response."""

from __future__ import annotations

from datetime import datetime
from ipaddress import ip_address
from uuid import UUID

import httpx
import pytest
from pydantic.alias_generators import to_camel
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.apikey.schemas import ApiKeyRead
from maintainpro.asset.schemas import AssetRead
from maintainpro.audit.schemas import ActivityLogRead
from maintainpro.auth.schemas import SessionRead
from maintainpro.core import context
from maintainpro.core.schemas import ReadSchema
from maintainpro.downtime.schemas import DowntimeRead
from maintainpro.location.schemas import LocationRead
from maintainpro.meter.schemas import MeterRead, ReadingRead
from maintainpro.models import (
    ActivityLog,
    ApiKey,
    Asset,
    Base,
    Contractor,
    DowntimeEvent,
    Location,
    Meter,
    MeterReading,
    Organization,
    User,
    UserSession,
    Vendor,
)
from maintainpro.organization.schemas import OrganizationRead
from maintainpro.user.schemas import UserRead
from maintainpro.vendor.schemas import ContractorRead, VendorRead
from tests.factories.identity import Tenant

INTERNAL: dict[type[Base], frozenset[str]] = {
    User: frozenset({"password_hash", "mfa_secret_encrypted", "mfa_last_step"}),
    Location: frozenset(),
    Organization: frozenset(),
    UserSession: frozenset(),
    ApiKey: frozenset({"digest"}),
    ActivityLog: frozenset(),
    Asset: frozenset({"search_vector"}),
    Meter: frozenset(),
    MeterReading: frozenset(),
    DowntimeEvent: frozenset(),
    Vendor: frozenset(),
    Contractor: frozenset(),
}
READ_SCHEMAS: dict[type[Base], type[ReadSchema]] = {
    User: UserRead,
    Location: LocationRead,
    Organization: OrganizationRead,
    UserSession: SessionRead,
    ApiKey: ApiKeyRead,
    ActivityLog: ActivityLogRead,
    Asset: AssetRead,
    Meter: MeterRead,
    MeterReading: ReadingRead,
    DowntimeEvent: DowntimeRead,
    Vendor: VendorRead,
    Contractor: ContractorRead,
}


@pytest.mark.parametrize("model", list(READ_SCHEMAS), ids=lambda m: m.__tablename__)
def test_read_schemas_cover_every_column_but_the_internal_ones(model: type[Base]) -> None:
    columns = {column.key for column in inspect(model).columns}
    fields = set(READ_SCHEMAS[model].model_fields)
    assert columns - INTERNAL[model] <= fields, "a column would be dropped silently"
    assert not INTERNAL[model] & fields, "an internal column would leak"


def _wire(value: object) -> object:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


async def _row(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, model: type[Base], key: UUID
) -> Base:
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session:
            return await session.get_one(model, key)


@pytest.mark.parametrize(
    ("model", "path"),
    [
        (Location, "/api/v1/locations/{north}"),
        (User, "/api/v1/users/{technician}"),
        (Organization, "/api/v1/organization"),
    ],
)
async def test_every_column_round_trips_in_camel_case(
    client: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    model: type[Base],
    path: str,
) -> None:
    keys = {"north": acme.north.id, "technician": acme.users["technician"].id}
    response = await client.get(path.format(**keys), headers=acme.headers("admin"))
    body = response.json()
    row = await _row(sessions, acme, model, UUID(body["id"]))
    for column in inspect(model).columns:
        if column.key in INTERNAL[model]:
            assert to_camel(column.key) not in body
            continue
        got = body[to_camel(column.key)]
        expected = _wire(getattr(row, column.key))
        if isinstance(expected, str) and column.key.endswith("_at"):
            assert datetime.fromisoformat(got) == datetime.fromisoformat(expected)
        else:
            assert got == expected, column.key
    assert set(body) >= {to_camel(c.key) for c in inspect(model).columns} - {
        to_camel(c) for c in INTERNAL[model]
    }


async def test_session_rows_round_trip(client: httpx.AsyncClient, acme: Tenant) -> None:
    sessions = (await client.get("/api/v1/auth/sessions", headers=acme.headers("admin"))).json()
    assert sessions[0]["userId"] == str(acme.users["admin"].id)
    assert sessions[0]["ip"] is None or ip_address(sessions[0]["ip"])
