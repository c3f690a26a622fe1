"""Checks every record a work order names (location, assets, people, team, codes, parent) in
one statement: live, in the tenant, of the right kind; and derives the work order's site."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core import prepared
from maintainpro.core.errors import FieldError, ValidationFailed

_CHECK = prepared.prepare(
    text("""
SELECT
  (SELECT l.site_id FROM locations l WHERE l.organization_id = :org AND l.id = :location_id
     AND l.deleted_at IS NULL) AS location_site,
  ARRAY(SELECT a.id FROM assets a WHERE a.organization_id = :org
          AND a.id = ANY(CAST(:asset_ids AS uuid[])) AND a.deleted_at IS NULL) AS assets,
  (SELECT a.site_id FROM unnest(CAST(:asset_ids AS uuid[])) WITH ORDINALITY AS u(id, n)
     JOIN assets a ON a.organization_id = :org AND a.id = u.id AND a.deleted_at IS NULL
     ORDER BY u.n LIMIT 1) AS first_asset_site,
  ARRAY(SELECT u.id FROM users u WHERE u.organization_id = :org
          AND u.id = ANY(CAST(:user_ids AS uuid[])) AND u.deleted_at IS NULL AND u.is_active
          AND u.role <> 'requester') AS workers,
  EXISTS(SELECT 1 FROM users u WHERE u.organization_id = :org AND u.id = :requester_id
           AND u.deleted_at IS NULL) AS requester_found,
  EXISTS(SELECT 1 FROM teams t WHERE t.organization_id = :org AND t.id = :team_id
           AND t.deleted_at IS NULL) AS team_found,
  ARRAY(SELECT f.kind || ':' || f.id FROM failure_codes f WHERE f.organization_id = :org
          AND f.id = ANY(CAST(:code_ids AS uuid[])) AND f.deleted_at IS NULL) AS codes,
  EXISTS(SELECT 1 FROM work_orders w WHERE w.organization_id = :org
           AND w.id = :parent_id AND w.deleted_at IS NULL) AS parent_found
""")
)

CODE_FIELDS = {
    "problem_code_id": ("problem", "problemCodeId"),
    "cause_code_id": ("cause", "causeCodeId"),
    "remedy_code_id": ("remedy", "remedyCodeId"),
}


@dataclass
class Named:
    """The references of one create or change (None: not part of it)."""

    location_id: UUID | None = None
    asset_ids: Sequence[UUID] = ()
    assignee_ids: Sequence[UUID] = ()
    requester_id: UUID | None = None
    team_id: UUID | None = None
    codes: dict[str, UUID] = field(default_factory=dict)
    parent_id: UUID | None = None

    def is_empty(self) -> bool:
        return not any(
            (
                self.location_id,
                self.asset_ids,
                self.assignee_ids,
                self.requester_id,
                self.team_id,
                self.codes,
                self.parent_id,
            )
        )


def _error(problems: list[FieldError]) -> ValidationFailed:
    return ValidationFailed("The work order names records that cannot be used.", problems)


def _missing(field_name: str, message: str) -> FieldError:
    return FieldError(field_name, message, "not_found")


async def check(session: AsyncSession, auth: Authorized, named: Named) -> UUID | None:
    """Raises a 422 naming every unusable reference; returns the site the work order belongs to
    (its location's, else its first asset's)."""
    if named.is_empty():
        return None
    row = await prepared.fetchrow(
        session,
        _CHECK,
        {
            "org": auth.principal.organization_id,
            "location_id": named.location_id,
            "asset_ids": list(named.asset_ids),
            "user_ids": list(named.assignee_ids),
            "requester_id": named.requester_id,
            "team_id": named.team_id,
            "code_ids": list(named.codes.values()),
            "parent_id": named.parent_id,
        },
    )
    assert row is not None
    problems = _problems(named, row)
    if problems:
        raise _error(problems)
    site = row["location_site"] if named.location_id else row["first_asset_site"]
    assert site is None or isinstance(site, UUID)
    return site


def _problems(named: Named, row: prepared.Record) -> list[FieldError]:
    problems: list[FieldError] = []
    if named.location_id is not None and row["location_site"] is None:
        problems.append(_missing("locationId", "The location does not exist."))
    found_assets = set(_list(row["assets"]))
    for index, asset_id in enumerate(named.asset_ids):
        if asset_id not in found_assets:
            problems.append(_missing(f"assetIds[{index}]", "The asset does not exist."))
    workers = set(_list(row["workers"]))
    for index, user_id in enumerate(named.assignee_ids):
        if user_id not in workers:
            message = "No active user who can be assigned work has this id."
            problems.append(_missing(f"assigneeIds[{index}]", message))
    if named.requester_id is not None and not row["requester_found"]:
        problems.append(_missing("requesterId", "The user does not exist."))
    if named.team_id is not None and not row["team_found"]:
        problems.append(_missing("teamId", "The team does not exist."))
    codes = {str(code) for code in _list(row["codes"])}
    for name, code_id in named.codes.items():
        kind, wire = CODE_FIELDS[name]
        if f"{kind}:{code_id}" not in codes:
            problems.append(_missing(wire, f"No {kind} code has this id."))
    if named.parent_id is not None and not row["parent_found"]:
        problems.append(_missing("parentWorkOrderId", "The work order does not exist."))
    return problems


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def check_site_scope(auth: Authorized, site_id: UUID | None, field_name: str) -> None:
    """Site-bound creators keep work inside their own sites."""
    if auth.scope is Scope.SITE and site_id not in auth.principal.site_ids:
        message = "Choose a location or asset in one of your sites."
        raise _error([FieldError(field_name, message, "outside_scope")])
