"""The demo stores: a couple of hundred spare parts in two storerooms, who sells them, and
a year of receipts and adjustments that end in today's balances (some at or below their
reorder point). Deterministic; seeded once."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.models import Part

# (number prefix, name, category, unit, manufacturer, base price, sizes)
FAMILIES = (
    (
        "BRG",
        "Deep groove ball bearing",
        "bearings",
        "each",
        "SKF",
        9,
        ("6203", "6204", "6205", "6206", "6207", "6208", "6305", "6306"),
    ),
    (
        "SEAL",
        "Mechanical seal",
        "seals",
        "each",
        "John Crane",
        85,
        ("22 mm", "28 mm", "35 mm", "45 mm"),
    ),
    (
        "ORING",
        "O-ring NBR",
        "seals",
        "each",
        "Trelleborg",
        0.6,
        ("10x2", "20x3", "30x3", "50x4", "80x5"),
    ),
    ("FLT", "Hydraulic filter element", "filters", "each", "Hydac", 42, ("10 um", "25 um")),
    ("AIRF", "Air filter cartridge", "filters", "each", "Mann+Hummel", 31, ("C14", "C20", "C25")),
    (
        "BELT",
        "V-belt SPZ",
        "belts",
        "each",
        "Optibelt",
        12,
        ("1000", "1250", "1400", "1600", "1800"),
    ),
    ("GRS", "Bearing grease", "lubricants", "kg", "Klueber", 24, ("NLGI 2", "NLGI 3")),
    ("OIL", "Gear oil", "lubricants", "l", "Shell", 7.5, ("ISO VG 220", "ISO VG 320")),
    ("FUSE", "Fuse gG", "electrical", "each", "Siemens", 3.2, ("10 A", "16 A", "25 A", "32 A")),
    ("CONT", "Contactor", "electrical", "each", "Siemens", 48, ("9 A", "18 A", "32 A")),
    ("SENS", "Inductive proximity sensor", "sensors", "each", "IFM", 65, ("M12", "M18", "M30")),
    ("VALV", "Ball valve", "valves", "each", "Festo", 38, ("DN15", "DN25", "DN40", "DN50")),
    (
        "BOLT",
        "Hex bolt 8.8 zinc",
        "fasteners",
        "each",
        "Wuerth",
        0.25,
        ("M8x30", "M10x40", "M12x50", "M16x60"),
    ),
)
# The demo vendor who sells each category (plant.VENDORS).
SOLD_BY = {
    "bearings": "V-SKF",
    "lubricants": "V-LUBE",
    "electrical": "V-SIEM",
    "sensors": "V-IFM",
}
DEFAULT_VENDOR = "V-GRUN"
# Grades per size.
GRADES = ("", " heavy duty", " food grade", " stainless")


@dataclass(frozen=True, slots=True)
class _Stocked:
    part_id: UUID
    storeroom_id: UUID
    price: Decimal
    reorder_point: Decimal
    max_quantity: Decimal
    low: bool


async def seed_stores(
    session: AsyncSession, organization_id: UUID, storerooms: list[UUID], now: datetime
) -> None:
    exists = await session.scalar(
        select(Part.id).where(Part.organization_id == organization_id).limit(1)
    )
    if exists is not None:
        return
    rng = random.Random(20261202)
    parts = _parts(organization_id, rng)
    await session.execute(_INSERT_PART, parts)
    found = await session.execute(
        text("SELECT code, id FROM vendors WHERE organization_id = :org AND code IS NOT NULL"),
        {"org": organization_id},
    )
    vendors: dict[str, UUID] = dict(found.all())
    await session.execute(_INSERT_VENDOR_PART, _vendor_parts(organization_id, parts, vendors, rng))
    stocked = [
        _Stocked(
            part["id"],
            storeroom,
            part["default_unit_cost"],
            Decimal(rng.randint(2, 10)),
            Decimal(rng.randint(20, 60)),
            rng.random() < 0.1,
        )
        for part in parts
        for index, storeroom in enumerate(storerooms)
        if index == 0 or rng.random() < 0.6
    ]
    movements, balances = _history(organization_id, stocked, now, rng)
    await session.execute(_INSERT_STOCK, balances)
    await session.execute(_INSERT_MOVEMENT, movements)
    await _open_orders(session, organization_id, storerooms[0], vendors, parts, now)


# Two open orders: one placed with the bearing supplier (due in five days), one for
# lubricants waiting for a manager's approval.
OPEN_ORDERS = (("V-SKF", "bearings", "ordered", 5), ("V-LUBE", "lubricants", "submitted", 12))


async def _open_orders(
    session: AsyncSession,
    organization_id: UUID,
    storeroom: UUID,
    vendors: dict[str, UUID],
    parts: list[dict[str, Any]],
    now: datetime,
) -> None:
    await session.execute(
        text("SELECT set_config('app.organization_id', :org, true)"), {"org": str(organization_id)}
    )
    last = await session.scalar(
        text("SELECT last_number FROM app.take_numbers('purchase_order', :n)"),
        {"n": len(OPEN_ORDERS)},
    )
    assert isinstance(last, int)
    for offset, (vendor, category, status, due_in) in enumerate(OPEN_ORDERS):
        lines = [part for part in parts if part["category"] == category][:4]
        order_id = uuid7()
        total = sum((part["default_unit_cost"] * 20 for part in lines), Decimal(0))
        await session.execute(
            _INSERT_ORDER,
            {
                "id": order_id,
                "org": organization_id,
                "number": f"PO-{last - len(OPEN_ORDERS) + 1 + offset:06d}",
                "vendor": vendors[vendor],
                "store": storeroom,
                "status": status,
                "due": (now + timedelta(days=due_in)).date(),
                "total": total.quantize(Decimal("0.01")),
                "at": now - timedelta(days=2),
                "approved": now - timedelta(days=2) if status == "ordered" else None,
                "ordered": now - timedelta(days=1) if status == "ordered" else None,
            },
        )
        await session.execute(
            _INSERT_ORDER_LINE,
            [
                {
                    "id": uuid7(),
                    "org": organization_id,
                    "order": order_id,
                    "part": part["id"],
                    "price": part["default_unit_cost"],
                    "number": f"VP-{part['part_number']}",
                }
                for part in lines
            ],
        )


def _parts(organization_id: UUID, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for prefix, name, category, unit, maker, base, sizes in FAMILIES:
        for size in sizes:
            for grade_index, grade in enumerate(GRADES):
                number = f"{prefix}-{size.replace(' ', '').upper()}-{grade_index + 1}"
                price = Decimal(str(base * (1 + 0.4 * grade_index) * rng.uniform(0.9, 1.1)))
                rows.append(
                    {
                        "id": uuid7(),
                        "org": organization_id,
                        "part_number": number,
                        "name": f"{name} {size}{grade}",
                        "category": category,
                        "unit": unit,
                        "manufacturer": maker,
                        "mpn": f"{maker[:3].upper()}-{size.replace(' ', '')}{grade_index}",
                        "criticality": rng.choice(("low", "medium", "medium", "high", "critical")),
                        "default_unit_cost": price.quantize(Decimal("0.0001")),
                        "description": f"{name} {size}{grade} for the plant's {category}.",
                    }
                )
    return rows


def _vendor_parts(
    organization_id: UUID,
    parts: list[dict[str, Any]],
    vendors: dict[str, UUID],
    rng: random.Random,
) -> list[dict[str, object]]:
    rows = []
    for part in parts:
        vendor = vendors.get(SOLD_BY.get(str(part["category"]), DEFAULT_VENDOR))
        if vendor is None:
            continue
        price = part["default_unit_cost"]
        assert isinstance(price, Decimal)
        rows.append(
            {
                "id": uuid7(),
                "org": organization_id,
                "vendor": vendor,
                "part": part["id"],
                "number": f"VP-{part['part_number']!s}",
                "price": (price * Decimal(str(rng.uniform(0.92, 1.05)))).quantize(
                    Decimal("0.0001")
                ),
                "lead": rng.choice((2, 3, 5, 7, 10, 14, 21)),
                "moq": rng.choice((None, None, Decimal(5), Decimal(10))),
            }
        )
    return rows


def _history(
    organization_id: UUID, stocked: list[_Stocked], now: datetime, rng: random.Random
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """A year of receipts (at prices that drift) and the odd loss per stock row, then one
    movement that brings it to today's balance (at or below the reorder point for the low
    ones); the balance row carries what they sum to and their moving-average cost."""
    movements: list[dict[str, object]] = []
    balances: list[dict[str, object]] = []
    for row in stocked:
        history = _Row(organization_id, row, now - timedelta(days=360))
        for _ in range(rng.randint(2, 5)):
            history.when += timedelta(days=rng.randint(20, 60))
            cost = row.price * Decimal(str(rng.uniform(0.95, 1.08)))
            history.receive(Decimal(rng.randint(5, 40)), cost)
            if history.on_hand > 2 and rng.random() < 0.4:
                lost = Decimal(rng.randint(1, int(history.on_hand) // 2))
                history.adjust(-lost, rng.choice(LOSSES))
        low = int(row.reorder_point)
        target = rng.randint(0, low) if row.low else rng.randint(low + 1, int(row.max_quantity))
        history.when = now - timedelta(days=rng.randint(1, 20))
        missing = Decimal(target) - history.on_hand
        if missing > 0:
            history.receive(missing, row.price)
        else:
            history.adjust(missing, "issued before the system")
        movements += history.movements
        balances.append(
            {
                "id": uuid7(),
                "org": organization_id,
                "part": row.part_id,
                "store": row.storeroom_id,
                "on_hand": history.on_hand,
                "average": history.average,
                "reorder_point": row.reorder_point,
                "max_quantity": row.max_quantity,
                "bin": f"{rng.choice('ABCD')}-{rng.randint(1, 12):02d}-{rng.randint(1, 5)}",
            }
        )
    return movements, balances


LOSSES = ("damaged in handling", "consumed without a work order", "count correction")
UNIT = Decimal("0.0001")


class _Row:
    """One stock row's history as it is written: movements with their balance after."""

    def __init__(self, organization_id: UUID, row: _Stocked, start: datetime) -> None:
        self.organization_id, self.row, self.when = organization_id, row, start
        self.on_hand, self.average = Decimal(0), Decimal(0)
        self.movements: list[dict[str, object]] = []

    def receive(self, quantity: Decimal, cost: Decimal) -> None:
        cost = cost.quantize(UNIT)
        total = self.on_hand * self.average + quantity * cost
        self.on_hand += quantity
        self.average = (total / self.on_hand).quantize(UNIT)
        self._write("receipt", quantity, cost, None)

    def adjust(self, quantity: Decimal, reason: str) -> None:
        if quantity == 0:
            return
        self.on_hand += quantity
        self._write("adjustment", quantity, self.average, reason)

    def _write(self, kind: str, quantity: Decimal, cost: Decimal, reason: str | None) -> None:
        self.movements.append(
            {
                "id": uuid7(),
                "org": self.organization_id,
                "part": self.row.part_id,
                "store": self.row.storeroom_id,
                "kind": kind,
                "quantity": quantity,
                "cost": cost,
                "balance": self.on_hand,
                "reason": reason,
                "at": self.when,
            }
        )


