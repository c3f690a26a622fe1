"""The purchase order's status machine, declared once: who may move it where, and what a
move needs. Receipts move an order to partially_received and received themselves."""

from __future__ import annotations

from dataclasses import dataclass

# Above the organization's approval threshold a submitted order waits for one of these.
APPROVERS = frozenset({"admin", "manager"})
ANYONE = frozenset({"admin", "manager", "inventory_clerk"})
RECEIVING = frozenset({"ordered", "partially_received"})


@dataclass(frozen=True, slots=True)
class Move:
    source: str
    target: str
    roles: frozenset[str]
    needs_reason: bool = False


MOVES = (
    Move("draft", "submitted", ANYONE),
    Move("submitted", "approved", APPROVERS),
    Move("submitted", "draft", APPROVERS, needs_reason=True),  # sent back for changes
    Move("approved", "ordered", ANYONE),
    Move("received", "closed", ANYONE),
    Move("partially_received", "closed", ANYONE, needs_reason=True),  # the rest never comes
    *(
        Move(s, "cancelled", ANYONE, needs_reason=True)
        for s in ("draft", "submitted", "approved", "ordered")
    ),
)


def move(source: str, target: str) -> Move | None:
    return next((m for m in MOVES if m.source == source and m.target == target), None)


def targets(source: str, role: str) -> list[str]:
    return sorted(m.target for m in MOVES if m.source == source and role in m.roles)
