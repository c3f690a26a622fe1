"""A year of demo maintenance work: teams, the default failure codes, and a few thousand work
orders over the demo plant in every status and type, with assignees, a status history that
matches each status, downtime for breakdowns and due dates (some overdue).

Generated in Python from a fixed seed and written with one set-based statement per table (as
the readings are). Work order ids are UUIDv7 stamped at their creation time in the past, so each
row lands in the partition of its quarter. Runs once per demo organization: one that has any work
order already gets none. Labor, checklists and comments are not seeded yet.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.failure_code import defaults as failure_codes

Progress = Callable[[str], None]

# A few thousand: enough for lists and reports to look real; each row costs foreign-key checks
# into the partitioned table (for its history, number, assets, assignees) at load time.
WORK_ORDERS = 2000
HISTORY_DAYS = 360
# The newest work is a few minutes old, so every time stamp is in the past.
NEWEST = timedelta(minutes=5)
SEED = 20261201

# (name, site code, member e-mails' local parts)
TEAMS = (
    ("Mechanical crew North", "NORTH", ("technician", "theo.turner", "jonas.weber", "contractor")),
    ("Electrical crew North", "NORTH", ("technician", "elena.fischer")),
    ("South warehouse crew", "SOUTH", ("sven.schulz", "mia.hoffmann")),
)
STEPS = ("teams", "failure codes", "work orders")

TYPE_WEIGHTS = {
    "corrective": 35,
    "preventive": 30,
    "inspection": 12,
    "predictive": 8,
    "improvement": 10,
    "emergency": 5,
}
PRIORITY_WEIGHTS = {"low": 20, "medium": 45, "high": 25, "critical": 10}
DUE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 14}
# The status a work order of this age has reached, by weight: old work is mostly closed.
STATUS_BY_AGE = (
    (
        7,
        {"new": 25, "assigned": 25, "in_progress": 20, "on_hold": 8, "completed": 12},
    ),
    (
        21,
        {"new": 5, "assigned": 15, "in_progress": 15, "on_hold": 10, "completed": 15},
    ),
    (
        HISTORY_DAYS + 1,
        {"new": 0, "assigned": 1, "in_progress": 1, "on_hold": 1, "completed": 3},
    ),
)
LATE_STATUSES = (
    {"verified": 5, "closed": 2, "cancelled": 3},
    {"verified": 10, "closed": 25, "cancelled": 5},
    {"verified": 6, "closed": 72, "cancelled": 10},
)
PROBLEMS = {
    "Motors": ("Motor overheating", "Motor trips on start", "Abnormal noise from motor"),
    "Gearboxes": ("Oil leak at gearbox seal", "Gearbox vibration high", "Gearbox noisy"),
    "Pumps": ("Pump seal leaking", "Low discharge pressure", "Cavitation noise at pump"),
    "Bearings": ("Bearing running hot", "Bearing noise", "Bearing play detected"),
    "Sensors": ("Vibration sensor reading erratic", "Sensor signal lost"),
    "Controls": ("PLC fault - line stopped", "HMI not responding", "Drive fault alarm"),
    "Production": ("Machine jams at infeed", "Guard interlock fault", "Belt misaligned"),
}
# Failure codes a problem of an asset category is usually booked with (default set codes).
CODES = {
    "Motors": (("OHE", "FTS", "NOI"), ("OVH", "ELE", "WEA"), ("RPL", "REP", "CLN")),
    "Gearboxes": (("ELU", "VIB", "NOI"), ("WEA", "LUB", "FAT"), ("RPL", "OVH", "LUB")),
    "Pumps": (("ELP", "LOO", "NOI"), ("WEA", "COR", "CON"), ("RPL", "REP", "ADJ")),
    "Bearings": (("OHE", "NOI", "VIB"), ("WEA", "LUB", "FAT"), ("RPL", "LUB")),
    "Sensors": (("AIR", "ERO"), ("INS", "ELE", "LOO"), ("CAL", "RPL", "TIG")),
    "Controls": (("FTF", "UST"), ("ELE", "DES", "OPE"), ("RST", "MOD", "REP")),
    "Production": (("BRD", "UST", "PLU"), ("WEA", "OPE", "LOO"), ("ADJ", "REP", "CLN")),
}
PLANNED = {
    "preventive": ("Quarterly lubrication", "Monthly PM", "Replace filters", "Grease bearings"),
    "inspection": ("Monthly safety inspection", "Thermographic inspection", "Visual inspection"),
    "predictive": ("Vibration analysis", "Oil sample analysis", "Ultrasonic leak survey"),
    "improvement": ("Fit quick-release couplings", "Upgrade guarding", "Add condition sensor"),
}
HOLD_REASONS = (
    "Waiting for spare parts",
    "Waiting for a production window",
    "Waiting for the contractor",
    "Needs a planned shutdown",
)
CANCEL_REASONS = ("Duplicate request", "No fault found", "Superseded by the planned overhaul")
# (from, to) of each step towards a status; cancellation leaves from an open status.
PATHS = {
    "new": ("new",),
    "assigned": ("new", "assigned"),
    "in_progress": ("new", "assigned", "in_progress"),
    "on_hold": ("new", "assigned", "in_progress", "on_hold"),
    "completed": ("new", "assigned", "in_progress", "completed"),
    "verified": ("new", "assigned", "in_progress", "completed", "verified"),
    "closed": ("new", "assigned", "in_progress", "completed", "verified", "closed"),
}
# Typical hours before each status is reached (from the one before).
STEP_HOURS = {
    "assigned": (0.2, 24),
    "in_progress": (0.5, 48),
    "on_hold": (1, 8),
    "resumed": (4, 96),
    "completed": (1, 10),
    "verified": (2, 48),
    "closed": (1, 72),
    "cancelled": (1, 72),
}


@dataclass(frozen=True)
class Asset:
    id: UUID
    name: str
    category: str
    site: str
    location_id: UUID
    site_id: UUID
    is_machine: bool


@dataclass
class People:
    """Demo user ids by e-mail local part, and who does what per site."""

    by_name: dict[str, UUID]
    workers: dict[str, list[UUID]]
    supervisors: dict[str, UUID]
    teams: dict[str, UUID]


@dataclass
class Step:
    id: UUID
    source: str | None
    target: str
    at: datetime
    actor: UUID
    reason: str | None = None


@dataclass
class Work:
    id: UUID
    reported_at: datetime
    title: str
    description: str
    type: str
    priority: str
    asset: Asset
    requester: UUID
    assignees: list[UUID] = field(default_factory=list)
    team_id: UUID | None = None
    due_at: datetime | None = None
    scheduled: tuple[datetime, datetime] | None = None
    estimated_hours: Decimal | None = None
    other_cost: Decimal = Decimal(0)
    codes: tuple[UUID | None, UUID | None, UUID | None] = (None, None, None)
    steps: list[Step] = field(default_factory=list)
    down_until: datetime | None = None
    asset_down: bool = False


def uuid7_at(at: datetime, rng: random.Random) -> UUID:
    """A UUIDv7 of the given millisecond (RFC 9562: 48-bit time, version, variant, random)."""
    millis = int(at.timestamp() * 1000)
    value = (millis << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return UUID(int=value | rng.getrandbits(62))


async def seed_work(
    session: AsyncSession,
    organization_id: UUID,
    emails: dict[str, UUID],
    sites: dict[str, UUID],
    progress: Progress,
) -> None:
    teams = await _seed_teams(session, organization_id, emails, sites)
    progress("teams")
    await failure_codes.load(session, organization_id, emails.get("admin"))
    progress("failure codes")
    if not await _has_work(session, organization_id):
        people = _people(emails, teams)
        assets = await _assets(session, organization_id)
        codes = await _codes(session, organization_id)
        rng = random.Random(SEED)
        now = datetime.now(UTC)
        work = _generate(rng, now, assets, people, codes)
        await _write(session, organization_id, work, now)
    progress("work orders")


async def _seed_teams(
    session: AsyncSession, organization_id: UUID, emails: dict[str, UUID], sites: dict[str, UUID]
) -> dict[str, UUID]:
    """The demo crews (by name, idempotent) and their members; returns team ids by site."""
    by_site: dict[str, UUID] = {}
    for name, site, members in TEAMS:
        # Found by name, else created: a re-run writes nothing.
        team_id = await session.scalar(
            text(
                "WITH found AS (SELECT id FROM teams WHERE organization_id = :org"
                " AND name = :name AND deleted_at IS NULL), created AS ("
                " INSERT INTO teams (id, organization_id, name, site_id, description)"
                " SELECT app.uuidv7(), :org, :name, :site, :description"
                " WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)"
                " SELECT id FROM found UNION ALL SELECT id FROM created"
            ),
            {
                "org": organization_id,
                "name": name,
                "site": sites[site],
                "description": f"Maintenance crew of {site.title()}",
            },
        )
        assert isinstance(team_id, UUID)
        await session.execute(
            text(
                "INSERT INTO team_members (id, organization_id, team_id, user_id)"
                " SELECT app.uuidv7(), :org, :team, u FROM unnest(CAST(:users AS uuid[])) AS u"
                " ON CONFLICT (team_id, user_id) DO NOTHING"
            ),
            {"org": organization_id, "team": team_id, "users": [emails[m] for m in members]},
        )
        by_site.setdefault(site, team_id)
    return by_site


async def _has_work(session: AsyncSession, organization_id: UUID) -> bool:
    found = await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM work_orders WHERE organization_id = :org)"),
        {"org": organization_id},
    )
    return bool(found)


def _people(emails: dict[str, UUID], teams: dict[str, UUID]) -> People:
    return People(
        by_name=emails,
        workers={
            "NORTH": [
                emails[n]
                for n in ("technician", "theo.turner", "jonas.weber", "elena.fischer", "contractor")
            ],
            "SOUTH": [emails["sven.schulz"]],
        },
        supervisors={"NORTH": emails["supervisor"], "SOUTH": emails["mia.hoffmann"]},
        teams=teams,
    )


async def _assets(session: AsyncSession, organization_id: UUID) -> list[Asset]:
    """The plant's machines and their components (the lines are only containers)."""
    rows = await session.execute(
        text(
            "SELECT a.id, a.name, coalesce(a.category, 'Production') AS category,"
            " s.code AS site, a.location_id, a.site_id, a.parent_id IS NOT NULL"
            " AND a.code NOT LIKE '%-___' AS is_machine"
            " FROM assets a JOIN locations s ON s.organization_id = a.organization_id"
            " AND s.id = a.site_id"
            " WHERE a.organization_id = :org AND a.deleted_at IS NULL AND a.parent_id IS NOT NULL"
            " AND a.location_id IS NOT NULL ORDER BY a.code"
        ),
        {"org": organization_id},
    )
    return [
        Asset(r.id, r.name, r.category, r.site, r.location_id, r.site_id, bool(r.is_machine))
        for r in rows
    ]


