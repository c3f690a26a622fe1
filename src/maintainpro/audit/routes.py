"""/api/v1/activity-logs: the organization's audit trail (admins and managers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from maintainpro.audit import export
from maintainpro.audit import service as audit_service
from maintainpro.audit.schemas import ActivityLogExport, ActivityLogFilter, ActivityLogRead
from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import context
from maintainpro.core.db import transaction
from maintainpro.core.deps import AppDatabase, DbSession
from maintainpro.core.openapi import TEXT, media
from maintainpro.core.pagination import Page

router = APIRouter(prefix="/activity-logs", tags=["activity-logs"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ACTIVITY_LOG, Action.READ))]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@router.get("")
async def list_activity_logs(
    auth: CanRead, session: DbSession, query: Annotated[ActivityLogFilter, Query()]
) -> Page[ActivityLogRead]:
    """Audit entries, newest first; pass `nextCursor` back as `cursor` for the next page."""
    return await audit_service.list_entries(session, auth.principal.organization_id, query)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses=media({"text/csv": TEXT, "application/json": {"schema": {"type": "array"}}}),
)
async def export_activity_logs(
    auth: CanRead, database: AppDatabase, query: Annotated[ActivityLogExport, Query()]
) -> StreamingResponse:
    """Every entry matching the filters as a CSV or JSON download, streamed newest first.

    At most 100,000 rows (`audit_service.EXPORT_LIMIT`); narrow the time range for more.
    CSV has a header row; `before` and `after` are JSON-encoded cells.
    """
    principal = auth.principal

    async def body() -> AsyncIterator[str]:
        # The stream outlives the request's session, so it reads in a transaction of its own,
        # pinned to the principal's tenant. `bind`, not `scoped`: a generator closed after a
        # client disconnect may be finalised in another context, where resetting would fail.
        context.bind(organization_id=principal.organization_id, user_id=principal.user_id)
        async with transaction(database.sessions) as session:
            entries = audit_service.stream_entries(session, principal.organization_id, query)
            render = export.as_csv if query.format == "csv" else export.as_json
            async for chunk in render(entries):
                yield chunk

    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES[query.format],
        headers={"Content-Disposition": f'attachment; filename="activity-logs.{query.format}"'},
    )
