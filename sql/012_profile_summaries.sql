-- LLM-written profile summaries (issue 11). A summary now lives in its own table: the ingest statement rewrites
-- every touched `user_profiles` row, and carrying hundreds of bytes of text in each of those rewrites bought
-- nothing. Beside the text: who wrote it (`summary_source`), which model was asked (`summary_model`; with source
-- 'template' the model's text was refused), and the profile facts it rests on, which decide when a refresh asks
-- for a new one (the material-change rule in docs/llm.md).
CREATE TABLE profile_summaries (
    user_id            integer PRIMARY KEY,
    summary            text NOT NULL,
    summary_source     text NOT NULL CHECK (summary_source IN ('template', 'llm')),
    summary_model      text,
    event_count        bigint NOT NULL,
    top_genres         text[] NOT NULL,
    with_demographics  boolean NOT NULL,
    written_at         timestamptz NOT NULL DEFAULT now()
);

INSERT INTO profile_summaries (user_id, summary, summary_source, event_count, top_genres, with_demographics)
SELECT user_id, summary, 'template', event_count, '{}', false FROM user_profiles WHERE summary IS NOT NULL;

ALTER TABLE user_profiles DROP COLUMN summary;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recworker_analyst') THEN
        GRANT SELECT ON profile_summaries TO recworker_analyst;
    END IF;
END
$$;
