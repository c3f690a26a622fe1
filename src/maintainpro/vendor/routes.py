"""/api/v1/vendors and /api/v1/contractors: HTTP only; the shared rules live in the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar
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
from maintainpro.core.schemas import ReadSchema
from maintainpro.models import Contractor, Vendor
from maintainpro.vendor import service as partner_service
from maintainpro.vendor.schemas import (
    ContractorCreate,
    ContractorFilter,
    ContractorNearby,
    ContractorRead,
    ContractorUpdate,
    NearbyQuery,
    VendorCreate,
    VendorFilter,
    VendorNearby,
    VendorRead,
    VendorUpdate,
)
from maintainpro.vendor.service import CONTRACTORS, VENDORS

R = TypeVar("R", bound=ReadSchema)

vendors_router = APIRouter(prefix="/vendors", tags=["vendors"])
contractors_router = APIRouter(prefix="/contractors", tags=["contractors"])

CanReadVendors = Annotated[Authorized, Depends(permission(Resource.VENDOR, Action.READ))]
CanCreateVendors = Annotated[Authorized, Depends(permission(Resource.VENDOR, Action.CREATE))]
CanUpdateVendors = Annotated[Authorized, Depends(permission(Resource.VENDOR, Action.UPDATE))]
CanDeleteVendors = Annotated[Authorized, Depends(permission(Resource.VENDOR, Action.DELETE))]
CanReadContractors = Annotated[Authorized, Depends(permission(Resource.CONTRACTOR, Action.READ))]
CanCreateContractors = Annotated[
    Authorized, Depends(permission(Resource.CONTRACTOR, Action.CREATE))
]
CanUpdateContractors = Annotated[
    Authorized, Depends(permission(Resource.CONTRACTOR, Action.UPDATE))
]
CanDeleteContractors = Annotated[
    Authorized, Depends(permission(Resource.CONTRACTOR, Action.DELETE))
]


def _page(schema: type[R], page: tuple[Sequence[Vendor | Contractor], str | None]) -> Page[R]:
    rows, next_cursor = page
    return Page(items=[schema.model_validate(row) for row in rows], next_cursor=next_cursor)


def _nearby(
    schema: type[R], found: Sequence[tuple[Vendor | Contractor, float]]
) -> dict[str, list[R]]:
    """Each row's read fields plus its distance (metres, to the centimetre)."""
    fields = [name for name in schema.model_fields if name != "distance_m"]
    return {
        "items": [
            schema.model_validate(
                {**{name: getattr(row, name) for name in fields}, "distance_m": round(distance, 2)}
            )
            for row, distance in found
        ]
    }


def _one(schema: type[R], row: Vendor | Contractor, response: Response) -> R:
    set_etag(response, row.version)
    return schema.model_validate(row)


# Vendors. `/nearby` comes before `/{vendor_id}` so it is not read as an id.


@vendors_router.get("")
async def list_vendors(
    auth: CanReadVendors, session: DbSession, query: Annotated[VendorFilter, Query()]
) -> Page[VendorRead]:
    page = await partner_service.list_partners(session, auth, VENDORS, query, tag=query.service)
    return _page(VendorRead, page)


@vendors_router.post("", status_code=status.HTTP_201_CREATED, response_model=VendorRead)
async def create_vendor(
    body: VendorCreate,
    auth: CanCreateVendors,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> VendorRead | Response:
    async def create() -> VendorRead:
        vendor = await partner_service.create(session, auth, VENDORS, body)
        return _one(VendorRead, vendor, response)

    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /vendors",
        idempotency_key,
        body,
        response,
        create,
    )


@vendors_router.get("/nearby")
async def nearby_vendors(
    auth: CanReadVendors, session: DbSession, query: Annotated[NearbyQuery, Query()]
) -> dict[str, list[VendorNearby]]:
    return _nearby(VendorNearby, await partner_service.nearby(session, auth, VENDORS, query))


@vendors_router.get("/{vendor_id}")
async def get_vendor(
    vendor_id: UUID, auth: CanReadVendors, session: DbSession, response: Response
) -> VendorRead:
    vendor = await partner_service.get(session, auth, VENDORS, vendor_id)
    return _one(VendorRead, vendor, response)


@vendors_router.patch("/{vendor_id}")
async def update_vendor(
    vendor_id: UUID,
    body: VendorUpdate,
    auth: CanUpdateVendors,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> VendorRead:
    vendor = await partner_service.update(
        session, auth, VENDORS, vendor_id, body, version=expected_version(if_match)
    )
    return _one(VendorRead, vendor, response)


@vendors_router.delete("/{vendor_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_vendor(vendor_id: UUID, auth: CanDeleteVendors, session: DbSession) -> Response:
    await partner_service.delete(session, auth, VENDORS, vendor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Contractors: the same shape.


@contractors_router.get("")
async def list_contractors(
    auth: CanReadContractors, session: DbSession, query: Annotated[ContractorFilter, Query()]
) -> Page[ContractorRead]:
    page = await partner_service.list_partners(session, auth, CONTRACTORS, query, tag=query.trade)
    return _page(ContractorRead, page)


@contractors_router.post("", status_code=status.HTTP_201_CREATED, response_model=ContractorRead)
async def create_contractor(
    body: ContractorCreate,
    auth: CanCreateContractors,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ContractorRead | Response:
    async def create() -> ContractorRead:
        contractor = await partner_service.create(session, auth, CONTRACTORS, body)
        return _one(ContractorRead, contractor, response)

    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /contractors",
        idempotency_key,
        body,
        response,
        create,
    )


@contractors_router.get("/nearby")
async def nearby_contractors(
    auth: CanReadContractors, session: DbSession, query: Annotated[NearbyQuery, Query()]
) -> dict[str, list[ContractorNearby]]:
    found = await partner_service.nearby(session, auth, CONTRACTORS, query)
    return _nearby(ContractorNearby, found)


@contractors_router.get("/{contractor_id}")
async def get_contractor(
    contractor_id: UUID, auth: CanReadContractors, session: DbSession, response: Response
) -> ContractorRead:
    contractor = await partner_service.get(session, auth, CONTRACTORS, contractor_id)
    return _one(ContractorRead, contractor, response)


@contractors_router.patch("/{contractor_id}")
async def update_contractor(
    contractor_id: UUID,
    body: ContractorUpdate,
    auth: CanUpdateContractors,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> ContractorRead:
    contractor = await partner_service.update(
        session, auth, CONTRACTORS, contractor_id, body, version=expected_version(if_match)
    )
    return _one(ContractorRead, contractor, response)


@contractors_router.delete("/{contractor_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contractor(
    contractor_id: UUID, auth: CanDeleteContractors, session: DbSession
) -> Response:
    await partner_service.delete(session, auth, CONTRACTORS, contractor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
