"""Parts on work orders: planning reserves, issuing consumes the reservation first and costs
the part, returns put it back, completion and cancellation release what was not issued. On
hand, reserved, the ledger and the work order's parts cost agree at every step."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.factories.identity import Tenant
from tests.factories.inventory import (
    ledger_total,
    lines_url,
    make_part,
    make_storeroom,
    move,
    receive,
    stock_in,
)
from tests.factories.labor import assigned_work
from tests.factories.work_order import URL


async def _state(
    client: httpx.AsyncClient,
    tenant: Tenant,
    part: dict[str, object],
    store: str,
    work: dict[str, object],
) -> tuple[Decimal, Decimal, Decimal]:
    """(on hand, reserved, parts cost), the ledger checked against on hand and the lines'
    costs against the work order's parts cost."""
    stock = await stock_in(client, tenant, part, store)
    assert await ledger_total(client, tenant, part, store) == stock["onHand"]
    lines = (await client.get(lines_url(work), headers=tenant.headers("admin"))).json()
    read = (await client.get(f"{URL}/{work['id']}", headers=tenant.headers("admin"))).json()
    total = sum((Decimal(line["cost"]) for line in lines["items"]), Decimal(0))
    assert Decimal(lines["partsCost"]) == Decimal(read["partsCost"]) == total
    return stock["onHand"], stock["reserved"], total


async def test_plan_issue_return_and_complete(client: httpx.AsyncClient, acme: Tenant) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "BRG-1")
    await receive(client, acme, part, store, "10", "4")
    await receive(client, acme, part, store, "10", "6")  # average 5
    work = await assigned_work(client, acme)
    tech = acme.headers("technician")
    planned = await client.post(
        lines_url(work),
        headers=tech,
        json={"partId": part["id"], "storeroomId": store, "quantity": "4"},
    )
    assert planned.status_code == 201, planned.text
    line = planned.json()
    assert (line["plannedQuantity"], line["reservedQuantity"], line["issuedQuantity"]) == (
        "4.000",
        "4.000",
        "0.000",
    )
    assert await _state(client, acme, part, store, work) == (20, 4, 0)
    assert (await stock_in(client, acme, part, store))["available"] == 16
    url = f"{lines_url(work)}/{line['id']}"
    issued = await client.post(f"{url}/issue", headers=tech, json={"quantity": "3"})
    assert issued.status_code == 200, issued.text
    assert (issued.json()["reservedQuantity"], issued.json()["cost"]) == ("1.000", "15.00")
    assert await _state(client, acme, part, store, work) == (17, 1, 15)
    more = await client.post(f"{url}/issue", headers=tech, json={"quantity": "2"})  # 1 held + 1
    assert (more.json()["issuedQuantity"], more.json()["reservedQuantity"]) == ("5.000", "0.000")
    assert await _state(client, acme, part, store, work) == (15, 0, 25)
    back = await client.post(
        f"{url}/return", headers=tech, json={"quantity": "2", "reason": "spare"}
    )
    assert back.status_code == 200, back.text
    assert (back.json()["returnedQuantity"], back.json()["cost"]) == ("2.000", "15.00")
    assert await _state(client, acme, part, store, work) == (17, 0, 15)
    too_many = await client.post(f"{url}/return", headers=tech, json={"quantity": "4"})
    assert (too_many.status_code, too_many.json()["errors"][0]["field"]) == (422, "quantity")
    second = await client.post(
        lines_url(work),
        headers=tech,
        json={"partId": part["id"], "storeroomId": store, "quantity": "2"},
    )
    assert second.json()["reservedQuantity"] == "2.000"
    assert await _state(client, acme, part, store, work) == (17, 2, 15)
    for status in ("in_progress", "completed"):
        moved = await client.post(
            f"{URL}/{work['id']}/transitions", headers=tech, json={"to": status}
        )
        assert moved.status_code == 200, moved.text
    assert await _state(client, acme, part, store, work) == (17, 0, 15)  # released on completion


async def test_a_retried_issue_or_return_moves_stock_once(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "BRG-1")
    await receive(client, acme, part, store, "10", "5")
    work = await assigned_work(client, acme)
    tech = acme.headers("technician")
    line = await client.post(
        lines_url(work),
        headers=tech,
        json={"partId": part["id"], "storeroomId": store, "quantity": "3"},
    )
    assert line.status_code == 201, line.text
    url = f"{lines_url(work)}/{line.json()['id']}"
    for action, body, state in (
        ("issue", {"quantity": "3"}, (7, 0, 15)),
        ("return", {"quantity": "1"}, (8, 0, 10)),
    ):
        keyed = {**tech, "Idempotency-Key": f"{action}-1"}
        first = await client.post(f"{url}/{action}", headers=keyed, json=body)
        again = await client.post(f"{url}/{action}", headers=keyed, json=body)
        assert (first.status_code, again.status_code) == (200, 200), again.text
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert await _state(client, acme, part, store, work) == state
        other = await client.post(f"{url}/{action}", headers=keyed, json={"quantity": "2"})
        assert (other.status_code, other.json()["errors"][0]["field"]) == (422, "Idempotency-Key")


async def test_a_shortage_is_reserved_in_part_and_a_use_is_refused(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "V-1")
    await receive(client, acme, part, store, "3")
    work = await assigned_work(client, acme)
    tech = acme.headers("technician")
    body = {"partId": part["id"], "storeroomId": store, "quantity": "5"}
    planned = await client.post(lines_url(work), headers=tech, json=body)
    assert (planned.json()["plannedQuantity"], planned.json()["reservedQuantity"]) == (
        "5.000",
        "3.000",
    )
    used = await client.post(
        lines_url(work), headers=tech, json={**body, "quantity": "1", "planned": False}
    )
    assert used.status_code == 409
    assert used.json()["errors"][0]["code"] == "insufficient_stock"
    listed = await client.get(lines_url(work), headers=tech)
    assert len(listed.json()["items"]) == 1  # the refused use left nothing behind
    issue_all = await client.post(
        f"{lines_url(work)}/{planned.json()['id']}/issue", headers=tech, json={}
    )
    assert issue_all.status_code == 409  # 5 planned, 3 in stock (all of it held for this line)
    assert await _state(client, acme, part, store, work) == (3, 3, 0)


