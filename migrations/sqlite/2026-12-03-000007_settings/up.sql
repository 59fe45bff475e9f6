-- Settings an admin changed at run time (`POST settings/:_id`): one row per changed
-- setting, its value as JSON text. A setting without a row has its default.
CREATE TABLE settings (
    id TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
