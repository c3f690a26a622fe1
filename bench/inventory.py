"""Inventory in the benchmark: its data, the SQL the floor runs, the floor's routes and the
inputs of the load scripts.

Data (per tenant, set-based SQL as the maintenance role): two storerooms `ST-1` and `ST-2` at
the site, PARTS parts numbered `P-000001...` (names in md5 order, so a page by name is not the
insertion order), every part stocked in both storerooms with OPENING on hand at its default
cost and an opening receipt each in the ledger (the balance is the sum of the movements, as the
ledger check wants), and 2 x ISSUE_ROWS planned lines: the first open or completed work orders
after the transition scenario's, line n on part n, reserving PLANNED of it, odd lines from
`ST-1` (the API's), even ones from `ST-2` (the floor's). Each side writes to its own
storeroom only (receipts and issues), so neither side's rows carry the other's updates.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from fastapi import FastAPI, HTTPException, Response
from sqlalchemy import Connection, text
from uuid_utils.compat import uuid7

from bench import work_orders
from maintainpro.core.pagination import Page, encode_cursor
from maintainpro.core.schemas import WriteSchema
from maintainpro.inventory.schemas import (
    MovementList,
    MovementRead,
    PartRead,
    Quantity,
    StockList,
    StockRead,
    UnitCost,
    UsageRead,
)
from maintainpro.inventory.usage import WORKABLE

if TYPE_CHECKING:
    from bench.fixtures import Fixtures
    from bench.floor import Floor
    from bench.scenarios import Side

PARTS = 10_000  # per tenant
STOREROOMS = ("ST-1", "ST-2")  # the API's, the floor's (work_orders.SIDES order)
OPENING = 100_000  # on hand per stock row: a run issues about 20 per line
ISSUE_ROWS = 1024  # planned lines per side, one per work order and part
PLANNED = 2  # each line's planned and reserved quantity
PAGE = 50
# Part n's default cost, also its stock's average cost.
_COST = "0.5 + (n % 400) * 0.75"

_STOREROOMS = text(
    """
    INSERT INTO locations (id, organization_id, code, name, kind, parent_id, site_id)
    SELECT app.uuidv7(), s.organization_id, c.code, 'Storeroom ' || c.code, 'storeroom', s.id,
           s.id
    FROM locations AS s, unnest(CAST(:codes AS text[])) AS c(code)
    WHERE s.organization_id = CAST(:org AS uuid) AND s.kind = 'site'
    """
)
_PARTS = text(
    f"""
    INSERT INTO parts (id, organization_id, part_number, name, description, category,
                       manufacturer, manufacturer_part_number, barcode, criticality,
                       default_unit_cost, created_by, updated_by)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'P-' || lpad(n::text, 6, '0'),
           (ARRAY['Bearing','Seal','Filter','V-belt','Fuse','Valve','Sensor','Gasket'])[1 + n % 8]
             || ' ' || left(md5(n::text), 8),
           'spare for pump line ' || (n % 97),
           (ARRAY['bearings','seals','filters','belts','electrical','valves','sensors',
                  'gaskets'])[1 + n % 8],
           'Acme' || (n % 100), 'M-' || n, 'BC' || lpad(n::text, 10, '0'),
           (ARRAY['low','medium','high','critical'])[1 + n % 4],
           {_COST}, CAST(:admin AS uuid), CAST(:admin AS uuid)
    FROM generate_series(1, :parts) AS n
    """
)
# As in work_orders.py, the rows of this transaction are picked by position from arrays (no
# join planned without statistics): line n takes part n and storeroom 2 - n % 2.
_PICKS = """
    WITH picks AS (
      SELECT (SELECT array_agg(id ORDER BY part_number) FROM parts
              WHERE organization_id = CAST(:org AS uuid)) AS parts,
             (SELECT array_agg(id ORDER BY code) FROM locations
              WHERE organization_id = CAST(:org AS uuid) AND kind = 'storeroom') AS stores
    )"""
_LINES = text(
    f"""{_PICKS}, open AS (
      SELECT id, row_number() OVER (ORDER BY number) AS n
      FROM (SELECT id, number FROM work_orders
            WHERE organization_id = CAST(:org AS uuid) AND number > :after
              AND status = ANY(:workable)
            ORDER BY number LIMIT :lines) AS w
    )
    INSERT INTO work_order_parts_used (id, organization_id, work_order_id, part_id, storeroom_id,
                                       planned, planned_quantity, reserved_quantity, notes,
                                       created_by, updated_by)
    SELECT app.uuidv7(), CAST(:org AS uuid), open.id, parts[n], stores[2 - n % 2], true,
           :planned, :planned, 'bench', CAST(:admin AS uuid), CAST(:admin AS uuid)
    FROM open, picks
    """
)
# Every part in both storerooms; the rows the lines reserve from hold their reservation.
_STOCK = text(
    f"""{_PICKS}
    INSERT INTO parts_inventory (id, organization_id, part_id, storeroom_id, bin, on_hand,
                                 reserved, min_quantity, reorder_point, max_quantity,
                                 average_unit_cost, created_by, updated_by)
    SELECT app.uuidv7(), CAST(:org AS uuid), parts[n], stores[k], 'R' || (n % 40) || '-' || k,
           :opening, CASE WHEN n <= :lines AND k = 2 - n % 2 THEN :planned ELSE 0 END,
           10, 20, 2 * :opening, {_COST}, CAST(:admin AS uuid), CAST(:admin AS uuid)
    FROM picks, generate_series(1, cardinality(parts)) AS n, generate_series(1, 2) AS k
    """
)
_OPENING = text(
    """
    INSERT INTO stock_movements (id, organization_id, part_id, storeroom_id, kind, quantity,
                                 unit_cost, balance_after, reason, occurred_at, created_by)
    SELECT app.uuidv7(), organization_id, part_id, storeroom_id, 'receipt', on_hand,
           average_unit_cost, on_hand, 'opening balance', now() - interval '30 days', created_by
    FROM parts_inventory WHERE organization_id = CAST(:org AS uuid)
    """
)


def build(conn: Connection, org: str, admin: str) -> None:
    """One tenant's storerooms, parts, stock and planned lines (its work orders exist)."""
    after = work_orders.number(work_orders.TRANSITION_ROWS * len(work_orders.SIDES))
    params = {
        "org": org,
        "admin": admin,
        "codes": list(STOREROOMS),
        "parts": PARTS,
        "opening": OPENING,
        "planned": PLANNED,
        "after": after,
        "workable": sorted(WORKABLE),
        "lines": ISSUE_ROWS * len(work_orders.SIDES),
    }
    conn.execute(_STOREROOMS, params)
    conn.execute(_PARTS, params)
    # A small tenant may have fewer work orders to plan on: the stock reserves what they got.
    params["lines"] = conn.execute(_LINES, params).rowcount
    conn.execute(_STOCK, params)
    conn.execute(_OPENING, params)


