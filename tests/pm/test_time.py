"""Time triggers: a fixed calendar in the organization's time zone across DST, the missed
policies, floating schedules counted from completion, lead time, pause, and the forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from maintainpro.pm import triggers
from tests.factories.identity import Tenant
from tests.factories.pm import SCHEDULES, finish, make_schedule, make_template, run_due
from tests.factories.work_order import URL, make_asset

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_monthly_rule_keeps_its_local_time_across_dst() -> None:
    rule = triggers.TimeTrigger.model_validate(
        {"kind": "time", "rule": "FREQ=MONTHLY", "start": "2026-03-29T09:00:00"}
    )
    first = triggers.first_due(rule, BERLIN)
    assert first == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # CEST since 02:00 that morning
    later = triggers.fixed_between(rule, BERLIN, first, datetime(2027, 1, 1, tzinfo=UTC))
    local = [at.astimezone(BERLIN) for at in later]
    assert [(at.month, at.day, at.hour, at.minute) for at in local] == [
        (month, 29, 9, 0) for month in range(4, 13)
    ]
    offsets = {at.month: at.utcoffset() for at in local}
    assert (offsets[9], offsets[10]) == (timedelta(hours=2), timedelta(hours=1))  # ends Oct 25


async def test_the_forecast_shows_the_dst_safe_calendar(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    zone = await client.patch(
        "/api/v1/organization", headers=acme.headers("admin"), json={"timezone": "Europe/Berlin"}
    )
    assert zone.status_code == 200, zone.text
    trigger = {"kind": "time", "rule": "FREQ=MONTHLY", "start": "2026-03-29T09:00:00"}
    schedule = await make_schedule(client, acme, trigger, paused=True)
    assert schedule["nextDueAt"] == "2026-03-29T07:00:00Z"
    resumed = await client.patch(
        f"{SCHEDULES}/{schedule['id']}",
        headers={**acme.headers("supervisor"), "If-Match": f'W/"{schedule["version"]}"'},
        json={"paused": False},
    )
    assert resumed.status_code == 200, resumed.text
    forecast = await client.get(
        "/api/v1/pm-forecast",
        headers=acme.headers("technician"),
        params={"from": "2026-03-01T00:00:00Z", "to": "2027-03-01T00:00:00Z"},
    )
    assert forecast.status_code == 200, forecast.text
    dues = [datetime.fromisoformat(i["dueAt"]).astimezone(BERLIN) for i in forecast.json()["items"]]
    # 2027 has no February 29th: the rule skips that month.
    assert [(d.year, d.month, d.hour) for d in dues] == [
        *((2026, month, 9) for month in range(3, 13)),
        (2027, 1, 9),
    ]
    totals = forecast.json()["totals"]
    assert [t["month"] for t in totals][:2] == ["2026-03-01", "2026-04-01"]
    assert {(t["occurrences"], t["estimatedHours"]) for t in totals} == {(1, "1.50")}


def _daily_from(start: datetime) -> dict[str, object]:
    local = start.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return {"kind": "time", "rule": "FREQ=DAILY", "start": local.isoformat()}


async def test_missed_occurrences_follow_the_policy_and_none_is_made_twice(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    template = await make_template(client, acme)
    asset = await make_asset(client, acme, "CONV-1")
    # Due three days ago, two days ago, yesterday (missed) and now (on time).
    trigger = _daily_from(datetime.now(UTC) - timedelta(days=3))
    made = {}
    for policy in ("skip", "one", "all"):
        schedule = await make_schedule(
            client, acme, trigger, template=template, assets=[asset], missed=policy
        )
        made[policy] = await run_due(client, acme, schedule)
        assert await run_due(client, acme, schedule) == []  # exactly once
        shown = await client.get(f"{SCHEDULES}/{schedule['id']}", headers=acme.headers("admin"))
        assert datetime.fromisoformat(shown.json()["nextDueAt"]) > datetime.now(UTC)
    assert {policy: len(found) for policy, found in made.items()} == {"skip": 1, "one": 2, "all": 4}
    work = await client.get(f"{URL}/{made['one'][0]['workOrderId']}", headers=acme.headers("admin"))
    body = work.json()
    assert (body["title"], body["type"], body["estimatedHours"]) == (
        "Lubricate the conveyor",
        "preventive",
        "1.50",
    )
    assert body["dueAt"] is not None
    checklists = await client.get(f"{URL}/{body['id']}/checklists", headers=acme.headers("admin"))
    assert [c["name"] for c in checklists.json()["items"]] == ["Lube"]


async def test_a_floating_schedule_waits_for_completion_with_its_lead_time(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    start = (datetime.now(UTC) + timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    trigger = {"kind": "time", "mode": "floating", "every": 7, "start": start.isoformat()}
    schedule = await make_schedule(client, acme, trigger)
    assert await run_due(client, acme, schedule) == []  # two days ahead, no lead time
    url = f"{SCHEDULES}/{schedule['id']}"
    current = (await client.get(url, headers=acme.headers("admin"))).json()
    lead = await client.patch(
        url,
        headers={**acme.headers("admin"), "If-Match": f'W/"{current["version"]}"'},
        json={"leadDays": 3},
    )
    assert lead.status_code == 200, lead.text
    [made] = await run_due(client, acme, schedule)
    waiting = (await client.get(url, headers=acme.headers("admin"))).json()
    assert waiting["awaitingCompletion"] is True
    assert await run_due(client, acme, schedule) == []
    await finish(client, acme, made["workOrderId"])
    restarted = (await client.get(url, headers=acme.headers("admin"))).json()
    assert restarted["awaitingCompletion"] is False
    assert restarted["lastCompletedAt"] is not None
    next_due = datetime.fromisoformat(restarted["nextDueAt"])
    completed = datetime.fromisoformat(restarted["lastCompletedAt"])
    assert timedelta(days=7) - timedelta(minutes=1) < next_due - completed <= timedelta(days=7)
