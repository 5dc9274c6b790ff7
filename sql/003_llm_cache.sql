-- LLM answers reused across runs: keyed by SHA-256 of the model and the exact request body (prompt,
-- schema, parameters), so an unchanged user costs nothing and any prompt change misses. Rows expire
-- by TTL; LLMCacheStore.purgeExpired() deletes them (the nightly run calls it).
CREATE TABLE llm_cache (
    cache_key          text PRIMARY KEY,
    model              text NOT NULL,
    content            text NOT NULL,
    prompt_tokens      integer,
    completion_tokens  integer,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL
);
CREATE INDEX llm_cache_expiry ON llm_cache (expires_at);