# ---------------------------------------------------------------------------------------------
# The SQL, verbatim from the API's SQL trace (`MAINTAINPRO_LOG__SQL=true`, one request each,
# an admin: no site scope): the ORM's statements, the reference check and the ledger's
# statements (`inventory/ledger.py`, compiled once).

_PART_COLUMNS = (
    "parts.id, parts.organization_id, parts.part_number, parts.name, parts.description,"
    " parts.category, parts.unit, parts.manufacturer, parts.manufacturer_part_number,"
    " parts.barcode, parts.criticality, parts.default_unit_cost, parts.search_vector,"
    " parts.created_at, parts.updated_at, parts.created_by, parts.updated_by, parts.deleted_at,"
    " parts.version"
)
# $1 organization, $2 page size + 1. The ORM entity: the search vector comes along.
FIRST_PAGE = (
    f"SELECT {_PART_COLUMNS} \nFROM parts \n"
    "WHERE parts.organization_id = $1::UUID AND parts.deleted_at IS NULL"
    " ORDER BY parts.name, parts.id \n LIMIT $2::INTEGER"
)
# $1 organization, $2 part: the live part, then its stock rows.
PART_FOUND = (
    "SELECT parts.id \nFROM parts \nWHERE parts.organization_id = $1::UUID"
    " AND parts.id = $2::UUID AND parts.deleted_at IS NULL"
)
STOCK = (
    "SELECT parts_inventory.id, parts_inventory.organization_id, parts_inventory.part_id,"
    " parts_inventory.storeroom_id, parts_inventory.bin, parts_inventory.on_hand,"
    " parts_inventory.reserved, parts_inventory.min_quantity, parts_inventory.reorder_point,"
    " parts_inventory.max_quantity, parts_inventory.average_unit_cost,"
    " parts_inventory.created_at, parts_inventory.updated_at, parts_inventory.created_by,"
    " parts_inventory.updated_by, parts_inventory.version \nFROM parts_inventory \n"
    "WHERE parts_inventory.organization_id = $1::UUID AND parts_inventory.part_id = $2::UUID"
    " ORDER BY parts_inventory.storeroom_id"
)
# $1 organization, $2 part, $3 storeroom ids: the part's default cost and the storerooms.
REFERENCES = """
SELECT (SELECT p.default_unit_cost FROM parts p
        WHERE p.organization_id = $1 AND p.id = $2 AND p.deleted_at IS NULL) AS part_cost,
       array(SELECT ARRAY[l.id, l.site_id] FROM locations l
             WHERE l.organization_id = $1 AND l.id = ANY(CAST($3 AS uuid[]))
               AND l.kind = 'storeroom' AND l.deleted_at IS NULL) AS storerooms
"""
_MOVEMENT = (
    "id, part_id, storeroom_id, kind, quantity, unit_cost, balance_after, work_order_id,"
    " usage_id, reverses_id, transfer_id, reason, occurred_at, created_by"
)


