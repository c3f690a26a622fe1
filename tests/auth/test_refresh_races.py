"""Refresh rotation under real concurrency: two tabs refreshing one token at once."""

from __future__ import annotations

import asyncio

from tests.conftest import Committed
from tests.factories.identity import PASSWORD

REFRESH = "/api/v1/auth/refresh"


async def test_concurrent_refreshes_of_one_token_rotate_without_revoking_the_session(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant(label="refresh", roles=("technician",))
    user = tenant.users["technician"]
    login = await committed.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    token = login.json()["refreshToken"]

    answers = await asyncio.gather(
        *(committed.client.post(REFRESH, json={"refreshToken": token}) for _ in range(3))
    )

    assert [a.status_code for a in answers] == [200] * 3, [a.text for a in answers]
    fresh = {a.json()["refreshToken"] for a in answers}
    assert len(fresh) == 3  # each tab holds its own successor
    for successor in fresh:
        me = await committed.client.post(REFRESH, json={"refreshToken": successor})
        assert me.status_code == 200, me.text
