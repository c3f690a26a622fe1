"""partition archive: old work-order partitions, with every row that hangs off their work
orders, move to the `archive` schema (D5)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import run_sql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows of `parent` chosen by the query `chosen` leave, and every reference to them is
# settled first as its foreign key declares a delete settles it: rows that cascade move,
# recursively, to archive.<table> (the same columns, no keys, owned by the owner role); a
# SET NULL reference is cleared; a reference that would block a delete (a stock movement, a
# request, a follow-up from elsewhere) stops the archival, so nothing live ever points into
# the archive. `kept` is the partition itself, whose own rows may point at each other.
ARCHIVE_ROWS = f"""
CREATE FUNCTION app.archive_rows(parent regclass, chosen text, kept regclass)
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
REVOKE ALL ON FUNCTION app.archive_rows(regclass, text, regclass) FROM PUBLIC;
"""

# One quarter of work orders out of the live table: only when every work order in it is closed,
# cancelled or deleted; runs with the triggers off (the maintenance role's loader setting), so
# moving rows neither writes audit rows for them nor rolls labor off their work orders. The
# archived quarter, archive.<partition name>, has the partition's columns and indexes and no
# foreign keys: the archive stands alone.
ARCHIVE_PARTITION = f"""
CREATE FUNCTION app.archive_work_order_partition(part regclass)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = part);
  open_rows bigint;
  rows bigint;
  summary jsonb;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_inherits
                 WHERE inhrelid = part AND inhparent = 'public.work_orders'::regclass) THEN
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
                 ' AND status NOT IN (''closed'', ''cancelled'')), count(*) FROM %s', part)
    INTO open_rows, rows;
  IF open_rows > 0 THEN
    RAISE EXCEPTION '% work orders of % are still open', open_rows, part
      USING ERRCODE = 'object_in_use';
  END IF;
  summary := app.archive_rows('public.work_orders'::regclass,
                              format('SELECT * FROM %s', part), part);
  -- The work orders are copied and deleted before the detach: PostgreSQL checks every key
  -- that points into a partition it detaches, under an ACCESS EXCLUSIVE lock on work_orders,
  -- and on a full quarter that check held every reader for 40 s (bench/RESULTS.md); on an
  -- empty one it is instant.
  EXECUTE format('CREATE TABLE archive.%I (LIKE %s INCLUDING INDEXES)', name, part);
  EXECUTE format('ALTER TABLE archive.%I OWNER TO {Role.OWNER}', name);
  EXECUTE format('INSERT INTO archive.%I SELECT * FROM %s', name, part);
  EXECUTE format('DELETE FROM %s', part);
  EXECUTE format('ALTER TABLE public.work_orders DETACH PARTITION %s', part);
  EXECUTE format('DROP TABLE %s', part);
  RETURN jsonb_build_object('work_orders', rows) || summary;
END
$$;
REVOKE ALL ON FUNCTION app.archive_work_order_partition(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.archive_work_order_partition(regclass) TO {Role.MAINT};
GRANT EXECUTE ON FUNCTION app.archive_rows(regclass, text, regclass) TO {Role.MAINT};
"""


def upgrade() -> None:
    # The owner's, reached by the operator roles (members of the owner) only.
    op.execute("CREATE SCHEMA archive")
    run_sql(ARCHIVE_ROWS)
    run_sql(ARCHIVE_PARTITION)


def downgrade() -> None:
    op.execute("DROP FUNCTION app.archive_work_order_partition(regclass)")
    op.execute("DROP FUNCTION app.archive_rows(regclass, text, regclass)")
    # Not CASCADE: archived work is restored (or dumped) before the schema may go.
    op.execute("DROP SCHEMA archive")
