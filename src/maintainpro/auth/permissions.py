"""The permission matrix, declared once: role x resource x action -> scope (SPEC section 1).

Scopes: ALL (the whole organization), SITE (the user's sites), OWN (the user's own records:
for work, what they requested), ASSIGNED (work assigned to the user or to one of their teams).
A missing entry means no access. Routes declare what they need with `require(...)`.

Comments and attachments live on a parent (a work order; for files also an asset), and the
parent's visibility always applies first: a caller reads or writes them only on parents it can
read. For COMMENT, the READ/CREATE scope is that visibility (the role's work order read scope);
UPDATE and DELETE say whose comments: OWN = the caller's own (its author), another scope = any
comment within it (supervisors and above moderate). For ATTACHMENT, ALL means "on every parent
the caller can read" and DELETE OWN means files the caller uploaded.
"""

from __future__ import annotations

from enum import StrEnum

from maintainpro.models.user import ROLES


class Scope(StrEnum):
    ALL = "all"
    SITE = "site"
    OWN = "own"
    ASSIGNED = "assigned"


class Resource(StrEnum):
    ORGANIZATION = "organization"
    LOCATION = "location"
    USER = "user"
    ACTIVITY_LOG = "activity_log"
    API_KEY = "api_key"
    ASSET = "asset"
    METER_READING = "meter_reading"
    VENDOR = "vendor"
    CONTRACTOR = "contractor"
    WORK_ORDER = "work_order"
    TEAM = "team"
    FAILURE_CODE = "failure_code"
    WORK_ORDER_TEMPLATE = "work_order_template"
    # Maintenance requests; UPDATE is deciding them (approve, reject).
    REQUEST = "request"
    # Public request links (admins only: a link lets anyone file requests).
    REQUEST_LINK = "request_link"
    CRAFT = "craft"
    COMMENT = "comment"
    ATTACHMENT = "attachment"
    # The parts catalogue (organization-wide), vendor parts and the spare parts of assets.
    PART = "part"
    # Stock per storeroom and the ledger; SITE = storerooms of the user's sites.
    STOCK = "stock"
    # Parts planned and used on a work order: the scope is the work orders it may touch.
    WORK_ORDER_PART = "work_order_part"
    # Purchase orders; SITE = orders delivered to a storeroom of the user's sites. Approval
    # above the threshold is the purchasing machine's (managers and admins).
    PURCHASE_ORDER = "purchase_order"
    # PM schedules and their forecast; SITE = schedules of assets in the user's sites.
    PM_SCHEDULE = "pm_schedule"
    # Webhook subscriptions and their delivery log: admins only (a URL hears every event).
    WEBHOOK = "webhook"
    # Automation rules, their executions and dry-runs: admins and managers.
    RULE = "rule"
    # Escalation rules and their counts: managers write them, supervisors read them.
    ESCALATION_RULE = "escalation_rule"
    # Escalating a work order by hand (CREATE), with a reason: supervisors and above.
    ESCALATION = "escalation"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


Grants = dict[Resource, dict[Action, Scope]]

_CRUD = tuple(Action)


def _all(*actions: Action, scope: Scope = Scope.ALL) -> dict[Action, Scope]:
    return dict.fromkeys(actions, scope)


def _comments(read: Scope, delete: Scope = Scope.OWN) -> dict[Action, Scope]:
    """Whoever reads a work order may comment on it; only the author edits a comment."""
    return {Action.READ: read, Action.CREATE: read, Action.UPDATE: Scope.OWN, Action.DELETE: delete}


def _files(delete: Scope = Scope.OWN) -> dict[Action, Scope]:
    return {Action.READ: Scope.ALL, Action.CREATE: Scope.ALL, Action.DELETE: delete}


