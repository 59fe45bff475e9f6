DROP TABLE offline_messages;
DROP INDEX rooms_queue;
DROP INDEX rooms_served_by;
DROP TABLE auth_tokens;
DROP TABLE users;
