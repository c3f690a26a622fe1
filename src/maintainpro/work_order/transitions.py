"""Status changes: the one place the status machine (`machine.py`) is enforced.

A move is a compare-and-set: the UPDATE names the status it read (and the version, with
`If-Match`), so of several concurrent identical moves exactly one changes the row and writes
the history entry (same statement); the others find the status moved on and get a 409."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.checklist import service as checklists
from maintainpro.core import context, prepared
from maintainpro.core.errors import Conflict, FieldError, StaleVersion, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.inventory import reservations
from maintainpro.labor import timers
from maintainpro.maintenance import service as maintenance
from maintainpro.pm import completion as pm_completion
from maintainpro.work_order import downtime, machine, repository
from maintainpro.work_order.machine import DONE, Move, Need
from maintainpro.work_order.references import CODE_FIELDS, Named, check
from maintainpro.work_order.schemas import (
    StatusTime,
    TransitionRead,
    TransitionRequest,
    WorkOrderRead,
)
from maintainpro.work_order.service import read

_MOVE = prepared.prepare(
    text(f"""
WITH p AS (
  SELECT CAST(:to AS text) AS target, CAST(:from AS text) AS source,
         CAST(:reason AS text) AS reason, CAST(:reopen AS boolean) AS reopen
), moved AS (
  UPDATE work_orders w SET
    status = p.target,
    status_changed_at = now(),
    started_at = CASE WHEN p.target = 'in_progress' THEN coalesce(w.started_at, now())
                      ELSE w.started_at END,
    completed_at = CASE WHEN p.target = 'completed' THEN now() WHEN p.reopen THEN NULL
                        ELSE w.completed_at END,
    completed_by = CASE WHEN p.target = 'completed' THEN :actor WHEN p.reopen THEN NULL
                        ELSE w.completed_by END,
    verified_at = CASE WHEN p.target = 'verified' THEN now() WHEN p.reopen THEN NULL
                       ELSE w.verified_at END,
    verified_by = CASE WHEN p.target = 'verified' THEN :actor WHEN p.reopen THEN NULL
                       ELSE w.verified_by END,
    closed_at = CASE WHEN p.target = 'closed' THEN now() WHEN p.reopen THEN NULL
                     ELSE w.closed_at END,
    team_id = CASE WHEN :set_team THEN :team_id ELSE w.team_id END,
    problem_code_id = coalesce(:problem_code_id, w.problem_code_id),
    cause_code_id = coalesce(:cause_code_id, w.cause_code_id),
    remedy_code_id = coalesce(:remedy_code_id, w.remedy_code_id),
    version = w.version + 1,
    updated_at = now(),
    updated_by = :actor
  FROM p
  WHERE w.organization_id = :org AND w.id = :id AND w.status = p.source
    AND w.deleted_at IS NULL AND w.version = :version
  RETURNING w.*
), history AS (
  INSERT INTO work_order_transitions
    (id, organization_id, work_order_id, from_status, to_status, reason, actor_id)
  SELECT app.uuidv7(), :org, moved.id, p.source, p.target, p.reason, :actor FROM moved, p
), event AS (
  INSERT INTO outbox (id, organization_id, event_type, entity_type, entity_id, payload,
                      request_id, actor_id)
  SELECT app.uuidv7(), :org, 'work_order.status_changed', 'work_order', moved.id,
         jsonb_build_object('number', moved.number, 'from', p.source, 'to', p.target,
                            'reason', p.reason),
         :request_id, :actor
  FROM moved, p
)
SELECT {repository.RETURNED},
  array(SELECT l.asset_id FROM work_order_assets l WHERE l.organization_id = moved.organization_id
        AND l.work_order_id = moved.id ORDER BY l.asset_id) AS asset_ids,
  array(SELECT l.user_id FROM work_order_assignees l
        WHERE l.organization_id = moved.organization_id AND l.work_order_id = moved.id
        ORDER BY l.user_id) AS assignee_ids
FROM moved
""")
)

_REQUIRES_CODES = prepared.prepare(
    text("""
