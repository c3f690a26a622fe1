"""`maintainpro seed`: the demo's year of work is realistic, consistent and loaded once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, text

from maintainpro.config import Settings, get_settings
from maintainpro.core.database import Role, ServerTarget
from maintainpro.core.db import create_sync_engine
from maintainpro.demo import seed as demo
from maintainpro.demo import work
from maintainpro.failure_code.defaults import DEFAULTS
from maintainpro.work_order.machine import move
from tests.cli.test_commands import invoke


@pytest.fixture(scope="module")
def seeded(target: ServerTarget, settings: Settings) -> Iterator[Engine]:
    """The demo seeded once for the module (it takes a while), purged afterwards."""
    engine = create_sync_engine(target, settings.database, Role.MAINT)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MAINTAINPRO_DATABASE__URL", settings.database.url or "")
            get_settings.cache_clear()
            invoke("seed")
        yield engine
    finally:
        get_settings.cache_clear()
        with engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT set_config('app.purge_organization', id::text, true)"
                    " FROM organizations WHERE slug = :s"
                ),
                {"s": demo.DEMO_SLUG},
            )
            conn.execute(text("DELETE FROM organizations WHERE slug = :s"), {"s": demo.DEMO_SLUG})
        engine.dispose()


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), {"s": demo.DEMO_SLUG})]


DEMO_WORK = "FROM work_orders w JOIN organizations o ON o.id = w.organization_id WHERE o.slug = :s"


def test_every_status_and_type_with_history_that_matches(seeded: Engine) -> None:
    statuses = dict(_rows(seeded, f"SELECT w.status, count(*) {DEMO_WORK} GROUP BY 1"))
    assert set(statuses) == {
        "new",
        "assigned",
        "in_progress",
        "on_hold",
        "completed",
        "verified",
        "closed",
        "cancelled",
    }
    assert sum(int(str(n)) for n in statuses.values()) == work.WORK_ORDERS
    types = {row[0] for row in _rows(seeded, f"SELECT DISTINCT w.type {DEMO_WORK}")}
    assert types == set(work.TYPE_WEIGHTS)
    steps = _rows(
        seeded,
        "SELECT t.work_order_id, t.from_status, t.to_status, t.reason, t.occurred_at"
        " FROM work_order_transitions t JOIN organizations o ON o.id = t.organization_id"
        " WHERE o.slug = :s ORDER BY t.work_order_id, t.id",
    )
    last: dict[object, tuple[object, ...]] = {}
    for row in steps:
        work_order, source, target, reason, at = row
        previous = last.get(work_order)
        if previous is None:
            assert (source, target) == (None, "new")
        else:
            assert source == previous[2]
            assert move(str(source), str(target)) is not None, (source, target)
            assert at > previous[4]  # type: ignore[operator]
            if target in ("on_hold", "cancelled"):
                assert reason
        last[work_order] = row
    final = dict(_rows(seeded, f"SELECT w.id, w.status {DEMO_WORK}"))
    assert {key: row[2] for key, row in last.items()} == final
    mismatched = _rows(
        seeded,
        f"SELECT count(*) {DEMO_WORK} AND (w.version <> (SELECT count(*)"
        " FROM work_order_transitions t WHERE t.work_order_id = w.id)"
        " OR (w.status IN ('completed', 'verified', 'closed')) <> (w.completed_at IS NOT NULL)"
        " OR (w.status IN ('verified', 'closed')) <> (w.verified_by IS NOT NULL)"
        " OR w.verified_by = w.completed_by"
        " OR (w.status = 'closed') <> (w.closed_at IS NOT NULL)"
        " OR w.status_changed_at <> w.updated_at)",
    )
    assert mismatched == [(0,)]


def test_ids_numbers_and_partitions(seeded: Engine) -> None:
    wrong_stamp = _rows(
        seeded,
        f"SELECT count(*) {DEMO_WORK} AND substr(replace(w.id::text, '-', ''), 1, 12)"
        " <> lpad(to_hex(floor(extract(epoch FROM w.created_at) * 1000)::bigint), 12, '0')"
        " OR substr(w.id::text, 15, 1) <> '7'",
    )
    assert wrong_stamp == [(0,)]
    partitions = _rows(seeded, f"SELECT count(DISTINCT w.tableoid) {DEMO_WORK}")
    assert int(str(partitions[0][0])) >= 4  # a year of work spans the quarters
    numbers = _rows(
        seeded,
        "SELECT count(*), count(DISTINCT w.number), min(w.number), max(w.number),"
        " count(n.number), max(c.last_value)"
        " FROM work_orders w JOIN organizations o ON o.id = w.organization_id"
        " LEFT JOIN work_order_numbers n ON n.organization_id = w.organization_id"
        " AND n.number = w.number AND n.work_order_id = w.id"
        " JOIN number_counters c ON c.organization_id = w.organization_id"
        " AND c.sequence = 'work_order' WHERE o.slug = :s",
    )
    total = work.WORK_ORDERS
    assert numbers == [(total, total, "WO-000001", f"WO-{total:06d}", total, total)]
    oldest_first = _rows(
        seeded,
        f"SELECT bool_and(w.number = x.expected) FROM (SELECT w.id, 'WO-' ||"
        f" lpad((row_number() OVER (ORDER BY w.reported_at, w.id))::text, 6, '0') AS expected"
        f" {DEMO_WORK}) x JOIN work_orders w ON w.id = x.id",
    )
    assert oldest_first == [(True,)]


def test_people_teams_codes_due_dates_and_downtime(seeded: Engine) -> None:
    teams = _rows(
        seeded,
        "SELECT t.name, count(m.id) FROM teams t JOIN organizations o ON o.id = t.organization_id"
        " LEFT JOIN team_members m ON m.team_id = t.id WHERE o.slug = :s GROUP BY 1",
    )
    assert {name for name, _ in teams} == {name for name, _, _ in work.TEAMS}
    codes = _rows(
        seeded,
        "SELECT count(*) FROM failure_codes f JOIN organizations o ON o.id = f.organization_id"
        " WHERE o.slug = :s",
    )
    assert codes == [(sum(len(c) for c in DEFAULTS.values()),)]
    (figures,) = _rows(
        seeded,
        "SELECT count(*) FILTER (WHERE w.due_at < now()"
        " AND w.status IN ('new', 'assigned', 'in_progress', 'on_hold')),"
        " count(*) FILTER (WHERE w.team_id IS NOT NULL),"
        " count(*) FILTER (WHERE w.problem_code_id IS NOT NULL),"
        " count(*) FILTER (WHERE w.status IN ('assigned', 'in_progress', 'on_hold', 'completed',"
        " 'verified', 'closed') AND NOT EXISTS (SELECT 1 FROM work_order_assignees a"
        " WHERE a.work_order_id = w.id)),"
        " count(DISTINCT a.user_id)"
        " FROM work_orders w JOIN organizations o ON o.id = w.organization_id"
        " LEFT JOIN work_order_assignees a ON a.work_order_id = w.id WHERE o.slug = :s",
    )
    overdue, with_team, coded, unassigned_in_work, people = (int(str(v)) for v in figures)
    assert overdue > 0
    assert with_team > 0
    assert coded > 0
    assert unassigned_in_work == 0
    assert people >= 5
    downtime = _rows(
        seeded,
        "SELECT count(*), count(*) FILTER (WHERE d.ended_at IS NULL),"
        " count(*) FILTER (WHERE NOT w.asset_down OR d.started_at <> w.reported_at"
        " OR (d.ended_at IS NULL) <> (w.status IN ('new', 'assigned', 'in_progress', 'on_hold')))"
        " FROM downtime_events d JOIN organizations o ON o.id = d.organization_id"
        " JOIN work_orders w ON w.organization_id = d.organization_id AND w.id = d.work_order_id"
        " WHERE o.slug = :s",
    )
    events, open_events, inconsistent = (int(str(v)) for v in downtime[0])
    assert events > 0
    assert inconsistent == 0
    overlapping = _rows(
        seeded,
        "SELECT count(*) FROM downtime_events a JOIN downtime_events b"
        " ON b.organization_id = a.organization_id AND b.asset_id = a.asset_id AND b.id <> a.id"
        " AND tstzrange(a.started_at, a.ended_at) && tstzrange(b.started_at, b.ended_at)"
        " JOIN organizations o ON o.id = a.organization_id WHERE o.slug = :s",
    )
    assert overlapping == [(0,)]
    assert open_events <= events


@pytest.mark.usefixtures("env")
def test_seeding_again_adds_nothing(seeded: Engine) -> None:
    def counts() -> list[tuple[object, ...]]:
        return _rows(
            seeded,
            f"SELECT count(*), (SELECT count(*) FROM work_order_transitions),"
            " (SELECT count(*) FROM teams), (SELECT count(*) FROM team_members),"
            f" (SELECT count(*) FROM failure_codes) {DEMO_WORK}",
        )

    before = counts()
    invoke("seed")
    assert counts() == before


async def test_the_demo_technician_sees_the_work_of_their_crew(
    seeded: Engine, client: httpx.AsyncClient, settings: Settings
) -> None:
    login = await client.post(
        "/api/v1/auth/login",
        json={
            "email": f"technician@{settings.demo.email_domain}",
            "password": settings.demo.password.get_secret_value(),
        },
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    mine = await client.get("/api/v1/work-orders?assignedToMe=true&limit=200", headers=headers)
    assert mine.status_code == 200
    assert mine.json()["items"]
    overdue = await client.get("/api/v1/work-orders?overdue=true&limit=5", headers=headers)
    assert overdue.json()["items"]
    me = login.json()["user"]["id"]
    teams = await client.get("/api/v1/teams", headers=headers)
    crews = [t["id"] for t in teams.json()["items"]]
    members = [
        (await client.get(f"/api/v1/teams/{team}/members", headers=headers)).json()["items"]
        for team in crews
    ]
    my_teams = {
        team
        for team, items in zip(crews, members, strict=True)
        if me in {m["userId"] for m in items}
    }
    for item in (await client.get("/api/v1/work-orders?limit=200", headers=headers)).json()[
        "items"
    ]:
        assert me in item["assigneeIds"] or item["teamId"] in my_teams
