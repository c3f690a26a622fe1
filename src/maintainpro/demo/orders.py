"""The demo's work orders, generated in memory: a year of them over the plant's machines and
components, in every status and type, with assignees, a status history that matches each
status, due dates (some overdue) and downtime for breakdowns."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from maintainpro.demo.texts import CANCEL_REASONS, HOLD_REASONS, PLANNED, PROBLEMS

# A few thousand: enough for lists and reports to look real; each row costs foreign-key checks
# into the partitioned table (for its history, number, assets, assignees) at load time.
WORK_ORDERS = 2000
HISTORY_DAYS = 360
# The newest work is a few minutes old, so every time stamp is in the past.
NEWEST = timedelta(minutes=5)

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
    # What planned work is (one of the tasks in PLANNED), which names its checklist.
    task: str | None = None
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


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _status(rng: random.Random, age: timedelta) -> str:
    for (days, early), late in zip(STATUS_BY_AGE, LATE_STATUSES, strict=True):
        if age < timedelta(days=days):
            return _pick(rng, {**early, **late})
    raise AssertionError("the oldest work is younger than the last age bracket")


def generate(
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
    title, description, task = _title(rng, kind, asset)
    item = Work(
        id=uuid7_at(reported, rng),
        reported_at=reported,
        title=title,
        description=description,
        type=kind,
        priority=priority,
        asset=asset,
        requester=_requester(rng, kind, asset, people),
        task=task,
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


def _title(rng: random.Random, kind: str, asset: Asset) -> tuple[str, str, str | None]:
    """Title, description and, for planned work, its task."""
    if kind in PLANNED:
        task = rng.choice(PLANNED[kind])
        plan = f"{task} as per the maintenance plan of {asset.name}."
        return f"{task} - {asset.name}", plan, task
    problem = rng.choice(PROBLEMS.get(asset.category, PROBLEMS["Production"]))
    prefix = "URGENT: " if kind == "emergency" else ""
    return f"{prefix}{problem} - {asset.name}", f"Reported by the shift: {problem.lower()}.", None


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
