"""The set-based SQL that builds one organization's places, assets and admin, shared by the
benchmark tenants (`data.py`) and the further organizations of a scale run (`scale.py`). Run as
the maintenance role; `:org` is the organization's id."""

from __future__ import annotations

from sqlalchemy import text

ORG = text(
    "INSERT INTO organizations (id, name, slug) VALUES (app.uuidv7(), :name, :slug) RETURNING id"
)

LOCATIONS = text(
    """
    WITH site AS (
      INSERT INTO locations (id, organization_id, code, name, kind, site_id)
      SELECT s.id, CAST(:org AS uuid), 'SITE', 'Bench site', 'site', s.id
      FROM (SELECT app.uuidv7() AS id) AS s RETURNING id
    ), buildings AS (
      INSERT INTO locations (id, organization_id, code, name, kind, parent_id, site_id)
      SELECT app.uuidv7(), CAST(:org AS uuid), 'B-' || b, 'Building ' || b, 'building',
             site.id, site.id
      FROM site, generate_series(1, 10) AS b RETURNING id, parent_id, code
    )
    INSERT INTO locations (id, organization_id, code, name, kind, parent_id, site_id)
    SELECT app.uuidv7(), CAST(:org AS uuid), b.code || '-A' || a, 'Area ' || a, 'area',
           b.id, b.parent_id
    FROM buildings AS b, generate_series(1, 10) AS a
    """
)

ASSETS = text(
    """
    WITH areas AS (
      SELECT id, site_id, row_number() OVER (ORDER BY id) - 1 AS n
      FROM locations WHERE organization_id = CAST(:org AS uuid) AND kind = 'area'
    )
    INSERT INTO assets (id, organization_id, code, name, category, manufacturer, model, status,
                        criticality, latitude, longitude, label_code, description, location_id,
                        site_id)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'A-' || i, 'Asset ' || md5(i::text),
           'cat-' || (i % 50), 'Acme' || (i % 1000), 'M' || (i % 37),
           (ARRAY['active','inactive','in_maintenance','retired'])[1 + i % 4],
           (ARRAY['low','medium','high','critical'])[1 + i % 4],
           CASE WHEN i % 2 = 0 THEN 45 + (i % 1000) / 100.0 END,
           CASE WHEN i % 2 = 0 THEN 5 + (i % 977) / 100.0 END,
           'L-' || i, 'pump motor gearbox ' || (i % 97), areas.id, areas.site_id
    FROM generate_series(1, :rows) AS i JOIN areas ON areas.n = i % 100
    """
)

ADMIN = text(
    """
    INSERT INTO users (id, organization_id, email, full_name, role, password_hash)
    VALUES (app.uuidv7(), CAST(:org AS uuid), :email, 'Bench admin', 'admin', :hash)
    RETURNING id
    """
)