def _moved(values: str) -> str:
    """The ledger's movement, written by the same statement as the balance (`moved`)."""
    return f""", moved AS (
  INSERT INTO stock_movements (id, organization_id, part_id, storeroom_id, kind, quantity,
    unit_cost, balance_after, work_order_id, usage_id, reverses_id, transfer_id, reason,
    created_by)
  SELECT {values}
  FROM stock
  RETURNING {_MOVEMENT}
)"""


# Into stock, the moving average taking the receipt's price in, and its movement: $1 stock row
# id (a new row only), $2 organization, $3 part, $4 storeroom, $5 quantity, $6 unit cost,
# $7 user, $8 revalue, $9 movement id, $10 kind, $11 signed quantity, $12-$16 work order,
# line, reversed movement, transfer, reason.
ADD = (
    """WITH stock AS (
  INSERT INTO parts_inventory AS s (id, organization_id, part_id, storeroom_id, on_hand,
    average_unit_cost, created_by, updated_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
  ON CONFLICT (organization_id, part_id, storeroom_id) DO UPDATE SET
    on_hand = s.on_hand + EXCLUDED.on_hand,
    average_unit_cost = CASE WHEN CAST($8 AS boolean) THEN round(
      (s.on_hand * s.average_unit_cost + EXCLUDED.on_hand * EXCLUDED.average_unit_cost)
      / (s.on_hand + EXCLUDED.on_hand), 4) ELSE s.average_unit_cost END,
    updated_at = now(), updated_by = EXCLUDED.updated_by
  RETURNING s.on_hand, s.average_unit_cost
)"""
    + _moved(
        "$9, $2, $3, $4, $10, $11, CASE WHEN CAST($8 AS boolean) THEN $6"
        " ELSE stock.average_unit_cost END, stock.on_hand,\n    $12, $13, $14, $15, $16, $7"
    )
    + " SELECT moved.* FROM moved"
)
# The work order, locked (the line's changes hold it first): $1 organization, $2 id.
WORK_ORDER_FOR_UPDATE = f"{work_orders.BY_ID} FOR NO KEY UPDATE OF work_orders"
# $1 organization, $2 work order, $3 line.
LINE = (
    "SELECT work_order_parts_used.id, work_order_parts_used.organization_id,"
    " work_order_parts_used.work_order_id, work_order_parts_used.part_id,"
    " work_order_parts_used.storeroom_id, work_order_parts_used.planned_quantity,"
    " work_order_parts_used.reserved_quantity, work_order_parts_used.issued_quantity,"
    " work_order_parts_used.returned_quantity, work_order_parts_used.cost,"
    " work_order_parts_used.notes, work_order_parts_used.planned,"
    " work_order_parts_used.created_at, work_order_parts_used.updated_at,"
    " work_order_parts_used.created_by, work_order_parts_used.updated_by,"
    " work_order_parts_used.version \nFROM work_order_parts_used \n"
    "WHERE work_order_parts_used.organization_id = $1::UUID"
    " AND work_order_parts_used.work_order_id = $2::UUID AND work_order_parts_used.id = $3::UUID"
)
# Out of stock (the line's reservation first), its movement at the average cost, the line and
# the work order's parts cost, one statement: $1 quantity, $2 of it from the reservation,
# $3 revalue, $4 cost, $5 user, $6 organization, $7 part, $8 storeroom, $9 movement id,
# $10 kind, $11 signed quantity, $12 work order, $13 line, $14-$16 reversed movement,
# transfer, reason, $17 issued, $18 returned.
ISSUE = (
    """WITH stock AS (
  UPDATE parts_inventory s SET
    on_hand = s.on_hand - $1,
    reserved = s.reserved - $2,
    average_unit_cost = CASE WHEN CAST($3 AS boolean) AND s.on_hand > $1
      THEN greatest(round((s.on_hand * s.average_unit_cost - $1 * $4)
        / (s.on_hand - $1), 4), 0) ELSE s.average_unit_cost END,
    updated_at = now(), updated_by = $5
  WHERE s.organization_id = $6 AND s.part_id = $7 AND s.storeroom_id = $8
    AND s.reserved >= $2 AND s.on_hand - s.reserved + $2 >= $1
  RETURNING s.on_hand, s.average_unit_cost AS taken_at
)"""
    + _moved(
        "$9, $6, $7, $8, $10, $11, CASE WHEN CAST($3 AS boolean) THEN $4"
        " ELSE stock.taken_at END, stock.on_hand,\n    $12, $13, $14, $15, $16, $5"
    )
    + """, line AS (
  UPDATE work_order_parts_used u SET
    reserved_quantity = u.reserved_quantity - $2,
    issued_quantity = u.issued_quantity + $17,
    returned_quantity = u.returned_quantity + $18,
    cost = u.cost + round($17 * stock.taken_at, 2), updated_at = now(), updated_by = $5
  FROM stock WHERE u.organization_id = $6 AND u.id = $13
  RETURNING u.*
), rolled AS (
  UPDATE work_orders w SET parts_cost = w.parts_cost + round($17 * stock.taken_at, 2)
  FROM line, stock WHERE w.organization_id = $6 AND w.id = $12
) SELECT line.* FROM line"""
)


