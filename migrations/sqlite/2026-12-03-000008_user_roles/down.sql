DROP TABLE permissions;
DROP INDEX users_email_lower;
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users DROP COLUMN presence;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';
UPDATE users SET role = CASE WHEN roles LIKE '%admin%' THEN 'admin' ELSE 'agent' END;
ALTER TABLE users DROP COLUMN roles;