async def _codes(session: AsyncSession, organization_id: UUID) -> dict[tuple[str, str], UUID]:
    rows = await session.execute(
        text(
            "SELECT kind, code, id FROM failure_codes"
            " WHERE organization_id = :org AND deleted_at IS NULL"
        ),
        {"org": organization_id},
    )
    return {(r.kind, r.code): r.id for r in rows}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _status(rng: random.Random, age: timedelta) -> str:
    for (days, early), late in zip(STATUS_BY_AGE, LATE_STATUSES, strict=True):
        if age < timedelta(days=days):
            return _pick(rng, {**early, **late})
    raise AssertionError("the oldest work is younger than the last age bracket")


def _generate(
    rng: random.Random,
    now: datetime,
    assets: Sequence[Asset],
    people: People,
    codes: dict[tuple[str, str], UUID],
) -> list[Work]:
    span = timedelta(days=HISTORY_DAYS) - NEWEST
    starts = sorted(now - NEWEST - span * rng.random() for _ in range(WORK_ORDERS))
    work = [_one(rng, now, at, rng.choice(assets), people, codes) for at in starts]
    _place_downtime(work)
    return work


def _one(
    rng: random.Random,
    now: datetime,
    reported: datetime,
    asset: Asset,
    people: People,
    codes: dict[tuple[str, str], UUID],
) -> Work:
    kind = _pick(rng, TYPE_WEIGHTS)
    priority = (
        rng.choice(("high", "critical")) if kind == "emergency" else _pick(rng, PRIORITY_WEIGHTS)
    )
    title, description = _title(rng, kind, asset)
    item = Work(
        id=uuid7_at(reported, rng),
        reported_at=reported,
        title=title,
        description=description,
        type=kind,
        priority=priority,
        asset=asset,
        requester=_requester(rng, kind, asset, people),
        estimated_hours=Decimal(rng.choice((5, 10, 15, 20, 30, 40, 60, 80))) / 10,
    )
    item.due_at = reported + timedelta(days=DUE_DAYS[priority], hours=rng.randrange(0, 8))
    if kind in PLANNED:
        start = (reported + timedelta(days=rng.randrange(1, 6))).replace(
            hour=7, minute=0, second=0, microsecond=0
        )
        hours = float(item.estimated_hours or 1)
        item.scheduled = (start, start + timedelta(hours=hours))
        item.due_at = start + timedelta(days=2)
    status = _status(rng, now - reported)
    _history(rng, now, item, status, people)
    if kind in ("corrective", "emergency") and any(s.target == "completed" for s in item.steps):
        item.codes = _failure_codes(rng, asset, codes)
        if rng.random() < 0.3:
            item.other_cost = Decimal(rng.randrange(2_000, 80_000)) / 100
    breakdown = {"corrective": 0.25, "emergency": 0.8}.get(kind, 0.0)
    item.asset_down = asset.is_machine and rng.random() < breakdown
    return item


