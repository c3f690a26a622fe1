"""Labor cost: the person's own rate, else their craft's, fixed on the entry when it is made."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.factories.identity import Tenant
from tests.factories.labor import CRAFTS, TIMER, assigned_work, log_time, read_work


async def _craft(client: httpx.AsyncClient, tenant: Tenant, name: str, rate: str) -> str:
    response = await client.post(
        CRAFTS, headers=tenant.headers("manager"), json={"name": name, "hourlyRate": rate}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _pay(
    client: httpx.AsyncClient, tenant: Tenant, role: str, **body: object
) -> httpx.Response:
    return await client.patch(
        f"/api/v1/users/{tenant.users[role].id}", headers=tenant.headers("admin"), json=body
    )


async def test_the_user_rate_wins_then_the_craft_rate_and_history_stays(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    craft = await _craft(client, acme, "Millwright", "50.00")
    joined = await _pay(client, acme, "technician", craftId=craft)
    assert joined.status_code == 200, joined.text
    assert (joined.json()["craftId"], joined.json()["hourlyRate"]) == (craft, None)
    work = await assigned_work(client, acme)

    by_craft = await log_time(client, acme, work, "technician", hours="2")
    assert (by_craft["hourlyRate"], by_craft["cost"], by_craft["craftId"]) == (
        "50.00",
        "100.00",
        craft,
    )
    assert (await _pay(client, acme, "technician", hourlyRate="40.00")).status_code == 200
    by_person = await log_time(client, acme, work, "technician", hours="1")
    assert (by_person["hourlyRate"], by_person["cost"]) == ("40.00", "40.00")

    raised = await client.patch(
        f"{CRAFTS}/{craft}", headers=acme.headers("manager"), json={"hourlyRate": "70.00"}
    )
    assert raised.status_code == 200, raised.text
    assert (await _pay(client, acme, "technician", hourlyRate=None)).status_code == 200
    timer = await client.post(
        f"{TIMER}/start", headers=acme.headers("technician"), json={"workOrderId": work["id"]}
    )
    assert timer.json()["hourlyRate"] == "70.00"
    # Earlier entries keep the rate they were made with.
    assert (await read_work(client, acme, work)).json()["laborCost"] == "140.00"


async def test_no_rate_known_means_no_cost(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme, "contractor")
    entry = await log_time(client, acme, work, "contractor", hours="1")
    assert (entry["hourlyRate"], entry["cost"], entry["hours"]) == (None, None, "1.00")
    totals = (await read_work(client, acme, work)).json()
    assert (totals["actualHours"], totals["laborCost"]) == ("1.00", "0.00")


async def test_an_entry_may_name_its_craft(client: httpx.AsyncClient, acme: Tenant) -> None:
    welding = await _craft(client, acme, "Welder", "65.00")
    work = await assigned_work(client, acme, "contractor")
    entry = await log_time(client, acme, work, "contractor", hours="2", craftId=welding)
    assert (entry["craftId"], entry["cost"]) == (welding, "130.00")


async def test_a_deleted_craft_prices_nothing_more(client: httpx.AsyncClient, acme: Tenant) -> None:
    craft = await _craft(client, acme, "Electrician", "55.00")
    assert (await _pay(client, acme, "technician", craftId=craft)).status_code == 200
    gone = await client.delete(f"{CRAFTS}/{craft}", headers=acme.headers("manager"))
    assert gone.status_code == 204
    user = await client.get(
        f"/api/v1/users/{acme.users['technician'].id}", headers=acme.headers("admin")
    )
    assert user.json()["craftId"] is None
    work = await assigned_work(client, acme)
    entry = await log_time(client, acme, work, "technician", hours="1")
    assert (entry["craftId"], entry["hourlyRate"]) == (None, None)
    again = await _pay(client, acme, "technician", craftId=craft)
    assert (again.status_code, again.json()["errors"][0]["field"]) == (422, "craftId")


async def test_rates_are_validated(client: httpx.AsyncClient, acme: Tenant, globex: Tenant) -> None:
    foreign = await client.post(
        CRAFTS, headers=globex.headers("admin"), json={"name": "Fitter", "hourlyRate": "1"}
    )
    for body, field in (
        ({"hourlyRate": "-1"}, "hourlyRate"),
        ({"hourlyRate": "1.234"}, "hourlyRate"),
        ({"craftId": str(uuid4())}, "craftId"),
        ({"craftId": foreign.json()["id"]}, "craftId"),
    ):
        response = await _pay(client, acme, "technician", **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field
    # Only those who manage users set pay.
    own = await client.patch(
        f"/api/v1/users/{acme.users['supervisor'].id}",
        headers=acme.headers("supervisor"),
        json={"hourlyRate": "99.00"},
    )
    assert own.status_code == 403
