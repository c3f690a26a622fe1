"""Work order templates (C3): recurring work described once, copied into each work order
created from it (`apply`), so a later change of the template never reaches existing work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.checklist import repository
from maintainpro.checklist.schemas import (
    ChecklistDefinition,
    TemplateCreate,
    TemplateFilter,
    TemplateRead,
    TemplateUpdate,
)
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Page, rows_by_id
from maintainpro.models import WorkOrderTemplate
from maintainpro.work_order.references import CODE_FIELDS, Named, check
from maintainpro.work_order.schemas import WorkOrderCreate

REQUIRED = frozenset({"title", "type", "priority", "checklists", "planned_parts"})
JSON_COLUMNS = ("checklists", "planned_parts")
# What a work order created from a template takes from it where the request is silent.
COPIED = ("title", "description", "type", "priority", "estimated_hours", *CODE_FIELDS)


def _live(org: UUID) -> Select[WorkOrderTemplate]:
    return select(WorkOrderTemplate).where(
        WorkOrderTemplate.organization_id == org, WorkOrderTemplate.deleted_at.is_(None)
    )


async def get(session: AsyncSession, auth: Authorized, template_id: UUID) -> WorkOrderTemplate:
    template = await session.scalar(
        _live(auth.principal.organization_id).where(WorkOrderTemplate.id == template_id)
    )
    if template is None:
        raise NotFound("No such work order template.")
    return template


async def list_templates(
    session: AsyncSession, auth: Authorized, query: TemplateFilter
) -> Page[TemplateRead]:
    statement = _live(auth.principal.organization_id)
    if query.type is not None:
        statement = statement.where(WorkOrderTemplate.type == query.type)
    rows, next_cursor = await rows_by_id(session, statement, WorkOrderTemplate.id, query)
    return Page(items=[TemplateRead.model_validate(row) for row in rows], next_cursor=next_cursor)


def _stored(values: dict[str, Any], data: TemplateCreate | TemplateUpdate) -> dict[str, Any]:
    """The JSON columns as stored: the validated definitions, snake_case, JSON-typed."""
    for name in JSON_COLUMNS:
        if values.get(name) is not None:
            values[name] = [item.model_dump(mode="json") for item in getattr(data, name)]
    return values


async def _check_codes(session: AsyncSession, auth: Authorized, values: dict[str, Any]) -> None:
    codes = {name: values[name] for name in CODE_FIELDS if values.get(name) is not None}
    if codes:
        await check(session, auth, Named(codes=codes))


async def create(session: AsyncSession, auth: Authorized, data: TemplateCreate) -> TemplateRead:
    values = _stored(data.model_dump(), data)
    await _check_codes(session, auth, values)
    template = WorkOrderTemplate(organization_id=auth.principal.organization_id, **values)
    session.add(template)
    await session.flush()
    return TemplateRead.model_validate(template)


async def update(
    session: AsyncSession,
    auth: Authorized,
    template_id: UUID,
    data: TemplateUpdate,
    *,
    version: int | None,
) -> TemplateRead:
    template = await get(session, auth, template_id)
    check_version(version, template.version, what="work order template")
    changes = _stored(data.model_dump(exclude_unset=True), data)
    for name in REQUIRED & changes.keys():
        if changes[name] is None:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
    await _check_codes(session, auth, changes)
    for name, value in changes.items():
        setattr(template, name, value)
    await session.flush()
    return TemplateRead.model_validate(template)


async def delete(session: AsyncSession, auth: Authorized, template_id: UUID) -> None:
    """Soft delete: work created from it keeps its copies and its `templateId`."""
    template = await get(session, auth, template_id)
    template.deleted_at = datetime.now(UTC)
    await session.flush()


async def apply(
    session: AsyncSession, auth: Authorized, data: WorkOrderCreate
) -> tuple[WorkOrderCreate, WorkOrderTemplate | None]:
    """The create request with the template's fields where the request left them unset, and
    the template (whose checklists the new work order copies). Without a template a title is
    required."""
    if data.template_id is None:
        if data.title is None:
            raise ValidationFailed("A title is required.", [_missing_title()])
        return data, None
    try:
        template = await get(session, auth, data.template_id)
    except NotFound as exc:
        message = "No work order template has this id."
        raise ValidationFailed(message, [FieldError("templateId", message, "not_found")]) from exc
    given = data.model_fields_set
    unset = {
        name: getattr(template, name)
        for name in COPIED
        if name not in given or (name == "title" and data.title is None)
    }
    return data.model_copy(update=unset), template


async def copy_checklists(
    session: AsyncSession, org: UUID, work_order_id: UUID, template: WorkOrderTemplate
) -> None:
    """The template's checklists as the new work order's own rows (copies, not links)."""
    for position, stored in enumerate(template.checklists):
        definition = ChecklistDefinition.model_validate(stored, by_alias=False, by_name=True)
        await repository.insert_checklist(session, org, work_order_id, position, definition)


def _missing_title() -> FieldError:
    return FieldError("title", "Give a title or a templateId.", "missing")
