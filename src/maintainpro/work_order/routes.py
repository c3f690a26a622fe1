"""/api/v1/work-orders: work from report to close (C3)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.db import plan_mode
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page
from maintainpro.escalation import service as escalation_service
from maintainpro.escalation.schemas import EscalateRequest
from maintainpro.work_order import bulk, listing, service, transitions
from maintainpro.work_order.schemas import (
    BulkAssign,
    BulkResult,
    BulkTransition,
    EscalationRead,
    TransitionRequest,
    WorkOrderCreate,
    WorkOrderFilter,
    WorkOrderHistory,
    WorkOrderRead,
    WorkOrderUpdate,
)

router = APIRouter(prefix="/work-orders", tags=["work orders"])

CanRead = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.DELETE))]
CanEscalate = Annotated[Authorized, Depends(permission(Resource.ESCALATION, Action.CREATE))]
CREATE_ROUTE = "POST /work-orders"


# Declared before the caller's permission, so that they run before authentication begins the
# transaction and the plan cache mode travels with its settings (core/db.py, `plan_mode`).
async def _generic_plans(session: DbSession) -> AsyncSession:
    await plan_mode(session, "force_generic_plan")  # a read by primary key: alike for all
    return session


async def _planned_filter(
    session: DbSession, query: Annotated[WorkOrderFilter, Query()]
) -> WorkOrderFilter:
    # What the query alone says; the caller's scope may turn an unfiltered page into a
    # filtered one (listing.list_work_orders settles it, at one round trip when it differs).
    await plan_mode(session, listing.plans(query))
    return query


GenericPlans = Annotated[AsyncSession, Depends(_generic_plans)]
PlannedFilter = Annotated[WorkOrderFilter, Depends(_planned_filter)]


@router.get("")
async def list_work_orders(
    query: PlannedFilter, auth: CanRead, session: DbSession
) -> Page[WorkOrderRead]:
    return await listing.list_work_orders(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkOrderRead)
async def create_work_order(
    body: WorkOrderCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> WorkOrderRead | Response:
    return await idempotency.create_once(
        session,
        auth.principal,
        CREATE_ROUTE,
        idempotency_key,
        body,
        response,
        lambda: service.create(session, auth, body),
    )


@router.post("/bulk/assign")
async def bulk_assign(body: BulkAssign, auth: CanUpdate, session: DbSession) -> BulkResult:
    """Assigns up to 100 work orders; each item answers for itself."""
    return await bulk.assign(session, auth, body)


@router.post("/bulk/transitions")
async def bulk_transition(body: BulkTransition, auth: CanUpdate, session: DbSession) -> BulkResult:
    """Moves up to 100 work orders to one status; each item answers for itself."""
    return await bulk.transition(session, auth, body)


@router.get("/{work_order_id}")
async def get_work_order(
    work_order_id: UUID, session: GenericPlans, auth: CanRead, response: Response
) -> WorkOrderRead:
    work_order = await service.read(session, auth, work_order_id)
    set_etag(response, work_order.version)
    return work_order


@router.patch("/{work_order_id}")
async def update_work_order(
    work_order_id: UUID,
    body: WorkOrderUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> WorkOrderRead:
    work_order = await service.update(
        session, auth, work_order_id, body, version=expected_version(if_match)
    )
    set_etag(response, work_order.version)
    return work_order


@router.delete("/{work_order_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_work_order(work_order_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.delete(session, auth, work_order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{work_order_id}/transitions")
async def transition_work_order(
    work_order_id: UUID,
    body: TransitionRequest,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> WorkOrderRead:
    """Moves the work order to `to`. A move the status machine (or the caller's role) does not
    allow is a 409 problem whose `allowedTargets` lists where it can go."""
    work_order = await transitions.transition(
        session, auth, work_order_id, body, version=expected_version(if_match)
    )
    set_etag(response, work_order.version)
    return work_order


@router.get("/{work_order_id}/history")
async def get_history(work_order_id: UUID, auth: CanRead, session: DbSession) -> WorkOrderHistory:
    """Every status change, newest first, the time spent in each status, and every
    escalation."""
    work_order, items, spent = await transitions.history(session, auth, work_order_id)
    escalations = await escalation_service.of_work_order(
        session, work_order.organization_id, work_order.id
    )
    return WorkOrderHistory(items=items, time_in_status=spent, escalations=escalations)


@router.post("/{work_order_id}/escalate", status_code=status.HTTP_201_CREATED)
async def escalate(
    work_order_id: UUID, body: EscalateRequest, auth: CanEscalate, session: DbSession
) -> EscalationRead:
    """Supervisors and above escalate open work by hand, with a reason: its people, the
    supervisors of its site and the managers are told; it may be reassigned or raised in
    priority on the way. Recorded on the work order's history."""
    return await escalation_service.escalate_by_hand(session, auth, work_order_id, body)
