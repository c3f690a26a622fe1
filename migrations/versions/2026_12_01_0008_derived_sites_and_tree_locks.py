"""derived sites, tree locks, scoped search and nearby

Sites are derived by triggers, for ORM and raw SQL writes alike: a location's site is its own id
(a site) or its parent's site; an asset's site is the site of its live location, else its
parent's. A move re-derives the whole subtree below it (and the assets placed there) in the same
statement. Every statement that can change a hierarchy first takes a transaction-level advisory
lock per (organization, tree), locations before assets, so re-parenting (checked by the
services under the same lock) cannot race into a cycle. Search and nearby take the caller's
site ids so that the scope applies before their row cap.

BREAKING: app.search_assets and app.nearby_assets change signature (site ids, keyset position);
deploy the code of this revision with it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

from maintainpro.core import geo
from maintainpro.core.database import Role
from maintainpro.core.migration_ops import definer_function, run_sql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIXED = "SET search_path = pg_catalog, public, pg_temp"
PURGING = "current_setting('app.purge_organization', true) = NEW.organization_id::text"
# A cascade of the refresh functions below changes nothing but site_id (and version): the rows
# it writes are derived already, so their own triggers let them through.
CASCADE = "pg_catalog.pg_trigger_depth() > 1 AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id"

LOCKS = f"""
CREATE FUNCTION app.lock_tree(org uuid, tree text, exclusive boolean) RETURNS void
LANGUAGE plpgsql VOLATILE {FIXED} AS $$
DECLARE
  tree_key int := pg_catalog.hashtext('maintainpro.tree.' || tree);
  org_key int := pg_catalog.hashtext(coalesce(org::text, ''));
BEGIN
  IF exclusive THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(tree_key, org_key);
  ELSE
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(tree_key, org_key);
  END IF;
END $$;

-- Always locations first, then assets: a location move cascades into assets.
CREATE FUNCTION app.lock_location_tree(org uuid, exclusive boolean) RETURNS void
LANGUAGE sql VOLATILE {FIXED} AS $$ SELECT app.lock_tree(org, 'locations', exclusive) $$;

CREATE FUNCTION app.lock_asset_tree(org uuid, exclusive boolean) RETURNS void
LANGUAGE plpgsql VOLATILE {FIXED} AS $$
BEGIN
  PERFORM app.lock_tree(org, 'locations', false);
  PERFORM app.lock_tree(org, 'assets', exclusive);
END $$;

