-- Makes FerretDB v1's pushed-down filters use an index on PostgreSQL.
--
-- FerretDB v1 hands PostgreSQL each equality of a filter as `_jsonb -> 'key' @> 'value'`, and its
-- own indexes are btree indexes on `(_jsonb -> 'key')`, which cannot answer `@>`. So every find,
-- even by `_id`, was a sequential scan of its collection: the outbox relay's "unpublished events"
-- read every event ever written, each pass. A GIN index (jsonb_path_ops) on the same expression
-- answers `@>`, and PostgreSQL uses it whenever it plans a statement with its values (below).
--
-- FerretDB runs these statements prepared (`_jsonb -> $1 @> $2`, the key a parameter too). After
-- five runs PostgreSQL may switch a prepared statement to a generic plan, planned without the
-- values: that plan cannot match `_jsonb -> 'key'` to any index, so it is a sequential scan again,
-- and it may keep that plan from then on. Measured on the send benchmark: the relay's by-`_id` marks
-- averaged 5.3 ms each, a scan of the whole event table, and took most of PostgreSQL's CPU. So the
-- database plans every execution with its values (plan_cache_mode, set below for the database).
--
-- This event trigger gives every btree index FerretDB creates one such GIN companion per key.
-- FerretDB does not see them (it keeps its own index list in its metadata table); they go with
-- their table, and with the btree index when FerretDB drops that (drop trigger below).
-- Run once per database, before FerretDB creates its tables (infra/engines/lib/mongodb.sh does, on the
-- CI engines); a FerretDB v1 deployment on PostgreSQL can run it the same way.

DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END $$;

-- The name of the companion of a btree index's key (at most 63 characters, whatever FerretDB named it).
CREATE OR REPLACE FUNCTION caas_companion_name(schema_name text, index_name text, key_number int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'caas_gin_' || md5(schema_name || '.' || index_name || ':' || key_number) $$;

CREATE OR REPLACE FUNCTION caas_pushdown_companions() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  command record;
  key_expression text;
  key_number int;
BEGIN
  FOR command IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    CONTINUE WHEN NOT EXISTS (
      SELECT 1 FROM pg_class index_class JOIN pg_am am ON am.oid = index_class.relam
      WHERE index_class.oid = command.objid AND am.amname = 'btree');
    FOR key_number IN SELECT generate_series(1, indnkeyatts) FROM pg_index WHERE indexrelid = command.objid LOOP
      key_expression := pg_get_indexdef(command.objid, key_number, true);
      CONTINUE WHEN key_expression NOT LIKE '(_jsonb %';
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)',
        caas_companion_name(command.schema_name, (SELECT relname FROM pg_class WHERE oid = command.objid), key_number),
        (SELECT indrelid::regclass FROM pg_index WHERE indexrelid = command.objid),
        key_expression);
    END LOOP;
  END LOOP;
END;
$$;

-- A companion belongs to its btree index: when FerretDB drops that index, its companions go too
-- (caas_companion_name says which btree index and key it was made for).
CREATE OR REPLACE FUNCTION caas_drop_pushdown_companions() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  dropped record;
  companion record;
BEGIN
  FOR dropped IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type = 'index' LOOP
    FOR companion IN
      SELECT index_class.relname FROM pg_class index_class JOIN pg_namespace namespace ON namespace.oid = index_class.relnamespace
      WHERE namespace.nspname = dropped.schema_name
        AND index_class.relname IN (SELECT caas_companion_name(dropped.schema_name, dropped.object_name, key_number) FROM generate_series(1, 32) AS key_number)
    LOOP
      EXECUTE format('DROP INDEX %I.%I', dropped.schema_name, companion.relname);
    END LOOP;
  END LOOP;
END;
$$;

DROP EVENT TRIGGER IF EXISTS caas_pushdown_companions;
CREATE EVENT TRIGGER caas_pushdown_companions ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION caas_pushdown_companions();
DROP EVENT TRIGGER IF EXISTS caas_drop_pushdown_companions;
CREATE EVENT TRIGGER caas_drop_pushdown_companions ON sql_drop WHEN TAG IN ('DROP INDEX')
  EXECUTE FUNCTION caas_drop_pushdown_companions();
