"""The wire mapping (C9, D11): every column of an entity round-trips through its read schema in
camelCase, except declared internal columns, which never appear in a response."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from ipaddress import ip_address
from uuid import UUID

import httpx
import pytest
from pydantic.alias_generators import to_camel
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.apikey.schemas import ApiKeyRead
from maintainpro.asset.schemas import AssetRead
from maintainpro.attachment.schemas import AttachmentRead
from maintainpro.audit.schemas import ActivityLogRead
from maintainpro.auth.schemas import SessionRead
from maintainpro.calendar.schemas import EventRead, FeedRead
from maintainpro.checklist.schemas import ChecklistRead, ItemRead, SignatureRead, TemplateRead
from maintainpro.comment.schemas import CommentRead
from maintainpro.core import context
from maintainpro.core.errors import PROBLEM_JSON
from maintainpro.core.schemas import ReadSchema
from maintainpro.craft.schemas import CraftRead
from maintainpro.downtime.schemas import DowntimeRead
from maintainpro.labor.schemas import LaborEntryRead
from maintainpro.location.schemas import LocationRead
from maintainpro.maintenance.schemas import MaintenanceLogRead
from maintainpro.meter.schemas import MeterRead, ReadingRead
from maintainpro.models import (
    ActivityLog,
    ApiKey,
    Asset,
    Attachment,
    Base,
    CalendarEvent,
    CalendarFeed,
    Checklist,
    ChecklistItem,
    ChecklistSignature,
    Comment,
    Contractor,
    Craft,
    DowntimeEvent,
    LaborEntry,
    Location,
    MaintenanceLog,
    MaintenanceRequest,
    Meter,
    MeterReading,
    Organization,
    RequestLink,
    User,
    UserSession,
    Vendor,
    WorkOrderTemplate,
)
from maintainpro.organization.schemas import OrganizationRead
from maintainpro.request.schemas import RequestLinkRead, RequestRead
from maintainpro.user.schemas import UserRead
from maintainpro.vendor.schemas import ContractorRead, VendorRead
from tests.factories.identity import Tenant
from tests.factories.work_order import make_work_order

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
    WorkOrderTemplate: frozenset(),
    Checklist: frozenset(),
    ChecklistItem: frozenset(),
    ChecklistSignature: frozenset(),
    MaintenanceRequest: frozenset(),
    RequestLink: frozenset({"digest"}),
    CalendarEvent: frozenset(),
    CalendarFeed: frozenset({"digest"}),
    Craft: frozenset(),
    LaborEntry: frozenset(),
    Comment: frozenset({"search_vector"}),
    # Where the bytes live is the server's business; `hasThumbnail` says whether there is one.
    Attachment: frozenset({"storage_key", "thumbnail_key"}),
    MaintenanceLog: frozenset(),
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
    WorkOrderTemplate: TemplateRead,
    Checklist: ChecklistRead,
    ChecklistItem: ItemRead,
    ChecklistSignature: SignatureRead,
    MaintenanceRequest: RequestRead,
    RequestLink: RequestLinkRead,
    CalendarEvent: EventRead,
    CalendarFeed: FeedRead,
    Craft: CraftRead,
    LaborEntry: LaborEntryRead,
    Comment: CommentRead,
    Attachment: AttachmentRead,
    MaintenanceLog: MaintenanceLogRead,
}


@pytest.mark.parametrize("model", list(READ_SCHEMAS), ids=lambda m: m.__tablename__)
def test_read_schemas_cover_every_column_but_the_internal_ones(model: type[Base]) -> None:
    columns = {column.key for column in inspect(model).columns}
    fields = set(READ_SCHEMAS[model].model_fields)
    assert columns - INTERNAL[model] <= fields, "a column would be dropped silently"
    assert not INTERNAL[model] & fields, "an internal column would leak"


def _wire(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
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
    _round_trips(model, row, body)


def _round_trips(model: type[Base], row: Base, body: dict[str, object]) -> None:
    for column in inspect(model).columns:
        if column.key in INTERNAL[model]:
            assert to_camel(column.key) not in body
            continue
        got = body[to_camel(column.key)]
        expected = _wire(getattr(row, column.key))
        if isinstance(expected, str) and column.key.endswith("_at"):
            assert isinstance(got, str)
            assert datetime.fromisoformat(got) == datetime.fromisoformat(expected)
        else:
            assert got == expected, column.key
    assert set(body) >= {to_camel(c.key) for c in inspect(model).columns} - {
        to_camel(c) for c in INTERNAL[model]
    }


async def test_labor_rows_round_trip(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Numbers (rates, hours, costs) travel as decimal strings."""
    headers = acme.headers("admin")
    craft = await client.post(
        "/api/v1/crafts", headers=headers, json={"name": "Fitter", "hourlyRate": "42.50"}
    )
    work = await make_work_order(client, acme)
    entry = await client.post(
        f"/api/v1/work-orders/{work['id']}/labor",
        headers=headers,
        json={"hours": "1.25", "craftId": craft.json()["id"], "note": "n"},
    )
    for model, response in ((Craft, craft), (LaborEntry, entry)):
        assert response.status_code == 201, response.text
        body = response.json()
        _round_trips(model, await _row(sessions, acme, model, UUID(body["id"])), body)


