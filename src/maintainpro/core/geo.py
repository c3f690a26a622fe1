"""Spatial SQL for either backend (D3, D9): PostGIS `geography` where the extension is installed,
earthdistance (`ll_to_earth`) otherwise. Models keep plain latitude/longitude; migrations create
`app.geo_point`, the `*_geo_*` indexes and one nearest-first definer function per table."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from maintainpro.core.migration_ops import definer_function, run_sql

POSTGIS_POINT = (
    "SELECT CASE WHEN lat IS NULL OR lng IS NULL THEN NULL"
    " ELSE public.ST_SetSRID(public.ST_MakePoint(lng, lat), 4326)::public.geography END"
)
EARTH_POINT = (
    "SELECT CASE WHEN lat IS NULL OR lng IS NULL THEN NULL ELSE public.ll_to_earth(lat, lng) END"
)
FIXED = "IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, public"


def has_postgis(connection: Connection) -> bool:
    return bool(connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")))


def create_point_functions(postgis: bool) -> None:
    """`app.geo_point(lat, lng)` and `app.geo_distance_m(point, point)` for this backend, owned
    by the owner with a fixed search_path so index expressions survive dump and restore."""
    point_type = "public.geography" if postgis else "public.earth"
    body = POSTGIS_POINT if postgis else EARTH_POINT
    distance = (
        "SELECT public.ST_Distance(a, b)" if postgis else "SELECT public.earth_distance(a, b)"
    )
    run_sql(
        f"CREATE FUNCTION app.geo_point(lat float8, lng float8) RETURNS {point_type}"
        f" LANGUAGE sql {FIXED} AS $$ {body} $$;"
        f" CREATE FUNCTION app.geo_distance_m(a {point_type}, b {point_type}) RETURNS float8"
        f" LANGUAGE sql {FIXED} AS $$ {distance} $$;"
    )


def create_geo_index(table: str) -> None:
    run_sql(
        f"CREATE INDEX ix_{table}_geo_position ON {table} USING gist"
        f" (organization_id, app.geo_point(latitude, longitude))"
        f" WHERE deleted_at IS NULL AND latitude IS NOT NULL"
    )


def create_nearby_function(table: str) -> None:
    """Nearest first through the composite GiST (index-served under RLS: the definer filters the
    tenant itself), then the radius as a post-filter."""
    point = "app.geo_point(t.latitude, t.longitude)"
    here = "app.geo_point(lat, lng)"
    definer_function(
        f"nearby_{table}(lat float8, lng float8, radius_m float8, max_rows int)",
        "TABLE(id uuid, distance_m float8)",
        f"SELECT near.id, near.distance_m FROM ("
        f" SELECT t.id, app.geo_distance_m({point}, {here}) AS distance_m FROM public.{table} t"
        f" WHERE t.organization_id = app.current_org() AND t.deleted_at IS NULL"
        f" AND t.latitude IS NOT NULL ORDER BY {point} <-> {here} LIMIT max_rows) near"
        f" WHERE near.distance_m <= radius_m ORDER BY near.distance_m",
    )
