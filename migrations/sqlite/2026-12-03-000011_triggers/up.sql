-- The widget's triggers. Conditions and actions are JSON arrays, as the API carries them.
CREATE TABLE triggers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    run_once BOOLEAN NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
