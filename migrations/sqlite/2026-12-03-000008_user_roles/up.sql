-- Roles are a set per user (SPEC section 12): `roles` holds it as a comma-separated list
-- in a fixed order, of `user`, `admin`, `livechat-manager` and `livechat-agent` (no name
-- is part of another, so `roles LIKE '%livechat-agent%'` finds exactly the agents). Agents
-- keep their role; admins could chat before, so they keep taking chats too.
ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT '';
UPDATE users SET roles = CASE role WHEN 'admin' THEN 'admin,livechat-agent' ELSE 'livechat-agent' END;
ALTER TABLE users DROP COLUMN role;
-- Presence (`users.setStatus`: online, away, busy, offline), apart from the livechat
-- availability in `status`.
ALTER TABLE users ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline';
-- An e-mail address (`users.create`), unique ignoring case.
ALTER TABLE users ADD COLUMN email TEXT;
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

-- Grants changed from their defaults (`permissions.update`); a permission without a row
-- has the default roles the server knows.
CREATE TABLE permissions (
    id TEXT PRIMARY KEY NOT NULL,
    roles TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
