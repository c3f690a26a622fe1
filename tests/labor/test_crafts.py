"""/api/v1/crafts: managed by managers and admins, read by supervisors and technicians."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.factories.identity import Tenant
from tests.factories.labor import CRAFTS


async def test_create_read_list_change_delete(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("manager")
    created = await client.post(
        CRAFTS, headers=headers, json={"name": "Pipefitter", "hourlyRate": "48.50"}
    )
    assert created.status_code == 201, created.text
    craft = created.json()
    assert (craft["name"], craft["hourlyRate"], created.headers["etag"]) == (
        "Pipefitter",
        "48.50",
        'W/"1"',
    )
    url = f"{CRAFTS}/{craft['id']}"
    assert (await client.get(url, headers=acme.headers("technician"))).json() == craft
    listed = await client.get(CRAFTS, headers=acme.headers("supervisor"))
    assert [c["id"] for c in listed.json()["items"]] == [craft["id"]]
    changed = await client.patch(
        url, headers={**headers, "If-Match": 'W/"1"'}, json={"name": "Pipe fitter"}
    )
    assert (changed.status_code, changed.headers["etag"]) == (200, 'W/"2"')
    stale = await client.patch(url, headers={**headers, "If-Match": 'W/"1"'}, json={"name": "P"})
    assert stale.status_code == 412
    null = await client.patch(url, headers=headers, json={"hourlyRate": None})
    assert (null.status_code, null.json()["errors"][0]["field"]) == (422, "hourlyRate")
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.get(CRAFTS, headers=headers)).json()["items"] == []


async def test_names_are_unique_among_live_crafts(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    body = {"name": "Rigger", "hourlyRate": "40"}
    first = await client.post(CRAFTS, headers=headers, json=body)
    taken = await client.post(CRAFTS, headers=headers, json=body)
    assert (taken.status_code, taken.json()["errors"][0]["code"]) == (409, "taken")
    await client.delete(f"{CRAFTS}/{first.json()['id']}", headers=headers)
    assert (await client.post(CRAFTS, headers=headers, json=body)).status_code == 201


async def test_a_retried_create_with_the_same_key_creates_once(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = {**acme.headers("admin"), "Idempotency-Key": "craft-1"}
    body = {"name": "Mason", "hourlyRate": "30"}
    first = await client.post(CRAFTS, headers=headers, json=body)
    again = await client.post(CRAFTS, headers=headers, json=body)
    assert (first.status_code, again.status_code, again.json()) == (201, 201, first.json())
    assert len((await client.get(CRAFTS, headers=headers)).json()["items"]) == 1


async def test_only_managers_and_admins_manage_crafts(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    body = {"name": "Painter", "hourlyRate": "25"}
    for role in ("supervisor", "technician", "contractor", "requester"):
        refused = await client.post(CRAFTS, headers=acme.headers(role), json=body)
        assert refused.status_code == 403, role
    assert (await client.get(CRAFTS, headers=acme.headers("contractor"))).status_code == 403


async def test_another_tenant_reaches_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    created = await client.post(
        CRAFTS, headers=acme.headers("admin"), json={"name": "Glazier", "hourlyRate": "20"}
    )
    url = f"{CRAFTS}/{created.json()['id']}"
    headers = globex.headers("admin")
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.patch(url, headers=headers, json={"name": "x"})).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert (await client.get(CRAFTS, headers=headers)).json()["items"] == []
    assert (await client.get(f"{CRAFTS}/{uuid4()}", headers=headers)).status_code == 404
    # The same name is free in another organization.
    same = await client.post(CRAFTS, headers=headers, json={"name": "Glazier", "hourlyRate": "20"})
    assert same.status_code == 201
