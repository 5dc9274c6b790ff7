-- A published row's run must exist (issue 13). The foreign key checked that once per row: for a claim of 4,000 new
-- users (40,000 rows) its trigger took 190 of the insert's 520 ms, the largest single cost of a stream refresh at
-- 50,000 users and of the nightly's writes. The same guarantee now costs one check per statement: the distinct runs
-- of the statement's new rows are locked FOR KEY SHARE, as the foreign key locks them, so a concurrent delete of
-- the run waits for the writer or makes it fail; deleting a run still deletes its rows (the pruner deletes them
-- first anyway).
ALTER TABLE recommendations DROP CONSTRAINT recommendations_run_id_fkey;

-- SECURITY DEFINER: FOR KEY SHARE needs a privilege on recommendation_runs that writers need not have.
CREATE FUNCTION recworker_recommendations_run_exists() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    missing bigint;
BEGIN
    SELECT n.run_id INTO missing
    FROM (SELECT DISTINCT run_id FROM new_rows) n
    LEFT JOIN LATERAL (SELECT r.run_id FROM recommendation_runs r WHERE r.run_id = n.run_id FOR KEY SHARE) r ON true
    WHERE r.run_id IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'recommendations reference run %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

-- Transition tables allow one event per trigger.
CREATE TRIGGER recommendations_run_exists_on_insert AFTER INSERT ON recommendations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recworker_recommendations_run_exists();
CREATE TRIGGER recommendations_run_exists_on_update AFTER UPDATE ON recommendations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recworker_recommendations_run_exists();

CREATE FUNCTION recworker_delete_rows_of_deleted_runs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM recommendations WHERE run_id IN (SELECT run_id FROM old_runs);
    RETURN NULL;
END
$$;

CREATE TRIGGER recommendation_runs_delete_rows AFTER DELETE ON recommendation_runs
    REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT EXECUTE FUNCTION recworker_delete_rows_of_deleted_runs();
