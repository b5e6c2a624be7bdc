-- Makes FerretDB v1 on PostgreSQL refuse an update computed from a document that has changed since
-- it was read, instead of silently undoing the change.
--
-- FerretDB v1 updates a document in two steps: it reads the document, applies the update's
-- operators in Go, and writes the whole result back by `_id` (UPDATE … SET _jsonb = $1), with no
-- lock in between. Two updates of one document at once both read the same version, and the later
-- write throws away the earlier one: a reaction count set by one request undid an edit made by
-- another. MongoDB applies each update atomically; the store port promises the same.
--
-- The guard: every document carries a revision, `_rev`, kept by PostgreSQL (set to 0 on insert,
-- raised by one on every update). FerretDB copies the revision it read into the document it
-- writes back, so an update whose `_rev` is not the stored one was computed from an older version:
-- it is refused with SQLSTATE 40001 (serialization_failure) and changes nothing. The store adapter
-- asks FerretDB again, which reads the document afresh (infra/store/mongodb-update-conflicts.ts),
-- and hides `_rev` from what it returns. A replacement (replaceOne) carries no `_rev`: it is whole,
-- computed from nothing it read, so it is written as it is and gets the next revision.
--
-- FerretDB's JSON keeps each document's field names and types in `$s` (its `$k` list must name
-- every field), so `_rev` is entered there too, as a 64-bit integer.
--
-- Run once per database, before FerretDB creates its tables (infra/engines/lib/mongodb.sh does, on
-- the CI engines); tables that already exist get the guard too, and a document written before it
-- is guarded from its first update on (until then it has no revision to compare). A FerretDB v1
-- deployment on PostgreSQL runs the same file.

CREATE OR REPLACE FUNCTION caas_with_revision(document jsonb, revision bigint) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  keyed jsonb := document;
BEGIN
  IF NOT (document -> '$s' -> '$k') ? '_rev' THEN
    keyed := jsonb_set(keyed, '{$s,$k}', (document -> '$s' -> '$k') || '["_rev"]'::jsonb);
    keyed := jsonb_set(keyed, '{$s,p,_rev}', '{"t":"long"}'::jsonb);
  END IF;
  RETURN jsonb_set(keyed, '{_rev}', to_jsonb(revision));
END;
$$;

CREATE OR REPLACE FUNCTION caas_revision_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW._jsonb := caas_with_revision(NEW._jsonb, 0);
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION caas_revision_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  stored bigint := COALESCE((OLD._jsonb ->> '_rev')::bigint, 0);
BEGIN
  IF NEW._jsonb ? '_rev' AND (NEW._jsonb ->> '_rev')::bigint <> stored THEN
    RAISE EXCEPTION 'caas update conflict: the document changed since it was read (revision % written over %)',
      NEW._jsonb ->> '_rev', stored USING ERRCODE = 'serialization_failure';
  END IF;
  NEW._jsonb := caas_with_revision(NEW._jsonb, stored + 1);
  RETURN NEW;
END;
$$;

-- A FerretDB collection table: one jsonb column `_jsonb`, in a schema FerretDB owns, not its metadata table.
CREATE OR REPLACE FUNCTION caas_guard_table(tab regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tab AND attname = '_jsonb' AND NOT attisdropped)
     OR (SELECT relname FROM pg_class WHERE oid = tab) LIKE '\_ferretdb\_%' THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tab AND tgname = 'caas_revision_on_update') THEN
    EXECUTE format('CREATE TRIGGER caas_revision_on_insert BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION caas_revision_on_insert()', tab);
    EXECUTE format('CREATE TRIGGER caas_revision_on_update BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION caas_revision_on_update()', tab);
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION caas_guard_new_tables() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
    PERFORM caas_guard_table(command.objid::regclass);
  END LOOP;
END;
$$;

DROP EVENT TRIGGER IF EXISTS caas_guard_new_tables;
CREATE EVENT TRIGGER caas_guard_new_tables ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION caas_guard_new_tables();

-- Tables FerretDB made before this file ran.
DO $$ BEGIN
  PERFORM caas_guard_table(table_class.oid::regclass)
  FROM pg_class table_class JOIN pg_namespace namespace ON namespace.oid = table_class.relnamespace
  WHERE table_class.relkind = 'r' AND namespace.nspname NOT IN ('pg_catalog', 'information_schema');
END $$;
