"""/api/v1/work-order-templates and /api/v1/work-orders/{id}/checklists (C3)."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.checklist import results, service, signatures, templates
from maintainpro.checklist.schemas import (
    ChecklistCreate,
    ChecklistList,
    ChecklistRead,
    ItemRead,
    ItemsCreate,
    ResultIn,
    SignatureCreate,
    SignatureList,
    SignatureRead,
    TemplateCreate,
    TemplateFilter,
    TemplateRead,
    TemplateUpdate,
)
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page

M = TypeVar("M", bound=BaseModel)

templates_router = APIRouter(prefix="/work-order-templates", tags=["work order templates"])
checklists_router = APIRouter(prefix="/work-orders/{work_order_id}/checklists", tags=["checklists"])

CanReadTemplates = Annotated[
    Authorized, Depends(permission(Resource.WORK_ORDER_TEMPLATE, Action.READ))
]
CanCreateTemplates = Annotated[
    Authorized, Depends(permission(Resource.WORK_ORDER_TEMPLATE, Action.CREATE))
]
CanUpdateTemplates = Annotated[
    Authorized, Depends(permission(Resource.WORK_ORDER_TEMPLATE, Action.UPDATE))
]
CanDeleteTemplates = Annotated[
    Authorized, Depends(permission(Resource.WORK_ORDER_TEMPLATE, Action.DELETE))
]
CanReadWork = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.READ))]
CanWork = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.UPDATE))]


# Templates.


@templates_router.get("")
async def list_templates(
    auth: CanReadTemplates, session: DbSession, query: Annotated[TemplateFilter, Query()]
) -> Page[TemplateRead]:
    return await templates.list_templates(session, auth, query)


@templates_router.post("", status_code=status.HTTP_201_CREATED, response_model=TemplateRead)
async def create_template(
    body: TemplateCreate,
    auth: CanCreateTemplates,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TemplateRead | Response:
    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /work-order-templates",
        idempotency_key,
        body,
        response,
        lambda: templates.create(session, auth, body),
    )


@templates_router.get("/{template_id}")
async def get_template(
    template_id: UUID, auth: CanReadTemplates, session: DbSession, response: Response
) -> TemplateRead:
    template = TemplateRead.model_validate(await templates.get(session, auth, template_id))
    set_etag(response, template.version)
    return template


@templates_router.patch("/{template_id}")
async def update_template(
    template_id: UUID,
    body: TemplateUpdate,
    auth: CanUpdateTemplates,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateRead:
    template = await templates.update(
        session, auth, template_id, body, version=expected_version(if_match)
    )
    set_etag(response, template.version)
    return template


@templates_router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    template_id: UUID, auth: CanDeleteTemplates, session: DbSession
) -> Response:
    await templates.delete(session, auth, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Checklists of a work order.


@checklists_router.get("")
async def list_checklists(
    work_order_id: UUID, auth: CanReadWork, session: DbSession
) -> ChecklistList:
    """Every checklist of the work order in order, each with its items in order."""
    return ChecklistList(items=await service.list_checklists(session, auth, work_order_id))


@checklists_router.post("", status_code=status.HTTP_201_CREATED, response_model=ChecklistRead)
async def add_checklist(
    work_order_id: UUID,
    body: ChecklistCreate,
    auth: CanWork,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ChecklistRead | Response:
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/checklists",
        idempotency_key,
        body,
        response,
        lambda: service.add_checklist(session, auth, work_order_id, body),
    )


@checklists_router.post(
    "/{checklist_id}/items", status_code=status.HTTP_201_CREATED, response_model=ChecklistRead
)
async def add_items(
    work_order_id: UUID,
    checklist_id: UUID,
    body: ItemsCreate,
    auth: CanWork,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ChecklistRead | Response:
    """Appends items to the checklist; answers with the whole checklist."""
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/checklists/{checklist_id}/items",
        idempotency_key,
        body,
        response,
        lambda: service.add_items(session, auth, work_order_id, checklist_id, body),
    )


@checklists_router.put("/{checklist_id}/items/{item_id}/result")
async def record_result(
    work_order_id: UUID,
    checklist_id: UUID,
    item_id: UUID,
    body: ResultIn,
    auth: CanWork,
    session: DbSession,
) -> ItemRead:
    """Records (or replaces) the item's result. A failed pass/fail or a number outside the
    item's limits fails it; a failure creates a follow-up work order when the item or
    `createFollowUp` asks (once per item). A meter reading is stored on the meter by the
    ingestion rules: one they refuse is a 422 on `value`."""
    return await results.record(session, auth, work_order_id, checklist_id, item_id, body)


@checklists_router.get("/{checklist_id}/signatures")
async def list_signatures(
    work_order_id: UUID, checklist_id: UUID, auth: CanReadWork, session: DbSession
) -> SignatureList:
    """Oldest first; `changedSince` says whether the checklist changed after each."""
    found = await signatures.list_signatures(session, auth, work_order_id, checklist_id)
    return SignatureList(items=found)


@checklists_router.post(
    "/{checklist_id}/signatures", status_code=status.HTTP_201_CREATED, response_model=SignatureRead
)
async def sign_checklist(
    work_order_id: UUID,
    checklist_id: UUID,
    body: SignatureCreate,
    auth: CanWork,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SignatureRead | Response:
    """Signs the checklist as it stands: the SHA-256 of its canonical JSON state (items and
    results, sorted keys, no whitespace) is kept with the signature."""
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/checklists/{checklist_id}/signatures",
        idempotency_key,
        body,
        response,
        lambda: signatures.sign(session, auth, work_order_id, checklist_id, body),
    )
