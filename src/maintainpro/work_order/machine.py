"""The work order status machine, declared once: every allowed move, what it requires and who
may make it. `transitions.py` is the one place that enforces it (single and bulk)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from maintainpro.models.work_order import STATUSES

STATUSES_IN_ORDER = STATUSES


class Need(StrEnum):
    """What a move requires beyond the caller's update permission."""

    REASON = "reason"  # a reason in the request
    ASSIGNEE = "assignee"  # someone (a user or a team) to do the work
    CHECKLIST_DONE = "checklist_done"  # every required checklist item answered
    FAILURE_CODES = "failure_codes"  # where the organization's setting requires them
    NOT_COMPLETER = "not_completer"  # verified by someone other than who completed it


# Roles that are "supervisor or above".
SUPERVISORS = frozenset({"supervisor", "manager", "admin"})
ANYONE = frozenset({"admin", "manager", "supervisor", "technician", "contractor"})
OPEN = frozenset({"new", "assigned", "in_progress", "on_hold"})
DONE = frozenset({"completed", "verified", "closed"})


@dataclass(frozen=True, slots=True)
class Move:
    source: str
    target: str
    roles: frozenset[str]
    needs: frozenset[Need] = frozenset()


def _moves() -> tuple[Move, ...]:
    moves = [
        Move("new", "assigned", SUPERVISORS, frozenset({Need.ASSIGNEE})),
        Move("assigned", "in_progress", ANYONE),
        Move("in_progress", "on_hold", ANYONE, frozenset({Need.REASON})),
        Move("on_hold", "in_progress", ANYONE),
        Move(
            "in_progress",
            "completed",
            ANYONE,
            frozenset({Need.CHECKLIST_DONE, Need.FAILURE_CODES}),
        ),
        Move("completed", "verified", SUPERVISORS, frozenset({Need.NOT_COMPLETER})),
        Move("verified", "closed", SUPERVISORS),
    ]
    moves += [Move(s, "cancelled", SUPERVISORS, frozenset({Need.REASON})) for s in sorted(OPEN)]
    # Reopening sends the work back to the people doing it, with the reason why.
    moves += [Move(s, "in_progress", SUPERVISORS, frozenset({Need.REASON})) for s in sorted(DONE)]
    return tuple(moves)


MOVES: dict[tuple[str, str], Move] = {(m.source, m.target): m for m in _moves()}


def move(source: str, target: str) -> Move | None:
    return MOVES.get((source, target))


def targets(source: str, role: str) -> list[str]:
    """Where a work order in `source` can go, for a caller of `role`."""
    return sorted(m.target for m in MOVES.values() if m.source == source and role in m.roles)