async def test_session_rows_round_trip(client: httpx.AsyncClient, acme: Tenant) -> None:
    sessions = (await client.get("/api/v1/auth/sessions", headers=acme.headers("admin"))).json()
    assert sessions[0]["userId"] == str(acme.users["admin"].id)
    assert sessions[0]["ip"] is None or ip_address(sessions[0]["ip"])


NUL, SURROGATE = "\u0000", "\ud800"
TEXT_POSTS = [
    ("/api/v1/vendors", {"name": "Acme Supply"}, "name"),
    ("/api/v1/crafts", {"name": "Electrician", "hourlyRate": "50"}, "name"),
    ("/api/v1/assets", {"code": "P-100", "name": "Pump"}, "name"),
    ("/api/v1/locations", {"code": "WEST", "name": "West", "kind": "site"}, "name"),
    (
        "/api/v1/users",
        {"email": "nul@acme.example.com", "fullName": "N", "role": "requester"},
        "fullName",
    ),
]


def _body(payload: dict[str, object]) -> bytes:
    """JSON with a lone surrogate kept as its `\\ud800` escape (valid JSON text, invalid UTF-16)."""
    return json.dumps(payload, ensure_ascii=True).encode()


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["code"] == "validation_failed"
    # The field, or a key inside it (pydantic names a refused mapping key itself).
    assert len(problem["errors"]) == 1
    assert problem["errors"][0]["field"] in {field, f"{field}.k\ufffd\ufffd\ufffd.[key]"}
    # pydantic-core refuses a surrogate in some string types itself (`string_unicode`).
    assert problem["errors"][0]["code"] in {"invalid_character", "string_unicode"}


@pytest.mark.parametrize("char", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize(
    ("path", "payload", "field"), TEXT_POSTS, ids=[p[0].rsplit("/", 1)[1] for p in TEXT_POSTS]
)
async def test_a_text_field_refuses_nul_and_lone_surrogates(
    client: httpx.AsyncClient,
    acme: Tenant,
    path: str,
    payload: dict[str, object],
    field: str,
    char: str,
) -> None:
    body = {**payload, field: f"bad{char}text"}
    headers = {**acme.headers("admin"), "Content-Type": "application/json"}
    _refused(await client.post(path, content=_body(body), headers=headers), field)
    ok = await client.post(path, content=_body(payload), headers=headers)
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"contacts": [{"name": f"A{NUL}"}]}, "contacts.0.name"),
        ({"services": ["pumps", f"val{NUL}ves"]}, "services"),
        ({"notes": f"x{SURROGATE}"}, "notes"),
    ],
    ids=["nested-model", "list-of-str", "surrogate"],
)
async def test_nested_and_list_text_refuses_nul(
    client: httpx.AsyncClient, acme: Tenant, payload: dict[str, object], field: str
) -> None:
    headers = {**acme.headers("admin"), "Content-Type": "application/json"}
    body = _body({"name": "Acme Supply", **payload})
    _refused(await client.post("/api/v1/vendors", content=body, headers=headers), field)


@pytest.mark.parametrize(
    "specifications",
    [{f"ke{NUL}y": 1}, {"rating": {"unit": [f"k{NUL}W"]}}, {f"k{SURROGATE}": "v"}],
    ids=["dict-key", "nested-dict-list-value", "surrogate-key"],
)
async def test_json_keys_and_values_refuse_nul(
    client: httpx.AsyncClient, acme: Tenant, specifications: dict[str, object]
) -> None:
    headers = {**acme.headers("admin"), "Content-Type": "application/json"}
    body = _body({"code": "P-1", "name": "Pump", "specifications": specifications})
    _refused(await client.post("/api/v1/assets", content=body, headers=headers), "specifications")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/assets?q=%00", "q"),
        ("/api/v1/vendors?cursor=ab%00cd", "cursor"),
    ],
    ids=["q", "cursor"],
)
async def test_query_parameters_refuse_nul(
    client: httpx.AsyncClient, acme: Tenant, path: str, field: str
) -> None:
    _refused(await client.get(path, headers=acme.headers("admin")), field)
