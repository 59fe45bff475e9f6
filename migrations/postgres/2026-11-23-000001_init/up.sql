-- Visitors, rooms and messages. Timestamps are epoch milliseconds (BIGINT) on both backends.

CREATE TABLE counters (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('guest', 0);
-- On PostgreSQL guest numbers come from a sequence: instances never wait on one counter row.
CREATE SEQUENCE guest_numbers;

CREATE TABLE visitors (
    id TEXT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    name TEXT,
    email TEXT,
    phone TEXT,
    department TEXT,
    custom_fields TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE rooms (
    id TEXT PRIMARY KEY NOT NULL,
    visitor_id TEXT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    fname TEXT NOT NULL,
    open BOOLEAN NOT NULL,
    msgs BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_message_at BIGINT,
    last_ts BIGINT NOT NULL,
    served_by_id TEXT,
    served_by_username TEXT,
    served_at BIGINT,
    department_id TEXT,
    closed_at BIGINT,
    closed_by_id TEXT,
    closed_by_username TEXT,
    closer TEXT,
    source_type TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- At most one open room per visitor, whatever the application does.
CREATE UNIQUE INDEX rooms_one_open_per_visitor ON rooms (visitor_id) WHERE open;
CREATE INDEX rooms_visitor ON rooms (visitor_id);

CREATE TABLE messages (
    id TEXT PRIMARY KEY NOT NULL,
    rid TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    msg TEXT NOT NULL,
    ts BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    author_id TEXT NOT NULL,
    author_username TEXT NOT NULL,
    author_name TEXT,
    visitor_id TEXT,
    alias TEXT,
    kind TEXT,
    edited_at BIGINT,
    edited_by_id TEXT,
    edited_by_username TEXT,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    -- Strictly increasing ts within a room: two messages never share one.
    UNIQUE (rid, ts)
);