async def test_a_use_is_issued_at_once_and_cancelling_releases(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "O-1")
    await receive(client, acme, part, store, "10", "2.5")
    work = await assigned_work(client, acme)
    tech = acme.headers("technician")
    body = {"partId": part["id"], "storeroomId": store}
    used = await client.post(
        lines_url(work), headers=tech, json={**body, "quantity": "2", "planned": False}
    )
    assert used.status_code == 201, used.text
    assert (used.json()["issuedQuantity"], used.json()["cost"], used.json()["planned"]) == (
        "2.000",
        "5.00",
        False,
    )
    await client.post(lines_url(work), headers=tech, json={**body, "quantity": "3"})
    assert await _state(client, acme, part, store, work) == (8, 3, 5)
    cancelled = await client.post(
        f"{URL}/{work['id']}/transitions",
        headers=acme.headers("supervisor"),
        json={"to": "cancelled", "reason": "dup"},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await _state(client, acme, part, store, work) == (8, 0, 5)
    late = await client.post(lines_url(work), headers=tech, json={**body, "quantity": "1"})
    assert (late.status_code, late.json()["errors"][0]["field"]) == (409, "status")


async def test_a_planned_line_is_removed_and_an_issued_one_stays(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "R-1")
    await receive(client, acme, part, store, "5")
    work = await assigned_work(client, acme)
    tech = acme.headers("technician")
    body = {"partId": part["id"], "storeroomId": store, "quantity": "2"}
    planned = (await client.post(lines_url(work), headers=tech, json=body)).json()
    used = (
        await client.post(lines_url(work), headers=tech, json={**body, "planned": False})
    ).json()
    assert (await client.delete(f"{lines_url(work)}/{used['id']}", headers=tech)).status_code == 409
    assert (
        await client.delete(f"{lines_url(work)}/{planned['id']}", headers=tech)
    ).status_code == 204
    assert await _state(client, acme, part, store, work) == (3, 0, 20)


async def test_who_may_touch_a_work_orders_parts(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "W-1")
    await receive(client, acme, part, store, "5")
    work = await assigned_work(client, acme)
    other_work = await assigned_work(client, acme, "supervisor")  # not the technician's
    body = {"partId": part["id"], "storeroomId": store, "quantity": "1"}
    mine = await client.post(lines_url(work), headers=acme.headers("technician"), json=body)
    assert mine.status_code == 201
    not_mine = await client.post(
        lines_url(other_work), headers=acme.headers("technician"), json=body
    )
    assert not_mine.status_code == 404
    clerk = await client.post(
        lines_url(other_work), headers=acme.headers("inventory_clerk"), json=body
    )
    assert clerk.status_code == 201  # the stores issue to any work of their sites
    for role in ("requester", "contractor"):
        refused = await client.post(lines_url(work), headers=acme.headers(role), json=body)
        assert refused.status_code == 403, role
    assert (await client.get(lines_url(work), headers=acme.headers("requester"))).status_code == 403
    foreign = await client.post(lines_url(work), headers=globex.headers("admin"), json=body)
    assert foreign.status_code == 404
    foreign_part = await make_part(client, globex, "G-1")
    wrong = await client.post(
        lines_url(work), headers=acme.headers("admin"), json={**body, "partId": foreign_part["id"]}
    )
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "partId")
    line = mine.json()["id"]
    for action in ("issue", "return"):
        answer = await client.post(
            f"{lines_url(work)}/{line}/{action}",
            headers=globex.headers("admin"),
            json={"quantity": "1"},
        )
        assert answer.status_code == 404, action


async def test_a_template_plans_and_reserves_its_parts(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    near = await make_storeroom(client, acme, "ST-N")
    far = await make_storeroom(client, acme, "ST-S", acme.south)
    filt = await make_part(client, acme, "TF-1")
    unstocked = await make_part(client, acme, "TU-1")
    await receive(client, acme, filt, near, "2")
    south = await move(client, acme, filt, far, "receipt", "9", role="admin", unitCost="1")
    assert south.status_code == 201, south.text
    planned = [
        {"partId": filt["id"], "description": "filter element", "quantity": "3"},
        {"partId": unstocked["id"], "description": "no stock anywhere", "quantity": "1"},
        {"description": "rags", "quantity": "1"},
    ]
    template = await client.post(
        "/api/v1/work-order-templates",
        headers=acme.headers("supervisor"),
        json={"title": "Filter change", "plannedParts": planned},
    )
    assert template.status_code == 201, template.text
    work = await client.post(
        URL,
        headers=acme.headers("supervisor"),
        json={"templateId": template.json()["id"], "locationId": str(acme.north_area.id)},
    )
    assert work.status_code == 201, work.text
    lines = (await client.get(lines_url(work.json()), headers=acme.headers("admin"))).json()[
        "items"
    ]
    # From the work order's own site first, reserving what it has (a shortage shows).
    names = ("partId", "storeroomId", "plannedQuantity", "reservedQuantity")
    assert [tuple(line[name] for name in names) for line in lines] == [
        (filt["id"], near, "3.000", "2.000")
    ]
    assert lines[0]["notes"] == "filter element"
    assert (await stock_in(client, acme, filt, near))["reserved"] == 2
