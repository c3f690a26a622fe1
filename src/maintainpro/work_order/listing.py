"""Work order lists: filters, a whitelisted sort with keyset cursors, ranked search; the caller's
visibility is part of the statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy import Float, Row, Select, Uuid, bindparam, column, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro import tree
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.db import PlanMode, plan_mode
from maintainpro.core.pagination import (
    Keyset,
    Page,
    aware_datetime,
    decode_position,
    split_page,
)
from maintainpro.models import Asset, Location, WorkOrder, WorkOrderAsset, WorkOrderAssignee
from maintainpro.work_order import repository
from maintainpro.work_order.machine import OPEN
from maintainpro.work_order.schemas import WorkOrderFilter, WorkOrderRead

# Sort keys clients may use, each backed by an (organization_id, key, id) index.
SORTS: dict[str, Keyset[Any]] = {
    "createdAt": Keyset(WorkOrder.id, WorkOrder.id, UUID),  # UUIDv7: creation order
    "dueAt": Keyset(WorkOrder.due_sort, WorkOrder.id, aware_datetime),
    "priority": Keyset(WorkOrder.priority_rank, WorkOrder.id, int),
    "number": Keyset(WorkOrder.number, WorkOrder.id, str),
}
_ITEMS = TypeAdapter(list[WorkOrderRead])


def _keyset(sort: str) -> Keyset[Any]:
    keyset = SORTS[sort.lstrip("-")]
    return replace(keyset, descending=True) if sort.startswith("-") else keyset


def _assigned_ids(org: UUID, user_id: UUID) -> Select[UUID]:
    return select(WorkOrderAssignee.work_order_id).where(
        WorkOrderAssignee.organization_id == org, WorkOrderAssignee.user_id == user_id
    )


def _filtered(auth: Authorized, query: WorkOrderFilter) -> tuple[Select[Any], dict[str, object]]:
    statement, params = repository.visible(auth)
    org, me = auth.principal.organization_id, auth.principal.user_id
    if query.status:
        statement = statement.where(WorkOrder.status.in_(query.status))
    if query.priority:
        statement = statement.where(WorkOrder.priority.in_(query.priority))
    for key, value in (
        (WorkOrder.type, query.type),
        (WorkOrder.team_id, query.team_id),
        (WorkOrder.requester_id, query.requester_id),
    ):
        if value is not None:
            statement = statement.where(key == value)
    if query.assignee_id is not None:
        statement = statement.where(WorkOrder.id.in_(_assigned_ids(org, query.assignee_id)))
    if query.assigned_to_me:
        statement = statement.where(repository.assigned_to(bindparam("me_filter", me)))
    if query.asset_id is not None:
        assets = tree.subtree_ids(Asset, org, query.asset_id)
        work = select(WorkOrderAsset.work_order_id).where(
            WorkOrderAsset.organization_id == org, WorkOrderAsset.asset_id.in_(assets)
        )
        statement = statement.where(WorkOrder.id.in_(work))
    if query.location_id is not None:
        places = tree.subtree_ids(Location, org, query.location_id)
        statement = statement.where(WorkOrder.location_id.in_(places))
    if query.due_before is not None:
        statement = statement.where(WorkOrder.due_sort < query.due_before)
    if query.due_after is not None:
        statement = statement.where(
            WorkOrder.due_sort >= query.due_after, WorkOrder.due_at.is_not(None)
        )
    if query.overdue:
        statement = statement.where(
            WorkOrder.due_sort < datetime.now(UTC), WorkOrder.status.in_(sorted(OPEN))
        )
    return statement, params


def page_statement(
    auth: Authorized, query: WorkOrderFilter
) -> tuple[Select[Any], dict[str, object]]:
    """One page of a list (not a search): the caller's filtered work orders after the cursor,
    in the sort's keyset order, one row beyond the page; and the parameters to run it with."""
    statement, params = _filtered(auth, query)
    return _keyset(query.sort).page(statement, query.cursor, query.limit), params


# What a page may name and still be the same statement for every tenant (its sort's index in
# order, no filter); and the filters that compare with a parameter's range.
_UNFILTERED = frozenset({"limit", "cursor", "sort"})
_RANGES = frozenset({"due_before", "due_after", "overdue"})


def plans(query: WorkOrderFilter, scope: Scope = Scope.ALL) -> PlanMode:
    """How the page's statement is planned (core/db.py, `plan_mode`).

    No filter and no visibility rule: one best plan for every tenant, its sort's index, planned
    once. A search, or a range over a parameter (due dates, overdue): planned with its values
    every call; a generic plan cannot know how much of the tenant a range or a search term
    selects, and once PostgreSQL switched to one it read a large tenant's open work for an
    overdue page. Equality filters and visibility rules: PostgreSQL's choice, whose generic
    plan served them as well as a per-call one and saves its planning."""
    fields = query.model_fields_set
    if scope is Scope.ALL and fields <= _UNFILTERED:
        return "force_generic_plan"
    if query.q or fields & _RANGES:
        return "force_custom_plan"
    return "auto"


async def list_work_orders(
    session: AsyncSession, auth: Authorized, query: WorkOrderFilter
) -> Page[WorkOrderRead]:
    await plan_mode(session, plans(query, auth.scope))
    if query.q:
        return await _search(session, auth, query)
    statement, params = page_statement(auth, query)
    rows = (await session.execute(statement, params)).all()
    page, next_cursor = _keyset(query.sort).split(rows, query.limit)
    return Page(items=_items(page), next_cursor=next_cursor)


def _items(rows: Sequence[Row[Any]]) -> list[WorkOrderRead]:
    return _ITEMS.validate_python([row._asdict() for row in rows])


def _site_ids(auth: Authorized) -> list[UUID] | None:
    return sorted(auth.principal.site_ids) if auth.scope is Scope.SITE else None


def search_statement(
    auth: Authorized, query: WorkOrderFilter
) -> tuple[Select[Any], dict[str, object]]:
    """Best matches first, then id; the definer function ranks and applies the cursor."""
    assert query.q is not None
    rank, last_id = decode_position(query.cursor, float) if query.cursor else (None, None)
    matches = (
        func.app.search_work_orders(
            bindparam("query", query.q),
            bindparam("site_ids", _site_ids(auth), type_=repository.UUIDS),
            bindparam("after_rank", rank, type_=Float),
            bindparam("after_id", last_id, type_=Uuid),
        )
        .table_valued(column("id", Uuid), column("rank", Float))
        .alias("matches")
    )
    statement, params = _filtered(auth, query)
    statement = (
        statement.add_columns(matches.c.rank)
        .join(matches, matches.c.id == WorkOrder.id)
        .order_by(matches.c.rank.desc(), matches.c.id)
        .limit(query.limit + 1)
    )
    return statement, params


async def _search(
    session: AsyncSession, auth: Authorized, query: WorkOrderFilter
) -> Page[WorkOrderRead]:
    statement, params = search_statement(auth, query)
    rows = (await session.execute(statement, params)).all()
    page, next_cursor = split_page(rows, query.limit, lambda row: (repr(row.rank), row.id))
    return Page(items=_items(page), next_cursor=next_cursor)
