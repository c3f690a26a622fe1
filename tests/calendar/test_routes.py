"""The calendar: events kept in step with work orders, iCalendar for the caller and for
calendar apps through revocable secret URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import icalendar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from tests.factories.identity import Tenant
from tests.factories.work_order import make_work_order

ICS = "/api/v1/calendar.ics"
FEEDS = "/api/v1/calendar/feeds"
EVENTS = "/api/v1/calendar/events"
# Inside the feed's window (90 days back to a year ahead).
DAY = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)


def wire(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


START, END = wire(DAY), wire(DAY + timedelta(hours=2, minutes=30))
WINDOW = {"from": wire(DAY - timedelta(days=5)), "to": wire(DAY + timedelta(days=60))}


def parse(response: httpx.Response) -> list[icalendar.Event]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def summaries(events: list[icalendar.Event]) -> list[str]:
    return [str(event["SUMMARY"]) for event in events]


async def scheduled(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": "Replace the filter",
        "assigneeIds": [str(tenant.users["technician"].id)],
        "scheduledStartAt": START,
        "scheduledEndAt": END,
        **body,
    }
    return await make_work_order(client, tenant, **fields)


async def test_the_callers_ics_holds_their_scheduled_work(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    mine = await scheduled(client, acme)
    await scheduled(client, acme, title="Someone else's", assigneeIds=[])
    events = parse(await client.get(ICS, headers=acme.headers("technician")))
    assert summaries(events) == [f"{mine['number']} Replace the filter"]
    event = events[0]
    assert event.decoded("DTSTART") == DAY
    assert event.decoded("DTEND") == DAY + timedelta(hours=2, minutes=30)
    assert str(event["UID"]).endswith("@maintainpro")


async def test_a_due_date_alone_is_an_all_day_event(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    due = DAY.replace(hour=15)
    await scheduled(client, acme, scheduledStartAt=None, scheduledEndAt=None, dueAt=wire(due))
    (event,) = parse(await client.get(ICS, headers=acme.headers("technician")))
    assert event.decoded("DTSTART") == due.date()  # the organization's clock is UTC
    assert event.decoded("DTEND") == due.date() + timedelta(days=1)


async def test_events_follow_every_change_of_the_schedule(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    work = await scheduled(client, acme)
    url = f"/api/v1/work-orders/{work['id']}"
    moved = await client.patch(
        url,
        headers=acme.headers("admin"),
        json={"scheduledStartAt": wire(DAY + timedelta(days=1)), "scheduledEndAt": None},
    )
    assert moved.status_code == 200, moved.text
    window = WINDOW
    (event,) = (await client.get(EVENTS, headers=acme.headers("technician"), params=window)).json()[
        "items"
    ]
    assert (event["startsAt"], event["endsAt"], event["allDay"]) == (
        wire(DAY + timedelta(days=1)),
        wire(DAY + timedelta(days=1, hours=1)),
        False,
    )
    assert (event["workOrderId"], event["kind"]) == (work["id"], "work_order")
    # Any write path, not only the service: a bare UPDATE as the application role.
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(
                text("UPDATE work_orders SET title = 'Renamed' WHERE id = :id"), {"id": work["id"]}
            )
    (renamed,) = (
        await client.get(EVENTS, headers=acme.headers("technician"), params=window)
    ).json()["items"]
    assert renamed["title"] == f"{work['number']} Renamed"
    cancelled = await client.post(
        f"{url}/transitions",
        headers=acme.headers("admin"),
        json={"to": "cancelled", "reason": "not needed"},
    )
    assert cancelled.status_code == 200, cancelled.text
    gone = await client.get(EVENTS, headers=acme.headers("technician"), params=window)
    assert gone.json()["items"] == []


async def test_deleted_and_unscheduled_work_leave_the_calendar(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    deleted = await scheduled(client, acme, title="Deleted")
    cleared = await scheduled(client, acme, title="Cleared")
    admin = acme.headers("admin")
    await client.delete(f"/api/v1/work-orders/{deleted['id']}", headers=admin)
    patched = await client.patch(
        f"/api/v1/work-orders/{cleared['id']}",
        headers=admin,
        json={"scheduledStartAt": None, "scheduledEndAt": None},
    )
    assert patched.status_code == 200, patched.text
    assert parse(await client.get(ICS, headers=acme.headers("technician"))) == []


async def test_the_organization_calendar_is_for_managers_and_admins(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    assigned = await scheduled(client, acme)
    unassigned = await scheduled(client, acme, title="Open", assigneeIds=[])
    everyone = parse(
        await client.get(ICS, headers=acme.headers("manager"), params={"scope": "organization"})
    )
    assert sorted(summaries(everyone)) == sorted(
        [f"{assigned['number']} Replace the filter", f"{unassigned['number']} Open"]
    )
    refused = await client.get(
        ICS, headers=acme.headers("technician"), params={"scope": "organization"}
    )
    assert refused.status_code == 403


async def test_event_windows_are_checked(client: httpx.AsyncClient, acme: Tenant) -> None:
    for window in (
        {"from": "2030-02-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"},
        {"from": "2030-01-01T00:00:00Z", "to": "2032-01-01T00:00:00Z"},
        {"from": "2030-01-01T00:00:00", "to": "2030-02-01T00:00:00Z"},
    ):
        response = await client.get(EVENTS, headers=acme.headers("admin"), params=window)
        assert response.status_code == 422, window


async def test_a_feed_url_serves_the_ics_without_a_bearer_until_revoked(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await scheduled(client, acme)
    created = await client.post(FEEDS, headers=acme.headers("technician"), json={"scope": "user"})
    assert created.status_code == 201, created.text
    feed = created.json()
    assert set(feed) == {"id", "url"}
    assert f"/public/calendar/mp_calfeed_{acme.organization_id.hex}." in feed["url"]
    path = urlsplit(feed["url"]).path
    assert summaries(parse(await client.get(path))) == [f"{work['number']} Replace the filter"]
    listed = (await client.get(FEEDS, headers=acme.headers("technician"))).json()
    assert [(f["id"], f["scope"]) for f in listed] == [(feed["id"], "user")]
    revoked = await client.delete(f"{FEEDS}/{feed['id']}", headers=acme.headers("technician"))
    assert revoked.status_code == 204
    assert (await client.get(path)).status_code == 404
    again = await client.delete(f"{FEEDS}/{feed['id']}", headers=acme.headers("technician"))
    assert again.status_code == 404
    assert (await client.get(FEEDS, headers=acme.headers("technician"))).json() == []


async def test_an_organization_feed_needs_the_organization_view(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    refused = await client.post(
        FEEDS, headers=acme.headers("technician"), json={"scope": "organization"}
    )
    assert refused.status_code == 403
    await scheduled(client, acme, assigneeIds=[])
    created = await client.post(
        FEEDS, headers=acme.headers("manager"), json={"scope": "organization"}
    )
    path = urlsplit(created.json()["url"]).path
    assert len(parse(await client.get(path))) == 1
    demoted = await client.patch(
        f"/api/v1/users/{acme.users['manager'].id}",
        headers=acme.headers("admin"),
        json={"role": "technician"},
    )
    assert demoted.status_code == 200, demoted.text
    assert (await client.get(path)).status_code == 404


async def test_unknown_feeds_and_other_tenants_are_404(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    created = (await client.post(FEEDS, headers=acme.headers("admin"), json={})).json()
    path = urlsplit(created["url"]).path
    forged = path.replace(".ics", "") + "x.ics"
    for unknown in (forged, "/public/calendar/nonsense.ics"):
        assert (await client.get(unknown)).status_code == 404, unknown
    other = await client.delete(f"{FEEDS}/{created['id']}", headers=globex.headers("admin"))
    assert other.status_code == 404
    mine_only = await client.delete(f"{FEEDS}/{created['id']}", headers=acme.headers("manager"))
    assert mine_only.status_code == 404
    assert (await client.get(path)).status_code == 200
    work = await scheduled(client, acme)
    foreign = parse(
        await client.get(ICS, headers=globex.headers("admin"), params={"scope": "organization"})
    )
    assert str(work["number"]) not in " ".join(summaries(foreign))
    window = {**WINDOW, "scope": "organization"}
    events = await client.get(EVENTS, headers=globex.headers("admin"), params=window)
    assert events.json()["items"] == []
