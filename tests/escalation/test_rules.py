"""/api/v1/escalation-rules: managers write rules, validated naming the field; supervisors
read them; another tenant sees none."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from tests.factories.identity import Tenant

URL = "/api/v1/escalation-rules"


def rule_body(**changes: object) -> dict[str, object]:
    return {
        "name": "Critical work nobody picked up",
        "trigger": "unacknowledged",
        "priorities": ["critical", "high"],
        "clock": "business_hours",
        "levels": [
            {"afterMinutes": 30, "notify": ["supervisors"]},
            {"afterMinutes": 120, "notify": ["managers"], "raisePriority": True},
        ],
        "repeatMinutes": 60,
        **changes,
    }


async def test_a_manager_writes_a_rule_and_reads_it_back(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    manager = acme.headers("manager")
    body = rule_body(siteId=str(acme.north.id), workOrderTypes=["corrective"])
    created = await client.post(URL, headers=manager, json=body)
    assert created.status_code == 201, created.text
    rule = created.json()
    for key in ("name", "trigger", "priorities", "clock", "repeatMinutes", "siteId"):
        assert rule[key] == body[key], key
    assert rule["levels"][1] == {
        "afterMinutes": 120,
        "notify": ["managers"],
        "notifyUserIds": [],
        "reassignUserId": None,
        "reassignTeamId": None,
        "raisePriority": True,
    }
    url = f"{URL}/{rule['id']}"
    got = await client.get(url, headers=acme.headers("supervisor"))
    assert (got.status_code, got.json(), got.headers["etag"]) == (200, rule, 'W/"1"')
    stale = await client.patch(
        url, headers={**manager, "If-Match": 'W/"9"'}, json={"enabled": False}
    )
    assert stale.status_code == 412
    changed = await client.patch(
        url,
        headers={**manager, "If-Match": 'W/"1"'},
        json={"enabled": False, "repeatMinutes": None, "siteId": None},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["enabled"], changed.json()["repeatMinutes"]) == (False, None)
    assert changed.json()["siteId"] is None
    assert changed.headers["etag"] == 'W/"2"'
    listed = await client.get(URL, headers=manager)
    assert [r["id"] for r in listed.json()["items"]] == [rule["id"]]
    assert (await client.delete(url, headers=manager)).status_code == 204
    assert (await client.get(url, headers=manager)).status_code == 404
    assert (await client.get(URL, headers=manager)).json()["items"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"levels": []}, "levels"),
        ({"trigger": "late"}, "trigger"),
        ({"clock": "lunar"}, "clock"),
        ({"repeatMinutes": 1}, "repeatMinutes"),
        ({"priorities": ["urgent"]}, "priorities.0"),
        ({"levels": [{"afterMinutes": 30}]}, "levels.0"),
        ({"levels": [{"afterMinutes": -1, "notify": ["managers"]}]}, "levels.0.afterMinutes"),
        ({"levels": [{"afterMinutes": 5, "notify": ["everyone"]}]}, "levels.0.notify.0"),
        (
            {
                "levels": [
                    {"afterMinutes": 60, "notify": ["managers"]},
                    {"afterMinutes": 60, "raisePriority": True},
                ]
            },
            "levels",
        ),
        (
            {
                "levels": [
                    {
                        "afterMinutes": 5,
                        "reassignUserId": str(uuid4()),
                        "reassignTeamId": str(uuid4()),
                    }
                ]
            },
            "levels.0",
        ),
        (
            {"levels": [{"afterMinutes": 5, "notify": ["managers"], "colour": "red"}]},
            "levels.0.colour",
        ),
    ],
)
async def test_bad_rules_are_refused_naming_the_field(
    client: httpx.AsyncClient, acme: Tenant, changes: dict[str, object], field: str
) -> None:
    response = await client.post(URL, headers=acme.headers("admin"), json=rule_body(**changes))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}
    assert (await client.get(URL, headers=acme.headers("admin"))).json()["items"] == []


async def test_every_record_a_rule_names_is_checked(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    levels = [
        {"afterMinutes": 5, "notifyUserIds": [str(acme.users["manager"].id), str(uuid4())]},
        {"afterMinutes": 10, "reassignUserId": str(acme.users["requester"].id)},
        {"afterMinutes": 15, "reassignTeamId": str(uuid4())},
        {"afterMinutes": 20, "reassignUserId": str(globex.users["technician"].id)},
    ]
    response = await client.post(
        URL,
        headers=acme.headers("manager"),
        json=rule_body(levels=levels, siteId=str(acme.north_area.id)),
    )
    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == {
        "siteId",  # an area, not a site
        "levels[0].notifyUserIds[1]",
        "levels[1].reassignUserId",  # requesters do no work
        "levels[2].reassignTeamId",
        "levels[3].reassignUserId",  # another tenant's
    }
    patched_levels = [{"afterMinutes": 5, "reassignUserId": str(uuid4())}]
    made = await client.post(URL, headers=acme.headers("manager"), json=rule_body())
    patched = await client.patch(
        f"{URL}/{made.json()['id']}",
        headers=acme.headers("manager"),
        json={"levels": patched_levels},
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["field"] == "levels[0].reassignUserId"
    nulled = await client.patch(
        f"{URL}/{made.json()['id']}", headers=acme.headers("manager"), json={"levels": None}
    )
    assert (nulled.status_code, nulled.json()["errors"][0]["field"]) == (422, "levels")


async def test_supervisors_read_and_technicians_see_no_rules(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    refused = await client.post(URL, headers=acme.headers("supervisor"), json=rule_body())
    assert refused.status_code == 403
    assert (await client.get(URL, headers=acme.headers("supervisor"))).status_code == 200
    assert (await client.get(URL, headers=acme.headers("technician"))).status_code == 403
    counts = await client.get(f"{URL}/counts", headers=acme.headers("technician"))
    assert counts.status_code == 403


async def test_another_tenant_sees_no_rule(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    made = await client.post(URL, headers=acme.headers("admin"), json=rule_body())
    url, other = f"{URL}/{made.json()['id']}", globex.headers("admin")
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.patch(url, headers=other, json={"name": "Mine"})).status_code == 404
    assert (await client.delete(url, headers=other)).status_code == 404
    assert (await client.get(URL, headers=other)).json()["items"] == []
    counts = await client.get(f"{URL}/counts", headers=other, params={"ruleId": made.json()["id"]})
    assert counts.json()["items"] == []
    assert (await client.get(url, headers=acme.headers("admin"))).json()["name"] == made.json()[
        "name"
    ]