def _title(rng: random.Random, kind: str, asset: Asset) -> tuple[str, str]:
    if kind in PLANNED:
        task = rng.choice(PLANNED[kind])
        return f"{task} - {asset.name}", f"{task} as per the maintenance plan of {asset.name}."
    problem = rng.choice(PROBLEMS.get(asset.category, PROBLEMS["Production"]))
    prefix = "URGENT: " if kind == "emergency" else ""
    return f"{prefix}{problem} - {asset.name}", f"Reported by the shift: {problem.lower()}."


def _requester(rng: random.Random, kind: str, asset: Asset, people: People) -> UUID:
    if kind in ("corrective", "emergency"):
        reporters = (people.by_name["requester"], people.supervisors[asset.site])
        return rng.choice((*reporters, people.workers[asset.site][0]))
    if kind == "improvement":
        return people.by_name["manager"]
    return people.supervisors[asset.site]


def _failure_codes(
    rng: random.Random, asset: Asset, codes: dict[tuple[str, str], UUID]
) -> tuple[UUID | None, UUID | None, UUID | None]:
    problem, cause, remedy = CODES.get(asset.category, CODES["Production"])
    return (
        codes.get(("problem", rng.choice(problem))),
        codes.get(("cause", rng.choice(cause))),
        codes.get(("remedy", rng.choice(remedy))),
    )


