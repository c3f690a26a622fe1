"""What the demo's work left behind: its labor (from `labor`), the checklists of preventive
and inspection work with their results, and comments with their replies and mentions; each
stamped at the time it was made."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.demo.columns import columns
from maintainpro.demo.labor import (
    Entry,
    finished_entries,
    random_minutes,
    running_timers,
    spans_in_progress,
    write_labor,
)
from maintainpro.demo.orders import NEWEST, People, Work, uuid7_at
from maintainpro.demo.texts import (
    ASSIGN_NOTES,
    ASSIGN_REPLIES,
    CANCEL_NOTES,
    CHECKLISTS,
    DONE_NOTES,
    DONE_REPLIES,
    FAILED_NOTES,
    HOLD_NOTES,
    HOLD_REPLIES,
    PLAN_NOTES,
    PLANNED,
    PLANNED_DONE_NOTES,
    REPAIR_FINDINGS,
    REPORT_NOTES,
    REPORT_REPLIES,
    ROUND_NOTES,
    VERIFY_NOTES,
    Check,
)

CHECKLIST_TYPES = ("preventive", "inspection")
DONE = ("completed", "verified", "closed")
PASS_FAIL_FAILURES = 0.04
NUMBER_FAILURES = 0.06
# A share of the work is discussed: 1-3 comments (some of them replies).
COMMENT_SHARE = 0.4
COMMENT_COUNTS = {1: 5, 2: 4, 3: 2}
MOST_COMMENTS = 3
REPLY_SHARE = 0.35


@dataclass
class Answer:
    """A checklist item as it stands: open (no result) or answered."""

    position: int
    check: Check
    status: str = "open"
    value: str | None = None  # JSON
    note: str | None = None
    by: UUID | None = None
    at: datetime | None = None


@dataclass
class Sheet:
    id: UUID
    work_order: UUID
    name: str
    created_at: datetime
    created_by: UUID
    items: list[Answer]


@dataclass
class Remark:
    id: UUID
    work_order: UUID
    author: UUID
    body: str
    at: datetime
    parent: UUID | None = None
    mentions: tuple[UUID, ...] = ()


@dataclass
class Moment:
    """Something worth a comment, and the answer it may get (author, body)."""

    at: datetime
    author: UUID
    body: str
    mentions: tuple[UUID, ...] = ()
    reply: tuple[UUID, str] | None = None


@dataclass
class Details:
    labor: list[Entry] = field(default_factory=list)
    checklists: list[Sheet] = field(default_factory=list)
    comments: list[Remark] = field(default_factory=list)


def generate_details(
    rng: random.Random,
    now: datetime,
    work: Sequence[Work],
    people: People,
    names: dict[UUID, str],
) -> Details:
    """What the work left behind: labor (nobody booked on two things at once), checklists and
    comments."""
    booked: dict[UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    labor = finished_entries(rng, now, work, booked)
    details = Details(labor=[entry for entries in labor.values() for entry in entries])
    for item in work:
        if item.type in CHECKLIST_TYPES and item.task in CHECKLISTS:
            details.checklists.append(_checklist(rng, now, item, labor.get(item.id, [])))
        details.comments += _comments(rng, now, item, people, names)
    details.labor += running_timers(rng, now, work, booked)
    return details


def _checklist(rng: random.Random, now: datetime, item: Work, entries: Sequence[Entry]) -> Sheet:
    """The task's checklist, copied in when the work was planned: 3-5 items, all answered once
    the work is done, some while it is in progress, none before. Results are recorded during
    the labor on it, by whoever booked it."""
    assert item.task is not None
    checks = CHECKLISTS[item.task]
    kept = [i for i, c in enumerate(checks) if c.required or i == len(checks) - 1]
    others = [i for i in range(len(checks)) if i not in kept]
    size = rng.randint(max(3, len(kept)), len(checks))
    chosen = sorted(kept + rng.sample(others, size - len(kept)))
    items = [Answer(position, checks[i]) for position, i in enumerate(chosen)]
    windows = [(e.start, e.end, e.user) for e in entries if e.end is not None]
    if not windows and item.assignees:
        windows = [(start, end, item.assignees[0]) for start, end in spans_in_progress(item, now)]
    status = item.steps[-1].target
    answered = len(items) if status in DONE else rng.randrange(len(items)) if windows else 0
    moments = []
    for n in range(answered):
        start, end, person = windows[n * len(windows) // answered]
        moments.append((start + (end - start) * rng.uniform(0.1, 0.95), person))
    for answer, (at, person) in zip(items, sorted(moments), strict=False):
        answer.status, answer.value, answer.note = _result(rng, answer.check)
        answer.at, answer.by = at, person
    return Sheet(
        uuid7_at(item.reported_at, rng),
        item.id,
        item.task,
        item.reported_at,
        item.requester,
        items,
    )


def _result(rng: random.Random, check: Check) -> tuple[str, str, str | None]:
    """Status, value (JSON) and note of an answer, judged as `checklist.results.judge` does."""
    if check.kind == "pass_fail":
        if rng.random() < PASS_FAIL_FAILURES:
            return "failed", json.dumps("fail"), rng.choice(FAILED_NOTES)
        return "passed", json.dumps("pass"), None
    if check.kind == "yes_no":
        return "done", json.dumps("yes" if rng.random() < 0.9 else "no"), None
    if check.kind == "text":
        return "done", json.dumps(rng.choice(check.answers)), None
    failed = rng.random() < NUMBER_FAILURES
    value = round(rng.uniform(*(check.bad if failed else check.normal)), 1)
    if failed:
        return "failed", json.dumps(value), rng.choice(FAILED_NOTES)
    return "passed", json.dumps(value), None


def _moments(
    rng: random.Random, now: datetime, item: Work, people: People, names: dict[UUID, str]
) -> list[Moment]:
    """What could be said about the work, and when: at the report, the assignment, a hold,
    during the work, at completion, verification or cancellation."""
    supervisor = people.supervisors[item.asset.site]
    worker = item.assignees[0] if item.assignees else None
    repair = item.type not in PLANNED
    found: list[Moment] = []
    if repair:
        replier = supervisor if item.requester != supervisor else worker
        found.append(
            Moment(
                item.reported_at + random_minutes(rng, 2, 40),
                item.requester,
                rng.choice(REPORT_NOTES),
                reply=(replier, rng.choice(REPORT_REPLIES)) if replier else None,
            )
        )
    else:
        found.append(
            Moment(
                item.reported_at + random_minutes(rng, 5, 120), supervisor, rng.choice(PLAN_NOTES)
            )
        )
    reply: tuple[UUID, str] | None
    for step in item.steps:
        at = step.at + random_minutes(rng, 1, 20)
        if step.target == "cancelled" and step.reason in CANCEL_NOTES:
            found.append(Moment(at, supervisor, CANCEL_NOTES[step.reason]))
        elif step.target == "verified":
            found.append(Moment(at, supervisor, rng.choice(VERIFY_NOTES)))
        elif worker is None:
            continue
        elif step.target == "assigned":
            body = rng.choice(ASSIGN_NOTES).format(name=names[worker])
            reply = (worker, rng.choice(ASSIGN_REPLIES))
            found.append(Moment(at, supervisor, body, (worker,), reply))
        elif step.target == "on_hold" and step.reason in HOLD_NOTES:
            reply = (supervisor, rng.choice(HOLD_REPLIES))
            found.append(Moment(at, worker, rng.choice(HOLD_NOTES[step.reason]), reply=reply))
        elif step.target == "completed":
            thanks = (item.requester, rng.choice(DONE_REPLIES))
            reply = thanks if repair and item.requester != worker else None
            body = rng.choice(DONE_NOTES if repair else PLANNED_DONE_NOTES)
            found.append(Moment(at, worker, body, reply=reply))
    spans = spans_in_progress(item, now)
    if worker is not None and spans:
        start, end = spans[0]
        body = rng.choice(REPAIR_FINDINGS if repair else ROUND_NOTES)
        found.append(Moment(start + (end - start) * rng.uniform(0.3, 0.9), worker, body))
    return sorted((m for m in found if m.at < now - NEWEST), key=lambda m: m.at)


def _comments(
    rng: random.Random, now: datetime, item: Work, people: People, names: dict[UUID, str]
) -> list[Remark]:
    """On a share of the work, 1-3 comments from its moments; some answered by a reply."""
    if rng.random() >= COMMENT_SHARE:
        return []
    moments = _moments(rng, now, item, people, names)
    wanted = rng.choices(list(COMMENT_COUNTS), weights=list(COMMENT_COUNTS.values()))[0]
    chosen = sorted(rng.sample(range(len(moments)), min(wanted, len(moments))))
    remarks = [
        Remark(uuid7_at(m.at, rng), item.id, m.author, m.body, m.at, mentions=m.mentions)
        for m in (moments[index] for index in chosen)
    ]
    replies: list[Remark] = []
    for remark, index in zip(remarks, chosen, strict=True):
        reply = moments[index].reply
        if reply is None or reply[0] == remark.author or rng.random() >= REPLY_SHARE:
            continue
        at = remark.at + random_minutes(rng, 5, 180)
        if at < now - NEWEST and len(remarks) + len(replies) < MOST_COMMENTS:
            author, body = reply
            replies.append(Remark(uuid7_at(at, rng), item.id, author, body, at, parent=remark.id))
    return remarks + replies


async def write_details(session: AsyncSession, organization_id: UUID, details: Details) -> None:
    await write_labor(session, organization_id, details.labor)
    await session.execute(
        _INSERT_CHECKLISTS, _checklist_columns(organization_id, details.checklists)
    )
    await session.execute(_INSERT_ITEMS, _item_columns(organization_id, details.checklists))
    await session.execute(_INSERT_COMMENTS, _comment_columns(organization_id, details.comments))
    await session.execute(_INSERT_MENTIONS, _mention_columns(organization_id, details.comments))


_INSERT_CHECKLISTS = text("""
INSERT INTO checklists (id, organization_id, work_order_id, name, position, created_at,
                        updated_at, created_by, updated_by)
