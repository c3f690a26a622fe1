"""A year of demo maintenance work, seeded once per demo organization: teams, crafts, the
default failure codes, then the work orders (`orders`, `order_rows`) and what they left
behind (`details`), generated from fixed seeds. An organization that has any work order
already gets no more work."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.demo.details import generate_details, write_details
from maintainpro.demo.labor import roll_up
from maintainpro.demo.order_rows import write_orders
from maintainpro.demo.orders import Asset, People, generate
from maintainpro.failure_code import defaults as failure_codes

Progress = Callable[[str], None]

SEED = 20261201
DETAIL_SEED = SEED + 1

# (name, site code, member e-mails' local parts)
TEAMS = (
    ("Mechanical crew North", "NORTH", ("technician", "theo.turner", "jonas.weber", "contractor")),
    ("Electrical crew North", "NORTH", ("technician", "elena.fischer")),
    ("South warehouse crew", "SOUTH", ("sven.schulz", "mia.hoffmann")),
)
STEPS = ("teams", "crafts", "failure codes", "work orders", "labor, checklists and comments")

# (name, hourly rate) of the trades labor is priced by.
CRAFTS = (
    ("Mechanic", Decimal("48.00")),
    ("Millwright", Decimal("52.00")),
    ("Electrician", Decimal("55.00")),
    ("General maintenance", Decimal("42.00")),
)
# (e-mail local part, craft, own hourly rate): the contractor bills the contract rate.
TRADES: tuple[tuple[str, str, Decimal | None], ...] = (
    ("technician", "Mechanic", None),
    ("theo.turner", "Mechanic", None),
    ("jonas.weber", "Millwright", None),
    ("elena.fischer", "Electrician", None),
    ("sven.schulz", "General maintenance", None),
    ("contractor", "Electrician", Decimal("85.00")),
)


async def seed_work(
    session: AsyncSession,
    organization_id: UUID,
    emails: dict[str, UUID],
    sites: dict[str, UUID],
    progress: Progress,
) -> None:
    teams = await _seed_teams(session, organization_id, emails, sites)
    progress("teams")
    await _seed_crafts(session, organization_id, emails)
    progress("crafts")
    await failure_codes.load(session, organization_id, emails.get("admin"))
    progress("failure codes")
    if await _has_work(session, organization_id):
        progress("work orders")
    else:
        people = _people(emails, teams)
        assets = await _assets(session, organization_id)
        codes = await _codes(session, organization_id)
        rng = random.Random(SEED)
        now = datetime.now(UTC)
        work = generate(rng, now, assets, people, codes)
        # A stream of its own: the work orders stay the same whatever is added to their details.
        names = await _first_names(session, organization_id)
        details = generate_details(random.Random(DETAIL_SEED), now, work, people, names)
        totals = roll_up(details.labor, await _rates(session, organization_id))
        await write_orders(session, organization_id, work, now, totals)
        progress("work orders")
        await write_details(session, organization_id, details)
    progress("labor, checklists and comments")


async def _seed_teams(
    session: AsyncSession, organization_id: UUID, emails: dict[str, UUID], sites: dict[str, UUID]
) -> dict[str, UUID]:
    """The demo crews (by name, idempotent) and their members; returns team ids by site."""
    by_site: dict[str, UUID] = {}
    for name, site, members in TEAMS:
        # Found by name, else created: a re-run writes nothing.
        team_id = await session.scalar(
            text(
                "WITH found AS (SELECT id FROM teams WHERE organization_id = :org"
                " AND name = :name AND deleted_at IS NULL), created AS ("
                " INSERT INTO teams (id, organization_id, name, site_id, description)"
                " SELECT app.uuidv7(), :org, :name, :site, :description"
                " WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)"
                " SELECT id FROM found UNION ALL SELECT id FROM created"
            ),
            {
                "org": organization_id,
                "name": name,
                "site": sites[site],
                "description": f"Maintenance crew of {site.title()}",
            },
        )
        assert isinstance(team_id, UUID)
        await session.execute(
            text(
                "INSERT INTO team_members (id, organization_id, team_id, user_id)"
                " SELECT app.uuidv7(), :org, :team, u FROM unnest(CAST(:users AS uuid[])) AS u"
                " ON CONFLICT (team_id, user_id) DO NOTHING"
            ),
            {"org": organization_id, "team": team_id, "users": [emails[m] for m in members]},
        )
        by_site.setdefault(site, team_id)
    return by_site


async def _seed_crafts(
    session: AsyncSession, organization_id: UUID, emails: dict[str, UUID]
) -> None:
    """The demo crafts (by name, idempotent) and the craft (and own rate) of each person who
    books labor, unless they have one already: a re-run writes nothing."""
    await session.execute(
        text(
            "INSERT INTO crafts (id, organization_id, name, hourly_rate)"
            " SELECT app.uuidv7(), :org, n, r"
            " FROM unnest(CAST(:names AS text[]), CAST(:rates AS numeric[])) AS c(n, r)"
            " ON CONFLICT (organization_id, name) WHERE deleted_at IS NULL DO NOTHING"
        ),
        {
            "org": organization_id,
            "names": [name for name, _ in CRAFTS],
            "rates": [rate for _, rate in CRAFTS],
        },
    )
    await session.execute(
        text(
            "UPDATE users u SET craft_id = c.id, hourly_rate = t.rate"
            " FROM unnest(CAST(:users AS uuid[]), CAST(:crafts AS text[]),"
            " CAST(:rates AS numeric[])) AS t(id, craft, rate)"
            " JOIN crafts c ON c.organization_id = :org AND c.name = t.craft"
            " AND c.deleted_at IS NULL"
            " WHERE u.organization_id = :org AND u.id = t.id"
            " AND u.craft_id IS NULL AND u.hourly_rate IS NULL"
        ),
        {
            "org": organization_id,
            "users": [emails[name] for name, _, _ in TRADES],
            "crafts": [craft for _, craft, _ in TRADES],
            "rates": [rate for _, _, rate in TRADES],
        },
    )


async def _first_names(session: AsyncSession, organization_id: UUID) -> dict[UUID, str]:
    rows = await session.execute(
        text("SELECT id, full_name FROM users WHERE organization_id = :org"),
        {"org": organization_id},
    )
    return {r.id: r.full_name.split()[0] for r in rows}


async def _rates(session: AsyncSession, organization_id: UUID) -> dict[UUID, Decimal]:
    """What an hour of each person's labor costs (as `labor.write_labor` prices it)."""
    rows = await session.execute(
        text(
            "SELECT u.id, coalesce(u.hourly_rate, c.hourly_rate) AS rate FROM users u"
            " LEFT JOIN crafts c ON c.organization_id = u.organization_id AND c.id = u.craft_id"
            " AND c.deleted_at IS NULL WHERE u.organization_id = :org"
        ),
        {"org": organization_id},
    )
    return {r.id: r.rate for r in rows if r.rate is not None}


