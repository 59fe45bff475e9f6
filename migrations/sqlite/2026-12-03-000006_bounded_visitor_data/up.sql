-- A visitor's custom fields were one JSON text, rewritten whole by every update and of any
-- size. Now each field is a row of its own: an update touches one field, and the server
-- bounds how many a visitor keeps. Values that were not strings are dropped (the API only
-- ever stored strings).
CREATE TABLE visitor_fields (
    visitor_id TEXT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (visitor_id, key)
);
INSERT INTO visitor_fields (visitor_id, key, value)
SELECT visitors.id, field.key, field.value
FROM visitors, json_each(visitors.custom_fields) AS field
WHERE visitors.custom_fields IS NOT NULL AND json_valid(visitors.custom_fields)
  AND json_type(visitors.custom_fields) = 'object' AND field.type = 'text';
ALTER TABLE visitors DROP COLUMN custom_fields;

-- The pages a visitor saw while a room was open (`livechat/page.visited`), the newest few
-- per room.
CREATE TABLE room_pages (
    id TEXT PRIMARY KEY NOT NULL,
    rid TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    ts BIGINT NOT NULL,
    change TEXT NOT NULL,
    title TEXT NOT NULL,
    href TEXT NOT NULL
);
CREATE INDEX room_pages_rid_ts ON room_pages (rid, ts);

-- Offline messages are counted per e-mail address over the last hour.
CREATE INDEX offline_messages_email ON offline_messages (email, created_at);
