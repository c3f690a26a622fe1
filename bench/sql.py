"""The SQL the floor app and pgbench run: the statements the API sends for each scenario.

Captured from the API's own SQL trace (`MAINTAINPRO_LOG__SQL=true`, one request per scenario)
and kept verbatim, casts included, so the floor pays the database exactly what the API pays for
the query itself. Updated with the optimisations of issue 8 (RESULTS.md): the response columns
only (no `search_vector`), and search as one ranked, keyset-paged statement.
"""

from __future__ import annotations

SET_CONTEXT = (
    "SELECT set_config('app.organization_id', $1, true),"
    " set_config('app.user_id', $2, true),"
    " set_config('app.request_id', $3, true),"
    " set_config('app.client_ip', $4, true),"
    " set_config('statement_timeout', $5, true),"
    " set_config('plan_cache_mode', $6, true)"
)
# The API plans a work order read by id and an unfiltered page once, generically, and every
# other work order list with its values (core/db.py, `plan_mode`; `listing.plans`).
GENERIC = "force_generic_plan"
AUTO = "auto"

ASSET_COLUMNS = (
    "assets.id, assets.organization_id, assets.code, assets.name, assets.description,"
    " assets.category, assets.manufacturer, assets.model, assets.serial_number, assets.status,"
    " assets.criticality, assets.parent_id, assets.location_id, assets.site_id,"
    " assets.latitude, assets.longitude, assets.purchase_cost, assets.replacement_value,"
    " assets.install_date, assets.warranty_expires_on, assets.specifications,"
    " assets.label_code, assets.created_at, assets.updated_at,"
    " assets.created_by, assets.updated_by, assets.deleted_at, assets.version"
)
_FROM = f"SELECT {ASSET_COLUMNS} \nFROM assets \nWHERE assets.organization_id = $1::UUID"
_LIVE = " AND assets.deleted_at IS NULL"
_BY_NAME = " ORDER BY assets.name, assets.id \n LIMIT "

ASSET_BY_ID = f"{_FROM} AND assets.id = $2::UUID{_LIVE}"
FIRST_PAGE = f"{_FROM}{_LIVE}{_BY_NAME}$2::INTEGER"
STATUS_PAGE = f"{_FROM}{_LIVE} AND assets.status = $2::VARCHAR{_BY_NAME}$3::INTEGER"
CURSOR_PAGE = (
    f"{_FROM}{_LIVE} AND (assets.name, assets.id) > ($2::VARCHAR, $3::UUID){_BY_NAME}$4::INTEGER"
)
# $1 term, $2 site ids (NULL: the whole organization), $3/$4 the cursor's (rank, id) or NULL,
# $5 organization, $6 page size + 1.
SEARCH = (
    f"SELECT {ASSET_COLUMNS}, matches.rank \nFROM assets JOIN app.search_assets($1::VARCHAR,"
    " CAST($2::UUID[] AS UUID[]), $3::FLOAT, $4::UUID) AS matches ON matches.id = assets.id \n"
    f"WHERE assets.organization_id = $5::UUID{_LIVE}"
    " ORDER BY matches.rank DESC, matches.id \n LIMIT $6::INTEGER"
)


# Writes: the floor's plain single-statement handlers (no audit row, outbox or idempotency
# beyond what the table's own trigger does).
INSERT_ASSET = (
    "INSERT INTO assets (id, organization_id, code, name, label_code, status, criticality,"
    " created_by, updated_by)"
    " VALUES (app.uuidv7(), $1::UUID, $2::VARCHAR, $3::VARCHAR, $2::VARCHAR, 'active', 'medium',"
    " $4::UUID, $4::UUID)"
    f" RETURNING {ASSET_COLUMNS}"
)
UPDATE_ASSET = (
    "UPDATE assets SET name = $1::VARCHAR, updated_at = now(), updated_by = $2::UUID,"
    " version = version + 1"
    " WHERE assets.organization_id = $3::UUID AND assets.id = $4::UUID"
    " AND assets.version = $5::INTEGER AND assets.deleted_at IS NULL"
    f" RETURNING {ASSET_COLUMNS}"
)
# Bulk ingestion: the API's batched insert, verbatim.
INSERT_READINGS = """
    INSERT INTO meter_readings (organization_id, meter_id, measured_at, value, source, reset)
    SELECT CAST($1 AS uuid), r.meter_id, r.measured_at, r.value, r.source, r.reset
    FROM unnest(CAST($2 AS uuid[]), CAST($3 AS timestamptz[]), CAST($4 AS float8[]),
                CAST($5 AS text[]), CAST($6 AS text[]))
         AS r(meter_id, measured_at, value, source, reset)
    ON CONFLICT DO NOTHING
    RETURNING meter_id, measured_at, source
    """
