"""/api/v1/purchase-orders: drafts, the status machine, receipts, a draft per vendor from
the reorder proposals, and the printable order."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page
from maintainpro.models import PurchaseOrder
from maintainpro.purchasing import printing, proposals, receipts, service
from maintainpro.purchasing.schemas import (
    FromProposals,
    ProposalOrders,
    PurchaseOrderCreate,
    PurchaseOrderQuery,
    PurchaseOrderRead,
    PurchaseOrderSummary,
    PurchaseOrderUpdate,
    ReceiptCreate,
    ReceiptList,
    TransitionIn,
)

router = APIRouter(prefix="/purchase-orders", tags=["purchasing"])

CanRead = Annotated[Authorized, Depends(permission(Resource.PURCHASE_ORDER, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.PURCHASE_ORDER, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.PURCHASE_ORDER, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.PURCHASE_ORDER, Action.DELETE))]


async def _answer(
    session: DbSession, order: PurchaseOrder, response: Response
) -> PurchaseOrderRead:
    set_etag(response, order.version)
    return await service.read(session, order)


@router.get("")
async def list_purchase_orders(
    auth: CanRead, session: DbSession, query: Annotated[PurchaseOrderQuery, Query()]
) -> Page[PurchaseOrderSummary]:
    return await service.list_orders(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PurchaseOrderRead)
async def create_purchase_order(
    body: PurchaseOrderCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PurchaseOrderRead | Response:
    async def create() -> PurchaseOrderRead:
        return await service.read(session, await service.create(session, auth, body))

    return await idempotency.create_once(
        session, auth.principal, "POST /purchase-orders", idempotency_key, body, response, create
    )


@router.post(
    "/from-reorder-proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalOrders
)
async def draft_from_reorder_proposals(
    body: FromProposals,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ProposalOrders | Response:
    route = "POST /purchase-orders/from-reorder-proposals"
    return await idempotency.create_once(
        session,
        auth.principal,
        route,
        idempotency_key,
        body,
        response,
        lambda: proposals.draft_orders(session, auth, body),
    )


@router.get("/{order_id}")
async def get_purchase_order(
    order_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> PurchaseOrderRead:
    return await _answer(session, await service.get(session, auth, order_id), response)


@router.get("/{order_id}/print", response_class=HTMLResponse)
async def print_purchase_order(order_id: UUID, auth: CanRead, session: DbSession) -> HTMLResponse:
    """The order as a page that prints cleanly (a browser's print to PDF makes the PDF)."""
    order = await service.read(session, await service.get(session, auth, order_id))
    return HTMLResponse(await printing.html(session, order))


@router.patch("/{order_id}")
async def update_purchase_order(
    order_id: UUID,
    body: PurchaseOrderUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> PurchaseOrderRead:
    order = await service.update(session, auth, order_id, body, version=expected_version(if_match))
    return await _answer(session, order, response)


@router.delete("/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_purchase_order(order_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.remove(session, auth, order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{order_id}/transitions")
async def transition_purchase_order(
    order_id: UUID,
    body: TransitionIn,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> PurchaseOrderRead:
    """A refused move is a 409 listing `allowedTargets`; submitting an order within the
    organization's `purchasing.approvalThreshold` approves it at once."""
    order = await service.transition(
        session, auth, order_id, body, version=expected_version(if_match)
    )
    return await _answer(session, order, response)


@router.get("/{order_id}/receipts")
async def list_receipts(order_id: UUID, auth: CanRead, session: DbSession) -> ReceiptList:
    return await receipts.list_receipts(session, auth, order_id)


@router.post(
    "/{order_id}/receipts", status_code=status.HTTP_201_CREATED, response_model=PurchaseOrderRead
)
async def receive_purchase_order(
    order_id: UUID,
    body: ReceiptCreate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PurchaseOrderRead | Response:
    """Books a delivery: receipt movements at the order's prices; the order answers with its
    lines' received quantities and its new status."""

    async def create() -> PurchaseOrderRead:
        return await service.read(session, await receipts.receive(session, auth, order_id, body))

    route = f"POST /purchase-orders/{order_id}/receipts"
    return await idempotency.create_once(
        session, auth.principal, route, idempotency_key, body, response, create
    )
