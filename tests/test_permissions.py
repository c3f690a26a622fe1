"""The permission matrix is enforced on every endpoint for every role (SPEC section 1), and an
API key reaches exactly what its scopes name: never the account self-service of `/auth/*`."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.app import create_app
from maintainpro.auth.permissions import API_KEY_SCOPES, MATRIX, Action, Resource
from maintainpro.config import Settings
from maintainpro.models.user import ROLES
from tests.factories.http import bearer
from tests.factories.identity import Tenant, make_api_key


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {placeholders} filled from the tenant
    resource: Resource | None  # None: account self-service, for interactive sessions only
    action: Action | None
    body: dict[str, object] | None = None
    # A multipart form instead of a JSON body: its fields, and a small text file as `file`.
    form: dict[str, str] | None = None

    def payload(self) -> dict[str, object]:
        """The request's body, as `httpx` takes it."""
        if self.form is None:
            return {"json": self.body}
        return {"data": self.form, "files": {"file": ("note.txt", b"a note", "text/plain")}}

    @property
    def scope(self) -> str | None:
        return None if self.resource is None else f"{self.resource}:{self.action}"

    @property
    def route(self) -> str:
        return (
            self.path.replace("{north}", "{location_id}")
            .replace("{area}", "{location_id}")
            .replace("{requester}", "{user_id}")
            .replace("{checklist}", "{checklist_id}")
            .replace("{item}", "{item_id}")
            .replace("{entry}", "{entry_id}")
            .replace("{comment}", "{comment_id}")
            .replace("{usage}", "{usage_id}")
            .replace("{fitted}", "{part_id}")
            .replace("{store}", "{storeroom_id}")
            .replace("{missing}", self._missing_name)
        )

    @property
    def _missing_name(self) -> str:
        for prefix, name in (
            ("/assets/{missing}/parts", "{asset_id}"),
            ("/by-label/", "{label_code}"),
            ("/teams/", "{team_id}"),
            ("/failure-codes/", "{failure_code_id}"),
            ("/api-keys/", "{key_id}"),
            ("/auth/sessions/", "{session_id}"),
            ("/meters/", "{meter_id}"),
            ("/downtime/", "{event_id}"),
            ("/vendors/", "{vendor_id}"),
            ("/contractors/", "{contractor_id}"),
            ("/work-order-templates/", "{template_id}"),
            ("/work-orders/", "{work_order_id}"),
            ("/requests/", "{request_id}"),
            ("/request-links/", "{link_id}"),
            ("/calendar/feeds/", "{feed_id}"),
            ("/crafts/", "{craft_id}"),
            ("/attachments/", "{attachment_id}"),
            ("/parts/", "{part_id}"),
            ("/stock-movements/", "{movement_id}"),
            ("/purchase-orders/", "{order_id}"),
            ("/vendor-parts/", "{offer_id}"),
            ("/cycle-counts/", "{count_id}"),
            ("/pm-schedules/", "{schedule_id}"),
            ("/notifications/", "{notification_id}"),
            ("/webhooks/deliveries/", "{delivery_id}"),
            ("/webhooks/", "{webhook_id}"),
            ("/escalation-rules/", "{rule_id}"),
            ("/rules/", "{rule_id}"),
        ):
            if prefix in self.path:
                return name
        return "{asset_id}"


# An id nothing has, for request bodies.
UNKNOWN = str(uuid4())

