from __future__ import annotations

import httpx

from tests.factories.identity import PASSWORD, Tenant


async def test_login_and_me(client: httpx.AsyncClient, acme: Tenant) -> None:
    user = acme.users["technician"]
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['accessToken']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["email"] == user.email
    assert me.json()["siteIds"] == [str(acme.north.id)]
