"""A purchase order from the reorder proposals in one call: one draft per preferred vendor
and storeroom, each proposed part a line at the vendor's price."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.inventory import reorder
from maintainpro.purchasing import service
from maintainpro.purchasing.schemas import (
    MAX_LINES,
    FromProposals,
    LineIn,
    ProposalOrders,
    PurchaseOrderCreate,
)


async def draft_orders(
    session: AsyncSession, auth: Authorized, data: FromProposals
) -> ProposalOrders:
    groups: dict[tuple[UUID, UUID, str], list[LineIn]] = defaultdict(list)
    skipped: list[UUID] = []
    for proposal in await reorder.proposals(session, auth):
        if data.storeroom_id is not None and proposal.storeroom_id != data.storeroom_id:
            continue
        if data.vendor_id is not None and proposal.vendor_id != data.vendor_id:
            continue
        if proposal.vendor_id is None:
            skipped.append(proposal.part_id)
            continue
        key = (proposal.vendor_id, proposal.storeroom_id, proposal.currency or "EUR")
        groups[key].append(
            LineIn.model_validate(
                {
                    "partId": proposal.part_id,
                    "quantity": proposal.quantity,
                    "unitPrice": proposal.unit_price,
                }
            )
        )
    orders = []
    for (vendor_id, storeroom_id, currency), lines in groups.items():
        header = {"vendorId": vendor_id, "storeroomId": storeroom_id, "currency": currency}
        for start in range(0, len(lines), MAX_LINES):  # a long list becomes several orders
            chunk = lines[start : start + MAX_LINES]
            create = PurchaseOrderCreate.model_validate({**header, "lines": chunk})
            order = await service.create(session, auth, create)
            orders.append(await service.read(session, order))
    return ProposalOrders(purchase_orders=orders, skipped_part_ids=skipped)
