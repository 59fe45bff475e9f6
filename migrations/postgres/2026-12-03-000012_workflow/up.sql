-- The team's workflow: the queue's order, transfers, tags, canned responses and the timers.

-- A room waits in the queue from `queued_at` (its opening, or the moment it was returned or
-- forwarded to a queue); the queue is served oldest first by it. It keeps its last value
-- once served. `tags` is a JSON array of strings (given on closing or by `room.saveInfo`);
-- `topic` is set by `room.saveInfo`. `agent_replied_at` is the time of the agent's last
-- message while the visitor has not answered it (NULL once the visitor writes): the
-- abandoned-chat timer runs from it.
ALTER TABLE rooms ADD COLUMN queued_at BIGINT NOT NULL DEFAULT 0;
UPDATE rooms SET queued_at = created_at;
ALTER TABLE rooms ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE rooms ADD COLUMN topic TEXT;
ALTER TABLE rooms ADD COLUMN agent_replied_at BIGINT;
DROP INDEX rooms_queue;
DROP INDEX rooms_department_queue;
CREATE INDEX rooms_queue ON rooms (queued_at, id) WHERE open AND served_by_id IS NULL;
CREATE INDEX rooms_department_queue ON rooms (department_id, queued_at) WHERE open AND served_by_id IS NULL;
CREATE INDEX rooms_abandoned ON rooms (agent_replied_at) WHERE open AND agent_replied_at IS NOT NULL;
CREATE INDEX rooms_created ON rooms (created_at);

-- The last moment an instance saw a realtime connection of this user (refreshed while one
-- is open; NULL when it never had one, or once the leave action ran).
ALTER TABLE users ADD COLUMN seen_at BIGINT;

-- What a system message carries beside its text, as JSON (a transfer's `transferData`).
ALTER TABLE messages ADD COLUMN data TEXT;

-- Tags agents put on chats, offered to the departments listed (all when none).
CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (name);
CREATE TABLE tag_departments (
    tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    department_id TEXT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, department_id)
);
CREATE INDEX tag_departments_department ON tag_departments (department_id);

-- Canned responses. `scope` is global, department (`department_id` set) or user (`user_id`
-- set); `tags` is a JSON array of strings.
CREATE TABLE canned_responses (
    id TEXT PRIMARY KEY NOT NULL,
    shortcut TEXT NOT NULL,
    text TEXT NOT NULL,
    scope TEXT NOT NULL,
    tags TEXT NOT NULL,
    department_id TEXT REFERENCES departments (id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_by_id TEXT NOT NULL,
    created_by_username TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (shortcut);