ENDPOINTS = [
    Endpoint("GET", "/api/v1/organization", Resource.ORGANIZATION, Action.READ),
    Endpoint("PATCH", "/api/v1/organization", Resource.ORGANIZATION, Action.UPDATE, {"name": "N"}),
    Endpoint("GET", "/api/v1/locations", Resource.LOCATION, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/locations",
        Resource.LOCATION,
        Action.CREATE,
        {"code": "PERM", "name": "p", "kind": "site"},
    ),
    Endpoint("GET", "/api/v1/locations/{north}", Resource.LOCATION, Action.READ),
    Endpoint("GET", "/api/v1/locations/{north}/subtree", Resource.LOCATION, Action.READ),
    Endpoint("GET", "/api/v1/locations/{north}/ancestors", Resource.LOCATION, Action.READ),
    Endpoint(
        "PATCH", "/api/v1/locations/{north}", Resource.LOCATION, Action.UPDATE, {"description": "d"}
    ),
    Endpoint("DELETE", "/api/v1/locations/{area}", Resource.LOCATION, Action.DELETE),
    Endpoint("GET", "/api/v1/users", Resource.USER, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/users",
        Resource.USER,
        Action.CREATE,
        {"email": "perm@acme.example.com", "fullName": "P", "role": "requester"},
    ),
    Endpoint("GET", "/api/v1/users/{requester}", Resource.USER, Action.READ),
    Endpoint("PATCH", "/api/v1/users/{requester}", Resource.USER, Action.UPDATE, {"fullName": "Q"}),
    Endpoint("DELETE", "/api/v1/users/{requester}", Resource.USER, Action.DELETE),
    Endpoint("GET", "/api/v1/api-keys", Resource.API_KEY, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/api-keys",
        Resource.API_KEY,
        Action.CREATE,
        {"name": "k", "scopes": ["organization:read"]},
    ),
    Endpoint("GET", "/api/v1/api-keys/{missing}", Resource.API_KEY, Action.READ),
    Endpoint("DELETE", "/api/v1/api-keys/{missing}", Resource.API_KEY, Action.DELETE),
    Endpoint("GET", "/api/v1/assets", Resource.ASSET, Action.READ),
    Endpoint("POST", "/api/v1/assets", Resource.ASSET, Action.CREATE, {"code": "PA", "name": "p"}),
    Endpoint("GET", "/api/v1/assets/nearby?lat=1&lng=1", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}/children", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}/ancestors", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}/subtree", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}/rollup", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}/history", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/{missing}/label", Resource.ASSET, Action.READ),
    Endpoint("GET", "/api/v1/assets/by-label/{missing}", Resource.ASSET, Action.READ),
    Endpoint("PATCH", "/api/v1/assets/{missing}", Resource.ASSET, Action.UPDATE, {"name": "n"}),
    Endpoint("DELETE", "/api/v1/assets/{missing}", Resource.ASSET, Action.DELETE),
    Endpoint("GET", "/api/v1/meters", Resource.ASSET, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/meters",
        Resource.ASSET,
        Action.UPDATE,
        {
            "assetId": "00000000-0000-7000-8000-000000000000",
            "name": "m",
            "unit": "h",
            "kind": "gauge",
        },
    ),
    Endpoint("GET", "/api/v1/meters/{missing}", Resource.ASSET, Action.READ),
    Endpoint("PATCH", "/api/v1/meters/{missing}", Resource.ASSET, Action.UPDATE, {"name": "n"}),
    Endpoint("DELETE", "/api/v1/meters/{missing}", Resource.ASSET, Action.UPDATE),
    Endpoint(
        "POST",
        "/api/v1/meters/{missing}/readings",
        Resource.METER_READING,
        Action.CREATE,
        {"value": 1, "measuredAt": "2026-01-01T00:00:00Z"},
    ),
    Endpoint("GET", "/api/v1/meters/{missing}/readings", Resource.METER_READING, Action.READ),
    Endpoint(
        "GET",
        "/api/v1/meters/{missing}/readings/series?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z",
        Resource.METER_READING,
        Action.READ,
    ),
    Endpoint(
        "POST",
        "/api/v1/meter-readings/bulk",
        Resource.METER_READING,
        Action.CREATE,
        {
            "readings": [
                {
                    "meterId": "00000000-0000-7000-8000-000000000000",
                    "value": 1,
                    "measuredAt": "2026-01-01T00:00:00Z",
                }
            ]
        },
    ),
    Endpoint("GET", "/api/v1/assets/{missing}/downtime", Resource.ASSET, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/assets/{missing}/downtime",
        Resource.ASSET,
        Action.UPDATE,
        {"startedAt": "2026-01-01T00:00:00Z", "kind": "planned"},
    ),
    Endpoint(
        "GET",
        "/api/v1/assets/{missing}/availability?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z",
        Resource.ASSET,
        Action.READ,
    ),
    Endpoint("GET", "/api/v1/downtime/{missing}", Resource.ASSET, Action.READ),
    Endpoint("PATCH", "/api/v1/downtime/{missing}", Resource.ASSET, Action.UPDATE, {"notes": "n"}),
    Endpoint("DELETE", "/api/v1/downtime/{missing}", Resource.ASSET, Action.UPDATE),
    Endpoint("GET", "/api/v1/vendors", Resource.VENDOR, Action.READ),
    Endpoint("POST", "/api/v1/vendors", Resource.VENDOR, Action.CREATE, {"name": "p"}),
    Endpoint("GET", "/api/v1/vendors/nearby?lat=1&lng=1", Resource.VENDOR, Action.READ),
    Endpoint("GET", "/api/v1/vendors/{missing}", Resource.VENDOR, Action.READ),
    Endpoint("PATCH", "/api/v1/vendors/{missing}", Resource.VENDOR, Action.UPDATE, {"name": "n"}),
    Endpoint("DELETE", "/api/v1/vendors/{missing}", Resource.VENDOR, Action.DELETE),
    Endpoint("GET", "/api/v1/contractors", Resource.CONTRACTOR, Action.READ),
    Endpoint("POST", "/api/v1/contractors", Resource.CONTRACTOR, Action.CREATE, {"name": "p"}),
    Endpoint("GET", "/api/v1/contractors/nearby?lat=1&lng=1", Resource.CONTRACTOR, Action.READ),
    Endpoint("GET", "/api/v1/contractors/{missing}", Resource.CONTRACTOR, Action.READ),
    Endpoint(
        "PATCH", "/api/v1/contractors/{missing}", Resource.CONTRACTOR, Action.UPDATE, {"name": "n"}
    ),
    Endpoint("DELETE", "/api/v1/contractors/{missing}", Resource.CONTRACTOR, Action.DELETE),
    Endpoint("GET", "/api/v1/activity-logs", Resource.ACTIVITY_LOG, Action.READ),
    Endpoint("GET", "/api/v1/activity-logs/export", Resource.ACTIVITY_LOG, Action.READ),
    Endpoint("GET", "/api/v1/work-orders", Resource.WORK_ORDER, Action.READ),
    Endpoint("POST", "/api/v1/work-orders", Resource.WORK_ORDER, Action.CREATE, {"title": "t"}),
    Endpoint("GET", "/api/v1/work-orders/{missing}", Resource.WORK_ORDER, Action.READ),
    Endpoint("GET", "/api/v1/work-orders/{missing}/history", Resource.WORK_ORDER, Action.READ),
    Endpoint(
        "PATCH", "/api/v1/work-orders/{missing}", Resource.WORK_ORDER, Action.UPDATE, {"title": "n"}
    ),
    Endpoint("DELETE", "/api/v1/work-orders/{missing}", Resource.WORK_ORDER, Action.DELETE),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/transitions",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"to": "in_progress"},
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/bulk/assign",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"ids": [UNKNOWN], "teamId": UNKNOWN},
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/bulk/transitions",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"ids": [UNKNOWN], "to": "in_progress"},
    ),
    Endpoint("GET", "/api/v1/work-order-templates", Resource.WORK_ORDER_TEMPLATE, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/work-order-templates",
        Resource.WORK_ORDER_TEMPLATE,
        Action.CREATE,
        {"title": "t"},
    ),
    Endpoint(
        "GET", "/api/v1/work-order-templates/{missing}", Resource.WORK_ORDER_TEMPLATE, Action.READ
    ),
    Endpoint(
        "PATCH",
        "/api/v1/work-order-templates/{missing}",
        Resource.WORK_ORDER_TEMPLATE,
        Action.UPDATE,
        {"title": "n"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/work-order-templates/{missing}",
        Resource.WORK_ORDER_TEMPLATE,
        Action.DELETE,
    ),
    Endpoint("GET", "/api/v1/work-orders/{missing}/checklists", Resource.WORK_ORDER, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/checklists",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"name": "c"},
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/checklists/{checklist}/items",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"items": [{"label": "q", "kind": "text"}]},
    ),
    Endpoint(
        "PUT",
        "/api/v1/work-orders/{missing}/checklists/{checklist}/items/{item}/result",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"value": "x"},
    ),
    Endpoint(
        "GET",
        "/api/v1/work-orders/{missing}/checklists/{checklist}/signatures",
        Resource.WORK_ORDER,
        Action.READ,
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/checklists/{checklist}/signatures",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"meaning": "performed"},
    ),
    Endpoint("GET", "/api/v1/teams", Resource.TEAM, Action.READ),
    Endpoint("POST", "/api/v1/teams", Resource.TEAM, Action.CREATE, {"name": "p"}),
    Endpoint("GET", "/api/v1/teams/{missing}", Resource.TEAM, Action.READ),
    Endpoint("PATCH", "/api/v1/teams/{missing}", Resource.TEAM, Action.UPDATE, {"name": "n"}),
    Endpoint("DELETE", "/api/v1/teams/{missing}", Resource.TEAM, Action.DELETE),
    Endpoint("GET", "/api/v1/teams/{missing}/members", Resource.TEAM, Action.READ),
    Endpoint(
        "PUT", "/api/v1/teams/{missing}/members", Resource.TEAM, Action.UPDATE, {"userIds": []}
    ),
    Endpoint("GET", "/api/v1/failure-codes", Resource.FAILURE_CODE, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/failure-codes",
        Resource.FAILURE_CODE,
        Action.CREATE,
        {"kind": "cause", "code": "PC", "name": "p"},
    ),
    # Loading the default set is organization setup.
    Endpoint("POST", "/api/v1/failure-codes/defaults", Resource.ORGANIZATION, Action.UPDATE),
    Endpoint("GET", "/api/v1/failure-codes/{missing}", Resource.FAILURE_CODE, Action.READ),
    Endpoint(
        "PATCH",
        "/api/v1/failure-codes/{missing}",
        Resource.FAILURE_CODE,
        Action.UPDATE,
        {"name": "n"},
    ),
    Endpoint("DELETE", "/api/v1/failure-codes/{missing}", Resource.FAILURE_CODE, Action.DELETE),
    Endpoint("GET", "/api/v1/requests", Resource.REQUEST, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/requests",
        Resource.REQUEST,
        Action.CREATE,
        {"title": "t", "locationId": UNKNOWN},
    ),
    Endpoint("GET", "/api/v1/requests/{missing}", Resource.REQUEST, Action.READ),
    Endpoint("POST", "/api/v1/requests/{missing}/approve", Resource.REQUEST, Action.UPDATE),
    Endpoint(
        "POST",
        "/api/v1/requests/{missing}/reject",
        Resource.REQUEST,
        Action.UPDATE,
        {"reason": "r"},
    ),
    Endpoint("GET", "/api/v1/request-links", Resource.REQUEST_LINK, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/request-links",
        Resource.REQUEST_LINK,
        Action.CREATE,
        {"locationId": UNKNOWN},
    ),
    Endpoint("GET", "/api/v1/request-links/{missing}", Resource.REQUEST_LINK, Action.READ),
    Endpoint("GET", "/api/v1/request-links/{missing}/qr", Resource.REQUEST_LINK, Action.READ),
    Endpoint("DELETE", "/api/v1/request-links/{missing}", Resource.REQUEST_LINK, Action.DELETE),
    Endpoint("GET", "/api/v1/calendar.ics", Resource.WORK_ORDER, Action.READ),
    Endpoint(
        "GET",
        "/api/v1/calendar/events?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
        Resource.WORK_ORDER,
        Action.READ,
    ),
    Endpoint("GET", "/api/v1/calendar/feeds", Resource.WORK_ORDER, Action.READ),
    Endpoint("POST", "/api/v1/calendar/feeds", Resource.WORK_ORDER, Action.READ, {"scope": "user"}),
    Endpoint("DELETE", "/api/v1/calendar/feeds/{missing}", Resource.WORK_ORDER, Action.READ),
    Endpoint("GET", "/api/v1/labor/timer", Resource.WORK_ORDER, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/labor/timer/start",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"workOrderId": UNKNOWN},
    ),
    Endpoint("POST", "/api/v1/labor/timer/stop", Resource.WORK_ORDER, Action.UPDATE),
    Endpoint("GET", "/api/v1/work-orders/{missing}/labor", Resource.WORK_ORDER, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/labor",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"hours": "1"},
    ),
    Endpoint(
        "GET", "/api/v1/work-orders/{missing}/labor/{entry}", Resource.WORK_ORDER, Action.READ
    ),
    Endpoint(
        "PATCH",
        "/api/v1/work-orders/{missing}/labor/{entry}",
        Resource.WORK_ORDER,
        Action.UPDATE,
        {"note": "n"},
    ),
    Endpoint(
        "DELETE", "/api/v1/work-orders/{missing}/labor/{entry}", Resource.WORK_ORDER, Action.UPDATE
    ),
    Endpoint("GET", "/api/v1/crafts", Resource.CRAFT, Action.READ),
    Endpoint(
        "POST", "/api/v1/crafts", Resource.CRAFT, Action.CREATE, {"name": "c", "hourlyRate": "1"}
    ),
    Endpoint("GET", "/api/v1/crafts/{missing}", Resource.CRAFT, Action.READ),
    Endpoint("PATCH", "/api/v1/crafts/{missing}", Resource.CRAFT, Action.UPDATE, {"name": "n"}),
    Endpoint("DELETE", "/api/v1/crafts/{missing}", Resource.CRAFT, Action.DELETE),
    Endpoint("GET", "/api/v1/work-orders/{missing}/comments", Resource.COMMENT, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/comments",
        Resource.COMMENT,
        Action.CREATE,
        {"body": "b"},
    ),
    Endpoint(
        "GET", "/api/v1/work-orders/{missing}/comments/{comment}", Resource.COMMENT, Action.READ
    ),
    Endpoint(
        "PATCH",
        "/api/v1/work-orders/{missing}/comments/{comment}",
        Resource.COMMENT,
        Action.UPDATE,
        {"body": "b"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/work-orders/{missing}/comments/{comment}",
        Resource.COMMENT,
        Action.DELETE,
    ),
    Endpoint(
        "POST",
        "/api/v1/attachments",
        Resource.ATTACHMENT,
        Action.CREATE,
        form={"parentType": "work_order", "parentId": UNKNOWN},
    ),
    Endpoint(
        "GET",
        "/api/v1/attachments?parentType=work_order&parentId=00000000-0000-7000-8000-000000000000",
        Resource.ATTACHMENT,
        Action.READ,
    ),
    Endpoint("GET", "/api/v1/attachments/{missing}", Resource.ATTACHMENT, Action.READ),
    Endpoint("GET", "/api/v1/attachments/{missing}/content", Resource.ATTACHMENT, Action.READ),
    Endpoint("GET", "/api/v1/attachments/{missing}/thumbnail", Resource.ATTACHMENT, Action.READ),
    Endpoint("DELETE", "/api/v1/attachments/{missing}", Resource.ATTACHMENT, Action.DELETE),
    Endpoint("GET", "/api/v1/parts", Resource.PART, Action.READ),
    Endpoint(
        "POST", "/api/v1/parts", Resource.PART, Action.CREATE, {"partNumber": "P", "name": "p"}
    ),
    Endpoint("GET", "/api/v1/parts/{missing}", Resource.PART, Action.READ),
    Endpoint("PATCH", "/api/v1/parts/{missing}", Resource.PART, Action.UPDATE, {"name": "n"}),
    Endpoint("DELETE", "/api/v1/parts/{missing}", Resource.PART, Action.DELETE),
    Endpoint("GET", "/api/v1/parts/{missing}/stock", Resource.STOCK, Action.READ),
    Endpoint(
        "PUT",
        "/api/v1/parts/{missing}/stock/{store}",
        Resource.STOCK,
        Action.UPDATE,
        {"reorderPoint": "1"},
    ),
    Endpoint("GET", "/api/v1/stock-movements", Resource.STOCK, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/stock-movements",
        Resource.STOCK,
        Action.CREATE,
        {"partId": UNKNOWN, "storeroomId": UNKNOWN, "kind": "receipt", "quantity": "1"},
    ),
    Endpoint(
        "POST",
        "/api/v1/stock-movements/{missing}/reverse",
        Resource.STOCK,
        Action.CREATE,
        {"reason": "r"},
    ),
    Endpoint("GET", "/api/v1/reorder-proposals", Resource.STOCK, Action.READ),
    Endpoint("GET", "/api/v1/cycle-counts", Resource.STOCK, Action.READ),
    Endpoint(
        "POST", "/api/v1/cycle-counts", Resource.STOCK, Action.CREATE, {"storeroomId": UNKNOWN}
    ),
    Endpoint("GET", "/api/v1/cycle-counts/{missing}", Resource.STOCK, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/cycle-counts/{missing}/counts",
        Resource.STOCK,
        Action.CREATE,
        {"lines": [{"partId": UNKNOWN, "countedQuantity": "1"}]},
    ),
    Endpoint("POST", "/api/v1/cycle-counts/{missing}/post", Resource.STOCK, Action.CREATE),
    Endpoint("POST", "/api/v1/cycle-counts/{missing}/cancel", Resource.STOCK, Action.CREATE),
    Endpoint("GET", "/api/v1/inventory/value", Resource.STOCK, Action.READ),
    Endpoint(
        "GET",
        "/api/v1/inventory/issues?since=2026-01-01&until=2026-12-31",
        Resource.STOCK,
        Action.READ,
    ),
    Endpoint("GET", "/api/v1/work-orders/{missing}/parts", Resource.WORK_ORDER_PART, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/parts",
        Resource.WORK_ORDER_PART,
        Action.CREATE,
        {"partId": UNKNOWN, "storeroomId": UNKNOWN, "quantity": "1"},
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/parts/{usage}/issue",
        Resource.WORK_ORDER_PART,
        Action.UPDATE,
        {},
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/parts/{usage}/return",
        Resource.WORK_ORDER_PART,
        Action.UPDATE,
        {"quantity": "1"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/work-orders/{missing}/parts/{usage}",
        Resource.WORK_ORDER_PART,
        Action.DELETE,
    ),
    Endpoint("GET", "/api/v1/assets/{missing}/parts", Resource.ASSET, Action.READ),
    Endpoint("PUT", "/api/v1/assets/{missing}/parts/{fitted}", Resource.PART, Action.UPDATE, {}),
    Endpoint("DELETE", "/api/v1/assets/{missing}/parts/{fitted}", Resource.PART, Action.UPDATE),
    Endpoint("GET", "/api/v1/parts/{missing}/vendors", Resource.PART, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/parts/{missing}/vendors",
        Resource.PART,
        Action.UPDATE,
        {"vendorId": UNKNOWN, "price": "1"},
    ),
    Endpoint(
        "PATCH", "/api/v1/vendor-parts/{missing}", Resource.PART, Action.UPDATE, {"price": "1"}
    ),
    Endpoint("DELETE", "/api/v1/vendor-parts/{missing}", Resource.PART, Action.UPDATE),
    Endpoint("GET", "/api/v1/purchase-orders", Resource.PURCHASE_ORDER, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders",
        Resource.PURCHASE_ORDER,
        Action.CREATE,
        {
            "vendorId": UNKNOWN,
            "storeroomId": UNKNOWN,
            "lines": [{"partId": UNKNOWN, "quantity": "1"}],
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/from-reorder-proposals",
        Resource.PURCHASE_ORDER,
        Action.CREATE,
        {},
    ),
    Endpoint("GET", "/api/v1/purchase-orders/{missing}", Resource.PURCHASE_ORDER, Action.READ),
    Endpoint(
        "GET", "/api/v1/purchase-orders/{missing}/print", Resource.PURCHASE_ORDER, Action.READ
    ),
    Endpoint(
        "PATCH",
        "/api/v1/purchase-orders/{missing}",
        Resource.PURCHASE_ORDER,
        Action.UPDATE,
        {"notes": "n"},
    ),
    Endpoint("DELETE", "/api/v1/purchase-orders/{missing}", Resource.PURCHASE_ORDER, Action.DELETE),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/{missing}/transitions",
        Resource.PURCHASE_ORDER,
        Action.UPDATE,
        {"to": "submitted"},
    ),
    Endpoint(
        "GET", "/api/v1/purchase-orders/{missing}/receipts", Resource.PURCHASE_ORDER, Action.READ
    ),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/{missing}/receipts",
        Resource.PURCHASE_ORDER,
        Action.UPDATE,
        {"lines": [{"lineId": UNKNOWN, "quantity": "1"}]},
    ),
    Endpoint("GET", "/api/v1/pm-schedules", Resource.PM_SCHEDULE, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/pm-schedules",
        Resource.PM_SCHEDULE,
        Action.CREATE,
        {
            "name": "PM",
            "templateId": UNKNOWN,
            "assetIds": [UNKNOWN],
            "trigger": {"kind": "time", "rule": "FREQ=WEEKLY", "start": "2026-01-05T08:00:00"},
        },
    ),
    Endpoint("GET", "/api/v1/pm-schedules/{missing}", Resource.PM_SCHEDULE, Action.READ),
    Endpoint(
        "PATCH",
        "/api/v1/pm-schedules/{missing}",
        Resource.PM_SCHEDULE,
        Action.UPDATE,
        {"name": "N"},
    ),
    Endpoint("DELETE", "/api/v1/pm-schedules/{missing}", Resource.PM_SCHEDULE, Action.DELETE),
    Endpoint(
        "GET", "/api/v1/pm-schedules/{missing}/occurrences", Resource.PM_SCHEDULE, Action.READ
    ),
    Endpoint("POST", "/api/v1/pm-schedules/{missing}/run-due", Resource.PM_SCHEDULE, Action.UPDATE),
    Endpoint("GET", "/api/v1/pm-forecast", Resource.PM_SCHEDULE, Action.READ),
    Endpoint("GET", "/api/v1/escalation-rules", Resource.ESCALATION_RULE, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/escalation-rules",
        Resource.ESCALATION_RULE,
        Action.CREATE,
        {
            "name": "E",
            "trigger": "overdue",
            "levels": [{"afterMinutes": 5, "notifyUserIds": [UNKNOWN]}],
        },
    ),
    Endpoint("GET", "/api/v1/escalation-rules/counts", Resource.ESCALATION_RULE, Action.READ),
    Endpoint("GET", "/api/v1/escalation-rules/{missing}", Resource.ESCALATION_RULE, Action.READ),
    Endpoint(
        "PATCH",
        "/api/v1/escalation-rules/{missing}",
        Resource.ESCALATION_RULE,
        Action.UPDATE,
        {"name": "N"},
    ),
    Endpoint(
        "DELETE", "/api/v1/escalation-rules/{missing}", Resource.ESCALATION_RULE, Action.DELETE
    ),
    Endpoint(
        "POST",
        "/api/v1/work-orders/{missing}/escalate",
        Resource.ESCALATION,
        Action.CREATE,
        {"reason": "Urgent"},
    ),
    Endpoint("GET", "/api/v1/webhooks", Resource.WEBHOOK, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/webhooks",
        Resource.WEBHOOK,
        Action.CREATE,
        {"url": "https://hooks.invalid/cmms", "events": ["part.low_stock"]},
    ),
    Endpoint("GET", "/api/v1/webhooks/{missing}", Resource.WEBHOOK, Action.READ),
    Endpoint(
        "PATCH", "/api/v1/webhooks/{missing}", Resource.WEBHOOK, Action.UPDATE, {"enabled": False}
    ),
    Endpoint("DELETE", "/api/v1/webhooks/{missing}", Resource.WEBHOOK, Action.DELETE),
    Endpoint("GET", "/api/v1/webhooks/{missing}/deliveries", Resource.WEBHOOK, Action.READ),
    Endpoint("POST", "/api/v1/webhooks/{missing}/test", Resource.WEBHOOK, Action.UPDATE),
    Endpoint(
        "POST", "/api/v1/webhooks/deliveries/{missing}/replay", Resource.WEBHOOK, Action.UPDATE
    ),
    Endpoint("GET", "/api/v1/rules", Resource.RULE, Action.READ),
    Endpoint(
        "POST",
        "/api/v1/rules",
        Resource.RULE,
        Action.CREATE,
        {
            "name": "r",
            "event": "part.low_stock",
            "actions": [{"type": "notify", "roles": ["admin"]}],
        },
    ),
    Endpoint("GET", "/api/v1/rules/{missing}", Resource.RULE, Action.READ),
    Endpoint("PATCH", "/api/v1/rules/{missing}", Resource.RULE, Action.UPDATE, {"enabled": False}),
    Endpoint("DELETE", "/api/v1/rules/{missing}", Resource.RULE, Action.DELETE),
    Endpoint("GET", "/api/v1/rules/{missing}/executions", Resource.RULE, Action.READ),
    Endpoint(
        "POST", "/api/v1/rules/{missing}/dry-run", Resource.RULE, Action.READ, {"entityId": UNKNOWN}
    ),
]


