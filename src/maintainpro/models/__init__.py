"""Every ORM table; Alembic imports this package as its single source of metadata."""

from maintainpro.models.activity_log import ActivityLog
from maintainpro.models.asset import Asset
from maintainpro.models.attachment import Attachment
from maintainpro.models.base import Base
from maintainpro.models.calendar import CalendarEvent, CalendarFeed
from maintainpro.models.checklist import (
    Checklist,
    ChecklistItem,
    ChecklistSignature,
    WorkOrderTemplate,
)
from maintainpro.models.comment import Comment, CommentMention
from maintainpro.models.credential import ApiKey, MfaBackupCode, PasswordResetToken
from maintainpro.models.escalation import EscalationRule, WorkOrderEscalation
from maintainpro.models.idempotency import IdempotencyKey
from maintainpro.models.inventory import (
    AssetPart,
    CycleCount,
    CycleCountLine,
    Part,
    PartStock,
    StockMovement,
    VendorPart,
    WorkOrderPart,
)
from maintainpro.models.labor import Craft, LaborEntry
from maintainpro.models.location import Location
from maintainpro.models.maintenance_log import MaintenanceLog
from maintainpro.models.meter import DowntimeEvent, Meter, MeterReading
from maintainpro.models.notification import Notification, NotificationPreference
from maintainpro.models.organization import Organization
from maintainpro.models.outbox import OutboxEvent
from maintainpro.models.pm import PmOccurrence, PmSchedule, PmScheduleAsset
from maintainpro.models.purchasing import PurchaseOrder, PurchaseOrderLine, PurchaseOrderReceipt
from maintainpro.models.request import MaintenanceRequest, RequestLink
from maintainpro.models.rule import Rule, RuleExecution
from maintainpro.models.session import RefreshToken, UserSession
from maintainpro.models.throttle import AuthThrottle, RateLimitWindow
from maintainpro.models.user import GrantableRole, User, UserSite
from maintainpro.models.vendor import Contractor, Vendor
from maintainpro.models.webhook import WebhookAttempt, WebhookDelivery, WebhookSubscription
from maintainpro.models.work_order import (
    FailureCode,
    Team,
    TeamMember,
    WorkOrder,
    WorkOrderAsset,
    WorkOrderAssignee,
    WorkOrderNumber,
    WorkOrderTransition,
)

__all__ = [
    "ActivityLog",
    "ApiKey",
    "Asset",
    "AssetPart",
    "Attachment",
    "AuthThrottle",
    "Base",
    "CalendarEvent",
    "CalendarFeed",
    "Checklist",
    "ChecklistItem",
    "ChecklistSignature",
    "Comment",
    "CommentMention",
    "Contractor",
    "Craft",
    "CycleCount",
    "CycleCountLine",
    "DowntimeEvent",
    "EscalationRule",
    "FailureCode",
    "GrantableRole",
    "IdempotencyKey",
    "LaborEntry",
    "Location",
    "MaintenanceLog",
    "MaintenanceRequest",
    "Meter",
    "MeterReading",
    "MfaBackupCode",
    "Notification",
    "NotificationPreference",
    "Organization",
    "OutboxEvent",
    "Part",
    "PartStock",
    "PasswordResetToken",
    "PmOccurrence",
    "PmSchedule",
    "PmScheduleAsset",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderReceipt",
    "RateLimitWindow",
    "RefreshToken",
    "RequestLink",
    "Rule",
    "RuleExecution",
    "StockMovement",
    "Team",
    "TeamMember",
    "User",
    "UserSession",
    "UserSite",
    "Vendor",
    "VendorPart",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkOrder",
    "WorkOrderAsset",
    "WorkOrderAssignee",
    "WorkOrderEscalation",
    "WorkOrderNumber",
    "WorkOrderPart",
    "WorkOrderTemplate",
    "WorkOrderTransition",
]
