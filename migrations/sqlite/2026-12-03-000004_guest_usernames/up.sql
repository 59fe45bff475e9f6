-- Visitors could choose their username, an agent's included; now the server names every
-- visitor `guest-<n>`. A visitor whose username is not one the server handed out (not
-- `guest-<n>`, or a number not given yet) gets the next guest number, and what is stored
-- under its old name (its messages, its edits, its closings) follows.
CREATE TEMP TABLE renamed_visitors (id TEXT PRIMARY KEY NOT NULL, username TEXT NOT NULL);
INSERT INTO renamed_visitors (id, username)
SELECT id, 'guest-' || ((SELECT value FROM counters WHERE name = 'guest')
                        + row_number() OVER (ORDER BY created_at, id))
FROM visitors
WHERE CASE WHEN username GLOB 'guest-[1-9]*' AND username NOT GLOB 'guest-*[^0-9]*'
      THEN CAST(substr(username, 7) AS INTEGER) > (SELECT value FROM counters WHERE name = 'guest')
      ELSE 1 END;
UPDATE counters SET value = value + (SELECT count(*) FROM renamed_visitors) WHERE name = 'guest';

UPDATE visitors
SET username = (SELECT r.username FROM renamed_visitors r WHERE r.id = visitors.id)
WHERE id IN (SELECT id FROM renamed_visitors);
-- Only the renamed visitors' rooms are read (by the rooms' visitor index and the messages'
-- (rid, ts) index), not every message.
UPDATE messages
SET author_username = (SELECT r.username FROM renamed_visitors r WHERE r.id = messages.author_id)
WHERE rid IN (SELECT rooms.id FROM rooms JOIN renamed_visitors r ON r.id = rooms.visitor_id)
  AND author_id IN (SELECT id FROM renamed_visitors);
UPDATE messages
SET edited_by_username =
    (SELECT r.username FROM renamed_visitors r WHERE r.id = messages.edited_by_id)
WHERE rid IN (SELECT rooms.id FROM rooms JOIN renamed_visitors r ON r.id = rooms.visitor_id)
  AND edited_by_id IN (SELECT id FROM renamed_visitors);
UPDATE rooms
SET closed_by_username =
    (SELECT r.username FROM renamed_visitors r WHERE r.id = rooms.closed_by_id)
WHERE visitor_id IN (SELECT id FROM renamed_visitors) AND closed_by_id = visitor_id;
DROP TABLE renamed_visitors;