async def _has_work(session: AsyncSession, organization_id: UUID) -> bool:
    found = await session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM work_orders WHERE organization_id = :org)"),
        {"org": organization_id},
    )
    return bool(found)


def _people(emails: dict[str, UUID], teams: dict[str, UUID]) -> People:
    return People(
        by_name=emails,
        workers={
            "NORTH": [
                emails[n]
                for n in ("technician", "theo.turner", "jonas.weber", "elena.fischer", "contractor")
            ],
            "SOUTH": [emails["sven.schulz"]],
        },
        supervisors={"NORTH": emails["supervisor"], "SOUTH": emails["mia.hoffmann"]},
        teams=teams,
    )


async def _assets(session: AsyncSession, organization_id: UUID) -> list[Asset]:
    """The plant's machines and their components (the lines are only containers)."""
    rows = await session.execute(
        text(
            "SELECT a.id, a.name, coalesce(a.category, 'Production') AS category,"
            " s.code AS site, a.location_id, a.site_id, a.parent_id IS NOT NULL"
            " AND a.code NOT LIKE '%-___' AS is_machine"
            " FROM assets a JOIN locations s ON s.organization_id = a.organization_id"
            " AND s.id = a.site_id"
            " WHERE a.organization_id = :org AND a.deleted_at IS NULL AND a.parent_id IS NOT NULL"
            " AND a.location_id IS NOT NULL ORDER BY a.code"
        ),
        {"org": organization_id},
    )
    return [
        Asset(r.id, r.name, r.category, r.site, r.location_id, r.site_id, bool(r.is_machine))
        for r in rows
    ]


async def _codes(session: AsyncSession, organization_id: UUID) -> dict[tuple[str, str], UUID]:
    rows = await session.execute(
        text(
            "SELECT kind, code, id FROM failure_codes"
            " WHERE organization_id = :org AND deleted_at IS NULL"
        ),
        {"org": organization_id},
    )
    return {(r.kind, r.code): r.id for r in rows}
