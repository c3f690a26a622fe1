"""`maintainpro seed`: the demo's year of work is realistic, consistent and loaded once, with
the labor, checklists and comments it left behind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import get_args

import httpx
import pytest
from sqlalchemy import Engine, text

from maintainpro.checklist.results import judge
from maintainpro.checklist.schemas import ItemDefinition
from maintainpro.config import Settings, get_settings
from maintainpro.core.database import Role, ServerTarget
from maintainpro.core.db import create_sync_engine
from maintainpro.demo import details, orders, work
from maintainpro.demo import seed as demo
from maintainpro.failure_code.defaults import DEFAULTS
from maintainpro.models import ChecklistItem
from maintainpro.webhook.schemas import EventType
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
DEMO_LABOR = (
    "FROM labor_entries e JOIN organizations o ON o.id = e.organization_id"
    " JOIN work_orders w ON w.organization_id = e.organization_id AND w.id = e.work_order_id"
    " WHERE o.slug = :s"
)
DEMO_ITEMS = (
    "FROM checklist_items i JOIN organizations o ON o.id = i.organization_id"
    " JOIN checklists c ON c.organization_id = i.organization_id AND c.id = i.checklist_id"
    " JOIN work_orders w ON w.organization_id = c.organization_id AND w.id = c.work_order_id"
    " WHERE o.slug = :s"
)
DEMO_COMMENTS = (
    "FROM comments c JOIN organizations o ON o.id = c.organization_id"
    " JOIN work_orders w ON w.organization_id = c.organization_id AND w.id = c.work_order_id"
    " WHERE o.slug = :s"
)
ASSIGNEE = (
    "EXISTS (SELECT 1 FROM work_order_assignees a WHERE a.organization_id = w.organization_id"
    " AND a.work_order_id = w.id AND a.user_id = {user})"
)


def _count(engine: Engine, sql: str) -> int:
    ((value,),) = _rows(engine, sql)
    return int(str(value))


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
    assert sum(int(str(n)) for n in statuses.values()) == orders.WORK_ORDERS
    types = {row[0] for row in _rows(seeded, f"SELECT DISTINCT w.type {DEMO_WORK}")}
    assert types == set(orders.TYPE_WEIGHTS)
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
        " count(n.number), max(s.last_value)"
        " FROM work_orders w JOIN organizations o ON o.id = w.organization_id"
        " LEFT JOIN work_order_numbers n ON n.organization_id = w.organization_id"
        " AND n.number = w.number AND n.work_order_id = w.id"
        " JOIN pg_sequences s ON s.schemaname = 'numbering'"
        " AND s.sequencename = 'work_order_' || replace(o.id::text, '-', '') WHERE o.slug = :s",
    )
    total = orders.WORK_ORDERS
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
            " (SELECT count(*) FROM failure_codes), (SELECT count(*) FROM crafts),"
            " (SELECT count(*) FROM labor_entries), (SELECT count(*) FROM checklists),"
            " (SELECT count(*) FROM checklist_items), (SELECT count(*) FROM comments),"
            " (SELECT count(*) FROM comment_mentions), sum(w.actual_hours),"
            " (SELECT max(version) FROM users WHERE organization_id = o.id),"
            " (SELECT count(*) FROM pm_schedules WHERE organization_id = o.id),"
            " (SELECT count(*) FROM webhook_subscriptions WHERE organization_id = o.id),"
            " (SELECT count(*) FROM escalation_rules WHERE organization_id = o.id)"
            f" {DEMO_WORK} GROUP BY o.id",
        )

    before = counts()
    invoke("seed")
    assert counts() == before


async def _sign_in(client: httpx.AsyncClient, settings: Settings) -> tuple[dict[str, str], str]:
    """The demo technician's headers and id."""
    login = await client.post(
        "/api/v1/auth/login",
        json={
            "email": f"technician@{settings.demo.email_domain}",
            "password": settings.demo.password.get_secret_value(),
        },
    )
    assert login.status_code == 200, login.text
    body = login.json()
    return {"Authorization": f"Bearer {body['accessToken']}"}, str(body["user"]["id"])


async def test_the_demo_technician_sees_the_work_of_their_crew(
    seeded: Engine, client: httpx.AsyncClient, settings: Settings
) -> None:
    headers, me = await _sign_in(client, settings)
    mine = await client.get("/api/v1/work-orders?assignedToMe=true&limit=200", headers=headers)
    assert mine.status_code == 200
    assert mine.json()["items"]
    overdue = await client.get("/api/v1/work-orders?overdue=true&limit=5", headers=headers)
    assert overdue.json()["items"]
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


