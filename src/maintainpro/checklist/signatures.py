"""Signatures over a checklist: who vouched for it, meaning what, and the hash of the state
they saw, so a later change of an item or result shows (`changedSince`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.checklist import service
from maintainpro.checklist.schemas import SignatureCreate, SignatureRead
from maintainpro.models import ChecklistSignature
from maintainpro.work_order.service import read


def _shown(signature: ChecklistSignature, current: str) -> SignatureRead:
    return SignatureRead(
        id=signature.id,
        organization_id=signature.organization_id,
        checklist_id=signature.checklist_id,
        signer_id=signature.signer_id,
        meaning=signature.meaning,
        state_hash=signature.state_hash.hex(),
        signed_at=signature.signed_at,
        changed_since=signature.state_hash.hex() != current,
    )


async def sign(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    checklist_id: UUID,
    data: SignatureCreate,
) -> SignatureRead:
    """Signs the checklist as this transaction reads it (a result landing meanwhile makes the
    new signature show `changedSince`, which is what it then is)."""
    work_order = await read(session, auth, work_order_id)
    org = work_order.organization_id
    checklist = await service.one(session, org, work_order_id, checklist_id)
    signature = ChecklistSignature(
        organization_id=org,
        checklist_id=checklist.id,
        signer_id=auth.principal.user_id,
        meaning=data.meaning,
        state_hash=bytes.fromhex(checklist.state_hash),
    )
    session.add(signature)
    await session.flush()
    return _shown(signature, checklist.state_hash)


async def list_signatures(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, checklist_id: UUID
) -> list[SignatureRead]:
    """Oldest first, each saying whether the checklist changed since it was signed."""
    work_order = await read(session, auth, work_order_id)
    org = work_order.organization_id
    checklist = await service.one(session, org, work_order_id, checklist_id)
    rows = await session.scalars(
        select(ChecklistSignature)
        .where(
            ChecklistSignature.organization_id == org,
            ChecklistSignature.checklist_id == checklist_id,
        )
        .order_by(ChecklistSignature.id)
    )
    return [_shown(row, checklist.state_hash) for row in rows]
