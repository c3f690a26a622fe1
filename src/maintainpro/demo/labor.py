"""The demo's labor: 1-3 finished entries on each work order that was worked, booked by its
assignees while it was in progress (nobody on two things at once), the timers still running,
and the hours and cost they roll up to."""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import product
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.demo.columns import columns
from maintainpro.demo.orders import NEWEST, Step, Work, uuid7_at
from maintainpro.demo.texts import PLANNED, PLANNED_NOTES, REPAIR_NOTES

# Finished labor entries on a work order that was worked (1-3), by weight.
LABOR_COUNTS = {1: 4, 2: 4, 3: 2}
# Labor is booked within the time the work was in progress, at most a shift after each start
# (work left in progress for days was not worked all along).
SHIFT = timedelta(hours=10)
SHORTEST_ENTRY = timedelta(minutes=5)
# Work resumed within this long has its assignees' timers running on it.
RUNNING_SINCE = timedelta(days=7)
QUARTER = timedelta(minutes=15)
TIMER_SHARE = 0.55
NOTE_SHARE = 0.8


@dataclass
class Entry:
    """A labor entry: finished, or a timer still running (no end)."""

    id: UUID
    work_order: UUID
    user: UUID
    start: datetime
    end: datetime | None
    source: str
    note: str | None = None


@dataclass
class Job:
    """The labor planned on one work order: its time in progress, how many entries and how
    many hours in all."""

    item: Work
    spans: list[tuple[datetime, datetime]]
    count: int
    hours: float
    entries: list[Entry] = field(default_factory=list)


def spans_in_progress(item: Work, now: datetime) -> list[tuple[datetime, datetime]]:
    """When the work was in progress: from each start (or resumption) to the next status, or
    until now; at most a shift each."""
    spans = []
    following: list[Step | None] = [*item.steps[1:], None]
    for step, after in zip(item.steps, following, strict=True):
        if step.target == "in_progress":
            end = now - NEWEST if after is None else after.at
            spans.append((step.at, min(end, step.at + SHIFT)))
    return spans


