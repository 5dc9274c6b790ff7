-- Security and operations (issue 10): the nightly job's lease, the erasure audit, LLM cache ownership and
-- least-privilege reader roles.

-- One row per exclusive job. A job holds the lease while `expires_at` is in the future and renews it; every write
-- phase checks, in its own transaction, that its fencing token is still the current one, so a job that lost the
-- lease (expired, taken over) can never write or flip. Unlike a session advisory lock it works through PgBouncer
-- in transaction mode.
CREATE TABLE job_leases (
    job            text PRIMARY KEY,
    holder         text NOT NULL,
    fencing_token  bigint NOT NULL,
    acquired_at    timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);

-- `recworker user erase`: what was deleted and when, without the user id or any other personal data.
CREATE TABLE erasures (
    erasure_id    bigserial PRIMARY KEY,
    erased_at     timestamptz NOT NULL DEFAULT now(),
    requested_by  text NOT NULL DEFAULT current_user,
    rows_deleted  jsonb NOT NULL
);

-- Which users' prompts produced a cache entry, so an erasure can delete them (the key is a hash of the prompt).
CREATE TABLE llm_cache_users (
    user_id    integer NOT NULL,
    cache_key  text NOT NULL REFERENCES llm_cache (cache_key) ON DELETE CASCADE,
    PRIMARY KEY (user_id, cache_key)
);
CREATE INDEX llm_cache_users_key ON llm_cache_users (cache_key);

-- The reader sees published recommendations and item data only; profiles and per-user behaviour move to an
-- opt-in analyst role. Creating roles needs CREATEROLE: a worker role without it skips that step (an
-- administrator creates the roles, see docs/security.md) and the grants follow once the roles exist.
DO $$
DECLARE
    may_create boolean := (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user);
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['recworker_reader', 'recworker_analyst'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            IF may_create THEN
                BEGIN
                    EXECUTE format('CREATE ROLE %I NOLOGIN', r);
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END;
            ELSE
                RAISE NOTICE 'role % does not exist and % may not create roles; skipping its grants', r, current_user;
                CONTINUE;
            END IF;
        END IF;
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), r);
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', r);
        EXECUTE format('GRANT SELECT ON current_recommendations, recommendations, recommendation_runs, publication_state, items TO %I', r);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recworker_reader') THEN
        REVOKE SELECT ON user_profiles, user_activity, user_genre_affinity FROM recworker_reader;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recworker_analyst') THEN
        GRANT SELECT ON user_profiles, user_activity, user_genre_affinity, item_stats TO recworker_analyst;
    END IF;
END
$$;
