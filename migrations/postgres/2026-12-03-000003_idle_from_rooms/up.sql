-- An agent's idle time is read from the rooms it was given (the latest `served_at`), so
-- routing a room writes no row of the agent's: every writer used to lock it.
ALTER TABLE users DROP COLUMN last_assigned_at;
CREATE INDEX rooms_served_at ON rooms (served_by_id, served_at);