def _plan(rng: random.Random, status: str) -> list[tuple[str, str | None]]:
    """The statuses passed on the way to `status`, each with its reason (if it needs one)."""
    if status == "cancelled":
        path = PATHS[rng.choice(("new", "assigned", "in_progress", "on_hold"))]
        reasons = [rng.choice(HOLD_REASONS) if s == "on_hold" else None for s in path]
        return [*zip(path, reasons, strict=True), ("cancelled", rng.choice(CANCEL_REASONS))]
    planned: list[tuple[str, str | None]] = []
    for target in PATHS[status]:
        # Some finished work waited on the way.
        if target == "completed" and rng.random() < 0.2:
            planned += [("on_hold", rng.choice(HOLD_REASONS)), ("in_progress", None)]
        reason = rng.choice(HOLD_REASONS) if target == "on_hold" else None
        planned.append((target, reason))
    return planned


def _history(rng: random.Random, now: datetime, item: Work, status: str, people: People) -> None:
    """Transitions from the creation to `status`, with who made each and when: squeezed into
    the time left before now when the work is recent."""
    planned = _plan(rng, status)
    gaps = [0.0]
    for index, (target, _) in enumerate(planned[1:], start=1):
        resumed = target == "in_progress" and planned[index - 1][0] == "on_hold"
        low, high = STEP_HOURS["resumed" if resumed else target]
        hours = rng.uniform(low, high) / (4 if item.priority == "critical" else 1)
        gaps.append(hours)
    room = (now - NEWEST - item.reported_at).total_seconds() / 3600
    scale = min(1.0, room / sum(gaps)) if sum(gaps) > 0 else 1.0
    if any(target == "assigned" for target, _ in planned):
        _assign(rng, item, people)
    at = item.reported_at
    source: str | None = None
    for (target, reason), hours in zip(planned, gaps, strict=True):
        # Distinct milliseconds keep the history's id order the order of events.
        at = at + timedelta(hours=hours * scale, milliseconds=1)
        actor = _actor(item, target, people)
        item.steps.append(Step(uuid7_at(at, rng), source, target, at, actor, reason))
        source = target


