"""/api/v1/requests and /api/v1/request-links; the public side of a link is `public.py`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.asset.schemas import LabelQuery
from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency, qr
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page, PageQuery
from maintainpro.request import links, service
from maintainpro.request.schemas import (
    ApproveRequest,
    RejectRequest,
    RequestCreate,
    RequestFilter,
    RequestLinkCreate,
    RequestLinkCreated,
    RequestLinkRead,
    RequestRead,
)

router = APIRouter(prefix="/requests", tags=["requests"])
links_router = APIRouter(prefix="/request-links", tags=["requests"])

CanRead = Annotated[Authorized, Depends(permission(Resource.REQUEST, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.REQUEST, Action.CREATE))]
CanDecide = Annotated[Authorized, Depends(permission(Resource.REQUEST, Action.UPDATE))]
CanReadLinks = Annotated[Authorized, Depends(permission(Resource.REQUEST_LINK, Action.READ))]
CanCreateLinks = Annotated[Authorized, Depends(permission(Resource.REQUEST_LINK, Action.CREATE))]
CanDeleteLinks = Annotated[Authorized, Depends(permission(Resource.REQUEST_LINK, Action.DELETE))]
CREATE_ROUTE = "POST /requests"


@router.get("")
async def list_requests(
    auth: CanRead, session: DbSession, query: Annotated[RequestFilter, Query()]
) -> Page[RequestRead]:
    """Newest first. Requesters see their own; supervisors their sites'."""
    return await service.list_requests(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RequestRead)
async def create_request(
    body: RequestCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RequestRead | Response:
    return await idempotency.create_once(
        session,
        auth.principal,
        CREATE_ROUTE,
        idempotency_key,
        body,
        response,
        lambda: service.create(session, auth, body),
    )


@router.get("/{request_id}")
async def get_request(
    request_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> RequestRead:
    request = RequestRead.model_validate(await service.get(session, auth, request_id))
    set_etag(response, request.version)
    return request


@router.post("/{request_id}/approve")
async def approve_request(
    request_id: UUID,
    auth: CanDecide,
    session: DbSession,
    response: Response,
    body: ApproveRequest | None = None,
    if_match: IfMatch = None,
) -> RequestRead:
    """Creates the work order (`workOrderId`) from the request. A decided request is a 409."""
    request = await service.approve(
        session, auth, request_id, body or ApproveRequest(), version=expected_version(if_match)
    )
    set_etag(response, request.version)
    return request


@router.post("/{request_id}/reject")
async def reject_request(
    request_id: UUID,
    body: RejectRequest,
    auth: CanDecide,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> RequestRead:
    """Rejects with a reason the requester sees. A decided request is a 409."""
    request = await service.reject(
        session, auth, request_id, body, version=expected_version(if_match)
    )
    set_etag(response, request.version)
    return request


@links_router.get("")
async def list_request_links(
    auth: CanReadLinks,
    session: DbSession,
    settings: AppSettings,
    query: Annotated[PageQuery, Query()],
) -> Page[RequestLinkRead]:
    return await links.list_links(session, settings, auth, query)


@links_router.post("", status_code=status.HTTP_201_CREATED)
async def create_request_link(
    body: RequestLinkCreate, auth: CanCreateLinks, session: DbSession, settings: AppSettings
) -> RequestLinkCreated:
    """A secret URL for one asset or location through which anyone can file a request."""
    link = await links.create(session, settings, auth, body)
    return RequestLinkCreated(id=link.id, url=links.url_of(settings, link))


@links_router.get("/{link_id}")
async def get_request_link(
    link_id: UUID, auth: CanReadLinks, session: DbSession, settings: AppSettings
) -> RequestLinkRead:
    return links.read(settings, await links.get(session, auth, link_id))


@links_router.get("/{link_id}/qr", response_class=Response, responses=qr.RESPONSES)
async def get_request_link_qr(
    link_id: UUID,
    auth: CanReadLinks,
    session: DbSession,
    settings: AppSettings,
    query: Annotated[LabelQuery, Query()],
) -> Response:
    """A QR code of the link's URL, for printing on the asset's label or at the location."""
    link = await links.get(session, auth, link_id)
    return qr.qr_response(links.url_of(settings, link), query.format)


@links_router.delete("/{link_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_request_link(link_id: UUID, auth: CanDeleteLinks, session: DbSession) -> Response:
    """The link answers 404 from now on."""
    await links.revoke(session, auth, link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
