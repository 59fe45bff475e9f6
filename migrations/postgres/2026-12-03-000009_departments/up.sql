-- Departments: teams of agents that chats are routed to. A visitor's or a room's
-- `department_id` names one of these (or none: the general queue).
CREATE TABLE departments (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    description TEXT,
    show_on_registration BOOLEAN NOT NULL,
    show_on_offline_form BOOLEAN NOT NULL,
    email TEXT NOT NULL,
    request_tag_before_closing BOOLEAN NOT NULL,
    -- A JSON array of strings.
    closing_tags TEXT NOT NULL,
    archived BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Names are unique ignoring case (ASCII case on SQLite; the database's locale on PostgreSQL).
CREATE UNIQUE INDEX departments_name_lower ON departments (lower(name));

CREATE TABLE department_agents (
    id TEXT PRIMARY KEY NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    count BIGINT NOT NULL,
    sort_order BIGINT NOT NULL,
    UNIQUE (department_id, user_id)
);
CREATE INDEX department_agents_user ON department_agents (user_id);

-- The queue of a department, oldest first.
CREATE INDEX rooms_department_queue ON rooms (department_id, created_at) WHERE open AND served_by_id IS NULL;
