"""/api/v1/work-order-templates: CRUD, validation, tenants, and work orders created from a
template (copies, decoupled from later template changes)."""

from __future__ import annotations

from uuid import UUID, uuid4

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import FailureCode
from tests.factories.identity import Tenant
from tests.factories.work_order import URL as WORK_ORDERS
from tests.factories.work_order import make_work_order

URL = "/api/v1/work-order-templates"
CHECKLISTS = [
    {
        "name": "Before start",
        "items": [
            {"label": "Guard in place", "kind": "pass_fail", "required": True},
            {"label": "Oil level", "kind": "number", "minValue": 10, "maxValue": 20, "unit": "mm"},
        ],
    },
    {"name": "After", "items": [{"label": "Area clean", "kind": "yes_no"}]},
]


async def make_code(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, kind: str, code: str
) -> UUID:
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session, session.begin():
            row = FailureCode(
                organization_id=tenant.organization_id, kind=kind, code=code, name=code
            )
            session.add(row)
            await session.flush()
            return row.id


async def make_template(
    client: httpx.AsyncClient, tenant: Tenant, **body: object
) -> dict[str, object]:
    fields = {"title": "Monthly pump check", "checklists": CHECKLISTS, **body}
    response = await client.post(URL, headers=tenant.headers("manager"), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_create_read_every_field(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    problem = await make_code(sessions, acme, "problem", "LEAK")
    body = {
        "title": "Monthly pump check",
        "description": "Check the feed pump.",
        "type": "preventive",
        "priority": "high",
        "estimatedHours": "1.50",
        "checklists": CHECKLISTS,
        "plannedParts": [{"description": "Seal kit", "quantity": "2"}],
        "problemCodeId": str(problem),
    }
    created = await client.post(URL, headers=acme.headers("supervisor"), json=body)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == 'W/"1"'
    got = await client.get(f"{URL}/{created.json()['id']}", headers=acme.headers("technician"))
    assert got.status_code == 200
    template = got.json()
    for key in ("title", "description", "type", "priority", "estimatedHours", "problemCodeId"):
        assert template[key] == body[key], key
    assert template["plannedParts"] == [
        {"partId": None, "description": "Seal kit", "quantity": "2"}
    ]
    assert [c["name"] for c in template["checklists"]] == ["Before start", "After"]
    oil = template["checklists"][0]["items"][1]
    assert (oil["kind"], oil["minValue"], oil["maxValue"], oil["unit"]) == ("number", 10, 20, "mm")


async def test_validation_names_the_field(
    client: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    headers = acme.headers("manager")
    bad = {
        "title": "",
        "type": "urgent",
        "estimatedHours": "-1",
        "checklists": [{"name": "c", "items": [{"label": "x", "kind": "colour"}]}],
        "plannedParts": [{"description": "p", "quantity": 0}],
    }
    response = await client.post(URL, headers=headers, json=bad)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"title", "type", "estimatedHours", "checklists.0.items.0.kind"} <= fields
    assert "plannedParts.0.quantity" in fields
    limits = {"label": "x", "kind": "text", "minValue": 1}
    response = await client.post(
        URL, headers=headers, json={"title": "t", "checklists": [{"name": "c", "items": [limits]}]}
    )
    assert response.status_code == 422
    # A failure code of another tenant (or of the wrong kind) is not found.
    foreign = await make_code(sessions, globex, "problem", "LEAK")
    cause = await make_code(sessions, acme, "cause", "WEAR")
    response = await client.post(
        URL,
        headers=headers,
        json={"title": "t", "problemCodeId": str(foreign), "remedyCodeId": str(cause)},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"problemCodeId", "remedyCodeId"}
    listed = await client.get(URL, headers=headers)
    assert listed.json()["items"] == []


async def test_patch_checks_if_match_and_delete_is_soft(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    template = await make_template(client, acme)
    url = f"{URL}/{template['id']}"
    headers = acme.headers("manager")
    changed = await client.patch(
        url, headers={**headers, "If-Match": 'W/"1"'}, json={"priority": "critical"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["priority"] == "critical"
    assert changed.json()["checklists"] == template["checklists"]
    assert changed.headers["etag"] == 'W/"2"'
    stale = await client.patch(url, headers={**headers, "If-Match": 'W/"1"'}, json={"title": "x"})
    assert stale.status_code == 412
    nulled = await client.patch(url, headers=headers, json={"checklists": None})
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["field"] == "checklists"
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404


async def test_list_pages_by_keyset_and_filters(client: httpx.AsyncClient, acme: Tenant) -> None:
    made = [await make_template(client, acme, title=f"T{i}") for i in range(3)]
    await make_template(client, acme, title="Inspection", type="inspection")
    headers = acme.headers("manager")
    first = (await client.get(URL, headers=headers, params={"limit": 2})).json()
    assert [t["title"] for t in first["items"]] == ["T0", "T1"]
    second = await client.get(
        URL, headers=headers, params={"limit": 2, "cursor": first["nextCursor"]}
    )
    assert [t["title"] for t in second.json()["items"]] == ["T2", "Inspection"]
    assert second.json()["nextCursor"] is None
    inspections = (await client.get(URL, headers=headers, params={"type": "inspection"})).json()
    assert [t["title"] for t in inspections["items"]] == ["Inspection"]
    assert made[0]["id"] == first["items"][0]["id"]


async def test_create_is_idempotent(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = {**acme.headers("manager"), "Idempotency-Key": "tpl-1"}
    body = {"title": "Once"}
    first = await client.post(URL, headers=headers, json=body)
    again = await client.post(URL, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    listed = await client.get(URL, headers=acme.headers("manager"))
    assert len(listed.json()["items"]) == 1


async def test_another_tenant_sees_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    template = await make_template(client, acme)
    url = f"{URL}/{template['id']}"
    headers = globex.headers("admin")
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.patch(url, headers=headers, json={"title": "x"})).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert (await client.get(URL, headers=headers)).json()["items"] == []
    # Nor can another tenant create work from it.
    body = {"templateId": template["id"]}
    response = await client.post(WORK_ORDERS, headers=headers, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "templateId"


async def test_work_from_a_template_copies_and_is_decoupled(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cause = await make_code(sessions, acme, "cause", "WEAR")
    template = await make_template(
        client,
        acme,
        description="From the template",
        type="preventive",
        priority="high",
        estimatedHours="2.00",
        causeCodeId=str(cause),
    )
    work = await make_work_order(
        client, acme, templateId=template["id"], title=None, priority="low"
    )
    assert work["templateId"] == template["id"]
    assert work["title"] == "Monthly pump check"  # null or unset: the template's
    assert work["priority"] == "low"  # the request's own value wins
    assert (work["type"], work["description"]) == ("preventive", "From the template")
    assert (work["estimatedHours"], work["causeCodeId"]) == ("2.00", str(cause))
    checklists_url = f"{WORK_ORDERS}/{work['id']}/checklists"
    before = (await client.get(checklists_url, headers=acme.headers("admin"))).json()["items"]
    assert [c["name"] for c in before] == ["Before start", "After"]
    assert [i["label"] for i in before[0]["items"]] == ["Guard in place", "Oil level"]
    assert before[0]["items"][0]["required"] is True
    assert all(i["status"] == "open" for c in before for i in c["items"])
    # Changing (or deleting) the template later leaves the work as it was.
    url = f"{URL}/{template['id']}"
    replaced = [{"name": "New", "items": [{"label": "Other", "kind": "text"}]}]
    patched = await client.patch(
        url, headers=acme.headers("manager"), json={"title": "Renamed", "checklists": replaced}
    )
    assert patched.status_code == 200
    await client.delete(url, headers=acme.headers("manager"))
    after = (await client.get(checklists_url, headers=acme.headers("admin"))).json()["items"]
    assert after == before
    got = await client.get(f"{WORK_ORDERS}/{work['id']}", headers=acme.headers("admin"))
    assert got.json()["title"] == "Monthly pump check"
    # A deleted template can no longer be used.
    response = await client.post(
        WORK_ORDERS, headers=acme.headers("admin"), json={"templateId": template["id"]}
    )
    assert response.status_code == 422


async def test_work_without_template_or_title_is_refused(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    response = await client.post(WORK_ORDERS, headers=acme.headers("admin"), json={})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"
    unknown = await client.post(
        WORK_ORDERS, headers=acme.headers("admin"), json={"templateId": str(uuid4())}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "templateId"
