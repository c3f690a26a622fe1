"""How work order reads plan (core/db.py, `plan_mode`): a read by id and a page with no filter
and no visibility rule once, generically (their index is the best plan for every tenant); a
search and a due-date range with their values each call; other filters and visibility rules
as PostgreSQL chooses. Read from the SQL trace of real requests over `committed`: the
settings' round trip names the mode."""

from __future__ import annotations

import pytest

from maintainpro.auth import principal
from tests.conftest import Committed
from tests.factories.statements import statements
from tests.factories.work_order import URL, make_work_order

GENERIC = "set_config('plan_cache_mode', 'force_generic_plan', true)"
CUSTOM = "set_config('plan_cache_mode', 'force_custom_plan', true)"
AUTO = "set_config('plan_cache_mode', 'auto', true)"


@pytest.mark.parametrize(
    ("role", "params", "first", "trips"),
    [
        ("admin", {}, GENERIC, 2),
        ("admin", {"sort": "dueAt", "limit": "10"}, GENERIC, 2),
        ("admin", {"cursor": "{cursor}"}, GENERIC, 2),
        ("admin", {"status": "assigned"}, AUTO, 2),
        ("technician", {"assignedToMe": "true"}, AUTO, 2),
        ("admin", {"q": "pump"}, CUSTOM, 2),
        ("admin", {"dueBefore": "2099-01-01T00:00:00Z"}, CUSTOM, 2),
        # A visibility rule is a filter: the settings once more, back to PostgreSQL's choice.
        ("supervisor", {}, GENERIC, 3),
        ("technician", {}, GENERIC, 3),
    ],
)
async def test_only_an_unfiltered_page_of_everything_plans_once(
    committed: Committed, role: str, params: dict[str, str], first: str, trips: int
) -> None:
    tenant = await committed.make_tenant()
    technician = str(tenant.users["technician"].id)
    for _ in range(2):
        await make_work_order(
            committed.client, tenant, assigneeIds=[technician], dueAt="2030-01-01T00:00:00Z"
        )
    headers = tenant.headers(role)
    opened = await committed.client.get(URL, headers=headers, params={"limit": "1"})
    assert opened.status_code == 200, opened.text  # the caller is remembered from here on
    cursor = opened.json()["nextCursor"]
    values = {k: cursor if v == "{cursor}" else v for k, v in params.items()}
    with statements(committed.database) as sent:
        page = await committed.client.get(URL, headers=headers, params=values)
    assert page.status_code == 200, page.text
    assert page.json()["items"], page.text
    assert first in sent[0], sent
    assert "require_session_principal" in sent[0]
    assert len(sent) == trips, sent
    if trips == 3:
        assert "plan_cache_mode', $" in sent[1]  # the bound settings statement, once more


@pytest.mark.parametrize("role", ["admin", "technician"])
async def test_a_read_by_id_plans_generically_from_the_first_round_trip(
    committed: Committed, role: str
) -> None:
    tenant = await committed.make_tenant()
    technician = str(tenant.users["technician"].id)
    work_order = await make_work_order(committed.client, tenant, assigneeIds=[technician])
    url, headers = f"{URL}/{work_order['id']}", tenant.headers(role)
    principal._SESSIONS.clear()
    sent: list[list[str]] = []
    for _ in range(2):
        with statements(committed.database) as trips:
            answer = await committed.client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["id"] == work_order["id"]
        sent.append(trips)
    cold, warm = sent
    # Remembered: the mode rides with the settings and the principal's check; two trips.
    assert len(warm) == 2, warm
    assert GENERIC in warm[0]
    assert "require_session_principal" in warm[0]
    # The session's first request: the same settings, its authentication, then the row.
    assert len(cold) == 3, cold
    assert GENERIC in cold[0]
    assert cold[2] == warm[1]
