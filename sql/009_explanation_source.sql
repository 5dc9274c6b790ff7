-- Where each published explanation's text came from: the LLM's own reason (kept by the explanation gate) or the
-- grounded template. `source` keeps saying who ordered the list.
ALTER TABLE recommendations ADD COLUMN explanation_source text NOT NULL DEFAULT 'template'
    CHECK (explanation_source IN ('llm', 'template'));

-- New columns go last: CREATE OR REPLACE VIEW may only append.
CREATE OR REPLACE VIEW current_recommendations AS
SELECT r.user_id, r.rank, r.item_id, i.title, r.score, r.source, r.explanation, r.model_version, r.run_id, r.generated_at,
       r.explanation_source
FROM recommendations r
JOIN publication_state p ON r.run_id = p.current_run_id
LEFT JOIN items i ON i.item_id = r.item_id;
