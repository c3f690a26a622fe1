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

# In hierarchies of ten: asset 10k+1 is the parent of the nine after it.
ASSETS = text(
    """
    WITH areas AS (
      SELECT id, site_id, row_number() OVER (ORDER BY id) - 1 AS n
      FROM locations WHERE organization_id = CAST(:org AS uuid) AND kind = 'area'
    ), ids AS MATERIALIZED (SELECT i, app.uuidv7() AS id FROM generate_series(1, :rows) AS i)
    INSERT INTO assets (id, organization_id, code, name, category, manufacturer, model, status,
                        criticality, latitude, longitude, label_code, description, location_id,
                        site_id, parent_id)
    SELECT ids.id, CAST(:org AS uuid), 'A-' || ids.i, 'Asset ' || md5(ids.i::text),
           'cat-' || (ids.i % 50), 'Acme' || (ids.i % 1000), 'M' || (ids.i % 37),
           (ARRAY['active','inactive','in_maintenance','retired'])[1 + ids.i % 4],
           (ARRAY['low','medium','high','critical'])[1 + ids.i % 4],
           CASE WHEN ids.i % 2 = 0 THEN 45 + (ids.i % 1000) / 100.0 END,
           CASE WHEN ids.i % 2 = 0 THEN 5 + (ids.i % 977) / 100.0 END,
           'L-' || ids.i, 'pump motor gearbox ' || (ids.i % 97), areas.id, areas.site_id,
           parent.id
    FROM ids JOIN areas ON areas.n = ids.i % 100
    LEFT JOIN ids AS parent ON ids.i % 10 <> 1 AND parent.i = ids.i - (ids.i - 1) % 10
    """
)
# The audit trail's "insert" of each asset (the asset history's first entry), as the audit
# trigger writes it: the loader runs with triggers off.
AUDIT_ASSETS = text(
    """
    INSERT INTO activity_logs (organization_id, occurred_at, request_id, entity_type,
                               entity_id, action, after)
    SELECT organization_id, created_at, 'bench-data', 'assets', id, 'insert',
           to_jsonb(a) - 'search_vector'
    FROM assets AS a WHERE organization_id = CAST(:org AS uuid)
    """
)
# Meters on every hundredth asset, read weekly over the past year (a counter, increasing).
METERS = text(
    """
    WITH made AS (
      INSERT INTO meters (id, organization_id, asset_id, name, unit, kind)
      SELECT app.uuidv7(), organization_id, id, 'runtime', 'h', 'counter'
      FROM assets WHERE organization_id = CAST(:org AS uuid) AND code ~ '^A-[0-9]+00$'
      RETURNING id, organization_id
    )
    INSERT INTO meter_readings (id, organization_id, meter_id, measured_at, value, source)
    SELECT app.uuidv7(), organization_id, id,
           date_trunc('hour', now()) - (52 - w) * interval '7 days', w * 120.0, 'bench'
    FROM made, generate_series(0, 51) AS w
    """
)

ADMIN = text(
    """
    INSERT INTO users (id, organization_id, email, full_name, role, password_hash)
    VALUES (app.uuidv7(), CAST(:org AS uuid), :email, 'Bench admin', 'admin', :hash)
    RETURNING id
    """
)