def _assign(rng: random.Random, item: Work, people: People) -> None:
    site = item.asset.site
    workers = people.workers[site]
    item.assignees = rng.sample(workers, k=min(len(workers), rng.choice((1, 1, 1, 2))))
    if rng.random() < 0.5:
        item.team_id = people.teams[site]


def _actor(item: Work, target: str, people: People) -> UUID:
    site = item.asset.site
    if target == "new":
        return item.requester
    if target in ("assigned", "verified", "cancelled"):
        return people.supervisors[site]
    if target == "closed":
        return people.by_name["manager"]
    return item.assignees[0]


def _place_downtime(work: Sequence[Work]) -> None:
    """A breakdown keeps its asset down from the report until the work is completed or
    cancelled (open while it is not); one asset's periods never overlap."""
    free_from: dict[UUID, datetime | None] = {}
    for item in work:
        if not item.asset_down:
            continue
        since = free_from.get(item.asset.id, datetime.min.replace(tzinfo=UTC))
        if since is None or since > item.reported_at:
            item.asset_down = False
            continue
        ends = [s.at for s in item.steps if s.target in ("completed", "cancelled")]
        item.down_until = ends[0] if ends else None
        free_from[item.asset.id] = item.down_until


def _first(item: Work, target: str) -> Step | None:
    return next((s for s in item.steps if s.target == target), None)


async def _write(
    session: AsyncSession, organization_id: UUID, work: list[Work], now: datetime
) -> None:
    oldest = min(item.reported_at for item in work)
    quarters_back = (now.year - oldest.year) * 4 + (now.month - 1) // 3 - (oldest.month - 1) // 3
    await session.execute(
        text("SELECT app.ensure_quarterly_partitions('work_orders', 1, :back)"),
        {"back": quarters_back},
    )
    last = await session.scalar(
        text(
            "INSERT INTO number_counters AS c (organization_id, sequence, last_value)"
            " VALUES (:org, 'work_order', :n) ON CONFLICT (organization_id, sequence)"
            " DO UPDATE SET last_value = c.last_value + :n RETURNING last_value"
        ),
        {"org": organization_id, "n": len(work)},
    )
    assert isinstance(last, int)
    first_number = last - len(work) + 1
    numbers = [f"WO-{first_number + i:06d}" for i in range(len(work))]
    await session.execute(_INSERT_WORK, _work_columns(organization_id, work, numbers))
    await session.execute(_INSERT_LINKS, _link_columns(organization_id, work, numbers))
    await session.execute(_INSERT_HISTORY, _history_columns(organization_id, work))
    await session.execute(_INSERT_DOWNTIME, _downtime_columns(organization_id, work))


