"""/api/v1/rules: an organization's automation (event -> conditions -> actions), the record of
each run and the dry-run. Admins and managers only."""

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
from maintainpro.core.pagination import Page, PageQuery
from maintainpro.rules import service
from maintainpro.rules.schemas import (
    DryRun,
    DryRunRequest,
    ExecutionRead,
    RuleCreate,
    RuleFilter,
    RuleRead,
    RuleUpdate,
)

router = APIRouter(prefix="/rules", tags=["rules"])

CanRead = Annotated[Authorized, Depends(permission(Resource.RULE, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.RULE, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.RULE, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.RULE, Action.DELETE))]


def _shown(rule: RuleRead, response: Response) -> RuleRead:
    set_etag(response, rule.version)
    return rule


@router.get("")
async def list_rules(
    auth: CanRead, session: DbSession, query: Annotated[RuleFilter, Query()]
) -> Page[RuleRead]:
    return await service.list_rules(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RuleRead)
async def create_rule(
    body: RuleCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RuleRead | Response:
    """A rule runs in the worker on each `event` of the organization: when the entity's fields
    meet `conditions` (`match`: all or any), it takes `actions`. Fields, ops, values, actions
    and the records they name are checked against the event's entity (422 naming the path)."""
    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /rules",
        idempotency_key,
        body,
        response,
        lambda: service.create(session, auth, body),
    )


@router.get("/{rule_id}")
async def get_rule(
    rule_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> RuleRead:
    return _shown(RuleRead.model_validate(await service.get(session, auth, rule_id)), response)


@router.patch("/{rule_id}")
async def update_rule(
    rule_id: UUID,
    body: RuleUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> RuleRead:
    updated = await service.update(session, auth, rule_id, body, version=expected_version(if_match))
    return _shown(updated, response)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(rule_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.remove(session, auth, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{rule_id}/executions")
async def list_executions(
    rule_id: UUID, auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> Page[ExecutionRead]:
    """Each run of the rule, newest first: the event, whether it matched, every action taken
    with its outcome, and the error that undid them."""
    return await service.executions(session, auth, rule_id, query)


@router.post("/{rule_id}/dry-run")
async def dry_run(rule_id: UUID, body: DryRunRequest, auth: CanRead, session: DbSession) -> DryRun:
    """Evaluates the rule against an entity of its event (a work order, or a part for
    `part.low_stock`) as it is now: each condition with the actual value and its result, and
    the actions the rule would take. Changes nothing."""
    return await service.dry_run(session, auth, rule_id, body)