_INSERT_PART = text("""
INSERT INTO parts (id, organization_id, part_number, name, description, category, unit,
                   manufacturer, manufacturer_part_number, criticality, default_unit_cost)
VALUES (:id, :org, :part_number, :name, :description, :category, :unit, :manufacturer, :mpn,
        :criticality, :default_unit_cost)
""")
_INSERT_VENDOR_PART = text("""
INSERT INTO vendor_parts (id, organization_id, vendor_id, part_id, vendor_part_number, price,
                          currency, lead_time_days, minimum_order_quantity, preferred)
VALUES (:id, :org, :vendor, :part, :number, :price, 'EUR', :lead, :moq, true)
""")
_INSERT_STOCK = text("""
INSERT INTO parts_inventory (id, organization_id, part_id, storeroom_id, bin, on_hand,
                             average_unit_cost, reorder_point, max_quantity)
VALUES (:id, :org, :part, :store, :bin, :on_hand, :average, :reorder_point, :max_quantity)
""")
_INSERT_MOVEMENT = text("""
INSERT INTO stock_movements (id, organization_id, part_id, storeroom_id, kind, quantity,
                             unit_cost, balance_after, reason, occurred_at)
VALUES (:id, :org, :part, :store, :kind, :quantity, :cost, :balance, :reason, :at)
""")
_INSERT_ORDER = text("""
INSERT INTO purchase_orders (id, organization_id, number, vendor_id, storeroom_id, status,
                             currency, expected_on, total, submitted_at, approved_at, ordered_at)
VALUES (:id, :org, :number, :vendor, :store, :status, 'EUR', :due, :total, :at, :approved,
        :ordered)
""")
_INSERT_ORDER_LINE = text("""
INSERT INTO purchase_order_lines (id, organization_id, purchase_order_id, part_id, quantity,
                                  unit_price, vendor_part_number)
VALUES (:id, :org, :order, :part, 20, :price, :number)
""")
