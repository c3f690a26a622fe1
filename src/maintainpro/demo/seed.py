"""Idempotent demo data: an organization with a realistic site tree.

Runs as the maintenance role (an operator command, D1): it must find the demo tenant by slug
before any tenant is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.auth import passwords
from maintainpro.config import AuthSettings, DemoSettings
from maintainpro.core import context
from maintainpro.demo import stores, work
from maintainpro.demo.escalations import seed_escalations
from maintainpro.demo.plant import AREAS, seed_plant
from maintainpro.demo.pm import seed_pm
from maintainpro.demo.rules import seed_rules
from maintainpro.demo.webhooks import seed_webhook
from maintainpro.models import Location, Organization, User, UserSite
from maintainpro.organization import service as organization_service

DEMO_SLUG = "acme"


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str
    parent: str | None = None


SITE_TREE = (
    Place("NORTH", "North Plant", "site"),
    Place("N-B1", "Building 1 - Production", "building", "NORTH"),
    Place("N-B1-A1", "Line 1 - Filling", "area", "N-B1"),
    Place("N-B1-A2", "Line 2 - Packaging", "area", "N-B1"),
    Place("N-B2", "Building 2 - Utilities", "building", "NORTH"),
    Place("N-B2-A1", "Boiler room", "area", "N-B2"),
    Place("N-B2-A2", "Compressor room", "area", "N-B2"),
    Place("N-STORE", "North main storeroom", "storeroom", "NORTH"),
    Place("SOUTH", "South Warehouse", "site"),
    Place("S-B1", "Distribution centre", "building", "SOUTH"),
    Place("S-B1-A1", "Loading docks", "area", "S-B1"),
    Place("S-STORE", "South storeroom", "storeroom", "SOUTH"),
)

Progress = Callable[[str], None]

# One demo user per role: (role, full name, sites). Site-bound roles get the North Plant.
DEMO_USERS = (
    ("admin", "Ada Admin", ()),
    ("manager", "Max Manager", ()),
    ("supervisor", "Sam Supervisor", ("NORTH",)),
    ("technician", "Tess Technician", ("NORTH",)),
    ("inventory_clerk", "Ivan Inventory", ("NORTH", "SOUTH")),
    ("contractor", "Cora Contractor", ("NORTH",)),
    ("requester", "Rex Requester", ()),
)


# The rest of the crew, so work spreads over several people: (e-mail local part, name, role,
# sites).
DEMO_CREW = (
    ("theo.turner", "Theo Turner", "technician", ("NORTH",)),
    ("jonas.weber", "Jonas Weber", "technician", ("NORTH",)),
    ("elena.fischer", "Elena Fischer", "technician", ("NORTH",)),
    ("sven.schulz", "Sven Schulz", "technician", ("SOUTH",)),
    ("mia.hoffmann", "Mia Hoffmann", "supervisor", ("SOUTH",)),
)


def demo_email(role: str, domain: str) -> str:
    return f"{role.replace('_', '.')}@{domain}"


def step_count() -> int:
    """How many times `seed` reports progress."""
    people = len(DEMO_USERS) + len(DEMO_CREW)
    # The plant; then the stores, the PM schedules and the webhook after the work.
    return len(SITE_TREE) + people + len(AREAS) + 1 + len(work.STEPS) + 3


async def find_demo(session: AsyncSession) -> Organization | None:
    return await session.scalar(
        select(Organization).where(
            Organization.slug == DEMO_SLUG, Organization.deleted_at.is_(None)
        )
    )


async def reset(session: AsyncSession) -> bool:
    """Removes the demo organization and everything it owns (tenant purge cascades)."""
    organization = await find_demo(session)
    if organization is None:
        return False
    return await organization_service.purge(session, organization.id)


async def seed(
    session: AsyncSession, demo: DemoSettings, progress: Progress, auth: AuthSettings
) -> UUID:
    organization = await find_demo(session)
    if organization is None:
        organization = Organization(
            name="Acme Manufacturing", slug=DEMO_SLUG, timezone="Europe/Berlin"
        )
        session.add(organization)
        await session.flush()
    with context.scoped(organization_id=organization.id):
        places = await _seed_locations(session, organization.id, progress)
        users = await _seed_users(session, organization.id, places, demo, progress)
        await seed_plant(session, organization.id, places, progress)
        sites = {code: places[code].id for code in ("NORTH", "SOUTH")}
        await work.seed_work(session, organization.id, users, sites, progress)
        storerooms = [places[code].id for code in ("N-STORE", "S-STORE")]
        await stores.seed_stores(session, organization.id, storerooms, datetime.now(UTC))
        progress("stores")
        zone = ZoneInfo(organization.timezone)
        await seed_pm(session, organization.id, users["admin"], zone)
        progress("preventive maintenance")
        await seed_escalations(session, organization.id, users["admin"], sites["NORTH"])
        progress("escalation rules")
        await seed_webhook(session, organization.id, auth)
        await seed_rules(session, organization.id)
        progress("webhook")
    return organization.id


async def _seed_locations(
    session: AsyncSession, organization_id: UUID, progress: Progress
) -> dict[str, Location]:
    existing = {
        loc.code: loc
        for loc in await session.scalars(
            select(Location).where(
                Location.organization_id == organization_id, Location.deleted_at.is_(None)
            )
        )
    }
    for place in SITE_TREE:
        if place.code not in existing:
            parent = existing[place.parent] if place.parent else None
            location_id = uuid7()
            location = Location(
                id=location_id,
                organization_id=organization_id,
                code=place.code,
                name=place.name,
                kind=place.kind,
                parent_id=parent.id if parent else None,
                site_id=parent.site_id if parent else location_id,
            )
            session.add(location)
            await session.flush()
            existing[place.code] = location
        progress(place.code)
    return existing


async def _seed_users(
    session: AsyncSession,
    organization_id: UUID,
    places: dict[str, Location],
    demo: DemoSettings,
    progress: Progress,
) -> dict[str, UUID]:
    """Every demo user (found by e-mail, else created); their ids by e-mail local part."""
    password_hash = passwords.hash_password(demo.password.get_secret_value())
    people = [
        (demo_email(role, demo.email_domain), name, role, sites) for role, name, sites in DEMO_USERS
    ]
    people += [
        (f"{local}@{demo.email_domain}", name, role, sites)
        for local, name, role, sites in DEMO_CREW
    ]
    ids: dict[str, UUID] = {}
    for email, name, role, sites in people:
        user = await session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                organization_id=organization_id,
                email=email,
                full_name=name,
                role=role,
                password_hash=password_hash,
            )
            session.add(user)
            await session.flush()
            session.add_all(
                UserSite(
                    organization_id=organization_id, user_id=user.id, location_id=places[code].id
                )
                for code in sites
            )
            await session.flush()
        ids[email.split("@")[0]] = user.id
        progress(email)
    return ids
