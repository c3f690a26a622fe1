"""/api/v1/failure-codes: per-organization problem, cause and remedy codes, and the default
set every new organization gets."""

from __future__ import annotations

import httpx

from maintainpro.failure_code.defaults import DEFAULTS
from tests.factories.identity import Tenant

URL = "/api/v1/failure-codes"
DEFAULT_COUNT = sum(len(codes) for codes in DEFAULTS.values())


async def make_code(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, code: str, **body: object
) -> dict[str, object]:
    response = await client.post(
        URL,
        headers=tenant.headers("admin"),
        json={"kind": kind, "code": code, "name": f"Code {code}", **body},
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def _all(
    client: httpx.AsyncClient, tenant: Tenant, query: str = ""
) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        page_query = f"{query}&limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = (
            await client.get(f"{URL}?{page_query}", headers=tenant.headers("technician"))
        ).json()
        items += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return items


def test_the_default_set_is_iso_14224_style_and_sized_per_kind() -> None:
    names = {kind: {name for _, name in codes} for kind, codes in DEFAULTS.items()}
    assert {"External leakage - process medium", "Fail to start on demand", "Vibration"} <= names[
        "problem"
    ]
    assert {"Wear", "Corrosion", "Fatigue", "Improper operation", "Design"} <= names["cause"]
    assert {"Replace", "Repair", "Adjust", "Modify", "Overhaul", "Clean"} <= names["remedy"]
    for codes in DEFAULTS.values():
        assert 15 <= len(codes) <= 25
        assert len({code for code, _ in codes}) == len(codes)