-- Inserts share the lock (a new row has no subtree); moves and deletes take it exclusively.
CREATE FUNCTION app.lock_tree_for_statement() RETURNS trigger
LANGUAGE plpgsql {FIXED} AS $$
BEGIN
  IF coalesce(current_setting('app.purge_organization', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'assets' THEN
    PERFORM app.lock_asset_tree(app.current_org(), TG_OP <> 'INSERT');
  ELSE
    PERFORM app.lock_location_tree(app.current_org(), TG_OP <> 'INSERT');
  END IF;
  RETURN NULL;
END $$;
"""

DERIVE = f"""
CREATE FUNCTION app.live_location_site(org uuid, location uuid) RETURNS uuid
LANGUAGE sql STABLE {FIXED} AS $$
  SELECT l.site_id FROM public.locations l
  WHERE l.organization_id = org AND l.id = location AND l.deleted_at IS NULL
$$;

-- Re-derives the roots' sites and pushes them down to every descendant that inherits its site
-- (has no live location of its own). One statement; the CYCLE clause bounds a corrupt tree.
CREATE FUNCTION app.refresh_asset_sites(org uuid, roots uuid[]) RETURNS void
LANGUAGE sql VOLATILE {FIXED} AS $$
  WITH RECURSIVE walk (id, site_id) AS (
    SELECT a.id, coalesce(app.live_location_site(org, a.location_id),
                          (SELECT p.site_id FROM public.assets p
                           WHERE p.organization_id = org AND p.id = a.parent_id))
    FROM public.assets a WHERE a.organization_id = org AND a.id = ANY (roots)
    UNION ALL
    SELECT c.id, w.site_id FROM walk w
    JOIN public.assets c ON c.organization_id = org AND c.parent_id = w.id
    WHERE app.live_location_site(org, c.location_id) IS NULL
  ) CYCLE id SET looped USING path
  UPDATE public.assets a SET site_id = w.site_id, version = a.version + 1
  FROM walk w
  WHERE a.organization_id = org AND a.id = w.id AND NOT w.looped
    AND a.site_id IS DISTINCT FROM w.site_id
$$;

CREATE FUNCTION app.refresh_location_sites(org uuid, root uuid) RETURNS void
LANGUAGE plpgsql VOLATILE {FIXED} AS $$
DECLARE
  site uuid;
  ids uuid[];
BEGIN
  SELECT CASE WHEN l.kind = 'site' THEN l.id ELSE p.site_id END INTO site
  FROM public.locations l
  LEFT JOIN public.locations p ON p.organization_id = org AND p.id = l.parent_id
  WHERE l.organization_id = org AND l.id = root;
  IF site IS NULL THEN
    RETURN;
  END IF;
  WITH RECURSIVE walk (id) AS (
    SELECT root
    UNION ALL
    SELECT c.id FROM walk w
    JOIN public.locations c ON c.organization_id = org AND c.parent_id = w.id
  ) CYCLE id SET looped USING path
  SELECT pg_catalog.array_agg(w.id) INTO ids FROM walk w WHERE NOT w.looped;
  UPDATE public.locations l SET site_id = site, version = l.version + 1
  WHERE l.organization_id = org AND l.id = ANY (ids) AND l.site_id IS DISTINCT FROM site;
  PERFORM app.refresh_asset_sites(org, ARRAY(
    SELECT a.id FROM public.assets a WHERE a.organization_id = org AND a.location_id = ANY (ids)));
END $$;

CREATE FUNCTION app.location_site() RETURNS trigger LANGUAGE plpgsql {FIXED} AS $$
BEGIN
  IF {PURGING} THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND {CASCADE} AND NEW.kind = OLD.kind THEN
    RETURN NEW;
  END IF;
  IF NEW.kind = 'site' THEN
    NEW.site_id := NEW.id;
  ELSIF NEW.parent_id IS NOT NULL THEN
    NEW.site_id := coalesce((SELECT p.site_id FROM public.locations p
                             WHERE p.organization_id = NEW.organization_id
                               AND p.id = NEW.parent_id), NEW.site_id);
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION app.location_site_moved() RETURNS trigger LANGUAGE plpgsql {FIXED} AS $$
BEGIN
  IF {PURGING} OR ({CASCADE} AND NEW.kind = OLD.kind
                   AND NEW.deleted_at IS NOT DISTINCT FROM OLD.deleted_at) THEN
    RETURN NULL;
  END IF;
  IF NEW.site_id IS DISTINCT FROM OLD.site_id OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
     OR NEW.kind IS DISTINCT FROM OLD.kind THEN
    PERFORM app.refresh_location_sites(NEW.organization_id, NEW.id);
  ELSIF NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
    PERFORM app.refresh_asset_sites(NEW.organization_id, ARRAY(
      SELECT a.id FROM public.assets a
      WHERE a.organization_id = NEW.organization_id AND a.location_id = NEW.id));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION app.asset_site() RETURNS trigger LANGUAGE plpgsql {FIXED} AS $$
BEGIN
  IF {PURGING} THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND {CASCADE} AND NEW.location_id IS NOT DISTINCT FROM OLD.location_id THEN
    RETURN NEW;
  END IF;
  NEW.site_id := coalesce(app.live_location_site(NEW.organization_id, NEW.location_id),
                          (SELECT p.site_id FROM public.assets p
                           WHERE p.organization_id = NEW.organization_id
                             AND p.id = NEW.parent_id));
  RETURN NEW;
END $$;

CREATE FUNCTION app.asset_site_moved() RETURNS trigger LANGUAGE plpgsql {FIXED} AS $$
BEGIN
  IF {PURGING} OR ({CASCADE} AND NEW.location_id IS NOT DISTINCT FROM OLD.location_id) THEN
    RETURN NULL;
  END IF;
  IF NEW.site_id IS DISTINCT FROM OLD.site_id OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
     OR NEW.location_id IS DISTINCT FROM OLD.location_id THEN
    PERFORM app.refresh_asset_sites(NEW.organization_id, ARRAY[NEW.id]);
  END IF;
  RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER tree_lock BEFORE INSERT OR DELETE OR UPDATE OF parent_id, kind, site_id, deleted_at
  ON locations FOR EACH STATEMENT EXECUTE FUNCTION app.lock_tree_for_statement();
CREATE TRIGGER site_derived BEFORE INSERT OR UPDATE OF parent_id, kind, site_id
  ON locations FOR EACH ROW EXECUTE FUNCTION app.location_site();
CREATE TRIGGER site_cascade AFTER UPDATE OF parent_id, kind, site_id, deleted_at
  ON locations FOR EACH ROW EXECUTE FUNCTION app.location_site_moved();
CREATE TRIGGER tree_lock BEFORE INSERT OR UPDATE OF parent_id, location_id, site_id
  ON assets FOR EACH STATEMENT EXECUTE FUNCTION app.lock_tree_for_statement();
CREATE TRIGGER site_derived BEFORE INSERT OR UPDATE OF parent_id, location_id, site_id
  ON assets FOR EACH ROW EXECUTE FUNCTION app.asset_site();
CREATE TRIGGER site_cascade AFTER UPDATE OF parent_id, location_id, site_id
  ON assets FOR EACH ROW EXECUTE FUNCTION app.asset_site_moved();
"""

SEARCH = """
SELECT m.id, m.rank FROM (
  SELECT a.id, pg_catalog.ts_rank(a.search_vector, terms.q)::float8 AS rank
  FROM public.assets a,
       (SELECT pg_catalog.websearch_to_tsquery('simple', query)
               OPERATOR(pg_catalog.||) pg_catalog.websearch_to_tsquery('english', query) AS q) terms
  WHERE a.organization_id = app.current_org() AND a.deleted_at IS NULL
    AND (site_ids IS NULL OR a.site_id = ANY (site_ids))
    AND a.search_vector OPERATOR(pg_catalog.@@) terms.q
) m
WHERE after_rank IS NULL OR m.rank < after_rank OR (m.rank = after_rank AND m.id > after_id)
"""

POINT = "app.geo_point(t.latitude, t.longitude)"
HERE = "app.geo_point(lat, lng)"
NEARBY = f"""
SELECT near.id, near.distance_m FROM (
  SELECT t.id, app.geo_distance_m({POINT}, {HERE}) AS distance_m FROM public.assets t
  WHERE t.organization_id = app.current_org() AND t.deleted_at IS NULL
    AND t.latitude IS NOT NULL AND (site_ids IS NULL OR t.site_id = ANY (site_ids))
  ORDER BY {POINT} OPERATOR(public.<->) {HERE} LIMIT max_rows
) near
WHERE near.distance_m <= radius_m
"""

SCOPED = {
    "search_assets(query text, site_ids uuid[], after_rank float8, after_id uuid)": (
        "TABLE(id uuid, rank float8)",
        SEARCH,
        100,
    ),
    "nearby_assets(lat float8, lng float8, radius_m float8, max_rows int, site_ids uuid[])": (
        "TABLE(id uuid, distance_m float8)",
        NEARBY,
        20,
    ),
}
HELPERS = (
    "lock_tree(uuid, text, boolean)",
    "lock_location_tree(uuid, boolean)",
    "lock_asset_tree(uuid, boolean)",
    "live_location_site(uuid, uuid)",
    "refresh_asset_sites(uuid, uuid[])",
    "refresh_location_sites(uuid, uuid)",
)
TRIGGER_FUNCTIONS = (
    "lock_tree_for_statement",
    "location_site",
    "location_site_moved",
    "asset_site",
    "asset_site_moved",
)


def upgrade() -> None:
    run_sql(LOCKS)
    run_sql(DERIVE)
    for helper in HELPERS:
        op.execute(f"REVOKE ALL ON FUNCTION app.{helper} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION app.{helper} TO {Role.APP}, {Role.MAINT}")
    run_sql(TRIGGERS)
    op.execute("DROP FUNCTION app.search_assets(text, int)")
    op.execute("DROP FUNCTION app.nearby_assets(float8, float8, float8, int)")
    for signature, (returns, body, rows) in SCOPED.items():
        definer_function(signature, returns, body, rows=rows)


def downgrade() -> None:
    op.execute("DROP FUNCTION app.search_assets(text, uuid[], float8, uuid)")
    op.execute("DROP FUNCTION app.nearby_assets(float8, float8, float8, int, uuid[])")
    geo.create_nearby_function("assets")
    definer_function(
        "search_assets(query text, max_rows int)",
        "TABLE(id uuid, rank real)",
        "SELECT a.id, ts_rank(a.search_vector, q) AS rank FROM public.assets a,"
        " (SELECT websearch_to_tsquery('simple', query) || websearch_to_tsquery('english', query)"
        " AS q) query_terms"
        " WHERE a.organization_id = app.current_org() AND a.deleted_at IS NULL"
        " AND a.search_vector @@ q ORDER BY rank DESC, a.id LIMIT max_rows",
    )
    for table in ("assets", "locations"):
        for trigger in ("site_cascade", "site_derived", "tree_lock"):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in TRIGGER_FUNCTIONS:
        op.execute(f"DROP FUNCTION app.{function}()")
    for helper in reversed(HELPERS):
        op.execute(f"DROP FUNCTION app.{helper}")