SELECT c.id, CAST(:org AS uuid), c.w, c.n, 0, c.at, c.at, c.by, c.by
FROM unnest(CAST(:ids AS uuid[]), CAST(:work AS uuid[]), CAST(:names AS text[]),
            CAST(:times AS timestamptz[]), CAST(:creators AS uuid[])) AS c(id, w, n, at, by)
""")


def _checklist_columns(organization_id: UUID, sheets: Sequence[Sheet]) -> dict[str, object]:
    return columns(
        organization_id,
        "ids work names times creators",
        ((c.id, c.work_order, c.name, c.created_at, c.created_by) for c in sheets),
    )


_INSERT_ITEMS = text("""
INSERT INTO checklist_items (id, organization_id, checklist_id, position, label, kind, required,
                             min_value, max_value, unit, status, result_value, result_note,
                             result_by, result_at, created_at, updated_at, created_by,
                             updated_by)
SELECT app.uuidv7(), CAST(:org AS uuid), i.c, i.p, i.l, i.k, i.r, i.lo, i.hi, i.unit, i.st,
       CAST(i.v AS jsonb), i.note, i.by, i.at, i.made, coalesce(i.at, i.made), i.maker,
       coalesce(i.by, i.maker)
FROM unnest(CAST(:checklists AS uuid[]), CAST(:positions AS int[]), CAST(:labels AS text[]),
            CAST(:kinds AS text[]), CAST(:required AS boolean[]), CAST(:lows AS float8[]),
            CAST(:highs AS float8[]), CAST(:units AS text[]), CAST(:statuses AS text[]),
            CAST(:values AS text[]), CAST(:notes AS text[]), CAST(:by AS uuid[]),
            CAST(:at AS timestamptz[]), CAST(:made AS timestamptz[]), CAST(:makers AS uuid[]))
     AS i(c, p, l, k, r, lo, hi, unit, st, v, note, by, at, made, maker)
