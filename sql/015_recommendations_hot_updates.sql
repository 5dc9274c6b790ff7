-- The stream refresher rewrites a claimed user's published rows in place (issue 13). A row whose item stays at its
-- rank changes only its score, explanation and stamps; with `score` in the by-item index every such rewrite was a
-- new index entry in both indexes, about a third of the refresher's database time. Without it, and with room left
-- on each page, most rewrites are heap-only (HOT). "Every user an item is recommended to" still walks this index
-- and reads the score from the row.
CREATE INDEX recommendations_run_item_users ON recommendations (run_id, item_id) INCLUDE (user_id, rank);
DROP INDEX recommendations_run_item_user;
ALTER TABLE recommendations SET (fillfactor = 70);
