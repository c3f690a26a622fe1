"""The iCalendar writer, read back by an independent parser (the `icalendar` library)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from maintainpro.calendar import ical

BERLIN_WINTER = timezone(timedelta(hours=1))
STAMP = datetime(2026, 12, 2, 17, 5, 3, 123456, tzinfo=BERLIN_WINTER)
# Titles are printable text and line breaks (no other control characters reach a title).
TITLES = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.just("\n"), max_size=300)


def read(document: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(document)
    assert (str(calendar["VERSION"]), str(calendar["X-WR-CALNAME"])) == ("2.0", "My work")
    events: list[icalendar.Event] = calendar.walk("VEVENT")
    return events


def test_timed_and_all_day_events_read_back_as_written() -> None:
    timed = ical.Event("a@maintainpro", "Pump", STAMP, STAMP, STAMP + timedelta(hours=2))
    all_day = ical.Event("b@maintainpro", "Audit", STAMP, date(2026, 12, 3), date(2026, 12, 4))
    document = ical.document("-//Test//EN", "My work", [timed, all_day])
    assert document.endswith(b"END:VCALENDAR\r\n")
    first, second = read(document)
    assert (str(first["UID"]), str(first["SUMMARY"])) == ("a@maintainpro", "Pump")
    # Date-times are written in UTC, to the second.
    in_utc = STAMP.astimezone(UTC).replace(microsecond=0)
    assert first.decoded("DTSTAMP") == first.decoded("DTSTART") == in_utc
    assert first.decoded("DTEND") == in_utc + timedelta(hours=2)
    assert b"DTSTART:20261202T160503Z\r\n" in document
    assert (second.decoded("DTSTART"), second.decoded("DTEND")) == (
        date(2026, 12, 3),
        date(2026, 12, 4),
    )
    assert b"DTSTART;VALUE=DATE:20261203\r\n" in document


@given(TITLES)
def test_any_title_survives_escaping_and_folding(title: str) -> None:
    event = ical.Event("a@maintainpro", title, STAMP, STAMP, STAMP)
    document = ical.document("-//Test//EN", "My work", [event])
    assert all(len(line) <= ical.LINE_OCTETS for line in document.split(b"\r\n"))
    document.decode()  # folding never splits a UTF-8 sequence
    (read_back,) = read(document)
    assert str(read_back["SUMMARY"]) == title
