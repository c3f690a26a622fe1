"""Scale data (issue 10): work orders over 1,000 organizations with a skewed distribution.

`--scale N` builds N work orders in all: tenant A (the harness's measured tenant) holds half,
tenant B, the small one, a thousandth (at least 1,000), and 998 further organizations the
rest, the k-th of them a share proportional to 1/k^1.1 (a long tail: the largest of them
holds about a seventh of it, most hold a few dozen). Each further organization has a site
with 10 buildings and 100 areas, an admin and 4 technicians, an asset per 10 work orders (at
least 10, in hierarchies), meters with a year of readings, and its work orders built by the
same generator as the tenants' (`work_orders.chunks`: statuses, history, assignees, asset
links, labor, comments, checklists, calendar entries, the number sequence).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from bench.tenant_sql import ADMIN, ASSETS, AUDIT_ASSETS, LOCATIONS, METERS, ORG

ORGANIZATIONS = 1_000  # tenant A, tenant B and OTHERS
OTHERS = ORGANIZATIONS - 2
SKEW = 1.1
TECHNICIANS = 4
SLUG = "scale-{k:04d}"


def parse_count(value: str) -> int:
    """`100k`, `1m`, `10m` or a plain number."""
    digits, unit = value.lower().rstrip("km"), value.lower()[-1:]
    return int(digits) * {"k": 1_000, "m": 1_000_000}.get(unit, 1)


def split(total: int) -> tuple[int, int, list[int]]:
    """Work orders of tenant A, of tenant B and of each further organization."""
    a, b = total // 2, max(1_000, total // 1_000)
    weights = [1 / k**SKEW for k in range(1, OTHERS + 1)]
    rest, norm = max(0, total - a - b), sum(weights)
    return a, b, [max(1, round(rest * w / norm)) for w in weights]


_USERS = text(
    """
    INSERT INTO users (id, organization_id, email, full_name, role, password_hash)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'tech-' || n || '@' || :slug || '.example.com',
           'Technician ' || n, 'technician', :hash
    FROM generate_series(1, :users) AS n
    """
)


def create(conn: Connection, total: int) -> list[tuple[str, int]]:
    """The further organizations of a scale run (with triggers on: each gets its number
    sequences); returns each one's id and how many work orders it holds."""
    return [
        (str(conn.scalar(ORG, {"name": f"Scale {k}", "slug": SLUG.format(k=k)})), rows)
        for k, rows in enumerate(split(total)[2], start=1)
    ]


def prepare(conn: Connection, orgs: list[tuple[str, int]], password_hash: str) -> list[str]:
    """Each further organization's places, assets, meters and people; returns their admins."""
    admins = []
    for k, (org, rows) in enumerate(orgs, start=1):
        slug = SLUG.format(k=k)
        conn.execute(LOCATIONS, {"org": org})
        conn.execute(ASSETS, {"org": org, "rows": max(10, rows // 10)})
        conn.execute(AUDIT_ASSETS, {"org": org})
        conn.execute(METERS, {"org": org})
        email = f"admin@{slug}.example.com"
        admins.append(str(conn.scalar(ADMIN, {"org": org, "email": email, "hash": password_hash})))
        users = {"org": org, "slug": slug, "hash": password_hash, "users": TECHNICIANS}
        conn.execute(_USERS, users)
    return admins
