"""An escalation rule's clock: calendar minutes, or business hours in the organization's zone
(across weekends, DST changes and long waits), and the step a wait has reached."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from maintainpro.escalation.clock import (
    DEFAULT_HOURS,
    BusinessHours,
    business_hours,
    business_minutes,
    elapsed_minutes,
)
from maintainpro.escalation.scan import Step, reached
from maintainpro.escalation.schemas import Level

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_7 = datetime(2026, 3, 23, 7, 0, tzinfo=BERLIN)  # the week of the spring DST change


@pytest.mark.parametrize(
    ("since", "until", "minutes"),
    [
        (MONDAY_7, MONDAY_7 + timedelta(hours=3), 120),  # opens at 08:00
        (MONDAY_7, MONDAY_7 + timedelta(days=7), 5 * 540),
        (MONDAY_7, MONDAY_7 + timedelta(days=70), 50 * 540),  # whole weeks counted in bulk
        (MONDAY_7 + timedelta(days=4, hours=9), MONDAY_7 + timedelta(days=7, hours=2), 60 + 60),
        (MONDAY_7 + timedelta(days=5), MONDAY_7 + timedelta(days=7), 0),  # the weekend
        (MONDAY_7 + timedelta(hours=12), MONDAY_7 + timedelta(hours=12), 0),
        (MONDAY_7 + timedelta(hours=12), MONDAY_7, 0),
    ],
)
def test_business_minutes_count_opening_hours_only(
    since: datetime, until: datetime, minutes: float
) -> None:
    assert business_minutes(since, until, DEFAULT_HOURS, BERLIN) == minutes


def test_business_hours_are_local_across_the_dst_change() -> None:
    """08:00 Berlin is 07:00 UTC before 29 March 2026 and 06:00 UTC after."""
    friday = datetime(2026, 3, 27, 7, 30, tzinfo=UTC)  # 08:30 local
    monday = datetime(2026, 3, 30, 6, 30, tzinfo=UTC)  # 08:30 local, after the change
    assert business_minutes(friday, monday, DEFAULT_HOURS, BERLIN) == 510 + 30


def test_long_waits_match_the_day_by_day_count() -> None:
    hours = BusinessHours(days=[1, 3, 6], start=time(6), end=time(22))
    since = datetime(2026, 1, 1, 12, tzinfo=UTC)
    until = since + timedelta(days=400, hours=5)
    by_day = sum(
        business_minutes(
            since + timedelta(days=d), min(since + timedelta(days=d + 1), until), hours, BERLIN
        )
        for d in range(401)
    )
    # Whole weeks count 16 h x 3 days each, so the two agree within DST's hour per change.
    assert abs(business_minutes(since, until, hours, BERLIN) - by_day) <= 2 * 60


def test_the_organization_sets_its_hours_or_gets_the_default() -> None:
    assert business_hours({}) == DEFAULT_HOURS
    custom = business_hours({"businessHours": {"days": [6, 7], "start": "10:00", "end": "14:00"}})
    assert (custom.days, custom.start, custom.end) == ([6, 7], time(10), time(14))
    assert business_hours({"businessHours": {"start": "18:00", "end": "09:00"}}) == DEFAULT_HOURS


def test_calendar_clock_counts_every_minute() -> None:
    since = MONDAY_7 + timedelta(days=5)
    assert (
        elapsed_minutes(since, since + timedelta(hours=2), "calendar", DEFAULT_HOURS, BERLIN) == 120
    )
    assert (
        elapsed_minutes(since, since + timedelta(hours=2), "business_hours", DEFAULT_HOURS, BERLIN)
        == 0
    )


LEVELS = [
    Level.model_validate({"afterMinutes": 30, "notify": ["supervisors"]}),
    Level.model_validate({"afterMinutes": 120, "raisePriority": True}),
]


@pytest.mark.parametrize(
    ("elapsed", "repeat", "step"),
    [
        (29.9, None, None),
        (30, None, Step(1, 0)),
        (200, None, Step(2, 0)),
        (10_000, None, Step(2, 0)),  # without a repeat the last level is the end
        (179, 60, Step(2, 0)),
        (180, 60, Step(2, 1)),
        (485, 60, Step(2, 6)),
    ],
)
def test_the_step_reached(elapsed: float, repeat: int | None, step: Step | None) -> None:
    assert reached(LEVELS, repeat, elapsed) == step