# ---------------------------------------------------------------------------------------------
# The floor's routes: the request models are the floor's own (the fields the scripts send),
# the response models the API's; the same statements in the same order as the API.


class ReceiptIn(WriteSchema):
    part_id: UUID
    storeroom_id: UUID
    kind: Literal["receipt"]
    quantity: Quantity
    unit_cost: UnitCost


class IssueIn(WriteSchema):
    quantity: Quantity


def register(app: FastAPI, floor: Floor) -> None:
    """The floor's inventory routes."""

    @app.get("/api/v1/parts")
    async def list_parts(limit: int = PAGE) -> Page[PartRead]:
        async with floor.tenant() as conn:
            rows = await conn.fetch(FIRST_PAGE, floor.org, limit + 1)
        page = rows[:limit]
        last = page[-1] if len(rows) > limit else None
        return Page[PartRead](
            items=[PartRead.model_validate(dict(r)) for r in page],
            next_cursor=encode_cursor(last["name"], last["id"]) if last else None,
        )

    @app.get("/api/v1/parts/{part_id}/stock")
    async def get_stock(part_id: UUID) -> StockList:
        async with floor.tenant() as conn:
            if await conn.fetchval(PART_FOUND, floor.org, part_id) is None:
                raise HTTPException(404)
            rows = await conn.fetch(STOCK, floor.org, part_id)
        return StockList(
            items=[
                StockRead.model_validate(dict(r, available=r["on_hand"] - r["reserved"]))
                for r in rows
            ]
        )

    @app.post("/api/v1/stock-movements", status_code=201)
    async def receive(body: ReceiptIn) -> MovementList:
        store, quantity = body.storeroom_id, body.quantity
        async with floor.tenant() as conn:
            found = await conn.fetchrow(REFERENCES, floor.org, body.part_id, [store])
            if found["part_cost"] is None or not found["storerooms"]:
                raise HTTPException(422)
            row = await conn.fetchrow(
                ADD,
                uuid7(),
                floor.org,
                body.part_id,
                store,
                quantity,
                body.unit_cost,
                floor.user,
                True,
                uuid7(),
                "receipt",
                quantity,
                None,
                None,
                None,
                None,
                None,
            )
        return MovementList(items=[MovementRead.model_validate(dict(row))])

    @app.post("/api/v1/work-orders/{work_order_id}/parts/{usage_id}/issue")
    async def issue(
        work_order_id: UUID, usage_id: UUID, body: IssueIn, response: Response
    ) -> UsageRead:
        quantity = body.quantity
        async with floor.tenant() as conn:
            if await conn.fetchrow(WORK_ORDER_FOR_UPDATE, floor.org, work_order_id) is None:
                raise HTTPException(404)
            line = await conn.fetchrow(LINE, floor.org, work_order_id, usage_id)
            if line is None:
                raise HTTPException(404)
            row = await conn.fetchrow(
                ISSUE,
                quantity,
                min(line["reserved_quantity"], quantity),
                False,
                Decimal(0),
                floor.user,
                floor.org,
                line["part_id"],
                line["storeroom_id"],
                uuid7(),
                "issue",
                -quantity,
                work_order_id,
                usage_id,
                None,
                None,
                None,
                quantity,
                0,
            )
        if row is None:
            raise HTTPException(409)  # a shortage
        usage = UsageRead.model_validate(dict(row))
        response.headers["ETag"] = f'W/"{usage.version}"'
        return usage