_INSERT_WORK = text("""
INSERT INTO work_orders (
  id, organization_id, number, title, description, type, priority, status, location_id, site_id,
  requester_id, team_id, reported_at, due_at, scheduled_start_at, scheduled_end_at,
  estimated_hours, other_cost, asset_down, problem_code_id, cause_code_id, remedy_code_id,
  status_changed_at, started_at, completed_at, completed_by, verified_at, verified_by, closed_at,
  created_at, updated_at, created_by, updated_by, version)
SELECT w.id, CAST(:org AS uuid), w.number, w.title, w.description, w.type, w.priority, w.status,
  w.location_id, w.site_id, w.requester_id, w.team_id, w.reported_at, w.due_at, w.start_at,
  w.end_at, w.estimated_hours, w.other_cost, w.asset_down, w.problem, w.cause, w.remedy,
  w.changed_at, w.started_at, w.completed_at, w.completed_by, w.verified_at, w.verified_by,
  w.closed_at, w.reported_at, w.changed_at, w.requester_id, w.updated_by, w.version
FROM unnest(
  CAST(:ids AS uuid[]), CAST(:numbers AS text[]), CAST(:titles AS text[]),
  CAST(:descriptions AS text[]), CAST(:types AS text[]), CAST(:priorities AS text[]),
  CAST(:statuses AS text[]), CAST(:locations AS uuid[]), CAST(:sites AS uuid[]),
  CAST(:requesters AS uuid[]), CAST(:teams AS uuid[]), CAST(:reported AS timestamptz[]),
  CAST(:due AS timestamptz[]), CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]),
  CAST(:estimates AS numeric[]), CAST(:other_costs AS numeric[]), CAST(:down AS boolean[]),
  CAST(:problems AS uuid[]), CAST(:causes AS uuid[]), CAST(:remedies AS uuid[]),
  CAST(:changed AS timestamptz[]), CAST(:started AS timestamptz[]),
  CAST(:completed AS timestamptz[]), CAST(:completers AS uuid[]),
  CAST(:verified AS timestamptz[]), CAST(:verifiers AS uuid[]), CAST(:closed AS timestamptz[]),
  CAST(:updaters AS uuid[]), CAST(:versions AS int[])
) AS w(id, number, title, description, type, priority, status, location_id, site_id,
       requester_id, team_id, reported_at, due_at, start_at, end_at, estimated_hours, other_cost,
       asset_down, problem, cause, remedy, changed_at, started_at, completed_at, completed_by,
       verified_at, verified_by, closed_at, updated_by, version)
""")


def _work_columns(
    organization_id: UUID, work: Sequence[Work], numbers: Sequence[str]
) -> dict[str, object]:
    def at(item: Work, target: str) -> datetime | None:
        step = _first(item, target)
        return None if step is None else step.at

    def by(item: Work, target: str) -> UUID | None:
        step = _first(item, target)
        return None if step is None else step.actor

    return {
        "org": organization_id,
        "ids": [w.id for w in work],
        "numbers": list(numbers),
        "titles": [w.title for w in work],
        "descriptions": [w.description for w in work],
        "types": [w.type for w in work],
        "priorities": [w.priority for w in work],
        "statuses": [w.steps[-1].target for w in work],
        "locations": [w.asset.location_id for w in work],
        "sites": [w.asset.site_id for w in work],
        "requesters": [w.requester for w in work],
        "teams": [w.team_id for w in work],
        "reported": [w.reported_at for w in work],
        "due": [w.due_at for w in work],
        "starts": [w.scheduled[0] if w.scheduled else None for w in work],
        "ends": [w.scheduled[1] if w.scheduled else None for w in work],
        "estimates": [w.estimated_hours for w in work],
        "other_costs": [w.other_cost for w in work],
        "down": [w.asset_down for w in work],
        "problems": [w.codes[0] for w in work],
        "causes": [w.codes[1] for w in work],
        "remedies": [w.codes[2] for w in work],
        "changed": [w.steps[-1].at for w in work],
        "started": [at(w, "in_progress") for w in work],
        "completed": [at(w, "completed") for w in work],
        "completers": [by(w, "completed") for w in work],
        "verified": [at(w, "verified") for w in work],
        "verifiers": [by(w, "verified") for w in work],
        "closed": [at(w, "closed") for w in work],
        "updaters": [w.steps[-1].actor for w in work],
        "versions": [len(w.steps) for w in work],
    }


