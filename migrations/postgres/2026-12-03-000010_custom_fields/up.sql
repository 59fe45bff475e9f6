-- Custom field definitions: visitors and rooms keep values only for defined fields.
CREATE TABLE custom_fields (
    id TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    scope TEXT NOT NULL,
    visibility TEXT NOT NULL,
    regexp TEXT NOT NULL,
    searchable BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    default_value TEXT NOT NULL,
    options TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A room's values of room fields.
CREATE TABLE room_fields (
    rid TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (rid, key)
);

-- Values stored before fields were defined stay, defined by a hidden visitor field each, so
-- nothing a visitor gave is lost and a manager decides what to keep.
INSERT INTO custom_fields (id, label, scope, visibility, regexp, searchable, kind, required,
                           default_value, options, public, updated_at)
SELECT DISTINCT key, key, 'visitor', 'hidden', '', FALSE, 'input', FALSE, '', '', FALSE, 0
FROM visitor_fields;
