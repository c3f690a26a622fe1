"""archive without blocking: rows are locked before their references are read, and the quarter
is left empty and attached for a concurrent detach outside the function (D5)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import run_sql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in revision 0026, with one change: the rows of each table that cascade are locked
# (FOR UPDATE, the one lock a writer's foreign-key check, FOR KEY SHARE, waits for) before
# their own references are read. A row another transaction was referring to while it was read
# is then either seen, committed, and settled, or its writer waits and fails once the row has
# gone: with the triggers off, nothing else would stop a reference into the archive.
ARCHIVE_ROWS = f"""
CREATE OR REPLACE FUNCTION app.archive_rows(parent regclass, chosen text, kept regclass)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  fk record;
  picked text;
  found boolean;
  moved bigint;
  summary jsonb := '{{}}';
BEGIN
  FOR fk IN
    SELECT c.conrelid::regclass AS child, c.confdeltype AS on_delete, r.relname,
           (SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY k.n)
              FROM unnest(c.conkey) WITH ORDINALITY AS k(att, n)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS child_key,
           (SELECT string_agg(format('p.%I', a.attname), ', ' ORDER BY k.n)
              FROM unnest(c.confkey) WITH ORDINALITY AS k(att, n)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att) AS parent_key,
           (SELECT string_agg(format('%I = NULL', a.attname), ', ')
              FROM pg_attribute a WHERE a.attrelid = c.conrelid
               AND a.attnum = ANY (COALESCE(c.confdelsetcols, c.conkey))) AS cleared
    FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
    WHERE c.contype = 'f' AND c.confrelid = parent AND c.conparentid = 0
    ORDER BY r.relname, c.conname
  LOOP
    picked := format('(%s) IN (SELECT %s FROM (%s) AS p)', fk.child_key, fk.parent_key, chosen);
    IF fk.child = 'public.work_orders'::regclass THEN
      picked := picked || format(' AND t.tableoid <> %s', kept::oid);
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT FROM %s AS t WHERE %s)', fk.child, picked)
      INTO STRICT found;
    IF NOT found THEN
      CONTINUE;  -- also where a table's rows cascade from its own (replies to comments) ends
    ELSIF fk.on_delete = 'n' THEN
      EXECUTE format('UPDATE %s AS t SET %s WHERE %s', fk.child, fk.cleared, picked);
      CONTINUE;
    ELSIF fk.on_delete <> 'c' THEN
      RAISE EXCEPTION 'still referenced from %', fk.relname USING ERRCODE = 'object_in_use';
    END IF;
    EXECUTE format('SELECT count(*) FROM (SELECT FROM %s AS t WHERE %s FOR UPDATE OF t) AS l',
                   fk.child, picked);
    summary := summary || app.archive_rows(
      fk.child, format('SELECT t.* FROM %s AS t WHERE %s', fk.child, picked), kept);
    EXECUTE format('CREATE TABLE IF NOT EXISTS archive.%I (LIKE %s)', fk.relname, fk.child);
    EXECUTE format('ALTER TABLE archive.%I OWNER TO {Role.OWNER}', fk.relname);
    EXECUTE format('WITH gone AS (DELETE FROM %s AS t WHERE %s RETURNING t.*)'
                   ' INSERT INTO archive.%I SELECT * FROM gone', fk.child, picked, fk.relname);
    GET DIAGNOSTICS moved = ROW_COUNT;
    summary := summary || jsonb_build_object(
      fk.relname, COALESCE((summary ->> fk.relname)::bigint, 0) + moved);
  END LOOP;
  RETURN summary;
