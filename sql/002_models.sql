-- Trained models, versioned. A full retrain writes a new version of every model kind and marks it current
-- in the same transaction; the worker loads the current versions once and keeps them in memory.
-- Vectors are bytea of little-endian float32; their layout per kind is documented in docs/models.md.

CREATE TABLE model_versions (
    model_version_id  bigserial PRIMARY KEY,
    kind              text NOT NULL,
    version           integer NOT NULL,
    -- hyper-parameters and global scalars (e.g. the explicit model's global mean)
    parameters        jsonb NOT NULL DEFAULT '{}',
    -- for kinds whose vectors hold one value per item (EASE): the item id of each position
    column_item_ids   integer[] NOT NULL DEFAULT '{}',
    is_current        boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, version)
);
CREATE UNIQUE INDEX model_versions_one_current_per_kind ON model_versions (kind) WHERE is_current;

-- Item-side rows: factors (+ bias), EASE weight rows, neighbour lists, popularity counts.
CREATE TABLE model_item_vectors (
    model_version_id  bigint NOT NULL REFERENCES model_versions ON DELETE CASCADE,
    item_id           integer NOT NULL,
    vector            bytea NOT NULL,
    PRIMARY KEY (model_version_id, item_id)
);

-- User-side rows lead with user_id so they can be sharded by user like the other per-user tables.
-- The stream worker upserts folded-in users here between full retrains.
CREATE TABLE model_user_vectors (
    user_id           integer NOT NULL,
    model_version_id  bigint NOT NULL REFERENCES model_versions ON DELETE CASCADE,
    vector            bytea NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, model_version_id)
);
CREATE INDEX model_user_vectors_version ON model_user_vectors (model_version_id);