def _free(
    booked: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The gaps between start and end in someone's booked time (sorted, never overlapping)."""
    index = max(bisect_left(booked, (start, start)) - 1, 0)
    cursor = start
    while index < len(booked) and booked[index][0] < end:
        begin, finish = booked[index]
        if begin > cursor:
            yield cursor, begin
        cursor = max(cursor, finish)
        index += 1
    if cursor < end:
        yield cursor, end


def _book(
    rng: random.Random,
    booked: list[tuple[datetime, datetime]],
    window: tuple[datetime, datetime],
    want: timedelta,
) -> tuple[datetime, datetime] | None:
    """The first free stretch of the window, of up to `want`, booked (None when there is no
    room)."""
    for gap_start, gap_end in _free(booked, *window):
        room = gap_end - gap_start
        if room < SHORTEST_ENTRY:
            continue
        begin = gap_start + min(room - SHORTEST_ENTRY, timedelta(minutes=20)) * rng.random()
        finish = begin + max(min(want, gap_end - begin), SHORTEST_ENTRY)
        insort(booked, (begin, finish))
        return begin, finish
    return None


def finished_entries(
    rng: random.Random,
    now: datetime,
    work: Sequence[Work],
    booked: dict[UUID, list[tuple[datetime, datetime]]],
) -> dict[UUID, list[Entry]]:
    """1-3 finished entries on each work order that was worked, by its assignees within its
    time in progress: the first assignee starts, a second one joins on the next entry. Every
    job's first entry is booked before any second one, shortest time in progress first, so
    short work squeezed between other jobs finds room too."""
    jobs = []
    for item in work:
        spans = spans_in_progress(item, now)
        if spans:
            count = rng.choices(list(LABOR_COUNTS), weights=list(LABOR_COUNTS.values()))[0]
            hours = float(item.estimated_hours or 1) * rng.uniform(0.6, 1.4)
            jobs.append(Job(item, spans, count, hours))
    shortest_first = sorted(jobs, key=lambda job: sum((e - s for s, e in job.spans), timedelta()))
    for n in range(max(LABOR_COUNTS)):
        for job in shortest_first if n == 0 else jobs:
            if n >= job.count:
                continue
            person = job.item.assignees[n % len(job.item.assignees)]
            span = job.spans[round(n * (len(job.spans) - 1) / max(job.count - 1, 1))]
            want = timedelta(hours=job.hours / job.count * rng.uniform(0.7, 1.3))
            phase = _phase(n, job.count)
            entry = _entry(rng, job.item, person, span, want, booked[person], phase)
            job.entries += [entry] if entry is not None else []
    # Still nothing (the first assignee was busy elsewhere all along): anyone, anywhere in it.
    for job in jobs:
        for person, span in product(job.item.assignees, job.spans):
            if not job.entries:
                entry = _entry(rng, job.item, person, span, SHORTEST_ENTRY, booked[person], 1)
                job.entries += [entry] if entry is not None else []
    return {job.item.id: sorted(job.entries, key=lambda e: e.start) for job in jobs}


def _phase(n: int, count: int) -> int:
    if count == 1:
        return 1
    return 0 if n == 0 else 2 if n == count - 1 else 1


def _entry(
    rng: random.Random,
    item: Work,
    person: UUID,
    span: tuple[datetime, datetime],
    want: timedelta,
    booked: list[tuple[datetime, datetime]],
    phase: int,
) -> Entry | None:
    source = "timer" if rng.random() < TIMER_SHARE else "manual"
    if source == "manual":
        want = max(QUARTER, want // QUARTER * QUARTER)
    placed = _book(rng, booked, span, want)
    if placed is None:
        return None
    start, end = placed
    if source == "manual" and end - start != want:
        source = "timer"  # no room for whole quarters: the timer's exact time
    notes = PLANNED_NOTES if item.type in PLANNED else REPAIR_NOTES
    note = rng.choice(notes[phase]) if rng.random() < NOTE_SHARE else None
    return Entry(uuid7_at(end, rng), item.id, person, start, end, source, note)


def running_timers(
    rng: random.Random,
    now: datetime,
    work: Sequence[Work],
    booked: dict[UUID, list[tuple[datetime, datetime]]],
) -> list[Entry]:
    """Whoever resumed work within the last week has a timer running on the latest of it,
    started earlier today after everything else they booked (one timer per person)."""
    latest: dict[UUID, tuple[datetime, Work]] = {}
    for item in work:
        last = item.steps[-1]
        if last.target != "in_progress" or now - last.at > RUNNING_SINCE:
            continue
        for person in item.assignees:
            if person not in latest or latest[person][0] < last.at:
                latest[person] = (last.at, item)
    timers = []
    for person, (resumed, item) in latest.items():
        busy = booked[person][-1][1] if booked[person] else resumed
        start = max(now - random_minutes(rng, 20, 180), resumed, busy + random_minutes(rng, 1, 15))
        if start < now - NEWEST:
            timers.append(Entry(uuid7_at(start, rng), item.id, person, start, None, "timer"))
    return timers


def random_minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


NOTHING = (Decimal(0), Decimal(0))
CENTS = Decimal("0.01")
MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def roll_up(
    labor: Sequence[Entry], rates: dict[UUID, Decimal]
) -> dict[UUID, tuple[Decimal, Decimal]]:
    """Each work order's actual hours and labor cost, summed as the roll-up trigger sums them
    (`models.labor.LABOR_HOURS`, `LABOR_COST`: hours to the hundredth, then priced). Written
    with the work order, they make the trigger's recount on the entries' insert find nothing
    to change, so no work order is written twice; were they off, it would correct them."""
    totals: dict[UUID, tuple[Decimal, Decimal]] = {}
    for entry in labor:
        if entry.end is None:
            continue
        span = Decimal((entry.end - entry.start) // timedelta(microseconds=1))
        hours = (span / MICROSECONDS_PER_HOUR).quantize(CENTS, ROUND_HALF_UP)
        cost = (hours * rates.get(entry.user, Decimal(0))).quantize(CENTS, ROUND_HALF_UP)
        so_far = totals.get(entry.work_order, NOTHING)
        totals[entry.work_order] = (so_far[0] + hours, so_far[1] + cost)
    return totals


async def write_labor(session: AsyncSession, organization_id: UUID, labor: Sequence[Entry]) -> None:
    await session.execute(_INSERT_LABOR, _labor_columns(organization_id, labor))


# Priced as `labor.rates.resolve` prices an entry: the person's own rate, else their craft's.
_INSERT_LABOR = text("""
INSERT INTO labor_entries (id, organization_id, work_order_id, user_id, craft_id, started_at,
                           ended_at, hourly_rate, note, source, created_at, updated_at,
                           created_by, updated_by)
SELECT e.id, p.organization_id, e.w, e.u, CASE WHEN c.hourly_rate IS NOT NULL THEN c.id END,
       e.s, e.f, coalesce(p.hourly_rate, c.hourly_rate), e.n, e.src, e.at, e.at, e.u, e.u
FROM unnest(CAST(:ids AS uuid[]), CAST(:work AS uuid[]), CAST(:users AS uuid[]),
            CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]),
            CAST(:notes AS text[]), CAST(:sources AS text[]), CAST(:times AS timestamptz[]))
     AS e(id, w, u, s, f, n, src, at)
JOIN users p ON p.organization_id = CAST(:org AS uuid) AND p.id = e.u
LEFT JOIN crafts c ON c.organization_id = p.organization_id AND c.id = p.craft_id
                   AND c.deleted_at IS NULL
""")


def _labor_columns(organization_id: UUID, labor: Sequence[Entry]) -> dict[str, object]:
    # times: a finished entry is booked when it ends, a timer is made when it starts.
    return columns(
        organization_id,
        "ids work users starts ends notes sources times",
        (
            (e.id, e.work_order, e.user, e.start, e.end, e.note, e.source, e.end or e.start)
            for e in labor
        ),
    )
