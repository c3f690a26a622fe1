"""The printable purchase order: one self-contained HTML page (print styles inline, no
script, every value escaped) that a browser prints cleanly to paper or PDF."""

from __future__ import annotations

from html import escape

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.purchasing.schemas import PurchaseOrderRead

_NAMES = text("""
SELECT (SELECT o.name FROM organizations o WHERE o.id = :org) AS organization,
       (SELECT v.name FROM vendors v WHERE v.organization_id = :org AND v.id = :vendor) AS vendor,
       (SELECT v.address FROM vendors v WHERE v.organization_id = :org AND v.id = :vendor)
         AS vendor_address,
       (SELECT l.name FROM locations l WHERE l.organization_id = :org AND l.id = :store)
         AS storeroom,
       array(SELECT ARRAY[p.id::text, p.part_number, p.name, p.unit] FROM parts p
             WHERE p.organization_id = :org AND p.id = ANY(CAST(:parts AS uuid[]))) AS parts
""")
STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2cm; color: #000; }
h1 { font-size: 18pt; margin: 0 0 .2cm; }
table { width: 100%; border-collapse: collapse; margin-top: .8cm; }
th, td { border-bottom: 1px solid #999; padding: .15cm .2cm; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.meta { display: flex; justify-content: space-between; gap: 1cm; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; } tr { break-inside: avoid; } }
"""


async def html(session: AsyncSession, order: PurchaseOrderRead) -> str:
    names = (
        await session.execute(
            _NAMES,
            {
                "org": order.organization_id,
                "vendor": order.vendor_id,
                "store": order.storeroom_id,
                "parts": [line.part_id for line in order.lines],
            },
        )
    ).one()
    parts = {row[0]: row[1:] for row in names.parts}
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td>"
        "<td class=n>{}</td><td class=n>{}</td></tr>".format(
            escape(parts[str(line.part_id)][0]),
            escape(line.vendor_part_number or ""),
            escape(parts[str(line.part_id)][1]),
            line.quantity.normalize(),
            escape(parts[str(line.part_id)][2]),
            line.unit_price,
            line.line_total,
        )
        for line in order.lines
    )
    expected = f"<p>Expected: {order.expected_on.isoformat()}</p>" if order.expected_on else ""
    notes = f"<p>{escape(order.notes)}</p>" if order.notes else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(order.number)}</title>
<style>{STYLE}</style></head><body>
<div class=meta><div><h1>Purchase order {escape(order.number)}</h1>
<p>{escape(names.organization or "")}<br>Deliver to: {escape(names.storeroom or "")}</p>
{expected}</div>
<div><p><strong>{escape(names.vendor or "")}</strong><br>{escape(names.vendor_address or "")}</p>
<p>Status: {escape(order.status)}</p></div></div>
<table><thead><tr><th>Part</th><th>Vendor part</th><th>Description</th><th class=n>Quantity</th>
<th>Unit</th><th class=n>Unit price</th><th class=n>Amount ({escape(order.currency)})</th>
</tr></thead>
<tbody>{rows}</tbody>
<tfoot><tr><th colspan=6 class=n>Total</th><th class=n>{order.total}</th></tr></tfoot></table>
{notes}</body></html>
"""
