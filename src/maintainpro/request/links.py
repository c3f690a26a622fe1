"""Public request links (C3, D4): `<public url>/public/r/mp_reqlink_<org-id>.<secret>`.

The secret is derived from the link id with the installation key, so the printable QR code can
be made again at any time while only the digest of the token is stored (lookups go by digest,
as for every opaque token). Revoking a link ends it for good; a new link has a new token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys
from maintainpro.auth.principal import Authorized
from maintainpro.config import Settings
from maintainpro.core import context, tokens
from maintainpro.core.db import apply_context
from maintainpro.core.errors import NotFound, ValidationFailed
from maintainpro.core.pagination import Page, PageQuery, rows_by_id
from maintainpro.models import Asset, Location, RequestLink, WorkOrder, WorkOrderAsset
from maintainpro.models.base import new_id
from maintainpro.request.schemas import (
    OpenWorkOrder,
    PublicTarget,
    RequestLinkCreate,
    RequestLinkRead,
)
from maintainpro.request.service import site_of
from maintainpro.work_order.machine import OPEN

KIND = "reqlink"
PURPOSE = b"maintainpro.request-link"
PATH = "/public/r/"
# The public page shows this many open work orders at most (newest first).
OPEN_SHOWN = 20


def token_of(settings: Settings, organization_id: UUID, link_id: UUID) -> tokens.OpaqueToken:
    secret = keys.derived_secret(settings.auth, PURPOSE, link_id.bytes)
    return tokens.OpaqueToken(KIND, organization_id, secret)


def url_of(settings: Settings, link: RequestLink) -> str:
    token = token_of(settings, link.organization_id, link.id)
    return f"{settings.http.public_url.rstrip('/')}{PATH}{token}"


def read(settings: Settings, link: RequestLink) -> RequestLinkRead:
    return RequestLinkRead.model_validate(
        {
            **{c.key: getattr(link, c.key) for c in RequestLink.__table__.c},
            "url": url_of(settings, link),
        }
    )


async def create(
    session: AsyncSession, settings: Settings, auth: Authorized, data: RequestLinkCreate
) -> RequestLink:
    org = auth.principal.organization_id
    await site_of(session, org, data.asset_id, data.location_id)  # 422 for a missing target
    link_id = new_id()
    link = RequestLink(
        id=link_id,
        organization_id=org,
        asset_id=data.asset_id,
        location_id=data.location_id,
        name=data.name,
        digest=token_of(settings, org, link_id).digest,
    )
    session.add(link)
    await session.flush()
    return link


async def list_links(
    session: AsyncSession, settings: Settings, auth: Authorized, query: PageQuery
) -> Page[RequestLinkRead]:
    statement = select(RequestLink).where(
        RequestLink.organization_id == auth.principal.organization_id
    )
    rows, cursor = await rows_by_id(session, statement, RequestLink.id, query)
    return Page(items=[read(settings, row) for row in rows], next_cursor=cursor)


async def get(session: AsyncSession, auth: Authorized, link_id: UUID) -> RequestLink:
    link = await session.scalar(
        select(RequestLink).where(
            RequestLink.organization_id == auth.principal.organization_id,
            RequestLink.id == link_id,
        )
    )
    if link is None:
        raise NotFound("No such request link.")
    return link


async def revoke(session: AsyncSession, auth: Authorized, link_id: UUID) -> None:
    """Idempotent: revoking a revoked link keeps the first revocation time."""
    link = await get(session, auth, link_id)
    if link.revoked_at is None:
        link.revoked_at = datetime.now(UTC)
        await session.flush()


GONE = "No such request link (it may have been revoked)."


async def resolve(session: AsyncSession, value: str) -> RequestLink:
    """The live link a token names, with the transaction bound to its organization (D4)."""
    token = tokens.parse(value, kind=KIND)
    if token is None:
        raise NotFound(GONE)
    context.bind(organization_id=token.organization_id, user_id=None)
    await apply_context(session)
    link = await session.scalar(
        select(RequestLink).where(
            RequestLink.organization_id == token.organization_id,
            RequestLink.digest == token.digest,
            RequestLink.revoked_at.is_(None),
        )
    )
    if link is None or not tokens.matches(token, link.digest):
        raise NotFound(GONE)
    return link


async def live_site(session: AsyncSession, link: RequestLink) -> UUID | None:
    """The site of the link's target; 404 once the asset or location is gone."""
    try:
        return await site_of(session, link.organization_id, link.asset_id, link.location_id)
    except ValidationFailed as exc:
        raise NotFound(GONE) from exc


async def public_view(session: AsyncSession, link: RequestLink) -> PublicTarget:
    """The target's name and its open work (number, title, status: nothing else)."""
    org = link.organization_id
    work = select(WorkOrder.number, WorkOrder.title, WorkOrder.status).where(
        WorkOrder.organization_id == org,
        WorkOrder.deleted_at.is_(None),
        WorkOrder.status.in_(sorted(OPEN)),
    )
    if link.asset_id is not None:
        name = await session.scalar(
            select(Asset.name).where(
                Asset.organization_id == org, Asset.id == link.asset_id, Asset.deleted_at.is_(None)
            )
        )
        work = work.join(
            WorkOrderAsset,
            (WorkOrderAsset.organization_id == WorkOrder.organization_id)
            & (WorkOrderAsset.work_order_id == WorkOrder.id),
        ).where(WorkOrderAsset.asset_id == link.asset_id)
    else:
        name = await session.scalar(
            select(Location.name).where(
                Location.organization_id == org,
                Location.id == link.location_id,
                Location.deleted_at.is_(None),
            )
        )
        work = work.where(WorkOrder.location_id == link.location_id)
    if name is None:
        raise NotFound(GONE)  # the asset or location is gone
    rows = await session.execute(work.order_by(WorkOrder.id.desc()).limit(OPEN_SHOWN))
    return PublicTarget(
        kind="asset" if link.asset_id is not None else "location",
        name=name,
        open_work_orders=[OpenWorkOrder.model_validate(row) for row in rows],
    )
