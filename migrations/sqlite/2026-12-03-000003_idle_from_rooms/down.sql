DROP INDEX rooms_served_at;
ALTER TABLE users ADD COLUMN last_assigned_at BIGINT NOT NULL DEFAULT 0;
