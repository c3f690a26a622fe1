"""A batch's readings against the stored timeline: one query for every reading's stored twin
(same meter, time and source) and, for counters, its immediate stored neighbours; then the
counter rule (never backwards, except across a reset) over the merged timeline.

The same query says whether a partition holds each reading's time, read from the catalog under
the lock the query takes on `meter_readings` (no partition can be detached meanwhile), so a time
outside the partitions made ahead is refused per item and never creates one (D5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.meter.schemas import BulkReadingIn

# For the neighbours query: no JIT, and (until it has run) index probes whatever the
# statistics say. A month's partition is empty when a connection first plans this query, and
# the plan it then keeps (a prepared statement) read the partition with a sequential scan per
# reading as it filled: 14 s of CPU for 5,000 readings (`tests/meter/test_indexes.py`).
_PROBES_ONLY = text(
    "SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true)"
)
_SCANS_AGAIN = text("SET LOCAL enable_seqscan TO DEFAULT")
_NEIGHBOURS = text(
    r"""
    WITH bounds AS MATERIALIZED (
        SELECT CAST(b[1] AS timestamptz) AS lo, CAST(b[2] AS timestamptz) AS hi
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
        CROSS JOIN LATERAL pg_catalog.regexp_match(
            pg_catalog.pg_get_expr(c.relpartbound, c.oid),
            'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS b
        WHERE i.inhparent = CAST('public.meter_readings' AS regclass)
    ), span AS MATERIALIZED (
        -- Each meter's first and last stored readings, two probes a meter.
        SELECT m.meter_id, head.measured_at AS first_at, head.value AS first_value,
               head.reset AS first_reset, tail.measured_at AS last_at, tail.value AS last_value
        FROM (SELECT DISTINCT unnest(CAST(:meters AS uuid[])) AS meter_id) AS m
        LEFT JOIN LATERAL (
            SELECT s.measured_at, s.value, s.reset FROM meter_readings s
            WHERE s.organization_id = CAST(:org AS uuid) AND s.meter_id = m.meter_id
            ORDER BY s.measured_at LIMIT 1
        ) AS head ON true
        LEFT JOIN LATERAL (
            SELECT s.measured_at, s.value FROM meter_readings s
            WHERE s.organization_id = CAST(:org AS uuid) AND s.meter_id = m.meter_id
            ORDER BY s.measured_at DESC LIMIT 1
        ) AS tail ON true
    ), batch AS (
        SELECT r.n, r.meter_id, r.at, r.source, r.counter,
               EXISTS (SELECT FROM bounds WHERE r.at >= bounds.lo AND r.at < bounds.hi)
                 AS covered,
               COALESCE(r.at BETWEEN span.first_at AND span.last_at, false) AS inside
        FROM unnest(CAST(:n AS int[]), CAST(:meters AS uuid[]), CAST(:times AS timestamptz[]),
                    CAST(:sources AS text[]), CAST(:counters AS bool[]))
             AS r(n, meter_id, at, source, counter)
        JOIN span ON span.meter_id = r.meter_id
    )
    -- Each meter's stored range once (n is NULL). A reading outside it (what a gateway
    -- appending its readings sends) has no twin, and its neighbour on the near side is the
    -- range's first or last reading: nothing is probed and no row comes back for it, unless
    -- no partition holds its time.
    SELECT NULL::int, span.meter_id, true, NULL::float8, NULL::text, span.last_at,
           span.last_value, span.first_at, span.first_value, span.first_reset
    FROM span
    WHERE span.last_at IS NOT NULL
    UNION ALL
    SELECT b.n, NULL::uuid, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM batch b
    WHERE NOT b.inside AND NOT b.covered
    UNION ALL
    -- Inside it: the stored twin and, for counters, the stored readings just before and after.
    SELECT b.n, NULL::uuid, b.covered, twin.value, twin.reset, prev.measured_at, prev.value,
           nxt.measured_at, nxt.value, nxt.reset
    FROM batch b
    LEFT JOIN LATERAL (
        SELECT s.value, s.reset FROM meter_readings s
        WHERE s.organization_id = CAST(:org AS uuid) AND s.meter_id = b.meter_id
          AND s.measured_at = b.at AND s.source IS NOT DISTINCT FROM b.source
        LIMIT 1
    ) AS twin ON true
    LEFT JOIN LATERAL (
        SELECT s.measured_at, s.value FROM meter_readings s
        WHERE b.counter
          AND s.organization_id = CAST(:org AS uuid) AND s.meter_id = b.meter_id
          AND s.measured_at < b.at
        ORDER BY s.measured_at DESC LIMIT 1
    ) AS prev ON true
    LEFT JOIN LATERAL (
        SELECT s.measured_at, s.value, s.reset FROM meter_readings s
        WHERE b.counter
          AND s.organization_id = CAST(:org AS uuid) AND s.meter_id = b.meter_id
          AND s.measured_at > b.at
        ORDER BY s.measured_at LIMIT 1
    ) AS nxt ON true
    WHERE b.inside
      AND (twin.value IS NOT NULL OR prev.measured_at IS NOT NULL
           OR nxt.measured_at IS NOT NULL OR NOT b.covered)
    """
)


class Point(NamedTuple):
    at: datetime
    value: float
    reset: str | None = None


class Span(NamedTuple):
    """A meter's first and last stored readings."""

    first: Point
    last: Point