def _self(method: str, path: str, body: dict[str, object] | None = None) -> Endpoint:
    return Endpoint(method, path, None, None, body)


# The caller's own account: every role through a session, no API key whatever its scopes.
SELF_SERVICE = [
    _self("GET", "/api/v1/auth/me"),
    _self("PATCH", "/api/v1/auth/me", {"locale": "fr"}),
    _self("GET", "/api/v1/auth/sessions"),
    _self("DELETE", "/api/v1/auth/sessions/{missing}"),
    _self("POST", "/api/v1/auth/password", {"currentPassword": "wrong", "newPassword": "x" * 12}),
    _self("POST", "/api/v1/auth/mfa/enrol"),
    _self("POST", "/api/v1/auth/mfa/confirm", {"code": "000000"}),
    _self("POST", "/api/v1/auth/mfa/backup-codes", {"code": "000000"}),
    _self("POST", "/api/v1/auth/mfa/disable", {"password": "wrong", "code": "000000"}),
    _self("POST", "/api/v1/auth/logout-all"),
    _self("POST", "/api/v1/auth/logout"),
    # A person's own notifications, whatever their role.
    _self("GET", "/api/v1/notifications"),
    _self("GET", "/api/v1/notifications/unread-count"),
    _self("POST", "/api/v1/notifications/{missing}/read"),
    _self("POST", "/api/v1/notifications/read-all"),
    _self("GET", "/api/v1/notification-preferences"),
    _self(
        "PUT",
        "/api/v1/notification-preferences",
        {"items": [{"type": "mention", "channel": "email", "enabled": True}]},
    ),
]
# Endless answers: refusals are checked here, the stream itself over a real server
# (tests/notification/test_stream.py).
STREAMING = [_self("GET", "/api/v1/notifications/stream")]
# Before any principal: they read no credentials, so neither a role nor a key changes them.
PUBLIC = {
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    # Secret-URL access (D4): the token in the path is the credential.
    ("GET", "/public/r/{token}"),
    ("POST", "/public/r/{token}"),
    ("POST", "/public/r/{token}/requests/{request_id}/photos"),
    ("GET", "/public/calendar/{token}.ics"),
}
EVERY = ENDPOINTS + SELF_SERVICE + STREAMING
NARROW = "meter_reading:create"


