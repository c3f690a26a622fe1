"""Sign-in under real concurrency: committed data, one connection per request."""

from __future__ import annotations

import asyncio

from tests.conftest import Committed
from tests.factories.identity import PASSWORD


async def test_concurrent_sign_ins_of_one_account_all_succeed_and_keep_its_etag(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant(label="logins", roles=("admin", "technician"))
    technician = tenant.users["technician"]
    url = f"/api/v1/users/{technician.id}"
    before = await committed.client.get(url, headers=tenant.headers("admin"))
    assert before.status_code == 200

    body = {"email": technician.email, "password": PASSWORD}
    answers = await asyncio.gather(
        *(committed.client.post("/api/v1/auth/login", json=body) for _ in range(4))
    )

    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    after = await committed.client.get(url, headers=tenant.headers("admin"))
    assert after.json()["lastLoginAt"] is not None
    # Signing in is bookkeeping: an admin's edit based on the earlier read still applies.
    assert after.headers["etag"] == before.headers["etag"]
    patched = await committed.client.patch(
        url,
        headers={**tenant.headers("admin"), "If-Match": before.headers["etag"]},
        json={"fullName": "Renamed"},
    )
    assert patched.status_code == 200, patched.text
