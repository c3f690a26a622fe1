"""/api/v1/attachments: uploads checked by their bytes, downloads checked by the parent's
visibility, thumbnails, size limits, deletes and tenants."""

from __future__ import annotations

import io
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from PIL import Image

from maintainpro.attachment import service
from tests.attachment.conftest import MAX_BYTES
from tests.factories.identity import Tenant
from tests.factories.work_order import URL as WORK_ORDERS
from tests.factories.work_order import make_asset, make_work_order

URL = "/api/v1/attachments"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def upload(
    client: httpx.AsyncClient,
    tenant: Tenant,
    parent_type: str,
    parent_id: object,
    *,
    role: str = "admin",
    name: str = "photo.png",
    data: bytes | None = None,
    declared: str = "image/png",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        URL,
        headers={**tenant.headers(role), **(headers or {})},
        data={"parentType": parent_type, "parentId": str(parent_id)},
        files={"file": (name, png() if data is None else data, declared)},
    )


async def listed_of(
    client: httpx.AsyncClient,
    tenant: Tenant,
    parent_type: str,
    parent_id: object,
    role: str = "admin",
) -> httpx.Response:
    params = {"parentType": parent_type, "parentId": str(parent_id)}
    return await client.get(URL, params=params, headers=tenant.headers(role))


async def assigned(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, object]:
    return await make_work_order(client, tenant, assigneeIds=[str(tenant.users["technician"].id)])


async def test_an_image_is_stored_served_and_thumbnailed(
    client: httpx.AsyncClient, acme: Tenant, storage_dir: Path
) -> None:
    work = await make_work_order(client, acme)
    data = png()
    created = await upload(client, acme, "work_order", work["id"], data=data, name="leak.png")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["contentType"] == "image/png"
    assert (body["width"], body["height"]) == (800, 600)
    assert body["sizeBytes"] == len(data)
    assert body["hasThumbnail"] is True
    assert body["createdBy"] == str(acme.users["admin"].id)
    assert len(stored_files(storage_dir)) == 2  # the file and its thumbnail
    got = await client.get(f"{URL}/{body['id']}", headers=acme.headers("admin"))
    assert got.json() == body
    content = await client.get(f"{URL}/{body['id']}/content", headers=acme.headers("admin"))
    assert content.status_code == 200
    assert content.content == data
    assert content.headers["content-type"] == "image/png"
    assert content.headers["content-disposition"].startswith('attachment; filename="leak.png"')
    assert content.headers["x-content-type-options"] == "nosniff"
    thumb = await client.get(f"{URL}/{body['id']}/thumbnail", headers=acme.headers("admin"))
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/webp"
    small = Image.open(io.BytesIO(thumb.content))
    assert small.format == "WEBP"
    assert max(small.size) == 320
    listed = await listed_of(client, acme, "work_order", work["id"], "admin")
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]


