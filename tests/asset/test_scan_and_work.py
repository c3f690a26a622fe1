"""Scan to act (a printed label leads to its asset) and the open work in an asset's roll-up."""

from __future__ import annotations

import io
from uuid import uuid4

import httpx
import segno

from maintainpro.asset.routes import scan_url
from maintainpro.config import Settings
from tests.factories.identity import Tenant
from tests.factories.work_order import make_asset, make_work_order

URL = "/api/v1/assets"


async def test_a_label_code_resolves_to_its_asset(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "SCAN-1", labelCode="QR/7.A")
    found = await client.get(f"{URL}/by-label/QR%2F7.A", headers=acme.headers("technician"))
    assert found.status_code == 200, found.text
    assert found.json()["id"] == asset["id"]
    assert found.headers["etag"] == 'W/"1"'
    by_code = await make_asset(client, acme, "SCAN-2")  # the code is its label code by default
    again = await client.get(f"{URL}/by-label/SCAN-2", headers=acme.headers("requester"))
    assert again.json()["id"] == by_code["id"]
    unknown = await client.get(f"{URL}/by-label/NOPE", headers=acme.headers("admin"))
    assert unknown.status_code == 404


async def test_a_deleted_asset_no_longer_scans(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "SCAN-GONE")
    await client.delete(f"{URL}/{asset['id']}", headers=acme.headers("admin"))
    gone = await client.get(f"{URL}/by-label/SCAN-GONE", headers=acme.headers("admin"))
    assert gone.status_code == 404


async def test_scans_respect_site_scope_and_tenant(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    await make_asset(client, acme, "SCAN-SOUTH", locationId=str(acme.south.id))
    path = f"{URL}/by-label/SCAN-SOUTH"
    assert (await client.get(path, headers=acme.headers("manager"))).status_code == 200
    # The technician works in North only; another tenant has no such label.
    assert (await client.get(path, headers=acme.headers("technician"))).status_code == 404
    assert (await client.get(path, headers=globex.headers("admin"))).status_code == 404


def _svg(text: str) -> bytes:
    image = io.BytesIO()
    segno.make(text, error="m").save(image, kind="svg", scale=8, border=2)
    return image.getvalue()


async def test_the_printed_qr_encodes_the_scan_url(
    client: httpx.AsyncClient, acme: Tenant, settings: Settings
) -> None:
    asset = await make_asset(client, acme, "SCAN-QR", labelCode="QR-9/B")
    label = await client.get(
        f"{URL}/{asset['id']}/label", headers=acme.headers("admin"), params={"format": "svg"}
    )
    assert label.status_code == 200
    url = scan_url(settings.http.public_url, "QR-9/B")
    assert url == f"{settings.http.public_url.rstrip('/')}/scan/QR-9%2FB"
    assert label.content == _svg(url)
    assert label.content != _svg("QR-9/B")


def test_the_scan_url_follows_the_public_url_setting() -> None:
    assert scan_url("https://cmms.example.com/", "P-1") == "https://cmms.example.com/scan/P-1"
    assert scan_url("https://x.example/mp", "A&B") == "https://x.example/mp/scan/A%26B"


async def test_rollup_counts_open_work_on_the_subtree_once_each(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("admin")
    line = await make_asset(client, acme, "W-LINE")
    pump = await make_asset(client, acme, "W-PUMP", parentId=line["id"])
    motor = await make_asset(client, acme, "W-MOTOR", parentId=pump["id"])
    other = await make_asset(client, acme, "W-OTHER")
    await make_work_order(client, acme, assetIds=[pump["id"], motor["id"]], priority="high")
    await make_work_order(client, acme, assetIds=[line["id"]], priority="high")
    await make_work_order(client, acme, assetIds=[motor["id"]], priority="low")
    held = await make_work_order(
        client,
        acme,
        assetIds=[motor["id"]],
        priority="critical",
        assigneeIds=[str(acme.users["technician"].id)],
    )
    for to, extra in (("in_progress", {}), ("on_hold", {"reason": "parts"})):
        moved = await client.post(
            f"/api/v1/work-orders/{held['id']}/transitions",
            headers=headers,
            json={"to": to, **extra},
        )
        assert moved.status_code == 200, moved.text
    done = await make_work_order(client, acme, assetIds=[pump["id"]], priority="medium")
    cancelled = await client.post(
        f"/api/v1/work-orders/{done['id']}/transitions",
        headers=headers,
        json={"to": "cancelled", "reason": "duplicate"},
    )
    assert cancelled.status_code == 200, cancelled.text
    deleted = await make_work_order(client, acme, assetIds=[pump["id"]], priority="medium")
    await client.delete(f"/api/v1/work-orders/{deleted['id']}", headers=headers)
    await make_work_order(client, acme, assetIds=[other["id"]], priority="medium")

    rollup = (await client.get(f"{URL}/{line['id']}/rollup", headers=headers)).json()
    assert rollup["openWorkOrders"] == 4
    assert rollup["openWorkOrdersByPriority"] == {"high": 2, "low": 1, "critical": 1}
    below = (await client.get(f"{URL}/{motor['id']}/rollup", headers=headers)).json()
    assert (below["openWorkOrders"], below["openWorkOrdersByPriority"]) == (
        3,
        {"high": 1, "low": 1, "critical": 1},
    )
    idle = (await client.get(f"{URL}/{other['id']}/rollup", headers=headers)).json()
    assert idle["openWorkOrders"] == 1


async def test_rollup_of_an_asset_without_work(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "W-IDLE")
    rollup = (await client.get(f"{URL}/{asset['id']}/rollup", headers=acme.headers("admin"))).json()
    assert (rollup["openWorkOrders"], rollup["openWorkOrdersByPriority"]) == (0, {})
    missing = await client.get(f"{URL}/{uuid4()}/rollup", headers=acme.headers("admin"))
    assert missing.status_code == 404