# ---------------------------------------------------------------------------------------------
# The load scripts' inputs (tenant A).

_SAMPLED: dict[str, Path] = {}


def part_ids(fx: Fixtures) -> Path:
    """Every part id of tenant A in random order, sampled once per run."""
    path = fx.out / "part-ids.txt"
    if _SAMPLED.get(fx.run_id) != path:
        with fx.engine.begin() as conn:
            found = conn.scalars(
                text(
                    "SELECT id FROM parts WHERE organization_id = :org"
                    " AND part_number LIKE 'P-%' ORDER BY random()"
                ),
                {"org": fx.tenant.organization_id},
            )
            path.write_text("\n".join(str(i) for i in found) + "\n")
        _SAMPLED[fx.run_id] = path
    return path


def storeroom(fx: Fixtures, side: str) -> str:
    """The id of the side's storeroom (tenant A)."""
    with fx.engine.begin() as conn:
        found = conn.scalar(
            text(
                "SELECT id FROM locations WHERE organization_id = :org AND code = :code"
                " AND kind = 'storeroom'"
            ),
            {"org": fx.tenant.organization_id, "code": STOREROOMS[work_orders.SIDES.index(side)]},
        )
    return str(found)


def issue_rows(fx: Fixtures, side: str) -> Path:
    """The side's planned lines: "line work-order" lines."""
    with fx.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT id, work_order_id FROM work_order_parts_used"
                " WHERE organization_id = :org AND storeroom_id = :store AND notes = 'bench'"
                " ORDER BY id"
            ),
            {"org": fx.tenant.organization_id, "store": storeroom(fx, side)},
        ).all()
    if not rows:
        needed = work_orders.TRANSITION_ROWS * len(work_orders.SIDES)
        raise RuntimeError(f"no planned lines: the data needs more than {needed} work orders")
    path = fx.out / f"issue-{side}.txt"
    path.write_text("".join(f"{i} {w}\n" for i, w in rows))
    return path


def stock_env(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_PREFIX": "/api/v1/parts/",
        "BENCH_SUFFIX": "/stock",
        "BENCH_IDS": str(part_ids(fx)),
        "BENCH_AUTH": side.auth,
    }


def receipt_env(fx: Fixtures, side: Side) -> dict[str, str]:
    return {
        "BENCH_IDS": str(part_ids(fx)),
        "BENCH_STOREROOM": storeroom(fx, side.name),
        "BENCH_AUTH": side.auth,
    }


def issue_env(fx: Fixtures, side: Side) -> dict[str, str]:
    return {"BENCH_ROWS": str(issue_rows(fx, side.name)), "BENCH_AUTH": side.auth}
