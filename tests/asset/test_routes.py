"""/api/v1/assets: CRUD, hierarchy, filters, search, labels, scopes and tenant isolation."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from tests.factories.identity import Tenant

URL = "/api/v1/assets"


async def make(
    client: httpx.AsyncClient, tenant: Tenant, code: str, **body: object
) -> dict[str, object]:
    fields = {
        "code": code,
        "name": f"Asset {code}",
        "locationId": str(tenant.north_area.id),
        **body,
    }
    response = await client.post(URL, headers=tenant.headers("admin"), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_create_and_read_every_field(client: httpx.AsyncClient, acme: Tenant) -> None:
    body = {
        "code": "P-101",
        "name": "Feed pump",
        "description": "Centrifugal pump on line 1",
        "category": "Pumps",
        "manufacturer": "Grundfos",
        "model": "CR 32",
        "serialNumber": "SN-1",
        "status": "in_maintenance",
        "criticality": "high",
        "locationId": str(acme.north_area.id),
        "latitude": 52.52,
        "longitude": 13.405,
        "purchaseCost": "12500.50",
        "replacementValue": "18000.00",
        "installDate": "2021-03-01",
        "warrantyExpiresOn": "2027-03-01",
        "specifications": {"powerKw": 7.5, "phases": 3},
        "labelCode": "QR-P-101",
    }
    created = await client.post(URL, headers=acme.headers("admin"), json=body)
    assert created.status_code == 201, created.text
    got = (await client.get(f"{URL}/{created.json()['id']}", headers=acme.headers("admin"))).json()
    for key, value in body.items():
        assert got[key] == value, key
    assert got["siteId"] == str(acme.north.id)
    assert created.headers["etag"] == 'W/"1"'


async def test_validation_names_each_field_and_stores_nothing(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    bad = await client.post(
        URL,
        headers=acme.headers("admin"),
        json={
            "code": "bad code!",
            "name": "",
            "status": "broken",
            "criticality": "meh",
            "latitude": 91,
            "purchaseCost": "-1",
            "specifications": [1],
            "serial_number": "x",
        },
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {
        "code",
        "name",
        "status",
        "criticality",
        "latitude",
        "purchaseCost",
        "specifications",
        "serial_number",
    } <= fields
    half = await client.post(
        URL, headers=acme.headers("admin"), json={"code": "H", "name": "h", "latitude": 10}
    )
    assert half.status_code == 422
    listed = await client.get(URL, headers=acme.headers("admin"))
    assert listed.json()["items"] == []


async def test_codes_are_unique_among_live_assets(client: httpx.AsyncClient, acme: Tenant) -> None:
    first = await make(client, acme, "DUP")
    again = await client.post(URL, headers=acme.headers("admin"), json={"code": "DUP", "name": "x"})
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "code")
    await client.delete(f"{URL}/{first['id']}", headers=acme.headers("admin"))
    assert (
        await client.post(URL, headers=acme.headers("admin"), json={"code": "DUP", "name": "x"})
    ).status_code == 201


async def test_hierarchy_cycles_and_rollups(client: httpx.AsyncClient, acme: Tenant) -> None:
    line = await make(client, acme, "LINE")
    machine = await make(client, acme, "MACH", parentId=line["id"])
    motor = await make(
        client, acme, "MOTOR", parentId=machine["id"], status="inactive", criticality="high"
    )
    headers = acme.headers("admin")
    cycle = await client.patch(
        f"{URL}/{line['id']}", headers=headers, json={"parentId": motor["id"]}
    )
    assert (cycle.status_code, cycle.json()["errors"][0]["code"]) == (409, "cycle")
    own = await client.patch(f"{URL}/{line['id']}", headers=headers, json={"parentId": line["id"]})
    assert own.status_code == 409
    subtree = (await client.get(f"{URL}/{line['id']}/subtree", headers=headers)).json()
    assert [(n["code"], n["depth"]) for n in subtree] == [("LINE", 0), ("MACH", 1), ("MOTOR", 2)]
    ancestors = (await client.get(f"{URL}/{motor['id']}/ancestors", headers=headers)).json()
    assert [a["code"] for a in ancestors] == ["LINE", "MACH"]
    children = (await client.get(f"{URL}/{line['id']}/children", headers=headers)).json()
    assert [c["code"] for c in children] == ["MACH"]
    rollup = (await client.get(f"{URL}/{line['id']}/rollup", headers=headers)).json()
    assert rollup["assets"] == 3
    assert rollup["byStatus"] == {"active": 2, "inactive": 1}
    assert rollup["byCriticality"] == {"medium": 2, "high": 1}


async def test_deleting_a_parent_needs_a_decision(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    parent = await make(client, acme, "PARENT")
    child = await make(client, acme, "CHILD", parentId=parent["id"])
    refused = await client.delete(f"{URL}/{parent['id']}", headers=headers)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (409, "children")
    detached = await client.delete(
        f"{URL}/{parent['id']}", headers=headers, params={"children": "detach"}
    )
    assert detached.status_code == 204
    assert (await client.get(f"{URL}/{child['id']}", headers=headers)).json()["parentId"] is None
    top = await make(client, acme, "TOP")
    leaf = await make(client, acme, "LEAF", parentId=top["id"])
    assert (
        await client.delete(f"{URL}/{top['id']}", headers=headers, params={"children": "delete"})
    ).status_code == 204
    assert (await client.get(f"{URL}/{leaf['id']}", headers=headers)).status_code == 404


async def test_filters_sorts_and_cursor(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    await make(
        client,
        acme,
        "B-1",
        name="Boiler",
        category="Heat",
        status="active",
        warrantyExpiresOn="2026-01-01",
    )
    await make(client, acme, "C-1", name="Compressor", category="Air", criticality="critical")
    await make(
        client, acme, "A-1", name="Agitator", locationId=str(acme.south.id), status="retired"
    )

    async def codes(**params: str) -> list[str]:
        response = await client.get(URL, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"]]

    assert await codes() == ["A-1", "B-1", "C-1"]  # default sort: name
    assert await codes(sort="-code") == ["C-1", "B-1", "A-1"]
    assert await codes(status="retired") == ["A-1"]
    assert await codes(criticality="critical") == ["C-1"]
    assert await codes(category="Heat") == ["B-1"]
    assert await codes(locationId=str(acme.north.id)) == ["B-1", "C-1"]  # the whole site subtree
    assert await codes(warrantyExpiringBefore="2026-06-01") == ["B-1"]
    walked: list[str] = []
    cursor: str | None = None
    while True:
        page = (
            await client.get(
                URL,
                headers=headers,
                params={
                    "limit": "1",
                    "sort": "-createdAt",
                    **({"cursor": cursor} if cursor else {}),
                },
            )
        ).json()
        walked += [item["code"] for item in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert walked == ["A-1", "C-1", "B-1"]
    # An empty cursor (a client passing on an absent nextCursor) is the first page, also on
    # the prepared statements of a filtered, sorted page.
    assert await codes(cursor="", sort="-name", status="active") == ["C-1", "B-1"]
    bad = await client.get(URL, headers=headers, params={"sort": "serialNumber"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "sort")


async def test_full_text_search_ranks_codes_and_names_first(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("admin")
    await make(client, acme, "PUMP-7", name="Cooling water pump")
    await make(
        client, acme, "FAN-2", name="Exhaust fan", description="Mounted beside the pump house"
    )
    await make(client, acme, "VALVE-1", name="Gate valve", manufacturer="Pumpco")
    response = await client.get(URL, headers=headers, params={"q": "pump"})
    assert [item["code"] for item in response.json()["items"]] == ["PUMP-7", "FAN-2"]
    stemmed = await client.get(URL, headers=headers, params={"q": "mounting"})
    assert [item["code"] for item in stemmed.json()["items"]] == ["FAN-2"]
    paged = await client.get(URL, headers=headers, params={"q": "pump", "limit": "1"})
    second = await client.get(
        URL,
        headers=headers,
        params={"q": "pump", "limit": "1", "cursor": paged.json()["nextCursor"]},
    )
    assert [item["code"] for item in second.json()["items"]] == ["FAN-2"]


async def test_bounding_box_filter(client: httpx.AsyncClient, acme: Tenant) -> None:
    await make(client, acme, "IN", latitude=48.1, longitude=11.5)
    await make(client, acme, "OUT", latitude=40.0, longitude=-3.7)
    response = await client.get(
        URL,
        headers=acme.headers("admin"),
        params={"minLat": "47", "maxLat": "49", "minLng": "10", "maxLng": "12"},
    )
    assert [item["code"] for item in response.json()["items"]] == ["IN"]
    partial = await client.get(URL, headers=acme.headers("admin"), params={"minLat": "47"})
    assert partial.status_code == 422


@pytest.mark.parametrize(
    ("fmt", "media", "magic"), [("svg", "image/svg+xml", b"<svg"), ("png", "image/png", b"\x89PNG")]
)
async def test_labels_render_as_images(
    client: httpx.AsyncClient, acme: Tenant, fmt: str, media: str, magic: bytes
) -> None:
    asset = await make(client, acme, "LBL")
    response = await client.get(
        f"{URL}/{asset['id']}/label", headers=acme.headers("technician"), params={"format": fmt}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert magic in response.content[:200]


async def test_history_merges_changes_and_downtime_newest_first(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("admin")
    asset = await make(client, acme, "HIST")
    await client.patch(f"{URL}/{asset['id']}", headers=headers, json={"status": "inactive"})
    down = await client.post(
        f"{URL}/{asset['id']}/downtime",
        headers=headers,
        json={
            "startedAt": "2026-01-05T08:00:00Z",
            "endedAt": "2026-01-05T09:00:00Z",
            "kind": "unplanned",
        },
    )
    assert down.status_code == 201, down.text
    history = (await client.get(f"{URL}/{asset['id']}/history", headers=headers)).json()
    kinds = [(entry["kind"], (entry["change"] or {}).get("action")) for entry in history["items"]]
    assert kinds == [("change", "update"), ("change", "insert"), ("downtime", None)]
    assert history["items"][0]["change"]["after"] == {"status": "inactive"}
    assert history["items"][2]["downtime"]["kind"] == "unplanned"
    walked: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"{URL}/{asset['id']}/history", headers=headers, params=params)
        ).json()
        walked += [entry["kind"] for entry in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert walked == ["change", "change", "downtime"]


async def test_rollup_counts_assets_down_now(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    line = await make(client, acme, "R-LINE")
    pump = await make(client, acme, "R-PUMP", parentId=line["id"])
    await client.post(
        f"{URL}/{pump['id']}/downtime",
        headers=headers,
        json={"startedAt": "2026-01-05T08:00:00Z", "kind": "unplanned"},
    )
    rollup = (await client.get(f"{URL}/{line['id']}/rollup", headers=headers)).json()
    assert (rollup["assets"], rollup["downNow"]) == (2, 1)


async def test_site_scopes_apply_to_reads_and_writes(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    north = await make(client, acme, "N-1")
    south = await make(client, acme, "S-1", locationId=str(acme.south.id))
    listed = await client.get(URL, headers=acme.headers("technician"))
    assert [item["code"] for item in listed.json()["items"]] == ["N-1"]
    assert (
        await client.get(f"{URL}/{south['id']}", headers=acme.headers("technician"))
    ).status_code == 404
    assert (
        await client.post(URL, headers=acme.headers("technician"), json={"code": "T", "name": "t"})
    ).status_code == 403
    outside = await client.post(
        URL,
        headers=acme.headers("supervisor"),
        json={"code": "SUP", "name": "s", "locationId": str(acme.north_area.id)},
    )
    assert outside.status_code == 201
    elsewhere = await client.patch(
        f"{URL}/{north['id']}",
        headers=acme.headers("supervisor"),
        json={"locationId": str(acme.south.id)},
    )
    assert elsewhere.status_code == 422
    assert (await client.get(URL, headers=acme.headers("requester"))).status_code == 200
    assert (await client.get(URL, headers=acme.headers("contractor"))).status_code == 403


async def test_another_organization_gets_404(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    asset = await make(client, acme, "SECRET")
    headers = globex.headers("admin")
    target = f"{URL}/{asset['id']}"
    for response in (
        await client.get(target, headers=headers),
        await client.patch(target, headers=headers, json={"name": "mine"}),
        await client.delete(target, headers=headers),
        await client.get(f"{target}/subtree", headers=headers),
        await client.get(f"{target}/label", headers=headers),
        await client.get(f"{target}/history", headers=headers),
    ):
        assert response.status_code == 404
    foreign_parent = await client.post(
        URL, headers=headers, json={"code": "G", "name": "g", "parentId": asset["id"]}
    )
    assert foreign_parent.status_code == 422
    assert (await client.get(URL, headers=headers, params={"q": "SECRET"})).json()["items"] == []
    assert (await client.get(f"{URL}/{uuid4()}", headers=acme.headers("admin"))).status_code == 404
