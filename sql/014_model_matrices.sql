-- The interaction matrix a model version was fitted on, saved with it (issue 12). A starting stream worker reads
-- these ~8 bytes per (user, item) pair instead of every interaction row (at ML-20M 160 MB instead of a 1.7 GB heap
-- that a cold page cache reads at disk speed), then reads only the interactions committed after `snapshot`, the
-- nightly run's exact snapshot: together exactly the interactions visible now.
CREATE TABLE model_matrices (
    version     integer PRIMARY KEY,
    -- pg_snapshot text form of the snapshot the matrix was read in
    snapshot    text NOT NULL,
    -- the item ids the rows' item indices name, in index order
    item_ids    integer[] NOT NULL,
    pairs       bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per user, so erasure (which deletes from every table with a user_id) removes a user from the matrix.
CREATE TABLE model_matrix_rows (
    version      integer NOT NULL REFERENCES model_matrices ON DELETE CASCADE,
    user_id      integer NOT NULL,
    -- little-endian int32 indices into model_matrices.item_ids
    items        bytea NOT NULL,
    -- little-endian float32 values, one per item
    item_values  bytea NOT NULL,
    PRIMARY KEY (version, user_id)
);
-- Indices and floats do not compress; trying costs the nightly CPU for nothing.
ALTER TABLE model_matrix_rows ALTER COLUMN items SET STORAGE EXTERNAL, ALTER COLUMN item_values SET STORAGE EXTERNAL;
