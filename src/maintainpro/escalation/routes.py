"""/api/v1/escalation-rules (C6): managers set how unacknowledged and overdue work escalates;
supervisors read the rules and how often each level fired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.pagination import Page, PageQuery
from maintainpro.core.schemas import QuerySchema
from maintainpro.escalation import service
from maintainpro.escalation.schemas import (
    EscalationCounts,
    EscalationRuleCreate,
    EscalationRuleRead,
    EscalationRuleUpdate,
)

router = APIRouter(prefix="/escalation-rules", tags=["escalations"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ESCALATION_RULE, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.ESCALATION_RULE, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.ESCALATION_RULE, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.ESCALATION_RULE, Action.DELETE))]
COUNTS_SPAN = timedelta(days=30)


class CountsQuery(QuerySchema):
    # From when to count (the last 30 days when left out).
    since: AwareDatetime | None = None
    rule_id: UUID | None = None


@router.get("")
async def list_rules(
    auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> Page[EscalationRuleRead]:
    return await service.list_rules(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_rule(
    body: EscalationRuleCreate, auth: CanCreate, session: DbSession
) -> EscalationRuleRead:
    """Levels are reached `afterMinutes` into the clock: from when the work was reported
    (`unacknowledged`: still new or assigned) or from its due time (`overdue`), counting
    calendar minutes or the organization's business hours (`settings.businessHours`)."""
    return await service.create(session, auth, body)


@router.get("/counts")
async def escalation_counts(
    auth: CanRead, session: DbSession, query: Annotated[CountsQuery, Query()]
) -> EscalationCounts:
    """Escalations per rule and level since `since` (by hand: `ruleId` null), for the
    dashboard."""
    since = query.since or datetime.now(UTC) - COUNTS_SPAN
    return await service.counts(session, auth, since, query.rule_id)


@router.get("/{rule_id}")
async def get_rule(
    rule_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> EscalationRuleRead:
    found = EscalationRuleRead.model_validate(await service.get(session, auth, rule_id))
    set_etag(response, found.version)
    return found


@router.patch("/{rule_id}")
async def update_rule(
    rule_id: UUID,
    body: EscalationRuleUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> EscalationRuleRead:
    updated = await service.update(session, auth, rule_id, body, version=expected_version(if_match))
    set_etag(response, updated.version)
    return updated


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(rule_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    """The rule stops; the escalations it made stay on the work orders' history."""
    await service.remove(session, auth, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
