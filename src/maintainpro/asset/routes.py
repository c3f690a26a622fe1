"""/api/v1/assets: equipment, its hierarchy, search, nearby and printable labels."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response, status

from maintainpro.asset import history as asset_history
from maintainpro.asset import listing, repository
from maintainpro.asset import service as asset_service
from maintainpro.asset.history import HistoryEntry
from maintainpro.asset.schemas import (
    AssetCreate,
    AssetFilter,
    AssetNearby,
    AssetNode,
    AssetRead,
    AssetRollup,
    AssetUpdate,
    DeleteQuery,
    LabelQuery,
    NearbyQuery,
)
from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency, qr
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page, PageQuery
from maintainpro.models import Asset

router = APIRouter(prefix="/assets", tags=["assets"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.DELETE))]


def scan_url(public_url: str, label_code: str) -> str:
    """Where a scanned label leads: the installation's scan page of the label code."""
    return f"{public_url.rstrip('/')}/scan/{quote(label_code, safe='')}"


def _read(asset: Asset) -> AssetRead:
    return AssetRead.model_validate(asset)


def _with(asset: Asset, **extra: object) -> dict[str, object]:
    return {**_read(asset).model_dump(by_alias=False), **extra}


@router.get("")
async def list_assets(
    auth: CanRead, session: DbSession, query: Annotated[AssetFilter, Query()]
) -> Page[AssetRead]:
    return await listing.list_assets(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AssetRead)
async def create_asset(
    body: AssetCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AssetRead | Response:
    async def create() -> AssetRead:
        return _read(await asset_service.create(session, auth, body))

    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /assets",
        idempotency_key,
        body,
        response,
        create,
    )


@router.get("/nearby")
async def nearby_assets(
    auth: CanRead, session: DbSession, query: Annotated[NearbyQuery, Query()]
) -> dict[str, list[AssetNearby]]:
    return {"items": await listing.nearby(session, auth, query)}


@router.get("/by-label/{label_code:path}")
async def get_asset_by_label(
    label_code: Annotated[str, Path(min_length=1, max_length=64)],
    auth: CanRead,
    session: DbSession,
    response: Response,
) -> AssetRead:
    """Scan to act: the asset whose printed label carries this code (the caller's sites only;
    404 otherwise). Before `/{asset_id}`, so a code is never read as an id."""
    asset = await asset_service.read_by_label(session, auth, label_code)
    set_etag(response, asset.version)
    return asset


@router.get("/{asset_id}")
async def get_asset(
    asset_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> AssetRead:
    asset = await asset_service.read(session, auth, asset_id)
    set_etag(response, asset.version)
    return asset


@router.get("/{asset_id}/children")
async def get_children(asset_id: UUID, auth: CanRead, session: DbSession) -> list[AssetRead]:
    parent = await asset_service.get(session, auth, asset_id)
    rows = await session.scalars(
        repository.visible(auth).where(Asset.parent_id == parent.id).order_by(Asset.code)
    )
    return [_read(row) for row in rows]


@router.get("/{asset_id}/ancestors")
async def get_ancestors(asset_id: UUID, auth: CanRead, session: DbSession) -> list[AssetRead]:
    asset = await asset_service.get(session, auth, asset_id)
    return [_read(row) for row in await repository.ancestors(session, auth, asset)]


@router.get("/{asset_id}/subtree")
async def get_subtree(asset_id: UUID, auth: CanRead, session: DbSession) -> list[AssetNode]:
    root = await asset_service.get(session, auth, asset_id)
    nodes = await repository.subtree(session, auth, root)
    return [AssetNode.model_validate(_with(node, depth=depth)) for node, depth in nodes]


@router.get("/{asset_id}/rollup")
async def get_rollup(asset_id: UUID, auth: CanRead, session: DbSession) -> AssetRollup:
    return await asset_service.rollup(session, auth, asset_id)


@router.get("/{asset_id}/history")
async def get_history(
    asset_id: UUID, auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> Page[HistoryEntry]:
    """Changes, downtime, work orders and maintenance logs of the asset, newest first."""
    asset = await asset_service.get(session, auth, asset_id)
    return await asset_history.history(session, auth, asset, query)


@router.get("/{asset_id}/label", response_class=Response, responses=qr.RESPONSES)
async def get_label(
    asset_id: UUID,
    auth: CanRead,
    session: DbSession,
    settings: AppSettings,
    query: Annotated[LabelQuery, Query()],
) -> Response:
    """A QR code for printing: the installation's scan URL of the asset's label code, so a
    phone's camera opens the asset."""
    asset = await asset_service.get(session, auth, asset_id)
    return qr.qr_response(scan_url(settings.http.public_url, asset.label_code), query.format)


@router.patch("/{asset_id}")
async def update_asset(
    asset_id: UUID,
    body: AssetUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> AssetRead:
    asset = await asset_service.update_asset(
        session, auth, asset_id, body, version=expected_version(if_match)
    )
    set_etag(response, asset.version)
    return _read(asset)


@router.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_asset(
    asset_id: UUID, auth: CanDelete, session: DbSession, query: Annotated[DeleteQuery, Query()]
) -> Response:
    await asset_service.delete(session, auth, asset_id, children=query.children)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
