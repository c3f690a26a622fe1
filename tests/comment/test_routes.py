"""/api/v1/work-orders/{id}/comments: threads, mentions, author-only edits, soft delete,
search, visibility per role and tenants."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order


def comments_url(work: dict[str, object]) -> str:
    return f"{URL}/{work['id']}/comments"


async def comment(
    client: httpx.AsyncClient,
    tenant: Tenant,
    work: dict[str, object],
    role: str = "admin",
    **body: object,
) -> dict[str, object]:
    response = await client.post(
        comments_url(work), headers=tenant.headers(role), json={"body": "Looked at it.", **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def assigned(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, object]:
    """A work order at the north site assigned to the technician, requested by the requester."""
    return await make_work_order(
        client,
        tenant,
        assigneeIds=[str(tenant.users["technician"].id)],
        requesterId=str(tenant.users["requester"].id),
    )


async def test_a_thread_lists_newest_first_and_by_parent(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned(client, acme)
    first = await comment(client, acme, work, "technician", body="The seal is worn.")
    reply = await comment(client, acme, work, "supervisor", body="Order one.", parentId=first["id"])
    last = await comment(client, acme, work, "requester", body="Thanks!")
    assert first["authorId"] == str(acme.users["technician"].id)
    assert reply["parentId"] == first["id"]
    assert first["version"] == 1
    assert first["editedAt"] is None
    url = comments_url(work)
    listed = (await client.get(url, headers=acme.headers("admin"))).json()
    assert [c["id"] for c in listed["items"]] == [last["id"], reply["id"], first["id"]]
    replies = await client.get(url, params={"parentId": first["id"]}, headers=acme.headers("admin"))
    assert [c["id"] for c in replies.json()["items"]] == [reply["id"]]
    roots = await client.get(url, params={"topLevel": "true"}, headers=acme.headers("admin"))
    assert [c["id"] for c in roots.json()["items"]] == [last["id"], first["id"]]
    one = await client.get(f"{url}/{reply['id']}", headers=acme.headers("technician"))
    assert one.status_code == 200
    assert one.json() == reply
    assert one.headers["etag"] == 'W/"1"'


async def test_pages_follow_the_cursor(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await make_work_order(client, acme)
    made = [(await comment(client, acme, work, body=f"note {n}"))["id"] for n in range(5)]
    seen: list[object] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(comments_url(work), params=params, headers=acme.headers("admin"))
        ).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == made[::-1]


async def test_a_reply_names_a_live_comment_of_the_same_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work, other = await make_work_order(client, acme), await make_work_order(client, acme)
    elsewhere = await comment(client, acme, other)
    for parent in (elsewhere["id"], str(uuid4())):
        response = await client.post(
            comments_url(work),
            headers=acme.headers("admin"),
            json={"body": "x", "parentId": parent},
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "parentId"


async def test_mentions_are_users_of_the_tenant_and_can_be_replaced(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)
    stranger = str(globex.users["technician"].id)
    refused = await client.post(
        comments_url(work),
        headers=acme.headers("admin"),
        json={"body": "@someone", "mentionIds": [str(acme.users["manager"].id), stranger]},
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["mentionIds[1]"]
    technician, manager = str(acme.users["technician"].id), str(acme.users["manager"].id)
    made = await comment(client, acme, work, mentionIds=[technician, technician])
    assert made["mentionIds"] == [technician]
    changed = await client.patch(
        f"{comments_url(work)}/{made['id']}",
        headers=acme.headers("admin"),
        json={"mentionIds": [manager]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["mentionIds"] == [manager]
    assert changed.json()["body"] == made["body"]
    assert changed.json()["version"] == 2


async def test_only_the_author_edits_with_if_match(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned(client, acme)
    mine = await comment(client, acme, work, "technician", body="Replaced the seal.")
    url = f"{comments_url(work)}/{mine['id']}"
    for role in ("supervisor", "admin"):
        refused = await client.patch(url, headers=acme.headers(role), json={"body": "no"})
        assert refused.status_code == 403, role
    stale = await client.patch(
        url, headers={**acme.headers("technician"), "If-Match": 'W/"7"'}, json={"body": "x"}
    )
    assert stale.status_code == 412
    edited = await client.patch(
        url,
        headers={**acme.headers("technician"), "If-Match": 'W/"1"'},
        json={"body": "Replaced the seal and the gasket."},
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["body"] == "Replaced the seal and the gasket."
    assert body["editedAt"] is not None
    assert edited.headers["etag"] == 'W/"2"'


async def test_delete_is_soft_by_the_author_or_a_supervisor(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned(client, acme)
    by_requester = await comment(client, acme, work, "requester", body="Still dripping.")
    by_supervisor = await comment(client, acme, work, "supervisor", body="On it.")
    reply = await comment(client, acme, work, "technician", parentId=by_requester["id"])
    url = comments_url(work)
    refused = await client.delete(f"{url}/{by_supervisor['id']}", headers=acme.headers("requester"))
    assert refused.status_code == 403
    technician = await client.delete(
        f"{url}/{by_supervisor['id']}", headers=acme.headers("technician")
    )
    assert technician.status_code == 403
    moderated = await client.delete(
        f"{url}/{by_requester['id']}", headers=acme.headers("supervisor")
    )
    assert moderated.status_code == 204
    own = await client.delete(f"{url}/{by_supervisor['id']}", headers=acme.headers("supervisor"))
    assert own.status_code == 204
    gone = await client.get(f"{url}/{by_requester['id']}", headers=acme.headers("admin"))
    assert gone.status_code == 404
    again = await client.delete(f"{url}/{by_requester['id']}", headers=acme.headers("admin"))
    assert again.status_code == 404
    listed = (await client.get(url, headers=acme.headers("admin"))).json()["items"]
    assert [c["id"] for c in listed] == [reply["id"]]  # the reply stays
    late = await client.post(
        url, headers=acme.headers("admin"), json={"body": "x", "parentId": by_requester["id"]}
    )
    assert late.status_code == 422


async def test_who_may_read_and_write_follows_the_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    """Technicians and contractors only on work assigned to them, requesters on their own,
    site-bound roles at their site."""
    theirs = await assigned(client, acme)
    others = await make_work_order(client, acme, locationId=str(acme.south.id))
    await comment(client, acme, theirs)
    await comment(client, acme, others)
    for role in ("technician", "requester", "supervisor", "inventory_clerk", "manager"):
        response = await client.get(comments_url(theirs), headers=acme.headers(role))
        assert response.status_code == 200, role
        assert len(response.json()["items"]) == 1
    for role in ("technician", "requester", "contractor", "supervisor", "inventory_clerk"):
        listed = await client.get(comments_url(others), headers=acme.headers(role))
        assert listed.status_code == 404, role
        written = await client.post(
            comments_url(others), headers=acme.headers(role), json={"body": "x"}
        )
        assert written.status_code == 404, role
    contractor = await client.get(comments_url(theirs), headers=acme.headers("contractor"))
    assert contractor.status_code == 404  # not assigned to the contractor


async def test_search_ranks_within_the_work_order(client: httpx.AsyncClient, acme: Tenant) -> None:
    work, other = await make_work_order(client, acme), await make_work_order(client, acme)
    hit = await comment(client, acme, work, body="The bearings were replaced.")
    await comment(client, acme, work, body="Cleaned the filter.")
    await comment(client, acme, other, body="Bearing noise again.")
    found = await client.get(
        comments_url(work), params={"q": "bearing"}, headers=acme.headers("admin")
    )
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["items"]] == [hit["id"]]
    paged = await client.get(
        comments_url(work), params={"q": "the", "limit": "1"}, headers=acme.headers("admin")
    )
    assert paged.status_code == 200


async def test_create_is_idempotent(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await make_work_order(client, acme)
    headers = {**acme.headers("admin"), "Idempotency-Key": "comment-1"}
    first = await client.post(comments_url(work), headers=headers, json={"body": "Once."})
    again = await client.post(comments_url(work), headers=headers, json={"body": "Once."})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post(comments_url(work), headers=headers, json={"body": "Twice."})
    assert other.status_code == 422
    listed = (await client.get(comments_url(work), headers=acme.headers("admin"))).json()
    assert len(listed["items"]) == 1


async def test_another_tenant_gets_404_everywhere(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)
    made = await comment(client, acme, work)
    url, one = comments_url(work), f"{comments_url(work)}/{made['id']}"
    headers = globex.headers("admin")
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.post(url, headers=headers, json={"body": "x"})).status_code == 404
    assert (await client.get(one, headers=headers)).status_code == 404
    assert (await client.patch(one, headers=headers, json={"body": "x"})).status_code == 404
    assert (await client.delete(one, headers=headers)).status_code == 404
    theirs = await make_work_order(client, globex)
    crossed = f"{comments_url(theirs)}/{made['id']}"
    assert (await client.get(crossed, headers=headers)).status_code == 404