MATRIX: dict[str, Grants] = {
    "admin": {
        **{resource: _all(*_CRUD) for resource in Resource},
        Resource.COMMENT: _comments(Scope.ALL, Scope.ALL),
        Resource.ATTACHMENT: _files(Scope.ALL),
    },
    "manager": {
        Resource.ASSET: _all(*_CRUD),
        Resource.METER_READING: _all(Action.READ, Action.CREATE),
        Resource.ORGANIZATION: _all(Action.READ),
        Resource.LOCATION: _all(*_CRUD),
        Resource.USER: _all(*_CRUD),
        Resource.ACTIVITY_LOG: _all(Action.READ),
        Resource.API_KEY: _all(*_CRUD, scope=Scope.OWN),
        Resource.VENDOR: _all(*_CRUD),
        Resource.CONTRACTOR: _all(*_CRUD),
        Resource.WORK_ORDER: _all(*_CRUD),
        Resource.TEAM: _all(*_CRUD),
        Resource.FAILURE_CODE: _all(*_CRUD),
        Resource.WORK_ORDER_TEMPLATE: _all(*_CRUD),
        Resource.REQUEST: _all(Action.READ, Action.CREATE, Action.UPDATE),
        Resource.CRAFT: _all(*_CRUD),
        Resource.COMMENT: _comments(Scope.ALL, Scope.ALL),
        Resource.ATTACHMENT: _files(Scope.ALL),
        Resource.PART: _all(*_CRUD),
        Resource.STOCK: _all(*_CRUD),
        Resource.WORK_ORDER_PART: _all(*_CRUD),
        Resource.PURCHASE_ORDER: _all(*_CRUD),
        Resource.PM_SCHEDULE: _all(*_CRUD),
        Resource.RULE: _all(*_CRUD),
        Resource.ESCALATION_RULE: _all(*_CRUD),
        Resource.ESCALATION: _all(Action.CREATE),
    },
    "supervisor": {
        Resource.ASSET: _all(Action.READ, Action.CREATE, Action.UPDATE, scope=Scope.SITE),
        Resource.METER_READING: _all(Action.READ, Action.CREATE, scope=Scope.SITE),
        Resource.ORGANIZATION: _all(Action.READ),
        Resource.LOCATION: _all(Action.READ, scope=Scope.SITE),
        Resource.USER: _all(Action.READ, scope=Scope.SITE),
        Resource.API_KEY: _all(*_CRUD, scope=Scope.OWN),
        Resource.VENDOR: _all(Action.READ),
        Resource.CONTRACTOR: _all(Action.READ),
        Resource.WORK_ORDER: _all(Action.READ, Action.CREATE, Action.UPDATE, scope=Scope.SITE),
        Resource.TEAM: _all(Action.READ),
        Resource.FAILURE_CODE: _all(Action.READ),
        # Templates are organization-wide: supervisors plan recurring work for every site.
        Resource.WORK_ORDER_TEMPLATE: _all(Action.READ, Action.CREATE, Action.UPDATE),
        Resource.REQUEST: _all(Action.READ, Action.CREATE, Action.UPDATE, scope=Scope.SITE),
        Resource.CRAFT: _all(Action.READ),
        Resource.COMMENT: _comments(Scope.SITE, Scope.SITE),
        Resource.ATTACHMENT: _files(Scope.SITE),
        Resource.PART: _all(Action.READ),
        Resource.STOCK: _all(Action.READ, scope=Scope.SITE),
        Resource.WORK_ORDER_PART: _all(*_CRUD, scope=Scope.SITE),
        Resource.PURCHASE_ORDER: _all(Action.READ, scope=Scope.SITE),
        Resource.PM_SCHEDULE: _all(*_CRUD, scope=Scope.SITE),
        Resource.ESCALATION_RULE: _all(Action.READ),
        Resource.ESCALATION: _all(Action.CREATE, scope=Scope.SITE),
    },
    "technician": {
        Resource.ASSET: _all(Action.READ, scope=Scope.SITE),
        Resource.METER_READING: _all(Action.READ, Action.CREATE, scope=Scope.SITE),
        Resource.ORGANIZATION: _all(Action.READ),
        Resource.LOCATION: _all(Action.READ, scope=Scope.SITE),
        Resource.USER: _all(Action.READ, scope=Scope.SITE),
        Resource.VENDOR: _all(Action.READ),
        Resource.CONTRACTOR: _all(Action.READ),
        # Technicians report what they find (site) and work what they are given (assigned).
        Resource.WORK_ORDER: {
            Action.READ: Scope.ASSIGNED,
            Action.CREATE: Scope.SITE,
            Action.UPDATE: Scope.ASSIGNED,
        },
        Resource.TEAM: _all(Action.READ),
        Resource.FAILURE_CODE: _all(Action.READ),
        Resource.WORK_ORDER_TEMPLATE: _all(Action.READ),
        Resource.REQUEST: _all(Action.READ, Action.CREATE, scope=Scope.OWN),
        Resource.CRAFT: _all(Action.READ),
        Resource.COMMENT: _comments(Scope.ASSIGNED),
        Resource.ATTACHMENT: _files(),
        Resource.PART: _all(Action.READ),
        Resource.STOCK: _all(Action.READ, scope=Scope.SITE),
        # Technicians plan, issue and return parts on their own work.
        Resource.WORK_ORDER_PART: _all(*_CRUD, scope=Scope.ASSIGNED),
        # What is coming to their sites (schedules and the forecast), not their planning.
        Resource.PM_SCHEDULE: _all(Action.READ, scope=Scope.SITE),
    },
    "inventory_clerk": {
        Resource.ASSET: _all(Action.READ, scope=Scope.SITE),
        Resource.METER_READING: _all(Action.READ, scope=Scope.SITE),
        Resource.ORGANIZATION: _all(Action.READ),
        Resource.LOCATION: _all(Action.READ, scope=Scope.SITE),
        Resource.USER: _all(Action.READ, scope=Scope.SITE),
        Resource.API_KEY: _all(*_CRUD, scope=Scope.OWN),
        Resource.VENDOR: _all(*_CRUD),
        Resource.CONTRACTOR: _all(Action.READ),
        Resource.WORK_ORDER: _all(Action.READ, scope=Scope.SITE),
        Resource.FAILURE_CODE: _all(Action.READ),
        # Planned parts are what the stores prepare.
        Resource.WORK_ORDER_TEMPLATE: _all(Action.READ),
        Resource.REQUEST: _all(Action.READ, Action.CREATE, scope=Scope.OWN),
        Resource.COMMENT: _comments(Scope.SITE),
        Resource.ATTACHMENT: _files(),
        Resource.PART: _all(*_CRUD),
        Resource.STOCK: _all(*_CRUD, scope=Scope.SITE),
        Resource.WORK_ORDER_PART: _all(*_CRUD, scope=Scope.SITE),
        Resource.PURCHASE_ORDER: _all(*_CRUD, scope=Scope.SITE),
    },
    "contractor": {
        Resource.ORGANIZATION: _all(Action.READ),
        Resource.LOCATION: _all(Action.READ, scope=Scope.SITE),
        Resource.USER: _all(Action.READ, scope=Scope.OWN),
        Resource.WORK_ORDER: _all(Action.READ, Action.UPDATE, scope=Scope.ASSIGNED),
        Resource.FAILURE_CODE: _all(Action.READ),
        Resource.COMMENT: _comments(Scope.ASSIGNED),
        Resource.ATTACHMENT: _files(),
    },
    "requester": {
        Resource.ASSET: _all(Action.READ),
        Resource.ORGANIZATION: _all(Action.READ),
        Resource.LOCATION: _all(Action.READ),
        Resource.USER: _all(Action.READ, scope=Scope.OWN),
        Resource.WORK_ORDER: _all(Action.READ, scope=Scope.OWN),
        Resource.REQUEST: _all(Action.READ, Action.CREATE, scope=Scope.OWN),
        Resource.COMMENT: _comments(Scope.OWN),
        Resource.ATTACHMENT: _files(),
    },
}

assert set(MATRIX) == set(ROLES), "every role has a row in the matrix"


# Resources only an interactive session reaches: an API key can neither hold nor use a scope on
# them (otherwise a leaked key could mint keys that outlive its own revocation).
SESSION_ONLY = frozenset({Resource.API_KEY})
# Every "resource:action" an API key may be given.
API_KEY_SCOPES = frozenset(
    f"{resource}:{action}"
    for resource in Resource
    if resource not in SESSION_ONLY
    for action in Action
)


def scope_for(role: str, resource: Resource, action: Action) -> Scope | None:
    return MATRIX.get(role, {}).get(resource, {}).get(action)


def key_scopes_of(role: str) -> frozenset[str]:
    """What a role may do, spelled as API key scopes (session-only resources left out)."""
    return frozenset(
        f"{resource}:{action}"
        for resource, actions in MATRIX.get(role, {}).items()
        if resource not in SESSION_ONLY
        for action in actions
    )
