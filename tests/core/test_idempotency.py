"""Stored answers of `Idempotency-Key` creates expire: after 24 hours a key is free again, and
the hourly housekeeping job removes the old answers of every organization."""

from __future__ import annotations

from sqlalchemy import text

from maintainpro.auth import tasks
from maintainpro.core.db import Database
from tests.conftest import Committed
from tests.factories.work_order import URL


async def test_an_expired_answer_is_pruned_and_its_key_is_free_again(
    committed: Committed, maint_database: Database
) -> None:
    tenant = await committed.make_tenant(label="idem-prune", roles=("admin",))
    headers = {**tenant.headers("admin"), "Idempotency-Key": "old-key"}
    first = await committed.client.post(URL, headers=headers, json={"title": "Once"})
    assert first.status_code == 201, first.text
    async with maint_database.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE organization_id = :org"
            ),
            {"org": tenant.organization_id},
        )
    # Past its retention the key no longer replays, even before the job ran.
    again = await committed.client.post(URL, headers=headers, json={"title": "Once"})
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in again.headers
    async with maint_database.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE organization_id = :org"
            ),
            {"org": tenant.organization_id},
        )
    assert await tasks.prune(committed.database) >= 1
    async with maint_database.engine.begin() as conn:
        left = await conn.scalar(
            text("SELECT count(*) FROM idempotency_keys WHERE organization_id = :org"),
            {"org": tenant.organization_id},
        )
    assert left == 0