async def test_a_pdf_has_no_thumbnail_and_names_are_cleaned(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await make_work_order(client, acme)
    created = await upload(
        client,
        acme,
        "work_order",
        work["id"],
        name="C:\\reports\\Prüfbericht.pdf",
        data=PDF,
        declared="application/pdf",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["fileName"], body["contentType"], body["hasThumbnail"]) == (
        "Prüfbericht.pdf",
        "application/pdf",
        False,
    )
    thumb = await client.get(f"{URL}/{body['id']}/thumbnail", headers=acme.headers("admin"))
    assert thumb.status_code == 404
    content = await client.get(f"{URL}/{body['id']}/content", headers=acme.headers("admin"))
    assert "filename*=UTF-8''Pr%C3%BCfbericht.pdf" in content.headers["content-disposition"]


@pytest.mark.parametrize(
    ("name", "data", "declared", "status", "code"),
    [
        ("photo.png", b"this is only text, not a picture\n", "image/png", 422, "content_mismatch"),
        ("report.pdf", PDF, "image/png", 422, "content_mismatch"),
        ("photo.png", PDF, "application/pdf", 422, "content_mismatch"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 60, "application/zip", 415, "type_not_allowed"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png", 422, "unreadable_image"),
    ],
    ids=["text-named-png", "pdf-declared-png", "pdf-named-png", "zip", "broken-png"],
)
async def test_bytes_that_contradict_the_claim_are_refused(
    client: httpx.AsyncClient,
    acme: Tenant,
    storage_dir: Path,
    name: str,
    data: bytes,
    declared: str,
    status: int,
    code: str,
) -> None:
    work = await make_work_order(client, acme)
    response = await upload(
        client, acme, "work_order", work["id"], name=name, data=data, declared=declared
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["errors"][0]["code"] == code
    assert problem["detail"]
    assert stored_files(storage_dir) == []


async def test_text_is_accepted_under_a_text_name(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await make_work_order(client, acme)
    response = await upload(
        client,
        acme,
        "work_order",
        work["id"],
        name="readings.csv",
        data=b"a,b\n1,2\n",
        declared="text/csv",
    )
    assert response.status_code == 201, response.text
    assert response.json()["contentType"] == "text/csv"


async def test_size_limits(client: httpx.AsyncClient, acme: Tenant, storage_dir: Path) -> None:
    work = await make_work_order(client, acme)
    over = await upload(
        client,
        acme,
        "work_order",
        work["id"],
        name="big.txt",
        data=b"x" * (MAX_BYTES + 1),
        declared="text/plain",
    )
    assert over.status_code == 413, over.text
    assert over.json()["errors"][0]["field"] == "file"
    # Far over: the transport refuses the body before the application reads it.
    huge = await upload(
        client,
        acme,
        "work_order",
        work["id"],
        name="huge.txt",
        data=b"x" * (MAX_BYTES * 3),
        declared="text/plain",
    )
    assert huge.status_code == 413
    exact = await upload(
        client,
        acme,
        "work_order",
        work["id"],
        name="fits.txt",
        data=b"x" * MAX_BYTES,
        declared="text/plain",
    )
    assert exact.status_code == 201, exact.text
    assert len(stored_files(storage_dir)) == 1


async def test_who_may_see_a_file_follows_its_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    theirs, others = await assigned(client, acme), await make_work_order(client, acme)
    mine = (await upload(client, acme, "work_order", theirs["id"], role="technician")).json()
    hidden = (await upload(client, acme, "work_order", others["id"])).json()
    for path in ("", "/content", "/thumbnail"):
        seen = await client.get(f"{URL}/{mine['id']}{path}", headers=acme.headers("technician"))
        assert seen.status_code == 200, path
        refused = await client.get(
            f"{URL}/{hidden['id']}{path}", headers=acme.headers("technician")
        )
        assert refused.status_code == 404, path
        contractor = await client.get(
            f"{URL}/{mine['id']}{path}", headers=acme.headers("contractor")
        )
        assert contractor.status_code == 404, path
    listed = await listed_of(client, acme, "work_order", others["id"], "technician")
    assert listed.status_code == 422
    denied = await upload(client, acme, "work_order", others["id"], role="technician")
    assert denied.status_code == 422
    assert denied.json()["errors"][0]["field"] == "parentId"


async def test_files_on_comments_follow_the_comment_s_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    theirs, others = await assigned(client, acme), await make_work_order(client, acme)
    notes = []
    for work in (theirs, others):
        made = await client.post(
            f"{WORK_ORDERS}/{work['id']}/comments",
            headers=acme.headers("admin"),
            json={"body": "See the photo."},
        )
        notes.append(made.json())
    shown = (await upload(client, acme, "comment", notes[0]["id"])).json()
    hidden = (await upload(client, acme, "comment", notes[1]["id"])).json()
    listed = await listed_of(client, acme, "comment", notes[0]["id"], "technician")
    assert [a["id"] for a in listed.json()["items"]] == [shown["id"]]
    refused = await client.get(f"{URL}/{hidden['id']}/content", headers=acme.headers("technician"))
    assert refused.status_code == 404
    missing = await upload(client, acme, "comment", uuid4())
    assert missing.status_code == 422


async def test_files_on_assets_need_the_asset(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "P-9")
    created = await upload(client, acme, "asset", asset["id"])
    assert created.status_code == 201, created.text
    content = f"{URL}/{created.json()['id']}/content"
    for role, status in (("technician", 200), ("requester", 200), ("contractor", 404)):
        assert (await client.get(content, headers=acme.headers(role))).status_code == status, role
    # Attaching a file changes the asset: technicians read assets only.
    refused = await upload(client, acme, "asset", asset["id"], role="technician")
    assert refused.status_code == 422


async def test_photos_on_checklist_items_follow_the_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    technician = str(acme.users["technician"].id)
    requester = str(acme.users["requester"].id)
    made = []
    for assignees in ([technician], []):
        work = await make_work_order(client, acme, assigneeIds=assignees, requesterId=requester)
        checklist = await client.post(
            f"{WORK_ORDERS}/{work['id']}/checklists",
            headers=acme.headers("admin"),
            json={"name": "Checks", "items": [{"label": "Photo of the seal", "kind": "photo"}]},
        )
        assert checklist.status_code == 201, checklist.text
        made.append(checklist.json()["items"][0]["id"])
    mine = await upload(client, acme, "checklist_item", made[0], role="technician")
    assert mine.status_code == 201, mine.text
    listed = await listed_of(client, acme, "checklist_item", made[0], "technician")
    assert [a["id"] for a in listed.json()["items"]] == [mine.json()["id"]]
    hidden = (await upload(client, acme, "checklist_item", made[1])).json()
    refused = await client.get(f"{URL}/{hidden['id']}/content", headers=acme.headers("technician"))
    assert refused.status_code == 404
    # Recording a result changes the work order: its requester reads it, and cannot.
    seen = await client.get(f"{URL}/{hidden['id']}/content", headers=acme.headers("requester"))
    assert seen.status_code == 200
    refused_upload = await upload(client, acme, "checklist_item", made[1], role="requester")
    assert refused_upload.status_code == 422
    assert (await upload(client, acme, "checklist_item", uuid4())).status_code == 422


async def test_a_photo_result_names_an_image_of_its_item_or_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned(client, acme)
    other = await assigned(client, acme)
    checklist = await client.post(
        f"{WORK_ORDERS}/{work['id']}/checklists",
        headers=acme.headers("admin"),
        json={"name": "Checks", "items": [{"label": "Seal", "kind": "photo"}] * 2},
    )
    items = [item["id"] for item in checklist.json()["items"]]
    url = f"{WORK_ORDERS}/{work['id']}/checklists/{checklist.json()['id']}/items"
    on_item = (await upload(client, acme, "checklist_item", items[0], role="technician")).json()
    on_work = (await upload(client, acme, "work_order", work["id"])).json()
    elsewhere = (await upload(client, acme, "work_order", other["id"])).json()
    document = await upload(
        client, acme, "work_order", work["id"], data=PDF, name="r.pdf", declared="application/pdf"
    )
    for value, code in (
        ("not-an-id", "wrong_type"),
        (str(uuid4()), "not_found"),
        (elsewhere["id"], "not_found"),  # an image of another work order
        (document.json()["id"], "not_found"),  # not an image
    ):
        refused = await client.put(
            f"{url}/{items[0]}/result", headers=acme.headers("technician"), json={"value": value}
        )
        assert refused.status_code == 422, (value, refused.text)
        assert refused.json()["errors"][0] | {"message": ""} == {
            "field": "value",
            "message": "",
            "code": code,
        }
    for item_id, photo in zip(items, (on_item, on_work), strict=True):
        recorded = await client.put(
            f"{url}/{item_id}/result",
            headers=acme.headers("technician"),
            json={"value": photo["id"]},
        )
        assert recorded.status_code == 200, recorded.text
        assert (recorded.json()["status"], recorded.json()["resultAttachmentId"]) == (
            "done",
            photo["id"],
        )


async def test_photos_on_a_request_follow_the_request(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    filed = await client.post(
        "/api/v1/requests",
        headers=acme.headers("requester"),
        json={"title": "Leak by door 3", "locationId": str(acme.north_area.id)},
    )
    assert filed.status_code == 201, filed.text
    request_id = filed.json()["id"]
    photo = await upload(client, acme, "request", request_id, role="requester")
    assert photo.status_code == 201, photo.text
    for role, status in (("requester", 200), ("supervisor", 200), ("contractor", 404)):
        got = await client.get(f"{URL}/{photo.json()['id']}/content", headers=acme.headers(role))
        assert got.status_code == status, role
    listed = await listed_of(client, acme, "request", request_id, "supervisor")
    assert [item["id"] for item in listed.json()["items"]] == [photo.json()["id"]]
    assert (await upload(client, acme, "request", uuid4())).status_code == 422


async def test_approval_carries_the_request_s_photos_to_the_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    filed = await client.post(
        "/api/v1/requests",
        headers=acme.headers("requester"),
        json={"title": "Leak by door 3", "locationId": str(acme.north_area.id)},
    )
    request_id = filed.json()["id"]
    kept = (await upload(client, acme, "request", request_id, role="requester")).json()
    dropped = (await upload(client, acme, "request", request_id, role="requester")).json()
    deleted = await client.delete(f"{URL}/{dropped['id']}", headers=acme.headers("requester"))
    assert deleted.status_code == 204
    approved = await client.post(
        f"/api/v1/requests/{request_id}/approve",
        headers={**acme.headers("supervisor"), "If-Match": 'W/"1"'},
        json={"type": "corrective"},
    )
    assert approved.status_code == 200, approved.text
    work_order_id = approved.json()["workOrderId"]
    on_work = (await listed_of(client, acme, "work_order", work_order_id, "supervisor")).json()
    assert [(a["fileName"], a["sha256"]) for a in on_work["items"]] == [
        (kept["fileName"], kept["sha256"])
    ]
    copy = on_work["items"][0]
    assert copy["id"] != kept["id"]
    assert copy["createdBy"] == str(acme.users["requester"].id)  # still the uploader's
    # The same bytes, now served under the work order's rules; the request keeps its own.
    original = await client.get(f"{URL}/{kept['id']}/content", headers=acme.headers("admin"))
    served = await client.get(f"{URL}/{copy['id']}/content", headers=acme.headers("admin"))
    assert served.status_code == 200
    assert served.content == original.content
    on_request = await listed_of(client, acme, "request", request_id, "supervisor")
    assert [a["id"] for a in on_request.json()["items"]] == [kept["id"]]


async def test_delete_by_the_uploader_or_a_supervisor(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned(client, acme)
    by_admin = (await upload(client, acme, "work_order", work["id"])).json()
    by_technician = (await upload(client, acme, "work_order", work["id"], role="technician")).json()
    refused = await client.delete(f"{URL}/{by_admin['id']}", headers=acme.headers("technician"))
    assert refused.status_code == 403
    own = await client.delete(f"{URL}/{by_technician['id']}", headers=acme.headers("technician"))
    assert own.status_code == 204
    moderated = await client.delete(f"{URL}/{by_admin['id']}", headers=acme.headers("supervisor"))
    assert moderated.status_code == 204
    for gone in (by_admin, by_technician):
        assert (
            await client.get(f"{URL}/{gone['id']}", headers=acme.headers("admin"))
        ).status_code == 404
    listed = await listed_of(client, acme, "work_order", work["id"], "admin")
    assert listed.json()["items"] == []


async def test_an_upload_is_idempotent(
    client: httpx.AsyncClient, acme: Tenant, storage_dir: Path
) -> None:
    work = await make_work_order(client, acme)
    key = {"Idempotency-Key": "photo-1"}
    first = await upload(client, acme, "work_order", work["id"], headers=key)
    again = await upload(client, acme, "work_order", work["id"], headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(stored_files(storage_dir)) == 2  # one file and its thumbnail, written once


async def test_a_failed_transaction_leaves_no_file(
    client: httpx.AsyncClient, acme: Tenant, storage_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = await make_work_order(client, acme)
    record = service.record

    async def fails(*args: object, **kwargs: object) -> object:
        await record(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the transaction fails after the row was written")

    monkeypatch.setattr(service, "record", fails)
    response = await upload(client, acme, "work_order", work["id"])
    assert response.status_code == 500
    assert stored_files(storage_dir) == []
    monkeypatch.undo()
    listed = await listed_of(client, acme, "work_order", work["id"], "admin")
    assert listed.json()["items"] == []


async def test_another_tenant_gets_404_everywhere(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)
    made = (await upload(client, acme, "work_order", work["id"])).json()
    headers = globex.headers("admin")
    for path in ("", "/content", "/thumbnail"):
        assert (await client.get(f"{URL}/{made['id']}{path}", headers=headers)).status_code == 404
    assert (await client.delete(f"{URL}/{made['id']}", headers=headers)).status_code == 404
    listed = await listed_of(client, globex, "work_order", work["id"])
    assert listed.status_code == 422
    crossed = await upload(client, globex, "work_order", work["id"])
    assert crossed.status_code == 422
