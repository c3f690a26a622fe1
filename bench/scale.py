"""Scale data (issue 10): work orders over 1,000 organizations with a skewed distribution.

`--scale N` builds N work orders in all: tenant A (the harness's measured tenant) holds half,
tenant B, the small one, a thousandth (at least 1,000), and 998 further organizations the
rest, the k-th of them a share proportional to 1/k^1.1 (a long tail: the largest of them
holds about a seventh of it, most hold a few dozen). Each further organization has a site
with 10 buildings and 100 areas, an admin and 4 technicians, an asset per 10 work orders (at
least 10) and its work orders built by the same generator as the tenants'
(`work_orders.build`: statuses, history rows, assignees, asset links, the number sequence).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from bench import work_orders
from bench.tenant_sql import ADMIN, ASSETS, LOCATIONS, ORG

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


def build(conn: Connection, total: int, password_hash: str) -> int:
    """The further organizations of a scale run; returns how many work orders they hold."""
    built = 0
    for k, rows in enumerate(split(total)[2], start=1):
        slug = SLUG.format(k=k)
        org = str(conn.scalar(ORG, {"name": f"Scale {k}", "slug": slug}))
        conn.execute(LOCATIONS, {"org": org})
        conn.execute(ASSETS, {"org": org, "rows": max(10, rows // 10)})
        email = f"admin@{slug}.example.com"
        admin = str(conn.scalar(ADMIN, {"org": org, "email": email, "hash": password_hash}))
        users = {"org": org, "slug": slug, "hash": password_hash, "users": TECHNICIANS}
        conn.execute(_USERS, users)
        work_orders.build(conn, org, admin, rows, reserved=0)
        built += rows
        if k % 100 == 0:
            print(f"  {k} further organizations, {built} work orders")
    return built
