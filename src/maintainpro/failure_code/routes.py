"""/api/v1/failure-codes: problem, cause and remedy codes for completing work (C3)."""

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
from maintainpro.failure_code import defaults, service
from maintainpro.failure_code.schemas import (
    DefaultsLoaded,
    FailureCodeCreate,
    FailureCodeFilter,
    FailureCodeRead,
    FailureCodeUpdate,
)
from maintainpro.models import FailureCode

router = APIRouter(prefix="/failure-codes", tags=["failure codes"])

CanRead = Annotated[Authorized, Depends(permission(Resource.FAILURE_CODE, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.FAILURE_CODE, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.FAILURE_CODE, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.FAILURE_CODE, Action.DELETE))]
# Loading the default set is organization setup: administrators only.
CanSetUp = Annotated[Authorized, Depends(permission(Resource.ORGANIZATION, Action.UPDATE))]
CREATE_ROUTE = "POST /failure-codes"


def _one(row: FailureCode, response: Response) -> FailureCodeRead:
    set_etag(response, row.version)
    return FailureCodeRead.model_validate(row)


@router.get("")
async def list_failure_codes(
    auth: CanRead, session: DbSession, query: Annotated[FailureCodeFilter, Query()]
) -> Page[FailureCodeRead]:
    rows, next_cursor = await service.list_codes(session, auth, query)
    return Page(items=[FailureCodeRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FailureCodeRead)
async def create_failure_code(
    body: FailureCodeCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FailureCodeRead | Response:
    async def create() -> FailureCodeRead:
        return _one(await service.create(session, auth, body), response)

    return await idempotency.create_once(
        session,
        auth.principal,
        CREATE_ROUTE,
        idempotency_key,
        body,
        response,
        create,
    )


@router.post("/defaults")
async def load_defaults(auth: CanSetUp, session: DbSession) -> DefaultsLoaded:
    """Adds the default (ISO 14224 style) codes the organization has no live row for; safe to
    repeat."""
    principal = auth.principal
    added = await defaults.load(session, principal.organization_id, principal.user_id)
    return DefaultsLoaded(added=added)


@router.get("/{failure_code_id}")
async def get_failure_code(
    failure_code_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> FailureCodeRead:
    return _one(await service.get(session, auth, failure_code_id), response)


@router.patch("/{failure_code_id}")
async def update_failure_code(
    failure_code_id: UUID,
    body: FailureCodeUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> FailureCodeRead:
    row = await service.update(
        session, auth, failure_code_id, body, version=expected_version(if_match)
    )
    return _one(row, response)


@router.delete("/{failure_code_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_failure_code(
    failure_code_id: UUID, auth: CanDelete, session: DbSession
) -> Response:
    await service.delete(session, auth, failure_code_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