END
$$;
"""

# The quarter's work orders are locked and counted in one pass, their references settled, and
# they move to archive.<partition name> in one statement (a row committed between a copy and a
# delete would be lost). The emptied partition stays attached: `DETACH ... CONCURRENTLY`, which
# readers do not wait for, cannot run inside a function's transaction, so the caller runs it
# after the commit (partition/service.py). A quarter whose move committed but whose detach did
# not finish may be passed again: it has nothing left to move.
ARCHIVE_PARTITION = f"""
CREATE OR REPLACE FUNCTION app.archive_work_order_partition(part regclass)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = part);
  open_rows bigint;
  rows bigint;
  summary jsonb;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_inherits WHERE inhrelid = part AND NOT inhdetachpending
                 AND inhparent = 'public.work_orders'::regclass) THEN
    RAISE EXCEPTION '% is not a partition of work_orders', part
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF current_setting('session_replication_role') <> 'replica' THEN
    RAISE EXCEPTION 'archiving runs with session_replication_role = replica'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Fresh statistics of the quarter, so each reference into it is planned for its real size
  -- (an empty quarter is a few index probes, not a scan of every child table).
  EXECUTE format('ANALYZE %s', part);
  EXECUTE format('SELECT count(*) FILTER (WHERE deleted_at IS NULL'
                 ' AND status NOT IN (''closed'', ''cancelled'')), count(*)'
                 ' FROM (SELECT deleted_at, status FROM %s FOR UPDATE) AS l', part)
    INTO open_rows, rows;
  IF open_rows > 0 THEN
    RAISE EXCEPTION '% work orders of % are still open', open_rows, part
      USING ERRCODE = 'object_in_use';
  END IF;
  summary := app.archive_rows('public.work_orders'::regclass,
                              format('SELECT t.* FROM %s AS t', part), part);
  EXECUTE format('CREATE TABLE IF NOT EXISTS archive.%I (LIKE %s INCLUDING INDEXES)', name, part);
  EXECUTE format('ALTER TABLE archive.%I OWNER TO {Role.OWNER}', name);
  EXECUTE format('WITH gone AS (DELETE FROM %s RETURNING *) INSERT INTO archive.%I'
                 ' SELECT * FROM gone', part, name);
  -- The detach checks each referring table against the partition while writers to those
  -- tables wait: planned for an empty partition (the rows this transaction deleted count as
  -- dead), that is a pass over the emptied pages, not a scan of a referring table.
  EXECUTE format('ANALYZE %s', part);
  RETURN jsonb_build_object('work_orders', rows) || summary;
END
$$;
"""


def _revision_0026() -> ModuleType:
    path = Path(__file__).with_name("2026_12_02_0026_partition_archive.py")
    spec = importlib.util.spec_from_file_location("revision_0026", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    run_sql(ARCHIVE_ROWS)
    run_sql(ARCHIVE_PARTITION)


# Revision 0026's archiver knows neither a quarter left emptied and attached, nor a pending
# detach, nor a detached quarter not yet dropped: each is finished here first. A quarter with
# an archive twin that holds rows again stops the downgrade.
FINISH_QUARTERS = """
DO $$
DECLARE
  q record;
  found boolean;
BEGIN
  FOR q IN
    SELECT c.oid::regclass AS part, i.inhdetachpending AS pending, i.inhrelid IS NOT NULL AS linked
    FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      AND c.relname LIKE 'work\\_orders\\_p%'
      AND to_regclass(format('archive.%I', c.relname)) IS NOT NULL
      AND (i.inhrelid IS NULL OR i.inhparent = 'public.work_orders'::regclass)
  LOOP
    EXECUTE format('SELECT EXISTS (SELECT FROM %s)', q.part) INTO found;
    IF found THEN
      RAISE EXCEPTION '% is archived and holds rows again', q.part;
    ELSIF q.linked THEN
      EXECUTE format('ALTER TABLE public.work_orders DETACH PARTITION %s %s', q.part,
                     CASE WHEN q.pending THEN 'FINALIZE' ELSE '' END);
    END IF;
    EXECUTE format('DROP TABLE %s', q.part);
  END LOOP;
END
$$;
"""


def downgrade() -> None:
    run_sql(FINISH_QUARTERS)
    # Revision 0026's bodies, which detach and drop the quarter inside the function again.
    previous = _revision_0026()
    for sql in (previous.ARCHIVE_ROWS, previous.ARCHIVE_PARTITION):
        run_sql(sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
