-- Visitors could choose their username, an agent's included; now the server names every
-- visitor `guest-<n>`. A visitor whose username is not one the server handed out (not
-- `guest-<n>`, or a number not given yet) gets the next guest number, and what is stored
-- under its old name (its messages, its edits, its closings) follows.
CREATE TEMP TABLE renamed_visitors (id TEXT PRIMARY KEY NOT NULL, username TEXT NOT NULL);
INSERT INTO renamed_visitors (id, username)
SELECT id, 'guest-' || nextval('guest_numbers')
FROM (
    SELECT id FROM visitors
    WHERE CASE WHEN username ~ '^guest-[1-9][0-9]*$'
          THEN substr(username, 7)::NUMERIC >
               (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM guest_numbers)
          ELSE TRUE END
    ORDER BY created_at, id
) AS chosen;

UPDATE visitors SET username = r.username FROM renamed_visitors r WHERE r.id = visitors.id;
-- Only the renamed visitors' rooms are read (by the rooms' visitor index and the messages'
-- (rid, ts) index), not every message.
UPDATE messages SET author_username = r.username
FROM renamed_visitors r JOIN rooms ON rooms.visitor_id = r.id
WHERE messages.rid = rooms.id AND messages.author_id = r.id;
UPDATE messages SET edited_by_username = r.username
FROM renamed_visitors r JOIN rooms ON rooms.visitor_id = r.id
WHERE messages.rid = rooms.id AND messages.edited_by_id = r.id;
UPDATE rooms SET closed_by_username = r.username
FROM renamed_visitors r
WHERE rooms.visitor_id = r.id AND rooms.closed_by_id = r.id;
DROP TABLE renamed_visitors;
