-- Files sent in rooms (SPEC section 16). The bytes live in `file_chunks`, 1 MiB each; the
-- last chunk may be shorter. A file is *pending* while `message_id` is NULL: written chunk
-- by chunk in small transactions, invisible to everyone, until the transaction of the
-- message that carries it sets `message_id`. `complete` says every chunk is written (the
-- size is then final). Pending files older than 24 h are deleted by the timers.
--
-- A file goes with its room (and so with its visitor) by the foreign key, and with its
-- message when that is deleted (the application deletes it in the same transaction). A
-- thumbnail is a file too: `thumbnail_id` on the original names it, and both carry the same
-- message.
CREATE TABLE files (
    id TEXT PRIMARY KEY NOT NULL,
    rid TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    visitor_id TEXT,
    user_id TEXT,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    size BIGINT NOT NULL,
    complete BOOLEAN NOT NULL DEFAULT FALSE,
    message_id TEXT,
    created_at BIGINT NOT NULL,
    width BIGINT,
    height BIGINT,
    thumbnail_id TEXT
);
CREATE INDEX files_room ON files (rid);
CREATE INDEX files_message ON files (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX files_pending ON files (created_at) WHERE message_id IS NULL;

CREATE TABLE file_chunks (
    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    n BIGINT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (file_id, n)
);