@dataclass(frozen=True)
class Stored:
    """What the store holds at and around one candidate reading (probed inside its meter's
    stored range only)."""

    covered: bool  # a partition holds its time
    twin: tuple[float, str | None] | None  # value and reset stored for the same key
    previous: Point | None = None  # counters only: the stored reading just before
    following: Point | None = None  # counters only: the stored reading just after


@dataclass(frozen=True)
class Verdict:
    code: str
    reason: str


NOTHING = Stored(covered=True, twin=None)


@dataclass(frozen=True)
class Surroundings:
    """`readings`: the candidates with something stored at or beside their time, or with no
    partition for it; every other candidate is covered and has no twin. `spans`: each meter's
    stored range, which gives a reading outside it its one stored neighbour."""

    readings: dict[int, Stored]
    spans: dict[UUID, Span]

    def neighbours(self, n: int, item: BulkReadingIn) -> tuple[Point | None, Point | None]:
        """The stored readings just before and just after candidate `n`."""
        found = self.readings.get(n)
        if found is not None:
            return found.previous, found.following
        span = self.spans.get(item.meter_id)
        if span is None:
            return None, None
        if item.measured_at > span.last.at:
            return span.last, None
        if item.measured_at < span.first.at:
            return None, span.first
        return None, None


async def surroundings(
    session: AsyncSession,
    organization_id: UUID,
    candidates: Sequence[tuple[int, BulkReadingIn]],
    counters: set[UUID],
) -> Surroundings:
    """One query for the whole batch, whatever the number of meters and readings. A batch
    appended after its meters' last readings gets one row a meter back."""
    if not candidates:
        return Surroundings({}, {})
    # Thousands of cheap index probes add up to a plan cost past jit_above_cost; compiling it
    # would take longer (about 60 ms) than running it.
    await session.execute(_PROBES_ONLY)
    rows = await session.execute(
        _NEIGHBOURS,
        {
            "org": organization_id,
            "n": [n for n, _ in candidates],
            "meters": [item.meter_id for _, item in candidates],
            "times": [item.measured_at for _, item in candidates],
            "sources": [item.source for _, item in candidates],
            "counters": [item.meter_id in counters for _, item in candidates],
        },
    )
    found = rows.all()
    await session.execute(_SCANS_AGAIN)
    readings: dict[int, Stored] = {}
    spans: dict[UUID, Span] = {}
    for n, meter_id, covered, t_value, t_reset, p_at, p_value, f_at, f_value, f_reset in found:
        if n is None:  # a meter's range: its last reading, then its first
            spans[meter_id] = Span(Point(f_at, f_value, f_reset), Point(p_at, p_value))
            continue
        readings[n] = Stored(
            covered=bool(covered),
            twin=None if t_value is None else (t_value, t_reset),
            previous=None if p_at is None else Point(p_at, p_value),
            following=None if f_at is None else Point(f_at, f_value, f_reset),
        )
    return Surroundings(readings, spans)


def backwards(
    readings: Sequence[tuple[int, BulkReadingIn]], stored: Surroundings
) -> dict[int, Verdict]:
    """The readings of one counter that would make it run backwards, checked against the
    previous reading (stored or accepted from this batch) and the next stored one; a reset
    starts a new run."""
    accepted: Point | None = None
    refused: dict[int, Verdict] = {}
    for n, item in sorted(readings, key=lambda r: r[1].measured_at):
        point = Point(item.measured_at, item.value, item.reset)
        verdict = None
        if not item.reset:
            before, after = stored.neighbours(n, item)
            if before is None or (accepted is not None and accepted.at > before.at):
                before = accepted
            verdict = _check(point, before, after)
        if verdict is None:
            accepted = point
        else:
            refused[n] = verdict
    return refused


def _check(point: Point, previous: Point | None, following: Point | None) -> Verdict | None:
    if previous is not None and point.value < previous.value:
        return Verdict(
            "counter_backwards",
            f"counter went backwards: {point.value} is below {previous.value} "
            f'at {previous.at.isoformat()}; send reset "rollover" or "replacement"',
        )
    if following is not None and following.reset is None and point.value > following.value:
        return Verdict(
            "counter_ahead",
            f"counter would run backwards afterwards: {point.value} is above "
            f"{following.value} at {following.at.isoformat()}",
        )
    return None
