"""Maintenance requests (C3): filed by requesters (or anyone through a request link), decided
by supervisors and above. Approval creates the work order through the work-order service, so
every rule of a create (references, site scope, numbering, audit, outbox) applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.attachment import carry
from maintainpro.auth.permissions import Action, Resource, Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import (
    FieldError,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page
from maintainpro.models import Asset, Attachment, Location, MaintenanceRequest, RequestLink
from maintainpro.outbox import service as outbox_service
from maintainpro.request.schemas import (
    ApproveRequest,
    PublicRequestCreate,
    RejectRequest,
    RequestCreate,
    RequestFilter,
    RequestRead,
)
from maintainpro.work_order import service as work_order_service
from maintainpro.work_order.references import check_site_scope
from maintainpro.work_order.schemas import WorkOrderCreate

DECIDED = "request.decided"

NEWEST_FIRST = Keyset(MaintenanceRequest.id, MaintenanceRequest.id, UUID, descending=True)


def _visible(auth: Authorized) -> Select[MaintenanceRequest]:
    principal = auth.principal
    query = select(MaintenanceRequest).where(
        MaintenanceRequest.organization_id == principal.organization_id
    )
    if auth.scope is Scope.OWN:
        return query.where(MaintenanceRequest.requester_id == principal.user_id)
    if auth.scope is Scope.SITE:
        return query.where(MaintenanceRequest.site_id.in_(principal.site_ids))
    return query


async def list_requests(
    session: AsyncSession, auth: Authorized, query: RequestFilter
) -> Page[RequestRead]:
    statement = _visible(auth)
    if query.status:
        statement = statement.where(MaintenanceRequest.status.in_(query.status))
    if query.work_order_id is not None:
        statement = statement.where(MaintenanceRequest.work_order_id == query.work_order_id)
    page = NEWEST_FIRST.page(statement, query.cursor, query.limit)
    rows, cursor = NEWEST_FIRST.split(list(await session.scalars(page)), query.limit)
    return Page(items=[RequestRead.model_validate(row) for row in rows], next_cursor=cursor)


async def get(
    session: AsyncSession, auth: Authorized, request_id: UUID, *, lock: bool = False
) -> MaintenanceRequest:
    statement = _visible(auth).where(MaintenanceRequest.id == request_id)
    found = await session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise NotFound("No such request.")
    return found


def _missing(field: str, what: str) -> ValidationFailed:
    message = f"The {what} does not exist."
    return ValidationFailed(message, [FieldError(field, message, "not_found")])


async def site_of(
    session: AsyncSession, organization_id: UUID, asset_id: UUID | None, location_id: UUID | None
) -> UUID | None:
    """The site a request belongs to (its location's, else its asset's); 422 for a target that
    does not exist."""
    site: UUID | None = None
    if asset_id is not None:
        row = (
            await session.execute(
                select(Asset.site_id).where(
                    Asset.organization_id == organization_id,
                    Asset.id == asset_id,
                    Asset.deleted_at.is_(None),
                )
            )
        ).first()
        if row is None:
            raise _missing("assetId", "asset")
        site = row.site_id
    if location_id is not None:
        location_site = await session.scalar(
            select(Location.site_id).where(
                Location.organization_id == organization_id,
                Location.id == location_id,
                Location.deleted_at.is_(None),
            )
        )
        if location_site is None:
            raise _missing("locationId", "location")
        site = location_site
    return site


async def create(session: AsyncSession, auth: Authorized, data: RequestCreate) -> RequestRead:
    principal = auth.principal
    site_id = await site_of(session, principal.organization_id, data.asset_id, data.location_id)
    check_site_scope(auth, site_id, "locationId" if data.location_id else "assetId")
    request = MaintenanceRequest(
        organization_id=principal.organization_id,
        requester_id=principal.user_id,
        site_id=site_id,
        **data.model_dump(),
    )
    session.add(request)
    await session.flush()
    return RequestRead.model_validate(request)


async def submit_public(
    session: AsyncSession, link: RequestLink, site_id: UUID | None, data: PublicRequestCreate
) -> MaintenanceRequest:
    """A request filed through a link: no account, the link says where."""
    request = MaintenanceRequest(
        organization_id=link.organization_id,
        title=data.title,
        description=data.description,
        priority=data.priority,
        asset_id=link.asset_id,
        location_id=link.location_id,
        site_id=site_id,
        requester_name=data.name,
        requester_email=data.email,
        request_link_id=link.id,
    )
    session.add(request)
    await session.flush()
    return request


# A request filed through a link takes photos for a while after, before anyone decides it.
PUBLIC_PHOTO_WINDOW = timedelta(hours=1)
PUBLIC_PHOTOS = 5


async def admit_public_photo(session: AsyncSession, link: RequestLink, request_id: UUID) -> None:
    """A photo may join a request filed through this link: undecided, at most an hour old,
    fewer than five photos. The request row is locked, so concurrent uploads count right."""
    request = await session.scalar(
        select(MaintenanceRequest)
        .where(
            MaintenanceRequest.organization_id == link.organization_id,
            MaintenanceRequest.id == request_id,
            MaintenanceRequest.request_link_id == link.id,
        )
        .with_for_update()
    )
    if request is None:
        raise NotFound("No such request was filed through this link.")
    too_old = request.created_at < datetime.now(UTC) - PUBLIC_PHOTO_WINDOW
    if request.status != "submitted" or too_old:
        raise InvalidState("Photos join a request within an hour of filing, before it is decided.")
    photos = await session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(
            Attachment.organization_id == link.organization_id,
            Attachment.parent_type == "request",
            Attachment.parent_id == request_id,
            Attachment.deleted_at.is_(None),
        )
    )
    if (photos or 0) >= PUBLIC_PHOTOS:
        raise InvalidState(f"A request filed through a link takes at most {PUBLIC_PHOTOS} photos.")


def _undecided(request: MaintenanceRequest) -> None:
    if request.status != "submitted":
        raise InvalidState(f"The request was {request.status} already; it cannot be decided again.")


def _as_work_order_creator(auth: Authorized) -> Authorized:
    """The approver creates the work order under their own work-order grant."""
    scope = auth.principal.scope(Resource.WORK_ORDER, Action.CREATE)
    if scope is None:
        raise PermissionDenied("Approving a request creates a work order, which you may not do.")
    return replace(auth, scope=scope)


def _reported_by(request: MaintenanceRequest) -> str | None:
    """A public requester's name and address travel into the work order's description, so the
    people doing the work can reach them."""
    email = f"<{request.requester_email}>" if request.requester_email else None
    contact = " ".join(part for part in (request.requester_name, email) if part)
    if not contact:
        return request.description
    line = f"Reported by {contact} through a request link."
    return f"{request.description}\n\n{line}" if request.description else line


async def approve(
    session: AsyncSession,
    auth: Authorized,
    request_id: UUID,
    data: ApproveRequest,
    *,
    version: int | None,
) -> RequestRead:
    request = await get(session, auth, request_id, lock=True)
    _undecided(request)
    check_version(version, request.version, what="request")
    fields: dict[str, object] = {
        "title": request.title,
        "description": _reported_by(request),
        "type": data.type,
        "priority": data.priority or request.priority,
        "locationId": request.location_id,
        "assetIds": [request.asset_id] if request.asset_id else [],
        "requesterId": request.requester_id,
        "dueAt": data.due_at,
    }
    work_order = await work_order_service.create(
        session, _as_work_order_creator(auth), WorkOrderCreate.model_validate(fields)
    )
    source, to = ("request", request.id), ("work_order", work_order.id)
    await carry.carry_over(session, request.organization_id, source, to)
    _decide(request, auth, "approved")
    request.work_order_id = work_order.id
    await session.flush()
    await _announce(
        session, request, {"workOrderId": str(work_order.id), "number": work_order.number}
    )
    return RequestRead.model_validate(request)


async def reject(
    session: AsyncSession,
    auth: Authorized,
    request_id: UUID,
    data: RejectRequest,
    *,
    version: int | None,
) -> RequestRead:
    request = await get(session, auth, request_id, lock=True)
    _undecided(request)
    check_version(version, request.version, what="request")
    _decide(request, auth, "rejected")
    request.rejection_reason = data.reason
    await session.flush()
    await _announce(session, request, {"reason": data.reason})
    return RequestRead.model_validate(request)


async def _announce(
    session: AsyncSession, request: MaintenanceRequest, details: dict[str, object]
) -> None:
    """`request.decided`: the requester hears of it (`notification/handlers.py`)."""
    await outbox_service.emit(
        session,
        event_type=DECIDED,
        entity_type="request",
        entity_id=request.id,
        payload={"status": request.status, "title": request.title, **details},
    )


def _decide(request: MaintenanceRequest, auth: Authorized, status: str) -> None:
    request.status = status
    request.decided_by = auth.principal.user_id
    request.decided_at = datetime.now(UTC)