def _fill(endpoint: Endpoint, tenant: Tenant) -> str:
    return endpoint.path.format(
        north=tenant.north.id,
        area=tenant.north_area.id,
        requester=tenant.users["requester"].id,
        missing=uuid4(),
        checklist=uuid4(),
        item=uuid4(),
        entry=uuid4(),
        comment=uuid4(),
        usage=uuid4(),
        fitted=uuid4(),
        store=tenant.north.id,
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_each_role_gets_exactly_what_the_matrix_grants(
    client: httpx.AsyncClient, acme: Tenant, endpoint: Endpoint
) -> None:
    """Every role against one tenant (a tenant per endpoint, not per role: the fixture is most
    of the cost). Refused roles go first: a refusal changes nothing, while a granted request
    may (deleting the requester ends the requester's session)."""
    resource, action = endpoint.resource, endpoint.action
    assert resource is not None
    assert action is not None
    grants = {role: MATRIX[role].get(resource, {}).get(action) for role in ROLES}
    for role in sorted(ROLES, key=lambda r: grants[r] is not None):
        response = await client.request(
            endpoint.method, _fill(endpoint, acme), headers=acme.headers(role), **endpoint.payload()
        )
        if grants[role] is None:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["code"] == "permission_denied"
        else:
            # Granted: whatever the outcome (done, not found in scope, invalid), never a refusal.
            assert response.status_code in {200, 201, 204, 404, 409, 422}, (role, response.text)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", SELF_SERVICE, ids=lambda e: f"{e.method} {e.path}")
async def test_every_role_manages_its_own_account_through_a_session(
    client: httpx.AsyncClient, acme: Tenant, role: str, endpoint: Endpoint
) -> None:
    response = await client.request(
        endpoint.method, _fill(endpoint, acme), headers=acme.headers(role), **endpoint.payload()
    )
    assert response.status_code in {200, 204, 404, 409, 422}, response.text


async def _key(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, scopes: frozenset[str]
) -> dict[str, str]:
    return bearer(await make_api_key(sessions, tenant.users["admin"], scopes))


@pytest.mark.parametrize("endpoint", EVERY, ids=lambda e: f"{e.method} {e.path}")
async def test_a_narrow_api_key_reaches_its_scope_and_nothing_else(
    client: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    endpoint: Endpoint,
) -> None:
    """The owner is an admin (every grant), so only the key's scope can refuse."""
    headers = await _key(sessions, acme, frozenset({NARROW}))
    response = await client.request(
        endpoint.method, _fill(endpoint, acme), headers=headers, **endpoint.payload()
    )
    if endpoint.scope == NARROW:
        assert response.status_code in {200, 201, 404, 422}, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("endpoint", SELF_SERVICE + STREAMING, ids=lambda e: f"{e.method} {e.path}")
async def test_no_api_key_reaches_the_account_whatever_its_scopes(
    client: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    endpoint: Endpoint,
) -> None:
    headers = await _key(sessions, acme, API_KEY_SCOPES)
    response = await client.request(
        endpoint.method, _fill(endpoint, acme), headers=headers, **endpoint.payload()
    )
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize("endpoint", EVERY, ids=lambda e: f"{e.method} {e.path}")
async def test_without_credentials_every_endpoint_is_401(
    client: httpx.AsyncClient, acme: Tenant, endpoint: Endpoint
) -> None:
    response = await client.request(endpoint.method, _fill(endpoint, acme), **endpoint.payload())
    assert response.status_code == 401


def test_every_api_route_is_in_the_permission_table(settings: Settings) -> None:
    """Read from the OpenAPI document, the one public list of every route and method."""
    paths = create_app(settings).openapi()["paths"]
    declared = {(e.method, e.route.split("?")[0]) for e in EVERY} | PUBLIC
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(("/api/v1/", "/public/"))
        for method in operations
    }
    assert routes, "the OpenAPI document lists the API"
    assert routes - declared == set(), "routes without a permission test"
    assert declared - routes == set(), "permission tests for routes that do not exist"
