"""/api/v1/parts, /api/v1/stock-movements, /api/v1/work-orders/{id}/parts and
/api/v1/reorder-proposals."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page
from maintainpro.inventory import (
    asset_parts,
    counts,
    parts,
    reorder,
    stock,
    usage,
    valuation,
    vendor_parts,
)
from maintainpro.inventory.schemas import (
    AssetPartFit,
    AssetPartList,
    CountOpen,
    CountQuery,
    CountRead,
    CountRecord,
    CountSummary,
    IssuedPeriod,
    IssuesQuery,
    MovementCreate,
    MovementList,
    MovementQuery,
    MovementRead,
    MovementReverse,
    PartCreate,
    PartQuery,
    PartRead,
    PartUpdate,
    ReorderProposal,
    StockList,
    StockRead,
    StockSettings,
    StoreroomValue,
    UsageCreate,
    UsageIssue,
    UsageList,
    UsageRead,
    UsageReturn,
    VendorPartCreate,
    VendorPartList,
    VendorPartRead,
    VendorPartUpdate,
)
from maintainpro.models import Part, VendorPart

router = APIRouter(tags=["inventory"])


ReadAssets = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.READ))]
ReadParts = Annotated[Authorized, Depends(permission(Resource.PART, Action.READ))]
CreateParts = Annotated[Authorized, Depends(permission(Resource.PART, Action.CREATE))]
UpdateParts = Annotated[Authorized, Depends(permission(Resource.PART, Action.UPDATE))]
DeleteParts = Annotated[Authorized, Depends(permission(Resource.PART, Action.DELETE))]
ReadStock = Annotated[Authorized, Depends(permission(Resource.STOCK, Action.READ))]
MoveStock = Annotated[Authorized, Depends(permission(Resource.STOCK, Action.CREATE))]
SetStock = Annotated[Authorized, Depends(permission(Resource.STOCK, Action.UPDATE))]
ReadUsage = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER_PART, Action.READ))]
AddUsage = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER_PART, Action.CREATE))]
MoveUsage = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER_PART, Action.UPDATE))]
DropUsage = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER_PART, Action.DELETE))]

PARTS = "/parts"
PART = PARTS + "/{part_id}"
MOVEMENTS = "/stock-movements"
LINES = "/work-orders/{work_order_id}/parts"
LINE = LINES + "/{usage_id}"


def _part(part: Part, response: Response) -> PartRead:
    set_etag(response, part.version)
    return PartRead.model_validate(part)


@router.get(PARTS)
async def list_parts(
    auth: ReadParts, session: DbSession, query: Annotated[PartQuery, Query()]
) -> Page[PartRead]:
    return await parts.list_parts(session, auth, query)


@router.post(PARTS, status_code=status.HTTP_201_CREATED, response_model=PartRead)
async def create_part(
    body: PartCreate,
    auth: CreateParts,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PartRead | Response:
    async def create() -> PartRead:
        return PartRead.model_validate(await parts.create(session, auth, body))

    return await idempotency.create_once(
        session, auth.principal, "POST /parts", idempotency_key, body, response, create
    )


@router.get(PART)
async def get_part(
    part_id: UUID, auth: ReadParts, session: DbSession, response: Response
) -> PartRead:
    return _part(await parts.get(session, auth, part_id), response)


@router.patch(PART)
async def update_part(
    part_id: UUID,
    body: PartUpdate,
    auth: UpdateParts,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> PartRead:
    part = await parts.update(session, auth, part_id, body, version=expected_version(if_match))
    return _part(part, response)


@router.delete(PART, status_code=status.HTTP_204_NO_CONTENT)
async def delete_part(part_id: UUID, auth: DeleteParts, session: DbSession) -> Response:
    await parts.delete(session, auth, part_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(PART + "/stock")
async def get_stock(part_id: UUID, auth: ReadStock, session: DbSession) -> StockList:
    """The part in every storeroom the caller can see."""
    return await stock.of_part(session, auth, part_id)


@router.put(PART + "/stock/{storeroom_id}")
async def set_stock_levels(
    part_id: UUID,
    storeroom_id: UUID,
    body: StockSettings,
    auth: SetStock,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> StockRead:
    row = await stock.set_levels(
        session, auth, part_id, storeroom_id, body, version=expected_version(if_match)
    )
    set_etag(response, row.version)
    return stock.stock_read(row)


@router.get(MOVEMENTS)
async def list_movements(
    auth: ReadStock, session: DbSession, query: Annotated[MovementQuery, Query()]
) -> Page[MovementRead]:
    return await stock.list_movements(session, auth, query)


@router.post(MOVEMENTS, status_code=status.HTTP_201_CREATED, response_model=MovementList)
async def create_movement(
    body: MovementCreate,
    auth: MoveStock,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MovementList | Response:
    """A receipt, adjustment, transfer (two movements) or count; a shortage is a 409."""
    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /stock-movements",
        idempotency_key,
        body,
        response,
        lambda: stock.record(session, auth, body),
    )


@router.post(
    MOVEMENTS + "/{movement_id}/reverse",
    status_code=status.HTTP_201_CREATED,
    response_model=MovementList,
)
async def reverse_movement(
    movement_id: UUID,
    body: MovementReverse,
    auth: MoveStock,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MovementList | Response:
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /stock-movements/{movement_id}/reverse",
        idempotency_key,
        body,
        response,
        lambda: stock.reverse(session, auth, movement_id, body.reason),
    )


@router.get("/reorder-proposals")
async def list_reorder_proposals(auth: ReadStock, session: DbSession) -> list[ReorderProposal]:
    """Every part at or below its reorder point in a storeroom the caller can see."""
    return await reorder.proposals(session, auth)


@router.get("/inventory/value")
async def inventory_value(auth: ReadStock, session: DbSession) -> list[StoreroomValue]:
    """Per storeroom the caller can see: stock value at moving-average cost and turns."""
    return await valuation.values(session, auth)


@router.get("/inventory/issues")
async def inventory_issues(
    auth: ReadStock, session: DbSession, query: Annotated[IssuesQuery, Query()]
) -> list[IssuedPeriod]:
    """Net issues per storeroom and month (the organization's time zone)."""
    return await valuation.issues(session, auth, query.since, query.until)


@router.get(LINES)
async def list_work_order_parts(
    work_order_id: UUID, auth: ReadUsage, session: DbSession
) -> UsageList:
    return await usage.list_lines(session, auth, work_order_id)


@router.post(LINES, status_code=status.HTTP_201_CREATED, response_model=UsageRead)
async def add_work_order_part(
    work_order_id: UUID,
    body: UsageCreate,
    auth: AddUsage,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> UsageRead | Response:
    """Plans a part (reserving what is available) or, with `planned: false`, records a use
    (issued at once; a shortage is a 409)."""
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/parts",
        idempotency_key,
        body,
        response,
        lambda: usage.add(session, auth, work_order_id, body),
    )


@router.post(LINE + "/issue", response_model=UsageRead)
async def issue_work_order_part(
    work_order_id: UUID,
    usage_id: UUID,
    body: UsageIssue,
    auth: MoveUsage,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> UsageRead | Response:
    """Issues from the line's storeroom (a shortage is a 409); a retried key issues once."""
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/parts/{usage_id}/issue",
        idempotency_key,
        body,
        response,
        lambda: usage.issue(session, auth, work_order_id, usage_id, body),
        status_code=status.HTTP_200_OK,
    )


@router.post(LINE + "/return", response_model=UsageRead)
async def return_work_order_part(
    work_order_id: UUID,
    usage_id: UUID,
    body: UsageReturn,
    auth: MoveUsage,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> UsageRead | Response:
    """Returns issued parts to the storeroom; a retried key returns once."""
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/parts/{usage_id}/return",
        idempotency_key,
        body,
        response,
        lambda: usage.give_back(session, auth, work_order_id, usage_id, body),
        status_code=status.HTTP_200_OK,
    )


@router.delete(LINE, status_code=status.HTTP_204_NO_CONTENT)
async def remove_work_order_part(
    work_order_id: UUID, usage_id: UUID, auth: DropUsage, session: DbSession
) -> Response:
    await usage.remove(session, auth, work_order_id, usage_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _offer(offer: VendorPart, response: Response) -> VendorPartRead:
    set_etag(response, offer.version)
    return VendorPartRead.model_validate(offer)


@router.get(PART + "/vendors")
async def list_vendor_parts(part_id: UUID, auth: ReadParts, session: DbSession) -> VendorPartList:
    """Who sells the part: the preferred offer first, then by price."""
    offers = await vendor_parts.of_part(session, auth, part_id)
    return VendorPartList(items=[VendorPartRead.model_validate(offer) for offer in offers])


@router.post(PART + "/vendors", status_code=status.HTTP_201_CREATED, response_model=VendorPartRead)
async def create_vendor_part(
    part_id: UUID,
    body: VendorPartCreate,
    auth: UpdateParts,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> VendorPartRead | Response:
    async def create() -> VendorPartRead:
        return VendorPartRead.model_validate(
            await vendor_parts.create(session, auth, part_id, body)
        )

    route = f"POST /parts/{part_id}/vendors"
    return await idempotency.create_once(
        session, auth.principal, route, idempotency_key, body, response, create
    )


@router.patch("/vendor-parts/{offer_id}")
async def update_vendor_part(
    offer_id: UUID,
    body: VendorPartUpdate,
    auth: UpdateParts,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> VendorPartRead:
    offer = await vendor_parts.change(
        session, auth, offer_id, body, version=expected_version(if_match)
    )
    return _offer(offer, response)


@router.delete("/vendor-parts/{offer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_vendor_part(offer_id: UUID, auth: UpdateParts, session: DbSession) -> Response:
    await vendor_parts.remove(session, auth, offer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


COUNTS = "/cycle-counts"
COUNT = COUNTS + "/{count_id}"


@router.get(COUNTS)
async def list_cycle_counts(
    auth: ReadStock, session: DbSession, query: Annotated[CountQuery, Query()]
) -> Page[CountSummary]:
    return await counts.list_counts(session, auth, query)


@router.post(COUNTS, status_code=status.HTTP_201_CREATED, response_model=CountRead)
async def open_cycle_count(
    body: CountOpen,
    auth: MoveStock,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CountRead | Response:
    """Lists the storeroom's stock rows (of a bin prefix or category) to count; issues and
    receipts go on while it is open."""
    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /cycle-counts",
        idempotency_key,
        body,
        response,
        lambda: counts.open_count(session, auth, body),
    )


@router.get(COUNT)
async def get_cycle_count(count_id: UUID, auth: ReadStock, session: DbSession) -> CountRead:
    return await counts.read(session, auth, count_id)


@router.post(COUNT + "/counts")
async def record_cycle_counts(
    count_id: UUID, body: CountRecord, auth: MoveStock, session: DbSession
) -> CountRead:
    return await counts.record(session, auth, count_id, body)


@router.post(COUNT + "/post")
async def post_cycle_count(count_id: UUID, auth: MoveStock, session: DbSession) -> CountRead:
    """Each counted line becomes a count movement: the count less the balance when it was
    counted."""
    return await counts.post(session, auth, count_id)


@router.post(COUNT + "/cancel")
async def cancel_cycle_count(count_id: UUID, auth: MoveStock, session: DbSession) -> CountRead:
    return await counts.cancel(session, auth, count_id)


ASSET_PARTS = "/assets/{asset_id}/parts"


@router.get(ASSET_PARTS)
async def list_asset_parts(asset_id: UUID, auth: ReadAssets, session: DbSession) -> AssetPartList:
    """The asset's spare parts, with what the stores have available of each."""
    return AssetPartList(items=await asset_parts.of_asset(session, auth, asset_id))


@router.put(ASSET_PARTS + "/{part_id}", status_code=status.HTTP_204_NO_CONTENT)
async def fit_asset_part(
    asset_id: UUID, part_id: UUID, body: AssetPartFit, auth: UpdateParts, session: DbSession
) -> Response:
    await asset_parts.fit(session, auth, asset_id, part_id, body.quantity)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(ASSET_PARTS + "/{part_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unfit_asset_part(
    asset_id: UUID, part_id: UUID, auth: UpdateParts, session: DbSession
) -> Response:
    await asset_parts.unfit(session, auth, asset_id, part_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
