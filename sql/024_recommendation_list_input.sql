-- One user's list as the stream refresher and the nightly writer send it: an array of these arrives as its rows.
-- Sent as flat item arrays, every list had to be rebuilt on the server by sorting the items back into their users
-- (four `array_agg(… ORDER BY rank)` per list), about two thirds of the statement's time in a 50,000-user stream
-- (issue 13). Composite binary input checks each field's type, so the fields follow `recommendation_lists`.
CREATE TYPE recommendation_list_input AS (
    user_id integer,
    source text,
    model_version text,
    item_ids integer[],
    scores double precision[],
    explanations text[],
    explanation_sources text[]
);