async def test_create_read_update_delete(client: httpx.AsyncClient, acme: Tenant) -> None:
    created = await client.post(
        URL,
        headers=acme.headers("manager"),
        json={
            "kind": "problem",
            "code": "SEAL",
            "name": "Seal leak",
            "description": "Mechanical seal weeps",
            "assetCategory": "Pumps",
        },
    )
    assert created.status_code == 201, created.text
    code = created.json()
    assert (code["kind"], code["code"], code["assetCategory"]) == ("problem", "SEAL", "Pumps")
    url = f"{URL}/{code['id']}"
    assert (await client.get(url, headers=acme.headers("technician"))).json() == code
    stale = await client.patch(
        url, headers={**acme.headers("manager"), "If-Match": 'W/"9"'}, json={"name": "x"}
    )
    assert stale.status_code == 412
    changed = await client.patch(
        url,
        headers={**acme.headers("manager"), "If-Match": created.headers["etag"]},
        json={"assetCategory": None, "name": "Seal leakage"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["assetCategory"], changed.json()["name"]) == (None, "Seal leakage")
    assert changed.headers["etag"] == 'W/"2"'
    assert (await client.delete(url, headers=acme.headers("manager"))).status_code == 204
    assert (await client.get(url, headers=acme.headers("manager"))).status_code == 404


async def test_codes_are_unique_per_kind_among_live_rows(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    first = await make_code(client, acme, "cause", "WX")
    await make_code(client, acme, "remedy", "WX")  # another kind: fine
    again = await client.post(
        URL, headers=acme.headers("manager"), json={"kind": "cause", "code": "WX", "name": "n"}
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "code"
    moved = await make_code(client, acme, "problem", "WX")
    clash = await client.patch(
        f"{URL}/{moved['id']}", headers=acme.headers("manager"), json={"kind": "cause"}
    )
    assert clash.status_code == 409
    await client.delete(f"{URL}/{first['id']}", headers=acme.headers("manager"))
    await make_code(client, acme, "cause", "WX")


async def test_validation_names_the_fields(client: httpx.AsyncClient, acme: Tenant) -> None:
    response = await client.post(
        URL,
        headers=acme.headers("manager"),
        json={"kind": "symptom", "code": "has space", "name": "", "assetCategory": "x" * 101},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"kind", "code", "name", "assetCategory"}
    code = await make_code(client, acme, "problem", "P1")
    nulled = await client.patch(
        f"{URL}/{code['id']}", headers=acme.headers("manager"), json={"code": None}
    )
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["field"] == "code"
    bad_filter = await client.get(f"{URL}?kind=nope", headers=acme.headers("manager"))
    assert bad_filter.status_code == 422
    assert bad_filter.json()["errors"][0]["field"] == "kind"


async def test_list_filters_by_kind_and_category_with_general_codes(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    await make_code(client, acme, "problem", "PUMP-1", assetCategory="Pumps")
    await make_code(client, acme, "problem", "MOT-1", assetCategory="Motors")
    await make_code(client, acme, "problem", "GEN-1")
    await make_code(client, acme, "cause", "GEN-2")
    problems = await _all(client, acme, "kind=problem")
    assert [c["code"] for c in problems] == ["GEN-1", "MOT-1", "PUMP-1"]
    pumps = await _all(client, acme, "kind=problem&assetCategory=Pumps")
    assert [c["code"] for c in pumps] == ["GEN-1", "PUMP-1"]
    every = await _all(client, acme, "assetCategory=Pumps")
    assert [c["code"] for c in every] == ["GEN-1", "GEN-2", "PUMP-1"]


async def test_defaults_load_once_and_fill_gaps(client: httpx.AsyncClient, acme: Tenant) -> None:
    url = f"{URL}/defaults"
    first = await client.post(url, headers=acme.headers("admin"))
    assert first.status_code == 200, first.text
    assert first.json() == {"added": DEFAULT_COUNT}
    assert len(await _all(client, acme)) == DEFAULT_COUNT
    assert (await client.post(url, headers=acme.headers("admin"))).json() == {"added": 0}
    vibration = next(
        c for c in await _all(client, acme, "kind=problem") if c["name"] == "Vibration"
    )
    await client.delete(f"{URL}/{vibration['id']}", headers=acme.headers("admin"))
    assert (await client.post(url, headers=acme.headers("admin"))).json() == {"added": 1}
    assert len(await _all(client, acme)) == DEFAULT_COUNT
    # Only administrators set the organization up.
    assert (await client.post(url, headers=acme.headers("manager"))).status_code == 403


async def test_a_new_organization_starts_with_the_defaults(client: httpx.AsyncClient) -> None:
    signup = await client.post(
        "/api/v1/auth/signup",
        json={
            "organizationName": "Fresh Plant",
            "organizationSlug": "fresh-plant",
            "fullName": "First Admin",
            "email": "admin@fresh.example.com",
            "password": "a long enough password",
        },
    )
    assert signup.status_code == 201, signup.text
    headers = {"Authorization": f"Bearer {signup.json()['accessToken']}"}
    listed = await client.get(f"{URL}?kind=cause&limit=200", headers=headers)
    assert {c["name"] for c in listed.json()["items"]} == {name for _, name in DEFAULTS["cause"]}
    assert (await client.post(f"{URL}/defaults", headers=headers)).json() == {"added": 0}


async def test_roles(client: httpx.AsyncClient, acme: Tenant) -> None:
    code = await make_code(client, acme, "remedy", "R1")
    for role in ("supervisor", "technician", "contractor", "inventory_clerk"):
        assert (
            await client.get(f"{URL}/{code['id']}", headers=acme.headers(role))
        ).status_code == 200
        denied = await client.post(
            URL, headers=acme.headers(role), json={"kind": "cause", "code": "X", "name": "x"}
        )
        assert denied.status_code == 403
    assert (await client.get(URL, headers=acme.headers("requester"))).status_code == 403


async def test_another_tenant_sees_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    code = await make_code(client, acme, "problem", "MINE")
    url = f"{URL}/{code['id']}"
    other = globex.headers("admin")
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.patch(url, headers=other, json={"name": "x"})).status_code == 404
    assert (await client.delete(url, headers=other)).status_code == 404
    assert (await client.get(URL, headers=other)).json()["items"] == []
    # The same code is free in another tenant.
    await make_code(client, globex, "problem", "MINE")


async def test_idempotent_create(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = {**acme.headers("manager"), "Idempotency-Key": "code-1"}
    body = {"kind": "cause", "code": "ONCE", "name": "Once"}
    first = await client.post(URL, headers=headers, json=body)
    again = await client.post(URL, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert [c["id"] for c in await _all(client, acme)] == [first.json()["id"]]
