-- Agents and admins, their auth tokens, and offline messages.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'not-available',
    last_assigned_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Auth tokens are stored hashed (SHA-256, hex); the token itself is only ever in the
-- login reply.
CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE INDEX rooms_served_by ON rooms (served_by_id) WHERE open;
CREATE INDEX rooms_queue ON rooms (created_at) WHERE open AND served_by_id IS NULL;

CREATE TABLE offline_messages (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    message TEXT NOT NULL,
    department TEXT,
    created_at BIGINT NOT NULL
);