""")


def _item_columns(organization_id: UUID, sheets: Sequence[Sheet]) -> dict[str, object]:
    return columns(
        organization_id,
        # A line each group of `_item_row`'s values.
        "checklists positions labels kinds required"
        " lows highs units"
        " statuses values notes by at"
        " made makers",
        (_item_row(sheet, answer) for sheet in sheets for answer in sheet.items),
    )


def _item_row(sheet: Sheet, answer: Answer) -> tuple[object, ...]:
    check = answer.check
    return (
        *(sheet.id, answer.position, check.label, check.kind, check.required),
        *(check.low, check.high, check.unit),
        *(answer.status, answer.value, answer.note, answer.by, answer.at),
        *(sheet.created_at, sheet.created_by),
    )


# A reply names a comment of its own work order (the three-column foreign key).
_INSERT_COMMENTS = text("""
INSERT INTO comments (id, organization_id, work_order_id, parent_id, author_id, body,
                      created_at, updated_at, created_by, updated_by)
SELECT c.id, CAST(:org AS uuid), c.w, c.p, c.a, c.b, c.at, c.at, c.a, c.a
FROM unnest(CAST(:ids AS uuid[]), CAST(:work AS uuid[]), CAST(:parents AS uuid[]),
            CAST(:authors AS uuid[]), CAST(:bodies AS text[]), CAST(:times AS timestamptz[]))
     AS c(id, w, p, a, b, at)
""")


def _comment_columns(organization_id: UUID, comments: Sequence[Remark]) -> dict[str, object]:
    return columns(
        organization_id,
        "ids work parents authors bodies times",
        ((c.id, c.work_order, c.parent, c.author, c.body, c.at) for c in comments),
    )


_INSERT_MENTIONS = text("""
INSERT INTO comment_mentions (id, organization_id, comment_id, user_id)
SELECT app.uuidv7(), CAST(:org AS uuid), m.c, m.u
FROM unnest(CAST(:comments AS uuid[]), CAST(:users AS uuid[])) AS m(c, u)
""")


def _mention_columns(organization_id: UUID, comments: Sequence[Remark]) -> dict[str, object]:
    return columns(
        organization_id,
        "comments users",
        ((c.id, user) for c in comments for user in c.mentions),
    )