def test_labor_rolls_up_into_the_work_it_was_booked_on(seeded: Engine) -> None:
    (figures,) = _rows(
        seeded,
        "WITH booked AS (SELECT e.work_order_id, count(*) AS entries,"
        " count(*) FILTER (WHERE e.ended_at IS NOT NULL) AS finished,"
        " coalesce(sum(e.hours), 0) AS hours, coalesce(sum(e.cost), 0) AS cost"
        " FROM labor_entries e WHERE e.deleted_at IS NULL GROUP BY 1),"
        " worked AS (SELECT DISTINCT t.work_order_id FROM work_order_transitions t"
        " WHERE t.to_status = 'in_progress')"
        " SELECT count(*) FILTER (WHERE (w.actual_hours, w.labor_cost)"
        " <> (coalesce(b.hours, 0), coalesce(b.cost, 0))),"
        " count(*) FILTER (WHERE w.actual_hours > 0),"
        " count(*) FILTER (WHERE k.work_order_id IS NOT NULL"
        " AND coalesce(b.finished, 0) NOT BETWEEN 1 AND 3),"
        " count(*) FILTER (WHERE k.work_order_id IS NULL AND b.entries > 0),"
        " count(*) FILTER (WHERE k.work_order_id IS NULL AND w.status IN"
        " ('in_progress', 'on_hold', 'completed', 'verified', 'closed'))"
        " FROM work_orders w JOIN organizations o ON o.id = w.organization_id"
        " LEFT JOIN booked b ON b.work_order_id = w.id"
        " LEFT JOIN worked k ON k.work_order_id = w.id WHERE o.slug = :s",
    )
    drifted, with_hours, wrong_count, unworked_with_labor, worked_without_start = (
        int(str(v)) for v in figures
    )
    assert drifted == 0
    assert with_hours > orders.WORK_ORDERS / 2
    assert wrong_count == 0
    assert unworked_with_labor == 0
    assert worked_without_start == 0
    # Written once: the totals the seed wrote were the trigger's own, so its recount on the
    # entries' insert changed no work order.
    audited = _rows(
        seeded,
        "SELECT count(*) FILTER (WHERE l.action = 'insert'),"
        " count(*) FILTER (WHERE l.action <> 'insert') FROM activity_logs l"
        " JOIN organizations o ON o.id = l.organization_id WHERE o.slug = :s"
        # The trail names the partition a work order row is in.
        " AND l.entity_type ~ '^work_orders(_p[0-9]{4}_q[1-4])?$'",
    )
    assert audited == [(orders.WORK_ORDERS, 0)]
    # Booked by an assignee while the work was in progress: after a start (or resumption) and
    # before the next status change; a running timer only on work in progress now.
    (placed,) = _rows(
        seeded,
        "WITH periods AS (SELECT t.work_order_id, t.to_status, t.occurred_at AS since,"
        " coalesce(lead(t.occurred_at) OVER (PARTITION BY t.work_order_id ORDER BY t.id),"
        " 'infinity') AS until FROM work_order_transitions t)"
        f" SELECT count(*), count(*) FILTER (WHERE {ASSIGNEE.format(user='e.user_id')}"
        " AND e.created_by = e.user_id AND e.created_at = coalesce(e.ended_at, e.started_at)"
        " AND substr(replace(e.id::text, '-', ''), 1, 12)"
        " = lpad(to_hex(floor(extract(epoch FROM e.created_at) * 1000)::bigint), 12, '0')"
        " AND (e.ended_at <= now() AND e.ended_at - e.started_at <= interval '24 hours'"
        " OR e.ended_at IS NULL AND w.status = 'in_progress')),"
        " count(*) FILTER (WHERE e.ended_at IS NULL),"
        " (SELECT count(DISTINCT x.id) FROM labor_entries x JOIN periods p"
        " ON p.work_order_id = x.work_order_id AND p.to_status = 'in_progress'"
        " AND p.since <= x.started_at AND coalesce(x.ended_at, now()) <= p.until"
        " WHERE x.organization_id = o.id)"
        f" {DEMO_LABOR} GROUP BY o.id",
    )
    entries, well_made, running, in_progress_then = (int(str(v)) for v in placed)
    assert entries > orders.WORK_ORDERS
    assert 0 < running <= len(work.TRADES)
    assert well_made == entries
    assert in_progress_then == entries
    overlapping = _count(
        seeded,
        "SELECT count(*) FROM (SELECT e.started_at, lag(coalesce(e.ended_at, now()))"
        " OVER (PARTITION BY e.user_id ORDER BY e.started_at, e.id) AS previous_end"
        f" {DEMO_LABOR}) x WHERE x.previous_end > x.started_at",
    )
    assert overlapping == 0
    sources = dict(_rows(seeded, f"SELECT e.source, count(*) {DEMO_LABOR} GROUP BY 1"))
    assert set(sources) == {"manual", "timer"}
    quarters = _count(
        seeded,
        f"SELECT count(*) {DEMO_LABOR} AND e.source = 'manual'"
        " AND e.hours * 4 <> round(e.hours * 4)",
    )
    assert quarters == 0


