-- One row per (user, run) holding the whole ranked list (issue 13). With a row per rank, a refresh of one user wrote
-- ten rows into the heap and two indexes, and refreshing the users 5,000 events a second touch at 50,000 users spent
-- most of the refresher's database time there: 7.7 µs per row for a first insert, 11 µs per rewritten row, and a
-- delete of the ranks a user lost (40,000 users' lists of ten, timed in psql). A list per row is one heap tuple and
-- one primary-key entry: 0.56 s for those 40,000 users' first lists against 3.1 s, and 0.63 s against 4.3 s to rewrite
-- them (0.67 s with the GIN index below).
--
-- Readers keep the row-per-rank shape: `recommendations` becomes a view with the same columns, and
-- `current_recommendations` reads it as before. "Every user an item is recommended to" has a function that uses the
-- GIN index on `item_ids` (below).
CREATE TABLE recommendation_lists (
    user_id             integer NOT NULL,
    run_id              bigint NOT NULL,
    source              text NOT NULL CHECK (source IN ('llm', 'model', 'popular')),
    model_version       text NOT NULL,
    generated_at        timestamptz NOT NULL DEFAULT now(),
    -- rank n is element n of every array
    item_ids            integer[] NOT NULL,
    scores              double precision[] NOT NULL,
    explanations        text[] NOT NULL,
    explanation_sources text[] NOT NULL,
    PRIMARY KEY (user_id, run_id),
    CHECK (array_ndims(item_ids) IS NULL OR array_ndims(item_ids) = 1),
    CHECK (cardinality(scores) = cardinality(item_ids) AND cardinality(explanations) = cardinality(item_ids)
           AND cardinality(explanation_sources) = cardinality(item_ids)),
    CHECK (explanation_sources <@ ARRAY['llm', 'template'])
) WITH (fillfactor = 70);

CREATE INDEX recommendation_lists_items ON recommendation_lists USING gin (item_ids);

INSERT INTO recommendation_lists (user_id, run_id, source, model_version, generated_at, item_ids, scores, explanations, explanation_sources)
SELECT user_id, run_id, min(source), min(model_version), max(generated_at),
       array_agg(item_id ORDER BY rank), array_agg(score ORDER BY rank), array_agg(explanation ORDER BY rank),
       array_agg(explanation_source ORDER BY rank)
FROM recommendations
GROUP BY user_id, run_id;

DROP VIEW current_recommendations;
DROP TABLE recommendations;

CREATE VIEW recommendations AS
SELECT l.user_id, l.run_id, e.rank::integer AS rank, e.item_id, e.score, l.source, e.explanation, l.model_version, l.generated_at,
       e.explanation_source
FROM recommendation_lists l
CROSS JOIN LATERAL unnest(l.item_ids, l.scores, l.explanations, l.explanation_sources)
    WITH ORDINALITY AS e(item_id, score, explanation, explanation_source, rank);

CREATE VIEW current_recommendations AS
SELECT r.user_id, r.rank, r.item_id, i.title, r.score, r.source, r.explanation, r.model_version, r.run_id, r.generated_at,
       r.explanation_source
FROM recommendations r
JOIN publication_state p ON r.run_id = p.current_run_id
LEFT JOIN items i ON i.item_id = r.item_id;

-- Every user the published run recommends an item to, through the GIN index: a filter on the views' item_id has to
-- unnest every list of the run.
CREATE FUNCTION current_recommendations_of_item(item integer)
RETURNS TABLE (user_id integer, rank integer, score double precision, run_id bigint)
LANGUAGE sql STABLE AS $$
    SELECT l.user_id, array_position(l.item_ids, item), l.scores[array_position(l.item_ids, item)], l.run_id
    FROM recommendation_lists l
    JOIN publication_state p ON l.run_id = p.current_run_id
    WHERE l.item_ids @> ARRAY[item]
$$;

-- The run check of migration 016, once per statement, now on the lists.
CREATE TRIGGER recommendation_lists_run_exists_on_insert AFTER INSERT ON recommendation_lists
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recworker_recommendations_run_exists();
CREATE TRIGGER recommendation_lists_run_exists_on_update AFTER UPDATE ON recommendation_lists
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recworker_recommendations_run_exists();

CREATE OR REPLACE FUNCTION recworker_delete_rows_of_deleted_runs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM recommendation_lists WHERE run_id IN (SELECT run_id FROM old_runs);
    RETURN NULL;
END
$$;

-- Dropping the table and views dropped their grants; the roles of 004 and 008 get them back where they exist.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['recworker_reader', 'recworker_analyst'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT SELECT ON current_recommendations, recommendations, recommendation_lists TO %I', r);
        END IF;
    END LOOP;
END
$$;
