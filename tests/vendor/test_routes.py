"""/api/v1/vendors and /api/v1/contractors: CRUD, validation, links, roles, tenant isolation."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import ActivityLog, Contractor, Vendor
from tests.factories.identity import Tenant, make_user


@dataclass(frozen=True)
class Kind:
    url: str
    model: type[Vendor] | type[Contractor]
    tags: str

    def __str__(self) -> str:
        return self.url.rsplit("/", 1)[-1]


VENDORS = Kind("/api/v1/vendors", Vendor, "services")
CONTRACTORS = Kind("/api/v1/contractors", Contractor, "trades")
each_kind = pytest.mark.parametrize("kind", [VENDORS, CONTRACTORS], ids=str)


async def make(
    client: httpx.AsyncClient, tenant: Tenant, kind: Kind, name: str, **body: object
) -> dict[str, object]:
    response = await client.post(
        kind.url, headers=tenant.headers("admin"), json={"name": name, **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def stored(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, kind: Kind
) -> list[Vendor | Contractor]:
    """Every row of the tenant, deleted ones included, straight from the database."""
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session:
            rows = await session.scalars(
                select(kind.model).where(kind.model.organization_id == tenant.organization_id)
            )
            return list(rows)


def full_body(kind: Kind) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Hansen Pumps",
        "email": "Sales@Hansen.Example.COM",
        "phone": "+49 (30) 123-4567",
        "website": "https://hansen.example.com/service",
        "address": "Pumpenweg 1, Berlin",
        "status": "inactive",
        "latitude": 52.52,
        "longitude": 13.405,
        "contacts": [{"name": "Ute", "role": "Sales", "email": "Ute@Hansen.example.com"}],
        "notes": "Call before noon",
        kind.tags: ["pumps", "valves", "pumps"],
    }
    return {**body, "code": "HP-1"} if kind is VENDORS else body


@each_kind
async def test_create_get_patch_and_delete(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession], kind: Kind
) -> None:
    headers = acme.headers("admin")
    created = await client.post(kind.url, headers=headers, json=full_body(kind))
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == 'W/"1"'
    body = created.json()
    assert body["email"] == "sales@hansen.example.com"
    assert body["contacts"] == [
        {"name": "Ute", "role": "Sales", "email": "ute@hansen.example.com", "phone": None}
    ]
    assert body[kind.tags] == ["pumps", "valves"]
    for key in ("name", "phone", "website", "address", "status", "latitude", "longitude", "notes"):
        assert body[key] == full_body(kind)[key], key
    assert body["createdBy"] == str(acme.users["admin"].id)
    target = f"{kind.url}/{body['id']}"
    assert (await client.get(target, headers=acme.headers("technician"))).json() == body

    patched = await client.patch(
        target, headers={**headers, "If-Match": 'W/"1"'}, json={"name": "Hansen", "phone": None}
    )
    assert (patched.status_code, patched.headers["etag"]) == (200, 'W/"2"')
    assert (patched.json()["name"], patched.json()["phone"]) == ("Hansen", None)
    stale = await client.patch(target, headers={**headers, "If-Match": 'W/"1"'}, json={"name": "X"})
    assert stale.status_code == 412
    [row] = await stored(sessions, acme, kind)
    assert (row.name, row.phone, row.version, row.email) == (
        "Hansen",
        None,
        2,
        "sales@hansen.example.com",
    )

    assert (await client.delete(target, headers=headers)).status_code == 204
    assert (await client.get(target, headers=headers)).status_code == 404
    assert (await client.get(kind.url, headers=headers)).json()["items"] == []
    [row] = await stored(sessions, acme, kind)
    assert row.deleted_at is not None


def _invalid_bodies(kind: Kind) -> list[tuple[dict[str, object], str]]:
    """(body, the camelCase field the 422 must name)."""
    return [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 555 CALL-NOW"}, "phone"),
        ({"phone": "(--)-1-"}, "phone"),  # the right characters, but one digit
        ({"website": "ftp://files.example.com"}, "website"),
        ({"website": "not a url"}, "website"),
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": -181}, "longitude"),
        ({"latitude": 10}, "longitude"),
        ({"longitude": 10}, "latitude"),
        ({"latitude": 10, "longitude": None}, "longitude"),
        ({"status": "gone"}, "status"),
        ({"contacts": [{"role": "boss"}]}, "contacts.0.name"),
        ({"contacts": [{"name": "A", "email": "nope"}]}, "contacts.0.email"),
        ({"contacts": [{"name": "A", "phone": "call me"}]}, "contacts.0.phone"),
        ({"contacts": [{"name": "A", "title": "x"}]}, "contacts.0.title"),
        ({"contacts": [{"name": f"c{i}"} for i in range(21)]}, "contacts"),
        ({kind.tags: [""]}, f"{kind.tags}.0"),
        ({kind.tags: ["x" * 101]}, f"{kind.tags}.0"),
        ({kind.tags: [f"t{i}" for i in range(51)]}, kind.tags),
        ({"created_by": str(uuid4())}, "created_by"),
    ]


@each_kind
async def test_each_invalid_field_is_named_and_nothing_is_stored(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession], kind: Kind
) -> None:
    for fields, field in _invalid_bodies(kind):
        body = {"name": "Valid", **fields} if "name" not in fields and fields else fields
        response = await client.post(kind.url, headers=acme.headers("admin"), json=body)
        assert response.status_code == 422, (fields, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, (field, response.text)
    assert await stored(sessions, acme, kind) == []


@each_kind
async def test_patch_validates_the_resulting_row(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession], kind: Kind
) -> None:
    row = await make(client, acme, kind, "Fixed", latitude=1.5, longitude=2.5)
    target, headers = f"{kind.url}/{row['id']}", acme.headers("admin")
    for change, field in (
        ({"name": None}, "name"),
        ({"status": None}, "status"),
        ({kind.tags: None}, kind.tags),
        ({"latitude": None}, "longitude"),
        ({"longitude": None, "name": "Moved"}, "latitude"),
        ({"email": "a@b"}, "email"),
    ):
        response = await client.patch(target, headers=headers, json=change)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["errors"][0]["field"] == field, change
    cleared = await client.patch(
        target, headers=headers, json={"latitude": None, "longitude": None}
    )
    assert cleared.status_code == 200
    [stored_row] = await stored(sessions, acme, kind)
    assert (stored_row.name, stored_row.latitude, stored_row.version) == ("Fixed", None, 2)


async def test_vendor_codes_are_unique_among_live_vendors(
    client: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await make(client, acme, VENDORS, "First", code="V-1")
    again = await client.post(
        VENDORS.url, headers=acme.headers("admin"), json={"name": "Second", "code": "V-1"}
    )
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "code")
    assert [v.name for v in await stored(sessions, acme, VENDORS)] == ["First"]
    await make(client, globex, VENDORS, "Elsewhere", code="V-1")  # codes are per organization
    await make(client, acme, VENDORS, "No code")
    await make(client, acme, VENDORS, "No code either")  # many vendors may have no code
    await client.delete(f"{VENDORS.url}/{first['id']}", headers=acme.headers("admin"))
    reused = await make(client, acme, VENDORS, "Second", code="V-1")
    assert reused["code"] == "V-1"


async def test_contractor_user_and_vendor_links(
    client: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    headers = acme.headers("admin")
    person = acme.users["contractor"]
    foreign = await make_user(
        sessions, globex.organization_id, role="contractor", email="c@globex.example.com"
    )
    vendor = await make(client, acme, VENDORS, "Parent firm")
    linked = await make(
        client, acme, CONTRACTORS, "Jo", userId=str(person.id), vendorId=vendor["id"]
    )
    assert (linked["userId"], linked["vendorId"]) == (str(person.id), vendor["id"])
    for fields, status, field in (
        ({"userId": str(acme.users["technician"].id)}, 422, "userId"),
        ({"userId": str(foreign.id)}, 422, "userId"),
        ({"userId": str(uuid4())}, 422, "userId"),
        ({"userId": str(person.id)}, 409, "userId"),
        ({"vendorId": str(uuid4())}, 422, "vendorId"),
    ):
        response = await client.post(CONTRACTORS.url, headers=headers, json={"name": "X", **fields})
        assert (response.status_code, response.json()["errors"][0]["field"]) == (status, field)
    other = await make(client, acme, CONTRACTORS, "Other")
    taken = await client.patch(
        f"{CONTRACTORS.url}/{other['id']}", headers=headers, json={"userId": str(person.id)}
    )
    assert (taken.status_code, taken.json()["errors"][0]["field"]) == (409, "userId")
    same = await client.patch(
        f"{CONTRACTORS.url}/{linked['id']}", headers=headers, json={"userId": str(person.id)}
    )
    assert same.status_code == 200  # re-sending its own link is not a conflict
    assert sorted(c.name for c in await stored(sessions, acme, CONTRACTORS)) == ["Jo", "Other"]
    await client.delete(f"{CONTRACTORS.url}/{linked['id']}", headers=headers)
    freed = await client.patch(
        f"{CONTRACTORS.url}/{other['id']}", headers=headers, json={"userId": str(person.id)}
    )
    assert (freed.status_code, freed.json()["userId"]) == (200, str(person.id))
    await client.delete(f"{VENDORS.url}/{vendor['id']}", headers=headers)
    gone = await client.post(
        CONTRACTORS.url, headers=headers, json={"name": "Y", "vendorId": vendor["id"]}
    )
    assert (gone.status_code, gone.json()["errors"][0]["field"]) == (422, "vendorId")
    foreign_vendor = await make(client, globex, VENDORS, "Globex firm")
    crossed = await client.post(
        CONTRACTORS.url, headers=headers, json={"name": "Z", "vendorId": foreign_vendor["id"]}
    )
    assert (crossed.status_code, crossed.json()["errors"][0]["field"]) == (422, "vendorId")


@each_kind
async def test_list_filters_and_walks_pages_by_name(
    client: httpx.AsyncClient, acme: Tenant, kind: Kind
) -> None:
    await make(client, acme, kind, "Charlie", **{kind.tags: ["hvac", "plumbing"]})
    await make(client, acme, kind, "alpha", status="blocked")
    await make(client, acme, kind, "Bravo", **{kind.tags: ["plumbing"]})
    await make(client, acme, kind, "Bravo")  # same name: the id breaks the tie
    headers = acme.headers("technician")
    tag = "service" if kind is VENDORS else "trade"
    by_tag = await client.get(kind.url, headers=headers, params={tag: "plumbing"})
    assert [item["name"] for item in by_tag.json()["items"]] == ["Bravo", "Charlie"]
    blocked = await client.get(kind.url, headers=headers, params={"status": "blocked"})
    assert [item["name"] for item in blocked.json()["items"]] == ["alpha"]
    everything = (await client.get(kind.url, headers=headers)).json()["items"]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(kind.url, params=params, headers=headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [item["id"] for item in everything]
    assert len(set(seen)) == 4
    for params in ({"cursor": "!!"}, {"status": "gone"}, {"q": "x"}):
        assert (await client.get(kind.url, headers=headers, params=params)).status_code == 422


async def test_roles_get_what_the_matrix_grants(client: httpx.AsyncClient, acme: Tenant) -> None:
    for kind in (VENDORS, CONTRACTORS):
        for role in ("technician", "supervisor", "inventory_clerk", "manager"):
            assert (await client.get(kind.url, headers=acme.headers(role))).status_code == 200
        for role in ("requester", "contractor"):
            refused = await client.get(kind.url, headers=acme.headers(role))
            assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
        created = await client.post(
            kind.url, headers=acme.headers("technician"), json={"name": "T"}
        )
        assert created.status_code == 403
    clerk = acme.headers("inventory_clerk")
    assert (await client.post(VENDORS.url, headers=clerk, json={"name": "V"})).status_code == 201
    assert (
        await client.post(CONTRACTORS.url, headers=clerk, json={"name": "C"})
    ).status_code == 403
    assert (await client.get(CONTRACTORS.url, headers=clerk)).json()["items"] == []
    listed = (await client.get(VENDORS.url, headers=acme.headers("technician"))).json()["items"]
    assert [item["name"] for item in listed] == ["V"]


@each_kind
async def test_another_organization_gets_404_and_sees_nothing(
    client: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    kind: Kind,
) -> None:
    row = await make(client, acme, kind, "Acme secret")
    target, headers = f"{kind.url}/{row['id']}", globex.headers("admin")
    for response in (
        await client.get(target, headers=headers),
        await client.patch(target, headers=headers, json={"name": "mine"}),
        await client.delete(target, headers=headers),
    ):
        assert response.status_code == 404, response.text
    assert (await client.get(kind.url, headers=headers)).json()["items"] == []
    [untouched] = await stored(sessions, acme, kind)
    assert (untouched.name, untouched.version, untouched.deleted_at) == ("Acme secret", 1, None)
    assert (
        await client.get(f"{kind.url}/{uuid4()}", headers=acme.headers("admin"))
    ).status_code == 404


@each_kind
async def test_a_create_is_audited_with_its_actor(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession], kind: Kind
) -> None:
    manager = acme.users["manager"]
    response = await client.post(kind.url, headers=acme.headers("manager"), json={"name": "Aud"})
    row_id = UUID(response.json()["id"])
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            entries = list(
                await session.scalars(select(ActivityLog).where(ActivityLog.entity_id == row_id))
            )
    assert [(e.entity_type, e.action, e.actor_id) for e in entries] == [
        (str(kind), "insert", manager.id)
    ]
    assert entries[0].after is not None
    assert entries[0].after["name"] == "Aud"