def test_labor_is_priced_by_the_person_and_their_craft(seeded: Engine) -> None:
    crafts = dict(
        _rows(
            seeded,
            "SELECT c.name, c.hourly_rate FROM crafts c"
            " JOIN organizations o ON o.id = c.organization_id WHERE o.slug = :s",
        )
    )
    assert crafts == dict(work.CRAFTS)
    mispriced = _count(
        seeded,
        f"SELECT count(*) {DEMO_LABOR} AND NOT EXISTS (SELECT 1 FROM users u"
        " JOIN crafts c ON c.organization_id = u.organization_id AND c.id = u.craft_id"
        " WHERE u.organization_id = e.organization_id AND u.id = e.user_id"
        " AND e.craft_id = c.id AND e.hourly_rate = coalesce(u.hourly_rate, c.hourly_rate))",
    )
    assert mispriced == 0
    rates = {
        Decimal(str(rate))
        for (rate,) in _rows(seeded, f"SELECT DISTINCT e.hourly_rate {DEMO_LABOR}")
    }
    assert rates == {rate for _, rate in work.CRAFTS} | {
        rate for _, _, rate in work.TRADES if rate is not None
    }


def test_planned_work_has_checklists_answered_as_the_work_went(seeded: Engine) -> None:
    per_work = _rows(
        seeded,
        "SELECT w.type, count(c.id) FROM work_orders w"
        " JOIN organizations o ON o.id = w.organization_id"
        " LEFT JOIN checklists c ON c.organization_id = w.organization_id"
        " AND c.work_order_id = w.id WHERE o.slug = :s GROUP BY w.id, w.type",
    )
    for kind, checklists in per_work:
        assert checklists == (1 if kind in details.CHECKLIST_TYPES else 0), kind
    items = _rows(
        seeded,
        "SELECT c.id, w.status, i.position, i.label, i.kind, i.required, i.min_value,"
        " i.max_value, i.unit, i.status, i.result_value, i.result_note, i.result_at,"
        " w.started_at, CASE WHEN w.status = 'in_progress' THEN now()"
        " ELSE coalesce(w.completed_at, w.status_changed_at) END,"
        f" {ASSIGNEE.format(user='i.result_by')} {DEMO_ITEMS} ORDER BY c.id, i.position",
    )
    sizes = Counter(row[0] for row in items)
    assert set(sizes.values()) <= {3, 4, 5}
    kinds: dict[object, set[object]] = {}
    statuses: Counter[object] = Counter()
    for row in items:
        checklist, state, position, label, kind, required, low, high, unit = row[:9]
        status, value, note, at, started, finished, by_assignee = row[9:]
        kinds.setdefault(checklist, set()).add(kind)
        statuses[status] += 1
        ItemDefinition.model_validate(
            {
                "label": label,
                "kind": kind,
                "required": required,
                "minValue": low,
                "maxValue": high,
                "unit": unit,
            }
        )
        if state in details.DONE:
            assert status != "open", (checklist, position)
        if state in ("new", "assigned"):
            assert status == "open", (checklist, position)
        if status == "open":
            assert value is None
            assert at is None
            continue
        item = ChecklistItem(kind=kind, min_value=low, max_value=high)
        judged = judge(item, value)  # type: ignore[arg-type]
        assert (judged.status, judged.value) == (status, value), (checklist, position)
        assert started <= at <= finished  # type: ignore[operator]
        assert by_assignee
        if status == "failed":
            assert note
    assert all(len(found) >= 2 for found in kinds.values())
    assert {"pass_fail", "number", "text"} <= set().union(*kinds.values())
    assert statuses["failed"] > 0
    assert statuses["open"] > 0
    assert statuses["passed"] > 10 * statuses["failed"]