_INSERT_LINKS = text("""
WITH numbers AS (
  INSERT INTO work_order_numbers (organization_id, number, work_order_id)
  SELECT CAST(:org AS uuid), n, w
  FROM unnest(CAST(:numbers AS text[]), CAST(:ids AS uuid[])) AS x(n, w)
), assets AS (
  INSERT INTO work_order_assets (id, organization_id, work_order_id, asset_id)
  SELECT app.uuidv7(), CAST(:org AS uuid), w, a
  FROM unnest(CAST(:ids AS uuid[]), CAST(:assets AS uuid[])) AS x(w, a)
)
INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
SELECT app.uuidv7(), CAST(:org AS uuid), w, u
FROM unnest(CAST(:assigned_work AS uuid[]), CAST(:assignees AS uuid[])) AS x(w, u)
""")


def _link_columns(
    organization_id: UUID, work: Sequence[Work], numbers: Sequence[str]
) -> dict[str, object]:
    pairs = [(w.id, user) for w in work for user in w.assignees]
    return {
        "org": organization_id,
        "numbers": list(numbers),
        "ids": [w.id for w in work],
        "assets": [w.asset.id for w in work],
        "assigned_work": [p[0] for p in pairs],
        "assignees": [p[1] for p in pairs],
    }


_INSERT_HISTORY = text("""
INSERT INTO work_order_transitions (id, organization_id, work_order_id, from_status, to_status,
                                    reason, actor_id, occurred_at)
SELECT t.id, CAST(:org AS uuid), t.w, t.f, t.s, t.r, t.a, t.at
FROM unnest(CAST(:ids AS uuid[]), CAST(:work AS uuid[]), CAST(:sources AS text[]),
            CAST(:targets AS text[]), CAST(:reasons AS text[]), CAST(:actors AS uuid[]),
            CAST(:times AS timestamptz[])) AS t(id, w, f, s, r, a, at)
""")


def _history_columns(organization_id: UUID, work: Sequence[Work]) -> dict[str, object]:
    steps = [(w.id, s) for w in work for s in w.steps]
    return {
        "org": organization_id,
        "ids": [s.id for _, s in steps],
        "work": [w for w, _ in steps],
        "sources": [s.source for _, s in steps],
        "targets": [s.target for _, s in steps],
        "reasons": [s.reason for _, s in steps],
        "actors": [s.actor for _, s in steps],
        "times": [s.at for _, s in steps],
    }


_INSERT_DOWNTIME = text("""
INSERT INTO downtime_events (id, organization_id, asset_id, started_at, ended_at, kind,
                             reason_code, notes, work_order_id, created_at, created_by)
SELECT app.uuidv7(), CAST(:org AS uuid), d.a, d.s, d.e, 'unplanned', 'work_order', d.n, d.w,
       d.s, d.r
FROM unnest(CAST(:assets AS uuid[]), CAST(:starts AS timestamptz[]),
            CAST(:ends AS timestamptz[]), CAST(:notes AS text[]), CAST(:work AS uuid[]),
            CAST(:reporters AS uuid[])) AS d(a, s, e, n, w, r)
""")


def _downtime_columns(organization_id: UUID, work: Sequence[Work]) -> dict[str, object]:
    down = [w for w in work if w.asset_down]
    return {
        "org": organization_id,
        "assets": [w.asset.id for w in down],
        "starts": [w.reported_at for w in down],
        "ends": [w.down_until for w in down],
        "notes": [w.title for w in down],
        "work": [w.id for w in down],
        "reporters": [w.requester for w in down],
    }