SELECT coalesce((o.settings #>> '{workOrders,requireFailureCodes}')::boolean, false)
   AND EXISTS (SELECT 1 FROM work_order_assets wa
               JOIN assets a ON a.organization_id = wa.organization_id AND a.id = wa.asset_id
               WHERE wa.organization_id = :org AND wa.work_order_id = :id
                 AND a.criticality IN ('high', 'critical')) AS required
FROM organizations o WHERE o.id = :org
""")
)


def allowed_targets(work_order: WorkOrderRead, auth: Authorized) -> list[str]:
    """Where the caller can move this work order now."""
    principal = auth.principal
    return [
        target
        for target in machine.targets(work_order.status, principal.role)
        if not (target == "verified" and work_order.completed_by == principal.user_id)
    ]


def _refused(work_order: WorkOrderRead, auth: Authorized, detail: str) -> Conflict:
    allowed = allowed_targets(work_order, auth)
    return Conflict(
        f"{detail} Allowed from {work_order.status}: {', '.join(allowed) or 'none'}.",
        [FieldError("to", detail, "transition_refused")],
        extensions={"allowedTargets": allowed},
    )


def _the_move(work_order: WorkOrderRead, auth: Authorized, target: str) -> Move:
    found = machine.move(work_order.status, target)
    if found is None or target not in allowed_targets(work_order, auth):
        if found is not None and Need.NOT_COMPLETER in found.needs:
            raise _refused(work_order, auth, "The person who completed the work cannot verify it.")
        raise _refused(work_order, auth, f"Cannot move from {work_order.status} to {target}.")
    return found


async def _check_needs(
    session: AsyncSession, auth: Authorized, work_order: WorkOrderRead, request: TransitionRequest
) -> None:
    needs = machine.move(work_order.status, request.to)
    assert needs is not None
    problems: list[FieldError] = []
    if Need.REASON in needs.needs and not request.reason:
        problems.append(FieldError("reason", f"Moving to {request.to} needs a reason.", "missing"))
    if Need.ASSIGNEE in needs.needs:
        someone = request.assignee_ids or work_order.assignee_ids
        if not someone and request.team_id is None and work_order.team_id is None:
            message = "Name assigneeIds or a teamId to assign the work."
            problems.append(FieldError("assigneeIds", message, "missing"))
    if Need.FAILURE_CODES in needs.needs and await _codes_required(session, work_order):
        for name, (kind, wire) in CODE_FIELDS.items():
            if getattr(request, name) is None and getattr(work_order, name) is None:
                message = f"The organization requires a {kind} code to complete this work."
                problems.append(FieldError(wire, message, "missing"))
    if problems:
        raise ValidationFailed("The transition needs more information.", problems)
    if Need.CHECKLIST_DONE in needs.needs:
        await checklists.require_done(session, work_order)


async def _codes_required(session: AsyncSession, work_order: WorkOrderRead) -> bool:
    if work_order.type != "corrective":
        return False
    params = {"org": work_order.organization_id, "id": work_order.id}
    row = await prepared.fetchrow(session, _REQUIRES_CODES, params)
    return bool(row and row["required"])


async def transition(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    request: TransitionRequest,
    *,
    version: int | None,
) -> WorkOrderRead:
    work_order = await read(session, auth, work_order_id)
    _the_move(work_order, auth, request.to)
    check_version(version, work_order.version, what="work order")
    await _check_needs(session, auth, work_order, request)
    codes = {name: getattr(request, name) for name in CODE_FIELDS if getattr(request, name)}
    if request.assignee_ids or request.team_id or codes:
        named = Named(assignee_ids=request.assignee_ids or (), team_id=request.team_id, codes=codes)
        await check(session, auth, named)
    moved = await _compare_and_set(session, auth, work_order, request)
    org = work_order.organization_id
    if request.assignee_ids:
        await repository.replace_links(
            session, org, work_order.id, assignee_ids=request.assignee_ids
        )
    if request.to == "completed":
        await maintenance.record_completion(session, org, work_order.id)
    if request.to in ("completed", "cancelled"):
        await pm_completion.finished(
            session, org, work_order.id, completed=request.to == "completed"
        )
        await downtime.close_for(session, org, work_order.id)
        await reservations.release(session, org, work_order.id)  # what was not issued
        await timers.stop_on(session, org, work_order.id)  # labor rolls up into the row
    elif not (request.assignee_ids or request.team_id):
        return moved  # nothing after the move changed the row or who sees it
    return await read(session, auth, work_order_id)


async def _compare_and_set(
    session: AsyncSession, auth: Authorized, work_order: WorkOrderRead, request: TransitionRequest
) -> WorkOrderRead:
    """The move, as one statement; the row as it is after it."""
    principal = auth.principal
    params: dict[str, object] = {
        "org": principal.organization_id,
        "id": work_order.id,
        "from": work_order.status,
        "to": request.to,
        "version": work_order.version,
        "reopen": work_order.status in DONE and request.to == "in_progress",
        "set_team": request.team_id is not None,
        "team_id": request.team_id,
        "reason": request.reason,
        "actor": principal.user_id,
        "request_id": context.current().request_id,
        **{name: getattr(request, name) for name in CODE_FIELDS},
    }
    row = await prepared.fetchrow(session, _MOVE, params)
    if row is not None:
        return WorkOrderRead.model_validate(dict(row))
    # Someone else changed it between the read and the write: say what it is now.
    now = await read(session, auth, work_order.id)
    if now.status != work_order.status:
        raise _refused(now, auth, f"The work order moved to {now.status} meanwhile.")
    raise StaleVersion("The work order was changed by someone else; reload it and try again.")


async def history(
    session: AsyncSession, auth: Authorized, work_order_id: UUID
) -> tuple[WorkOrderRead, list[TransitionRead], list[StatusTime]]:
    """The work order, every transition newest first, and the time spent in each status up
    to now."""
    work_order = await read(session, auth, work_order_id)
    rows = await repository.transitions(session, work_order.organization_id, work_order.id)
    entries = [TransitionRead.model_validate(row) for row in rows]
    return work_order, entries[::-1], time_in_status(entries, datetime.now(UTC))


def time_in_status(entries: list[TransitionRead], now: datetime) -> list[StatusTime]:
    """Seconds per status from oldest-first transitions; the last status runs until `now`."""
    spent: dict[str, float] = {}
    for entry, following in zip(entries, [*entries[1:], None], strict=True):
        until = following.occurred_at if following else now
        spent[entry.to_status] = spent.get(entry.to_status, 0.0) + max(
            0.0, (until - entry.occurred_at).total_seconds()
        )
    return [StatusTime(status=status, seconds=round(s, 3)) for status, s in spent.items()]