def test_comments_threads_mentions_and_search(seeded: Engine) -> None:
    per_work = dict(
        _rows(
            seeded,
            "SELECT w.id, count(c.id) FROM work_orders w"
            " JOIN organizations o ON o.id = w.organization_id"
            " LEFT JOIN comments c ON c.organization_id = w.organization_id"
            " AND c.work_order_id = w.id WHERE o.slug = :s GROUP BY w.id",
        )
    )
    discussed = [n for n in per_work.values() if int(str(n)) > 0]
    assert 0.2 * orders.WORK_ORDERS < len(discussed) < 0.6 * orders.WORK_ORDERS
    assert max(int(str(n)) for n in discussed) <= details.MOST_COMMENTS
    (figures,) = _rows(
        seeded,
        "SELECT count(*) FILTER (WHERE c.parent_id IS NOT NULL),"
        " count(*) FILTER (WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
        " comments p WHERE p.organization_id = c.organization_id AND p.id = c.parent_id"
        " AND p.work_order_id = c.work_order_id AND p.created_at < c.created_at"
        " AND p.author_id <> c.author_id AND p.parent_id IS NULL)),"
        " count(*) FILTER (WHERE c.created_at <= w.reported_at OR c.created_at > now()"
        " OR c.updated_at <> c.created_at OR c.created_by <> c.author_id"
        " OR substr(replace(c.id::text, '-', ''), 1, 12)"
        " <> lpad(to_hex(floor(extract(epoch FROM c.created_at) * 1000)::bigint), 12, '0')),"
        " count(*) FILTER (WHERE c.author_id <> w.requester_id"
        f" AND NOT {ASSIGNEE.format(user='c.author_id')} AND NOT EXISTS (SELECT 1 FROM users u"
        " WHERE u.organization_id = c.organization_id AND u.id = c.author_id"
        " AND u.role = 'supervisor'))"
        f" {DEMO_COMMENTS}",
    )
    replies, misplaced_replies, misdated, strangers = (int(str(v)) for v in figures)
    assert replies > 0
    assert misplaced_replies == 0
    assert misdated == 0
    assert strangers == 0
    mentions = _rows(
        seeded,
        "SELECT count(*), count(*) FILTER (WHERE NOT"
        f" {ASSIGNEE.format(user='m.user_id')}) FROM comment_mentions m"
        " JOIN comments c ON c.organization_id = m.organization_id AND c.id = m.comment_id"
        " JOIN work_orders w ON w.organization_id = c.organization_id AND w.id = c.work_order_id"
        " JOIN organizations o ON o.id = m.organization_id WHERE o.slug = :s",
    )
    assert int(str(mentions[0][0])) > 0
    assert int(str(mentions[0][1])) == 0
    found = _count(
        seeded,
        f"SELECT count(*) {DEMO_COMMENTS}"
        " AND c.search_vector @@ websearch_to_tsquery('english', 'replacing bearings')",
    )
    assert found > 0


async def test_the_demo_technician_reads_labor_checklists_and_comments(
    seeded: Engine, client: httpx.AsyncClient, settings: Settings
) -> None:
    headers, me = await _sign_in(client, settings)
    done = await client.get(
        "/api/v1/work-orders?assignedToMe=true&type=preventive&status=closed&limit=10",
        headers=headers,
    )
    assert done.json()["items"]
    for order in done.json()["items"]:
        path = f"/api/v1/work-orders/{order['id']}"
        labor = (await client.get(f"{path}/labor", headers=headers)).json()
        assert 1 <= len(labor["items"]) <= 3
        hours = sum(Decimal(str(person["hours"])) for person in labor["people"])
        assert hours == Decimal(str(order["actualHours"])) > 0
        cost = sum(Decimal(str(person["cost"])) for person in labor["people"])
        assert cost == Decimal(str(order["laborCost"]))
        (checklist,) = (await client.get(f"{path}/checklists", headers=headers)).json()["items"]
        assert 3 <= len(checklist["items"]) <= 5
        assert all(item["resultAt"] for item in checklist["items"])
    mine = ASSIGNEE.format(user=f"'{me}'")
    ((discussed,),) = _rows(
        seeded,
        f"SELECT min(w.id::text) {DEMO_COMMENTS} AND c.parent_id IS NOT NULL AND {mine}",
    )
    comments = await client.get(f"/api/v1/work-orders/{discussed}/comments", headers=headers)
    assert comments.status_code == 200, comments.text
    thread = comments.json()["items"]
    ids = {c["id"] for c in thread}
    replies = [c for c in thread if c["parentId"] is not None]
    assert replies
    assert all(c["parentId"] in ids for c in replies)


DEMO_STOCK = (
    "FROM parts_inventory s JOIN organizations o ON o.id = s.organization_id WHERE o.slug = :s"
)


def test_the_stores_balance_to_their_ledger(seeded: Engine) -> None:
    [(parts, storerooms, rows, low, unbalanced, priced)] = _rows(
        seeded,
        "SELECT (SELECT count(*) FROM parts p WHERE p.organization_id = o.id),"
        " count(DISTINCT s.storeroom_id), count(*),"
        " count(*) FILTER (WHERE s.on_hand - s.reserved <= s.reorder_point),"
        " count(*) FILTER (WHERE s.on_hand <> (SELECT sum(m.quantity) FROM stock_movements m"
        "   WHERE m.organization_id = s.organization_id AND m.part_id = s.part_id"
        "   AND m.storeroom_id = s.storeroom_id)),"
        " count(*) FILTER (WHERE s.average_unit_cost > 0)"
        f" {DEMO_STOCK} GROUP BY o.id",
    )
    assert int(str(parts)) >= 150
    assert storerooms == 2
    assert int(str(rows)) > int(str(parts))  # every part in the main storeroom, some in both
    assert 0 < int(str(low)) < int(str(rows)) // 4  # some, not most, at the reorder point
    assert unbalanced == 0
    assert priced == rows
    [(preferred, parts_sold)] = _rows(
        seeded,
        "SELECT count(*) FILTER (WHERE v.preferred), count(DISTINCT v.part_id)"
        " FROM vendor_parts v JOIN organizations o ON o.id = v.organization_id WHERE o.slug = :s",
    )
    assert preferred == parts_sold == parts


def test_two_purchase_orders_are_open(seeded: Engine) -> None:
    orders = _rows(
        seeded,
        "SELECT po.number, po.status, count(l.id), po.total = sum(l.line_total)"
        " FROM purchase_orders po JOIN organizations o ON o.id = po.organization_id"
        " JOIN purchase_order_lines l ON l.organization_id = po.organization_id"
        " AND l.purchase_order_id = po.id WHERE o.slug = :s GROUP BY po.id ORDER BY po.number",
    )
    assert orders == [("PO-000001", "ordered", 4, True), ("PO-000002", "submitted", 4, True)]


def test_one_pm_schedule_of_each_kind_and_the_first_is_due(seeded: Engine) -> None:
    schedules = _rows(
        seeded,
        "SELECT s.trigger_kind, count(*), count(DISTINCT s.template_id) FROM pm_schedules s"
        " JOIN organizations o ON o.id = s.organization_id WHERE o.slug = :s"
        " GROUP BY s.trigger_kind ORDER BY s.trigger_kind",
    )
    assert schedules == [
        ("condition", 1, 1),
        ("meter", 1, 1),
        ("time", 3, 3),
        ("time_or_meter", 1, 1),
    ]
    # The weekly walk is due now, whatever the date: the worker's first pass generates it.
    due = _rows(
        seeded,
        "SELECT s.generate_at <= now() FROM pm_schedules s JOIN organizations o"
        " ON o.id = s.organization_id WHERE o.slug = :s AND s.name = 'Weekly safety walk'",
    )
    assert due == [(True,)]


def test_one_disabled_webhook_hears_every_public_event(seeded: Engine) -> None:
    hooks = _rows(
        seeded,
        "SELECT w.url, w.enabled, cardinality(w.events) FROM webhook_subscriptions w"
        " JOIN organizations o ON o.id = w.organization_id WHERE o.slug = :s",
    )
    assert hooks == [("https://hooks.example.com/maintainpro", False, len(get_args(EventType)))]


def test_escalation_rules_of_both_triggers_written_by_the_admin(seeded: Engine) -> None:
    rules = _rows(
        seeded,
        "SELECT r.trigger, r.clock, u.role FROM escalation_rules r"
        " JOIN organizations o ON o.id = r.organization_id"
        " JOIN users u ON u.organization_id = r.organization_id AND u.id = r.created_by"
        " WHERE o.slug = :s AND r.enabled",
    )
    # Written by the admin, whom the scan acts for.
    assert sorted(rules) == [
        ("overdue", "business_hours", "admin"),
        ("overdue", "calendar", "admin"),
        ("unacknowledged", "calendar", "admin"),
    ]
